// SPDX-License-Identifier: GPL-2.0
/*
 * Attestation: DSSE's PAE, and attest_verify() against statements signed
 * here with attest_emit(). Every refusal asserts the error, the check
 * that failed and what its message says, so a test passes only for the
 * reason it is about. Keys are made here, never committed.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "attest.h"
#include "audit_log.h"
#include "dsse.h"
#include "scratch.h"

#define NOW	1796644800000000000LL	/* 2026-12-07T12:00:00Z */
#define SEC	1000000000LL
#define NONCE	"00112233445566778899aabbccddeeff"

static struct nojit_seckey key_a, key_b;
static struct nojit_trust trust_a;
static struct attest_nonce nonce;
static __u8 manifest_sha[32], other_sha[32], bpf_sha[32];

static void setup(void)
{
	struct nojit_pubkey pub;
	struct nojit_err err;

	scratch_make("attest");
	cr_assert_eq(keys_init(), 0);
	cr_assert_eq(key_generate_for(scratch_path("a"), KEY_PURPOSE_ATTEST, &pub, &err), 0, "%s", err.msg);
	cr_assert_eq(key_generate_for(scratch_path("b"), KEY_PURPOSE_ATTEST, &pub, &err), 0, "%s", err.msg);
	cr_assert_eq(key_load_secret_for(scratch_path("a/attest.key"), KEY_PURPOSE_ATTEST, &key_a, &err), 0,
		     "%s", err.msg);
	cr_assert_eq(key_load_secret_for(scratch_path("b/attest.key"), KEY_PURPOSE_ATTEST, &key_b, &err), 0,
		     "%s", err.msg);
	cr_assert_eq(trust_load_for(scratch_path("a/attest.pub"), KEY_PURPOSE_ATTEST, &trust_a, &err), 0,
		     "%s", err.msg);
	cr_assert_eq(attest_nonce_parse(NONCE, &nonce, &err), 0, "%s", err.msg);
	crypto_hash_sha256(manifest_sha, (const __u8 *)"signed manifest bytes", 21);
	crypto_hash_sha256(other_sha, (const __u8 *)"another manifest", 16);
	crypto_hash_sha256(bpf_sha, (const __u8 *)"nojit.bpf.o", 11);
}

static void teardown(void)
{
	key_secret_wipe(&key_a);
	key_secret_wipe(&key_b);
	trust_free(&trust_a);
	scratch_remove();
}

TestSuite(attest, .init = setup, .fini = teardown);

/* ---- PAE ---------------------------------------------------------------- */

static void pae_is(const char *type, const void *body, size_t len, const char *want, size_t want_len)
{
	__u8 *pae = NULL;
	size_t pae_len = 0;

	cr_assert_eq(dsse_pae(type, body, len, &pae, &pae_len), 0);
	cr_assert_eq(pae_len, want_len, "PAE(%s) is %zu bytes, want %zu", type, pae_len, want_len);
	cr_assert_eq(memcmp(pae, want, want_len), 0, "PAE(%s) = %.*s", type, (int)pae_len, pae);
	free(pae);
}

Test(attest, pae_test_vectors)
{
	static const char big_want_head[] = "DSSEv1 28 application/vnd.in-toto+json 1000 ";
	char big[1000], big_want[sizeof(big_want_head) - 1 + sizeof(big)];

	/* The DSSE protocol document's example, counted by hand: 29 and 11 bytes. */
	pae_is("http://example.com/HelloWorld", "hello world", 11,
	       "DSSEv1 29 http://example.com/HelloWorld 11 hello world", 54);
	/* Both empty: the separators stay, lengths are "0". */
	pae_is("", "", 0, "DSSEv1 0  0 ", 12);
	/* The body is bytes, NUL and spaces included, counted not scanned. */
	pae_is(DSSE_PAYLOAD_TYPE_INTOTO, "a\0 b", 4, "DSSEv1 28 application/vnd.in-toto+json 4 a\0 b", 45);
	/* A four-digit length, no leading zeros, no padding. */
	memset(big, 'x', sizeof(big));
	memcpy(big_want, big_want_head, sizeof(big_want_head) - 1);
	memcpy(big_want + sizeof(big_want_head) - 1, big, sizeof(big));
	pae_is(DSSE_PAYLOAD_TYPE_INTOTO, big, sizeof(big), big_want, sizeof(big_want));
}

/* ---- statements and envelopes made here -------------------------------- */

struct stmt {
	const char *type;		/* NULL: ATTEST_STATEMENT_TYPE */
	const char *predicate_type;	/* NULL: ATTEST_PREDICATE_NODE */
	const char *nonce;		/* NULL: NONCE */
	__s64 time_ns;			/* 0: NOW - 10 s */
	bool no_manifest_subject, not_in_force, no_bpf_object;
	bool cgroup_gone;		/* the manifest's enrollment: "exists": false */
	const char *nested_mode;	/* a nested enrollment below it, without manifest, in this mode */
	bool bpf_not_loaded, bpf_object_unknown;
	const char *mode;		/* NULL: "enforce" */
	const __u8 *bpf;		/* NULL: bpf_sha */
};

static struct json_object *statement(const struct stmt *s)
{
	struct json_object *subjects = json_object_new_array(), *pred = json_object_new_object();
	struct json_object *enr = json_object_new_array(), *e = json_object_new_object();
	struct json_object *m = json_object_new_object(), *st;
	char t[AUDIT_TIME_LEN + 1], hex[65];

