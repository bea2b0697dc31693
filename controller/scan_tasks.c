// SPDX-License-Identifier: GPL-2.0
/* Which tasks nojit scan reads, and what the pinned maps say governs them. */
#include <dirent.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <bpf/bpf.h>

#include "cgroup.h"
#include "nojit.h"
#include "scan.h"

/* Deep enough for any real hierarchy; bounds recursion on hostile trees. */
#define CGROUP_MAX_DEPTH 64

void scan_policy_init(struct scan_policy *p, int cgroups_fd, int policies_fd, int allow_fd)
{
	p->cgroups_fd = cgroups_fd;
	p->policies_fd = policies_fd;
	p->allow_fd = allow_fd;
	if (cgroup2_mount_path(p->cg_mount, sizeof(p->cg_mount)))
		p->cg_mount[0] = '\0';
}

int scan_policy_manifest(void *ctx, __u64 enrolled_id, const __u8 sha256[32])
{
	const struct scan_policy *p = ctx;
	struct nojit_allow_key key = {};
	struct nojit_policy_ref ref;
	__u32 kind;

	if (p->policies_fd < 0 || p->allow_fd < 0 ||
	    bpf_map_lookup_elem(p->policies_fd, &enrolled_id, &ref))
		return -ENOENT;
	if (!sha256)
		return 1;
	key.policy_id = ref.policy_id;
	memcpy(key.sha256, sha256, sizeof(key.sha256));
	if (!bpf_map_lookup_elem(p->allow_fd, &key, &kind))
		return kind != 0;
	return errno == ENOENT ? 0 : -errno;
}

int scan_policy_task(const struct scan_policy *p, pid_t pid, char *cgroup, size_t size,
		     struct scan_task_info *ret)
{
	struct nojit_cgroup_policy pol;
	char path[PATH_MAX * 2];
	struct stat st;
	int r;

	*ret = (struct scan_task_info){ .cgroup = cgroup };
	r = scan_task_cgroup(pid, cgroup, size);
	if (r == -ESRCH)
		return r;
	if (r) {
		/* No cgroup2 line (cgroup v1 only): nothing can govern it. */
		ret->cgroup = NULL;
		return 0;
	}
	if (!p->cg_mount[0])
		return 0;
	snprintf(path, sizeof(path), "%s%s", p->cg_mount, cgroup);
	/* The id bpf_get_current_cgroup_id() returns is the cgroup2 inode number. */
	if (stat(path, &st))
		return 0;
	ret->cgroup_id = st.st_ino;
	if (p->cgroups_fd >= 0 && !bpf_map_lookup_elem(p->cgroups_fd, &ret->cgroup_id, &pol))
		ret->enrolled_id = pol.enrolled_id;
	return 0;
}

struct pid_list {
	pid_t *v;
	size_t n, cap;
};

static int pid_list_add(struct pid_list *l, pid_t pid)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 256;
		pid_t *v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = pid;
	return 0;
}

static int list_proc(struct pid_list *l)
{
	struct dirent *de;
	DIR *d;
	int r = 0;

	d = opendir("/proc");
	if (!d)
		return -errno;
	while (!r && (errno = 0, de = readdir(d))) {
		char *end;
		long v = strtol(de->d_name, &end, 10);

		if (*end || v <= 0)
			continue;
		r = pid_list_add(l, (pid_t)v);
	}
	if (!r && errno)
		r = -errno;
	closedir(d);
	return r;
}

/* cgroup.procs of DIRFD and of every cgroup below it. */
static int list_cgroup(int dirfd, struct pid_list *l, int depth)
{
	_cleanup_fclose_ FILE *f = NULL;
	struct dirent *de;
	long v;
	int fd, r = 0;
	DIR *d;

	if (depth > CGROUP_MAX_DEPTH)
		return -ELOOP;
	fd = openat(dirfd, "cgroup.procs", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	f = fdopen(fd, "re");
	if (!f) {
		close(fd);
		return -errno;
	}
	while (!r && fscanf(f, "%ld", &v) == 1)
		r = pid_list_add(l, (pid_t)v);
	if (r)
		return r;
	fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -errno;
	}
	while (!r && (errno = 0, de = readdir(d))) {
		int child;

		if (de->d_type != DT_DIR || !strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		child = openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (child < 0) {
			if (errno != ENOENT)	/* ENOENT: removed while we walked */
				r = -errno;
			continue;
		}
		r = list_cgroup(child, l, depth + 1);
		close(child);
	}
	if (!r && errno)
		r = -errno;
	closedir(d);
	return r;
}

int scan_run(struct scan_ctx *s, const struct scan_policy *p, const struct scan_target *target,
	     scan_finding_fn fn, scan_error_fn on_error, void *ctx, struct scan_stats *stats,
	     struct nojit_err *err)
{
	struct pid_list l = {};
	char cgroup[SCAN_PATH_MAX];
	int r = 0;

	switch (target->kind) {
	case SCAN_TARGET_PID:
		r = pid_list_add(&l, target->pid);
		break;
	case SCAN_TARGET_CGROUP:
		r = list_cgroup(target->cgroup_fd, &l, 0);
		if (r)
			nojit_err_set(err, r, "listing the tasks of the cgroup: %s", strerror(-r));
		break;
	case SCAN_TARGET_GOVERNED:
		r = list_proc(&l);
		if (r)
			nojit_err_set(err, r, "listing /proc: %s", strerror(-r));
		break;
	}
	for (size_t i = 0; !r && i < l.n; i++) {
		struct scan_task_info info;
		struct nojit_err terr;
		int tr;

		tr = scan_policy_task(p, l.v[i], cgroup, sizeof(cgroup), &info);
		if (tr == -ESRCH) {
			stats->vanished++;
			continue;
		}
		if (target->kind == SCAN_TARGET_GOVERNED && !info.enrolled_id)
			continue;
		tr = scan_task(s, l.v[i], &info, fn, ctx, stats, &terr);
		if (tr && tr != -ESRCH && on_error)
			on_error(ctx, l.v[i], tr, terr.msg);
	}
	free(l.v);
	return r;
}
