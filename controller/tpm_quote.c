// SPDX-License-Identifier: GPL-2.0
/* TPM 2.0 quotes that bind statements (tpm_quote.h): tpm2-tss makes them, libcrypto checks them. */
#include <limits.h>
#include <stdbool.h>
#include <string.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>

#include <sodium.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <tss2/tss2_esys.h>
#include <tss2/tss2_mu.h>
#include <tss2/tss2_rc.h>
#include <tss2/tss2_tctildr.h>

#include "json_check.h"
#include "tpm_quote.h"

#define PCR_BANK		"sha256"
#define PCR_MAX			23	/* PC Client TPMs have 24 PCRs */
/*
 * Decoded sizes past which a member cannot be a P-256 quote (about 130
 * and 72 bytes): refused before anything parses them.
 */
#define QUOTE_ATTEST_MAX	1024
#define QUOTE_SIGNATURE_MAX	256

/*
 * The AK's template. Restricted: the TPM signs with it only digests it
 * computed itself over structures it made (quotes, certifications), never
 * external data that could pass for a TPMS_ATTEST. unique holds a label:
 * it enters the key's derivation, so this is nojit's key and not that of
 * any other tool using the same parameters on the same TPM.
 */
#define AK_LABEL		"nojit attestation key v1"
static const TPM2B_PUBLIC ak_template = {
	.publicArea = {
		.type = TPM2_ALG_ECC,
		.nameAlg = TPM2_ALG_SHA256,
		.objectAttributes = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT |
				    TPMA_OBJECT_SENSITIVEDATAORIGIN | TPMA_OBJECT_USERWITHAUTH |
				    TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_SIGN_ENCRYPT,
		.parameters.eccDetail = {
			.symmetric.algorithm = TPM2_ALG_NULL,
			.scheme = {
				.scheme = TPM2_ALG_ECDSA,
				.details.ecdsa.hashAlg = TPM2_ALG_SHA256,
			},
			.curveID = TPM2_ECC_NIST_P256,
			.kdf.scheme = TPM2_ALG_NULL,
		},
		.unique.ecc.x = {
			.size = sizeof(AK_LABEL) - 1,
			.buffer = AK_LABEL,
		},
	},
};

static void evp_pkey_freep(EVP_PKEY **p)
{
	EVP_PKEY_free(*p);
}

static void bio_freep(BIO **p)
{
	BIO_free(*p);
}

#define _cleanup_pkey_ __attribute__((cleanup(evp_pkey_freep)))
#define _cleanup_bio_ __attribute__((cleanup(bio_freep)))

/*
 * tpm2-tss logs its errors (and tss2-mu every malformed structure it is
 * given) on stderr itself; here the caller prints each error once, named.
 * An operator's own TSS2_LOG still wins. Before the library's first log
 * call, which reads it once.
 */
static void tss_quiet(void)
{
	setenv("TSS2_LOG", "all+NONE", 0);
}

/* ---- keys ---------------------------------------------------------------- */

/* The P-256 public key with affine coordinates X, Y (at most 32 bytes each, big-endian). */
static int pkey_from_point(const __u8 *x, size_t x_len, const __u8 *y, size_t y_len,
			   EVP_PKEY **ret)
{
	__u8 point[65] = { 0x04 };	/* uncompressed: 04 || X || Y, each left-padded */
	OSSL_PARAM_BLD *bld = NULL;
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *pkey = NULL;
	int r = -ENOMEM;

	if (x_len > 32 || y_len > 32)
		return -EINVAL;
	memcpy(point + 1 + 32 - x_len, x, x_len);
	memcpy(point + 1 + 64 - y_len, y, y_len);
	bld = OSSL_PARAM_BLD_new();
	if (!bld ||
	    !OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) ||
	    !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point, sizeof(point)))
		goto out;
	params = OSSL_PARAM_BLD_to_param(bld);
	ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	if (!params || !ctx)
		goto out;
	/* fromdata checks that the point is on the curve. */
	if (EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1) {
		r = -EINVAL;
		goto out;
	}
	*ret = pkey;
	r = 0;