	cr_assert_eq(attest_subject_add_sha256(subjects, ATTEST_SUBJECT_NOJIT, "nojit", other_sha), 0);
	if (!s->no_manifest_subject)
		cr_assert_eq(attest_subject_add_sha256(subjects, ATTEST_SUBJECT_MANIFEST, "web", manifest_sha), 0);
	if (!s->no_bpf_object)
		cr_assert_eq(attest_subject_add_sha256(subjects, ATTEST_SUBJECT_BPF_OBJECT, "nojit.bpf.o",
						       s->bpf ? s->bpf : bpf_sha), 0);
	cr_assert_eq(attest_subject_add(subjects, ATTEST_SUBJECT_BPF_PROGRAM, "mmap_file", "bpfTag",
					"0123456789abcdef"), 0);
	audit_time_format((__u64)(s->time_ns ? s->time_ns : NOW - 10 * SEC), t);
	json_object_object_add(pred, "time", json_object_new_string(t));
	json_object_object_add(pred, "nonce", json_object_new_string(s->nonce ? s->nonce : NONCE));
	hex_encode(s->not_in_force ? other_sha : manifest_sha, 32, hex);
	json_object_object_add(m, "name", json_object_new_string("web"));
	json_object_object_add(m, "serial", json_object_new_int(7));
	json_object_object_add(m, "sha256", json_object_new_string(hex));
	json_object_object_add(e, "cgroupPath", json_object_new_string("/sys/fs/cgroup/pods/web"));
	json_object_object_add(e, "exists", json_object_new_boolean(!s->cgroup_gone));
	json_object_object_add(e, "mode", json_object_new_string(s->mode ? s->mode : "enforce"));
	json_object_object_add(e, "manifest", m);
	json_object_array_add(enr, e);
	/* An enrollment without a manifest (audit mode, no hash gate). */
	e = json_object_new_object();
	json_object_object_add(e, "cgroupPath", json_object_new_string("/sys/fs/cgroup/batch"));
	json_object_object_add(e, "exists", json_object_new_boolean(true));
	json_object_object_add(e, "mode", json_object_new_string("audit"));
	json_object_object_add(e, "manifest", NULL);
	json_object_array_add(enr, e);
	if (s->nested_mode) {
		e = json_object_new_object();
		json_object_object_add(e, "cgroupPath", json_object_new_string("/sys/fs/cgroup/pods/web/tenant"));
		json_object_object_add(e, "exists", json_object_new_boolean(true));
		json_object_object_add(e, "mode", json_object_new_string(s->nested_mode));
		json_object_object_add(e, "manifest", NULL);
		json_object_array_add(enr, e);
	}
	json_object_object_add(pred, "enrollments", enr);
	e = json_object_new_object();
	json_object_object_add(e, "loaded", json_object_new_boolean(!s->bpf_not_loaded));
	hex_encode(bpf_sha, 32, hex);
	json_object_object_add(e, "objectSha256", s->bpf_object_unknown ? NULL : json_object_new_string(hex));
	json_object_object_add(e, "objectUnknownReason", s->bpf_object_unknown ?
			       json_object_new_string("no nojit_meta record") : NULL);
	json_object_object_add(pred, "bpf", e);
	st = attest_statement_new(s->predicate_type ? s->predicate_type : ATTEST_PREDICATE_NODE, subjects,
				  pred);
	cr_assert_not_null(st);
	if (s->type)
		json_object_object_add(st, "_type", json_object_new_string(s->type));
	return st;
}

static char *read_all(const char *path, size_t *ret_len)
{
	char *buf = NULL;
	size_t len = 0;

	cr_assert_eq(read_file_max(AT_FDCWD, path, DSSE_ENVELOPE_MAX, &buf, &len), 0, "%s", path);
	*ret_len = len;
	return buf;
}

/* attest_emit() of S by K: the envelope file's text; *RET_DIGEST the payload's SHA-256. */
static char *emit(const struct nojit_seckey *k, const struct stmt *s, size_t *ret_len, __u8 *ret_digest)
{
	struct attest_emit_opts o = { .out = scratch_path("env.json"), .nonce = &nonce };
	struct json_object *st = statement(s);
	struct nojit_err err;

	cr_assert_eq(attest_emit(k, st, &o, ret_digest, &err), 0, "%s", err.msg);
	json_object_put(st);
	return read_all(o.out, ret_len);
}

/* A DSSE envelope of PAYLOAD as TYPE, signed by K, as text. */
static char *sign_raw(const struct nojit_seckey *k, const char *type, const char *payload, size_t *ret_len)
{
	struct json_object *env = NULL;
	struct nojit_err err;
	char *s;

	cr_assert_eq(dsse_sign(k, type, payload, strlen(payload), &env, &err), 0, "%s", err.msg);
	s = strdup(json_object_to_json_string_ext(env, JSON_C_TO_STRING_PLAIN));
	json_object_put(env);
	*ret_len = strlen(s);
	return s;
}

static struct attest_expect expect(void)
{
	return (struct attest_expect){ .nonce = &nonce, .now_ns = NOW };
}

/* attest_verify() must refuse: with WANT_R, at check WANT_CHECK, saying WANT_MSG. */
static void refused(const char *env, size_t len, const struct nojit_trust *t, const struct attest_expect *x,
		    int want_r, enum attest_check want_check, const char *want_msg)
{
	struct attest_verified v = {};
	enum attest_check failed = 0;
	struct nojit_err err = {};
	char prefix[32];
	int r;

	r = attest_verify(env, len, t, x, &v, &failed, &err);
	cr_log_info("%s", err.msg);
	cr_assert_eq(r, want_r, "returned %d (%s), want %d: %s", r, strerror(-r), want_r, err.msg);
	cr_assert_eq(failed, want_check, "failed check %s, want %s: %s", attest_check_name(failed),
		     attest_check_name(want_check), err.msg);
	snprintf(prefix, sizeof(prefix), "%s: ", attest_check_name(want_check));
	cr_assert_eq(strncmp(err.msg, prefix, strlen(prefix)), 0, "the message names the check: %s", err.msg);
	cr_assert_not_null(strstr(err.msg, want_msg), "'%s' does not say '%s'", err.msg, want_msg);
	cr_assert_null(v.statement, "nothing handed out on refusal");
}

