// SPDX-License-Identifier: GPL-2.0
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>

#include "cgroup.h"
#include "enroll.h"
#include "policy_set.h"

/* The cgroup2 root's id: enrolling it would govern the whole machine. */
#define CGROUP_ROOT_ID 1

struct subtree_ctx {
	const struct nojit_maps *m;
	struct nojit_cgroup_policy value;
};

static bool is_enrolled(const struct nojit_maps *m, __u64 id)
{
	struct nojit_enrollment rec;

	return bpf_map_lookup_elem(m->enrollments, &id, &rec) == 0;
}

static int govern_one(void *ctx, __u64 id)
{
	struct subtree_ctx *c = ctx;

	/* A nested enrollment keeps governing its own subtree. */
	if (is_enrolled(c->m, id))
		return CGROUP_WALK_SKIP;
	if (bpf_map_update_elem(c->m->cgroups, &id, &c->value, BPF_ANY))
		return -errno;
	return 0;
}

int enroll_cgroup(const struct nojit_maps *m, int fd, __u64 id, const char *path,
		  bool *ret_already, struct nojit_err *err)
{
	struct nojit_enrollment rec = {}, old;
	struct subtree_ctx ctx = { .m = m };
	_cleanup_free_ char *real = NULL;
	struct timespec now;
	int ret;

	if (id == CGROUP_ROOT_ID)
		return nojit_err_set(err, -EINVAL,
				     "cgroup %s: refusing to enroll the cgroup2 root (it holds the whole machine, nojit included)",
				     path);
	/* The name recorded is where the open cgroup is, not what PATH names now. */
	ret = fd_path(fd, &real);
	if (ret)
		return nojit_err_set(err, ret, "cgroup %s: %s", path,
				     ret == -ENOENT ? "removed or renamed meanwhile" : strerror(-ret));
	if (strlen(real) >= sizeof(rec.path))
		return nojit_err_set(err, -ENAMETOOLONG, "cgroup %s: path longer than %zu bytes",
				     path, sizeof(rec.path) - 1);
	strcpy(rec.path, real);
	clock_gettime(CLOCK_REALTIME, &now);
	rec.enrolled_at_ns = (__u64)now.tv_sec * 1000000000ull + now.tv_nsec;

	*ret_already = bpf_map_lookup_elem(m->enrollments, &id, &old) == 0;
	if (*ret_already) {
		/* Re-enrolling keeps the date and the manifest in force. */
		rec = old;
		strcpy(rec.path, real);
	}
	ctx.value.enrolled_id = id;
	ctx.value.mode = NOJIT_MODE_ENFORCE;
	if (bpf_map_update_elem(m->enrollments, &id, &rec, BPF_ANY))
		return nojit_err_set(err, -errno, "cgroup %s: recording the enrollment: %s",
				     path, strerror(errno));
	/*
	 * From this update on, the kernel gives every new child cgroup the
	 * entry of its parent. The walk then covers the children that already
	 * existed; it runs twice because a mkdir in flight during the first
	 * pass may have copied its parent's entry from before the update.
	 */
	if (bpf_map_update_elem(m->cgroups, &id, &ctx.value, BPF_ANY))
		return nojit_err_set(err, -errno, "cgroup %s: updating the policy map: %s",
				     path, strerror(errno));
	for (int pass = 0; pass < 2; pass++) {
		ret = cgroup_walk_below(fd, govern_one, &ctx);
		if (ret)
			return nojit_err_set(err, ret, "cgroup %s: enrolling its subtree: %s",
					     path, strerror(-ret));
	}
	return 0;
}