out:
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	ERR_clear_error();
	return r;
}

/* SHA-256 of PKEY's DER SubjectPublicKeyInfo: how the AK is named. */
static int pkey_spki_sha256(EVP_PKEY *pkey, __u8 out[32])
{
	unsigned char *der = NULL;
	int len = i2d_PUBKEY(pkey, &der);

	if (len <= 0) {
		ERR_clear_error();
		return -ENOMEM;
	}
	crypto_hash_sha256(out, der, (unsigned long long)len);
	OPENSSL_free(der);
	return 0;
}

static int pkey_to_pem(EVP_PKEY *pkey, char **ret, size_t *ret_len)
{
	_cleanup_bio_ BIO *bio = BIO_new(BIO_s_mem());
	char *data, *pem;
	long len;

	if (!bio || PEM_write_bio_PUBKEY(bio, pkey) != 1) {
		ERR_clear_error();
		return -ENOMEM;
	}
	len = BIO_get_mem_data(bio, &data);
	pem = len > 0 ? malloc((size_t)len + 1) : NULL;
	if (!pem)
		return -ENOMEM;
	memcpy(pem, data, (size_t)len);
	pem[len] = '\0';
	*ret = pem;
	*ret_len = (size_t)len;
	return 0;
}

/* The verifier's AK: a PEM public key, EC on P-256 and nothing else. */
static int ak_from_pem(const char *pem, size_t len, EVP_PKEY **ret, struct nojit_err *err)
{
	_cleanup_bio_ BIO *bio = NULL;
	_cleanup_pkey_ EVP_PKEY *pkey = NULL;
	char group[32];

	if (!len || len > TPM_AK_PEM_MAX)
		return nojit_err_set(err, -EKEYREJECTED, "the AK is %zu bytes, not a PEM public key of at most %u",
				     len, TPM_AK_PEM_MAX);
	bio = BIO_new_mem_buf(pem, (int)len);
	if (!bio)
		return nojit_err_set(err, -ENOMEM, "out of memory");
	pkey = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
	ERR_clear_error();
	if (!pkey)
		return nojit_err_set(err, -EKEYREJECTED, "the AK is not a PEM public key (SubjectPublicKeyInfo)");
	if (!EVP_PKEY_is_a(pkey, "EC") ||
	    EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group),
					   NULL) != 1 ||
	    strcmp(group, "prime256v1")) {
		ERR_clear_error();
		return nojit_err_set(err, -EKEYREJECTED, "the AK is not an EC P-256 public key");
	}
	*ret = TAKE_PTR(pkey);
	return 0;
}

/* ---- the TPM ------------------------------------------------------------- */

struct tpm {
	const char *device;
	TSS2_TCTI_CONTEXT *tcti;
	ESYS_CONTEXT *esys;
	ESYS_TR ak;
	TPM2B_PUBLIC *ak_public;
};

#define TPM_INIT(dev) { .device = (dev), .ak = ESYS_TR_NONE }

static void tpm_close(struct tpm *t)
{
	/* A primary key stays loaded in the TPM until flushed: do not leak the slot. */
	if (t->ak != ESYS_TR_NONE)
		Esys_FlushContext(t->esys, t->ak);
	Esys_Free(t->ak_public);
	if (t->esys)
		Esys_Finalize(&t->esys);
	if (t->tcti)
		Tss2_TctiLdr_Finalize(&t->tcti);
}

#define _cleanup_tpm_ __attribute__((cleanup(tpm_close)))

static int tss_error(struct nojit_err *err, const struct tpm *t, const char *what, TSS2_RC rc)
{
	return nojit_err_set(err, -EIO, "TPM %s: %s: %s", t->device, what, Tss2_RC_Decode(rc));
}

