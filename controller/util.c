// SPDX-License-Identifier: GPL-2.0
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>

#include "util.h"

int nojit_err_set(struct nojit_err *err, int negerrno, const char *fmt, ...)
{
	va_list ap;

	if (err) {
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
	}
	return negerrno;
}

int read_small_file(const char *path, char *buf, size_t size)
{
	_cleanup_close_ int fd = -1;
	ssize_t n;

	if (size == 0)
		return -EINVAL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return (int)n;
}

int read_file_max(int dirfd, const char *path, size_t max, char **ret, size_t *ret_len)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *buf = NULL;
	struct stat st;
	ssize_t n;

	fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st))
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	if ((size_t)st.st_size > max)
		return -EFBIG;
	buf = malloc(max + 1);
	if (!buf)
		return -ENOMEM;
	/* Read one byte past the limit: a file that grew since fstat is refused too. */
	n = pread_upto(fd, buf, max + 1, 0);
	if (n < 0)
		return (int)n;
	if ((size_t)n > max)
		return -EFBIG;
	buf[n] = '\0';
	*ret_len = (size_t)n;
	*ret = TAKE_PTR(buf);
	return 0;
}

int read_fd_max(int fd, size_t max, char **ret, size_t *ret_len)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0, cap = 0;

	for (;;) {
		ssize_t n;

		if (len == cap) {
			size_t ncap = cap ? cap * 2 : 4096;
			char *nb;

			if (cap > max)
				return -EFBIG;
			nb = realloc(buf, ncap + 1);
			if (!nb)
				return -ENOMEM;
			buf = nb;
			cap = ncap;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (!n)
			break;
		len += (size_t)n;
		if (len > max)
			return -EFBIG;
	}
	if (!buf) {
		buf = malloc(1);
		if (!buf)
			return -ENOMEM;
	}
	buf[len] = '\0';
	*ret = TAKE_PTR(buf);
	*ret_len = len;
	return 0;
}

int sealed_copy(int fd, const char *name, size_t max, bool inherit, struct nojit_err *err)
{
	unsigned int flags = MFD_ALLOW_SEALING | MFD_NOEXEC_SEAL | (inherit ? 0 : MFD_CLOEXEC);
	size_t total = 0;
	off_t off = 0;
	int m, r;

	m = memfd_create("nojit-sealed-copy", flags);
	if (m < 0 && errno == EINVAL)	/* kernels before 6.3 */
		m = memfd_create("nojit-sealed-copy", flags & ~MFD_NOEXEC_SEAL);
	if (m < 0)
		return nojit_err_set(err, -errno, "memfd_create: %s", strerror(errno));
	for (;;) {
		/*
		 * One byte over the limit is enough to tell the file is over
		 * it; at most 1 GiB a call (the kernel refuses counts whose end
		 * would overflow a file offset).
		 */
		size_t left = max - total, want = left < (1U << 30) ? left + 1 : 1U << 30;
		ssize_t n = sendfile(m, fd, &off, want);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = nojit_err_set(err, -errno, "%s: copying: %s", name, strerror(errno));
			goto fail;
		}
		if (n == 0)
			break;
		total += (size_t)n;
		if (total > max) {
			r = nojit_err_set(err, -EFBIG, "%s: over %zu bytes", name, max);
			goto fail;
		}
	}
	if (fcntl(m, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL)) {
		r = nojit_err_set(err, -errno, "memfd seals: %s", strerror(errno));
		goto fail;
	}
	return m;
fail:
	close(m);
	return r;
}

int fd_path(int fd, char **ret)
{
	char link[64], buf[PATH_MAX];
	struct stat st, at;
	ssize_t n;

	if (fstat(fd, &st))
		return -errno;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, buf, sizeof(buf));
	if (n < 0)
		return -errno;
	if (n == sizeof(buf))
		return -ENAMETOOLONG;
	buf[n] = '\0';
	/*
	 * A file renamed over or unlinked reads "NAME (deleted)"; memfds and
	 * pipes have no directory at all. Only a name that holds this very
	 * file now is its name.
	 */
	if (buf[0] != '/' || lstat(buf, &at) || at.st_dev != st.st_dev || at.st_ino != st.st_ino)
		return -ENOENT;
	*ret = strdup(buf);
	return *ret ? 0 : -ENOMEM;
}

int write_file_atomic(const char *path, const void *buf, size_t len, mode_t mode,
		      struct nojit_err *err)
{
	const char *data = buf;
	char tmp[PATH_MAX];
	int fd, r = 0;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmpXXXXXX", path) >= sizeof(tmp))
		return nojit_err_set(err, -ENAMETOOLONG, "%s: name too long", path);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return nojit_err_set(err, -errno, "%s: %s", tmp, strerror(errno));
	if (fchmod(fd, mode))
		r = -errno;
	while (!r && len) {
		ssize_t n = write(fd, data, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			r = -errno;
		else
			data += n, len -= (size_t)n;
	}
	if (!r && fsync(fd))
		r = -errno;
	if (close(fd) && !r)
		r = -errno;
	if (!r && rename(tmp, path))
		r = -errno;
	if (r) {
		unlink(tmp);
		return nojit_err_set(err, r, "%s: %s", path, strerror(-r));
	}
	return 0;
}

ssize_t pread_upto(int fd, void *buf, size_t len, off_t off)
{
	unsigned char *p = buf;
	size_t done = 0;

	while (done < len) {
		ssize_t n = pread(fd, p + done, len - done, off + (off_t)done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		done += (size_t)n;
	}
	return (ssize_t)done;
}

int pread_full(int fd, void *buf, size_t len, off_t off)
{
	ssize_t n = pread_upto(fd, buf, len, off);

	if (n < 0)
		return (int)n;
	return (size_t)n == len ? 0 : -EIO;
}

void hex_encode(const void *bytes, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	const unsigned char *b = bytes;

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[b[i] >> 4];
		out[2 * i + 1] = digits[b[i] & 15];
	}
	out[2 * n] = '\0';
}
