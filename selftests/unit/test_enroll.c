// SPDX-License-Identifier: GPL-2.0
/*
 * Enrollment bookkeeping against real BPF hash maps and a real cgroup2
 * tree. Needs root and a writable cgroup2 mount, but no BPF LSM: the maps
 * are created here, no program runs. The kernel half (children created
 * after enrollment inherit their parent's entry) is tested in the VM.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <sys/stat.h>
#include <bpf/bpf.h>

#include "cgroup.h"
#include "enroll.h"

static struct nojit_maps maps = NOJIT_MAPS_INIT;
static char base[4200];

static void make_maps(void)
{
	char mnt[4096];

	if (geteuid() != 0)
		cr_skip_test("needs root (BPF maps, cgroup2 mkdir)");
	if (cgroup2_mount_path(mnt, sizeof(mnt)))
		cr_skip_test("no cgroup2 mount");
	snprintf(base, sizeof(base), "%s/nojit-unit-%d", mnt, getpid());
	if (mkdir(base, 0755))
		cr_skip_test("cgroup2 at %s is not writable: %s", mnt, strerror(errno));
	maps.cgroups = bpf_map_create(BPF_MAP_TYPE_HASH, "t_cgroups", sizeof(__u64),
				      sizeof(struct nojit_cgroup_policy), 1024, NULL);
	maps.enrollments = bpf_map_create(BPF_MAP_TYPE_HASH, "t_enroll", sizeof(__u64),
					  sizeof(struct nojit_enrollment), 64, NULL);
	cr_assert_geq(maps.cgroups, 0, "bpf_map_create: %s", strerror(errno));
	cr_assert_geq(maps.enrollments, 0);
}

static void rm_cgroups(void)
{
	const char *rel[] = { "a/b/c", "a/b", "a/x", "a", "r", "" };
	char p[4400];

	for (size_t i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", base, rel[i]);
		rmdir(p);
	}
	nojit_maps_close(&maps);
}

static const char *cg(const char *rel)
{
	static char p[4][4400];
	static int slot;

	slot = (slot + 1) % 4;
	snprintf(p[slot], sizeof(p[slot]), "%s%s%s", base, *rel ? "/" : "", rel);
	return p[slot];
}

static void mk(const char *rel)
{
	cr_assert_eq(mkdir(cg(rel), 0755), 0, "mkdir %s: %s", cg(rel), strerror(errno));
}

static __u64 id_of(const char *rel)
{
	struct stat st;

	cr_assert_eq(stat(cg(rel), &st), 0);
	return st.st_ino;
}

/* The enrolled id governing REL, or 0 when it is not governed. */
static __u64 governed_by(const char *rel)
{
	struct nojit_cgroup_policy v;
	__u64 id = id_of(rel);

	if (bpf_map_lookup_elem(maps.cgroups, &id, &v))
		return 0;
	return v.enrolled_id;
}

/* What nojit enforce does: open and check the cgroup, then enroll that open cgroup. */
static int enroll(const char *path, bool *already, struct nojit_err *err)
{
	__u64 id;
	int fd, r;

	r = cgroup_open(path, &fd, &id, err);
	if (r)
		return r;
	r = enroll_cgroup(&maps, fd, id, path, already, err);
	close(fd);
	return r;
}

TestSuite(enroll, .init = make_maps, .fini = rm_cgroups);

Test(enroll, covers_the_existing_subtree_and_is_idempotent)
{
	struct nojit_err err;
	bool already;

	mk("a"); mk("a/b"); mk("a/b/c");
	cr_assert_eq(enroll(cg("a"), &already, &err), 0, "%s", err.msg);
	cr_assert_not(already);
	cr_assert_eq(governed_by("a"), id_of("a"));
	cr_assert_eq(governed_by("a/b/c"), id_of("a"));
	cr_assert_eq(governed_by(""), 0, "the parent stays ungoverned");
	cr_assert_eq(enroll(cg("a"), &already, &err), 0);
	cr_assert(already);
}

Test(enroll, nearest_enrolled_ancestor_wins_and_release_falls_back)
{
	struct nojit_err err;
	bool already;

	mk("a"); mk("a/b"); mk("a/b/c"); mk("a/x");
	cr_assert_eq(enroll(cg("a/b"), &already, &err), 0, "%s", err.msg);
	cr_assert_eq(enroll(cg("a"), &already, &err), 0, "%s", err.msg);
	cr_assert_eq(governed_by("a/x"), id_of("a"));
	cr_assert_eq(governed_by("a/b"), id_of("a/b"), "the nested enrollment keeps its subtree");
	cr_assert_eq(governed_by("a/b/c"), id_of("a/b"));

	cr_assert_eq(release_cgroup(&maps, cg("a/b"), &err), 0, "%s", err.msg);
	cr_assert_eq(governed_by("a/b"), id_of("a"), "falls back to the enrolled parent");
	cr_assert_eq(governed_by("a/b/c"), id_of("a"));

	cr_assert_eq(release_cgroup(&maps, cg("a"), &err), 0, "%s", err.msg);
	cr_assert_eq(governed_by("a"), 0);
	cr_assert_eq(governed_by("a/b/c"), 0);
}