static int tpm_open(struct tpm *t, struct nojit_err *err)
{
	char conf[PATH_MAX + sizeof("device:")];
	struct stat st;
	TSS2_RC rc;

	if (stat(t->device, &st)) {
		int e = errno;

		return nojit_err_set(err, -e, "TPM %s: %s", t->device, strerror(e));
	}
	if (!S_ISCHR(st.st_mode))
		return nojit_err_set(err, -ENODEV, "TPM %s: not a character device", t->device);
	if ((size_t)snprintf(conf, sizeof(conf), "device:%s", t->device) >= sizeof(conf))
		return nojit_err_set(err, -ENAMETOOLONG, "TPM %s: path too long", t->device);
	tss_quiet();
	rc = Tss2_TctiLdr_Initialize(conf, &t->tcti);
	if (rc != TSS2_RC_SUCCESS)
		return tss_error(err, t, "opening the device TCTI", rc);
	rc = Esys_Initialize(&t->esys, t->tcti, NULL);
	if (rc != TSS2_RC_SUCCESS)
		return tss_error(err, t, "initializing ESAPI", rc);
	return 0;
}

/* Derive the AK (CreatePrimary under the endorsement hierarchy) and load it. */
static int tpm_ak_load(struct tpm *t, struct nojit_err *err)
{
	const TPM2B_SENSITIVE_CREATE sensitive = { 0 };
	const TPM2B_DATA outside = { 0 };
	const TPML_PCR_SELECTION creation_pcr = { 0 };
	TPM2B_CREATION_DATA *cdata = NULL;
	TPM2B_DIGEST *chash = NULL;
	TPMT_TK_CREATION *ticket = NULL;
	const TPMS_ECC_POINT *p;
	TSS2_RC rc;

	rc = Esys_CreatePrimary(t->esys, ESYS_TR_RH_ENDORSEMENT, ESYS_TR_PASSWORD, ESYS_TR_NONE,
				ESYS_TR_NONE, &sensitive, &ak_template, &outside, &creation_pcr,
				&t->ak, &t->ak_public, &cdata, &chash, &ticket);
	Esys_Free(cdata);
	Esys_Free(chash);
	Esys_Free(ticket);
	if (rc != TSS2_RC_SUCCESS)
		return tss_error(err, t, "creating the attestation key (endorsement hierarchy)", rc);
	p = &t->ak_public->publicArea.unique.ecc;
	if (t->ak_public->publicArea.type != TPM2_ALG_ECC || p->x.size > 32 || p->y.size > 32)
		return nojit_err_set(err, -EIO, "TPM %s: the attestation key is not a P-256 key", t->device);
	return 0;
}

static int tpm_ak_pkey(const struct tpm *t, EVP_PKEY **ret, struct nojit_err *err)
{
	const TPMS_ECC_POINT *p = &t->ak_public->publicArea.unique.ecc;
	int r = pkey_from_point(p->x.buffer, p->x.size, p->y.buffer, p->y.size, ret);

	if (r)
		return nojit_err_set(err, r, "TPM %s: the attestation key's public point: %s", t->device,
				     strerror(-r));
	return 0;
}

static TPML_PCR_SELECTION pcr_selection(unsigned int pcr)
{
	TPML_PCR_SELECTION sel = {
		.count = 1,
		.pcrSelections[0] = { .hash = TPM2_ALG_SHA256, .sizeofSelect = 3 },
	};

	sel.pcrSelections[0].pcrSelect[pcr / 8] = 1u << (pcr % 8);
	return sel;
}

