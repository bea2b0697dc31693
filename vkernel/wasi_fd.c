// SPDX-License-Identifier: GPL-2.0
/*
 * WASI preview1: operations on open fds (fd_*).
 *
 * Which calls each kind of descriptor answers, and with what errno when
 * it does not, is wasmtime's (crates/wasi/src/p1.rs; the kinds are
 * vk_fd_kind()): host-inherited stdio (guest fds 0-2 as set up, wherever
 * fd_renumber moves them) is a stream, stdin readable and stdout/stderr
 * writable, nothing more. Seeking it, or pread/pwrite on it, answers
 * ESPIPE; every other call beyond read/write, fdstat and filestat
 * (truncate, allocate, set flags or times, sync, advise, readdir)
 * answers EBADF, as it does on a directory. Whatever the host gave as
 * stdio (a file, an O_APPEND log, a directory the invoker shares with
 * others) stays a stream to the guest. Path lookups from it are refused
 * in wasi_path.c.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "wasi.h"
#include "wasi_imports.h"

/*
 * What wasmtime reports for a preopened directory, base and inheriting
 * (a fixed set "expected by many userlands"; wasi-libc's openat derives
 * the rights it asks for from the inheriting set).
 */
#define VK_PREOPEN_RIGHTS						\
	(WASI_RIGHTS_PATH_CREATE_DIRECTORY | WASI_RIGHTS_PATH_CREATE_FILE |	\
	 WASI_RIGHTS_PATH_LINK_SOURCE | WASI_RIGHTS_PATH_LINK_TARGET |	\
	 WASI_RIGHTS_PATH_OPEN | WASI_RIGHTS_FD_READDIR |			\
	 WASI_RIGHTS_PATH_READLINK | WASI_RIGHTS_PATH_RENAME_SOURCE |	\
	 WASI_RIGHTS_PATH_RENAME_TARGET | WASI_RIGHTS_PATH_SYMLINK |	\
	 WASI_RIGHTS_PATH_REMOVE_DIRECTORY | WASI_RIGHTS_PATH_UNLINK_FILE |	\
	 WASI_RIGHTS_PATH_FILESTAT_GET | WASI_RIGHTS_PATH_FILESTAT_SET_TIMES |	\
	 WASI_RIGHTS_FD_FILESTAT_GET | WASI_RIGHTS_FD_FILESTAT_SET_TIMES)
#define VK_PREOPEN_INHERITING						\
	(VK_PREOPEN_RIGHTS | WASI_RIGHTS_FD_DATASYNC | WASI_RIGHTS_FD_READ |	\
	 WASI_RIGHTS_FD_SEEK | WASI_RIGHTS_FD_FDSTAT_SET_FLAGS |		\
	 WASI_RIGHTS_FD_SYNC | WASI_RIGHTS_FD_TELL | WASI_RIGHTS_FD_WRITE |	\
	 WASI_RIGHTS_FD_ADVISE | WASI_RIGHTS_FD_ALLOCATE |			\
	 WASI_RIGHTS_FD_FILESTAT_SET_SIZE | WASI_RIGHTS_POLL_FD_READWRITE)

/* f: the open entry for fd, any kind. */
#define FD_OR_BADF(g, fd, f)				\
	struct vk_fd *f = vk_fdtable_get((g), (fd));	\
	if (!f)						\
		return WASI_EBADF

/* f: the open entry for fd, a file (not stdio, not a directory): else EBADF. */
#define FD_FILE(g, fd, f)				\
	FD_OR_BADF(g, fd, f);				\
	if (vk_fd_kind(f) != VK_FD_FILE)		\
		return WASI_EBADF

static uint32_t host_err(void)
{
	return wasi_errno_from_host(errno);
}

/* Guest iovecs to host iovecs (each buffer bounds-checked). */
static uint32_t iovs_map(struct vk_guest *g, uint32_t iovs, uint32_t n,
			 struct iovec *out)
{
	uint32_t i;

	if (n > IOV_MAX)
		return WASI_EINVAL;
	if (!vk_mem(g, iovs, (uint64_t)n * WASI_IOVEC_SIZE))
		return WASI_EFAULT;
	for (i = 0; i < n; i++) {
		uint32_t buf = 0, len = 0;

		vk_load32(g, iovs + i * WASI_IOVEC_SIZE, &buf);
		vk_load32(g, iovs + i * WASI_IOVEC_SIZE + 4, &len);
		out[i].iov_base = vk_mem(g, buf, len);
		out[i].iov_len = len;
		if (!out[i].iov_base)
			return WASI_EFAULT;
	}
	return WASI_ESUCCESS;
}