static void verified(const char *env, size_t len, const struct nojit_trust *t, const struct attest_expect *x,
		     struct attest_verified *v)
{
	enum attest_check failed = 0;
	struct nojit_err err = {};

	cr_assert_eq(attest_verify(env, len, t, x, v, &failed, &err), 0, "refused at %s: %s",
		     attest_check_name(failed), err.msg);
}

/* ---- the round trip ------------------------------------------------------ */

/*
 * Strings from the host carry bytes others chose (a file named "x\xff" by
 * a workload, a name cut inside a character): emitted as U+FFFD, so the
 * statement still verifies, never signed raw (which no strict reader takes).
 */
Test(attest, bytes_that_are_not_utf8_are_replaced_before_signing)
{
	struct attest_emit_opts o = { .out = scratch_path("env.json"), .nonce = &nonce };
	struct json_object *st = statement(&(struct stmt){}), *pred, *f;
	struct attest_expect x = expect();
	struct attest_verified v = {};
	struct nojit_err err;
	size_t len;
	char *env;

	cr_assert(json_object_object_get_ex(st, "predicate", &pred));
	json_object_object_add(pred, "scan", f = json_object_new_object());
	json_object_object_add(f, "file", json_object_new_string("/tmp/x\xff"));
	json_object_object_add(f, "cut", json_object_new_string("euro \xe2\x82"));
	json_object_object_add(f, "surrogate", json_object_new_string("\xed\xa0\x80"));
	json_object_object_add(f, "fine", json_object_new_string("caf\xc3\xa9 \xe2\x82\xac"));
	cr_assert_eq(attest_emit(&key_a, st, &o, NULL, &err), 0, "%s", err.msg);
	json_object_put(st);
	env = read_all(o.out, &len);
	verified(env, len, &trust_a, &x, &v);
	cr_assert(json_object_object_get_ex(v.statement, "predicate", &pred));
	cr_assert(json_object_object_get_ex(pred, "scan", &f));
#define FIELD(name) json_object_get_string(json_object_object_get(f, name))
	cr_assert_str_eq(FIELD("file"), "/tmp/x\xef\xbf\xbd");
	cr_assert_str_eq(FIELD("cut"), "euro \xef\xbf\xbd\xef\xbf\xbd");
	cr_assert_str_eq(FIELD("surrogate"), "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	cr_assert_str_eq(FIELD("fine"), "caf\xc3\xa9 \xe2\x82\xac");
#undef FIELD
	attest_verified_free(&v);
	free(env);
}


Test(attest, emit_then_verify_round_trip)
{
	struct attest_expect x = expect();
	struct attest_verified v = {};
	struct json_object *subj;
	__u8 digest[32];
	size_t len;
	char *env = emit(&key_a, &(struct stmt){}, &len, digest);

	x.manifests = &manifest_sha;
	x.n_manifests = 1;
	x.has_bpf_object = true;
	memcpy(x.bpf_object, bpf_sha, 32);
	verified(env, len, &trust_a, &x, &v);
	cr_assert_str_eq(v.signer, key_a.pub.id);
	cr_assert_str_eq(v.predicate_type, ATTEST_PREDICATE_NODE);
	cr_assert_eq(memcmp(v.digest, digest, 32), 0, "the digest is the emitted payload's");
	cr_assert_eq(v.time_ns, NOW - 10 * SEC);
	cr_assert_not(v.tpm_checked);
	cr_assert(json_object_object_get_ex(v.statement, "subject", &subj));
	cr_assert_eq(json_object_array_length(subj), 4);
	attest_verified_free(&v);
	attest_verified_free(&v);	/* a destructor twice, or on NULL, is harmless */
	attest_verified_free(NULL);
	free(env);
}

Test(attest, envelope_is_one_line_of_standard_dsse)
{
	struct json_object *env_o, *sigs, *o;
	size_t len;
	char *env = emit(&key_a, &(struct stmt){}, &len, NULL);

	cr_assert_eq(env[len - 1], '\n');
	cr_assert_null(memchr(env, '\n', len - 1), "one line");
	env_o = json_tokener_parse(env);
	cr_assert_not_null(env_o);
	cr_assert(json_object_object_get_ex(env_o, "payloadType", &o));
	cr_assert_str_eq(json_object_get_string(o), "application/vnd.in-toto+json");
	cr_assert(json_object_object_get_ex(env_o, "signatures", &sigs));
	cr_assert_eq(json_object_array_length(sigs), 1);
	cr_assert(json_object_object_get_ex(json_object_array_get_idx(sigs, 0), "keyid", &o));
	cr_assert_str_eq(json_object_get_string(o), key_a.pub.id);
	json_object_put(env_o);
	free(env);
}

Test(attest, trust_directory_and_both_predicate_types)
{
	struct attest_expect x = expect();
	struct attest_verified v = {};
	struct nojit_trust both = {};
	struct nojit_err err;
	size_t len;
	char *env;

	/* A trust directory holding the other key first: every key is tried. */
	cr_assert_eq(mkdir(scratch_path("trust"), 0755), 0);
	cr_assert_eq(link(scratch_path("b/attest.pub"), scratch_path("trust/0-b.pub")), 0);
	cr_assert_eq(link(scratch_path("a/attest.pub"), scratch_path("trust/1-a.pub")), 0);
	cr_assert_eq(trust_load_for(scratch_path("trust"), KEY_PURPOSE_ATTEST, &both, &err), 0, "%s", err.msg);
	cr_assert_eq(both.n_keys, 2);

	env = emit(&key_a, &(struct stmt){ .predicate_type = ATTEST_PREDICATE_VK_RUN }, &len, NULL);
	verified(env, len, &both, &x, &v);
	cr_assert_str_eq(v.signer, key_a.pub.id);
	cr_assert_str_eq(v.predicate_type, ATTEST_PREDICATE_VK_RUN);
	attest_verified_free(&v);
	/* Asking for the node's predicate refuses a vkernel run's statement. */
	x.predicate_type = ATTEST_PREDICATE_NODE;
	refused(env, len, &both, &x, -EPROTONOSUPPORT, ATTEST_CHECK_STATEMENT,
		"predicateType '" ATTEST_PREDICATE_VK_RUN "' is not " ATTEST_PREDICATE_NODE);
	free(env);
	trust_free(&both);
}

/* ---- refusals: the envelope ---------------------------------------------- */

/* ENV with its payload's byte at OFF (of the decoded payload) or its signature's XORed with 1. */
static char *tamper(const char *env, bool in_signature, size_t off, size_t *ret_len)
{
	struct json_object *o = json_tokener_parse(env), *f, *holder;
	const char *name = in_signature ? "sig" : "payload";
	__u8 bin[8192];
	char b64[sodium_base64_ENCODED_LEN(sizeof(bin), sodium_base64_VARIANT_ORIGINAL)];
	size_t n;
	char *s;

	cr_assert_not_null(o);
	holder = o;
	if (in_signature) {
		cr_assert(json_object_object_get_ex(o, "signatures", &f));
		holder = json_object_array_get_idx(f, 0);
	}
	cr_assert(json_object_object_get_ex(holder, name, &f));
	cr_assert_eq(sodium_base642bin(bin, sizeof(bin), json_object_get_string(f), json_object_get_string_len(f),
				       NULL, &n, NULL, sodium_base64_VARIANT_ORIGINAL), 0);
	cr_assert_lt(off, n);
	bin[off] ^= 1;
	sodium_bin2base64(b64, sizeof(b64), bin, n, sodium_base64_VARIANT_ORIGINAL);
	json_object_object_add(holder, name, json_object_new_string(b64));
	s = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	*ret_len = strlen(s);
	return s;
}

Test(attest, changed_byte_in_payload)
{
	struct attest_expect x = expect();
	size_t len, tlen;
	char *env = emit(&key_a, &(struct stmt){}, &len, NULL);
	char *bad = tamper(env, false, 100, &tlen);

	refused(bad, tlen, &trust_a, &x, -EKEYREJECTED, ATTEST_CHECK_SIGNATURE,
		"no signature verifies with a trusted key");
	free(bad);
	/* The first byte too: the signature covers the whole payload. */
	bad = tamper(env, false, 0, &tlen);
	refused(bad, tlen, &trust_a, &x, -EKEYREJECTED, ATTEST_CHECK_SIGNATURE, key_a.pub.id);
	free(bad);
	free(env);
}

Test(attest, changed_byte_in_signature)
{
	struct attest_expect x = expect();
	size_t len, tlen;
	char *env = emit(&key_a, &(struct stmt){}, &len, NULL);
	char *bad = tamper(env, true, 10, &tlen);

	refused(bad, tlen, &trust_a, &x, -EKEYREJECTED, ATTEST_CHECK_SIGNATURE,
		"no signature verifies with a trusted key");
	free(bad);
	bad = tamper(env, true, NOJIT_SIG_LEN - 1, &tlen);
	refused(bad, tlen, &trust_a, &x, -EKEYREJECTED, ATTEST_CHECK_SIGNATURE,
		"no signature verifies with a trusted key");
	free(bad);
	free(env);
}

Test(attest, signed_by_another_key)
{
	struct attest_expect x = expect();
	size_t len;
	/* Also a wrong nonce: only the first failed check is named. */
	char *env = emit(&key_b, &(struct stmt){ .nonce = "ffeeddccbbaa99887766554433221100" }, &len, NULL);

	refused(env, len, &trust_a, &x, -EKEYREJECTED, ATTEST_CHECK_SIGNATURE, key_b.pub.id);
	free(env);
}

Test(attest, malformed_envelopes)
{
	static const char dup[] =
		"{\"payloadType\":\"application/vnd.in-toto+json\",\"payload\":\"e30=\","
		"\"payload\":\"e30=\",\"signatures\":[{\"sig\":\"AAAA\"}]}";
	static const char not_b64[] =
		"{\"payloadType\":\"application/vnd.in-toto+json\",\"payload\":\"e30*\","
		"\"signatures\":[{\"sig\":\"AAAA\"}]}";
	static const char no_sigs[] =
		"{\"payloadType\":\"application/vnd.in-toto+json\",\"payload\":\"e30=\",\"signatures\":[]}";
	static const char no_type[] = "{\"payload\":\"e30=\",\"signatures\":[{\"sig\":\"AAAA\"}]}";
	struct attest_expect x = expect();
	char *huge, *wrong_type;
	size_t len;

	refused("hello", 5, &trust_a, &x, -EBADMSG, ATTEST_CHECK_ENVELOPE, "malformed");
	refused("[1]", 3, &trust_a, &x, -EBADMSG, ATTEST_CHECK_ENVELOPE, "not a JSON object");
	refused("", 0, &trust_a, &x, -EBADMSG, ATTEST_CHECK_ENVELOPE, "");
	refused(dup, strlen(dup), &trust_a, &x, -EBADMSG, ATTEST_CHECK_ENVELOPE, "repeats a member name");
	/* Not JSON numbers, though json-c reads them: another reader would see another document. */
	for (size_t i = 0; i < 3; i++) {
		static const char *const nonfinite[] = { "NaN", "-Infinity", "1e999" };
		char buf[256];

		snprintf(buf, sizeof(buf), "{\"x\":%s,\"payloadType\":\"application/vnd.in-toto+json\","
			 "\"payload\":\"e30=\",\"signatures\":[{\"sig\":\"AAAA\"}]}", nonfinite[i]);
		refused(buf, strlen(buf), &trust_a, &x, -EBADMSG, ATTEST_CHECK_ENVELOPE, "not finite");
	}
	refused(not_b64, strlen(not_b64), &trust_a, &x, -EBADMSG, ATTEST_CHECK_ENVELOPE,
		"\"payload\" is not standard base64");
	refused(no_sigs, strlen(no_sigs), &trust_a, &x, -EBADMSG, ATTEST_CHECK_ENVELOPE,
		"\"signatures\" is empty");
	refused(no_type, strlen(no_type), &trust_a, &x, -EBADMSG, ATTEST_CHECK_ENVELOPE,
		"\"payloadType\" missing");

	/* Signed by the trusted key, but not an in-toto payload: still the envelope's fault. */
	wrong_type = sign_raw(&key_a, "text/plain", "{}", &len);
	refused(wrong_type, len, &trust_a, &x, -EBADMSG, ATTEST_CHECK_ENVELOPE,
		"payloadType 'text/plain' is not application/vnd.in-toto+json");
	free(wrong_type);

	/* Over the limit: refused by its length, unread. */
	huge = malloc(DSSE_ENVELOPE_MAX + 1);
	cr_assert_not_null(huge);
	memset(huge, ' ', DSSE_ENVELOPE_MAX + 1);
	refused(huge, DSSE_ENVELOPE_MAX + 1, &trust_a, &x, -EFBIG, ATTEST_CHECK_ENVELOPE, "too large");
	free(huge);
}

/*
 * Small text, a huge tree: "[{},{},...]" costs json-c a few hundred bytes
 * a value. Refused by counting before anything is built: unsigned in the
 * envelope, and signed in the payload (the node being checked holds the key).
 */
Test(attest, value_bombs_refused_before_parsing)
{
	struct attest_expect x = expect();
	const size_t n_env = 2000, n_payload = (1u << 19) + 1;
	size_t len, blen;
	char *env = emit(&key_a, &(struct stmt){}, &len, NULL), *bomb;

	cr_assert_eq(env[0], '{');
	blen = len + 16 + 3 * n_env;
	bomb = malloc(blen + 1);
	cr_assert_not_null(bomb);
	memcpy(bomb, "{\"x\":[", 6);
	for (size_t i = 0; i < n_env; i++)
		memcpy(bomb + 6 + 3 * i, "{},", 3);
	memcpy(bomb + 6 + 3 * n_env - 1, "],", 2);
	memcpy(bomb + 6 + 3 * n_env + 1, env + 1, len - 1);
	blen = 6 + 3 * n_env + len;
	refused(bomb, blen, &trust_a, &x, -EBADMSG, ATTEST_CHECK_ENVELOPE, "more than 1024 values");
	free(bomb);
	free(env);

	bomb = malloc(2 * n_payload + 2);
	cr_assert_not_null(bomb);
	bomb[0] = '[';
	for (size_t i = 0; i < n_payload; i++)
		memcpy(bomb + 1 + 2 * i, "0,", 2);
	bomb[2 * n_payload] = ']';
	bomb[2 * n_payload + 1] = '\0';
	env = sign_raw(&key_a, DSSE_PAYLOAD_TYPE_INTOTO, bomb, &len);
	refused(env, len, &trust_a, &x, -EBADMSG, ATTEST_CHECK_STATEMENT, "more than 524288 values");
	free(env);
	free(bomb);
}

/* ---- refusals: the statement --------------------------------------------- */

Test(attest, signed_payloads_that_are_not_our_statements)
{
	struct attest_expect x = expect();
	size_t len;
	char *env;

	env = emit(&key_a, &(struct stmt){ .type = "https://in-toto.io/Statement/v0.1" }, &len, NULL);
	refused(env, len, &trust_a, &x, -EBADMSG, ATTEST_CHECK_STATEMENT,
		"\"_type\" is 'https://in-toto.io/Statement/v0.1', not https://in-toto.io/Statement/v1");
	free(env);

	env = emit(&key_a, &(struct stmt){ .predicate_type = "https://slsa.dev/provenance/v1" }, &len, NULL);
	refused(env, len, &trust_a, &x, -EPROTONOSUPPORT, ATTEST_CHECK_STATEMENT,
		"predicateType 'https://slsa.dev/provenance/v1' is not");
	free(env);

	env = sign_raw(&key_a, DSSE_PAYLOAD_TYPE_INTOTO, "not json", &len);
	refused(env, len, &trust_a, &x, -EBADMSG, ATTEST_CHECK_STATEMENT, "not strict JSON");
	free(env);

	/* json-c would keep the second "_type"; a signed duplicate is still refused. */
	env = sign_raw(&key_a, DSSE_PAYLOAD_TYPE_INTOTO,
		       "{\"_type\":\"x\",\"_type\":\"https://in-toto.io/Statement/v1\"}", &len);
	refused(env, len, &trust_a, &x, -EBADMSG, ATTEST_CHECK_STATEMENT, "not strict JSON");
	free(env);

	env = sign_raw(&key_a, DSSE_PAYLOAD_TYPE_INTOTO,
		       "{\"_type\":\"https://in-toto.io/Statement/v1\",\"predicateType\":\""
		       ATTEST_PREDICATE_NODE "\",\"subject\":[],\"predicate\":{}}", &len);
	refused(env, len, &trust_a, &x, -EBADMSG, ATTEST_CHECK_STATEMENT, "\"subject\" is empty");
	free(env);
}

/* A signed node statement with SUBJECTS (JSON text) and a good predicate. */
static char *with_subjects(const char *subjects, size_t *ret_len)
{
	char t[AUDIT_TIME_LEN + 1], payload[2048];

	audit_time_format(NOW, t);
	snprintf(payload, sizeof(payload),
		 "{\"_type\":\"https://in-toto.io/Statement/v1\",\"subject\":%s,\"predicateType\":\""
		 ATTEST_PREDICATE_NODE "\",\"predicate\":{\"time\":\"%s\",\"nonce\":\"" NONCE "\"}}",
		 subjects, t);
	return sign_raw(&key_a, DSSE_PAYLOAD_TYPE_INTOTO, payload, ret_len);
}

Test(attest, malformed_subjects)
{
	static const struct {
		const char *subjects, *says;
	} cases[] = {
		{ "{}", "\"subject\" missing or not an array" },
		{ "[1]", "subject[0] is not an object" },
		{ "[{\"digest\":{\"sha256\":\"00\"}}]", "subject[0] has no \"name\"" },
		{ "[{\"name\":\"nojit:x\"}]", "'nojit:x' has no \"digest\"" },
		{ "[{\"name\":\"nojit:x\",\"digest\":{}}]", "'nojit:x' has no \"digest\"" },
		{ "[{\"name\":\"nojit:x\",\"digest\":{\"sha256\":\"abcd\"}}]", "64 lowercase hex" },
		{ "[{\"name\":\"nojit:x\",\"digest\":{\"sha256\":"
		  "\"ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef0123456789\"}}]", "64 lowercase hex" },
		{ "[{\"name\":\"bpf-program:p\",\"digest\":{\"bpfTag\":7}}]", "is not lowercase hex" },
	};
	struct attest_expect x = expect();

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		size_t len;
		char *env = with_subjects(cases[i].subjects, &len);

		refused(env, len, &trust_a, &x, -EBADMSG, ATTEST_CHECK_STATEMENT, cases[i].says);
		free(env);
	}
}

