/* SPDX-License-Identifier: GPL-2.0 */
/* Small shared helpers: cleanup attributes, error detail, formatting. */
#ifndef NOJIT_UTIL_H
#define NOJIT_UTIL_H

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>
#include <linux/types.h>

#define NOJIT_VERSION "0.1"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Nanoseconds on clock ID (CLOCK_MONOTONIC, CLOCK_REALTIME, CLOCK_BOOTTIME). */
static inline __s64 clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (__s64)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/*
 * Library functions return 0 or -errno and never print. Where the errno
 * alone would not tell an operator what to fix, they also describe the
 * failure, naming the input, in a struct nojit_err the caller prints once.
 */
struct nojit_err {
	char msg[512];
};

__attribute__((format(printf, 3, 4)))
int nojit_err_set(struct nojit_err *err, int negerrno, const char *fmt, ...);

static inline void freep(void *p)
{
	free(*(void **)p);
}

static inline void closep(int *fd)
{
	if (*fd >= 0)
		close(*fd);
}

static inline void fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
}

#define _cleanup_free_ __attribute__((cleanup(freep)))
#define _cleanup_close_ __attribute__((cleanup(closep)))
#define _cleanup_fclose_ __attribute__((cleanup(fclosep)))

/* Hand a resource out of a cleanup-managed variable. */
#define TAKE_FD(fd) ({ int _fd = (fd); (fd) = -1; _fd; })
#define TAKE_PTR(p) ({ __typeof__(p) _p = (p); (p) = NULL; _p; })

/*
 * Replace PATH with BUF (mode MODE) so that readers see the old or the new
 * content, never a partial one: a temporary file beside it, fsync, rename.
 */
int write_file_atomic(const char *path, const void *buf, size_t len, mode_t mode,
		      struct nojit_err *err);

/* Read a whole small text file (sysfs, securityfs, procfs). */
int read_small_file(const char *path, char *buf, size_t size);

/*
 * Read the regular file PATH (relative to DIRFD, or AT_FDCWD) whole, NUL
 * terminated, into *RET (malloc'd): -EFBIG over MAX bytes, -EINVAL when it
 * is not a regular file.
 */
int read_file_max(int dirfd, const char *path, size_t max, char **ret, size_t *ret_len);

/*
 * Read FD (a pipe too) to its end into *RET (malloc'd, NUL-terminated),
 * at most MAX bytes: -EFBIG beyond, whatever the writer keeps sending.
 */
int read_fd_max(int fd, size_t max, char **ret, size_t *ret_len);

/* Read LEN bytes at OFF, short only where the file ends: the count, or -errno. */
ssize_t pread_upto(int fd, void *buf, size_t len, off_t off);

/* Read exactly LEN bytes at OFF: 0, -EIO when the file ends first, -errno. */
int pread_full(int fd, void *buf, size_t len, off_t off);

/* memfd_create flags of Linux 6.3, newer than some libc headers. */
#ifndef MFD_NOEXEC_SEAL
#define MFD_NOEXEC_SEAL 0x0008U
#endif
#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif

/*
 * A copy of the file open at FD (from its start, to its end) that nobody
 * can change: a memfd sealed against writing, growing and shrinking, not
 * executable. What is checked in it is what is used, whatever happens to
 * the file after. Close-on-exec unless INHERIT. At most MAX bytes
 * (-EFBIG beyond). The memfd, or -errno with ERR saying so for NAME.
 */
int sealed_copy(int fd, const char *name, size_t max, bool inherit, struct nojit_err *err);

/*
 * Where the open file FD is now, as the kernel names it (the link
 * /proc/self/fd/FD): for names derived from an object already opened and
 * checked, where a second lookup of the name it was opened by could find
 * another file. -ENOENT when no name holds it now (unlinked, renamed
 * over, memfd, pipe).
 * *RET is malloc'd.
 */
int fd_path(int fd, char **ret);

/* N bytes as 2N lowercase hex digits and a NUL, into OUT. */
void hex_encode(const void *bytes, size_t n, char *out);

#endif /* NOJIT_UTIL_H */
