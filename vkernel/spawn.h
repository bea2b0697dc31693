/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The "nojit" import module: the only way a guest runs other code.
 *
 *   nojit.spawn(name_ptr, name_len, argv_ptr, argc) -> i32
 *	Run the module NAME of this megabinary, if the verified trailer
 *	lists it, in a child process (argv as given, inherited stdio and
 *	preopens, same environ). Returns its exit status (0-255; 128+N when
 *	killed by signal N), or -WASI errno for a malformed request
 *	(-21 EFAULT, -28 EINVAL, -12 ECHILD...) or one over a limit:
 *	-1 E2BIG past VK_SPAWN_MAX_ARGC arguments or VK_SPAWN_MAX_ARGV_BYTES
 *	of them in all, -6 EAGAIN when the caller is already
 *	VK_SPAWN_MAX_DEPTH spawns deep. Anything else (a path, an unknown or
 *	unlisted name) is denied: audited "spawn_denied", and the caller
 *	ends at once with VK_EXIT_DENIED.
 *
 *   nojit.spawn_bytes(ptr, len, argv_ptr, argc) -> i32
 *	Run code the guest holds (wasm, ELF, script): always denied,
 *	audited "spawn_bytes_denied" with the bytes' SHA-256, the caller
 *	ends with VK_EXIT_DENIED. It never returns.
 */
#ifndef NOJIT_VK_SPAWN_H
#define NOJIT_VK_SPAWN_H

#include <stdint.h>

typedef struct Z_nojit_instance_t nojit_instance_t;

uint32_t Z_nojitZ_spawn(nojit_instance_t *inst, uint32_t name_ptr, uint32_t name_len,
			uint32_t argv_ptr, uint32_t argc);
uint32_t Z_nojitZ_spawn_bytes(nojit_instance_t *inst, uint32_t ptr, uint32_t len,
			      uint32_t argv_ptr, uint32_t argc);

#define VK_SPAWN_MAX_ARGC	4096
#define VK_SPAWN_MAX_ARGV_BYTES	(1u << 20)	/* all arguments, NULs included */
#define VK_SPAWN_MAX_DEPTH	16		/* nested spawns below the first guest */

#endif