Test(attest, malformed_predicate)
{
	static const char *const preds[][2] = {
		{ "[]", "\"predicate\" missing or not an object" },
		{ "{\"time\":\"2026-12-07T12:00:00.000000000Z\"}", "\"nonce\" missing" },
		{ "{\"nonce\":\"" NONCE "\",\"time\":\"2026-12-07T12:00:00Z\"}", "\"time\" is not a UTC time" },
		{ "{\"nonce\":\"" NONCE "\",\"time\":\"9999-12-31T23:59:59.999999999Z\"}", "\"time\" is not a UTC time" },
		{ "{\"nonce\":\"" NONCE "\",\"time\":1796644800}", "\"time\" is not a UTC time" },
	};
	struct attest_expect x = expect();

	for (size_t i = 0; i < ARRAY_SIZE(preds); i++) {
		char payload[1024];
		size_t len;
		char *env;

		snprintf(payload, sizeof(payload),
			 "{\"_type\":\"https://in-toto.io/Statement/v1\",\"subject\":[{\"name\":\"nojit:n\","
			 "\"digest\":{\"sha256\":\"%064d\"}}],\"predicateType\":\"" ATTEST_PREDICATE_NODE
			 "\",\"predicate\":%s}", 0, preds[i][0]);
		env = sign_raw(&key_a, DSSE_PAYLOAD_TYPE_INTOTO, payload, &len);
		refused(env, len, &trust_a, &x, -EBADMSG, ATTEST_CHECK_STATEMENT, preds[i][1]);
		free(env);
	}
}

