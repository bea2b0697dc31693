// SPDX-License-Identifier: GPL-2.0
#include <dirent.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/magic.h>

#include "cgroup.h"

/* Deep enough for any real hierarchy; bounds recursion on hostile trees. */
#define CGROUP_MAX_DEPTH 64

int cgroup_open(const char *path, int *ret_fd, __u64 *ret_id, struct nojit_err *err)
{
	_cleanup_close_ int fd = -1;
	struct statfs sfs;
	struct stat st;

	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return nojit_err_set(err, -errno, "cgroup %s: %s", path, strerror(errno));
	if (fstatfs(fd, &sfs) < 0 || fstat(fd, &st) < 0)
		return nojit_err_set(err, -errno, "cgroup %s: %s", path, strerror(errno));
	if (sfs.f_type != CGROUP2_SUPER_MAGIC)
		return nojit_err_set(err, -ENOTDIR,
				     "cgroup %s: not a cgroup2 directory (file system magic 0x%lx)",
				     path, (unsigned long)sfs.f_type);
	*ret_id = st.st_ino;
	*ret_fd = TAKE_FD(fd);
	return 0;
}

static int walk_below(int dirfd, cgroup_walk_fn fn, void *ctx, int depth)
{
	DIR *dir;
	struct dirent *de;
	int fd, ret = 0;

	if (depth > CGROUP_MAX_DEPTH)
		return -ELOOP;
	fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	dir = fdopendir(fd);
	if (!dir) {
		ret = -errno;
		close(fd);
		return ret;
	}
	while ((errno = 0, de = readdir(dir))) {
		_cleanup_close_ int child = -1;
		struct stat st;

		if (de->d_type != DT_DIR || !strcmp(de->d_name, ".") ||
		    !strcmp(de->d_name, ".."))
			continue;
		child = openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (child < 0) {
			if (errno == ENOENT)	/* removed while we walked */
				continue;
			ret = -errno;
			break;
		}
		if (fstat(child, &st) < 0) {
			ret = -errno;
			break;
		}
		ret = fn(ctx, st.st_ino);
		if (ret < 0)
			break;
		if (ret == CGROUP_WALK_SKIP) {
			ret = 0;
			continue;
		}
		ret = walk_below(child, fn, ctx, depth + 1);
		if (ret < 0)
			break;
	}
	if (!ret && errno)
		ret = -errno;
	closedir(dir);
	return ret;
}

int cgroup_walk_below(int dirfd, cgroup_walk_fn fn, void *ctx)
{
	return walk_below(dirfd, fn, ctx, 0);
}

int cgroup_walk_up(int dirfd, cgroup_walk_fn fn, void *ctx)
{
	_cleanup_close_ int cur = -1;
	struct stat st, pst;
	int ret;

	cur = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cur < 0 || fstat(cur, &st) < 0)
		return -errno;
	for (int i = 0; i < CGROUP_MAX_DEPTH; i++) {
		_cleanup_close_ int parent = -1;
		struct statfs sfs;

		parent = openat(cur, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (parent < 0 || fstat(parent, &pst) < 0 || fstatfs(parent, &sfs) < 0)
			return -errno;
		/* Reached the top: ".." of the root is itself or another fs. */
		if (sfs.f_type != CGROUP2_SUPER_MAGIC ||
		    (pst.st_ino == st.st_ino && pst.st_dev == st.st_dev))
			return 0;
		ret = fn(ctx, pst.st_ino);
		if (ret)
			return ret < 0 ? ret : 0;
		close(cur);
		cur = TAKE_FD(parent);
		st = pst;
	}
	return -ELOOP;
}

int cgroup2_mount_path(char *buf, size_t size)
{
	_cleanup_fclose_ FILE *f = NULL;
	_cleanup_free_ char *line = NULL;
	size_t cap = 0;

	f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return -errno;
	while (getline(&line, &cap, f) > 0) {
		char mnt[4096], fstype[64];
		const char *sep = strstr(line, " - ");

		/* fields: id parent maj:min root mountpoint ... - fstype src opts */
		if (!sep || sscanf(line, "%*s %*s %*s %*s %4095s", mnt) != 1 ||
		    sscanf(sep + 3, "%63s", fstype) != 1)
			continue;
		if (strcmp(fstype, "cgroup2"))
			continue;
		if (strlen(mnt) >= size)
			return -ENAMETOOLONG;
		strcpy(buf, mnt);
		return 0;
	}
	return -ENOENT;
}

int cgroup_id_exists(int mount_fd, __u64 id)
{
	struct {
		struct file_handle fh;
		__u64 id;
	} h = { .fh = { .handle_bytes = sizeof(__u64), .handle_type = 0xfe } };
	int fd;

	/* FILEID_KERNFS: the handle of a kernfs node is its 64-bit id. */
	h.id = id;
	fd = open_by_handle_at(mount_fd, &h.fh, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		close(fd);
		return 1;
	}
	if (errno == ESTALE || errno == ENOENT)
		return 0;
	return -errno;
}
