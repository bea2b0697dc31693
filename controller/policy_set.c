// SPDX-License-Identifier: GPL-2.0
#include <string.h>
#include <time.h>
#include <sys/random.h>
#include <bpf/bpf.h>

#include "manifest_exception.h"
#include "policy_set.h"

#define BATCH 4096

static bool policy_id_in_use(const struct nojit_maps *m, __u32 id)
{
	struct nojit_policy_ref ref;
	__u64 key, *prev = NULL;

	while (bpf_map_get_next_key(m->policies, prev, &key) == 0) {
		if (!bpf_map_lookup_elem(m->policies, &key, &ref) && ref.policy_id == id)
			return true;
		prev = &key;
	}
	return false;
}

static int new_policy_id(const struct nojit_maps *m, __u32 *ret)
{
	for (int tries = 0; tries < 64; tries++) {
		__u32 id;

		if (getrandom(&id, sizeof(id), 0) != sizeof(id))
			return -errno;
		if (id && !policy_id_in_use(m, id)) {
			*ret = id;
			return 0;
		}
	}
	return -EAGAIN;
}

/* Every key of map FD (keyed by struct nojit_allow_key) under POLICY_ID, deleted. */
static int delete_keys(int fd, __u32 policy_id)
{
	struct nojit_allow_key key, next, *prev = NULL;
	int ret = 0;

	/*
	 * Deleting the current key would restart get_next_key from the top,
	 * so a key is deleted only once its successor is known.
	 */
	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		if (prev && prev->policy_id == policy_id &&
		    bpf_map_delete_elem(fd, prev) && errno != ENOENT)
			ret = -errno;
		key = next;
		prev = &key;
	}
	if (prev && prev->policy_id == policy_id &&
	    bpf_map_delete_elem(fd, prev) && errno != ENOENT)
		ret = -errno;
	return ret;
}

/* POLICY_ID's allow set and exceptions, deleted. */
static int delete_set(const struct nojit_maps *m, __u32 policy_id)
{
	int ret = delete_keys(m->allow, policy_id);
	int r = delete_keys(m->exceptions, policy_id);

	return ret ? ret : r;
}

/*
 * UNIX_SECONDS as CLOCK_BOOTTIME, the kernel's clock: setting the wall
 * clock back later cannot lengthen an exception.
 */
static __u64 boot_ns_of(__s64 unix_seconds)
{
	struct timespec real, boot;
	__s64 left;

	clock_gettime(CLOCK_REALTIME, &real);
	clock_gettime(CLOCK_BOOTTIME, &boot);
	left = unix_seconds - real.tv_sec;
	if (left <= 0)
		return 0;
	return (__u64)boot.tv_sec * 1000000000ull + (__u64)boot.tv_nsec +
	       (__u64)left * 1000000000ull - (__u64)real.tv_nsec;
}

/* The manifest's exceptions, already verified by the caller. */
static int insert_exceptions(const struct nojit_maps *m, __u32 policy_id,
			     const struct nojit_manifest *man)
{
	for (size_t i = 0; i < man->n_exceptions; i++) {
		const struct nojit_manifest_exception *e = &man->exceptions[i];
		struct nojit_allow_key key = { .policy_id = policy_id };
		struct nojit_exception v = { .allow = e->allow };

		memcpy(key.sha256, e->sha256, sizeof(key.sha256));
		v.expires_boot_ns = boot_ns_of(e->expires < man->expires ? e->expires : man->expires);
		snprintf(v.id, sizeof(v.id), "%s", e->id);
		v.n_paths = (__u32)e->n_write_paths;
		for (size_t j = 0; j < e->n_write_paths; j++)
			snprintf(v.write_paths[j], sizeof(v.write_paths[j]), "%s", e->write_paths[j]);
		if (bpf_map_update_elem(m->exceptions, &key, &v, BPF_NOEXIST))
			return -errno;
	}
	return 0;
}

