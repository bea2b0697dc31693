// SPDX-License-Identifier: GPL-2.0
#include <dirent.h>
#include <stddef.h>
#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <sodium.h>

#include "bpf_loader.h"
#include "lsm_probe.h"
#include "nojit.skel.h"

#define LINK_PREFIX "link_"

static const struct {
	const char *name;
	size_t offset;
} user_maps[] = {
	{ "nojit_cgroups", offsetof(struct nojit_maps, cgroups) },
	{ "nojit_enrollments", offsetof(struct nojit_maps, enrollments) },
	{ "nojit_stats", offsetof(struct nojit_maps, stats) },
	{ "nojit_events", offsetof(struct nojit_maps, events) },
	{ "nojit_policies", offsetof(struct nojit_maps, policies) },
	{ "nojit_allow", offsetof(struct nojit_maps, allow) },
	{ "nojit_file_hashes", offsetof(struct nojit_maps, file_hashes) },
	{ "nojit_responses", offsetof(struct nojit_maps, responses) },
	{ "nojit_daemon_state", offsetof(struct nojit_maps, daemon_state) },
};

static int *map_fd(struct nojit_maps *m, size_t i)
{
	return (int *)((char *)m + user_maps[i].offset);
}

void nojit_maps_close(struct nojit_maps *m)
{
	for (size_t i = 0; i < ARRAY_SIZE(user_maps); i++) {
		int *fd = map_fd(m, i);

		if (*fd >= 0)
			close(*fd);
		*fd = -1;
	}
}

int bpffs_check(struct nojit_err *err)
{
	struct statfs sfs;

	if (statfs("/sys/fs/bpf", &sfs) < 0)
		return nojit_err_set(err, -errno, "/sys/fs/bpf: %s", strerror(errno));
	if (sfs.f_type != BPF_FS_MAGIC)
		return nojit_err_set(err, -ENODEV,
				     "bpffs is not mounted at /sys/fs/bpf (mount -t bpf bpf /sys/fs/bpf)");
	return 0;
}

static void pin_path(char *buf, size_t size, const char *prefix, const char *name)
{
	snprintf(buf, size, "%s/%s%s", NOJIT_PIN_DIR, prefix, name);
}

int policy_open_pinned(struct nojit_maps *ret, struct nojit_err *err)
{
	struct nojit_maps m = NOJIT_MAPS_INIT;
	char path[256];

	for (size_t i = 0; i < ARRAY_SIZE(user_maps); i++) {
		int *fd = map_fd(&m, i);

		pin_path(path, sizeof(path), "", user_maps[i].name);
		*fd = bpf_obj_get(path);
		if (*fd < 0) {
			int e = errno;

			nojit_maps_close(&m);
			if (e == ENOENT)
				return nojit_err_set(err, -ENOENT,
						     "nojit is not loaded (no pinned maps in %s)",
						     NOJIT_PIN_DIR);
			return nojit_err_set(err, -e, "%s: %s", path, strerror(e));
		}
	}
	*ret = m;
	return 0;
}

/* Pins of the programs that are missing; 0 means the pinned set is whole. */
static int count_missing_links(struct nojit_bpf *skel)
{
	struct bpf_program *prog;
	char path[256];
	int missing = 0;

	bpf_object__for_each_program(prog, skel->obj) {
		pin_path(path, sizeof(path), LINK_PREFIX, bpf_program__name(prog));
		if (access(path, F_OK))
			missing++;
	}
	return missing;
}

/*
 * Attach every program and pin its link. A stale pin from an earlier,
 * partial load is replaced only after the new link is attached, so there
 * is no moment without the hook.
 */