/* All keys of a hash map, collected before any of them is changed. */
static int map_keys(int fd, __u64 **ret, size_t *ret_n)
{
	__u64 *keys = NULL, key, *prev = NULL;
	size_t n = 0, cap = 0;

	while (bpf_map_get_next_key(fd, prev, &key) == 0) {
		if (n == cap) {
			__u64 *grown;

			cap = cap ? cap * 2 : 256;
			grown = realloc(keys, cap * sizeof(*keys));
			if (!grown) {
				free(keys);
				return -ENOMEM;
			}
			keys = grown;
		}
		keys[n] = key;
		prev = &keys[n];
		n++;
	}
	if (errno != ENOENT) {
		free(keys);
		return -errno;
	}
	*ret = keys;
	*ret_n = n;
	return 0;
}

struct ancestor_ctx {
	const struct nojit_maps *m;
	__u64 id;
	bool found;
};

static int find_enrolled(void *ctx, __u64 id)
{
	struct ancestor_ctx *c = ctx;

	if (!is_enrolled(c->m, id))
		return 0;
	c->id = id;
	c->found = true;
	return 1;
}

int release_cgroup(const struct nojit_maps *m, const char *path, struct nojit_err *err)
{
	_cleanup_close_ int fd = -1;
	struct ancestor_ctx anc = { .m = m };
	struct nojit_cgroup_policy fallback;
	__u64 id;
	int ret;

	ret = cgroup_open(path, &fd, &id, err);
	if (ret)
		return ret;
	if (!is_enrolled(m, id))
		return nojit_err_set(err, -ENOENT, "cgroup %s: not enrolled", path);
	ret = cgroup_walk_up(fd, find_enrolled, &anc);
	if (ret)
		return nojit_err_set(err, ret, "cgroup %s: looking for an enrolled ancestor: %s",
				     path, strerror(-ret));
	if (anc.found && bpf_map_lookup_elem(m->cgroups, &anc.id, &fallback))
		return nojit_err_set(err, -errno, "cgroup %s: enrolled ancestor %llu has no policy entry",
				     path, (unsigned long long)anc.id);

	/* Twice, for a child created while the first sweep ran. */
	for (int pass = 0; pass < 2; pass++) {
		_cleanup_free_ __u64 *keys = NULL;
		size_t n;

		ret = map_keys(m->cgroups, &keys, &n);
		if (ret)
			return nojit_err_set(err, ret, "reading the policy map: %s", strerror(-ret));
		for (size_t i = 0; i < n; i++) {
			struct nojit_cgroup_policy v;

			if (bpf_map_lookup_elem(m->cgroups, &keys[i], &v) || v.enrolled_id != id)
				continue;
			if (anc.found)
				ret = bpf_map_update_elem(m->cgroups, &keys[i], &fallback, BPF_ANY);
			else
				ret = bpf_map_delete_elem(m->cgroups, &keys[i]);
			if (ret && errno != ENOENT)
				return nojit_err_set(err, -errno, "cgroup %s: updating the policy map: %s",
						     path, strerror(errno));
		}
	}
	ret = policy_set_remove(m, id);
	if (ret)
		return nojit_err_set(err, ret, "cgroup %s: removing its manifest: %s",
				     path, strerror(-ret));
	bpf_map_delete_elem(m->responses, &id);
	if (bpf_map_delete_elem(m->enrollments, &id) && errno != ENOENT)
		return nojit_err_set(err, -errno, "cgroup %s: removing the enrollment: %s",
				     path, strerror(errno));
	return 0;
}

int enroll_set_manifest(const struct nojit_maps *m, __u64 id, const struct nojit_manifest *man)
{
	struct nojit_enrollment rec;

	if (bpf_map_lookup_elem(m->enrollments, &id, &rec))
		return -errno;
	rec.serial = man->serial;
	rec.expires = man->expires;
	memcpy(rec.manifest_sha256, man->file_sha256, sizeof(rec.manifest_sha256));
	snprintf(rec.manifest_name, sizeof(rec.manifest_name), "%s", man->name);
	snprintf(rec.key_id, sizeof(rec.key_id), "%s", man->key_id);
	if (bpf_map_update_elem(m->enrollments, &id, &rec, BPF_EXIST))
		return -errno;
	return 0;
}

