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
#define META_MAP "nojit_meta"

_Static_assert(sizeof(struct nojit_meta) == 336, "struct nojit_meta is ABI: its pinned map outlives the loader");
_Static_assert(offsetof(struct nojit_meta, loaded_at_ns) == 32, "struct nojit_meta layout");
_Static_assert(offsetof(struct nojit_meta, n_progs) == 72, "struct nojit_meta layout");
_Static_assert(offsetof(struct nojit_meta, prog_ids) == 76, "struct nojit_meta layout");

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
	{ "nojit_exceptions", offsetof(struct nojit_maps, exceptions) },
	{ "nojit_task_state", offsetof(struct nojit_maps, task_state) },
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

/*
 * Record which object was just attached: fill the new nojit_meta, freeze
 * it (from now on not even the loader can change it) and pin it over the
 * previous one in one rename, so a reader finds the old record or the new
 * one, never none. Until the rename the old record names program ids that
 * are no longer attached, which bpf_meta_read() reports as stale.
 */
static int meta_publish(struct nojit_bpf *skel, struct nojit_err *err)
{
	int fd = bpf_map__fd(skel->maps.nojit_meta);
	struct nojit_meta meta = {};
	struct bpf_program *prog;
	char tmp[256], path[256];
	__u32 zero = 0;

	crypto_hash_sha256(meta.object_sha256, skel->skeleton->data, skel->skeleton->data_sz);
	meta.loaded_at_ns = (__u64)clock_ns(CLOCK_REALTIME);
	snprintf(meta.version, sizeof(meta.version), "%s", NOJIT_VERSION);
	bpf_object__for_each_program(prog, skel->obj) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);

		if (meta.n_progs == NOJIT_META_MAX_PROGS)
			return nojit_err_set(err, -E2BIG, "%s: more than %d programs to record",
					     META_MAP, NOJIT_META_MAX_PROGS);
		if (bpf_obj_get_info_by_fd(bpf_program__fd(prog), &info, &len))
			return nojit_err_set(err, -errno, "program %s: reading its id: %s",
					     bpf_program__name(prog), strerror(errno));
		meta.prog_ids[meta.n_progs++] = info.id;
	}
	if (bpf_map_update_elem(fd, &zero, &meta, BPF_ANY))
		return nojit_err_set(err, -errno, "%s: writing it: %s", META_MAP, strerror(errno));
	if (bpf_map_freeze(fd))
		return nojit_err_set(err, -errno, "%s: freezing it: %s", META_MAP, strerror(errno));
	/* bpffs refuses names with a dot. */
	pin_path(tmp, sizeof(tmp), "", META_MAP "_new");
	pin_path(path, sizeof(path), "", META_MAP);
	unlink(tmp);
	if (bpf_obj_pin(fd, tmp))
		return nojit_err_set(err, -errno, "pinning %s: %s", tmp, strerror(errno));
	if (rename(tmp, path)) {
		int e = errno;

		unlink(tmp);
		return nojit_err_set(err, -e, "%s -> %s: %s", tmp, path, strerror(e));
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
		/* nojit_meta is made anew by every load: meta_publish() pins it. */
		if (bpf_map__is_internal(map) || map == skel->maps.nojit_meta)
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
	ret = attach_and_pin(skel, err);
	if (ret)
		return ret;
	return meta_publish(skel, err);
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

/* Whether anything of nojit is attached: a pinned link. */
static bool any_link_pinned(void)
{
	struct dirent *de;
	bool found = false;
	DIR *dir = opendir(NOJIT_PIN_DIR);

	if (!dir)
		return false;
	while (!found && (de = readdir(dir)))
		found = !strncmp(de->d_name, LINK_PREFIX, strlen(LINK_PREFIX));
	closedir(dir);
	return found;
}

static bool meta_has_prog(const struct nojit_meta *m, __u32 id)
{
	for (__u32 i = 0; i < m->n_progs; i++)
		if (m->prog_ids[i] == id)
			return true;
	return false;
}

int bpf_meta_read(struct nojit_meta *ret, struct nojit_err *err)
{
	_cleanup_free_ struct nojit_prog_info *progs = NULL;
	_cleanup_close_ int fd = -1;
	struct bpf_map_info info = {};
	__u32 len = sizeof(info), zero = 0;
	struct nojit_meta m;
	char path[256];
	size_t n = 0;
	int r;

	pin_path(path, sizeof(path), "", META_MAP);
	fd = bpf_obj_get(path);
	if (fd < 0) {
		if (errno != ENOENT)
			return nojit_err_set(err, -errno, "%s: %s", path, strerror(errno));
		if (!any_link_pinned())
			return nojit_err_set(err, -ENOENT, "nojit is not loaded (no pinned links in %s)",
					     NOJIT_PIN_DIR);
		return nojit_err_set(err, -ENODATA,
				     "the programs were attached by a nojit that records no %s (older than %s?): "
				     "which object was loaded is unknown", path, NOJIT_VERSION);
	}
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return nojit_err_set(err, -errno, "%s: %s", path, strerror(errno));
	if (info.type != BPF_MAP_TYPE_ARRAY || info.key_size != sizeof(__u32) ||
	    info.value_size != sizeof(m) || info.max_entries != 1)
		return nojit_err_set(err, -EPROTO,
				     "%s: not the record this nojit knows (type %u, value %u bytes, expected %zu)",
				     path, info.type, info.value_size, sizeof(m));
	if (bpf_map_lookup_elem(fd, &zero, &m))
		return nojit_err_set(err, -errno, "%s: reading it: %s", path, strerror(errno));
	if (m.n_progs > NOJIT_META_MAX_PROGS || m.version[sizeof(m.version) - 1])
		return nojit_err_set(err, -EPROTO, "%s: malformed (%u programs)", path, m.n_progs);
	r = policy_programs(&progs, &n);
	if (r)
		return nojit_err_set(err, r, "%s: listing the attached programs: %s", NOJIT_PIN_DIR,
				     strerror(-r));
	if (!n)
		return nojit_err_set(err, -ENOENT, "nojit is not loaded (no pinned links in %s)",
				     NOJIT_PIN_DIR);
	r = bpf_meta_describes(&m, progs, n, err);
	if (r)
		return r;
	*ret = m;
	return 0;
}

int bpf_meta_describes(const struct nojit_meta *m, const struct nojit_prog_info *progs, size_t n,
		       struct nojit_err *err)
{
	for (size_t i = 0; i < n; i++)
		if (!meta_has_prog(m, progs[i].prog_id))
			return nojit_err_set(err, -ESTALE,
					     "%s/%s does not describe the attached programs: %s (id %u) was not "
					     "attached by the load it records (another nojit attached it since?)",
					     NOJIT_PIN_DIR, META_MAP, progs[i].name, progs[i].prog_id);
	if (n != m->n_progs)
		return nojit_err_set(err, -ESTALE,
				     "%s/%s records %u programs, %zu are attached: the set changed since that load",
				     NOJIT_PIN_DIR, META_MAP, m->n_progs, n);
	return 0;
}

void policy_object_sha256(__u8 out[32])
{
	size_t size;
	const void *elf = nojit_bpf__elf_bytes(&size);

	crypto_hash_sha256(out, elf, size);
}

const struct policy_stat_name policy_stat_names[] = {
	{ NOJIT_STAT_EVENTS_EMITTED, "events_emitted", "events_emitted", NULL },
	{ NOJIT_STAT_ATTEMPTS_EMITTED, "attempts_emitted", "attempts_emitted", NULL },
	{ NOJIT_STAT_EVENTS_DROPPED, "events_dropped", "attempts_dropped", NULL },
	{ NOJIT_STAT_DROP_RING_FULL, "events_dropped_ring_full", "events_dropped", "ring_buffer_full" },
	{ NOJIT_STAT_DROP_EVICTED, "events_dropped_evicted", "events_dropped", "evicted" },
	{ NOJIT_STAT_DROP_EXIT, "events_dropped_exit", "events_dropped", "exit" },
	{ NOJIT_STAT_DROP_EXEC, "events_dropped_exec", "events_dropped", "exec" },
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
	{ NOJIT_STAT_EXC_MARKS, "exception_marks", "exception_marks", NULL },
	{ NOJIT_STAT_EXC_USES, "exception_uses", "exception_uses", NULL },
	{ NOJIT_STAT_EXC_USES_LOST, "exception_uses_unreported", "exception_uses_unreported", NULL },
	{ NOJIT_STAT_EXC_CONFINED, "exception_confined", "exception_confinement_denials", NULL },
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
