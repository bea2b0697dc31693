// SPDX-License-Identifier: GPL-2.0
/*
 * The TPM quote of an attestation envelope ("tpmQuote", controller/
 * tpm_quote.c), which `nojit attest verify --tpm-ak` checks: JSON members,
 * the marshalled TPMS_ATTEST and TPMT_SIGNATURE (tss2-mu), the AK
 * (libcrypto), the ECDSA signature, then the quote's fields.
 *
 * The first byte of an input chooses what the rest is:
 *   0  a tpmQuote JSON object, checked as it is against the harness's AK
 *   1  a marshalled TPMS_ATTEST, which the harness signs with its AK (an
 *      EC P-256 key made at start-up) into a quote of PCR 23 binding
 *      digest cc..cc with nonce 00112233445566778899aabbccddeeff: the
 *      checks after the signature see the fuzzer's bytes
 */
#include <json-c/json.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdlib.h>
#include <string.h>
#include <tss2/tss2_mu.h>

#include "common.h"
#include "tpm_quote.h"

static const __u8 nonce[16] = { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
				0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff };
static EVP_PKEY *ak;
static char *ak_pem;
static size_t ak_pem_len;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *p;

	(void)argc, (void)argv;
	ak = EVP_EC_gen("P-256");
	if (!b || !ak || !PEM_write_bio_PUBKEY(b, ak))
		abort();
	ak_pem_len = (size_t)BIO_get_mem_data(b, &p);
	ak_pem = malloc(ak_pem_len + 1);
	if (!ak_pem)
		abort();
	memcpy(ak_pem, p, ak_pem_len);
	ak_pem[ak_pem_len] = '\0';
	BIO_free(b);
	return 0;
}

static struct json_object *b64(const void *data, size_t len)
{
	size_t n = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL);
	char *s = malloc(n);
	struct json_object *o;

	if (!s)
		abort();
	sodium_bin2base64(s, n, data, len, sodium_base64_VARIANT_ORIGINAL);
	o = json_object_new_string(s);
	free(s);
	return o;
}

/* The quote the TPM would have made over ATTEST, signed with the harness's AK. */
static struct json_object *signed_quote(const uint8_t *attest, size_t len, const __u8 digest[32])
{
	__u8 before[32] = {}, chain[64], after[32], der[80], sig_buf[sizeof(TPMT_SIGNATURE)];
	TPMT_SIGNATURE sig = { .sigAlg = TPM2_ALG_ECDSA };
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	const unsigned char *d = der;
	size_t der_len = sizeof(der), off = 0;
	const BIGNUM *r, *s;
	ECDSA_SIG *es;
	char hex[65];
	struct json_object *q = json_object_new_object();

	memcpy(chain, before, 32);
	memcpy(chain + 32, digest, 32);
	crypto_hash_sha256(after, chain, sizeof(chain));
	if (!md || EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, ak) != 1 ||
	    EVP_DigestSign(md, der, &der_len, attest, len) != 1 ||
	    !(es = d2i_ECDSA_SIG(NULL, &d, (long)der_len)))
		abort();
	EVP_MD_CTX_free(md);
	ECDSA_SIG_get0(es, &r, &s);
	sig.signature.ecdsa.hash = TPM2_ALG_SHA256;
	sig.signature.ecdsa.signatureR.size = 32;
	sig.signature.ecdsa.signatureS.size = 32;
	if (BN_bn2binpad(r, sig.signature.ecdsa.signatureR.buffer, 32) != 32 ||
	    BN_bn2binpad(s, sig.signature.ecdsa.signatureS.buffer, 32) != 32 ||
	    Tss2_MU_TPMT_SIGNATURE_Marshal(&sig, sig_buf, sizeof(sig_buf), &off) != TSS2_RC_SUCCESS)
		abort();
	ECDSA_SIG_free(es);
	json_object_object_add(q, "pcr", json_object_new_int(23));
	json_object_object_add(q, "pcrBank", json_object_new_string("sha256"));
	hex_encode(before, 32, hex);
	json_object_object_add(q, "pcrBefore", json_object_new_string(hex));
	hex_encode(after, 32, hex);
	json_object_object_add(q, "pcrAfter", json_object_new_string(hex));
	json_object_object_add(q, "attest", b64(attest, len));
	json_object_object_add(q, "signature", b64(sig_buf, off));
	return q;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	__u8 digest[32];
	struct nojit_err err = {};
	struct json_object *q;
	unsigned int pcr;

	if (!size)
		return 0;
	memset(digest, 0xcc, sizeof(digest));
	if (data[0] & 1) {
		q = signed_quote(data + 1, size - 1, digest);
	} else {
		struct json_tokener *tok = json_tokener_new();

		if (!tok)
			abort();
		q = json_tokener_parse_ex(tok, (const char *)data + 1, (int)(size - 1));
		json_tokener_free(tok);
		if (!q)
			return 0;
	}
	tpm_quote_check(q, digest, nonce, sizeof(nonce), ak_pem, ak_pem_len, &pcr, &err);
	json_object_put(q);
	return 0;
}
