// SPDX-License-Identifier: GPL-2.0
/*
 * WASI preview1: path_* calls. Each resolves the guest's path beneath
 * the directory fd it names (preopen.c); escapes answer ENOTCAPABLE.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit.h"
#include "preopen.h"
#include "wasi.h"
#include "wasi_imports.h"

#define VK_PATH_MAX	4096

static uint32_t err_to_wasi(int err)
{
	if (err == -EXDEV || err == EXDEV)
		return WASI_ENOTCAPABLE;	/* an escape, already audited */
	return wasi_errno_from_host(err);
}

/* The directory entry fd and a host copy of the guest's path. */
static uint32_t path_args(struct vk_guest *g, uint32_t fd, uint32_t ptr, uint32_t len,
			  struct vk_fd **ret_f, char **ret_path)
{
	struct vk_fd *f = vk_fdtable_get(g, fd);
	char *p;

	if (!f)
		return WASI_EBADF;
	if (f->filetype != WASI_FILETYPE_DIRECTORY)
		return WASI_ENOTDIR;
	if (len >= VK_PATH_MAX)
		return WASI_ENAMETOOLONG;
	p = vk_mem_strndup(g, ptr, len);
	if (!p)
		return errno == EFAULT ? WASI_EFAULT :
		       errno == EILSEQ ? WASI_EILSEQ : WASI_ENOMEM;
	*ret_f = f;
	*ret_path = p;
	return WASI_ESUCCESS;
}

/* Resolved parent + last component, or a WASI errno. */
struct at_path {
	struct vk_fd *f;
	char *path;
	int dirfd;
	const char *last;
};

static uint32_t at_path_get(struct vk_guest *g, const char *op, uint32_t fd, uint32_t ptr,
			    uint32_t len, struct at_path *ap)
{
	uint32_t e;
	int r;

	*ap = (struct at_path){ .dirfd = -1 };
	e = path_args(g, fd, ptr, len, &ap->f, &ap->path);
	if (e)
		return e;
	r = vk_path_parent(g, op, ap->f->host_fd, ap->path, &ap->dirfd, &ap->last);
	if (r < 0) {
		free(ap->path);
		ap->path = NULL;
		ap->dirfd = -1;
		return err_to_wasi(r);
	}
	return WASI_ESUCCESS;
}

static void at_path_put(struct at_path *ap)
{
	if (ap->f && ap->dirfd >= 0 && ap->dirfd != ap->f->host_fd)
		close(ap->dirfd);
	free(ap->path);
	*ap = (struct at_path){ .dirfd = -1 };
}

uint32_t WASI_IMPORT(path_open)(wasi_instance_t *inst, uint32_t fd, uint32_t dirflags,
				uint32_t path_ptr, uint32_t path_len, uint32_t oflags,
				uint64_t rights_base, uint64_t rights_inheriting,
				uint32_t fdflags, uint32_t ret)
{
	const uint64_t write_rights = WASI_RIGHTS_FD_WRITE | WASI_RIGHTS_FD_DATASYNC |
		WASI_RIGHTS_FD_ALLOCATE | WASI_RIGHTS_FD_FILESTAT_SET_SIZE;
	const uint64_t read_rights = WASI_RIGHTS_FD_READ | WASI_RIGHTS_FD_READDIR;
	struct vk_guest *g = wasi_guest(inst);
	struct vk_fd *f;
	char *path;
	uint32_t e;
	int flags = 0, hfd, gfd;
	bool rd, wr;

	(void)rights_inheriting;
	if (!vk_mem(g, ret, 4))
		return WASI_EFAULT;
	e = path_args(g, fd, path_ptr, path_len, &f, &path);
	if (e)
		return e;
	rd = rights_base & read_rights;
	wr = rights_base & write_rights;
	flags = wr ? (rd ? O_RDWR : O_WRONLY) : O_RDONLY;
	if (oflags & WASI_OFLAGS_CREAT)
		flags |= O_CREAT;
	if (oflags & WASI_OFLAGS_DIRECTORY)
		flags |= O_DIRECTORY;
	if (oflags & WASI_OFLAGS_EXCL)
		flags |= O_EXCL;
	if (oflags & WASI_OFLAGS_TRUNC)
		flags |= O_TRUNC;
	if (fdflags & WASI_FDFLAGS_APPEND)
		flags |= O_APPEND;
	if (fdflags & WASI_FDFLAGS_NONBLOCK)
		flags |= O_NONBLOCK;
	if (fdflags & WASI_FDFLAGS_DSYNC)
		flags |= O_DSYNC;
	if (fdflags & (WASI_FDFLAGS_SYNC | WASI_FDFLAGS_RSYNC))
		flags |= O_SYNC;
	if (!(dirflags & WASI_LOOKUP_SYMLINK_FOLLOW))
		flags |= O_NOFOLLOW;

	hfd = vk_path_open(g, "path_open", f->host_fd, path, flags, 0666);
	free(path);
	if (hfd < 0)
		return err_to_wasi(hfd);
	gfd = vk_fdtable_add(g, hfd);
	if (gfd < 0)
		return wasi_errno_from_host(gfd);
	vk_store32(g, ret, (uint32_t)gfd);
	return WASI_ESUCCESS;
}