Test(attest, two_versions_of_a_manifest_in_force)
{
	char subjects[512], old[65], new[65];
	struct attest_expect x = expect();
	struct attest_verified v = {};
	size_t len;
	char *env;

	/* Subjects only: enrollments are not in this predicate, so ask for no manifest. */
	hex_encode(other_sha, 32, old);
	hex_encode(manifest_sha, 32, new);
	snprintf(subjects, sizeof(subjects),
		 "[{\"name\":\"manifest:web\",\"digest\":{\"sha256\":\"%s\"}},"
		 "{\"name\":\"manifest:web\",\"digest\":{\"sha256\":\"%s\"}}]", old, new);
	env = with_subjects(subjects, &len);
	verified(env, len, &trust_a, &x, &v);
	attest_verified_free(&v);
	/* The in-force rule still applies to each: this predicate lists no enrollment and no loaded policy. */
	x.manifests = &manifest_sha;
	x.n_manifests = 1;
	refused(env, len, &trust_a, &x, -ENOENT, ATTEST_CHECK_MANIFEST, "no manifest is in force");
	free(env);
}

/* ---- refusals: nonce, freshness, expectations ---------------------------- */

Test(attest, replayed_with_another_nonce)
{
	struct attest_expect x = expect();
	size_t len;
	/* Also stale: the nonce is checked first. */
	char *env = emit(&key_a, &(struct stmt){ .nonce = "ffeeddccbbaa99887766554433221100",
						 .time_ns = NOW - 3600 * SEC }, &len, NULL);

	refused(env, len, &trust_a, &x, -ESTALE, ATTEST_CHECK_NONCE,
		"answers nonce 'ffeeddccbbaa99887766554433221100', not ours (" NONCE ")");
	free(env);
	/* The nonce is compared as written: upper case is another statement. */
	env = emit(&key_a, &(struct stmt){ .nonce = "00112233445566778899AABBCCDDEEFF" }, &len, NULL);
	refused(env, len, &trust_a, &x, -ESTALE, ATTEST_CHECK_NONCE, "replayed");
	free(env);
}

