// SPDX-License-Identifier: GPL-2.0
/*
 * WASI preview1: path_* calls. Each resolves the guest's path beneath
 * the directory fd it names (preopen.c); escapes answer ENOTCAPABLE.
 * Only a path root resolves paths: a preopen or an fd opened beneath one,
 * never a host-inherited stdio fd (`app < /` is no way out). An fd that
 * is no directory answers as in wasmtime (crates/wasi/src/p1.rs): EBADF,
 * but ENOTDIR from path_open on a file.
 *
 * Two shapes of call, both confined:
 *  - whole path opened by openat2(RESOLVE_BENEATH) and the operation done
 *    on that fd (path_open, path_filestat_get, path_filestat_set_times);
 *  - parent opened beneath, then a plain *at() call on one final name
 *    without trailing slashes, with no flag that follows it (mkdirat,
 *    unlinkat, renameat, linkat, readlinkat). What a trailing slash
 *    means (follow, must be a directory) is checked by a beneath open of
 *    the whole path, never by the *at() call.
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

/*
 * The directory fd for a path call: *ret_f, or EBADF (ENOTDIR: a file,
 * path_open). *ret_f is also set for stdio, which path_args audits.
 */
static uint32_t path_dir(struct vk_guest *g, uint32_t fd, bool open, struct vk_fd **ret_f)
{
	struct vk_fd *f = vk_fdtable_get(g, fd);

	if (!f)
		return WASI_EBADF;
	switch (vk_fd_kind(f)) {
	case VK_FD_DIR:
		*ret_f = f;
		return WASI_ESUCCESS;
	case VK_FD_FILE:
		return open ? WASI_ENOTDIR : WASI_EBADF;
	default:
		*ret_f = f;
		return WASI_EBADF;
	}
}

/* The directory entry fd (a path root) and a host copy of the guest's path. */
static uint32_t path_args_kind(struct vk_guest *g, const char *op, uint32_t fd, bool open,
			       uint32_t ptr, uint32_t len, struct vk_fd **ret_f, char **ret_path)
{
	struct vk_fd *f = NULL;
	uint32_t e = path_dir(g, fd, open, &f);
	char *p;

	if (e && !(f && f->stdio))
		return e;
	if (len >= VK_PATH_MAX)
		return WASI_ENAMETOOLONG;
	p = vk_mem_strndup(g, ptr, len);
	if (!p)
		return errno == EFAULT ? WASI_EFAULT :
		       errno == EILSEQ ? WASI_EILSEQ : WASI_ENOMEM;
	if (f->stdio || !f->path_root) {
		/* Stdio is no directory fd (wasmtime: EBADF); one that is a
		 * host directory (`app < /`) is an attempt worth a record. */
		if (f->filetype == WASI_FILETYPE_DIRECTORY)
			vk_path_escape_audit(g, op, p, "not_a_preopen");
		free(p);
		return WASI_EBADF;
	}
	*ret_f = f;
	*ret_path = p;
	return WASI_ESUCCESS;
}

/*
 * For calls that check both directory fds before either path (wasmtime's
 * order): false with *ret_e set when fd fails. Stdio passes here, so
 * that path_args refuses it with the audit a directory stdin gets.
 */
static bool early_dir_check(struct vk_guest *g, uint32_t fd, uint32_t *ret_e)
{
	struct vk_fd *f = NULL;
	uint32_t e = path_dir(g, fd, false, &f);

	*ret_e = e;
	return !e || (f && f->stdio);
}

static uint32_t path_args(struct vk_guest *g, const char *op, uint32_t fd, uint32_t ptr,
			  uint32_t len, struct vk_fd **ret_f, char **ret_path)
{
	return path_args_kind(g, op, fd, false, ptr, len, ret_f, ret_path);
}

/* The whole path opened beneath its root (O_PATH | extra): *ret_fd or a WASI errno. */
static uint32_t path_open_beneath(struct vk_guest *g, const char *op, uint32_t fd,
				  uint32_t ptr, uint32_t len, int extra, int *ret_fd)
{
	struct vk_fd *f;
	char *path;
	uint32_t e;
	int hfd;

	e = path_args(g, op, fd, ptr, len, &f, &path);
	if (e)
		return e;
	hfd = vk_path_open(g, op, f->host_fd, path, O_PATH | extra, 0);
	free(path);
	if (hfd < 0)
		return err_to_wasi(hfd);
	*ret_fd = hfd;
	return WASI_ESUCCESS;
}

/* Resolved parent + last component, or a WASI errno. */
struct at_path {
	struct vk_fd *f;
	char *path;		/* the guest's whole path */
	int dirfd;
	char *last;		/* one name, no trailing slash */
	bool slash;		/* path had trailing slashes after last */
	const char *op;
};

