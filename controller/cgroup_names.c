// SPDX-License-Identifier: GPL-2.0
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup.h"
#include "cgroup_names.h"

#define CACHE_SLOTS 256

struct cgroup_names {
	int mount_fd;
	char mount[PATH_MAX];
	struct {
		__u64 id;
		char path[PATH_MAX];
	} cache[CACHE_SLOTS];
};

struct cgroup_names *cgroup_names_new(void)
{
	struct cgroup_names *c = calloc(1, sizeof(*c));
	int r;

	if (!c)
		return NULL;
	r = cgroup2_mount_path(c->mount, sizeof(c->mount));
	if (!r) {
		c->mount_fd = open(c->mount, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (c->mount_fd < 0)
			r = -errno;
	}
	if (r) {
		free(c);
		errno = -r;
		return NULL;
	}
	return c;
}

void cgroup_names_free(struct cgroup_names *c)
{
	if (!c)
		return;
	close(c->mount_fd);
	free(c);
}

/* The kernfs file handle of a cgroup is its id: open it, ask procfs where. */
static int resolve(struct cgroup_names *c, __u64 id, char *out, size_t size)
{
	struct {
		struct file_handle fh;
		__u64 id;
	} h = { .fh = { .handle_bytes = sizeof(__u64), .handle_type = 0xfe } };
	char link[64], target[PATH_MAX];
	size_t mlen = strlen(c->mount);
	ssize_t n;
	int fd;

	h.id = id;
	fd = open_by_handle_at(c->mount_fd, &h.fh, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, target, sizeof(target) - 1);
	close(fd);
	if (n < 0)
		return -errno;
	target[n] = '\0';
	if (strncmp(target, c->mount, mlen))
		return -EXDEV;
	snprintf(out, size, "%s", target[mlen] ? target + mlen : "/");
	return 0;
}

const char *cgroup_names_path(struct cgroup_names *c, __u64 id)
{
	unsigned int slot = (unsigned int)(id % CACHE_SLOTS);

	if (c->cache[slot].id == id)
		return c->cache[slot].path;
	if (resolve(c, id, c->cache[slot].path, sizeof(c->cache[slot].path))) {
		c->cache[slot].id = 0;
		return NULL;
	}
	c->cache[slot].id = id;
	return c->cache[slot].path;
}

const char *cgroup_names_path_of(struct cgroup_names *c, __u64 id, __u64 parent_id,
				 const char *name)
{
	unsigned int slot = (unsigned int)(id % CACHE_SLOTS);
	char parent[PATH_MAX];
	const char *p = cgroup_names_path(c, id);

	if (p || !name[0] || strchr(name, '/') || !parent_id || parent_id == id)
		return p;
	p = cgroup_names_path(c, parent_id);
	if (!p)
		return NULL;
	snprintf(parent, sizeof(parent), "%s", p);
	if ((size_t)snprintf(c->cache[slot].path, sizeof(c->cache[slot].path), "%s/%s",
			     strcmp(parent, "/") ? parent : "", name) >= sizeof(c->cache[slot].path))
		return NULL;
	c->cache[slot].id = id;
	return c->cache[slot].path;
}

int cgroup_names_dir(struct cgroup_names *c, __u64 id, char *buf, size_t size)
{
	const char *p = cgroup_names_path(c, id);

	if (!p)
		return -ENOENT;
	if ((size_t)snprintf(buf, size, "%s%s", c->mount, strcmp(p, "/") ? p : "") >= size)
		return -ENAMETOOLONG;
	return 0;
}