Test(attest, stale)
{
	struct attest_expect x = expect();
	struct attest_verified v = {};
	size_t len;
	char *env = emit(&key_a, &(struct stmt){ .time_ns = NOW - (ATTEST_MAX_AGE_DEFAULT + 1) * SEC }, &len, NULL);

	refused(env, len, &trust_a, &x, -ETIME, ATTEST_CHECK_FRESHNESS, "301 s ago: older than the 300 s allowed");
	/* The same statement within a longer --max-age, or a moment earlier, is fresh. */
	x.max_age_s = ATTEST_MAX_AGE_DEFAULT + 2;
	verified(env, len, &trust_a, &x, &v);
	attest_verified_free(&v);
	x = expect();
	x.now_ns = NOW - 2 * SEC;
	verified(env, len, &trust_a, &x, &v);
	attest_verified_free(&v);
	free(env);
}

Test(attest, from_the_future)
{
	struct attest_expect x = expect();
	struct attest_verified v = {};
	size_t len;
	char *env = emit(&key_a, &(struct stmt){ .time_ns = NOW + (ATTEST_CLOCK_SKEW + 1) * SEC }, &len, NULL);

	refused(env, len, &trust_a, &x, -ETIME, ATTEST_CHECK_FRESHNESS, "61 s in the future");
	free(env);
	/* Within the allowed skew it verifies. */
	env = emit(&key_a, &(struct stmt){ .time_ns = NOW + (ATTEST_CLOCK_SKEW - 1) * SEC }, &len, NULL);
	verified(env, len, &trust_a, &x, &v);
	attest_verified_free(&v);
	free(env);
}