static int tpm_pcr_read(const struct tpm *t, unsigned int pcr, __u8 out[32], struct nojit_err *err)
{
	const TPML_PCR_SELECTION sel = pcr_selection(pcr);
	TPML_PCR_SELECTION *sel_out = NULL;
	TPML_DIGEST *values = NULL;
	UINT32 counter;
	TSS2_RC rc;
	int r = 0;

	rc = Esys_PCR_Read(t->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &sel, &counter,
			   &sel_out, &values);
	if (rc != TSS2_RC_SUCCESS)
		return tss_error(err, t, "reading a PCR", rc);
	/* A bank the TPM did not allocate comes back as an empty selection. */
	if (values->count != 1 || values->digests[0].size != 32)
		r = nojit_err_set(err, -ENOENT, "TPM %s: no PCR %u in the sha256 bank", t->device, pcr);
	else
		memcpy(out, values->digests[0].buffer, 32);
	Esys_Free(sel_out);
	Esys_Free(values);
	return r;
}

int tpm_ak_public_pem(const char *device, char **ret_pem, size_t *ret_len, struct nojit_err *err)
{
	_cleanup_tpm_ struct tpm t = TPM_INIT(device);
	_cleanup_pkey_ EVP_PKEY *pkey = NULL;
	int r;

	r = tpm_open(&t, err);
	if (!r)
		r = tpm_ak_load(&t, err);
	if (!r)
		r = tpm_ak_pkey(&t, &pkey, err);
	if (r)
		return r;
	r = pkey_to_pem(pkey, ret_pem, ret_len);
	if (r)
		return nojit_err_set(err, r, "TPM %s: writing the attestation key as PEM: %s", device,
				     strerror(-r));
	return 0;
}

/* ---- JSON members --------------------------------------------------------- */

static struct json_object *b64_string(const void *bin, size_t len)
{
	size_t cap = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL);
	_cleanup_free_ char *s = malloc(cap);

	if (!s)
		return NULL;
	sodium_bin2base64(s, cap, bin, len, sodium_base64_VARIANT_ORIGINAL);
	return json_object_new_string(s);
}

/* Member NAME: exactly 64 lowercase hex digits, as 32 bytes. */
static int member_sha256(struct json_object *q, const char *name, __u8 out[32], struct nojit_err *err)
{
	struct json_object *v = json_member(q, name, json_type_string);
	const char *s = v ? json_object_get_string(v) : NULL;

	if (!s || json_object_get_string_len(v) != 64 || strspn(s, "0123456789abcdef") != 64)
		return nojit_err_set(err, -EBADMSG, "tpmQuote: \"%s\" is not 64 lowercase hex digits", name);
	for (int i = 0; i < 32; i++) {
		int hi = s[2 * i] <= '9' ? s[2 * i] - '0' : s[2 * i] - 'a' + 10;
		int lo = s[2 * i + 1] <= '9' ? s[2 * i + 1] - '0' : s[2 * i + 1] - 'a' + 10;

		out[i] = (__u8)(hi << 4 | lo);
	}
	return 0;
}

/* Member NAME: standard base64 of 1..MAX bytes, into OUT. */
static int member_b64(struct json_object *q, const char *name, __u8 *out, size_t max, size_t *ret_len,
		      struct nojit_err *err)
{
	struct json_object *v = json_member(q, name, json_type_string);
	size_t s_len = v ? (size_t)json_object_get_string_len(v) : 0, len = 0;
	const char *end = NULL;

	if (!v || !s_len || s_len % 4 || s_len / 4 * 3 > max + 2)
		return nojit_err_set(err, -EBADMSG,
				     "tpmQuote: \"%s\" is not standard base64 of 1 to %zu bytes", name, max);
	if (sodium_base642bin(out, max, json_object_get_string(v), s_len, NULL, &len, &end,
			      sodium_base64_VARIANT_ORIGINAL) ||
	    end != json_object_get_string(v) + s_len || !len)
		return nojit_err_set(err, -EBADMSG,
				     "tpmQuote: \"%s\" is not standard base64 of 1 to %zu bytes", name, max);
	*ret_len = len;
	return 0;
}

/* ---- checking ------------------------------------------------------------- */

