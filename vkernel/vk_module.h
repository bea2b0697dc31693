/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The contract between the vkernel runtime and the code `nojit vk build`
 * generates. Each guest module is a wasm2c translation with the C prefix
 * Z_m<index>; the generated registry (vk_registry.c) wraps its entry
 * points in a struct vk_module so the runtime never sees a module's own
 * types. Import instances: every import module a guest uses (only
 * "wasi_snapshot_preview1" and "nojit" are accepted by the build) is
 * passed the same struct vk_guest pointer, cast to wasm2c's opaque type.
 */
#ifndef NOJIT_VK_MODULE_H
#define NOJIT_VK_MODULE_H

#include <stddef.h>
#include <stdint.h>
#include <wasm-rt.h>

struct vk_guest;

struct vk_module {
	const char *name;		/* as listed in the signed trailer */
	uint8_t wasm_sha256[32];	/* of the module's .wasm, as in the trailer */
	size_t instance_size;		/* sizeof(Z_m<i>_instance_t) */
	void (*init_module)(void);
	void (*instantiate)(void *instance, struct vk_guest *g);
	void (*start)(void *instance);	/* the module's "_start" export */
	void (*free)(void *instance);
	wasm_rt_memory_t *(*memory)(void *instance);	/* its "memory" export */
};

extern const struct vk_module vk_modules[];
extern const size_t vk_n_modules;

#endif
