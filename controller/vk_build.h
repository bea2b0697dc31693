/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The trusted build pipeline for vkernel megabinaries: wasm modules are
 * translated to C by wasm2c, compiled, linked with the vkernel runtime
 * into one static ELF, and sealed with a signed trailer (trailer.h).
 */
#ifndef NOJIT_VK_BUILD_H
#define NOJIT_VK_BUILD_H

#include <stdbool.h>
#include <stddef.h>

#include "keys.h"
#include "trailer.h"

struct vk_build_module {
	const char *name;	/* listed name */
	const char *path;	/* the .wasm file */
};

struct vk_build_opts {
	const struct vk_build_module *modules;
	size_t n_modules;
	const struct nojit_seckey *key;		/* signs the trailer */
	const struct nojit_trust *embed;	/* keys the binary trusts when run directly */
	const char *runtime_dir;		/* libvkernel.a and its headers */
	const char *output;
	const char *const *scripts;		/* code files whose SHA-256 the trailer lists */
	size_t n_scripts;
	const char *object_cache;		/* reuse objects by compiler+flags+C; NULL: none */
	bool keep_temp;				/* leave the generated C for inspection */
};

/* Build, link, check and sign; the trailer written is returned in T. */
int vk_build(const struct vk_build_opts *o, struct vk_trailer *t, struct nojit_err *err);

/*
 * Refuse (-EPERM) an ELF with a segment that is writable and executable,
 * or an executable stack; -ENOEXEC if FD is not a 64-bit ELF.
 */
int vk_check_segments(int fd, const char *name, struct nojit_err *err);

#endif
