/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Routes 4, 6, 10, 11, 15, 16 and 17: with a manifest in force, a governed
 * task may exec, or map executable, only files whose SHA-256 the manifest
 * lists, and a file it did may no longer be written by governed tasks.
 * The digest of a file is computed once and cached for the inode holding
 * its data (stacked.bpf.h); opening that inode for writing or truncating
 * it invalidates the cache, so a warm exec costs lookups, not a hash.
 * Fails closed: no digest, no data inode or no room for the marks means
 * no exec.
 */
#ifndef NOJIT_HASHGATE_BPF_H
#define NOJIT_HASHGATE_BPF_H

#include "policy.bpf.h"
#include "stacked.bpf.h"
#include "task.bpf.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, struct nojit_policy_ref);
} nojit_policies SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, NOJIT_MAX_ALLOW);
	__type(key, struct nojit_allow_key);
	__type(value, __u32);
} nojit_allow SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_INODE_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct nojit_file_hash);
} nojit_file_hashes SEC(".maps");

/* The data's state: in inode storage for a plain file, else stacked_state(). */
static __always_inline struct nojit_file_hash *data_state(const struct data_ref *ref,
							  bool create)
{
	if (ref->plain)
		return bpf_inode_storage_get(&nojit_file_hashes, ref->plain, 0,
					     create ? BPF_LOCAL_STORAGE_GET_F_CREATE : 0);
	return stacked_state(&ref->key, create);
}

/*
 * What a writer of the data must respect: its own state, and for a plain
 * inode also the state kept for it as some overlay's data (or NULL).
 */
static __always_inline struct nojit_file_hash *data_state_as_lower(const struct data_ref *ref)
{
	return ref->plain ? stacked_state(&ref->key, false) : NULL;
}

static __always_inline bool state_is_code(const struct nojit_file_hash *fh)
{
	return fh && (fh->exec_mapped || fh->in_gate);
}

/*
 * True if governed tasks may not write the data: governed code runs from
 * it, or a hash-gate decision about it is in progress.
 */
static __always_inline bool data_is_code(const struct data_ref *ref)
{
	return state_is_code(data_state(ref, false)) ||
	       state_is_code(data_state_as_lower(ref));
}

static __always_inline void state_invalidate(struct nojit_file_hash *fh)
{
	if (fh)
		__sync_fetch_and_add(&fh->gen, 1);
}

/*
 * An open for writing. A file that governed code runs from may not be
 * rewritten by governed tasks: the hash gate saw only the first mapping,
 * and the page cache would carry new bytes into it (execve's ETXTBSY,
 * extended to every executable mapping). Neither may one the gate is
 * deciding about right now. Anyone else's write makes the cached digest
 * stale and an ongoing decision refuse. On overlayfs the open of the
 * overlay file and the open of its upper file both come here.
 */
static __always_inline int file_write_open(struct file *file)
{
	const struct nojit_cgroup_policy *pol;
	struct nojit_file_hash *fh, *lower;
	struct data_ref ref;

	if (data_ref_get(file->f_inode, &ref)) {
		pol = policy_current();
		if (!pol)
			return 0;
		stat_inc(NOJIT_STAT_FAIL_STACKED_FS);
		return deny_file(pol, NOJIT_ROUTE_STACKED_FS, NOJIT_HOOK_FILE_OPEN,
				 0, FMODE_WRITE, file);
	}
	fh = data_state(&ref, false);
	lower = data_state_as_lower(&ref);
	if (state_is_code(fh) || state_is_code(lower)) {
		pol = policy_current();
		if (pol)
			return deny_file(pol, NOJIT_ROUTE_DOUBLE_MAP, NOJIT_HOOK_FILE_OPEN,
					 0, FMODE_WRITE, file);
	}
	state_invalidate(fh);
	state_invalidate(lower);
	return 0;
}

/*
 * The file's SHA-256 into DIGEST: from the cache, else from IMA
 * (sleepable hooks only). 0, or -EPERM when no trustworthy digest exists.
 * The cache is filled by the caller, once the decision is known to be
 * free of writers.
 */
static __always_inline int file_digest(struct file *file, struct nojit_file_hash *fh,
				       __u64 gen, __u32 source, __u8 *digest)
{
	if (fh->valid && fh->hashed_gen == gen) {
		__builtin_memcpy(digest, fh->sha256, 32);
		stat_inc(NOJIT_STAT_HASH_CACHE_HITS);
		return 0;
	}
	if (source != NOJIT_HASH_SOURCE_IMA)
		return -EPERM;
	if (bpf_ima_file_hash(file, digest, 32) != HASH_ALGO_SHA256)
		return -EPERM;
	stat_inc(NOJIT_STAT_HASHES_COMPUTED);
	return 0;
}

/*
 * The decision itself, with fh->in_gate held by the caller: from here on
 * a governed write-open is refused and anyone else's moves fh->gen. The
 * verdict is "allowed" only if no writer of the data inode existed at the
 * start, none appeared until the end, and the digest is listed; only then
 * is the digest cached and the file marked as code.
 */