int enroll_set_origin(const struct nojit_maps *m, __u64 id, __u32 origin, const char *policy,
		      const __u8 policy_sha256[32], const char *container_id)
{
	struct nojit_enrollment rec;

	if (bpf_map_lookup_elem(m->enrollments, &id, &rec))
		return -errno;
	rec.origin = origin;
	snprintf(rec.policy, sizeof(rec.policy), "%s", policy ? policy : "");
	memset(rec.policy_sha256, 0, sizeof(rec.policy_sha256));
	if (policy_sha256)
		memcpy(rec.policy_sha256, policy_sha256, sizeof(rec.policy_sha256));
	snprintf(rec.container_id, sizeof(rec.container_id), "%s", container_id ? container_id : "");
	if (bpf_map_update_elem(m->enrollments, &id, &rec, BPF_EXIST))
		return -errno;
	return 0;
}

int enroll_clear_manifest(const struct nojit_maps *m, __u64 id)
{
	struct nojit_enrollment rec;
	int r;

	if (bpf_map_lookup_elem(m->enrollments, &id, &rec))
		return -errno;
	if (!rec.key_id[0])
		return 0;
	r = policy_set_remove(m, id);
	if (r)
		return r;
	rec.serial = 0;
	rec.expires = 0;
	memset(rec.manifest_sha256, 0, sizeof(rec.manifest_sha256));
	memset(rec.manifest_name, 0, sizeof(rec.manifest_name));
	memset(rec.key_id, 0, sizeof(rec.key_id));
	if (bpf_map_update_elem(m->enrollments, &id, &rec, BPF_EXIST))
		return -errno;
	return 0;
}

int enroll_set_response(const struct nojit_maps *m, __u64 id, __u32 mode, __u32 on_violation)
{
	struct nojit_response r = { .mode = mode, .on_violation = on_violation };

	if (bpf_map_update_elem(m->responses, &id, &r, BPF_ANY))
		return -errno;
	return 0;
}

void enroll_get_response(const struct nojit_maps *m, __u64 id, struct nojit_response *ret)
{
	if (bpf_map_lookup_elem(m->responses, &id, ret))
		*ret = (struct nojit_response){ NOJIT_MODE_ENFORCE, NOJIT_ON_VIOLATION_DENY };
}

int enroll_check_serial(const struct nojit_maps *m, __u64 id, const struct nojit_manifest *man,
			struct nojit_err *err)
{
	struct nojit_enrollment rec;

	if (bpf_map_lookup_elem(m->enrollments, &id, &rec) || !rec.key_id[0])
		return 0;
	if (man->serial < rec.serial)
		return nojit_err_set(err, -ESTALE,
				     "serial %llu is lower than serial %llu of manifest \"%s\" in force: rollback refused",
				     (unsigned long long)man->serial, (unsigned long long)rec.serial,
				     rec.manifest_name);
	/* Re-applying the manifest in force is fine; another one under its serial is not. */
	if (man->serial == rec.serial &&
	    memcmp(man->file_sha256, rec.manifest_sha256, sizeof(rec.manifest_sha256)))
		return nojit_err_set(err, -ESTALE,
				     "serial %llu is already in force with different content (manifest \"%s\"): a new manifest needs a higher serial",
				     (unsigned long long)man->serial, rec.manifest_name);
	return 0;
}