Test(attest, expected_manifest_not_attested_or_not_in_force)
{
	struct attest_expect x = expect();
	__u8 two[2][32];
	size_t len;
	char *env;

	x.manifests = &other_sha;
	x.n_manifests = 1;
	env = emit(&key_a, &(struct stmt){}, &len, NULL);
	refused(env, len, &trust_a, &x, -ENOENT, ATTEST_CHECK_MANIFEST, "the expected manifest is not attested");
	/* The first manifest holds, the second does not: still refused. */
	memcpy(two[0], manifest_sha, 32);
	memcpy(two[1], other_sha, 32);
	x.manifests = (const __u8 (*)[32])two;
	x.n_manifests = 2;
	refused(env, len, &trust_a, &x, -ENOENT, ATTEST_CHECK_MANIFEST, "is not attested");
	free(env);

	/* A subject, but no enrollment has it in force (swapped out since). */
	x.manifests = &manifest_sha;
	x.n_manifests = 1;
	env = emit(&key_a, &(struct stmt){ .not_in_force = true }, &len, NULL);
	refused(env, len, &trust_a, &x, -ENOENT, ATTEST_CHECK_MANIFEST,
		"subject manifest:web (sha256 ");
	free(env);
	/* Recorded, but not denying anything: its cgroup is gone, or it only audits. */
	env = emit(&key_a, &(struct stmt){ .cgroup_gone = true }, &len, NULL);
	refused(env, len, &trust_a, &x, -ENOENT, ATTEST_CHECK_MANIFEST,
		"its cgroup /sys/fs/cgroup/pods/web no longer exists");
	free(env);
	env = emit(&key_a, &(struct stmt){ .mode = "audit" }, &len, NULL);
	refused(env, len, &trust_a, &x, -ENOENT, ATTEST_CHECK_MANIFEST,
		"runs it in audit mode, which denies nothing");
	free(env);
	/* A nested enrollment takes part of the subtree elsewhere, in either mode. */
	env = emit(&key_a, &(struct stmt){ .nested_mode = "audit" }, &len, NULL);
	refused(env, len, &trust_a, &x, -ENOENT, ATTEST_CHECK_MANIFEST,
		"/sys/fs/cgroup/pods/web/tenant below /sys/fs/cgroup/pods/web is enrolled on its own (audit mode, no manifest)");
	free(env);
	env = emit(&key_a, &(struct stmt){ .nested_mode = "enforce" }, &len, NULL);
	refused(env, len, &trust_a, &x, -ENOENT, ATTEST_CHECK_MANIFEST, "does not govern all of");
	free(env);
	/* No programs, or programs from an object nobody can name: nothing enforces it. */
	env = emit(&key_a, &(struct stmt){ .bpf_not_loaded = true }, &len, NULL);
	refused(env, len, &trust_a, &x, -ENOENT, ATTEST_CHECK_MANIFEST, "no BPF policy is loaded");
	free(env);
	env = emit(&key_a, &(struct stmt){ .bpf_object_unknown = true }, &len, NULL);
	refused(env, len, &trust_a, &x, -ENOENT, ATTEST_CHECK_MANIFEST,
		"cannot name the BPF object its programs came from (no nojit_meta record)");
	free(env);
	/* In force in the cgroup named, by its path or its tail; not in another one. */
	env = emit(&key_a, &(struct stmt){}, &len, NULL);
	{
		struct attest_verified v = {};
		const char *in_web[] = { "/sys/fs/cgroup/pods/web" }, *tail[] = { "pods/web" };
		const char *other[] = { "batch" }, *partial[] = { "eb" };

		x.manifest_cgroups = in_web;
		verified(env, len, &trust_a, &x, &v);
		attest_verified_free(&v);
		x.manifest_cgroups = tail;
		verified(env, len, &trust_a, &x, &v);
		attest_verified_free(&v);
		x.manifest_cgroups = other;
		refused(env, len, &trust_a, &x, -ENOENT, ATTEST_CHECK_MANIFEST,
			"it is in /sys/fs/cgroup/pods/web, not in cgroup batch");
		x.manifest_cgroups = partial;
		refused(env, len, &trust_a, &x, -ENOENT, ATTEST_CHECK_MANIFEST, "not in cgroup eb");
		x.manifest_cgroups = NULL;
	}
	free(env);
	/* In force, but not a subject. */
	env = emit(&key_a, &(struct stmt){ .no_manifest_subject = true }, &len, NULL);
	refused(env, len, &trust_a, &x, -ENOENT, ATTEST_CHECK_MANIFEST, "not attested");
	free(env);
}