static int insert_set(const struct nojit_maps *m, __u32 policy_id,
		      const struct nojit_manifest *man)
{
	_cleanup_free_ struct nojit_allow_key *keys = NULL;
	_cleanup_free_ __u32 *kinds = NULL;

	keys = calloc(BATCH, sizeof(*keys));
	kinds = calloc(BATCH, sizeof(*kinds));
	if (!keys || !kinds)
		return -ENOMEM;
	for (size_t done = 0; done < man->n_entries;) {
		__u32 n = 0;

		for (; n < BATCH && done + n < man->n_entries; n++) {
			const struct nojit_manifest_entry *e = &man->entries[done + n];

			keys[n].policy_id = policy_id;
			memcpy(keys[n].sha256, e->sha256, sizeof(keys[n].sha256));
			kinds[n] = e->kind;
		}
		/* A manifest lists a digest once; merged kinds are the parser's job. */
		if (bpf_map_update_batch(m->allow, keys, kinds, &n, NULL))
			return -errno;
		done += n;
	}
	return 0;
}

int policy_set_install(const struct nojit_maps *m, __u64 enrolled_id,
		       const struct nojit_manifest *man, __u32 hash_source,
		       struct nojit_err *err)
{
	struct nojit_policy_ref old = {}, ref = { .hash_source = hash_source };
	bool had_old;
	int ret;

	/* Every way into the kernel passes here: none without its approvals checked. */
	if (man->n_exceptions && !man->exceptions_verified)
		return nojit_err_set(err, -EPERM,
				     "manifest \"%s\": its JIT exceptions were not checked against approver keys",
				     man->name);
	had_old = bpf_map_lookup_elem(m->policies, &enrolled_id, &old) == 0;
	ret = new_policy_id(m, &ref.policy_id);
	if (ret)
		return nojit_err_set(err, ret, "allocating a policy id: %s", strerror(-ret));
	ret = insert_set(m, ref.policy_id, man);
	if (!ret)
		ret = insert_exceptions(m, ref.policy_id, man);
	if (ret) {
		delete_set(m, ref.policy_id);
		return nojit_err_set(err, ret,
				     "loading %zu manifest entries into the kernel: %s%s",
				     man->n_entries, strerror(-ret),
				     ret == -E2BIG || ret == -ENOMEM ?
				     " (all manifests in force together exceed the allow map)" : "");
	}
	if (bpf_map_update_elem(m->policies, &enrolled_id, &ref, BPF_ANY)) {
		ret = -errno;
		delete_set(m, ref.policy_id);
		return nojit_err_set(err, ret, "switching to the new manifest: %s", strerror(-ret));
	}
	if (had_old)
		delete_set(m, old.policy_id);
	return 0;
}

int policy_set_remove(const struct nojit_maps *m, __u64 enrolled_id)
{
	struct nojit_policy_ref old;

	if (bpf_map_lookup_elem(m->policies, &enrolled_id, &old))
		return 0;
	if (bpf_map_delete_elem(m->policies, &enrolled_id) && errno != ENOENT)
		return -errno;
	return delete_set(m, old.policy_id);
}

int policy_set_exceptions(const struct nojit_maps *m, __u64 enrolled_id,
			  struct policy_exception **list, size_t *n)
{
	struct nojit_allow_key key, *prev = NULL;
	struct nojit_policy_ref ref;

	if (bpf_map_lookup_elem(m->policies, &enrolled_id, &ref))
		return 0;
	while (bpf_map_get_next_key(m->exceptions, prev, &key) == 0) {
		struct policy_exception *grown, *e;

		prev = &key;
		if (key.policy_id != ref.policy_id)
			continue;
		grown = realloc(*list, (*n + 1) * sizeof(**list));
		if (!grown)
			return -ENOMEM;
		*list = grown;
		e = &grown[*n];
		if (bpf_map_lookup_elem(m->exceptions, &key, &e->v))
			continue;	/* replaced meanwhile */
		e->enrolled_id = enrolled_id;
		memcpy(e->sha256, key.sha256, sizeof(e->sha256));
		e->v.id[sizeof(e->v.id) - 1] = '\0';
		(*n)++;
	}
	return 0;
}

int policy_set_count(const struct nojit_maps *m, __u64 enrolled_id, size_t *ret_n)
{
	struct nojit_allow_key key, *prev = NULL;
	struct nojit_policy_ref ref;
	size_t n = 0;

	*ret_n = 0;
	if (bpf_map_lookup_elem(m->policies, &enrolled_id, &ref))
		return 0;
	while (bpf_map_get_next_key(m->allow, prev, &key) == 0) {
		if (key.policy_id == ref.policy_id)
			n++;
		prev = &key;
	}
	*ret_n = n;
	return 0;
}