static int cgroup2_mount_fd(void)
{
	char mnt[4096];
	int ret = cgroup2_mount_path(mnt, sizeof(mnt));

	if (ret)
		return ret;
	ret = open(mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return ret < 0 ? -errno : ret;
}

int enroll_gc(const struct nojit_maps *m, unsigned int *ret_removed)
{
	_cleanup_close_ int mnt = -1;
	_cleanup_free_ __u64 *keys = NULL;
	unsigned int removed = 0;
	size_t n;
	int ret;

	mnt = cgroup2_mount_fd();
	if (mnt < 0)
		return mnt;
	ret = map_keys(m->cgroups, &keys, &n);
	if (ret)
		return ret;
	for (size_t i = 0; i < n; i++) {
		ret = cgroup_id_exists(mnt, keys[i]);
		if (ret < 0)
			return ret;
		if (ret)
			continue;
		bpf_map_delete_elem(m->cgroups, &keys[i]);
		bpf_map_delete_elem(m->enrollments, &keys[i]);
		policy_set_remove(m, keys[i]);
		bpf_map_delete_elem(m->responses, &keys[i]);
		removed++;
	}
	*ret_removed = removed;
	return 0;
}

int enroll_list(const struct nojit_maps *m, struct nojit_enrolled **ret, size_t *ret_n)
{
	_cleanup_free_ __u64 *roots = NULL, *all = NULL;
	_cleanup_close_ int mnt = -1;
	struct nojit_enrolled *list;
	size_t nroots, nall, n = 0;
	int r;

	r = map_keys(m->enrollments, &roots, &nroots);
	if (r)
		return r;
	r = map_keys(m->cgroups, &all, &nall);
	if (r)
		return r;
	list = calloc(nroots ? nroots : 1, sizeof(*list));
	if (!list)
		return -ENOMEM;
	mnt = cgroup2_mount_fd();
	for (size_t i = 0; i < nroots; i++) {
		struct nojit_enrolled *e = &list[n];

		if (bpf_map_lookup_elem(m->enrollments, &roots[i], &e->rec))
			continue;
		e->id = roots[i];
		e->exists = mnt >= 0 ? cgroup_id_exists(mnt, e->id) : mnt;
		for (size_t j = 0; j < nall; j++) {
			struct nojit_cgroup_policy v;

			if (!bpf_map_lookup_elem(m->cgroups, &all[j], &v) && v.enrolled_id == e->id)
				e->governed++;
		}
		n++;
	}
	*ret = list;
	*ret_n = n;
	return 0;
}

int enroll_view_read(const struct nojit_maps *m, struct enroll_view *v, struct nojit_err *err)
{
	int r;

	r = policy_programs(&v->progs, &v->nprogs);
	if (r)
		return nojit_err_set(err, r, "listing the attached BPF programs: %s", strerror(-r));
	r = enroll_list(m, &v->cgroups, &v->ncgroups);
	if (r)
		return nojit_err_set(err, r, "listing the enrollments: %s", strerror(-r));
	v->responses = calloc(v->ncgroups + 1, sizeof(*v->responses));
	v->allow_counts = calloc(v->ncgroups + 1, sizeof(*v->allow_counts));
	if (!v->responses || !v->allow_counts)
		return nojit_err_set(err, -ENOMEM, "out of memory");
	for (size_t i = 0; i < v->ncgroups; i++) {
		enroll_get_response(m, v->cgroups[i].id, &v->responses[i]);
		r = policy_set_count(m, v->cgroups[i].id, &v->allow_counts[i]);
		if (r)
			return nojit_err_set(err, r, "counting the manifest entries of cgroup %llu (%s): %s",
					     (unsigned long long)v->cgroups[i].id, v->cgroups[i].rec.path,
					     strerror(-r));
		r = policy_set_exceptions(m, v->cgroups[i].id, &v->exceptions, &v->nexceptions);
		if (r)
			return nojit_err_set(err, r, "reading the JIT exceptions of cgroup %llu (%s): %s",
					     (unsigned long long)v->cgroups[i].id, v->cgroups[i].rec.path,
					     strerror(-r));
	}
	r = policy_stats(m->stats, v->stats);
	return r ? nojit_err_set(err, r, "reading the kernel's counters: %s", strerror(-r)) : 0;
}

void enroll_view_free(struct enroll_view *v)
{
	free(v->progs);
	free(v->cgroups);
	free(v->responses);
	free(v->allow_counts);
	free(v->exceptions);
}
