// SPDX-License-Identifier: GPL-2.0
/* The megabinary's check of its own signed trailer (self_check.h). */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
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
	ssize_t n;
	int r;

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

int vk_self_check(char *errbuf, size_t errlen)
{
	struct nojit_err err = { "" };
	int fd, r;

	/*
	 * /proc/self/exe is the file the kernel mapped, whatever path or
	 * symlink it was started by; opening it cannot be redirected.
	 */
	fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		snprintf(errbuf, errlen, "cannot open /proc/self/exe: %s", strerror(errno));
		return r;
	}
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