static int attach_and_pin(struct nojit_bpf *skel, struct nojit_err *err)
{
	struct bpf_program *prog;
	char path[256];

	bpf_object__for_each_program(prog, skel->obj) {
		const char *name = bpf_program__name(prog);
		struct bpf_link *link;
		int ret;

		link = bpf_program__attach(prog);
		if (!link)
			return nojit_err_set(err, -errno, "attaching program %s: %s",
					     name, strerror(errno));
		pin_path(path, sizeof(path), LINK_PREFIX, name);
		unlink(path);
		ret = bpf_link__pin(link, path);
		if (ret) {
			bpf_link__destroy(link);
			return nojit_err_set(err, ret, "pinning %s: %s", path, strerror(-ret));
		}
		/* The pin keeps it attached once this process lets go. */
		bpf_link__disconnect(link);
		bpf_link__destroy(link);
	}
	return 0;
}

static int load_and_pin(struct nojit_bpf *skel, struct nojit_err *err)
{
	struct bpf_map *map;
	char path[256];
	int ret;

	ret = bpf_lsm_probe(err);
	if (ret)
		return ret;
	if (mkdir(NOJIT_PIN_DIR, 0700) && errno != EEXIST)
		return nojit_err_set(err, -errno, "%s: %s", NOJIT_PIN_DIR, strerror(errno));
	bpf_object__for_each_map(map, skel->obj) {
		if (bpf_map__is_internal(map))
			continue;
		pin_path(path, sizeof(path), "", bpf_map__name(map));
		ret = bpf_map__set_pin_path(map, path);
		if (ret)
			return nojit_err_set(err, ret, "%s: %s", path, strerror(-ret));
	}
	ret = nojit_bpf__load(skel);
	if (ret)
		return nojit_err_set(err, ret,
				     "loading the BPF programs failed: %s (run with LIBBPF_DEBUG=1 for the verifier log)",
				     strerror(-ret));
	return attach_and_pin(skel, err);
}

static int libbpf_log(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG && !getenv("LIBBPF_DEBUG"))
		return 0;
	if (level != LIBBPF_WARN && !getenv("LIBBPF_DEBUG"))
		return 0;
	return vfprintf(stderr, fmt, ap);
}

int policy_load(struct nojit_maps *ret, struct nojit_err *err)
{
	struct nojit_bpf *skel;
	int r;

	r = bpffs_check(err);
	if (r)
		return r;
	libbpf_set_print(libbpf_log);
	skel = nojit_bpf__open();
	if (!skel)
		return nojit_err_set(err, -errno, "opening the embedded BPF object: %s",
				     strerror(errno));
	r = count_missing_links(skel) ? load_and_pin(skel, err) : 0;
	nojit_bpf__destroy(skel);
	if (r) {
		/* Leave no empty pin directory behind a refused first load. */
		rmdir(NOJIT_PIN_DIR);
		return r;
	}
	return policy_open_pinned(ret, err);
}

/* Program ids behind the pinned links, to wait for them to go. */
static void pinned_prog_ids(DIR *dir, __u32 *ids, size_t cap, size_t *ret_n)
{
	struct dirent *de;
	size_t n = 0;

	rewinddir(dir);
	while ((de = readdir(dir))) {
		struct bpf_link_info info = {};
		__u32 len = sizeof(info);
		char path[512];
		int fd;

		if (strncmp(de->d_name, LINK_PREFIX, strlen(LINK_PREFIX)))
			continue;
		snprintf(path, sizeof(path), "%s/%s", NOJIT_PIN_DIR, de->d_name);
		fd = bpf_obj_get(path);
		if (fd < 0)
			continue;
		if (!bpf_obj_get_info_by_fd(fd, &info, &len) && n < cap)
			ids[n++] = info.prog_id;
		close(fd);
	}
	*ret_n = n;
}

/*
 * The kernel releases an unpinned link from a workqueue, and drops the
 * link's id before it detaches the program, so the hooks stay live for a
 * moment after the unlink. A program id disappears only once nothing,
 * trampoline included, holds the program. Unload returns after that:
 * "unloaded" must mean it.
 */