uint32_t WASI_IMPORT(path_create_directory)(wasi_instance_t *inst, uint32_t fd, uint32_t ptr,
					    uint32_t len)
{
	struct at_path ap;
	uint32_t e = at_path_get(wasi_guest(inst), "path_create_directory", fd, ptr, len, &ap);

	if (e)
		return e;
	e = mkdirat(ap.dirfd, ap.last, 0777) < 0 ? wasi_errno_from_host(errno) : WASI_ESUCCESS;
	at_path_put(&ap);
	return e;
}

uint32_t WASI_IMPORT(path_remove_directory)(wasi_instance_t *inst, uint32_t fd, uint32_t ptr,
					    uint32_t len)
{
	struct at_path ap;
	uint32_t e = at_path_get(wasi_guest(inst), "path_remove_directory", fd, ptr, len, &ap);

	if (e)
		return e;
	e = unlinkat(ap.dirfd, ap.last, AT_REMOVEDIR) < 0 ?
		wasi_errno_from_host(errno) : WASI_ESUCCESS;
	at_path_put(&ap);
	return e;
}

uint32_t WASI_IMPORT(path_unlink_file)(wasi_instance_t *inst, uint32_t fd, uint32_t ptr,
				       uint32_t len)
{
	struct at_path ap;
	uint32_t e = at_path_get(wasi_guest(inst), "path_unlink_file", fd, ptr, len, &ap);

	if (e)
		return e;
	e = unlinkat(ap.dirfd, ap.last, 0) < 0 ? wasi_errno_from_host(errno) : WASI_ESUCCESS;
	at_path_put(&ap);
	return e;
}

uint32_t WASI_IMPORT(path_rename)(wasi_instance_t *inst, uint32_t fd, uint32_t old_ptr,
				  uint32_t old_len, uint32_t new_fd, uint32_t new_ptr,
				  uint32_t new_len)
{
	struct vk_guest *g = wasi_guest(inst);
	struct at_path from, to;
	uint32_t e;

	e = at_path_get(g, "path_rename", fd, old_ptr, old_len, &from);
	if (e)
		return e;
	e = at_path_get(g, "path_rename", new_fd, new_ptr, new_len, &to);
	if (e) {
		at_path_put(&from);
		return e;
	}
	e = renameat(from.dirfd, from.last, to.dirfd, to.last) < 0 ?
		wasi_errno_from_host(errno) : WASI_ESUCCESS;
	at_path_put(&from);
	at_path_put(&to);
	return e;
}

uint32_t WASI_IMPORT(path_link)(wasi_instance_t *inst, uint32_t old_fd, uint32_t old_flags,
				uint32_t old_ptr, uint32_t old_len, uint32_t new_fd,
				uint32_t new_ptr, uint32_t new_len)
{
	struct vk_guest *g = wasi_guest(inst);
	struct at_path from, to;
	uint32_t e;

	/* linkat(AT_SYMLINK_FOLLOW) would follow a link out of the preopen. */
	if (old_flags & WASI_LOOKUP_SYMLINK_FOLLOW)
		return WASI_ENOTSUP;
	e = at_path_get(g, "path_link", old_fd, old_ptr, old_len, &from);
	if (e)
		return e;
	e = at_path_get(g, "path_link", new_fd, new_ptr, new_len, &to);
	if (e) {
		at_path_put(&from);
		return e;
	}
	e = linkat(from.dirfd, from.last, to.dirfd, to.last, 0) < 0 ?
		wasi_errno_from_host(errno) : WASI_ESUCCESS;
	at_path_put(&from);
	at_path_put(&to);
	return e;
}