/* The TPM's ECDSA signature (r, s) over SHA-256(MSG), verified with PKEY. */
static bool ecdsa_verifies(EVP_PKEY *pkey, const TPMS_SIGNATURE_ECDSA *sig, const __u8 *msg,
			   size_t len)
{
	ECDSA_SIG *es = ECDSA_SIG_new();
	BIGNUM *r = BN_bin2bn(sig->signatureR.buffer, sig->signatureR.size, NULL);
	BIGNUM *s = BN_bin2bn(sig->signatureS.buffer, sig->signatureS.size, NULL);
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned char *der = NULL;
	bool ok = false;
	int der_len;

	if (!es || !r || !s || !md || ECDSA_SIG_set0(es, r, s) != 1) {
		BN_free(r);
		BN_free(s);
		goto out;
	}
	/* es owns r and s now. */
	der_len = i2d_ECDSA_SIG(es, &der);
	ok = der_len > 0 &&
	     EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, pkey) == 1 &&
	     EVP_DigestVerify(md, der, (size_t)der_len, msg, len) == 1;
out:
	OPENSSL_free(der);
	EVP_MD_CTX_free(md);
	ECDSA_SIG_free(es);
	ERR_clear_error();
	return ok;
}

/* True if SEL selects PCR in the sha256 bank and nothing else. */
static bool selects_only(const TPML_PCR_SELECTION *sel, unsigned int pcr)
{
	const TPMS_PCR_SELECTION *s = &sel->pcrSelections[0];

	if (sel->count != 1 || s->hash != TPM2_ALG_SHA256 || s->sizeofSelect <= pcr / 8)
		return false;
	for (unsigned int i = 0; i < s->sizeofSelect; i++)
		if (s->pcrSelect[i] != (i == pcr / 8 ? 1u << (pcr % 8) : 0))
			return false;
	return true;
}

static const char *const quote_members[] = {
	"pcr", "pcrBank", "pcrBefore", "pcrAfter", "attest", "signature", "akPublicSha256",
};

int tpm_quote_check(struct json_object *q, const __u8 digest[32], const __u8 *nonce,
		    size_t nonce_len, const char *ak_pem, size_t ak_pem_len, unsigned int *ret_pcr,
		    struct nojit_err *err)
{
	__u8 before[32], after[32], named_ak[32], ak_id[32], h[32], chain[64];
	__u8 attest_buf[QUOTE_ATTEST_MAX], sig_buf[QUOTE_SIGNATURE_MAX];
	size_t attest_len, sig_len, off;
	_cleanup_pkey_ EVP_PKEY *ak = NULL;
	struct json_object *v;
	const TPMS_SIGNATURE_ECDSA *ecdsa;
	TPMS_ATTEST attest;
	TPMT_SIGNATURE sig;
	bool has_ak_name;
	__s64 pcr;
	int r;

	tss_quiet();
	if (!nonce_len || nonce_len > TPM_QUOTE_NONCE_MAX)
		return nojit_err_set(err, -EINVAL, "nonce of %zu bytes: a quote holds 1 to %d", nonce_len,
				     TPM_QUOTE_NONCE_MAX);
	if (!json_object_is_type(q, json_type_object))
		return nojit_err_set(err, -EBADMSG, "tpmQuote: not a JSON object");
	json_object_object_foreach(q, key, val) {
		bool known = false;

		(void)val;
		for (size_t i = 0; i < ARRAY_SIZE(quote_members); i++)
			known |= !strcmp(key, quote_members[i]);
		if (!known)
			return nojit_err_set(err, -EBADMSG, "tpmQuote: unknown member \"%.40s\"", key);
	}

