// SPDX-License-Identifier: GPL-2.0
/*
 * tpm_quote_check() on hostile input, without a TPM: each test makes a
 * quote the way a TPM would (TPMS_ATTEST and TPMT_SIGNATURE marshalled by
 * tss2-mu), signed by a P-256 key generated here at run time standing in
 * for the AK, then breaks one thing. The real TPM is exercised in the VM
 * (selftests/kernel/attest_tpm.sh).
 */
#include <criterion/criterion.h>
#include <string.h>

#include <sodium.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <tss2/tss2_mu.h>

#include "tpm_quote.h"

#define PCR 23

static const __u8 nonce[16] = "0123456789abcdef";

/* What a test changes in the quote before it is signed. */
struct quote_spec {
	__u32 magic;
	__u16 type;
	const __u8 *nonce;
	size_t nonce_len;
	TPML_PCR_SELECTION sel;
	bool wrong_pcr_digest;
	EVP_PKEY *signer;
};

struct quote {
	__u8 digest[32];	/* the statement's */
	__u8 before[32], after[32];
	__u8 attest[1024];
	size_t attest_len;
	__u8 sig[256];
	size_t sig_len;
};

static EVP_PKEY *ak, *other_ak;
static char ak_pem[TPM_AK_PEM_MAX];
static size_t ak_pem_len;

static EVP_PKEY *p256_new(void)
{
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");

	cr_assert_not_null(k);
	return k;
}

static size_t pem_of(EVP_PKEY *k, char *buf, size_t size)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *data;
	long len;

	cr_assert(PEM_write_bio_PUBKEY(bio, k));
	len = BIO_get_mem_data(bio, &data);
	cr_assert(len > 0 && (size_t)len < size);
	memcpy(buf, data, (size_t)len);
	buf[len] = '\0';
	BIO_free(bio);
	return (size_t)len;
}

static void setup(void)
{
	/*
	 * tpm_quote_check() silences tpm2-tss before its first log call;
	 * here make_quote() marshals first, so the test does it itself.
	 */
	setenv("TSS2_LOG", "all+NONE", 0);
	ak = p256_new();
	other_ak = p256_new();
	ak_pem_len = pem_of(ak, ak_pem, sizeof(ak_pem));
}

static void teardown(void)
{
	EVP_PKEY_free(ak);
	EVP_PKEY_free(other_ak);
}

TestSuite(tpm_quote, .init = setup, .fini = teardown);

static TPML_PCR_SELECTION one_pcr(unsigned int pcr)
{
	TPML_PCR_SELECTION sel = {
		.count = 1,
		.pcrSelections[0] = { .hash = TPM2_ALG_SHA256, .sizeofSelect = 3 },
	};

	sel.pcrSelections[0].pcrSelect[pcr / 8] = 1u << (pcr % 8);
	return sel;
}

static struct quote_spec good_spec(void)
{
	return (struct quote_spec){
		.magic = TPM2_GENERATED_VALUE,
		.type = TPM2_ST_ATTEST_QUOTE,
		.nonce = nonce,
		.nonce_len = sizeof(nonce),
		.sel = one_pcr(PCR),
		.signer = ak,
	};
}

/* Sign SHA-256(Q->attest) with SPEC->signer into Q->sig, as a TPM's TPMT_SIGNATURE. */
static void sign(struct quote *q, EVP_PKEY *signer)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned char der[128];
	const unsigned char *p = der;
	size_t der_len = sizeof(der), off = 0;
	TPMT_SIGNATURE sig = { .sigAlg = TPM2_ALG_ECDSA };
	ECDSA_SIG *es;

	cr_assert(EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, signer) == 1);
	cr_assert(EVP_DigestSign(md, der, &der_len, q->attest, q->attest_len) == 1);
	EVP_MD_CTX_free(md);
	es = d2i_ECDSA_SIG(NULL, &p, (long)der_len);
	cr_assert_not_null(es);
	sig.signature.ecdsa.hash = TPM2_ALG_SHA256;
	sig.signature.ecdsa.signatureR.size = 32;
	sig.signature.ecdsa.signatureS.size = 32;
	BN_bn2binpad(ECDSA_SIG_get0_r(es), sig.signature.ecdsa.signatureR.buffer, 32);
	BN_bn2binpad(ECDSA_SIG_get0_s(es), sig.signature.ecdsa.signatureS.buffer, 32);
	ECDSA_SIG_free(es);
	cr_assert_eq(Tss2_MU_TPMT_SIGNATURE_Marshal(&sig, q->sig, sizeof(q->sig), &off), 0);
	q->sig_len = off;
}

