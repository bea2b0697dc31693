/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Confinement of guest paths to a preopened directory. Every lookup goes
 * through openat2(RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS) relative to
 * the directory fd the guest names: no absolute path, no `..` above it,
 * no symlink leading out of it, no /proc magic link. An escape attempt
 * is audited ("path_escape_denied") and answered -EXDEV (callers return
 * WASI ENOTCAPABLE); the guest keeps running.
 */
#ifndef NOJIT_VK_PREOPEN_H
#define NOJIT_VK_PREOPEN_H

#include "guest.h"

/* openat2 beneath dirfd: a host fd or -errno (-EXDEV: escape, audited). */
int vk_path_open(struct vk_guest *g, const char *op, int dirfd, const char *path,
		 int flags, unsigned int mode);

/*
 * Split path for an *at() call: *ret_dirfd is a directory beneath dirfd
 * (dirfd itself, or a new O_PATH fd the caller closes when it differs),
 * *ret_last a new string (the caller frees it) holding the final
 * component without its trailing slashes ("." when the path ends in "."
 * or "..", whose directory is then *ret_dirfd): a single name no *at()
 * call follows out of *ret_dirfd when told not to follow it.
 * *ret_slash: path had trailing slashes after that name (it must then
 * be a directory; the caller checks that beneath, see wasi_path.c).
 * 0 or -errno (-EXDEV audited).
 */
int vk_path_parent(struct vk_guest *g, const char *op, int dirfd, const char *path,
		   int *ret_dirfd, char **ret_last, bool *ret_slash);

/* Audit an escape attempt through op on path. */
void vk_path_escape_audit(struct vk_guest *g, const char *op, const char *path,
			  const char *reason);

#endif
