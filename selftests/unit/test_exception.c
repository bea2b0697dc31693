// SPDX-License-Identifier: GPL-2.0
/*
 * JIT exceptions in manifests: the schema-2 field, what the approver signs,
 * and the two-party rule. Keys are made here, never committed.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "keys.h"
#include "manifest.h"
#include "manifest_exception.h"
#include "scratch.h"

#define DIGEST_NODE	"aa00000000000000000000000000000000000000000000000000000000000001"
#define DIGEST_LIB	"bb00000000000000000000000000000000000000000000000000000000000002"
#define NOW		1800000000ll	/* 2027-01-15 */

static void setup(void)
{
	scratch_make("exception");
	cr_assert_eq(keys_init(), 0);
}

static void teardown(void)
{
	scratch_remove();
}

TestSuite(exception, .init = setup, .fini = teardown);

/* A schema-2 manifest listing node (exec) and a library, with EXC as "exceptions". */
static char *doc(const char *exc)
{
	char *s = NULL;

	cr_assert_geq(asprintf(&s,
		"{\"schema\": 2, \"name\": \"agent\", \"serial\": 7,\n"
		" \"issued\": \"2026-01-01T00:00:00Z\", \"expires\": \"2028-01-01T00:00:00Z\",\n"
		" \"mode\": \"enforce\", \"entries\": [\n"
		"  {\"sha256\": \"" DIGEST_NODE "\", \"kind\": \"exec\", \"path\": \"/usr/bin/node\"},\n"
		"  {\"sha256\": \"" DIGEST_LIB "\", \"kind\": \"lib\", \"path\": \"/usr/lib/libx.so\"}],\n"
		" \"exceptions\": [%s]}\n", exc), 0);
	return s;
}

#define GOOD_EXC "{\"id\": \"node-jit\", \"sha256\": \"" DIGEST_NODE "\", " \
	"\"allow\": [\"wx-flip\", \"anon-exec\"], \"justification\": \"V8\", " \
	"\"expires\": \"2027-06-01T00:00:00Z\", \"write_paths\": [\"/tmp/w\", \"/var/cache/app\"]}"

static int parse(const char *exc, struct nojit_manifest **m, struct nojit_err *err)
{
	char *s = doc(exc);
	int r = manifest_parse(s, strlen(s), m, err);

	free(s);
	return r;
}

Test(exception, parses_and_formats_back)
{
	struct nojit_manifest *m = NULL, *again = NULL;
	struct nojit_err err;
	char *out;
	size_t len;

	cr_assert_eq(parse(GOOD_EXC, &m, &err), 0, "%s", err.msg);
	cr_assert_eq(m->n_exceptions, 1);
	cr_assert_str_eq(m->exceptions[0].id, "node-jit");
	cr_assert_eq(m->exceptions[0].allow, NOJIT_EXC_ANON_EXEC | NOJIT_EXC_WX_FLIP);
	cr_assert_eq(m->exceptions[0].n_write_paths, 2);
	cr_assert(!m->exceptions[0].approved);
	cr_assert_eq(manifest_format(m, &out, &len, &err), 0, "%s", err.msg);
	cr_assert_eq(manifest_parse(out, len, &again, &err), 0, "%s", err.msg);
	cr_assert_eq(again->n_exceptions, 1);
	cr_assert_eq(again->exceptions[0].expires, m->exceptions[0].expires);
	cr_assert_str_eq(again->exceptions[0].write_paths[1], "/var/cache/app");
	free(out);
	manifest_free(m);
	manifest_free(again);
}

static void refused(const char *exc, const char *why)
{
	struct nojit_manifest *m = NULL;
	struct nojit_err err = {};
	int r = parse(exc, &m, &err);

	cr_expect_eq(r, -EBADMSG, "accepted (%d) %s", r, exc);
	cr_expect(strstr(err.msg, why), "\"%s\" does not say \"%s\" for %s", err.msg, why, exc);
	manifest_free(m);
}

#define EXC(id, sha, allow, paths) "{\"id\": \"" id "\", \"sha256\": \"" sha "\", \"allow\": " \
	allow ", \"justification\": \"j\", \"expires\": \"2027-06-01T00:00:00Z\", \"write_paths\": " paths "}"

