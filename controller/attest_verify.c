// SPDX-License-Identifier: GPL-2.0
/*
 * attest_verify() (attest.h): what a remote verifier checks before it
 * believes a statement. Each check names itself in the message, so an
 * operator learns which promise a refused statement broke, and a statement
 * that fails several checks reports only the first, in a fixed order.
 */
#include <string.h>

#include "attest.h"
#include "audit_log.h"
#include "dsse.h"
#include "json_check.h"
#include "tpm_quote.h"

/*
 * Nesting a statement may have: statement, predicate, enrollments, an
 * enrollment, its manifest is 5; room for the predicate to grow, not
 * for a parser-stressing document.
 */

static const char *const check_names[] = {
	[ATTEST_CHECK_CALL] = "call",
	[ATTEST_CHECK_ENVELOPE] = "envelope",
	[ATTEST_CHECK_SIGNATURE] = "signature",
	[ATTEST_CHECK_STATEMENT] = "statement",
	[ATTEST_CHECK_NONCE] = "nonce",
	[ATTEST_CHECK_FRESHNESS] = "freshness",
	[ATTEST_CHECK_MANIFEST] = "manifest",
	[ATTEST_CHECK_BPF_OBJECT] = "bpf-object",
	[ATTEST_CHECK_TPM] = "tpm",
};

const char *attest_check_name(enum attest_check c)
{
	return (size_t)c < ARRAY_SIZE(check_names) && check_names[c] ? check_names[c] : "unknown";
}

/* The check that is running, for refuse(). */
struct verify_ctx {
	enum attest_check check;
	struct nojit_err *err;
};

