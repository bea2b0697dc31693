// SPDX-License-Identifier: GPL-2.0
/* nojit.gate_code: only listed code becomes code (gate.h). */
#include <sodium.h>
#include <string.h>

#include "audit.h"
#include "gate.h"
#include "guest.h"
#include "self_check.h"

static const char *kind_name(uint32_t kind)
{
	switch (kind) {
	case VK_CODE_SCRIPT:
		return "script";
	case VK_CODE_STRING:
		return "string";
	case VK_CODE_BYTECODE:
		return "bytecode";
	case VK_CODE_MODULE:
		return "module";
	}
	return NULL;
}

static __attribute__((noreturn)) void deny(struct vk_guest *g, const char *reason,
					   const char *name, size_t name_len, const char *sha256,
					   const char *kind)
{
	vk_audit_emit(&(struct vk_audit_event){
		.event = "code_denied",
		.module = g->module ? g->module->name : NULL,
		.reason = reason,
		.target = name,
		.target_len = name_len,
		.sha256 = sha256,
		.kind = kind,
	});
	vk_guest_exit(g, VK_EXIT_DENIED);
}

uint32_t Z_nojitZ_gate_code(nojit_instance_t *inst, uint32_t kind, uint32_t name_ptr,
			    uint32_t name_len, uint32_t code_ptr, uint32_t code_len)
{
	struct vk_guest *g = (struct vk_guest *)inst;
	const char *name = vk_mem(g, name_ptr, name_len), *kn = kind_name(kind);
	const uint8_t *code = vk_mem(g, code_ptr, code_len);
	uint8_t digest[crypto_hash_sha256_BYTES];
	char hex[2 * crypto_hash_sha256_BYTES + 1];

	/* A name we cannot read is logged as none: the decision is on the bytes. */
	if (!name)
		name_len = 0;
	if (!code)
		deny(g, "bytes_out_of_bounds", name, name_len, NULL, kn);
	crypto_hash_sha256(digest, code, code_len);
	sodium_bin2hex(hex, sizeof(hex), digest, sizeof(digest));
	if (!kn)
		deny(g, "bad_kind", name, name_len, hex, "unknown");
	if (!vk_code_listed(digest))
		deny(g, "code_not_in_trailer", name, name_len, hex, kn);
	return 0;
}