enum io_op { IO_READ, IO_WRITE, IO_PREAD, IO_PWRITE };

/*
 * Which kinds each I/O call takes: files all four; stdin read, stdout
 * and stderr write; pread on stdin and pwrite on stdout ESPIPE (no
 * offsets on a stream); anything else EBADF (a directory too, where
 * POSIX would say EISDIR).
 */
static uint32_t fd_io_kind(enum io_op op, enum vk_fd_kind k)
{
	if (k == VK_FD_FILE)
		return WASI_ESUCCESS;
	switch (op) {
	case IO_READ: return k == VK_FD_STDIN ? WASI_ESUCCESS : WASI_EBADF;
	case IO_WRITE: return k == VK_FD_STDOUT ? WASI_ESUCCESS : WASI_EBADF;
	case IO_PREAD: return k == VK_FD_STDIN ? WASI_ESPIPE : WASI_EBADF;
	default: return k == VK_FD_STDOUT ? WASI_ESPIPE : WASI_EBADF;
	}
}

static uint32_t fd_io(struct vk_guest *g, enum io_op op, uint32_t fd, uint32_t iovs,
		      uint32_t n, uint64_t off, uint32_t ret_ptr)
{
	struct iovec iov[IOV_MAX];
	uint32_t e;
	ssize_t r;
	FD_OR_BADF(g, fd, f);

	e = fd_io_kind(op, vk_fd_kind(f));
	if (e)
		return e;
	if (!vk_mem(g, ret_ptr, 4))
		return WASI_EFAULT;
	e = iovs_map(g, iovs, n, iov);
	if (e)
		return e;
	if ((op == IO_PREAD || op == IO_PWRITE) && off > INT64_MAX)
		return WASI_EINVAL;
	do {
		switch (op) {
		case IO_READ: r = readv(f->host_fd, iov, (int)n); break;
		case IO_WRITE: r = writev(f->host_fd, iov, (int)n); break;
		case IO_PREAD: r = preadv(f->host_fd, iov, (int)n, (off_t)off); break;
		default: r = pwritev(f->host_fd, iov, (int)n, (off_t)off); break;
		}
	} while (r < 0 && errno == EINTR);
	if (r < 0)
		return host_err();
	vk_store32(g, ret_ptr, (uint32_t)r);
	return WASI_ESUCCESS;
}

uint32_t WASI_IMPORT(fd_read)(wasi_instance_t *inst, uint32_t fd, uint32_t iovs, uint32_t n,
			      uint32_t ret)
{
	return fd_io(wasi_guest(inst), IO_READ, fd, iovs, n, 0, ret);
}

uint32_t WASI_IMPORT(fd_write)(wasi_instance_t *inst, uint32_t fd, uint32_t iovs, uint32_t n,
			       uint32_t ret)
{
	return fd_io(wasi_guest(inst), IO_WRITE, fd, iovs, n, 0, ret);
}

uint32_t WASI_IMPORT(fd_pread)(wasi_instance_t *inst, uint32_t fd, uint32_t iovs, uint32_t n,
			       uint64_t off, uint32_t ret)
{
	return fd_io(wasi_guest(inst), IO_PREAD, fd, iovs, n, off, ret);
}

uint32_t WASI_IMPORT(fd_pwrite)(wasi_instance_t *inst, uint32_t fd, uint32_t iovs, uint32_t n,
				uint64_t off, uint32_t ret)
{
	return fd_io(wasi_guest(inst), IO_PWRITE, fd, iovs, n, off, ret);
}