static int wait_progs_gone(const __u32 *ids, size_t n, struct nojit_err *err)
{
	for (int tries = 0; tries < 1000; tries++) {
		size_t live = 0;

		for (size_t i = 0; i < n; i++) {
			int fd = bpf_prog_get_fd_by_id(ids[i]);

			if (fd >= 0) {
				close(fd);
				live++;
			}
		}
		if (!live)
			return 0;
		usleep(10000);
	}
	return nojit_err_set(err, -EBUSY,
			     "programs still attached 10 s after their pins were removed (another process holds a link fd?)");
}

int policy_unload(struct nojit_err *err)
{
	__u32 ids[64];
	size_t nids = 0;
	struct dirent *de;
	DIR *dir;
	int ret = 0;

	dir = opendir(NOJIT_PIN_DIR);
	if (!dir) {
		if (errno == ENOENT)
			return 0;
		return nojit_err_set(err, -errno, "%s: %s", NOJIT_PIN_DIR, strerror(errno));
	}
	pinned_prog_ids(dir, ids, ARRAY_SIZE(ids), &nids);
	/* Links first: the hooks go away before the maps they read. */
	for (int pass = 0; pass < 2 && !ret; pass++) {
		rewinddir(dir);
		while ((de = readdir(dir))) {
			bool is_link = !strncmp(de->d_name, LINK_PREFIX, strlen(LINK_PREFIX));

			if (de->d_name[0] == '.' || is_link != (pass == 0))
				continue;
			if (unlinkat(dirfd(dir), de->d_name, 0) && errno != ENOENT) {
				ret = nojit_err_set(err, -errno, "%s/%s: %s", NOJIT_PIN_DIR,
						    de->d_name, strerror(errno));
				break;
			}
		}
	}
	closedir(dir);
	if (!ret && rmdir(NOJIT_PIN_DIR) && errno != ENOENT)
		ret = nojit_err_set(err, -errno, "%s: %s", NOJIT_PIN_DIR, strerror(errno));
	if (!ret)
		ret = wait_progs_gone(ids, nids, err);
	return ret;
}

static int prog_info_from_link(const char *path, struct nojit_prog_info *pi)
{
	struct bpf_link_info link = {};
	struct bpf_prog_info prog = {};
	__u32 len;
	int lfd, pfd, ret = 0;

	lfd = bpf_obj_get(path);
	if (lfd < 0)
		return -errno;
	len = sizeof(link);
	if (bpf_obj_get_info_by_fd(lfd, &link, &len)) {
		ret = -errno;
		goto out;
	}
	pi->link_id = link.id;
	pi->prog_id = link.prog_id;
	pfd = bpf_prog_get_fd_by_id(link.prog_id);
	if (pfd < 0) {
		ret = -errno;
		goto out;
	}
	len = sizeof(prog);
	if (bpf_obj_get_info_by_fd(pfd, &prog, &len)) {
		ret = -errno;
	} else {
		hex_encode(prog.tag, sizeof(prog.tag), pi->tag);
		pi->run_cnt = prog.run_cnt;
		pi->run_time_ns = prog.run_time_ns;
	}
	close(pfd);
out:
	close(lfd);
	return ret;
}

int policy_programs(struct nojit_prog_info **ret, size_t *ret_n)
{
	struct nojit_prog_info *list = NULL;
	size_t n = 0;
	struct dirent *de;
	DIR *dir;
	int r = 0;

	dir = opendir(NOJIT_PIN_DIR);
	if (!dir)
		return -errno;
	while ((de = readdir(dir))) {
		struct nojit_prog_info *grown;
		char path[512];

		if (strncmp(de->d_name, LINK_PREFIX, strlen(LINK_PREFIX)))
			continue;
		grown = realloc(list, (n + 1) * sizeof(*list));
		if (!grown) {
			r = -ENOMEM;
			break;
		}
		list = grown;
		memset(&list[n], 0, sizeof(list[n]));
		snprintf(list[n].name, sizeof(list[n].name), "%s",
			 de->d_name + strlen(LINK_PREFIX));
		snprintf(path, sizeof(path), "%s/%s", NOJIT_PIN_DIR, de->d_name);
		r = prog_info_from_link(path, &list[n]);
		if (r)
			break;
		n++;
	}
	closedir(dir);
	if (r) {
		free(list);
		return r;
	}
	*ret = list;
	*ret_n = n;
	return 0;
}

