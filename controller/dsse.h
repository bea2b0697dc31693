/* SPDX-License-Identifier: GPL-2.0 */
/*
 * DSSE, the Dead Simple Signing Envelope (github.com/secure-systems-lab/dsse,
 * protocol v1.0.0), with Ed25519: what in-toto attestations are carried in.
 * The signature is over PAE(payloadType, payload):
 *   "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body
 * with LEN the ASCII decimal byte count, no leading zeros. The envelope is
 *   {"payloadType": T, "payload": base64(body),
 *    "signatures": [{"keyid": KEYID, "sig": base64(sig)}]}
 * (standard base64 with padding; keyid is the nojit key id). Nothing here
 * prints.
 */
#ifndef NOJIT_DSSE_H
#define NOJIT_DSSE_H
#include <json-c/json.h>
#include <stddef.h>
#include <linux/types.h>
#include "keys.h"

#define DSSE_PAYLOAD_TYPE_INTOTO	"application/vnd.in-toto+json"
/*
 * An envelope larger than this is refused unread (the verifier's input):
 * a node statement with 10,000 enrollments is about 7.5 MB as base64.
 */
#define DSSE_ENVELOPE_MAX		(16u << 20)
#define DSSE_SIGNATURES_MAX		16

/* PAE(TYPE, BODY) into *RET (malloc'd): 0 or -ENOMEM. */
int dsse_pae(const char *type, const void *body, size_t len, __u8 **ret, size_t *ret_len);

/* The envelope for PAYLOAD of TYPE, signed by K: a new JSON object. */
int dsse_sign(const struct nojit_seckey *k, const char *type, const void *payload, size_t len,
	      struct json_object **ret, struct nojit_err *err);

struct dsse_signature {
	char keyid[128];	/* as found; "" when absent (DSSE makes it optional) */
	__u8 sig[NOJIT_SIG_LEN];
	bool sig_ok_len;	/* the base64 decoded to exactly 64 bytes */
};

struct dsse_envelope {
	struct json_object *root;	/* the parsed envelope, for extension members */
	const char *payload_type;	/* points into ROOT */
	__u8 *payload;			/* decoded, NUL-terminated; malloc'd */
	size_t payload_len;
	struct dsse_signature *sigs;
	size_t n_sigs;
};

/*
 * Parse an envelope: JSON object, payloadType a string, payload standard
 * base64, signatures a non-empty array of {keyid?, sig}. Duplicate member
 * names are refused (json_check). -EBADMSG with the reason otherwise.
 */
int dsse_parse(const char *json, size_t len, struct dsse_envelope *ret, struct nojit_err *err);

/*
 * 0 when a signature of E verifies with a key of T, over PAE of E's own
 * type and payload; *RET_SIGNER is that key. -EKEYREJECTED (naming the
 * key ids tried) otherwise. A signature whose keyid names no trusted key
 * is still tried against every key: keyid is a hint, never trusted.
 */
int dsse_verify(const struct dsse_envelope *e, const struct nojit_trust *t,
		const struct nojit_pubkey **ret_signer, struct nojit_err *err);

void dsse_envelope_free(struct dsse_envelope *e);

#endif /* NOJIT_DSSE_H */