uint32_t WASI_IMPORT(fd_seek)(wasi_instance_t *inst, uint32_t fd, uint64_t off, uint32_t whence,
			      uint32_t ret)
{
	struct vk_guest *g = wasi_guest(inst);
	struct vk_fd *f;
	int w;
	off_t r;

	switch (whence) {
	case WASI_WHENCE_SET: w = SEEK_SET; break;
	case WASI_WHENCE_CUR: w = SEEK_CUR; break;
	case WASI_WHENCE_END: w = SEEK_END; break;
	default: return WASI_EINVAL;
	}
	f = vk_fdtable_get(g, fd);
	if (!f)
		return WASI_EBADF;
	/* A stream has no offset; a directory is no file (wasmtime). */
	if (vk_fd_kind(f) != VK_FD_FILE)
		return f->stdio ? WASI_ESPIPE : WASI_EBADF;
	if (!vk_mem(g, ret, 8))
		return WASI_EFAULT;
	r = lseek(f->host_fd, (off_t)(int64_t)off, w);
	if (r < 0)
		return host_err();
	vk_store64(g, ret, (uint64_t)r);
	return WASI_ESUCCESS;
}

uint32_t WASI_IMPORT(fd_tell)(wasi_instance_t *inst, uint32_t fd, uint32_t ret)
{
	return WASI_IMPORT(fd_seek)(inst, fd, 0, WASI_WHENCE_CUR, ret);
}

uint32_t WASI_IMPORT(fd_close)(wasi_instance_t *inst, uint32_t fd)
{
	FD_OR_BADF(wasi_guest(inst), fd, f);

	vk_fd_close(f);
	return WASI_ESUCCESS;
}

uint32_t WASI_IMPORT(fd_renumber)(wasi_instance_t *inst, uint32_t from, uint32_t to)
{
	struct vk_guest *g = wasi_guest(inst);
	struct vk_fd *src = vk_fdtable_get(g, from), *dst = vk_fdtable_get(g, to);

	if (!src || !dst)
		return WASI_EBADF;
	if (from == to)
		return WASI_ESUCCESS;
	vk_fd_close(dst);
	*dst = *src;
	*src = (struct vk_fd){ .host_fd = -1 };
	return WASI_ESUCCESS;
}

/* Stdio's filetype as wasmtime gives it: a terminal or nothing known. */
static uint8_t stdio_filetype(const struct vk_fd *f)
{
	return f->tty ? WASI_FILETYPE_CHARACTER_DEVICE : WASI_FILETYPE_UNKNOWN;
}

/*
 * Rights as wasmtime reports them: stdin FD_READ, stdout and stderr
 * FD_WRITE, a preopen the fixed set above; any other fd every right but
 * what its open mode and kind rule out (inheriting the same). Reported,
 * not a policy: the host fd's mode and the preopen confinement are.
 */
static void fd_rights(const struct vk_fd *f, int fl, uint64_t *base, uint64_t *inheriting)
{
	uint64_t r = WASI_RIGHTS_ALL;

	switch (vk_fd_kind(f)) {
	case VK_FD_STDIN:
		*base = *inheriting = WASI_RIGHTS_FD_READ;
		return;
	case VK_FD_STDOUT:
		*base = *inheriting = WASI_RIGHTS_FD_WRITE;
		return;
	case VK_FD_DIR:
		if (f->preopen) {
			*base = VK_PREOPEN_RIGHTS;
			*inheriting = VK_PREOPEN_INHERITING;
			return;
		}
		r &= ~(WASI_RIGHTS_FD_SEEK | WASI_RIGHTS_FD_FILESTAT_SET_SIZE |
		       WASI_RIGHTS_PATH_FILESTAT_SET_SIZE);
		break;
	case VK_FD_FILE:
		break;
	}
	if ((fl & O_ACCMODE) == O_WRONLY)
		r &= ~(WASI_RIGHTS_FD_READ | WASI_RIGHTS_FD_READDIR);
	if ((fl & O_ACCMODE) == O_RDONLY)
		r &= ~WASI_RIGHTS_FD_WRITE;
	*base = *inheriting = r;
}

uint32_t WASI_IMPORT(fd_fdstat_get)(wasi_instance_t *inst, uint32_t fd, uint32_t ret)
{
	struct vk_guest *g = wasi_guest(inst);
	uint64_t base, inheriting;
	uint16_t flags = 0;
	uint8_t *p;
	int fl = 0;
	FD_OR_BADF(g, fd, f);

	p = vk_mem(g, ret, WASI_FDSTAT_SIZE);
	if (!p)
		return WASI_EFAULT;
	if (!f->stdio) {	/* stdio's flags are the host's business: none shown */
		fl = fcntl(f->host_fd, F_GETFL);
		if (fl < 0)
			return host_err();
		if (fl & O_APPEND)
			flags |= WASI_FDFLAGS_APPEND;
		if (fl & O_NONBLOCK)
			flags |= WASI_FDFLAGS_NONBLOCK;
	}
	fd_rights(f, fl, &base, &inheriting);
	memset(p, 0, WASI_FDSTAT_SIZE);
	vk_store8(g, ret, f->stdio ? stdio_filetype(f) : f->filetype);
	vk_store16(g, ret + 2, flags);
	vk_store64(g, ret + 8, base);
	vk_store64(g, ret + 16, inheriting);
	return WASI_ESUCCESS;
}