	v = json_member(q, "pcr", json_type_int);
	pcr = v ? json_object_get_int64(v) : -1;
	if (pcr < 0 || pcr > PCR_MAX)
		return nojit_err_set(err, -EBADMSG, "tpmQuote: \"pcr\" is not a PCR number 0 to %d", PCR_MAX);
	v = json_member(q, "pcrBank", json_type_string);
	if (!v || strcmp(json_object_get_string(v), PCR_BANK))
		return nojit_err_set(err, -EBADMSG, "tpmQuote: \"pcrBank\" is not \"" PCR_BANK "\"");
	r = member_sha256(q, "pcrBefore", before, err);
	if (!r)
		r = member_sha256(q, "pcrAfter", after, err);
	if (!r)
		r = member_b64(q, "attest", attest_buf, sizeof(attest_buf), &attest_len, err);
	if (!r)
		r = member_b64(q, "signature", sig_buf, sizeof(sig_buf), &sig_len, err);
	has_ak_name = json_object_object_get_ex(q, "akPublicSha256", NULL);
	if (!r && has_ak_name)
		r = member_sha256(q, "akPublicSha256", named_ak, err);
	if (r)
		return r;

	/* Only the whole input is the structure: trailing bytes are refused. */
	off = 0;
	memset(&attest, 0, sizeof(attest));
	if (Tss2_MU_TPMS_ATTEST_Unmarshal(attest_buf, attest_len, &off, &attest) != TSS2_RC_SUCCESS ||
	    off != attest_len)
		return nojit_err_set(err, -EBADMSG, "tpmQuote: \"attest\" is not a marshalled TPMS_ATTEST");
	off = 0;
	memset(&sig, 0, sizeof(sig));
	if (Tss2_MU_TPMT_SIGNATURE_Unmarshal(sig_buf, sig_len, &off, &sig) != TSS2_RC_SUCCESS ||
	    off != sig_len)
		return nojit_err_set(err, -EBADMSG,
				     "tpmQuote: \"signature\" is not a marshalled TPMT_SIGNATURE");
	ecdsa = &sig.signature.ecdsa;
	if (sig.sigAlg != TPM2_ALG_ECDSA || ecdsa->hash != TPM2_ALG_SHA256 ||
	    !ecdsa->signatureR.size || ecdsa->signatureR.size > 32 ||
	    !ecdsa->signatureS.size || ecdsa->signatureS.size > 32)
		return nojit_err_set(err, -EBADMSG,
				     "tpmQuote: the signature is not ECDSA P-256 with SHA-256 (sigAlg 0x%04x)",
				     sig.sigAlg);

	r = ak_from_pem(ak_pem, ak_pem_len, &ak, err);
	if (r)
		return r;
	r = pkey_spki_sha256(ak, ak_id);
	if (r)
		return nojit_err_set(err, r, "the AK: %s", strerror(-r));
	if (has_ak_name && memcmp(named_ak, ak_id, 32)) {
		char named_hex[65], id_hex[65];

		hex_encode(named_ak, 32, named_hex);
		hex_encode(ak_id, 32, id_hex);
		return nojit_err_set(err, -EKEYREJECTED,
				     "tpmQuote: made with the AK sha256:%.16s..., not the given AK sha256:%.16s...",
				     named_hex, id_hex);
	}
	if (!ecdsa_verifies(ak, ecdsa, attest_buf, attest_len))
		return nojit_err_set(err, -EKEYREJECTED,
				     "tpmQuote: the signature does not verify with the given AK");