static void make_quote(const struct quote_spec *s, struct quote *q)
{
	TPMS_ATTEST a = {
		.magic = s->magic,
		.type = s->type,
		.qualifiedSigner = { .size = 34, .name = { 0x00, 0x0b } },
		.clockInfo = { .clock = 12345, .resetCount = 1, .restartCount = 0, .safe = 1 },
		.firmwareVersion = 0x2019101600000000ull,
	};
	__u8 chain[64];
	size_t off = 0;

	randombytes_buf(q->digest, 32);
	randombytes_buf(q->before, 32);
	memcpy(chain, q->before, 32);
	memcpy(chain + 32, q->digest, 32);
	crypto_hash_sha256(q->after, chain, 64);
	a.extraData.size = (UINT16)s->nonce_len;
	memcpy(a.extraData.buffer, s->nonce, s->nonce_len);
	a.attested.quote.pcrSelect = s->sel;
	a.attested.quote.pcrDigest.size = 32;
	crypto_hash_sha256(a.attested.quote.pcrDigest.buffer, q->after, 32);
	if (s->wrong_pcr_digest)
		a.attested.quote.pcrDigest.buffer[0] ^= 1;
	cr_assert_eq(Tss2_MU_TPMS_ATTEST_Marshal(&a, q->attest, sizeof(q->attest), &off), 0);
	q->attest_len = off;
	sign(q, s->signer);
}

static struct json_object *b64(const __u8 *bin, size_t len)
{
	char s[2048];

	sodium_bin2base64(s, sizeof(s), bin, len, sodium_base64_VARIANT_ORIGINAL);
	return json_object_new_string(s);
}

static struct json_object *hex(const __u8 *bin)
{
	char s[65];

	sodium_bin2hex(s, sizeof(s), bin, 32);
	return json_object_new_string(s);
}

static __u8 ak_id[32];

static struct json_object *quote_json(const struct quote *q)
{
	struct json_object *o = json_object_new_object();
	unsigned char *der = NULL;
	int der_len = i2d_PUBKEY(ak, &der);

	cr_assert(der_len > 0);
	crypto_hash_sha256(ak_id, der, (unsigned long long)der_len);
	OPENSSL_free(der);
	json_object_object_add(o, "pcr", json_object_new_int(PCR));
	json_object_object_add(o, "pcrBank", json_object_new_string("sha256"));
	json_object_object_add(o, "pcrBefore", hex(q->before));
	json_object_object_add(o, "pcrAfter", hex(q->after));
	json_object_object_add(o, "attest", b64(q->attest, q->attest_len));
	json_object_object_add(o, "signature", b64(q->sig, q->sig_len));
	json_object_object_add(o, "akPublicSha256", hex(ak_id));
	return o;
}

/* tpm_quote_check() of O against Q's digest, the nonce and the AK. */
static int check(struct json_object *o, const struct quote *q, struct nojit_err *err)
{
	unsigned int pcr = 99;
	int r;

	memset(err, 0, sizeof(*err));
	r = tpm_quote_check(o, q->digest, nonce, sizeof(nonce), ak_pem, ak_pem_len, &pcr, err);
	if (!r)
		cr_assert_eq(pcr, PCR);
	return r;
}

/* SPEC's quote must be refused with -ERRNO and a message holding WHY. */
static void expect_refused(const struct quote_spec *spec, int errno_, const char *why)
{
	struct nojit_err err;
	struct quote q;
	struct json_object *o;

	make_quote(spec, &q);
	o = quote_json(&q);
	cr_assert_eq(check(o, &q, &err), errno_, "want %d (%s), message: %s", errno_, why, err.msg);
	cr_assert_not_null(strstr(err.msg, why), "want '%s' in: %s", why, err.msg);
	json_object_put(o);
}

