// SPDX-License-Identifier: GPL-2.0
/*
 * The guest's fd table: guest fd N is fds[N]. 0-2 are private copies of
 * the host's stdio, preopened directories follow from 3, path_open takes
 * the lowest free slot. Only fds in this table are reachable from a
 * guest: the audit fd, the host's own 0-2 and anything else the host
 * holds are not.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "guest.h"
#include "wasi.h"

uint8_t vk_filetype(mode_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG: return WASI_FILETYPE_REGULAR_FILE;
	case S_IFDIR: return WASI_FILETYPE_DIRECTORY;
	case S_IFCHR: return WASI_FILETYPE_CHARACTER_DEVICE;
	case S_IFBLK: return WASI_FILETYPE_BLOCK_DEVICE;
	case S_IFSOCK: return WASI_FILETYPE_SOCKET_STREAM;
	case S_IFLNK: return WASI_FILETYPE_SYMBOLIC_LINK;
	default: return WASI_FILETYPE_UNKNOWN;	/* FIFOs too, like wasmtime */
	}
}

static int fdtable_slot(struct vk_guest *g, uint32_t want_min)
{
	uint32_t i;

	for (i = want_min; i < g->n_fds; i++)
		if (g->fds[i].host_fd < 0)
			return (int)i;
	if (g->n_fds >= VK_MAX_FDS)
		return -EMFILE;
	{
		uint32_t n = g->n_fds ? g->n_fds * 2 : 16;
		struct vk_fd *fds;

		if (n > VK_MAX_FDS)
			n = VK_MAX_FDS;
		fds = realloc(g->fds, n * sizeof(*fds));
		if (!fds)
			return -ENOMEM;
		for (i = g->n_fds; i < n; i++)
			fds[i] = (struct vk_fd){ .host_fd = -1 };
		g->fds = fds;
		i = g->n_fds;
		g->n_fds = n;
		return (int)(i > want_min ? i : want_min);
	}
}

static int fd_fill(struct vk_fd *f, int host_fd)
{
	struct stat st;

	if (fstat(host_fd, &st) < 0)
		return -errno;
	*f = (struct vk_fd){
		.host_fd = host_fd,
		.filetype = vk_filetype(st.st_mode),
		.tty = S_ISCHR(st.st_mode) && isatty(host_fd),
	};
	return 0;
}

int vk_fdtable_add(struct vk_guest *g, int host_fd)
{
	int slot, r;

	slot = fdtable_slot(g, 0);
	if (slot < 0) {
		close(host_fd);
		return slot;
	}
	r = fd_fill(&g->fds[slot], host_fd);
	if (r < 0) {
		close(host_fd);
		return r;
	}
	g->fds[slot].path_root = true;
	return slot;
}

int vk_fdtable_init_stdio(struct vk_guest *g)
{
	int fd, r;

	r = fdtable_slot(g, 0);
	if (r < 0)
		return r;
	for (fd = 0; fd < 3; fd++) {
		int copy = fcntl(fd, F_DUPFD_CLOEXEC, 3);

		if (copy < 0) {
			if (errno != EBADF)
				return -errno;
			/* Closed on the host: the guest slot stays free and the
			 * lowest free host fd, fd itself, is held on /dev/null. */
			r = open("/dev/null", O_RDWR | O_CLOEXEC);
			if (r < 0)
				return -errno;
			if (r != fd) {
				close(r);
				return -EBADF;
			}
			continue;
		}
		r = fd_fill(&g->fds[fd], copy);
		if (r < 0) {
			close(copy);
			return r;
		}
		g->fds[fd].stdio = fd == 0 ? VK_STDIO_IN : VK_STDIO_OUT;
	}
	return 0;
}

int vk_fdtable_add_preopen(struct vk_guest *g, int dir_fd, const char *guest_path)
{
	int slot, r;
	char *name;

	name = strdup(guest_path);
	if (!name) {
		close(dir_fd);
		return -ENOMEM;
	}
	slot = fdtable_slot(g, 3);
	if (slot < 0) {
		free(name);
		close(dir_fd);
		return slot;
	}
	r = fd_fill(&g->fds[slot], dir_fd);
	if (r < 0 || g->fds[slot].filetype != WASI_FILETYPE_DIRECTORY) {
		g->fds[slot].host_fd = -1;
		free(name);
		close(dir_fd);
		return r < 0 ? r : -ENOTDIR;
	}
	g->fds[slot].preopen = name;
	g->fds[slot].path_root = true;
	return slot;
}

struct vk_fd *vk_fdtable_get(struct vk_guest *g, uint32_t fd)
{
	if (fd >= g->n_fds || g->fds[fd].host_fd < 0)
		return NULL;
	return &g->fds[fd];
}

void vk_fd_close(struct vk_fd *f)
{
	if (!f || f->host_fd < 0)
		return;
	if (f->dir)
		closedir(f->dir);
	close(f->host_fd);
	free(f->preopen);
	*f = (struct vk_fd){ .host_fd = -1 };
}

int vk_fdtable_clone(struct vk_guest *child, const struct vk_guest *parent)
{
	uint32_t i;

	child->fds = calloc(parent->n_fds ? parent->n_fds : 1, sizeof(*child->fds));
	if (!child->fds)
		return -ENOMEM;
	child->n_fds = parent->n_fds;
	for (i = 0; i < parent->n_fds; i++) {
		child->fds[i] = parent->fds[i];
		child->fds[i].dir = NULL;	/* the parent's stream stays its own */
		if (parent->fds[i].preopen) {
			child->fds[i].preopen = strdup(parent->fds[i].preopen);
			if (!child->fds[i].preopen)
				return -ENOMEM;
		}
	}
	return 0;
}