	/* Signed by the AK, a restricted key: the fields below are the TPM's. */
	if (attest.magic != TPM2_GENERATED_VALUE)
		return nojit_err_set(err, -EPERM, "tpmQuote: attest is not TPM-generated (magic 0x%08x)",
				     attest.magic);
	if (attest.type != TPM2_ST_ATTEST_QUOTE)
		return nojit_err_set(err, -EPERM, "tpmQuote: attest is not a quote (type 0x%04x)", attest.type);
	if (attest.extraData.size != nonce_len || memcmp(attest.extraData.buffer, nonce, nonce_len))
		return nojit_err_set(err, -EPERM,
				     "tpmQuote: the quote's qualifying data is not the nonce (a replayed quote?)");
	if (!selects_only(&attest.attested.quote.pcrSelect, (unsigned int)pcr))
		return nojit_err_set(err, -EPERM,
				     "tpmQuote: the quote does not cover exactly PCR %lld of the sha256 bank",
				     (long long)pcr);
	crypto_hash_sha256(h, after, 32);
	if (attest.attested.quote.pcrDigest.size != 32 ||
	    memcmp(attest.attested.quote.pcrDigest.buffer, h, 32))
		return nojit_err_set(err, -EPERM, "tpmQuote: pcrAfter is not the PCR value the TPM quoted");
	/* TPM2_PCR_Extend: new = H(old || digest). */
	memcpy(chain, before, 32);
	memcpy(chain + 32, digest, 32);
	crypto_hash_sha256(h, chain, sizeof(chain));
	if (memcmp(h, after, 32))
		return nojit_err_set(err, -EPERM,
				     "tpmQuote: pcrAfter is not pcrBefore extended with the statement's digest");
	*ret_pcr = (unsigned int)pcr;
	return 0;
}

/* ---- binding -------------------------------------------------------------- */

static int quote_json(unsigned int pcr, const __u8 before[32], const __u8 after[32],
		      const TPM2B_ATTEST *quoted, const TPMT_SIGNATURE *sig, EVP_PKEY *ak,
		      struct json_object **ret)
{
	__u8 sig_buf[sizeof(TPMT_SIGNATURE)], ak_id[32];
	struct json_object *q;
	size_t off = 0;
	int r;

	if (Tss2_MU_TPMT_SIGNATURE_Marshal(sig, sig_buf, sizeof(sig_buf), &off) != TSS2_RC_SUCCESS)
		return -EIO;
	r = pkey_spki_sha256(ak, ak_id);
	if (r)
		return r;
	q = json_object_new_object();
	if (!q)
		return -ENOMEM;
	if (json_object_object_add(q, "pcr", json_object_new_int((int)pcr)) ||
	    json_object_object_add(q, "pcrBank", json_object_new_string(PCR_BANK)) ||
	    json_object_object_add(q, "pcrBefore", json_new_hex(before, 32)) ||
	    json_object_object_add(q, "pcrAfter", json_new_hex(after, 32)) ||
	    json_object_object_add(q, "attest", b64_string(quoted->attestationData, quoted->size)) ||
	    json_object_object_add(q, "signature", b64_string(sig_buf, off)) ||
	    json_object_object_add(q, "akPublicSha256", json_new_hex(ak_id, 32))) {
		json_object_put(q);
		return -ENOMEM;
	}
	*ret = q;
	return 0;
}

static int quote_once(const char *device, unsigned int pcr, const __u8 digest[32],
		      const __u8 *nonce, size_t nonce_len, struct json_object **ret,
		      struct nojit_err *err)
{
	_cleanup_tpm_ struct tpm t = TPM_INIT(device);
	_cleanup_pkey_ EVP_PKEY *ak = NULL;
	_cleanup_free_ char *pem = NULL;
	const TPML_PCR_SELECTION sel = pcr_selection(pcr);
	const TPMT_SIG_SCHEME scheme = { .scheme = TPM2_ALG_NULL };	/* the AK's own */
	TPML_DIGEST_VALUES extend = { .count = 1 };
	TPM2B_DATA qualifying = { .size = (UINT16)nonce_len };
	TPM2B_ATTEST *quoted = NULL;
	TPMT_SIGNATURE *sig = NULL;
	struct json_object *q = NULL;
	__u8 before[32], after[32], chain[64], expect[32];
	unsigned int checked_pcr;
	size_t pem_len;
	TSS2_RC rc;
	int r;

