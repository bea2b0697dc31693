/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Routes 4, 6, 10 and 11: with a manifest in force, a governed task may
 * exec, or map executable, only files whose SHA-256 the manifest lists.
 * The digest of a file is computed once and cached on its inode; opening
 * the inode for writing or truncating it invalidates the cache, so a
 * warm exec costs lookups, not a hash. Fails closed: no digest, no exec.
 */
#ifndef NOJIT_HASHGATE_BPF_H
#define NOJIT_HASHGATE_BPF_H

#include "policy.bpf.h"

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

/* Any task that may change a file's content makes its cached digest stale. */
static __always_inline void file_hash_invalidate(struct inode *inode)
{
	struct nojit_file_hash *fh;

	fh = bpf_inode_storage_get(&nojit_file_hashes, inode, 0, 0);
	if (fh)
		__sync_fetch_and_add(&fh->gen, 1);
}

/*
 * An open for writing. A file that governed code runs from may not be
 * rewritten by governed tasks: the hash gate saw only the first mapping,
 * and the page cache would carry new bytes into it (execve's ETXTBSY,
 * extended to every executable mapping). Anyone else's write makes the
 * cached digest stale.
 */
static __always_inline int file_write_open(struct file *file)
{
	const struct nojit_cgroup_policy *pol;
	struct nojit_file_hash *fh;

	fh = bpf_inode_storage_get(&nojit_file_hashes, file->f_inode, 0, 0);
	if (!fh)
		return 0;
	if (fh->exec_mapped) {
		pol = policy_current();
		if (pol)
			return deny_file(pol, NOJIT_ROUTE_DOUBLE_MAP, NOJIT_HOOK_FILE_OPEN,
					 0, FMODE_WRITE, file);
	}
	__sync_fetch_and_add(&fh->gen, 1);
	return 0;
}

/*
 * The file's SHA-256 into DIGEST: from the inode's cache, else from IMA
 * (sleepable hooks only). 0 or -EPERM when no trustworthy digest exists.
 */
static __always_inline int file_digest(struct file *file, struct inode *inode,
				       __u32 source, __u8 *digest)
{
	struct nojit_file_hash *fh;
	__u64 gen = 0;
	long algo;

	fh = bpf_inode_storage_get(&nojit_file_hashes, inode, 0,
				   BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (fh && fh->valid && fh->hashed_gen == fh->gen) {
		__builtin_memcpy(digest, fh->sha256, 32);
		stat_inc(NOJIT_STAT_HASH_CACHE_HITS);
		return 0;
	}
	if (source != NOJIT_HASH_SOURCE_IMA)
		return -EPERM;
	if (fh)
		gen = fh->gen;
	algo = bpf_ima_file_hash(file, digest, 32);
	if (algo != HASH_ALGO_SHA256)
		return -EPERM;
	stat_inc(NOJIT_STAT_HASHES_COMPUTED);
	/*
	 * Cache only what no writer could have changed under the hash: a
	 * write-open during hashing moved gen past the value read before.
	 */
	if (fh && BPF_CORE_READ(inode, i_writecount.counter) <= 0) {
		__builtin_memcpy(fh->sha256, digest, 32);
		fh->hashed_gen = gen;
		fh->valid = 1;
	}
	return 0;
}

/*
 * 0 if FILE may be used as NEED_KIND under POL's manifest (or POL has no
 * manifest), else the denial, reported with the file's digest.
 */
static __always_inline int hash_gate(const struct nojit_cgroup_policy *pol,
				     struct file *file, __u32 need_kind,
				     __u32 route, __u32 hook, __u32 prot, __u64 flags)
{
	struct nojit_allow_key key = {};
	const struct nojit_policy_ref *ref;
	struct violation_info vi = {
		.route = route, .hook = hook, .prot = prot, .flags = flags,
	};
	struct inode *inode = file->f_inode;
	__u32 *kind;

	ref = bpf_map_lookup_elem(&nojit_policies, &pol->enrolled_id);
	if (!ref)
		return 0;
	vi.inode = inode;
	vi.path = &file->f_path;
	if (file_digest(file, inode, ref->hash_source, key.sha256)) {
		stat_inc(NOJIT_STAT_HASH_FAILED);
		return violation(pol, &vi, NOJIT_ACTION_DENIED);
	}
	key.policy_id = ref->policy_id;
	kind = bpf_map_lookup_elem(&nojit_allow, &key);
	if (kind && (*kind & need_kind)) {
		struct nojit_file_hash *fh;

		fh = bpf_inode_storage_get(&nojit_file_hashes, inode, 0, 0);
		if (fh)
			fh->exec_mapped = 1;
		return 0;
	}
	vi.sha256 = key.sha256;
	return violation(pol, &vi, NOJIT_ACTION_DENIED);
}

SEC("lsm/path_truncate")
int BPF_PROG(nojit_path_truncate, const struct path *path, int ret)
{
	if (ret)
		return ret;
	file_hash_invalidate(path->dentry->d_inode);
	return 0;
}

#endif /* NOJIT_HASHGATE_BPF_H */