Test(enroll, refuses_root_unenrolled_release_and_non_cgroups)
{
	struct nojit_err err;
	char mnt[4096];
	struct stat st;
	bool already;

	mk("a");
	cr_assert_eq(release_cgroup(&maps, cg("a"), &err), -ENOENT);
	cr_assert(strstr(err.msg, "not enrolled"), "%s", err.msg);
	cr_assert_eq(enroll("/tmp", &already, &err), -ENOTDIR);
	cgroup2_mount_path(mnt, sizeof(mnt));
	if (stat(mnt, &st) == 0 && st.st_ino == 1) {
		cr_assert_eq(enroll(mnt, &already, &err), -EINVAL);
		cr_assert(strstr(err.msg, "root"), "%s", err.msg);
	}
}

Test(enroll, gc_drops_removed_cgroups_and_list_reports)
{
	struct nojit_enrolled *list = NULL;
	struct nojit_err err;
	unsigned int removed = 0;
	size_t n = 0;
	bool already;
	__u64 gone;

	mk("a"); mk("a/b");
	cr_assert_eq(enroll(cg("a"), &already, &err), 0, "%s", err.msg);
	cr_assert_eq(enroll_list(&maps, &list, &n), 0);
	cr_assert_eq(n, 1);
	cr_assert_eq(list[0].id, id_of("a"));
	cr_assert_eq(list[0].governed, 2);
	cr_assert_str_eq(list[0].rec.path, cg("a"));
	free(list);

	gone = id_of("a/b");
	cr_assert_eq(rmdir(cg("a/b")), 0);
	cr_assert_eq(enroll_gc(&maps, &removed), 0);
	cr_assert_eq(removed, 1);
	cr_assert_neq(bpf_map_lookup_elem(maps.cgroups, &gone, &(struct nojit_cgroup_policy){}), 0);
	cr_assert_eq(governed_by("a"), id_of("a"), "live entries survive the sweep");
}

struct recreate {
	char path[4400];	/* cg("r"): cg() is not for two threads */
	bool stop;		/* atomic accesses only */
	unsigned long cycles;	/* atomic accesses only */
};

/* The attacker: remove "r" and make it again, a new cgroup with a new id, over and over. */
static void *recreate_loop(void *arg)
{
	struct recreate *rc = arg;

	for (unsigned long i = 0; i < 10000000UL && !__atomic_load_n(&rc->stop, __ATOMIC_RELAXED); i++) {
		if (rmdir(rc->path) || mkdir(rc->path, 0755))
			break;
		__atomic_store_n(&rc->cycles, i + 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

/* Empty both maps (each successful enrollment of the race adds entries). */
static void clear_maps(void)
{
	int fds[] = { maps.cgroups, maps.enrollments };
	__u64 key;

	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		while (bpf_map_get_next_key(fds[i], NULL, &key) == 0)
			cr_assert_eq(bpf_map_delete_elem(fds[i], &key), 0);
}

/*
 * The cgroup enrolled is the cgroup that was opened and checked, whose id
 * got the response and allow set: a thread keeps removing "r" and making
 * it again while it is opened and enrolled. Every enrollment is of the id
 * opened, never of the cgroup that took the name meanwhile. Looking the
 * name up again to enroll it would now and then enroll another id.
 */
Test(enroll, cgroup_recreated_at_its_path_while_enrolled)
{
	struct recreate rc = {};
	unsigned int ok = 0, refused = 0, wrong = 0, ids = 0;
	struct nojit_err err;
	__u64 last = 0;
	pthread_t thread;
	bool already;

	mk("r");
	snprintf(rc.path, sizeof(rc.path), "%s", cg("r"));
	cr_assert_eq(pthread_create(&thread, NULL, recreate_loop, &rc), 0);
	for (int i = 0; __atomic_load_n(&rc.cycles, __ATOMIC_RELAXED) < 16; i++) {
		cr_assert_lt(i, 10000, "the thread making r again did not get going");
		usleep(100);
	}
	for (int i = 0; i < 30000; i++) {
		struct nojit_enrollment rec;
		__u64 id, key;
		int fd;

		if (cgroup_open(cg("r"), &fd, &id, &err))
			continue;	/* between rmdir and mkdir */
		if (enroll_cgroup(&maps, fd, id, cg("r"), &already, &err)) {
			refused++;
		} else {
			ok++;
			ids += id != last;
			last = id;
			if (bpf_map_lookup_elem(maps.enrollments, &id, &rec) ||
			    bpf_map_get_next_key(maps.enrollments, &id, &key) == 0 ||
			    bpf_map_get_next_key(maps.enrollments, NULL, &key) || key != id)
				wrong++;
		}
		close(fd);
		clear_maps();
	}
	__atomic_store_n(&rc.stop, true, __ATOMIC_RELAXED);
	pthread_join(thread, NULL);
	cr_assert_eq(wrong, 0, "%u enrollments were not (only) of the cgroup opened (%u ok, %u refused)",
		     wrong, ok, refused);
	cr_assert_gt(ids, 1, "the race was not on: %u enrollments, all of one cgroup", ok);
}
