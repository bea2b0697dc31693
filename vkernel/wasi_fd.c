// SPDX-License-Identifier: GPL-2.0
/*
 * WASI preview1: operations on open fds (fd_*).
 *
 * Host-inherited stdio (guest fds 0-2 as set up, wherever fd_renumber
 * moves them) is a stream the guest may read, write and stat, nothing
 * more: VK_STDIO_RIGHTS. Every other call on it (seek, tell, pread,
 * pwrite, truncate, allocate, set flags or times, sync, advise, readdir)
 * answers ENOTCAPABLE; it may be a file, an O_APPEND log or a directory
 * the invoker shares with others. Path lookups from it are refused in
 * wasi_path.c.
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

#define VK_STDIO_RIGHTS	(WASI_RIGHTS_FD_READ | WASI_RIGHTS_FD_WRITE |		\
			 WASI_RIGHTS_FD_FILESTAT_GET | WASI_RIGHTS_POLL_FD_READWRITE)

/* f: the open entry for fd, for a call any fd may make (stdio too). */
#define FD_OR_BADF(g, fd, f)				\
	struct vk_fd *f = vk_fdtable_get((g), (fd));	\
	if (!f)						\
		return WASI_EBADF

/* f: the open entry for fd, for a call beyond VK_STDIO_RIGHTS. */
#define FD_NOT_STDIO(g, fd, f)				\
	FD_OR_BADF(g, fd, f);				\
	if (f->stdio)					\
		return WASI_ENOTCAPABLE

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

static uint32_t fd_io(struct vk_guest *g, enum io_op op, uint32_t fd, uint32_t iovs,
		      uint32_t n, uint64_t off, uint32_t ret_ptr)
{
	struct iovec iov[IOV_MAX];
	uint32_t e;
	ssize_t r;
	FD_OR_BADF(g, fd, f);

	if ((op == IO_PREAD || op == IO_PWRITE) && f->stdio)
		return WASI_ENOTCAPABLE;
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
	int w;
	off_t r;
	FD_NOT_STDIO(g, fd, f);

	switch (whence) {
	case WASI_WHENCE_SET: w = SEEK_SET; break;
	case WASI_WHENCE_CUR: w = SEEK_CUR; break;
	case WASI_WHENCE_END: w = SEEK_END; break;
	default: return WASI_EINVAL;
	}
	if (!vk_mem(g, ret, 8))
		return WASI_EFAULT;
	if (f->filetype == WASI_FILETYPE_DIRECTORY)
		return WASI_EBADF;
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

static uint64_t fd_rights(const struct vk_fd *f)
{
	/* Beyond stdio's, rights are not a policy here (the host fd's mode
	 * and the preopen confinement are): report everything but what the
	 * fd cannot do, as libc reads them (isatty: no seek/tell). */
	uint64_t r = WASI_RIGHTS_ALL;

	if (f->stdio)
		return VK_STDIO_RIGHTS;
	if (f->tty)
		r &= ~(WASI_RIGHTS_FD_SEEK | WASI_RIGHTS_FD_TELL);
	return r;
}

uint32_t WASI_IMPORT(fd_fdstat_get)(wasi_instance_t *inst, uint32_t fd, uint32_t ret)
{
	struct vk_guest *g = wasi_guest(inst);
	uint16_t flags = 0;
	uint8_t *p;
	int fl;
	FD_OR_BADF(g, fd, f);

	p = vk_mem(g, ret, WASI_FDSTAT_SIZE);
	if (!p)
		return WASI_EFAULT;
	fl = fcntl(f->host_fd, F_GETFL);
	if (fl < 0)
		return host_err();
	if (fl & O_APPEND)
		flags |= WASI_FDFLAGS_APPEND;
	if (fl & O_NONBLOCK)
		flags |= WASI_FDFLAGS_NONBLOCK;
	if ((fl & O_SYNC) == O_SYNC)
		flags |= WASI_FDFLAGS_SYNC;
	else if (fl & O_DSYNC)
		flags |= WASI_FDFLAGS_DSYNC;
	memset(p, 0, WASI_FDSTAT_SIZE);
	vk_store8(g, ret, f->filetype);
	vk_store16(g, ret + 2, flags);
	vk_store64(g, ret + 8, fd_rights(f));
	vk_store64(g, ret + 16, f->stdio ? 0 : WASI_RIGHTS_ALL);
	return WASI_ESUCCESS;
}

uint32_t WASI_IMPORT(fd_fdstat_set_flags)(wasi_instance_t *inst, uint32_t fd, uint32_t flags)
{
	int fl;
	FD_NOT_STDIO(wasi_guest(inst), fd, f);

	if (flags & ~(WASI_FDFLAGS_APPEND | WASI_FDFLAGS_NONBLOCK))
		return WASI_ENOTSUP;	/* sync flags cannot change on Linux */
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
	(void)f;
	return WASI_ESUCCESS;	/* rights are advisory here: dropping them is a no-op */
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
	if (fstat(f->host_fd, &st) < 0)
		return host_err();
	return wasi_store_filestat(g, ret, &st);
}

uint32_t WASI_IMPORT(fd_filestat_set_size)(wasi_instance_t *inst, uint32_t fd, uint64_t size)
{
	FD_NOT_STDIO(wasi_guest(inst), fd, f);

	if (size > INT64_MAX)
		return WASI_EFBIG;
	return ftruncate(f->host_fd, (off_t)size) < 0 ? host_err() : WASI_ESUCCESS;
}

int wasi_times(uint64_t atim, uint64_t mtim, uint32_t fst, struct timespec ts[2])
{
	if (fst & ~0xfu ||
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
	struct timespec ts[2];
	FD_NOT_STDIO(wasi_guest(inst), fd, f);

	if (wasi_times(atim, mtim, fst, ts) < 0)
		return WASI_EINVAL;
	return futimens(f->host_fd, ts) < 0 ? host_err() : WASI_ESUCCESS;
}

uint32_t WASI_IMPORT(fd_sync)(wasi_instance_t *inst, uint32_t fd)
{
	FD_NOT_STDIO(wasi_guest(inst), fd, f);

	return fsync(f->host_fd) < 0 ? host_err() : WASI_ESUCCESS;
}

uint32_t WASI_IMPORT(fd_datasync)(wasi_instance_t *inst, uint32_t fd)
{
	FD_NOT_STDIO(wasi_guest(inst), fd, f);

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
	int r;
	FD_NOT_STDIO(wasi_guest(inst), fd, f);

	if (advice >= sizeof(map) / sizeof(map[0]) || off > INT64_MAX || len > INT64_MAX)
		return WASI_EINVAL;
	r = posix_fadvise(f->host_fd, (off_t)off, (off_t)len, map[advice]);
	return r ? wasi_errno_from_host(r) : WASI_ESUCCESS;
}

uint32_t WASI_IMPORT(fd_allocate)(wasi_instance_t *inst, uint32_t fd, uint64_t off, uint64_t len)
{
	int r;
	FD_NOT_STDIO(wasi_guest(inst), fd, f);

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
		return WASI_EBADF;
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
	FD_NOT_STDIO(g, fd, f);

	if (!out || !vk_mem(g, ret, 4))
		return WASI_EFAULT;
	if (f->filetype != WASI_FILETYPE_DIRECTORY)
		return WASI_ENOTDIR;
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
