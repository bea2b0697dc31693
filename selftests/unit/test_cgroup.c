// SPDX-License-Identifier: GPL-2.0
/* cgroup helpers: validation, subtree walks (on plain directory trees). */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <ftw.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/magic.h>

#include "cgroup.h"
#include "scratch.h"

static void make_tree(void)
{
	scratch_make("cgroup");
}

static void mk(const char *rel)
{
	char p[256];

	snprintf(p, sizeof(p), "%s/%s", scratch_dir, rel);
	cr_assert_eq(mkdir(p, 0755), 0, "mkdir %s: %s", p, strerror(errno));
}

static __u64 ino_of(const char *rel)
{
	char p[256];
	struct stat st;

	snprintf(p, sizeof(p), "%s/%s", scratch_dir, rel);
	cr_assert_eq(stat(p, &st), 0);
	return st.st_ino;
}

struct visit_log {
	__u64 ids[128];
	int n;
	__u64 skip;
	__u64 fail_on;
};

static int log_visit(void *ctx, __u64 id)
{
	struct visit_log *l = ctx;

	if (l->fail_on == id)
		return -EIO;
	l->ids[l->n++] = id;
	return id == l->skip ? CGROUP_WALK_SKIP : 0;
}

static int index_of(const struct visit_log *l, __u64 id)
{
	for (int i = 0; i < l->n; i++)
		if (l->ids[i] == id)
			return i;
	return -1;
}

TestSuite(cgroup, .init = make_tree, .fini = scratch_remove);

Test(cgroup, walk_visits_every_dir_below_parents_first)
{
	struct visit_log l = {};
	int fd;

	mk("a"); mk("a/b"); mk("a/b/c"); mk("d");
	fd = open(scratch_dir, O_RDONLY | O_DIRECTORY);
	cr_assert_eq(cgroup_walk_below(fd, log_visit, &l), 0);
	close(fd);
	cr_assert_eq(l.n, 4, "the scratch_dir itself is not visited, the 4 below are");
	cr_assert_lt(index_of(&l, ino_of("a")), index_of(&l, ino_of("a/b")));
	cr_assert_lt(index_of(&l, ino_of("a/b")), index_of(&l, ino_of("a/b/c")));
	cr_assert_geq(index_of(&l, ino_of("d")), 0);
}

Test(cgroup, walk_skips_subtrees_on_request)
{
	struct visit_log l = {};
	int fd;

	mk("a"); mk("a/b"); mk("a/b/c"); mk("d");
	l.skip = ino_of("a");
	fd = open(scratch_dir, O_RDONLY | O_DIRECTORY);
	cr_assert_eq(cgroup_walk_below(fd, log_visit, &l), 0);
	close(fd);
	cr_assert_eq(l.n, 2);
	cr_assert_eq(index_of(&l, ino_of("a/b")), -1);
}

Test(cgroup, walk_ignores_files_and_stops_on_errors)
{
	struct visit_log l = {};
	char p[256];
	int fd;

	mk("a"); mk("b");
	snprintf(p, sizeof(p), "%s/file", scratch_dir);
	close(open(p, O_CREAT | O_WRONLY, 0644));
	l.fail_on = ino_of("b");
	fd = open(scratch_dir, O_RDONLY | O_DIRECTORY);
	cr_assert_eq(cgroup_walk_below(fd, log_visit, &l), -EIO);
	close(fd);
	cr_assert_eq(index_of(&l, ino_of("b")), -1);
}

Test(cgroup, walk_refuses_absurd_depth)
{
	struct visit_log l = {};
	char rel[1024] = "";
	int fd;

	for (int i = 0; i < 70; i++) {
		strcat(rel, i ? "/d" : "d");
		mk(rel);
	}
	fd = open(scratch_dir, O_RDONLY | O_DIRECTORY);
	l.skip = ~0ull;
	cr_assert_eq(cgroup_walk_below(fd, log_visit, &l), -ELOOP);
	close(fd);
}

Test(cgroup, open_refuses_what_is_not_a_cgroup2_dir)
{
	struct nojit_err err;
	__u64 id;
	int fd = -1;

	cr_assert_eq(cgroup_open(scratch_dir, &fd, &id, &err), -ENOTDIR);
	cr_assert(strstr(err.msg, "not a cgroup2 directory"), "%s", err.msg);
	cr_assert(strstr(err.msg, scratch_dir), "the message names the input: %s", err.msg);
	cr_assert_eq(fd, -1, "no fd handed out on failure");
	cr_assert_eq(cgroup_open("/nonexistent/nojit", &fd, &id, &err), -ENOENT);
	cr_assert(strstr(err.msg, "/nonexistent/nojit"), "%s", err.msg);
}

Test(cgroup, walk_up_stops_at_the_file_system_boundary)
{
	struct visit_log l = {};
	char p[256];
	int fd;

	mk("a");
	snprintf(p, sizeof(p), "%s/a", scratch_dir);
	fd = open(p, O_RDONLY | O_DIRECTORY);
	cr_assert_eq(cgroup_walk_up(fd, log_visit, &l), 0);
	close(fd);
	cr_assert_eq(l.n, 0, "a directory outside cgroup2 has no cgroup ancestors");
}

Test(cgroup, finds_the_cgroup2_mount)
{
	char mnt[4096];
	struct statfs sfs;

	if (cgroup2_mount_path(mnt, sizeof(mnt)) == -ENOENT)
		cr_skip_test("no cgroup2 mount on this machine");
	cr_assert_eq(statfs(mnt, &sfs), 0);
	cr_assert_eq(sfs.f_type, CGROUP2_SUPER_MAGIC, "%s", mnt);
	cr_assert_eq(cgroup2_mount_path(mnt, 4), -ENAMETOOLONG);
}
