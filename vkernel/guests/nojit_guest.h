/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest side of the vkernel's "nojit" import module (vkernel/spawn.h).
 * Only for wasm32 guests: there is no native build of these calls.
 */
#ifndef NOJIT_GUEST_H
#define NOJIT_GUEST_H

#include <stddef.h>
#include <stdint.h>

/*
 * Run module NAME of this megabinary with argv[0..argc): its exit status
 * (0-255), or a negative WASI errno for a malformed request. A name that
 * is not a module listed in the signed trailer (a path, an unknown name)
 * is denied and this guest ends at once with status 120.
 */
__attribute__((import_module("nojit"), import_name("spawn")))
int32_t nojit_spawn(const char *name, size_t name_len, const char *const *argv, size_t argc);

/* Run code held in memory: always denied; this guest ends with status 120. */
__attribute__((import_module("nojit"), import_name("spawn_bytes")))
int32_t nojit_spawn_bytes(const void *bytes, size_t len, const char *const *argv, size_t argc);

/*
 * Ask before bytes become code (vkernel/gate.h): 0 when the host finds
 * the SHA-256 of code[0..code_len) in the signed trailer's code list;
 * otherwise the request is audited with the hash and this guest ends at
 * once with status 120 (it never returns). NAME is only logged.
 */
enum nojit_code_kind {
	NOJIT_CODE_SCRIPT = 1,		/* a script file */
	NOJIT_CODE_STRING = 2,		/* source text from a string (load, eval) */
	NOJIT_CODE_BYTECODE = 3,	/* a binary chunk, compiled bytecode */
	NOJIT_CODE_MODULE = 4,		/* an imported module's source */
};
__attribute__((import_module("nojit"), import_name("gate_code")))
int32_t nojit_gate_code(int32_t kind, const char *name, size_t name_len, const void *code,
			size_t code_len);

#define NOJIT_EXIT_DENIED	120
#define NOJIT_EXIT_TRAP		121

#endif
