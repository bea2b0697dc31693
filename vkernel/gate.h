/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The code gate: interpreters inside the megabinary (lua, python3) ask it
 * before any code they did not get compiled in becomes code.
 *
 *   nojit.gate_code(kind, name_ptr, name_len, code_ptr, code_len) -> i32
 *	The host hashes the bytes [code_ptr, code_ptr + code_len) itself (a
 *	guest cannot claim a hash) and returns 0 when that SHA-256 is in the
 *	verified trailer's code list. Otherwise (unlisted, a bad kind, bytes
 *	outside the guest's memory) it writes a "code_denied" audit event
 *	with the kind, the name and the hash, and the guest ends at once
 *	with VK_EXIT_DENIED: it never returns. A hash is listed when the
 *	trailer's code list has it, or the signed manifest given at run time
 *	(APP --script-manifest FILE, vk_gate_load_manifest()) does.
 *
 * KIND says what the interpreter was about to do with the bytes (for the
 * event; every kind is gated the same way); NAME is the interpreter's
 * name for them (a file name, a chunk name), guest-chosen, only logged.
 */
#ifndef NOJIT_VK_GATE_H
#define NOJIT_VK_GATE_H

#include <stdint.h>

#include "spawn.h"
#include "util.h"

/* Numbers are never reused (vkernel/guests/nojit_guest.h has the same). */
enum vk_code_kind {
	VK_CODE_SCRIPT = 1,	/* a script file: lua FILE, dofile, require */
	VK_CODE_STRING = 2,	/* source text from a string: load, exec, eval */
	VK_CODE_BYTECODE = 3,	/* a binary chunk or compiled bytecode */
	VK_CODE_MODULE = 4,	/* an imported module's source */
};

/*
 * Also allow the scripts FILE lists: a nojit manifest (docs/manifest.md)
 * signed by one of the keys compiled into the megabinary (vk_trusted_keys,
 * as for the self check), valid now, mode "enforce"; every entry's
 * SHA-256 counts, whatever its kind, until the manifest expires (checked
 * at every gate call). The signature is read from SIGFILE, or FILE.sig
 * when SIGFILE is NULL. Call after vk_self_check(), before any guest
 * runs. 0 or -errno with a message in ERR.
 */
int vk_gate_load_manifest(const char *path, const char *sigfile, struct nojit_err *err);

uint32_t Z_nojitZ_gate_code(nojit_instance_t *inst, uint32_t kind, uint32_t name_ptr,
			    uint32_t name_len, uint32_t code_ptr, uint32_t code_len);

#endif
