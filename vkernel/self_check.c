// SPDX-License-Identifier: GPL-2.0
/* The megabinary's check of its own signed trailer (self_check.h). */
#include <fcntl.h>
#include <string.h>
#include <sodium.h>

#include "self_check.h"
#include "trailer.h"

static struct vk_trailer verified;
static bool self_checked;

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
	r = vk_verify_fd(fd, "megabinary", NULL, vk_trusted_keys, vk_n_trusted_keys, &verified, NULL,
			 &err);
	close(fd);
	if (r) {
		snprintf(errbuf, errlen, "%s", err.msg);
		return r;
	}
	self_checked = true;
	return 0;
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
