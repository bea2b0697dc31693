/* SPDX-License-Identifier: GPL-2.0 */
/* cgroup id -> path, for the records of nojit daemon. */
#ifndef NOJIT_CGROUP_NAMES_H
#define NOJIT_CGROUP_NAMES_H

#include <linux/types.h>
#include <stddef.h>

struct cgroup_names;

/* A resolver over the cgroup2 mount; NULL with errno set on failure. */
struct cgroup_names *cgroup_names_new(void);
void cgroup_names_free(struct cgroup_names *c);

/*
 * Path of cgroup ID relative to the cgroup2 mount ("/system.slice/x"),
 * cached; NULL if it no longer exists. Valid until the next call.
 */
const char *cgroup_names_path(struct cgroup_names *c, __u64 id);

/*
 * As cgroup_names_path(), for a cgroup that may be gone already: then named
 * by its parent's path and its own NAME, cached under ID. NULL if the
 * parent is gone too, or NAME is empty.
 */
const char *cgroup_names_path_of(struct cgroup_names *c, __u64 id, __u64 parent_id,
				 const char *name);

/* Absolute directory of cgroup ID ("/sys/fs/cgroup/system.slice/x"). */
int cgroup_names_dir(struct cgroup_names *c, __u64 id, char *buf, size_t size);

#endif /* NOJIT_CGROUP_NAMES_H */