uint32_t WASI_IMPORT(fd_fdstat_set_flags)(wasi_instance_t *inst, uint32_t fd, uint32_t flags)
{
	int fl;
	FD_FILE(wasi_guest(inst), fd, f);

	/* Sync flags cannot change (on Linux either): EINVAL, as wasmtime. */
	if (flags & ~(WASI_FDFLAGS_APPEND | WASI_FDFLAGS_NONBLOCK))
		return WASI_EINVAL;
	fl = fcntl(f->host_fd, F_GETFL);
	if (fl < 0)
		return host_err();
	fl &= ~(O_APPEND | O_NONBLOCK);
	if (flags & WASI_FDFLAGS_APPEND)
		fl |= O_APPEND;
	if (flags & WASI_FDFLAGS_NONBLOCK)
		fl |= O_NONBLOCK;
	return fcntl(f->host_fd, F_SETFL, fl) < 0 ? host_err() : WASI_ESUCCESS;
}

uint32_t WASI_IMPORT(fd_fdstat_set_rights)(wasi_instance_t *inst, uint32_t fd, uint64_t base,
					   uint64_t inheriting)
{
	(void)base;
	(void)inheriting;
	FD_OR_BADF(wasi_guest(inst), fd, f);
	/* wasmtime keeps no per-fd rights to change: ENOTSUP for any
	 * descriptor but stdio, which is no filesystem descriptor (EBADF). */
	return f->stdio ? WASI_EBADF : WASI_ENOTSUP;
}

