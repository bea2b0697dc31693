// SPDX-License-Identifier: GPL-2.0
/* Installing node-side files from the agent container onto the host. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "node_install.h"

/* A/B into OUT, or -ENAMETOOLONG. */
static int pjoin(char *out, size_t size, const char *a, const char *b)
{
	if ((size_t)snprintf(out, size, "%s/%s", a, b) >= size)
		return -ENAMETOOLONG;
	return 0;
}

static int mkdir_parents(const char *path, struct nojit_err *err)
{
	char buf[PATH_MAX];
	char *p;

	if ((size_t)snprintf(buf, sizeof(buf), "%s", path) >= sizeof(buf))
		return nojit_err_set(err, -ENAMETOOLONG, "%s: name too long", path);
	p = strrchr(buf, '/');
	if (!p || p == buf)
		return 0;
	*p = '\0';
	for (p = buf + 1; ; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char c = *p;

		*p = '\0';
		if (mkdir(buf, 0755) && errno != EEXIST)
			return nojit_err_set(err, -errno, "%s: %s", buf, strerror(errno));
		if (!c)
			return 0;
		*p = c;
	}
}

int node_install_mkdir(const char *dir, mode_t mode, struct nojit_err *err)
{
	int r = mkdir_parents(dir, err);

	if (r)
		return r;
	if (mkdir(dir, mode) && errno != EEXIST)
		return nojit_err_set(err, -errno, "%s: %s", dir, strerror(errno));
	return 0;
}

/* The whole of PATH (following links) into *RET (malloc'd), at most MAX bytes. */
static int read_whole(const char *path, size_t max, char **ret, size_t *ret_len, mode_t *ret_mode,
		      struct nojit_err *err)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	_cleanup_free_ char *buf = NULL;
	struct stat st;
	size_t len = 0;

	if (fd < 0)
		return nojit_err_set(err, -errno, "%s: %s", path, strerror(errno));
	if (fstat(fd, &st))
		return nojit_err_set(err, -errno, "%s: %s", path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return nojit_err_set(err, -EINVAL, "%s: not a regular file", path);
	if ((size_t)st.st_size > max)
		return nojit_err_set(err, -EFBIG, "%s: larger than %zu bytes", path, max);
	buf = malloc((size_t)st.st_size + 1);
	if (!buf)
		return nojit_err_set(err, -ENOMEM, "%s: out of memory", path);
	while (len < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + len, (size_t)st.st_size - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return nojit_err_set(err, -errno, "%s: %s", path, strerror(errno));
		if (n == 0)
			return nojit_err_set(err, -EIO, "%s: shrank while read", path);
		len += (size_t)n;
	}
	*ret = TAKE_PTR(buf);
	*ret_len = len;
	if (ret_mode)
		*ret_mode = st.st_mode & 07777;
	return 0;
}

int node_install_file(const char *src, const char *dst, mode_t mode, bool *ret_changed,
		      struct nojit_err *err)
{
	_cleanup_free_ char *buf = NULL, *old = NULL;
	size_t len, old_len;
	mode_t old_mode;
	int r;

	r = read_whole(src, NODE_INSTALL_FILE_MAX, &buf, &len, NULL, err);
	if (r)
		return r;
	if (read_whole(dst, NODE_INSTALL_FILE_MAX, &old, &old_len, &old_mode, err) == 0 &&
	    old_len == len && old_mode == mode && memcmp(old, buf, len) == 0) {
		*ret_changed = false;
		return 0;
	}
	r = mkdir_parents(dst, err);
	if (r)
		return r;
	r = write_file_atomic(dst, buf, len, mode, err);
	if (r)
		return r;
	*ret_changed = true;
	return 0;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void free_names(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* The names of SRC's entries that do not start with a dot, sorted. */
static int list_names(const char *src, char ***ret, size_t *ret_n, struct nojit_err *err)
{
	DIR *d = opendir(src);
	char **names = NULL;
	size_t n = 0;
	struct dirent *de;

	if (!d)
		return nojit_err_set(err, -errno, "%s: %s", src, strerror(errno));
	while ((errno = 0, de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (n == NODE_INSTALL_DIR_FILES_MAX) {
			free_names(names, n);
			closedir(d);
			return nojit_err_set(err, -E2BIG, "%s: more than %u files", src,
					     NODE_INSTALL_DIR_FILES_MAX);
		}
		char **grown = realloc(names, (n + 1) * sizeof(*names));

		if (!grown || !(grown[n] = strdup(de->d_name))) {
			free_names(grown ? grown : names, n);
			closedir(d);
			return nojit_err_set(err, -ENOMEM, "%s: out of memory", src);
		}
		names = grown;
		n++;
	}
	if (errno) {
		int e = errno;

		free_names(names, n);
		closedir(d);
		return nojit_err_set(err, -e, "%s: %s", src, strerror(e));
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), cmp_names);
	*ret = names;
	*ret_n = n;
	return 0;
}

/* Remove the flat directory PATH and the files in it. */
static void remove_flat_dir(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *de;

	if (d) {
		while ((de = readdir(d)))
			if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
				unlinkat(dirfd(d), de->d_name, 0);
		closedir(d);
	}
	rmdir(path);
}

static int fsync_dir(const char *path)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0 || fsync(fd))
		return -errno;
	return 0;
}