/* A good quote with member NAME replaced by V must be refused with -ERRNO and WHY. */
static void expect_member_refused(const char *name, struct json_object *v, int errno_, const char *why)
{
	struct quote_spec s = good_spec();
	struct nojit_err err;
	struct quote q;
	struct json_object *o;

	make_quote(&s, &q);
	o = quote_json(&q);
	if (v)
		json_object_object_add(o, name, v);
	else
		json_object_object_del(o, name);
	cr_assert_eq(check(o, &q, &err), errno_, "%s: want %d (%s), message: %s", name, errno_, why,
		     err.msg);
	cr_assert_not_null(strstr(err.msg, why), "want '%s' in: %s", why, err.msg);
	json_object_put(o);
}

Test(tpm_quote, a_good_quote_checks)
{
	struct quote_spec s = good_spec();
	struct nojit_err err;
	struct quote q;
	struct json_object *o;

	make_quote(&s, &q);
	o = quote_json(&q);
	cr_assert_eq(check(o, &q, &err), 0, "%s", err.msg);
	/* Without the optional akPublicSha256 too. */
	json_object_object_del(o, "akPublicSha256");
	cr_assert_eq(check(o, &q, &err), 0, "%s", err.msg);
	json_object_put(o);
}

Test(tpm_quote, another_nonce_is_refused)
{
	static const __u8 old[16] = "fedcba9876543210";
	struct quote_spec s = good_spec();

	s.nonce = old;
	expect_refused(&s, -EPERM, "qualifying data is not the nonce");
	s.nonce_len = 15;	/* a prefix of the right nonce is not the nonce */
	s.nonce = nonce;
	expect_refused(&s, -EPERM, "qualifying data is not the nonce");
}

Test(tpm_quote, another_ak_is_refused)
{
	struct quote_spec s = good_spec();

	s.signer = other_ak;
	expect_refused(&s, -EKEYREJECTED, "signature does not verify with the given AK");
}

Test(tpm_quote, not_a_tpm_quote_is_refused)
{
	struct quote_spec s = good_spec();

	s.magic = 0xff544348;
	expect_refused(&s, -EPERM, "not TPM-generated");
	s = good_spec();
	s.type = TPM2_ST_ATTEST_CERTIFY;
	expect_refused(&s, -EPERM, "not a quote");
}

Test(tpm_quote, other_pcr_selections_are_refused)
{
	struct quote_spec s = good_spec();

	s.sel = one_pcr(16);			/* the JSON says 23 */
	expect_refused(&s, -EPERM, "does not cover exactly PCR 23");
	s.sel = one_pcr(PCR);
	s.sel.pcrSelections[0].pcrSelect[0] = 1;	/* 23 and 0 */
	expect_refused(&s, -EPERM, "does not cover exactly PCR 23");
	s.sel = one_pcr(PCR);
	s.sel.pcrSelections[0].hash = TPM2_ALG_SHA1;
	expect_refused(&s, -EPERM, "does not cover exactly PCR 23");
	s.sel = one_pcr(PCR);
	s.sel.count = 2;
	s.sel.pcrSelections[1] = one_pcr(PCR).pcrSelections[0];
	expect_refused(&s, -EPERM, "does not cover exactly PCR 23");
	s.sel = one_pcr(PCR);
	s.sel.pcrSelections[0].sizeofSelect = 2;	/* PCR 23 not even selectable */
	expect_refused(&s, -EPERM, "does not cover exactly PCR 23");
}

Test(tpm_quote, a_pcr_digest_that_is_not_pcr_after_is_refused)
{
	struct quote_spec s = good_spec();

	s.wrong_pcr_digest = true;
	expect_refused(&s, -EPERM, "pcrAfter is not the PCR value the TPM quoted");
}

