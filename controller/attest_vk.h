/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The statement of one vkernel run (nojit vk run --attest-key, predicate
 * ATTEST_PREDICATE_VK_RUN, docs/attestation.md): which megabinary, as
 * verified, which of its modules is about to start with which argv, and
 * the gate that admitted it. Built from what vk run already verified,
 * never re-read from the file. Nothing here prints.
 */
#ifndef NOJIT_ATTEST_VK_H
#define NOJIT_ATTEST_VK_H

#include <stddef.h>
#include <json-c/json.h>
#include <linux/types.h>

#include "attest.h"
#include "keys.h"
#include "manifest.h"
#include "trailer.h"

struct attest_vk_run {
	const char *app_path;			/* the megabinary as the kernel names the open file */
	const __u8 *app_sha256;			/* SHA-256 of the whole file, as verified */
	const struct vk_trailer *trailer;	/* verified */
	const struct vk_trailer_module *started;	/* one of trailer->modules */
	char *const *argv;			/* the guest's argv: MODULE ARGS... */
	size_t argc;
	char *const *env;			/* the guest's whole environment (--env K=V) */
	size_t n_env;
	char *const *dirs;			/* --dir HOST[:GUEST] as given */
	size_t n_dirs;
	const char *trust_path;			/* --trust */
	const struct nojit_trust *trust;	/* the keys a trailer may be signed by */
	unsigned int layers;			/* CONFINE_* about to be applied */
	const struct nojit_manifest *gate;	/* the hash gate's manifest; NULL: no gate */
	const struct nojit_manifest *scripts;	/* --script-manifest, verified; NULL: none */
	const char *cgroup;			/* the gated transient cgroup ("" without gate) */
	__u64 cgroup_id;
	__u32 hash_source;			/* NOJIT_HASH_SOURCE_* */
	const struct attest_nonce *nonce;
	const struct nojit_pubkey *attest_key;
	__s64 now_ns;				/* CLOCK_REALTIME */
};

/* The module of T named NAME, or NULL when T does not list it. */
const struct vk_trailer_module *attest_vk_module_find(const struct vk_trailer *t, const char *name);

/*
 * SHA-256 of a list of strings as the statement digests argv and env:
 * each string followed by its NUL, concatenated in order (an empty list
 * hashes the empty input). Unambiguous: no string holds a NUL.
 */
void attest_vk_strings_sha256(char *const *s, size_t n, __u8 ret[32]);

/* The Statement for R (subjects and predicate), or NULL with errno (ENOMEM, EINVAL). */
struct json_object *attest_vk_statement(const struct attest_vk_run *r);

#endif /* NOJIT_ATTEST_VK_H */