static uint64_t stat_ns(struct timespec ts)
{
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

uint32_t wasi_store_filestat(struct vk_guest *g, uint32_t ret, const struct stat *st)
{
	uint8_t *p = vk_mem(g, ret, WASI_FILESTAT_SIZE);

	if (!p)
		return WASI_EFAULT;
	memset(p, 0, WASI_FILESTAT_SIZE);
	vk_store64(g, ret, st->st_dev);
	vk_store64(g, ret + 8, st->st_ino);
	vk_store8(g, ret + 16, vk_filetype(st->st_mode));
	vk_store64(g, ret + 24, st->st_nlink);
	vk_store64(g, ret + 32, (uint64_t)st->st_size);
	vk_store64(g, ret + 40, stat_ns(st->st_atim));
	vk_store64(g, ret + 48, stat_ns(st->st_mtim));
	vk_store64(g, ret + 56, stat_ns(st->st_ctim));
	return WASI_ESUCCESS;
}

uint32_t WASI_IMPORT(fd_filestat_get)(wasi_instance_t *inst, uint32_t fd, uint32_t ret)
{
	struct vk_guest *g = wasi_guest(inst);
	struct stat st;
	FD_OR_BADF(g, fd, f);

	if (!vk_mem(g, ret, WASI_FILESTAT_SIZE))
		return WASI_EFAULT;
	if (f->stdio) {
		/* A stream: all zero but its filetype, as wasmtime. */
		memset(vk_mem(g, ret, WASI_FILESTAT_SIZE), 0, WASI_FILESTAT_SIZE);
		vk_store8(g, ret + 16, stdio_filetype(f));
		return WASI_ESUCCESS;
	}
	if (fstat(f->host_fd, &st) < 0)
		return host_err();
	return wasi_store_filestat(g, ret, &st);
}

uint32_t WASI_IMPORT(fd_filestat_set_size)(wasi_instance_t *inst, uint32_t fd, uint64_t size)
{
	FD_FILE(wasi_guest(inst), fd, f);

	if (size > INT64_MAX)
		return WASI_EFBIG;
	return ftruncate(f->host_fd, (off_t)size) < 0 ? host_err() : WASI_ESUCCESS;
}

int wasi_times(uint64_t atim, uint64_t mtim, uint32_t fst, struct timespec ts[2])
{
	if (fst & ~WASI_FSTFLAGS_ALL ||
	    ((fst & WASI_FSTFLAGS_ATIM) && (fst & WASI_FSTFLAGS_ATIM_NOW)) ||
	    ((fst & WASI_FSTFLAGS_MTIM) && (fst & WASI_FSTFLAGS_MTIM_NOW)))
		return -EINVAL;
	ts[0] = (struct timespec){ .tv_nsec = UTIME_OMIT };
	ts[1] = ts[0];
	if (fst & WASI_FSTFLAGS_ATIM)
		ts[0] = (struct timespec){ (time_t)(atim / 1000000000ULL), (long)(atim % 1000000000ULL) };
	else if (fst & WASI_FSTFLAGS_ATIM_NOW)
		ts[0].tv_nsec = UTIME_NOW;
	if (fst & WASI_FSTFLAGS_MTIM)
		ts[1] = (struct timespec){ (time_t)(mtim / 1000000000ULL), (long)(mtim % 1000000000ULL) };
	else if (fst & WASI_FSTFLAGS_MTIM_NOW)
		ts[1].tv_nsec = UTIME_NOW;
	return 0;
}

uint32_t WASI_IMPORT(fd_filestat_set_times)(wasi_instance_t *inst, uint32_t fd, uint64_t atim,
					    uint64_t mtim, uint32_t fst)
{
	struct vk_guest *g = wasi_guest(inst);
	struct timespec ts[2];
	struct vk_fd *f;

	if (wasi_times(atim, mtim, fst, ts) < 0)
		return WASI_EINVAL;
	f = vk_fdtable_get(g, fd);
	if (!f || f->stdio)	/* files and directories only */
		return WASI_EBADF;
	return futimens(f->host_fd, ts) < 0 ? host_err() : WASI_ESUCCESS;
}

uint32_t WASI_IMPORT(fd_sync)(wasi_instance_t *inst, uint32_t fd)
{
	FD_FILE(wasi_guest(inst), fd, f);

	return fsync(f->host_fd) < 0 ? host_err() : WASI_ESUCCESS;
}

uint32_t WASI_IMPORT(fd_datasync)(wasi_instance_t *inst, uint32_t fd)
{
	FD_FILE(wasi_guest(inst), fd, f);

	return fdatasync(f->host_fd) < 0 ? host_err() : WASI_ESUCCESS;
}

uint32_t WASI_IMPORT(fd_advise)(wasi_instance_t *inst, uint32_t fd, uint64_t off, uint64_t len,
				uint32_t advice)
{
	static const int map[] = {
		[WASI_ADVICE_NORMAL] = POSIX_FADV_NORMAL,
		[WASI_ADVICE_SEQUENTIAL] = POSIX_FADV_SEQUENTIAL,
		[WASI_ADVICE_RANDOM] = POSIX_FADV_RANDOM,
		[WASI_ADVICE_WILLNEED] = POSIX_FADV_WILLNEED,
		[WASI_ADVICE_DONTNEED] = POSIX_FADV_DONTNEED,
		[WASI_ADVICE_NOREUSE] = POSIX_FADV_NOREUSE,
	};
	struct vk_fd *f;
	int r;

	if (advice >= sizeof(map) / sizeof(map[0]))
		return WASI_EINVAL;
	f = vk_fdtable_get(wasi_guest(inst), fd);
	if (!f || vk_fd_kind(f) != VK_FD_FILE)
		return WASI_EBADF;
	if (off > INT64_MAX || len > INT64_MAX)
		return WASI_EINVAL;
	r = posix_fadvise(f->host_fd, (off_t)off, (off_t)len, map[advice]);
	return r ? wasi_errno_from_host(r) : WASI_ESUCCESS;
}

uint32_t WASI_IMPORT(fd_allocate)(wasi_instance_t *inst, uint32_t fd, uint64_t off, uint64_t len)
{
	int r;
	FD_FILE(wasi_guest(inst), fd, f);

	if (off > INT64_MAX || len > INT64_MAX)
		return WASI_EINVAL;
	r = posix_fallocate(f->host_fd, (off_t)off, (off_t)len);
	return r ? wasi_errno_from_host(r) : WASI_ESUCCESS;
}

uint32_t WASI_IMPORT(fd_prestat_get)(wasi_instance_t *inst, uint32_t fd, uint32_t ret)
{
	struct vk_guest *g = wasi_guest(inst);
	FD_OR_BADF(g, fd, f);

	if (!f->preopen)
		return WASI_EBADF;
	if (!vk_mem(g, ret, WASI_PRESTAT_SIZE))
		return WASI_EFAULT;
	memset(vk_mem(g, ret, WASI_PRESTAT_SIZE), 0, WASI_PRESTAT_SIZE);
	vk_store8(g, ret, WASI_PREOPENTYPE_DIR);
	vk_store32(g, ret + 4, (uint32_t)strlen(f->preopen));
	return WASI_ESUCCESS;
}

uint32_t WASI_IMPORT(fd_prestat_dir_name)(wasi_instance_t *inst, uint32_t fd, uint32_t buf,
					  uint32_t len)
{
	struct vk_guest *g = wasi_guest(inst);
	size_t n;
	void *p;
	FD_OR_BADF(g, fd, f);

	if (!f->preopen)
		return WASI_ENOTDIR;	/* wasmtime: EBADF in fd_prestat_get, ENOTDIR here */
	n = strlen(f->preopen);
	if (len < n)
		return WASI_ENAMETOOLONG;
	p = vk_mem(g, buf, n);
	if (!p)
		return WASI_EFAULT;
	memcpy(p, f->preopen, n);
	return WASI_ESUCCESS;
}

static uint8_t dirent_filetype(unsigned char t)
{
	switch (t) {
	case DT_REG: return WASI_FILETYPE_REGULAR_FILE;
	case DT_DIR: return WASI_FILETYPE_DIRECTORY;
	case DT_LNK: return WASI_FILETYPE_SYMBOLIC_LINK;
	case DT_CHR: return WASI_FILETYPE_CHARACTER_DEVICE;
	case DT_BLK: return WASI_FILETYPE_BLOCK_DEVICE;
	case DT_SOCK: return WASI_FILETYPE_SOCKET_STREAM;
	default: return WASI_FILETYPE_UNKNOWN;
	}
}

/*
 * fd_readdir: cookies are telldir() positions (0: the start). Entries
 * are packed header + name; the last one may be cut off when buf is
 * full, which tells libc to call again with a bigger buffer.
 */
uint32_t WASI_IMPORT(fd_readdir)(wasi_instance_t *inst, uint32_t fd, uint32_t buf, uint32_t len,
				 uint64_t cookie, uint32_t ret)
{
	struct vk_guest *g = wasi_guest(inst);
	uint8_t *out = vk_mem(g, buf, len);
	uint32_t used = 0;
	FD_OR_BADF(g, fd, f);

	if (vk_fd_kind(f) != VK_FD_DIR)
		return WASI_EBADF;	/* a file or stdio: no directory (wasmtime) */
	if (!out || !vk_mem(g, ret, 4))
		return WASI_EFAULT;
	if (!f->dir) {
		int dfd = openat(f->host_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		if (dfd < 0)
			return host_err();
		f->dir = fdopendir(dfd);
		if (!f->dir) {
			close(dfd);
			return host_err();
		}
	}
	if (cookie == 0)
		rewinddir(f->dir);
	else if (cookie > LONG_MAX)
		return WASI_EINVAL;
	else
		seekdir(f->dir, (long)cookie);

	while (used < len) {
		uint8_t hdr[WASI_DIRENT_SIZE] = { 0 };
		struct dirent *de;
		uint64_t next, ino;
		uint32_t namlen, n;
		uint8_t type;

		errno = 0;
		de = readdir(f->dir);
		if (!de) {
			if (errno)
				return host_err();
			break;
		}
		next = (uint64_t)telldir(f->dir);
		ino = de->d_ino;
		namlen = (uint32_t)strlen(de->d_name);
		type = dirent_filetype(de->d_type);
		memcpy(hdr, &next, 8);
		memcpy(hdr + 8, &ino, 8);
		memcpy(hdr + 16, &namlen, 4);
		hdr[20] = type;
		n = len - used < WASI_DIRENT_SIZE ? len - used : WASI_DIRENT_SIZE;
		memcpy(out + used, hdr, n);
		used += n;
		n = len - used < namlen ? len - used : namlen;
		memcpy(out + used, de->d_name, n);
		used += n;
	}
	vk_store32(g, ret, used);
	return WASI_ESUCCESS;
}
