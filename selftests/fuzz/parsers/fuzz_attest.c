// SPDX-License-Identifier: GPL-2.0
/*
 * Attestation statements as `nojit attest verify` checks them
 * (controller/attest_verify.c, dsse.c): the DSSE envelope, its signature,
 * then the in-toto statement, nonce, freshness, manifests in force and
 * the BPF object.
 *
 * The first byte of an input chooses what the rest is:
 *   0  an envelope, checked as it is
 *   1  a statement (the payload) the harness puts in an envelope signed
 *      with its own trusted attestation key, so every check after the
 *      signature sees the fuzzer's bytes
 * The verifier expects nonce 00112233445566778899aabbccddeeff, the
 * time 2026-12-07T00:00:00Z, manifest aa..aa in force in a cgroup "web"
 * and BPF object bb..bb (the seeds say so).
 */
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "attest.h"
#include "common.h"
#include "dsse.h"

#define NOW_NS (1796601600ll * 1000000000ll)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct attest_nonce nonce;
	static __u8 manifest[1][32];
	static const char *const cgroups[] = { "web" };
	const struct fuzz_keys *k = fuzz_keys();
	struct attest_expect x = {
		.nonce = &nonce, .now_ns = NOW_NS, .max_age_s = 3600,
		.manifests = manifest, .manifest_cgroups = cgroups, .n_manifests = 1,
		.has_bpf_object = true,
	};
	struct attest_verified v = {};
	enum attest_check failed;
	struct nojit_err err = {};

	if (!size)
		return 0;
	if (!nonce.len && attest_nonce_parse("00112233445566778899aabbccddeeff", &nonce, &err))
		abort();
	memset(manifest[0], 0xaa, 32);
	memset(x.bpf_object, 0xbb, 32);
	if (data[0] & 1) {
		struct json_object *env = NULL;
		const char *s;
		size_t len;

		if (dsse_sign(&k->attest, DSSE_PAYLOAD_TYPE_INTOTO, data + 1, size - 1, &env, &err))
			abort();
		s = json_object_to_json_string_length(env, JSON_C_TO_STRING_PLAIN, &len);
		if (attest_verify(s, len, &k->attest_trust, &x, &v, &failed, &err) == 0)
			attest_verified_free(&v);
		else if (failed <= ATTEST_CHECK_SIGNATURE)
			abort();	/* our own signature over our own envelope */
		json_object_put(env);
	} else if (attest_verify((const char *)data + 1, size - 1, &k->attest_trust, &x, &v, &failed,
				 &err) == 0) {
		attest_verified_free(&v);
	}
	return 0;
}