int node_install_dir(const char *src, const char *dst, bool *ret_changed, struct nojit_err *err)
{
	char parent[PATH_MAX], version[NAME_MAX + 1], path[PATH_MAX], tmp[PATH_MAX];
	char old[NAME_MAX + 1] = "", hex[65];
	crypto_hash_sha256_state st;
	unsigned char digest[32];
	char **names = NULL;
	const char *base;
	size_t n = 0, base_len;
	struct stat lst;
	int r;

	if ((size_t)snprintf(parent, sizeof(parent), "%s", dst) >= sizeof(parent))
		return nojit_err_set(err, -ENAMETOOLONG, "%s: name too long", dst);
	char *slash = strrchr(parent, '/');

	if (!slash || !slash[1])
		return nojit_err_set(err, -EINVAL, "%s: not an absolute file name", dst);
	base = dst + (slash - parent) + 1;
	base_len = strlen(base);
	if (slash == parent)
		slash[1] = '\0';
	else
		*slash = '\0';
	if (base_len > NAME_MAX - 20)
		return nojit_err_set(err, -ENAMETOOLONG, "%s: name too long", dst);

	if (lstat(dst, &lst) == 0) {
		if (!S_ISLNK(lst.st_mode))
			return nojit_err_set(err, -EEXIST,
					     "%s: exists and is not a symlink nojit node install made; "
					     "move it away first", dst);
		ssize_t l = readlink(dst, old, sizeof(old) - 1);

		old[l > 0 ? l : 0] = '\0';
	} else if (errno != ENOENT) {
		return nojit_err_set(err, -errno, "%s: %s", dst, strerror(errno));
	}

	r = list_names(src, &names, &n, err);
	if (r)
		return r;

	/* The version's name comes from the content: names and bytes. */
	crypto_hash_sha256_init(&st);
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *buf = NULL;
		unsigned char len8[8];
		size_t len;

		if (pjoin(path, sizeof(path), src, names[i])) {
			r = nojit_err_set(err, -ENAMETOOLONG, "%s/%s: name too long", src, names[i]);
			goto out;
		}
		r = read_whole(path, NODE_INSTALL_FILE_MAX, &buf, &len, NULL, err);
		if (r)
			goto out;
		for (int b = 0; b < 8; b++)
			len8[b] = (unsigned char)((__uint64_t)len >> (8 * b));
		crypto_hash_sha256_update(&st, (const unsigned char *)names[i], strlen(names[i]) + 1);
		crypto_hash_sha256_update(&st, len8, sizeof(len8));
		crypto_hash_sha256_update(&st, (const unsigned char *)buf, len);
	}
	crypto_hash_sha256_final(&st, digest);
	hex_encode(digest, 8, hex);
	snprintf(version, sizeof(version), ".%s-%s", base, hex);

	if (pjoin(path, sizeof(path), parent, version)) {
		r = nojit_err_set(err, -ENAMETOOLONG, "%s: name too long", dst);
		goto out;
	}
	if (strcmp(old, version) == 0 && stat(path, &lst) == 0 && S_ISDIR(lst.st_mode)) {
		*ret_changed = false;
		r = 0;
		goto out;
	}

	/* Copy into a fresh directory, then give it the version's name. */
	r = mkdir_parents(path, err);
	if (r)
		goto out;
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s/%s.tmpXXXXXX", parent, version) >= sizeof(tmp)) {
		r = nojit_err_set(err, -ENAMETOOLONG, "%s: name too long", dst);
		goto out;
	}
	if (!mkdtemp(tmp)) {
		r = nojit_err_set(err, -errno, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *buf = NULL;
		char from[PATH_MAX], to[PATH_MAX];
		size_t len;

		if (pjoin(from, sizeof(from), src, names[i]) || pjoin(to, sizeof(to), tmp, names[i]))
			r = nojit_err_set(err, -ENAMETOOLONG, "%s/%s: name too long", src, names[i]);
		else
			r = read_whole(from, NODE_INSTALL_FILE_MAX, &buf, &len, NULL, err);
		if (!r)
			r = write_file_atomic(to, buf, len, 0644, err);
		if (r) {
			remove_flat_dir(tmp);
			goto out;
		}
	}
	if (chmod(tmp, 0755) || fsync_dir(tmp)) {
		r = nojit_err_set(err, -errno, "%s: %s", tmp, strerror(errno));
		remove_flat_dir(tmp);
		goto out;
	}
	remove_flat_dir(path);	/* a leftover of an interrupted run, never the live one */
	if (rename(tmp, path)) {
		r = nojit_err_set(err, -errno, "%s: %s", path, strerror(errno));
		remove_flat_dir(tmp);
		goto out;
	}

	/* Point DST at it: one rename, readers see the old set or the new one. */
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s/.%s.link-%d", parent, base, (int)getpid()) >=
	    sizeof(tmp)) {
		r = nojit_err_set(err, -ENAMETOOLONG, "%s: name too long", dst);
		goto out;
	}
	unlink(tmp);
	if (symlink(version, tmp) || rename(tmp, dst)) {
		r = nojit_err_set(err, -errno, "%s: %s", dst, strerror(errno));
		unlink(tmp);
		goto out;
	}
	fsync_dir(parent);
	*ret_changed = true;

	/* Older versions go; the one DST showed until now stays for readers mid-load. */
	{
		DIR *d = opendir(parent);
		struct dirent *de;
		char prefix[NAME_MAX + 1];
		size_t plen = (size_t)snprintf(prefix, sizeof(prefix), ".%s-", base);

		while (d && (de = readdir(d))) {
			if (strncmp(de->d_name, prefix, plen) || !strcmp(de->d_name, version) ||
			    !strcmp(de->d_name, old))
				continue;
			if (!pjoin(path, sizeof(path), parent, de->d_name))
				remove_flat_dir(path);
		}
		if (d)
			closedir(d);
	}
	r = 0;
out:
	free_names(names, n);
	return r;
}