uint32_t WASI_IMPORT(path_readlink)(wasi_instance_t *inst, uint32_t fd, uint32_t ptr,
				    uint32_t len, uint32_t buf, uint32_t buf_len, uint32_t ret)
{
	struct vk_guest *g = wasi_guest(inst);
	char *out = vk_mem(g, buf, buf_len);
	struct at_path ap;
	uint32_t e;
	ssize_t n;

	if (!out || !vk_mem(g, ret, 4))
		return WASI_EFAULT;
	e = at_path_get(g, "path_readlink", fd, ptr, len, &ap);
	if (e)
		return e;
	n = readlinkat(ap.dirfd, ap.last, out, buf_len);
	e = n < 0 ? wasi_errno_from_host(errno) : WASI_ESUCCESS;
	if (n >= 0)
		vk_store32(g, ret, (uint32_t)n);
	at_path_put(&ap);
	return e;
}

/*
 * Symlinks are not created: a guest has no business building paths that
 * lead elsewhere (resolution would refuse an escaping one anyway).
 */
uint32_t WASI_IMPORT(path_symlink)(wasi_instance_t *inst, uint32_t old_ptr, uint32_t old_len,
				   uint32_t fd, uint32_t new_ptr, uint32_t new_len)
{
	struct vk_guest *g = wasi_guest(inst);
	const char *target = vk_mem(g, old_ptr, old_len);

	(void)fd;
	(void)new_ptr;
	(void)new_len;
	vk_audit_emit(&(struct vk_audit_event){
		.event = "symlink_denied",
		.module = g->module ? g->module->name : NULL,
		.reason = "symlink_creation",
		.target = target ? target : "",
		.target_len = target ? old_len : 0,
	});
	return WASI_EPERM;
}

uint32_t WASI_IMPORT(path_filestat_get)(wasi_instance_t *inst, uint32_t fd, uint32_t flags,
					uint32_t ptr, uint32_t len, uint32_t ret)
{
	struct vk_guest *g = wasi_guest(inst);
	struct stat st;
	uint32_t e;

	if (!vk_mem(g, ret, WASI_FILESTAT_SIZE))
		return WASI_EFAULT;
	if (flags & WASI_LOOKUP_SYMLINK_FOLLOW) {
		struct vk_fd *f;
		char *path;
		int hfd;

		e = path_args(g, fd, ptr, len, &f, &path);
		if (e)
			return e;
		hfd = vk_path_open(g, "path_filestat_get", f->host_fd, path, O_PATH, 0);
		free(path);
		if (hfd < 0)
			return err_to_wasi(hfd);
		e = fstat(hfd, &st) < 0 ? wasi_errno_from_host(errno) : WASI_ESUCCESS;
		close(hfd);
	} else {
		struct at_path ap;

		e = at_path_get(g, "path_filestat_get", fd, ptr, len, &ap);
		if (e)
			return e;
		e = fstatat(ap.dirfd, ap.last, &st, AT_SYMLINK_NOFOLLOW) < 0 ?
			wasi_errno_from_host(errno) : WASI_ESUCCESS;
		at_path_put(&ap);
	}
	return e ? e : wasi_store_filestat(g, ret, &st);
}

uint32_t WASI_IMPORT(path_filestat_set_times)(wasi_instance_t *inst, uint32_t fd, uint32_t flags,
					      uint32_t ptr, uint32_t len, uint64_t atim,
					      uint64_t mtim, uint32_t fst)
{
	struct vk_guest *g = wasi_guest(inst);
	struct timespec ts[2];
	uint32_t e;

	if (wasi_times(atim, mtim, fst, ts) < 0)
		return WASI_EINVAL;
	if (flags & WASI_LOOKUP_SYMLINK_FOLLOW) {
		struct vk_fd *f;
		char *path;
		int hfd;

		e = path_args(g, fd, ptr, len, &f, &path);
		if (e)
			return e;
		hfd = vk_path_open(g, "path_filestat_set_times", f->host_fd, path, O_PATH, 0);
		free(path);
		if (hfd < 0)
			return err_to_wasi(hfd);
		e = utimensat(hfd, "", ts, AT_EMPTY_PATH) < 0 ?
			wasi_errno_from_host(errno) : WASI_ESUCCESS;
		close(hfd);
	} else {
		struct at_path ap;

		e = at_path_get(g, "path_filestat_set_times", fd, ptr, len, &ap);
		if (e)
			return e;
		e = utimensat(ap.dirfd, ap.last, ts, AT_SYMLINK_NOFOLLOW) < 0 ?
			wasi_errno_from_host(errno) : WASI_ESUCCESS;
		at_path_put(&ap);
	}
	return e;
}
