// SPDX-License-Identifier: GPL-2.0
/* nojit.gate_code: only listed code becomes code (gate.h). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sodium.h>
#include <string.h>
#include <time.h>

#include "gate.h"
#include "guest.h"
#include "manifest.h"
#include "self_check.h"
#include "trailer.h"

/* The signed manifest given at run time (--script-manifest), if any: entries sorted by sha256. */
static struct nojit_manifest *run_manifest;

int vk_gate_load_manifest(const char *path, const char *sigpath, struct nojit_err *err)
{
	char def_sig[PATH_MAX];
	struct nojit_trust trust = { .n_keys = vk_n_trusted_keys };
	int r;

	trust.keys = calloc(vk_n_trusted_keys ? vk_n_trusted_keys : 1, sizeof(*trust.keys));
	if (!trust.keys)
		return nojit_err_set(err, -ENOMEM, "out of memory");
	for (size_t i = 0; i < vk_n_trusted_keys; i++) {
		memcpy(trust.keys[i].pk, vk_trusted_keys[i], sizeof(trust.keys[i].pk));
		key_id_of(trust.keys[i].pk, trust.keys[i].id);
	}
	if (!sigpath) {
		if ((size_t)snprintf(def_sig, sizeof(def_sig), "%s%s", path, NOJIT_SIG_SUFFIX) >= sizeof(def_sig)) {
			free(trust.keys);
			return nojit_err_set(err, -ENAMETOOLONG, "manifest %s: name too long", path);
		}
		sigpath = def_sig;
	}
	r = manifest_load_verified_sig(path, sigpath, &trust, "(the keys compiled into this megabinary)",
				       time(NULL), &run_manifest, err);
	free(trust.keys);
	if (r)
		return r;
	/* An audit-mode manifest would allow what it does not list: not a gate. */
	if (run_manifest->mode != NOJIT_MODE_ENFORCE) {
		manifest_free(run_manifest);
		run_manifest = NULL;
		return nojit_err_set(err, -EINVAL, "manifest %s: mode is not \"enforce\"", path);
	}
	return 0;
}

static bool manifest_lists(const uint8_t sha256[32])
{
	return run_manifest && bsearch(sha256, run_manifest->entries, run_manifest->n_entries,
				       sizeof(run_manifest->entries[0]), vk_sha256_cmp);
}

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
		vk_guest_deny(g, "code_denied", "bytes_out_of_bounds", name, name_len, NULL, kn);
	crypto_hash_sha256(digest, code, code_len);
	sodium_bin2hex(hex, sizeof(hex), digest, sizeof(digest));
	if (!kn)
		vk_guest_deny(g, "code_denied", "bad_kind", name, name_len, hex, "unknown");
	if (vk_code_listed(digest))
		return 0;
	if (!manifest_lists(digest))
		vk_guest_deny(g, "code_denied", "code_not_listed", name, name_len, hex, kn);
	/* A run can outlive its manifest: what it lists ends with it. */
	if (manifest_check_time(run_manifest, time(NULL), NULL))
		vk_guest_deny(g, "code_denied", "script_manifest_expired", name, name_len, hex, kn);
	return 0;
}