/* Fail the running check: "CHECK: MESSAGE", and -NEGERRNO. */
__attribute__((format(printf, 3, 4)))
static int refuse(struct verify_ctx *c, int negerrno, const char *fmt, ...)
{
	char msg[sizeof(c->err->msg)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return nojit_err_set(c->err, negerrno, "%s: %s", attest_check_name(c->check), msg);
}

/*
 * Fail the running check with the message a lower layer left in ERR,
 * without its own PREFIX: the check's name says the same.
 */
static int refuse_as(struct verify_ctx *c, int negerrno, const char *prefix)
{
	char msg[sizeof(c->err->msg)];
	size_t plen = strlen(prefix);

	snprintf(msg, sizeof(msg), "%s", c->err->msg + (strncmp(c->err->msg, prefix, plen) ? 0 : plen));
	return refuse(c, negerrno, "%s", msg);
}

static bool is_lower_hex(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return len > 0 && len % 2 == 0;
}

/*
 * in-toto ResourceDescriptors as we write them: a name, and a digest set
 * of lowercase hex values (a SHA-256 exactly 64 digits). A name may repeat
 * (two versions of manifest "web" in force in two cgroups): expectations
 * match digests, and a BPF object's must hold for every such subject.
 */
static int check_subjects(struct verify_ctx *c, struct json_object *subjects)
{
	size_t n = json_object_array_length(subjects);

	if (!n)
		return refuse(c, -EBADMSG, "\"subject\" is empty: a statement is about something");
	for (size_t i = 0; i < n; i++) {
		struct json_object *s = json_object_array_get_idx(subjects, i), *name, *digest;
		const char *nm;

		if (!json_object_is_type(s, json_type_object))
			return refuse(c, -EBADMSG, "subject[%zu] is not an object", i);
		name = json_member(s, "name", json_type_string);
		digest = json_member(s, "digest", json_type_object);
		if (!name || !json_object_get_string_len(name))
			return refuse(c, -EBADMSG, "subject[%zu] has no \"name\" string", i);
		nm = json_object_get_string(name);
		if (!digest || !json_object_object_length(digest))
			return refuse(c, -EBADMSG, "subject '%.100s' has no \"digest\" object with a digest in it", nm);
		json_object_object_foreach(digest, alg, v) {
			const char *hex = json_object_get_string(v);
			size_t len = (size_t)json_object_get_string_len(v);

			if (!json_object_is_type(v, json_type_string) || !is_lower_hex(hex, len) ||
			    (!strcmp(alg, "sha256") && len != 64))
				return refuse(c, -EBADMSG, "subject '%.100s': digest \"%.40s\" is not %s", nm, alg,
					      !strcmp(alg, "sha256") ? "64 lowercase hex digits" : "lowercase hex");
		}
	}
	return 0;
}

/*
 * The Statement layer: {"_type", "subject", "predicateType", "predicate"}
 * with predicate "time" and "nonce" strings. *RET_TIME is the parsed time.
 */
static int check_statement(struct verify_ctx *c, struct json_object *st, const char *want_type,
			   __u64 *ret_time)
{
	struct json_object *type, *subjects, *ptype, *pred, *time, *nonce;
	const char *pt;
	int r;

	if (!json_object_is_type(st, json_type_object))
		return refuse(c, -EBADMSG, "the payload is not a JSON object");
	type = json_member(st, "_type", json_type_string);
	if (!type || strcmp(json_object_get_string(type), ATTEST_STATEMENT_TYPE))
		return refuse(c, -EBADMSG, "\"_type\" is %s%.100s%s, not " ATTEST_STATEMENT_TYPE,
			      type ? "'" : "", type ? json_object_get_string(type) : "missing or not a string",
			      type ? "'" : "");
	ptype = json_member(st, "predicateType", json_type_string);
	if (!ptype)
		return refuse(c, -EBADMSG, "\"predicateType\" missing or not a string");
	pt = json_object_get_string(ptype);
	if (want_type ? strcmp(pt, want_type) :
	    strcmp(pt, ATTEST_PREDICATE_NODE) && strcmp(pt, ATTEST_PREDICATE_VK_RUN))
		return refuse(c, -EPROTONOSUPPORT, "predicateType '%.100s' is not %s", pt,
			      want_type ? want_type : ATTEST_PREDICATE_NODE " or " ATTEST_PREDICATE_VK_RUN);
	subjects = json_member(st, "subject", json_type_array);
	if (!subjects)
		return refuse(c, -EBADMSG, "\"subject\" missing or not an array");
	r = check_subjects(c, subjects);
	if (r)
		return r;
	pred = json_member(st, "predicate", json_type_object);
	if (!pred)
		return refuse(c, -EBADMSG, "\"predicate\" missing or not an object");
	nonce = json_member(pred, "nonce", json_type_string);
	if (!nonce)
		return refuse(c, -EBADMSG, "predicate \"nonce\" missing or not a string");
	time = json_member(pred, "time", json_type_string);
	if (!time || json_object_get_string_len(time) != AUDIT_TIME_LEN ||
	    !audit_time_parse(json_object_get_string(time), ret_time))
		return refuse(c, -EBADMSG, "predicate \"time\" is not a UTC time like 2026-01-02T03:04:05.000000000Z");
	return 0;
}

/* The subject named KIND:anything with an "sha256" of HEX, or NULL. */
static const char *subject_with(struct json_object *subjects, const char *kind, const char *hex)
{
	size_t n = json_object_array_length(subjects), klen = strlen(kind);

	for (size_t i = 0; i < n; i++) {
		struct json_object *s = json_object_array_get_idx(subjects, i);
		const char *name = json_object_get_string(json_member(s, "name", json_type_string));
		struct json_object *d = json_member(json_member(s, "digest", json_type_object), "sha256",
					       json_type_string);

		if (!strncmp(name, kind, klen) && d && !strcmp(json_object_get_string(d), hex))
			return name;
	}
	return NULL;
}

/* Does the enrollment's cgroupPath PATH name CGROUP (absolute: equal; relative: its tail)? */
static bool cgroup_matches(const char *path, const char *cgroup)
{
	size_t pl = strlen(path), cl = strlen(cgroup);

	if (cgroup[0] == '/')
		return !strcmp(path, cgroup);
	return pl > cl && path[pl - cl - 1] == '/' && !strcmp(path + pl - cl, cgroup);
}

/*
 * An enrollment governs its cgroup's subtree except where a nested
 * enrollment takes over (the nearest enrolled ancestor wins): does one
 * below PATH, whose cgroup exists, run anything but HEX in enforce mode?
 * Then HEX is not in force over PATH's subtree: true, naming it in WHY.
 */
static bool carve_out(struct json_object *enr, const char *path, const char *hex, char *why,
		      size_t why_size)
{
	size_t n = json_object_array_length(enr), pl = strlen(path);

	for (size_t i = 0; i < n; i++) {
		struct json_object *e = json_object_array_get_idx(enr, i);
		struct json_object *q = json_member(e, "cgroupPath", json_type_string);
		struct json_object *ex = json_member(e, "exists", json_type_boolean);
		struct json_object *mode = json_member(e, "mode", json_type_string);
		struct json_object *m = json_member(e, "manifest", json_type_object);
		struct json_object *d = m ? json_member(m, "sha256", json_type_string) : NULL;
		const char *qp = q ? json_object_get_string(q) : "";

		if (strncmp(qp, path, pl) || qp[pl] != '/' || (ex && !json_object_get_boolean(ex)))
			continue;
		if (!d || strcmp(json_object_get_string(d), hex) || !mode ||
		    strcmp(json_object_get_string(mode), "enforce")) {
			snprintf(why, why_size, "%.120s below %.120s is enrolled on its own (%.20s mode, %s), "
				 "so the manifest does not govern all of %.120s", qp, path,
				 mode ? json_object_get_string(mode) : "unknown",
				 d ? "another manifest" : "no manifest", path);
			return true;
		}
	}
	return false;
}

/*
 * Is the manifest with HEX in force — in CGROUP, if not NULL? In force
 * means denying: an enrollment whose cgroup exists, in enforce mode. A
 * manifest that is only recorded (its cgroup gone) or only watched (audit
 * mode) protects nothing. 0, or -ENOENT with the closest miss in WHY.
 */
static int manifest_in_force(struct json_object *pred, const char *hex, const char *cgroup,
			     char *why, size_t why_size)
{
	struct json_object *enr = json_member(pred, "enrollments", json_type_array);
	size_t n = enr ? json_object_array_length(enr) : 0;

	snprintf(why, why_size, "no enrollment has it in force");
	for (size_t i = 0; i < n; i++) {
		struct json_object *e = json_object_array_get_idx(enr, i);
		struct json_object *m = json_member(e, "manifest", json_type_object);
		struct json_object *d = m ? json_member(m, "sha256", json_type_string) : NULL;
		struct json_object *ex = json_member(e, "exists", json_type_boolean);
		struct json_object *mode = json_member(e, "mode", json_type_string);
		struct json_object *path = json_member(e, "cgroupPath", json_type_string);
		const char *p = path ? json_object_get_string(path) : "?";

		if (!d || strcmp(json_object_get_string(d), hex))
			continue;
		if (cgroup && (!path || !cgroup_matches(p, cgroup))) {
			snprintf(why, why_size, "it is in %.200s, not in cgroup %.200s", p, cgroup);
			continue;
		}
		if (!ex || !json_object_get_boolean(ex)) {
			snprintf(why, why_size, "its cgroup %.200s no longer exists", p);
			continue;
		}
		if (!mode || strcmp(json_object_get_string(mode), "enforce")) {
			snprintf(why, why_size, "%.200s runs it in %.20s mode, which denies nothing", p,
				 mode ? json_object_get_string(mode) : "an unknown");
			continue;
		}
		if (!carve_out(enr, p, hex, why, why_size))
			return 0;
	}
	return -ENOENT;
}

static int check_manifests(struct verify_ctx *c, struct json_object *st, const struct attest_expect *x)
{
	struct json_object *subjects = json_member(st, "subject", json_type_array);
	struct json_object *pred = json_member(st, "predicate", json_type_object);

	struct json_object *bpf = json_member(pred, "bpf", json_type_object);
	struct json_object *loaded = bpf ? json_member(bpf, "loaded", json_type_boolean) : NULL;
	struct json_object *obj = bpf ? json_member(bpf, "objectSha256", json_type_string) : NULL;

	/* A manifest is only as enforced as the programs behind it: attached, and from an object the node can name. */
	if (x->n_manifests && (!loaded || !json_object_get_boolean(loaded)))
		return refuse(c, -ENOENT, "no BPF policy is loaded on the node: no manifest is in force");
	if (x->n_manifests && !obj)
		return refuse(c, -ENOENT, "the node cannot name the BPF object its programs came from (%.200s): "
			      "what enforces the manifests is unknown",
			      json_object_get_string(json_member(bpf, "objectUnknownReason", json_type_string)) ?: "no reason given");
	for (size_t i = 0; i < x->n_manifests; i++) {
		char hex[65];
		const char *name;

		hex_encode(x->manifests[i], 32, hex);
		name = subject_with(subjects, ATTEST_SUBJECT_MANIFEST, hex);
		if (!name)
			return refuse(c, -ENOENT, "no subject " ATTEST_SUBJECT_MANIFEST "* has sha256 %s: "
				      "the expected manifest is not attested", hex);
		const char *cgroup = x->manifest_cgroups ? x->manifest_cgroups[i] : NULL;
		char why[512];

		if (manifest_in_force(pred, hex, cgroup, why, sizeof(why)))
			return refuse(c, -ENOENT, "subject %.100s (sha256 %s) is attested but not in force: %s",
				      name, hex, why);
	}
	return 0;
}

/* At least one BPF object subject, and every one of them the expected object. */
static int check_bpf_object(struct verify_ctx *c, struct json_object *st, const __u8 want[32])
{
	struct json_object *subjects = json_member(st, "subject", json_type_array);
	size_t n = json_object_array_length(subjects), klen = strlen(ATTEST_SUBJECT_BPF_OBJECT), found = 0;
	char hex[65];

	hex_encode(want, 32, hex);
	for (size_t i = 0; i < n; i++) {
		struct json_object *s = json_object_array_get_idx(subjects, i);
		const char *name = json_object_get_string(json_member(s, "name", json_type_string));
		struct json_object *d = json_member(json_member(s, "digest", json_type_object), "sha256",
					       json_type_string);

		if (strncmp(name, ATTEST_SUBJECT_BPF_OBJECT, klen))
			continue;
		if (!d || strcmp(json_object_get_string(d), hex))
			return refuse(c, -ENOENT, "subject %.100s has sha256 %s, expected %s", name,
				      d ? json_object_get_string(d) : "(none)", hex);
		found++;
	}
	if (!found)
		return refuse(c, -ENOENT, "no " ATTEST_SUBJECT_BPF_OBJECT "* subject: the statement attests "
			      "no loaded BPF object (expected sha256 %s)", hex);
	return 0;
}

int attest_verify(const char *envelope, size_t len, const struct nojit_trust *trust,
		  const struct attest_expect *x, struct attest_verified *ret,
		  enum attest_check *failed, struct nojit_err *err)
{
	struct nojit_err ignored;
	struct verify_ctx c = { .check = ATTEST_CHECK_CALL, .err = err ? err : &ignored };
	struct dsse_envelope e = {};
	struct json_object *st = NULL, *v;
	unsigned int tpm_pcr = 0;
	__u8 digest[32];
	const struct nojit_pubkey *signer;
	__u64 t, now, max_age, skew = (__u64)ATTEST_CLOCK_SKEW * 1000000000u;
	char why[256], when[AUDIT_TIME_LEN + 1];
	int r;

	if (x->max_age_s < 0 || x->max_age_s > ATTEST_MAX_AGE_MAX || !x->nonce) {
		r = refuse(&c, -EINVAL, "need a nonce and a max age of 0 to %d s", ATTEST_MAX_AGE_MAX);
		goto out;
	}
	max_age = (__u64)(x->max_age_s ? x->max_age_s : ATTEST_MAX_AGE_DEFAULT) * 1000000000u;
	now = (__u64)(x->now_ns > 0 ? x->now_ns : clock_ns(CLOCK_REALTIME));

	c.check = ATTEST_CHECK_ENVELOPE;
	r = dsse_parse(envelope, len, &e, c.err);
	if (r) {
		r = refuse_as(&c, r, "malformed envelope: ");
		goto out;
	}
	if (strcmp(e.payload_type, DSSE_PAYLOAD_TYPE_INTOTO)) {
		r = refuse(&c, -EBADMSG, "payloadType '%.100s' is not " DSSE_PAYLOAD_TYPE_INTOTO,
			   e.payload_type);
		goto out;
	}

	c.check = ATTEST_CHECK_SIGNATURE;
	r = dsse_verify(&e, trust, &signer, c.err);
	if (r) {
		r = refuse_as(&c, r, "bad signature: ");
		goto out;
	}

	/* Only now, signed by a key we trust, is the payload worth parsing. */
	c.check = ATTEST_CHECK_STATEMENT;
	r = json_parse_strict((const char *)e.payload, e.payload_len, ATTEST_JSON_DEPTH,
			      ATTEST_JSON_MAX_VALUES, &st, why,
			      sizeof(why));
	if (r) {
		r = refuse(&c, r, "the payload is not strict JSON: %s", why);
		goto out;
	}
	r = check_statement(&c, st, x->predicate_type, &t);
	if (r)
		goto out;

	c.check = ATTEST_CHECK_NONCE;
	v = json_member(json_member(st, "predicate", json_type_object), "nonce", json_type_string);
	if (strcmp(json_object_get_string(v), x->nonce->hex)) {
		r = refuse(&c, -ESTALE, "the statement answers nonce '%.40s%s', not ours (%.40s%s): "
			   "a replayed statement, or one made for another verifier", json_object_get_string(v),
			   json_object_get_string_len(v) > 40 ? "..." : "", x->nonce->hex,
			   x->nonce->len > 20 ? "..." : "");
		goto out;
	}

	c.check = ATTEST_CHECK_FRESHNESS;
	audit_time_format(t, when);
	if (t > now && t - now > skew) {
		r = refuse(&c, -ETIME, "made at %s, %llu s in the future (clock skew allowed: %d s)", when,
			   (unsigned long long)((t - now) / 1000000000u), ATTEST_CLOCK_SKEW);
		goto out;
	}
	if (now > t && now - t > max_age) {
		r = refuse(&c, -ETIME, "made at %s, %llu s ago: older than the %llu s allowed", when,
			   (unsigned long long)((now - t) / 1000000000u),
			   (unsigned long long)(max_age / 1000000000u));
		goto out;
	}

	c.check = ATTEST_CHECK_MANIFEST;
	r = check_manifests(&c, st, x);
	if (r)
		goto out;

	if (x->has_bpf_object) {
		c.check = ATTEST_CHECK_BPF_OBJECT;
		r = check_bpf_object(&c, st, x->bpf_object);
		if (r)
			goto out;
	}

	/*
	 * The quote is outside the DSSE signature: it binds the digest of
	 * the payload verified above, which is what it is checked against.
	 * A verifier that pinned the node's AK requires a quote; one that
	 * did not learns that the TPM was not checked (tpm_checked false).
	 */
	crypto_hash_sha256(digest, e.payload, e.payload_len);
	if (x->tpm_ak_pem) {
		struct json_object *quote;
		struct nojit_err qerr;

		c.check = ATTEST_CHECK_TPM;
		if (!json_object_object_get_ex(e.root, TPM_QUOTE_MEMBER, &quote)) {
			r = refuse(&c, -ENOENT, "the envelope has no " TPM_QUOTE_MEMBER " member: the statement "
				   "is not bound to a TPM, and a TPM quote was required (--tpm-ak)");
			goto out;
		}
		r = tpm_quote_check(quote, digest, x->nonce->bytes, x->nonce->len, x->tpm_ak_pem,
				    x->tpm_ak_pem_len, &tpm_pcr, &qerr);
		if (r) {
			r = refuse(&c, r, "%s", qerr.msg);
			goto out;
		}
	}

	memset(ret, 0, sizeof(*ret));
	snprintf(ret->signer, sizeof(ret->signer), "%s", signer->id);
	memcpy(ret->digest, digest, sizeof(digest));
	ret->tpm_checked = x->tpm_ak_pem != NULL;
	ret->tpm_pcr = tpm_pcr;
	ret->time_ns = (__s64)(t > (__u64)INT64_MAX ? (__u64)INT64_MAX : t);
	ret->predicate_type = json_object_get_string(json_member(st, "predicateType", json_type_string));
	ret->statement = TAKE_PTR(st);
	r = 0;
out:
	if (r && failed)
		*failed = c.check;
	json_object_put(st);
	dsse_envelope_free(&e);
	return r;
}

void attest_verified_free(struct attest_verified *v)
{
	if (!v)
		return;
	json_object_put(v->statement);
	memset(v, 0, sizeof(*v));
}
