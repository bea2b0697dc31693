// SPDX-License-Identifier: GPL-2.0
/* The megabinary's check of its own signed trailer (self_check.h). */
#include <errno.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <sodium.h>

#include "self_check.h"
#include "trailer.h"
#include "verity.h"

static struct vk_trailer verified;
static bool self_checked;

/* How the check went. */
static struct {
	const char *why_full;	/* NULL: the seal, not the image hash */
	struct vk_verity verity;
	char seal_key[NOJIT_KEY_ID_LEN + 1];
} info;

/*
 * NULL when the file open at FD is sealed (verity.h) by a key compiled in,
 * else why not, in words.
 */
static const char *not_sealed(int fd)
{
	uint8_t seal[VK_SEAL_LEN + 1];
	struct stat st;
	ssize_t n;
	int r;

	/*
	 * fs-verity checks a page when it is read from disk, not one already
	 * in the page cache: whoever could write the file before it became
	 * immutable could have pinned a page (a direct-I/O read into a shared
	 * writable mapping, still in flight) and change it after. vk seal
	 * seals a new root-owned inode nobody else ever opened; a file that
	 * someone else owns, or may write, gets the full check.
	 */
	if (fstat(fd, &st))
		return "cannot stat the file";
	if (st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH)))
		return "not owned by root, or writable by group or others";

	r = vk_verity_measure(fd, &info.verity);
	if (r == -EOPNOTSUPP)
		return "no kernel fs-verity on this file system";
	if (r == -ENODATA)
		return "fs-verity not enabled on the file";
	if (r)
		return "cannot measure the file's fs-verity digest";
	n = fgetxattr(fd, VK_SEAL_XATTR, seal, sizeof(seal));
	if (n < 0)
		return errno == ENODATA ? "no seal" : "cannot read the seal";
	r = vk_seal_verify(&info.verity, seal, (size_t)n, vk_trusted_keys, vk_n_trusted_keys,
			   info.seal_key);
	if (r == -EBADMSG)
		return "malformed seal";
	if (r == -ENOKEY)
		return "seal by a key not compiled in";
	if (r)
		return "seal signature does not verify for this file";
	return NULL;
}

/*
 * The file the kernel mapped for this process, whatever path or symlink
 * started it: /proc/self/exe. Only from a real procfs, reached without
 * crossing a mount: anyone can make a user and mount namespace and put a
 * directory of their own over /proc or /proc/PID whose exe leads to an
 * untouched copy, and a modified megabinary would then check that copy
 * instead of itself. Through procfs's own "self", never getpid(): in a
 * nested pid namespace our pid names another process in the procfs's.
 * The fd, or -errno with ERRBUF set.
 */
static int open_own_exe(char *errbuf, size_t errlen)
{
	struct open_how how = {
		.flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
		.resolve = RESOLVE_NO_XDEV | RESOLVE_NO_MAGICLINKS | RESOLVE_BENEATH,
	};
	struct statx stx;
	struct statfs sfs;
	int proc, dir, fd, r;

	proc = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (proc < 0 || fstatfs(proc, &sfs) || sfs.f_type != PROC_SUPER_MAGIC) {
		r = proc < 0 ? -errno : -EXDEV;
		snprintf(errbuf, errlen, "/proc is not the proc file system, cannot find this program's file");
		if (proc >= 0)
			close(proc);
		return r;
	}
	dir = (int)syscall(SYS_openat2, proc, "self", &how, sizeof(how));
	r = dir < 0 ? -errno : 0;
	close(proc);
	if (dir < 0) {
		snprintf(errbuf, errlen, "/proc/self: %s (something mounted over it?)", strerror(-r));
		return r;
	}
	/* exe itself must be procfs's link, not something mounted over it. */
	if (statx(dir, "exe", AT_SYMLINK_NOFOLLOW, STATX_TYPE, &stx) || !S_ISLNK(stx.stx_mode) ||
	    (stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT &&
	     stx.stx_attributes & STATX_ATTR_MOUNT_ROOT)) {
		close(dir);
		snprintf(errbuf, errlen, "/proc/self/exe is not the proc file system's link");
		return -EXDEV;
	}
	fd = openat(dir, "exe", O_RDONLY | O_CLOEXEC);
	r = fd < 0 ? -errno : fd;
	close(dir);
	if (fd < 0)
		snprintf(errbuf, errlen, "cannot open /proc/self/exe: %s", strerror(-r));
	return r;
}

int vk_self_check(char *errbuf, size_t errlen)
{
	struct nojit_err err = { "" };
	int fd, r;

	fd = open_own_exe(errbuf, errlen);
	if (fd < 0)
		return fd;
	/*
	 * A sealed file's bytes are fixed by its verity digest, which the
	 * kernel enforces on every page, and the seal says the key holder
	 * hashed those very bytes: the image hash would only repeat that.
	 * The trailer's signature is still checked (the trailer is what
	 * lists the modules), with the same keys as the full check.
	 */
	info.why_full = not_sealed(fd);
	if (!info.why_full)
		r = vk_trailer_verify_fd(fd, "megabinary", NULL, vk_trusted_keys, vk_n_trusted_keys,
					 &verified, &err);
	else
		r = vk_verify_fd(fd, "megabinary", NULL, vk_trusted_keys, vk_n_trusted_keys,
				 &verified, NULL, &err);
	close(fd);
	if (r) {
		snprintf(errbuf, errlen, "%s", err.msg);
		return r;
	}
	self_checked = true;
	return 0;
}

void vk_self_check_describe(char *buf, size_t len)
{
	char d[8 + 2 * VK_VERITY_MAX_DIGEST + 1];

	if (!self_checked) {
		snprintf(buf, len, "self check: not done");
	} else if (!info.why_full) {
		vk_verity_format(&info.verity, d);
		snprintf(buf, len,
			 "self check: fs-verity seal (%s, sealed by key %s), trailer signed by key %s",
			 d, info.seal_key, verified.key_id);
	} else {
		snprintf(buf, len,
			 "self check: full image hash (%llu bytes; not sealed: %s), trailer signed by key %s",
			 (unsigned long long)verified.image_len, info.why_full, verified.key_id);
	}
}

bool vk_module_listed(const struct vk_module *m)
{
	if (!self_checked)
		return false;
	for (uint32_t i = 0; i < verified.n_modules; i++)
		if (!strcmp(verified.modules[i].name, m->name))
			return !sodium_memcmp(verified.modules[i].wasm_sha256, m->wasm_sha256, 32);
	return false;
}

bool vk_code_listed(const uint8_t sha256[32])
{
	return self_checked && vk_trailer_lists_code(&verified, sha256);
}
