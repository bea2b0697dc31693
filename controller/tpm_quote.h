/* SPDX-License-Identifier: GPL-2.0 */
/*
 * TPM 2.0 binding of a statement (attest.h, docs/attestation.md): the
 * statement's SHA-256 is extended into one PCR of the sha256 bank and the
 * TPM quotes that PCR with the verifier's nonce as qualifying data. The
 * result is the envelope's "tpmQuote" member:
 *
 *   {"pcr": N, "pcrBank": "sha256",
 *    "pcrBefore": HEX, "pcrAfter": HEX,		PCR N around the extend
 *    "attest": BASE64,		the TPMS_ATTEST the TPM signed, as marshalled
 *    "signature": BASE64,	the TPMT_SIGNATURE, as marshalled
 *    "akPublicSha256": HEX}	SHA-256 of the AK's DER SubjectPublicKeyInfo
 *
 * "attest" and "signature" are exactly what tpm2_quote -m / -s write, so
 * tpm2_checkquote -u AK.pem -m ATTEST -s SIGNATURE -g sha256 -q NONCE
 * -l sha256:N -f PCR_AFTER (the 32 raw bytes) checks a quote
 * independently of nojit.
 *
 * The attestation key (AK) is a primary key of the endorsement hierarchy
 * made from a fixed template (restricted ECDSA P-256/SHA-256 signing key):
 * the same TPM always derives the same key, so there is no key file to
 * keep. It is not certified against the TPM's endorsement key here: the
 * verifier learns it once, out of band (nojit attest tpm-ak), and pins it.
 *
 * TPM access is through Debian's tpm2-tss (ESAPI over the device TCTI);
 * checking needs no TPM (tss2-mu and libcrypto). Nothing here prints.
 */
#ifndef NOJIT_TPM_QUOTE_H
#define NOJIT_TPM_QUOTE_H
#include <json-c/json.h>
#include <stddef.h>
#include <linux/types.h>
#include "util.h"

#define TPM_QUOTE_MEMBER	"tpmQuote"
/* Qualifying data is a TPM2B_DATA: the size of a TPMT_HA, 2 + 64 bytes. */
#define TPM_QUOTE_NONCE_MAX	64
/* nojit processes binding statements take turns on this lock (flock). */
#define TPM_QUOTE_LOCK_DIR	"/run/nojit"
#define TPM_QUOTE_LOCK		TPM_QUOTE_LOCK_DIR "/tpm-quote.lock"
/* A PEM public key larger than this is refused unread (the verifier's input). */
#define TPM_AK_PEM_MAX		4096

/*
 * The AK's public key as PEM (SubjectPublicKeyInfo) into *RET_PEM
 * (malloc'd, NUL-terminated, *RET_LEN bytes without the NUL).
 */
int tpm_ak_public_pem(const char *device, char **ret_pem, size_t *ret_len, struct nojit_err *err);

/*
 * Bind DIGEST (a statement's SHA-256) to the TPM at DEVICE: read PCR PCR
 * (16, debug, or 23, application: the others hold boot measurements or
 * need a locality above 0), extend DIGEST into it, quote it with NONCE as
 * qualifying data, read it again. The result, checked with
 * tpm_quote_check() against the AK before it is returned, is the
 * tpmQuote object in *RET. Serialized with other nojit binders
 * (TPM_QUOTE_LOCK); -EAGAIN when someone else kept extending the PCR in
 * between, three times running.
 */
int tpm_quote_bind(const char *device, unsigned int pcr, const __u8 digest[32],
		   const __u8 *nonce, size_t nonce_len, struct json_object **ret,
		   struct nojit_err *err);

/*
 * Check the tpmQuote object Q (attacker-supplied) against DIGEST (the
 * statement's SHA-256), NONCE and the AK (PEM public key): exactly the
 * members above; the ECDSA P-256/SHA-256 signature over "attest" verifies
 * with the AK; attest is a TPM-generated quote (TPM_GENERATED_VALUE,
 * TPM_ST_ATTEST_QUOTE) with extraData == NONCE, over exactly PCR N of the
 * sha256 bank, with pcrDigest == SHA-256(pcrAfter); and pcrAfter ==
 * SHA-256(pcrBefore || DIGEST). 0 with *RET_PCR = N, or -errno with the
 * first failed check named in ERR: -EBADMSG malformed, -EKEYREJECTED bad
 * AK or signature, -EPERM a check that does not hold.
 */
int tpm_quote_check(struct json_object *q, const __u8 digest[32], const __u8 *nonce,
		    size_t nonce_len, const char *ak_pem, size_t ak_pem_len, unsigned int *ret_pcr,
		    struct nojit_err *err);

#endif /* NOJIT_TPM_QUOTE_H */
