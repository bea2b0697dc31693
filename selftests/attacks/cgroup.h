// SPDX-License-Identifier: GPL-2.0
/* cgroup v2 helpers shared by the route 12 attacks. */
#ifndef NOJIT_SELFTESTS_ATTACK_CGROUP_H
#define NOJIT_SELFTESTS_ATTACK_CGROUP_H

#include "attack.h"
#include <limits.h>
#include <sys/stat.h>

/*
 * The default target is the root of the cgroup2 hierarchy: /sys/fs/cgroup
 * on a unified-hierarchy system, /sys/fs/cgroup/unified on a hybrid one,
 * so it is looked up in mountinfo rather than assumed.
 */
static inline int cgroup2_mount_point(char *buf, size_t len)
{
	char line[4096];
	FILE *f;
	int ret = -ENOENT;

	f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char mnt[PATH_MAX], fstype[64];
		const char *sep = strstr(line, " - ");

		/* Fields: id parent maj:min root mountpoint opts... - fstype src opts */
		if (!sep || sscanf(sep, " - %63s", fstype) != 1 ||
		    strcmp(fstype, "cgroup2"))
			continue;
		if (sscanf(line, "%*s %*s %*s %*s %4095s", mnt) != 1)
			continue;
		if (strlen(mnt) >= len) {
			ret = -ENAMETOOLONG;
			break;
		}
		strcpy(buf, mnt);
		ret = 0;
		break;
	}
	fclose(f);
	return ret;
}

static inline void cgroup_target(int argc, char **argv, char *buf, size_t len)
{
	int r;

	if (argc > 1) {
		if (strlen(argv[1]) >= len)
			attack_error("target path too long");
		strcpy(buf, argv[1]);
		return;
	}
	r = cgroup2_mount_point(buf, len);
	if (r)
		attack_error("no cgroup2 mount found: %s", strerror(-r));
}

/*
 * 1 if this process is in the cgroup directory target, 0 if not, -errno
 * on error. Compares the directory's identity (a cgroup2 directory's
 * inode number is its cgroup id), not path strings, so namespaces and
 * symlinks cannot fool it.
 */
static inline int cgroup_self_in(const char *target)
{
	char line[4096], mnt[PATH_MAX], path[2 * PATH_MAX];
	struct stat a, b;
	const char *rel = NULL;
	FILE *f;
	int r;

	r = cgroup2_mount_point(mnt, sizeof(mnt));
	if (r)
		return r;
	f = fopen("/proc/self/cgroup", "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "0::", 3)) {
			line[strcspn(line, "\n")] = '\0';
			rel = line + 3;
			break;
		}
	}
	fclose(f);
	if (!rel)
		return -ENOENT;
	snprintf(path, sizeof(path), "%s%s", mnt, rel);
	if (stat(path, &a) || stat(target, &b))
		return -errno;
	return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

#endif /* NOJIT_SELFTESTS_ATTACK_CGROUP_H */