Test(tpm_quote, the_extend_chain_must_hold)
{
	struct quote_spec s = good_spec();
	struct nojit_err err;
	struct quote q;
	struct json_object *o;
	__u8 other[32];

	make_quote(&s, &q);
	o = quote_json(&q);
	/* The statement changed: its digest is not what was extended. */
	memcpy(other, q.digest, 32);
	q.digest[31] ^= 1;
	cr_assert_eq(check(o, &q, &err), -EPERM, "%s", err.msg);
	cr_assert_not_null(strstr(err.msg, "not pcrBefore extended with the statement's digest"), "%s", err.msg);
	memcpy(q.digest, other, 32);
	/* pcrBefore swapped for another value. */
	randombytes_buf(other, 32);
	json_object_object_add(o, "pcrBefore", hex(other));
	cr_assert_eq(check(o, &q, &err), -EPERM, "%s", err.msg);
	cr_assert_not_null(strstr(err.msg, "not pcrBefore extended with the statement's digest"), "%s", err.msg);
	/* pcrAfter swapped: the quote no longer covers it. */
	json_object_object_add(o, "pcrBefore", hex(q.before));
	json_object_object_add(o, "pcrAfter", hex(other));
	cr_assert_eq(check(o, &q, &err), -EPERM, "%s", err.msg);
	cr_assert_not_null(strstr(err.msg, "pcrAfter is not the PCR value the TPM quoted"), "%s", err.msg);
	json_object_put(o);
}

