// SPDX-License-Identifier: GPL-2.0
/* Path resolution beneath a preopened directory (see preopen.h). */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "audit.h"
#include "preopen.h"

void vk_path_escape_audit(struct vk_guest *g, const char *op, const char *path,
			  const char *reason)
{
	vk_audit_emit(&(struct vk_audit_event){
		.event = "path_escape_denied",
		.module = g->module ? g->module->name : NULL,
		.reason = reason,
		.target = path,
		.target_len = strlen(path),
		.kind = op,
	});
}

/* openat2 beneath dirfd; an escape is audited naming shown (the guest's whole path). */
static int open_beneath(struct vk_guest *g, const char *op, int dirfd, const char *path,
			const char *shown, int flags, unsigned int mode)
{
	struct open_how how = {
		.flags = (uint64_t)(flags | O_CLOEXEC),
		/* O_TMPFILE includes O_DIRECTORY's bit: compare all of it. */
		.mode = ((flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE) ? mode : 0,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
	};
	int tries = 0;
	long fd;

	if (path[0] == '/') {
		vk_path_escape_audit(g, op, shown, "absolute_path");
		return -EXDEV;
	}
	do
		fd = syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
	while (fd < 0 && (errno == EINTR || (errno == EAGAIN && ++tries < 16)));
	if (fd < 0) {
		int err = errno;

		if (err == EXDEV)
			vk_path_escape_audit(g, op, shown, "outside_preopen");
		/* No openat2 (Linux < 5.6): fail closed, nothing is opened. */
		return -err;
	}
	return (int)fd;
}

int vk_path_open(struct vk_guest *g, const char *op, int dirfd, const char *path,
		 int flags, unsigned int mode)
{
	return open_beneath(g, op, dirfd, path, path, flags, mode);
}

static bool is_dot_or_dotdot(const char *s, size_t n)
{
	return (n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.');
}

int vk_path_parent(struct vk_guest *g, const char *op, int dirfd, const char *path,
		   int *ret_dirfd, char **ret_last, bool *ret_slash)
{
	size_t len = strlen(path), end, start;
	char *parent, *last;
	int fd;

	if (path[0] == '/') {
		vk_path_escape_audit(g, op, path, "absolute_path");
		return -EXDEV;
	}
	if (len == 0)
		return -ENOENT;
	/* The last component: [start, end), trailing slashes after it. */
	end = len;
	while (end > 0 && path[end - 1] == '/')
		end--;
	start = end;
	while (start > 0 && path[start - 1] != '/')
		start--;

	if (is_dot_or_dotdot(path + start, end - start)) {
		/* "x/.." names a directory: resolve all of it, beneath. */
		last = strdup(".");
		if (!last)
			return -ENOMEM;
		fd = vk_path_open(g, op, dirfd, path, O_PATH | O_DIRECTORY, 0);
		if (fd < 0) {
			free(last);
			return fd;
		}
		*ret_dirfd = fd;
		*ret_last = last;
		*ret_slash = false;
		return 0;
	}
	/*
	 * Without its trailing slashes: "link/" would make the kernel
	 * follow a final symlink (out of the preopen) in a plain *at() call.
	 */
	last = strndup(path + start, end - start);
	if (!last)
		return -ENOMEM;
	if (start == 0) {
		fd = dirfd;
	} else {
		/* Resolve the parent part "a/b/" (its trailing slash is harmless). */
		parent = strndup(path, start);
		if (!parent) {
			free(last);
			return -ENOMEM;
		}
		fd = open_beneath(g, op, dirfd, parent, path, O_PATH | O_DIRECTORY, 0);
		free(parent);
		if (fd < 0) {
			free(last);
			return fd;
		}
	}
	*ret_dirfd = fd;
	*ret_last = last;
	*ret_slash = end < len;
	return 0;
}