	if (pcr != 16 && pcr != 23)
		return nojit_err_set(err, -EINVAL,
				     "PCR %u: only 16 (debug) or 23 (application); the others hold boot measurements or need a locality above 0",
				     pcr);
	if (!nonce_len || nonce_len > TPM_QUOTE_NONCE_MAX)
		return nojit_err_set(err, -EINVAL, "nonce of %zu bytes: a quote holds 1 to %d", nonce_len,
				     TPM_QUOTE_NONCE_MAX);
	memcpy(qualifying.buffer, nonce, nonce_len);
	extend.digests[0].hashAlg = TPM2_ALG_SHA256;
	memcpy(extend.digests[0].digest.sha256, digest, 32);

	r = tpm_open(&t, err);
	if (!r)
		r = tpm_ak_load(&t, err);
	if (!r)
		r = tpm_ak_pkey(&t, &ak, err);
	if (!r)
		r = tpm_pcr_read(&t, pcr, before, err);
	if (r)
		return r;
	rc = Esys_PCR_Extend(t.esys, ESYS_TR_PCR0 + pcr, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE,
			     &extend);
	if (rc != TSS2_RC_SUCCESS)
		return tss_error(err, &t, "extending the statement's digest into the PCR", rc);
	rc = Esys_Quote(t.esys, t.ak, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &qualifying,
			&scheme, &sel, &quoted, &sig);
	if (rc != TSS2_RC_SUCCESS)
		return tss_error(err, &t, "quoting the PCR", rc);
	r = tpm_pcr_read(&t, pcr, after, err);
	if (!r) {
		r = quote_json(pcr, before, after, quoted, sig, ak, &q);
		if (r)
			nojit_err_set(err, r, "TPM %s: the quote: %s", device, strerror(-r));
	}
	Esys_Free(quoted);
	Esys_Free(sig);
	if (r)
		return r;

	/*
	 * Another process extending the same PCR between our read and our
	 * quote breaks the chain the verifier checks: say so rather than
	 * hand out a quote that can never verify.
	 */
	memcpy(chain, before, 32);
	memcpy(chain + 32, digest, 32);
	crypto_hash_sha256(expect, chain, sizeof(chain));
	if (memcmp(expect, after, 32)) {
		json_object_put(q);
		return nojit_err_set(err, -EAGAIN,
				     "TPM %s: PCR %u was extended by someone else during the quote; try again",
				     device, pcr);
	}
	r = pkey_to_pem(ak, &pem, &pem_len);
	if (r) {
		json_object_put(q);
		return nojit_err_set(err, r, "TPM %s: the attestation key as PEM: %s", device, strerror(-r));
	}
	r = tpm_quote_check(q, digest, nonce, nonce_len, pem, pem_len, &checked_pcr, err);
	if (r) {
		json_object_put(q);
		return r;
	}
	*ret = q;
	return 0;
}

/*
 * Two statements made at once (an orchestrator asking twice, a vk run
 * next to a node statement) would extend the same PCR between each
 * other's reads and both fail: nojit's own binders take turns on a lock
 * file. Anyone else extending the PCR meanwhile is caught by
 * quote_once()'s own check and retried a few times.
 */
int tpm_quote_bind(const char *device, unsigned int pcr, const __u8 digest[32],
		   const __u8 *nonce, size_t nonce_len, struct json_object **ret,
		   struct nojit_err *err)
{
	_cleanup_close_ int lock = -1;
	int r = -EAGAIN;

	if (mkdir(TPM_QUOTE_LOCK_DIR, 0755) && errno != EEXIST)
		return nojit_err_set(err, -errno, "creating %s for the TPM lock: %m", TPM_QUOTE_LOCK_DIR);
	lock = open(TPM_QUOTE_LOCK, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (lock < 0)
		return nojit_err_set(err, -errno, "opening the TPM lock %s: %m", TPM_QUOTE_LOCK);
	while (flock(lock, LOCK_EX) && errno == EINTR)
		;
	for (int attempt = 0; attempt < 3 && r == -EAGAIN; attempt++)
		r = quote_once(device, pcr, digest, nonce, nonce_len, ret, err);
	return r;
}
