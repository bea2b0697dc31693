/* SPDX-License-Identifier: GPL-2.0 */
/* cgroup2 directories: validation, ids, subtree walks. */
#ifndef NOJIT_CGROUP_H
#define NOJIT_CGROUP_H

#include <linux/types.h>
#include <stdbool.h>

#include "util.h"

/*
 * Open PATH as a cgroup2 directory. Its cgroup id (the id the kernel's
 * bpf_get_current_cgroup_id() returns) is its inode number on cgroup2.
 */
int cgroup_open(const char *path, int *ret_fd, __u64 *ret_id, struct nojit_err *err);

/* Returns < 0 to abort the walk, CGROUP_WALK_SKIP to skip a subtree. */
#define CGROUP_WALK_SKIP 1
typedef int (*cgroup_walk_fn)(void *ctx, __u64 id);

/*
 * Visit every cgroup below DIRFD (not DIRFD itself), parents before their
 * children: a parent is visited before its directory is listed.
 */
int cgroup_walk_below(int dirfd, cgroup_walk_fn fn, void *ctx);

/*
 * Call FN on each proper ancestor of DIRFD, nearest first, up to the
 * cgroup2 root. FN returns 1 to stop, < 0 to abort.
 */
int cgroup_walk_up(int dirfd, cgroup_walk_fn fn, void *ctx);

/* Path of the cgroup2 mount from /proc/self/mountinfo. */
int cgroup2_mount_path(char *buf, size_t size);

/* 1 if a cgroup with this id still exists, 0 if not, -errno if unknown. */
int cgroup_id_exists(int mount_fd, __u64 id);

#endif /* NOJIT_CGROUP_H */