Test(tpm_quote, malformed_members_are_refused)
{
	char big[2048];

	memset(big, 'A', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	expect_member_refused("pcr", NULL, -EBADMSG, "\"pcr\" is not a PCR number");
	expect_member_refused("pcr", json_object_new_int(24), -EBADMSG, "\"pcr\" is not a PCR number");
	expect_member_refused("pcr", json_object_new_int(-1), -EBADMSG, "\"pcr\" is not a PCR number");
	expect_member_refused("pcr", json_object_new_string("23"), -EBADMSG, "\"pcr\" is not a PCR number");
	expect_member_refused("pcr", json_object_new_double(23.0), -EBADMSG, "\"pcr\" is not a PCR number");
	expect_member_refused("pcrBank", json_object_new_string("sha1"), -EBADMSG, "\"pcrBank\"");
	expect_member_refused("pcrBank", NULL, -EBADMSG, "\"pcrBank\"");
	expect_member_refused("pcrBefore", json_object_new_string("00"), -EBADMSG, "\"pcrBefore\" is not 64");
	expect_member_refused("pcrBefore",
			      json_object_new_string("AB00000000000000000000000000000000000000000000000000000000000000"),
			      -EBADMSG, "\"pcrBefore\" is not 64 lowercase hex");
	expect_member_refused("pcrAfter", json_object_new_int(0), -EBADMSG, "\"pcrAfter\" is not 64");
	expect_member_refused("attest", NULL, -EBADMSG, "\"attest\" is not standard base64");
	expect_member_refused("attest", json_object_new_string(""), -EBADMSG, "\"attest\" is not standard base64");
	expect_member_refused("attest", json_object_new_string("AAA"), -EBADMSG, "\"attest\" is not standard base64");
	expect_member_refused("attest", json_object_new_string("AA-_"), -EBADMSG, "\"attest\" is not standard base64");
	expect_member_refused("attest", json_object_new_string(big), -EBADMSG, "\"attest\" is not standard base64");
	expect_member_refused("signature", json_object_new_string("AAAA"), -EBADMSG,
			      "\"signature\" is not a marshalled TPMT_SIGNATURE");
	expect_member_refused("signature", json_object_new_array(), -EBADMSG, "\"signature\" is not standard base64");
	expect_member_refused("akPublicSha256", json_object_new_string("x"), -EBADMSG,
			      "\"akPublicSha256\" is not 64");
	expect_member_refused("extra", json_object_new_int(1), -EBADMSG, "unknown member \"extra\"");
}

Test(tpm_quote, a_quote_naming_another_ak_is_refused)
{
	__u8 other[32];

	randombytes_buf(other, 32);
	expect_member_refused("akPublicSha256", hex(other), -EKEYREJECTED, "made with the AK sha256:");
}

Test(tpm_quote, not_an_object_is_refused)
{
	struct json_object *arr = json_object_new_array();
	struct nojit_err err;
	struct quote q = { 0 };

	cr_assert_eq(check(arr, &q, &err), -EBADMSG);
	cr_assert_not_null(strstr(err.msg, "not a JSON object"), "%s", err.msg);
	json_object_put(arr);
}

/* Re-encode Q's attest or signature after EDIT and expect a refusal (any, but no crash). */
static void expect_bytes_refused(bool in_attest, void (*edit)(__u8 *buf, size_t *len, size_t i), size_t i)
{
	struct quote_spec s = good_spec();
	struct nojit_err err;
	struct quote q;
	struct json_object *o;

	make_quote(&s, &q);
	if (in_attest)
		edit(q.attest, &q.attest_len, i);
	else
		edit(q.sig, &q.sig_len, i);
	o = quote_json(&q);
	if (in_attest && !q.attest_len)
		json_object_object_add(o, "attest", json_object_new_string("AAAA"));
	if (!in_attest && !q.sig_len)
		json_object_object_add(o, "signature", json_object_new_string("AAAA"));
	cr_assert_lt(check(o, &q, &err), 0, "%s byte %zu: accepted", in_attest ? "attest" : "signature", i);
	json_object_put(o);
}

static void truncate_at(__u8 *buf, size_t *len, size_t i)
{
	(void)buf;
	*len = i;
}

static void append_byte(__u8 *buf, size_t *len, size_t i)
{
	(void)i;
	buf[(*len)++] = 0;
}

static void flip_bit(__u8 *buf, size_t *len, size_t i)
{
	(void)len;
	buf[i / 8] ^= (__u8)(1u << (i % 8));
}

Test(tpm_quote, every_truncation_extension_and_bit_flip_is_refused)
{
	struct quote_spec s = good_spec();
	struct quote q;

	make_quote(&s, &q);
	for (size_t i = 0; i < q.attest_len; i++)
		expect_bytes_refused(true, truncate_at, i);
	for (size_t i = 0; i < q.sig_len; i++)
		expect_bytes_refused(false, truncate_at, i);
	expect_bytes_refused(true, append_byte, 0);
	expect_bytes_refused(false, append_byte, 0);
	for (size_t i = 0; i < 8 * q.attest_len; i++)
		expect_bytes_refused(true, flip_bit, i);
	for (size_t i = 0; i < 8 * q.sig_len; i++)
		expect_bytes_refused(false, flip_bit, i);
}

Test(tpm_quote, the_ak_must_be_a_p256_pem_public_key)
{
	struct quote_spec s = good_spec();
	struct nojit_err err;
	struct quote q;
	struct json_object *o;
	char pem[TPM_AK_PEM_MAX + 2];
	EVP_PKEY *k;
	unsigned int pcr;
	size_t len;

	make_quote(&s, &q);
	o = quote_json(&q);
#define CHECK_AK(p, l, why)                                                                          \
	do {                                                                                         \
		memset(&err, 0, sizeof(err));                                                        \
		cr_assert_eq(tpm_quote_check(o, q.digest, nonce, sizeof(nonce), (p), (l), &pcr, &err), \
			     -EKEYREJECTED, "%s", err.msg);                                            \
		cr_assert_not_null(strstr(err.msg, why), "want '%s' in: %s", why, err.msg);          \
	} while (0)
	CHECK_AK("garbage", 7, "not a PEM public key");
	CHECK_AK("", 0, "not a PEM public key");
	memset(pem, 'A', sizeof(pem));
	CHECK_AK(pem, TPM_AK_PEM_MAX + 1, "not a PEM public key of at most");
	k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
	len = pem_of(k, pem, sizeof(pem));
	EVP_PKEY_free(k);
	CHECK_AK(pem, len, "not an EC P-256 public key");
	k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	len = pem_of(k, pem, sizeof(pem));
	EVP_PKEY_free(k);
	CHECK_AK(pem, len, "not an EC P-256 public key");
	/* The right PEM, cut short. */
	CHECK_AK(ak_pem, ak_pem_len / 2, "not a PEM public key");
#undef CHECK_AK
	json_object_put(o);
}

Test(tpm_quote, the_nonce_must_fit_a_quote)
{
	struct quote_spec s = good_spec();
	struct nojit_err err;
	struct quote q;
	struct json_object *o;
	__u8 big[TPM_QUOTE_NONCE_MAX + 1] = { 0 };
	unsigned int pcr;

	make_quote(&s, &q);
	o = quote_json(&q);
	cr_assert_eq(tpm_quote_check(o, q.digest, big, sizeof(big), ak_pem, ak_pem_len, &pcr, &err),
		     -EINVAL);
	cr_assert_eq(tpm_quote_check(o, q.digest, big, 0, ak_pem, ak_pem_len, &pcr, &err), -EINVAL);
	json_object_put(o);
}