static uint32_t at_path_get(struct vk_guest *g, const char *op, uint32_t fd, uint32_t ptr,
			    uint32_t len, struct at_path *ap)
{
	uint32_t e;
	int r;

	*ap = (struct at_path){ .dirfd = -1, .op = op };
	e = path_args(g, op, fd, ptr, len, &ap->f, &ap->path);
	if (e)
		return e;
	r = vk_path_parent(g, op, ap->f->host_fd, ap->path, &ap->dirfd, &ap->last, &ap->slash);
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
	free(ap->last);
	*ap = (struct at_path){ .dirfd = -1 };
}

/*
 * "name/": does the whole path, final symlinks followed beneath the root
 * only, name a directory? 0 or a WASI errno (ENOTCAPABLE for an escape,
 * audited). What the kernel would do for the slash, without its escape.
 */
static uint32_t at_path_slash_dir(struct vk_guest *g, const struct at_path *ap)
{
	int fd = vk_path_open(g, ap->op, ap->f->host_fd, ap->path, O_PATH | O_DIRECTORY, 0);

	if (fd < 0)
		return err_to_wasi(fd);
	close(fd);
	return WASI_ESUCCESS;
}

/* lstat of the final name itself (nothing followed): 0 or -errno. */
static int at_path_lstat(const struct at_path *ap, struct stat *st)
{
	return fstatat(ap->dirfd, ap->last, st, AT_SYMLINK_NOFOLLOW) < 0 ? -errno : 0;
}

uint32_t WASI_IMPORT(path_open)(wasi_instance_t *inst, uint32_t fd, uint32_t dirflags,
				uint32_t path_ptr, uint32_t path_len, uint32_t oflags,
				uint64_t rights_base, uint64_t rights_inheriting,
				uint32_t fdflags, uint32_t ret)
{
	struct vk_guest *g = wasi_guest(inst);
	struct vk_fd *f;
	char *path;
	uint32_t e;
	int flags = 0, hfd, gfd;
	bool rd, wr;

	/* Undefined bits: EINVAL before anything else, as wasmtime's decoding. */
	if (dirflags & ~WASI_LOOKUP_ALL || oflags & ~WASI_OFLAGS_ALL ||
	    fdflags & ~WASI_FDFLAGS_ALL || rights_base & ~WASI_RIGHTS_ALL ||
	    rights_inheriting & ~WASI_RIGHTS_ALL)
		return WASI_EINVAL;
	if (!vk_mem(g, ret, 4))
		return WASI_EFAULT;
	e = path_args_kind(g, "path_open", fd, true, path_ptr, path_len, &f, &path);
	if (e)
		return e;
	/* wasmtime opens no file for synchronized I/O: ENOTSUP. */
	if (fdflags & (WASI_FDFLAGS_SYNC | WASI_FDFLAGS_DSYNC | WASI_FDFLAGS_RSYNC))
		e = WASI_ENOTSUP;
	/* A directory is never created, made exclusive or truncated. */
	else if (oflags & WASI_OFLAGS_DIRECTORY &&
		 oflags & (WASI_OFLAGS_CREAT | WASI_OFLAGS_EXCL | WASI_OFLAGS_TRUNC))
		e = WASI_EINVAL;
	if (e) {
		free(path);
		return e;
	}
	/*
	 * The access mode as wasmtime derives it: write for FD_WRITE, and
	 * for creating or truncating; read for FD_READ, or when not
	 * writing. Only those two rights count: a request with FD_WRITE on
	 * a directory is an O_WRONLY/O_RDWR open of it, which the kernel
	 * refuses (EISDIR), never a read-only open that reports success.
	 * Inheriting rights are not kept (wasmtime ignores them too).
	 */
	wr = rights_base & WASI_RIGHTS_FD_WRITE || oflags & (WASI_OFLAGS_CREAT | WASI_OFLAGS_TRUNC);
	rd = rights_base & WASI_RIGHTS_FD_READ || !(rights_base & WASI_RIGHTS_FD_WRITE);
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
	struct stat st;
	int r;

	if (e)
		return e;
	if (ap.slash) {
		/* unlink("x/") fails: ENOENT, EISDIR or ENOTDIR (x not followed). */
		r = at_path_lstat(&ap, &st);
		e = wasi_errno_from_host(r < 0 ? r : S_ISDIR(st.st_mode) ? -EISDIR : -ENOTDIR);
	} else {
		e = unlinkat(ap.dirfd, ap.last, 0) < 0 ? wasi_errno_from_host(errno) :
							 WASI_ESUCCESS;
	}
	at_path_put(&ap);
	return e;
}