int policy_program_names(char (**ret)[64], size_t *ret_n)
{
	struct nojit_bpf *skel = nojit_bpf__open();
	struct bpf_program *prog;
	char (*names)[64];
	size_t n = 0;

	if (!skel)
		return -errno;
	bpf_object__for_each_program(prog, skel->obj)
		n++;
	names = calloc(n + 1, sizeof(*names));
	if (!names) {
		nojit_bpf__destroy(skel);
		return -ENOMEM;
	}
	n = 0;
	bpf_object__for_each_program(prog, skel->obj)
		snprintf(names[n++], sizeof(names[0]), "%s", bpf_program__name(prog));
	nojit_bpf__destroy(skel);
	*ret = names;
	*ret_n = n;
	return 0;
}

void policy_link_path(const char *name, char *buf, size_t size)
{
	pin_path(buf, size, LINK_PREFIX, name);
}

void policy_object_sha256(__u8 out[32])
{
	size_t size;
	const void *elf = nojit_bpf__elf_bytes(&size);

	crypto_hash_sha256(out, elf, size);
}

const struct policy_stat_name policy_stat_names[] = {
	{ NOJIT_STAT_EVENTS_EMITTED, "events_emitted", "events_emitted", NULL },
	{ NOJIT_STAT_EVENTS_DROPPED, "events_dropped", "events_dropped", "ring_buffer_full" },
	{ NOJIT_STAT_CGROUP_TRACK_FAILED, "cgroup_track_failed", "cgroup_track_failures", NULL },
	{ NOJIT_STAT_KILLS, "kills", "kills", NULL },
	{ NOJIT_STAT_HASH_FAILED, "hash_failed", "fail_closed", "hash_unavailable" },
	{ NOJIT_STAT_HASHES_COMPUTED, "hashes_computed", "hashes_computed", NULL },
	{ NOJIT_STAT_HASH_CACHE_HITS, "hash_cache_hits", "hash_cache_hits", NULL },
	{ NOJIT_STAT_AUDITED, "audited", "audited", NULL },
	{ NOJIT_STAT_FAIL_NO_STORAGE, "fail_closed_no_storage", "fail_closed", "no_storage" },
	{ NOJIT_STAT_FAIL_VMA_LOOKUP, "fail_closed_vma_lookup", "fail_closed", "vma_lookup" },
	{ NOJIT_STAT_FAIL_KERNEL_READ, "fail_closed_kernel_read", "fail_closed", "kernel_read" },
	{ NOJIT_STAT_FAIL_STACKED_FS, "fail_closed_stacked_fs", "fail_closed", "stacked_fs" },
};

const size_t policy_stat_names_n = ARRAY_SIZE(policy_stat_names);

int policy_stats(int stats_fd, __u64 *values)
{
	int ncpu = libbpf_num_possible_cpus();
	_cleanup_free_ __u64 *percpu = NULL;

	if (ncpu < 0)
		return ncpu;
	percpu = calloc(ncpu, sizeof(__u64));
	if (!percpu)
		return -ENOMEM;
	for (__u32 k = 0; k < NOJIT_STAT_MAX; k++) {
		values[k] = 0;
		if (bpf_map_lookup_elem(stats_fd, &k, percpu))
			return -errno;
		for (int c = 0; c < ncpu; c++)
			values[k] += percpu[c];
	}
	return 0;
}