Test(exception, refuses_what_it_cannot_mean_exactly)
{
	refused(EXC("x", DIGEST_LIB, "[\"anon-exec\"]", "[]"), "not an executable the manifest lists");
	refused(EXC("x", "cc00000000000000000000000000000000000000000000000000000000000003",
		    "[\"anon-exec\"]", "[]"), "not an executable the manifest lists");
	refused(EXC("bad id!", DIGEST_NODE, "[\"anon-exec\"]", "[]"), "id is not");
	refused(EXC("", DIGEST_NODE, "[\"anon-exec\"]", "[]"), "id is not");
	refused(EXC("x", DIGEST_NODE, "[]", "[]"), "non-empty array");
	refused(EXC("x", DIGEST_NODE, "[\"rwx\"]", "[]"), "anon-exec");
	refused(EXC("x", DIGEST_NODE, "[\"anon-exec\", \"anon-exec\"]", "[]"), "twice");
	refused(EXC("x", DIGEST_NODE, "[\"anon-exec\"]", "[\"tmp/w\"]"), "not absolute");
	refused(EXC("x", DIGEST_NODE, "[\"anon-exec\"]", "[\"/tmp/../etc\"]"), "component");
	refused(EXC("x", DIGEST_NODE, "[\"anon-exec\"]", "[\"/tmp//w\"]"), "component");
	refused(EXC("x", DIGEST_NODE, "[\"anon-exec\"]", "[\"/tmp/./w\"]"), "component");
	refused(EXC("x", DIGEST_NODE, "[\"anon-exec\"]", "[\"/tmp/w/\"]"), "ends with");
	refused(EXC("x", DIGEST_NODE, "[\"anon-exec\"]", "[\"/a\", \"/a\"]"), "twice");
	refused(EXC("x", DIGEST_NODE, "[\"anon-exec\"]",
		    "[\"/1\",\"/2\",\"/3\",\"/4\",\"/5\",\"/6\",\"/7\",\"/8\",\"/9\"]"), "more than 8");
	refused(EXC("x", DIGEST_NODE, "[\"anon-exec\"]",
		    "[\"/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"]"),
		"127");
	refused(EXC("x", DIGEST_NODE, "[\"anon-exec\"]", "[\"/tmp/\\u0007\"]"), "write_paths[0]");
	refused(GOOD_EXC "," GOOD_EXC, "used twice");
	refused("{\"id\": \"x\", \"sha256\": \"" DIGEST_NODE "\", \"allow\": [\"anon-exec\"], "
		"\"justification\": \"j\", \"expires\": \"2027-06-01T00:00:00Z\", \"write_paths\": [], "
		"\"scope\": \"all\"}", "unknown field");
	refused("{\"id\": \"x\", \"sha256\": \"" DIGEST_NODE "\", \"allow\": [\"anon-exec\"], "
		"\"expires\": \"2027-06-01T00:00:00Z\", \"write_paths\": []}", "missing \"justification\"");
	refused("{\"id\": \"x\", \"sha256\": \"" DIGEST_NODE "\", \"allow\": [\"anon-exec\"], "
		"\"justification\": \"j\", \"expires\": \"2027-06-01T00:00:00Z\", \"write_paths\": [], "
		"\"approval\": \"nojit-exception-approval-v1 zz\"}", "approval");
}

Test(exception, schema_1_has_no_exceptions)
{
	const char *s = "{\"schema\": 1, \"name\": \"a\", \"serial\": 1, \"issued\": \"2026-01-01T00:00:00Z\", "
			"\"expires\": \"2028-01-01T00:00:00Z\", \"mode\": \"enforce\", \"entries\": [], "
			"\"exceptions\": []}";
	struct nojit_manifest *m = NULL;
	struct nojit_err err;

	cr_assert_eq(manifest_parse(s, strlen(s), &m, &err), -EBADMSG);
	cr_assert(strstr(err.msg, "needs schema 2"), "%s", err.msg);
}

/* The exact bytes an approver signs: changing this breaks every approval in the field. */
Test(exception, approved_message_is_stable)
{
	struct nojit_manifest *m = NULL;
	struct nojit_err err;
	char *msg;
	size_t len;

	cr_assert_eq(parse(GOOD_EXC, &m, &err), 0, "%s", err.msg);
	cr_assert_eq(manifest_exception_message(m, "0123456789abcdef", &m->exceptions[0], &msg, &len), 0);
	cr_assert_str_eq(msg, "nojit-exception-v1\n"
			 "manifest agent\n"
			 "signer 0123456789abcdef\n"
			 "id node-jit\n"
			 "sha256 " DIGEST_NODE "\n"
			 "allow anon-exec wx-flip\n"
			 "expires 2027-06-01T00:00:00Z\n"
			 "write_path /tmp/w\n"
			 "write_path /var/cache/app\n"
			 "justification V8\n");
	cr_assert_eq(len, strlen(msg));
	free(msg);
	manifest_free(m);
}

static void keypair(const char *dir, enum key_purpose purpose, struct nojit_seckey *sk)
{
	char key[256];
	struct nojit_pubkey pub;
	struct nojit_err err;

	cr_assert_eq(key_generate_for(scratch_path(dir), purpose, &pub, &err), 0, "%s", err.msg);
	snprintf(key, sizeof(key), "%s/%s", scratch_path(dir),
		 purpose == KEY_PURPOSE_APPROVER ? NOJIT_APPROVER_KEY_FILE : NOJIT_KEY_FILE);
	cr_assert_eq(key_load_secret_for(key, purpose, sk, &err), 0, "%s", err.msg);
}