static __always_inline int gate_decide(const struct nojit_cgroup_policy *pol,
				       const struct nojit_policy_ref *ref,
				       struct file *file, const struct data_ref *data,
				       struct nojit_file_hash *fh, __u32 need_kind,
				       struct violation_info *vi)
{
	struct nojit_allow_key key = {};
	__u64 gen = fh->gen;
	__u32 *kind;

	if (data_has_writers(data)) {
		vi->route = data->inode == (__u64)file->f_inode ?
			NOJIT_ROUTE_DOUBLE_MAP : NOJIT_ROUTE_STACKED_FS;
		return violation(pol, vi, NOJIT_ACTION_DENIED);
	}
	if (file_digest(file, fh, gen, ref->hash_source, key.sha256)) {
		stat_inc(NOJIT_STAT_HASH_FAILED);
		return violation(pol, vi, NOJIT_ACTION_DENIED);
	}
	if (fh->gen != gen || data_has_writers(data)) {
		vi->route = NOJIT_ROUTE_GATE_RACE;
		return violation(pol, vi, NOJIT_ACTION_DENIED);
	}
	__builtin_memcpy(fh->sha256, key.sha256, 32);
	fh->hashed_gen = gen;
	fh->valid = 1;

	key.policy_id = ref->policy_id;
	kind = bpf_map_lookup_elem(&nojit_allow, &key);
	if (kind && (*kind & need_kind)) {
		fh->exec_mapped = 1;
		return 0;
	}
	vi->sha256 = fh->sha256;
	return violation(pol, vi, NOJIT_ACTION_DENIED);
}

/*
 * 0 if FILE, whose data inode the caller resolved into DATA, may be used
 * as NEED_KIND under POL's manifest (or POL has no manifest), else the
 * denial, reported with the file's digest.
 */
static __always_inline int hash_gate(const struct nojit_cgroup_policy *pol,
				     struct file *file, const struct data_ref *data,
				     __u32 need_kind, __u32 route, __u32 hook,
				     __u32 prot, __u64 flags)
{
	const struct nojit_policy_ref *ref;
	struct violation_info vi = {
		.route = route, .hook = hook, .prot = prot, .flags = flags,
		.inode = file->f_inode, .path = &file->f_path,
	};
	struct nojit_file_hash *fh;
	int verdict;

	ref = bpf_map_lookup_elem(&nojit_policies, &pol->enrolled_id);
	if (!ref)
		return 0;
	fh = data_state(data, true);
	if (!fh) {
		stat_inc(NOJIT_STAT_FAIL_NO_STORAGE);
		return violation(pol, &vi, NOJIT_ACTION_DENIED);
	}
	__sync_fetch_and_add(&fh->in_gate, 1);
	verdict = gate_decide(pol, ref, file, data, fh, need_kind, &vi);
	__sync_fetch_and_add(&fh->in_gate, (__u32)-1);
	return verdict;
}

/*
 * Truncation changes content with no open for writing (truncate(2) by
 * path, O_TRUNC even with O_RDONLY, ftruncate): it zeroes the tail of the
 * last page and drops the pages past the cut, under every mapping. So it
 * counts as a write: refused for governed tasks on a file governed code
 * runs from (route 17), and it makes anyone else's cached digest stale.
 */
static __always_inline int truncate_code(struct inode *inode, __u32 hook)
{
	const struct nojit_cgroup_policy *pol;
	struct data_ref ref;

	pol = policy_current();
	if (data_ref_get(inode, &ref)) {
		if (!pol)
			return 0;
		stat_inc(NOJIT_STAT_FAIL_STACKED_FS);
		return deny(pol, NOJIT_ROUTE_STACKED_FS, hook, 0, 0, inode);
	}
	/* Named by inode: bpf_d_path() is not allowed in the truncate hooks. */
	if (pol && data_is_code(&ref))
		return deny(pol, NOJIT_ROUTE_FOREIGN_FD_WRITE, hook, 0, 0, inode);
	state_invalidate(data_state(&ref, false));
	state_invalidate(data_state_as_lower(&ref));
	return 0;
}

/*
 * A task marked with a JIT exception truncates only through a descriptor
 * it opened for writing, where file_open checked its write paths
 * (exception.bpf.h); truncate(2) by path and O_TRUNC without write access
 * are refused to it outright.
 */
SEC("lsm/path_truncate")
int BPF_PROG(nojit_path_truncate, const struct path *path, int ret)
{
	struct inode *inode;

	if (ret)
		return ret;
	inode = path->dentry->d_inode;
	if (task_marked())
		return confined(NOJIT_HOOK_PATH_TRUNCATE, 0, 0, inode, NULL);
	return truncate_code(inode, NOJIT_HOOK_PATH_TRUNCATE);
}

SEC("lsm/file_truncate")
int BPF_PROG(nojit_file_truncate, struct file *file, int ret)
{
	if (ret)
		return ret;
	if (!(file->f_mode & FMODE_WRITE) && task_marked())
		return confined(NOJIT_HOOK_FILE_TRUNCATE, 0, 0, file->f_inode, NULL);
	return truncate_code(file->f_inode, NOJIT_HOOK_FILE_TRUNCATE);
}

#endif /* NOJIT_HASHGATE_BPF_H */