Test(attest, expected_bpf_object)
{
	struct attest_expect x = expect();
	char hex[65];
	size_t len;
	char *env;

	x.has_bpf_object = true;
	memcpy(x.bpf_object, bpf_sha, 32);
	env = emit(&key_a, &(struct stmt){ .bpf = other_sha }, &len, NULL);
	hex_encode(other_sha, 32, hex);
	refused(env, len, &trust_a, &x, -ENOENT, ATTEST_CHECK_BPF_OBJECT, hex);
	free(env);
	env = emit(&key_a, &(struct stmt){ .no_bpf_object = true }, &len, NULL);
	refused(env, len, &trust_a, &x, -ENOENT, ATTEST_CHECK_BPF_OBJECT, "attests no loaded BPF object");
	free(env);
	/* The expected object and another one: the other one is not what was expected. */
	{
		char subjects[512], want[65];

		hex_encode(bpf_sha, 32, want);
		snprintf(subjects, sizeof(subjects),
			 "[{\"name\":\"bpf-object:nojit.bpf.o\",\"digest\":{\"sha256\":\"%s\"}},"
			 "{\"name\":\"bpf-object:old.bpf.o\",\"digest\":{\"sha256\":\"%s\"}}]", want, hex);
		env = with_subjects(subjects, &len);
		refused(env, len, &trust_a, &x, -ENOENT, ATTEST_CHECK_BPF_OBJECT, "bpf-object:old.bpf.o has sha256");
		free(env);
	}
}

Test(attest, a_tpm_quote_asked_for_must_be_there_and_check)
{
	struct attest_expect x = expect();
	size_t len;
	char *env = emit(&key_a, &(struct stmt){}, &len, NULL);
	struct json_object *root;
	const char *text;
	char *forged;

	x.tpm_ak_pem = "-----BEGIN PUBLIC KEY-----\n";
	x.tpm_ak_pem_len = strlen(x.tpm_ak_pem);
	refused(env, len, &trust_a, &x, -ENOENT, ATTEST_CHECK_TPM, "no tpmQuote member");
	/* The member is outside the DSSE signature: anyone can add one, the check must refuse it. */
	root = json_tokener_parse(env);
	cr_assert_not_null(root);
	json_object_object_add(root, "tpmQuote", json_object_new_string("trust me"));
	text = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN);
	forged = strdup(text);
	refused(forged, strlen(forged), &trust_a, &x, -EBADMSG, ATTEST_CHECK_TPM, "tpmQuote: not a JSON object");
	free(forged);
	json_object_put(root);
	free(env);
}

Test(attest, invalid_expectations)
{
	struct attest_expect x = expect();
	size_t len;
	char *env = emit(&key_a, &(struct stmt){}, &len, NULL);

	x.nonce = NULL;
	refused(env, len, &trust_a, &x, -EINVAL, ATTEST_CHECK_CALL, "need a nonce");
	x = expect();
	x.max_age_s = -1;
	refused(env, len, &trust_a, &x, -EINVAL, ATTEST_CHECK_CALL, "max age");
	free(env);
}

/* ---- nonces ---------------------------------------------------------------- */

Test(attest, nonce_parse)
{
	static const char *const bad[][2] = {
		{ "00112233445566", "need an even number of hex digits, 16 to 128" },	/* 7 bytes */
		{ "001122334455667788a", "need an even number" },			/* odd */
		{ "", "need an even number" },
		{ "0011223344556677zz", "not hex" },
		{ "0011223344556677 ", "need an even number" },
		{ "00112233 445566778", "not hex" },
	};
	char too_long[2 * ATTEST_NONCE_MAX + 3];
	struct attest_nonce n;
	struct nojit_err err;

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		cr_assert_eq(attest_nonce_parse(bad[i][0], &n, &err), -EINVAL, "'%s' accepted", bad[i][0]);
		cr_assert_not_null(strstr(err.msg, bad[i][1]), "'%s': %s", bad[i][0], err.msg);
	}
	memset(too_long, 'a', sizeof(too_long) - 1);
	too_long[sizeof(too_long) - 1] = '\0';
	cr_assert_eq(attest_nonce_parse(too_long, &n, &err), -EINVAL);
	too_long[2 * ATTEST_NONCE_MAX] = '\0';
	cr_assert_eq(attest_nonce_parse(too_long, &n, &err), 0, "%s", err.msg);
	cr_assert_eq(n.len, ATTEST_NONCE_MAX);

	cr_assert_eq(attest_nonce_parse("00112233445566778899AABBCCDDEEFF", &n, &err), 0, "%s", err.msg);
	cr_assert_str_eq(n.hex, NONCE, "kept in lower case, as statements carry it");
	cr_assert_eq(n.len, 16);
	cr_assert_eq(n.bytes[15], 0xff);
}