/* FILE approved by APPROVER, parsed, with SIGNER as the manifest's signer. */
static struct nojit_manifest *approved(const char *file, const struct nojit_seckey *approver,
				       const char *signer_id)
{
	struct nojit_manifest *m = NULL;
	struct nojit_err err;
	char *s = doc(GOOD_EXC), *buf;
	size_t n, len;
	FILE *f = fopen(file, "w");

	cr_assert_not_null(f);
	fputs(s, f);
	fclose(f);
	free(s);
	cr_assert_eq(manifest_exceptions_approve(file, approver, signer_id, NULL, &n, &err), 0, "%s",
		     err.msg);
	cr_assert_eq(n, 1);
	cr_assert_eq(read_file_max(AT_FDCWD, file, 1 << 20, &buf, &len), 0);
	cr_assert_eq(manifest_parse(buf, len, &m, &err), 0, "%s", err.msg);
	free(buf);
	snprintf(m->key_id, sizeof(m->key_id), "%s", signer_id);
	return m;
}

Test(exception, two_parties_and_nothing_else)
{
	struct nojit_seckey signer, approver, other;
	struct nojit_manifest *m;
	struct nojit_err err;
	char approvers[256], file[256];
	size_t n;

	keypair("signer", KEY_PURPOSE_SIGNING, &signer);
	keypair("approver", KEY_PURPOSE_APPROVER, &approver);
	keypair("other", KEY_PURPOSE_APPROVER, &other);
	snprintf(approvers, sizeof(approvers), "%s", scratch_path("approver"));
	snprintf(file, sizeof(file), "%s", scratch_path("m.json"));

	m = approved(file, &approver, signer.pub.id);
	cr_assert(m->exceptions[0].approved);
	cr_assert(!m->exceptions_verified);
	cr_assert_eq(manifest_exceptions_verify(m, approvers, NOW, &err), 0, "%s", err.msg);
	cr_assert(m->exceptions_verified);
	/* Not before its own expiry, checked at load. */
	cr_assert_eq(manifest_exceptions_verify(m, approvers, m->exceptions[0].expires, &err),
		     -EKEYEXPIRED);
	/* Widened after approval. */
	m->exceptions[0].allow = NOJIT_EXC_WX_FLIP;
	cr_assert_eq(manifest_exceptions_verify(m, approvers, NOW, &err), -EKEYREJECTED, "%s", err.msg);
	m->exceptions[0].allow = NOJIT_EXC_WX_FLIP | NOJIT_EXC_ANON_EXEC;
	free(m->name);
	m->name = strdup("another-workload");
	cr_assert_eq(manifest_exceptions_verify(m, approvers, NOW, &err), -EKEYREJECTED, "%s", err.msg);
	manifest_free(m);

	/* The approver signed the manifest too: one party, refused, at approval and at load. */
	m = approved(file, &approver, signer.pub.id);
	cr_assert_eq(manifest_exceptions_approve(file, &approver, approver.pub.id, NULL, &n, &err), -EPERM);
	snprintf(m->key_id, sizeof(m->key_id), "%s", approver.pub.id);
	cr_assert_eq(manifest_exceptions_verify(m, approvers, NOW, &err), -EPERM, "%s", err.msg);
	cr_assert(!m->exceptions_verified);
	/* Approved for one signer, signed by another trusted one: not reusable. */
	snprintf(m->key_id, sizeof(m->key_id), "%s", other.pub.id);
	cr_assert_eq(manifest_exceptions_verify(m, approvers, NOW, &err), -EKEYREJECTED, "%s", err.msg);
	manifest_free(m);

	/* An approver the node does not trust. */
	m = approved(file, &other, signer.pub.id);
	cr_assert_eq(manifest_exceptions_verify(m, approvers, NOW, &err), -ENOKEY, "%s", err.msg);
	cr_assert(strstr(err.msg, "not a trusted approver"), "%s", err.msg);
	manifest_free(m);

	/* No approver directory at all: an exception cannot load. */
	m = approved(file, &approver, signer.pub.id);
	cr_assert_eq(manifest_exceptions_verify(m, scratch_path("none"), NOW, &err), -ENOKEY,
		     "%s", err.msg);
	/* A signing key is no approver: the approver trust refuses to load it. */
	cr_assert_neq(manifest_exceptions_verify(m, scratch_path("signer"), NOW, &err), 0);
	manifest_free(m);
	key_secret_wipe(&signer);
	key_secret_wipe(&approver);
	key_secret_wipe(&other);
}

Test(exception, approve_needs_an_approver_key)
{
	struct nojit_seckey sk;
	struct nojit_pubkey pub;
	struct nojit_err err;
	char key[256];

	cr_assert_eq(key_generate_for(scratch_path("s"), KEY_PURPOSE_SIGNING, &pub, &err), 0);
	snprintf(key, sizeof(key), "%s/%s", scratch_path("s"), NOJIT_KEY_FILE);
	cr_assert_eq(key_load_secret_for(key, KEY_PURPOSE_APPROVER, &sk, &err), -EINVAL);
	cr_assert(strstr(err.msg, "approver"), "%s", err.msg);
}
