// SPDX-License-Identifier: GPL-2.0
/*
 * The manifest loader as `nojit apply` and the daemon use it: FILE and
 * FILE.sig read from disk, the signature checked, then the JSON parsed and
 * validated, schema 2's "jit_engines" and "exceptions" included, and the
 * exceptions' approvals checked against the approver trust store.
 *
 * The first byte of an input chooses what the rest is:
 *   0  a manifest the harness signs with its own trusted key, so every
 *      input reaches the parser behind the signature check; exceptions
 *      are then checked as found, and again with approvals the harness
 *      makes with its approver key, so the code after that check runs too
 *   1  a signature file, a NUL, then the manifest: the .sig reader and the
 *      refusals of the signature check
 *   2  a manifest for manifest_parse() alone (the unsigned path tools use),
 *      then manifest_format() of what it accepted, which must parse again
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "manifest.h"
#include "manifest_exception.h"

/* 2026-12-07: inside the validity of the seed manifests. */
#define NOW 1796601600ll

static void sign_file(const char *path, const uint8_t *data, size_t len)
{
	const struct fuzz_keys *k = fuzz_keys();
	size_t ctx_len = strlen(NOJIT_MANIFEST_SIG_CONTEXT);
	char sig_path[4200], line[256], b64[sodium_base64_ENCODED_LEN(NOJIT_SIG_LEN,
					sodium_base64_VARIANT_ORIGINAL)];
	__u8 sig[NOJIT_SIG_LEN];
	uint8_t *msg = malloc(ctx_len + len + 1);

	if (!msg)
		abort();
	memcpy(msg, NOJIT_MANIFEST_SIG_CONTEXT, ctx_len);
	memcpy(msg + ctx_len, data, len);
	if (key_sign(&k->signing, msg, ctx_len + len, sig))
		abort();
	free(msg);
	sodium_bin2base64(b64, sizeof(b64), sig, sizeof(sig), sodium_base64_VARIANT_ORIGINAL);
	snprintf(line, sizeof(line), "%s %s %s\n", NOJIT_SIG_TAG, k->signing.pub.id, b64);
	snprintf(sig_path, sizeof(sig_path), "%s%s", path, NOJIT_SIG_SUFFIX);
	fuzz_write(sig_path, line, strlen(line));
}

/* Approve every exception of M with the harness's approver key, as `nojit manifest approve` would. */
static void approve_all(struct nojit_manifest *m)
{
	const struct fuzz_keys *k = fuzz_keys();

	for (size_t i = 0; i < m->n_exceptions; i++) {
		struct nojit_manifest_exception *e = &m->exceptions[i];
		char *msg = NULL;
		size_t len;

		if (manifest_exception_message(m, m->key_id, e, &msg, &len))
			continue;
		if (key_sign(&k->approver, msg, len, e->approval))
			abort();
		free(msg);
		memcpy(e->approver, k->approver.pub.id, sizeof(e->approver));
		e->approved = true;
	}
}

static void check_exceptions(struct nojit_manifest *m)
{
	struct nojit_err err = {};

	manifest_exceptions_verify(m, fuzz_keys()->approvers_dir, NOW, &err);
	approve_all(m);
	if (manifest_exceptions_verify(m, fuzz_keys()->approvers_dir, NOW, &err) == 0 &&
	    m->n_exceptions && !m->exceptions_verified)
		abort();	/* verified, yet not marked so: the loader would drop them */
}

static void reformat(const struct nojit_manifest *m)
{
	struct nojit_manifest *again = NULL;
	struct nojit_err err = {};
	char *buf = NULL;
	size_t len;

	if (manifest_format(m, &buf, &len, &err) == 0) {
		/* What the formatter writes, the parser must read. */
		if (manifest_parse(buf, len, &again, &err))
			abort();
		if (again->n_entries != m->n_entries || again->n_jit_engines != m->n_jit_engines)
			abort();
		manifest_free(again);
		free(buf);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[4200];
	struct nojit_manifest *m = NULL;
	struct nojit_err err = {};

	if (!size)
		return 0;
	if (!path[0])
		fuzz_path(path, sizeof(path), "agent.json");
	switch (data[0] % 3) {
	case 0:
		fuzz_write(path, data + 1, size - 1);
		sign_file(path, data + 1, size - 1);
		if (manifest_load_verified(path, fuzz_keys()->signing_pub, NOW, &m, &err) == 0) {
			manifest_check_time(m, NOW, &err);
			check_exceptions(m);
			manifest_free(m);
		}
		break;
	case 1: {
		const uint8_t *nul = memchr(data + 1, 0, size - 1);
		char sig_path[4300];

		if (!nul)
			return 0;
		snprintf(sig_path, sizeof(sig_path), "%s%s", path, NOJIT_SIG_SUFFIX);
		fuzz_write(sig_path, data + 1, (size_t)(nul - data - 1));
		fuzz_write(path, nul + 1, size - (size_t)(nul + 1 - data));
		if (manifest_load_verified(path, fuzz_keys()->signing_pub, NOW, &m, &err) == 0)
			manifest_free(m);
		break;
	}
	case 2:
		if (manifest_parse((const char *)data + 1, size - 1, &m, &err) == 0) {
			memcpy(m->key_id, fuzz_keys()->signing.pub.id, sizeof(m->key_id));
			reformat(m);
			check_exceptions(m);
			manifest_free(m);
		}
		break;
	}
	return 0;
}