uint32_t WASI_IMPORT(path_rename)(wasi_instance_t *inst, uint32_t fd, uint32_t old_ptr,
				  uint32_t old_len, uint32_t new_fd, uint32_t new_ptr,
				  uint32_t new_len)
{
	struct vk_guest *g = wasi_guest(inst);
	struct at_path from, to;
	struct stat st;
	uint32_t e;
	int r;

	/* Both descriptors before either path, as wasmtime. */
	if (!early_dir_check(g, fd, &e) || !early_dir_check(g, new_fd, &e))
		return e;
	e = at_path_get(g, "path_rename", fd, old_ptr, old_len, &from);
	if (e)
		return e;
	e = at_path_get(g, "path_rename", new_fd, new_ptr, new_len, &to);
	if (e) {
		at_path_put(&from);
		return e;
	}
	/* A trailing slash on either name: the source must be a directory
	 * itself (rename follows neither name). */
	r = from.slash || to.slash ? at_path_lstat(&from, &st) : 0;
	if (r == 0 && (from.slash || to.slash) && !S_ISDIR(st.st_mode))
		r = -ENOTDIR;
	if (r < 0)
		e = wasi_errno_from_host(r);
	else
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

	if (old_flags & ~WASI_LOOKUP_ALL)
		return WASI_EINVAL;
	if (!early_dir_check(g, old_fd, &e) || !early_dir_check(g, new_fd, &e))
		return e;
	/* Following the source is refused, as in wasmtime (EINVAL); here
	 * also because linkat(AT_SYMLINK_FOLLOW) would follow a link out
	 * of the preopen. */
	if (old_flags & WASI_LOOKUP_SYMLINK_FOLLOW)
		return WASI_EINVAL;
	e = at_path_get(g, "path_link", old_fd, old_ptr, old_len, &from);
	if (e)
		return e;
	e = at_path_get(g, "path_link", new_fd, new_ptr, new_len, &to);
	if (e) {
		at_path_put(&from);
		return e;
	}
	if (from.slash) {
		/* "x/" follows x (beneath): a directory, which is never linked. */
		e = at_path_slash_dir(g, &from);
		if (!e)
			e = WASI_EPERM;
	} else if (to.slash) {
		struct stat st;

		/* A new name with a slash is never created. */
		e = at_path_lstat(&to, &st) == 0 ? WASI_EEXIST : WASI_ENOENT;
	} else {
		e = linkat(from.dirfd, from.last, to.dirfd, to.last, 0) < 0 ?
			wasi_errno_from_host(errno) : WASI_ESUCCESS;
	}
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
	if (ap.slash) {
		/* "x/" follows x (beneath): what is left is not a symlink. */
		e = at_path_slash_dir(g, &ap);
		if (!e)
			e = WASI_EINVAL;
	} else {
		n = readlinkat(ap.dirfd, ap.last, out, buf_len);
		e = n < 0 ? wasi_errno_from_host(errno) : WASI_ESUCCESS;
		if (n >= 0)
			vk_store32(g, ret, (uint32_t)n);
	}
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
	struct vk_fd *f;
	uint32_t e;

	(void)new_ptr;
	(void)new_len;
	e = path_dir(g, fd, false, &f);	/* no directory: EBADF, as wasmtime */
	if (e)
		return e;
	vk_audit_emit(&(struct vk_audit_event){
		.event = "symlink_denied",
		.module = g->module ? g->module->name : NULL,
		.reason = "symlink_creation",
		.target = target ? target : "",
		.target_len = target ? old_len : 0,
	});
	return WASI_EPERM;
}

/*
 * The target opened beneath (O_NOFOLLOW unless asked to follow; a
 * trailing slash still follows, beneath only), then stat'ed or touched
 * through that fd: no *at() call resolves the guest's path.
 */
uint32_t WASI_IMPORT(path_filestat_get)(wasi_instance_t *inst, uint32_t fd, uint32_t flags,
					uint32_t ptr, uint32_t len, uint32_t ret)
{
	struct vk_guest *g = wasi_guest(inst);
	struct stat st;
	uint32_t e;
	int hfd;

	if (flags & ~WASI_LOOKUP_ALL)
		return WASI_EINVAL;
	if (!vk_mem(g, ret, WASI_FILESTAT_SIZE))
		return WASI_EFAULT;
	e = path_open_beneath(g, "path_filestat_get", fd, ptr, len,
			      flags & WASI_LOOKUP_SYMLINK_FOLLOW ? 0 : O_NOFOLLOW, &hfd);
	if (e)
		return e;
	e = fstat(hfd, &st) < 0 ? wasi_errno_from_host(errno) : WASI_ESUCCESS;
	close(hfd);
	return e ? e : wasi_store_filestat(g, ret, &st);
}

uint32_t WASI_IMPORT(path_filestat_set_times)(wasi_instance_t *inst, uint32_t fd, uint32_t flags,
					      uint32_t ptr, uint32_t len, uint64_t atim,
					      uint64_t mtim, uint32_t fst)
{
	struct vk_guest *g = wasi_guest(inst);
	struct timespec ts[2];
	uint32_t e;
	int hfd;

	if (flags & ~WASI_LOOKUP_ALL || wasi_times(atim, mtim, fst, ts) < 0)
		return WASI_EINVAL;
	e = path_open_beneath(g, "path_filestat_set_times", fd, ptr, len,
			      flags & WASI_LOOKUP_SYMLINK_FOLLOW ? 0 : O_NOFOLLOW, &hfd);
	if (e)
		return e;
	/* The empty path names hfd itself (a symlink when not followed). */
	e = utimensat(hfd, "", ts, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0 ?
		wasi_errno_from_host(errno) : WASI_ESUCCESS;
	close(hfd);
	return e;
}
