// SPDX-License-Identifier: GPL-2.0
/*
 * Manifests: parser and validation (hostile input included), signatures
 * and the verified loader, the JSON schema, formatting, building.
 * Keys are generated per test into a temporary directory.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <ftw.h>
#include <json-c/json.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "keys.h"
#include "manifest.h"
#include "race.h"
#include "scratch.h"

#define SCHEMA_FILE "manifests/nojit-manifest.schema.json"

#define HA "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define HB "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define HC "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define ENTRY(h, k, p) "{\"sha256\": \"" h "\", \"kind\": \"" k "\", \"path\": \"" p "\"}"
#define JIT(h, e, p, ev) "{\"sha256\": \"" h "\", \"engine\": \"" e "\", \"path\": \"" p "\", \"evidence\": \"" ev "\"}"

#define T_ISSUED	1767225600	/* 2026-01-01T00:00:00Z */
#define T_EXPIRES	1798761600	/* 2027-01-01T00:00:00Z */
#define NOW		1780272000	/* 2026-06-01T00:00:00Z */

static void setup(void)
{
	struct nojit_pubkey pub;
	struct nojit_err err;

	scratch_make("manifest");
	cr_assert_eq(key_generate(scratch_path("k1"), &pub, &err), 0, "%s", err.msg);
	cr_assert_eq(key_generate(scratch_path("k2"), &pub, &err), 0, "%s", err.msg);
}

static void teardown(void)
{
	scratch_remove();
}

TestSuite(manifest, .init = setup, .fini = teardown, .timeout = 60);

/* ---- documents -------------------------------------------------------- */

struct field {
	const char *key, *val;
};

static const struct field defaults[] = {
	{ "schema", "1" },
	{ "name", "\"agent\"" },
	{ "serial", "42" },
	{ "issued", "\"2026-01-01T00:00:00Z\"" },
	{ "expires", "\"2027-01-01T00:00:00Z\"" },
	{ "mode", "\"enforce\"" },
	{ "entries", "[" ENTRY(HB, "lib", "/usr/lib/libb.so") ", " ENTRY(HA, "exec", "/usr/bin/a") "]" },
};

/* The default document with KEY's value replaced by VAL (NULL: KEY left out). */
static char *doc_with(const char *key, const char *val)
{
	size_t cap = 8192, len = 0;
	char *s = malloc(cap);
	bool first = true;

	cr_assert_not_null(s);
	len += (size_t)snprintf(s + len, cap - len, "{\n");
	for (size_t i = 0; i < ARRAY_SIZE(defaults); i++) {
		const char *v = defaults[i].val;

		if (key && !strcmp(key, defaults[i].key))
			v = val;
		if (!v)
			continue;
		len += (size_t)snprintf(s + len, cap - len, "%s  \"%s\": %s", first ? "" : ",\n",
					defaults[i].key, v);
		first = false;
		cr_assert_lt(len, cap);
	}
	/* A key that is not a default field is added: unknown fields. */
	if (key && val) {
		bool known = false;

		for (size_t i = 0; i < ARRAY_SIZE(defaults); i++)
			known |= !strcmp(key, defaults[i].key);
		if (!known)
			len += (size_t)snprintf(s + len, cap - len, ",\n  \"%s\": %s", key, val);
	}
	len += (size_t)snprintf(s + len, cap - len, "\n}\n");
	cr_assert_lt(len, cap);
	return s;
}

static int parse(const char *s, struct nojit_manifest **m, struct nojit_err *err)
{
	*m = NULL;
	return manifest_parse(s, strlen(s), m, err);
}

/* Parse, expect failure R with NEEDLE in the message. */
static void expect_refused(const char *s, int r, const char *needle)
{
	struct nojit_manifest *m;
	struct nojit_err err = { "" };
	int got = parse(s, &m, &err);

	cr_assert_eq(got, r, "expected %d, got %d (%s) for:\n%s", r, got, err.msg, s);
	cr_assert_null(m);
	if (needle)
		cr_assert(strstr(err.msg, needle), "message '%s' lacks '%s' for:\n%s", err.msg, needle, s);
}

static void write_file(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	cr_assert_geq(fd, 0, "%s: %s", path, strerror(errno));
	cr_assert_eq(write(fd, data, len), (ssize_t)len);
	close(fd);
}

static size_t read_file(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	cr_assert_geq(fd, 0, "%s: %s", path, strerror(errno));
	n = read(fd, buf, size - 1);
	close(fd);
	cr_assert_geq(n, 0);
	buf[n] = '\0';
	return (size_t)n;
}

/* Write TEXT to scratch_dir/NAME and sign it with scratch_dir/KEY/nojit.key; returns the file's path. */
static const char *signed_file(const char *name, const char *text, size_t len, const char *key)
{
	static char file[256];
	char kp[256];
	struct nojit_seckey sk;
	struct nojit_err err;

	snprintf(file, sizeof(file), "%s/%s", scratch_dir, name);
	write_file(file, text, len);
	snprintf(kp, sizeof(kp), "%s/%s/nojit.key", scratch_dir, key);
	cr_assert_eq(key_load_secret(kp, &sk, &err), 0, "%s", err.msg);
	cr_assert_eq(manifest_sign_file(file, &sk, NOW, NULL, &err), 0, "%s", err.msg);
	key_secret_wipe(&sk);
	return file;
}

/* ---- parsing ---------------------------------------------------------- */

Test(manifest, parses_a_valid_manifest)
{
	char *s = doc_with(NULL, NULL);
	struct nojit_manifest *m;
	struct nojit_err err;
	__u8 h[32];

	cr_assert_eq(parse(s, &m, &err), 0, "%s", err.msg);
	cr_assert_eq(m->schema, 1);
	cr_assert_str_eq(m->name, "agent");
	cr_assert_eq(m->serial, 42);
	cr_assert_eq(m->issued, T_ISSUED);
	cr_assert_eq(m->expires, T_EXPIRES);
	cr_assert_eq(m->mode, NOJIT_MODE_ENFORCE);
	cr_assert_eq(m->n_entries, 2);
	/* Sorted by sha256. */
	cr_assert_eq(m->entries[0].sha256[0], 0xaa);
	cr_assert_eq(m->entries[0].kind, NOJIT_KIND_EXEC);
	cr_assert_str_eq(m->entries[0].path, "/usr/bin/a");
	cr_assert_eq(m->entries[1].sha256[31], 0xbb);
	cr_assert_eq(m->entries[1].kind, NOJIT_KIND_LIB);
	crypto_hash_sha256(h, (const unsigned char *)s, strlen(s));
	cr_assert_eq(memcmp(h, m->file_sha256, 32), 0, "file_sha256 covers the exact bytes");
	cr_assert_str_eq(m->key_id, "", "no key without the verified loader");
	manifest_free(m);
	manifest_free(NULL);
	free(s);
}

Test(manifest, audit_mode_any_kind_and_empty_entries)
{
	struct nojit_manifest *m;
	struct nojit_err err;
	char *s;

	s = doc_with("mode", "\"audit\"");
	cr_assert_eq(parse(s, &m, &err), 0, "%s", err.msg);
	cr_assert_eq(m->mode, NOJIT_MODE_AUDIT);
	manifest_free(m);
	free(s);
	s = doc_with("entries", "[]");
	cr_assert_eq(parse(s, &m, &err), 0, "a manifest allowing nothing: %s", err.msg);
	cr_assert_eq(m->n_entries, 0);
	manifest_free(m);
	free(s);
	s = doc_with("entries", "[" ENTRY(HC, "any", "") "]");
	cr_assert_eq(parse(s, &m, &err), 0, "%s", err.msg);
	cr_assert_eq(m->entries[0].kind, NOJIT_KIND_ANY);
	cr_assert_str_eq(m->entries[0].path, "");
	manifest_free(m);
	free(s);
}

Test(manifest, duplicate_hashes_merge_their_kinds)
{
	struct nojit_manifest *m;
	struct nojit_err err;
	char *s = doc_with("entries", "[" ENTRY(HA, "exec", "/z/second") ", " ENTRY(HB, "lib", "/b") ", "
			   ENTRY(HA, "lib", "/a/first") ", " ENTRY(HA, "exec", "/m") "]");

	cr_assert_eq(parse(s, &m, &err), 0, "%s", err.msg);
	cr_assert_eq(m->n_entries, 2);
	cr_assert_eq(m->entries[0].kind, NOJIT_KIND_ANY, "exec | lib");
	cr_assert_str_eq(m->entries[0].path, "/a/first", "the smallest path is kept");
	cr_assert_eq(m->entries[1].kind, NOJIT_KIND_LIB);
	manifest_free(m);
	free(s);
}

Test(manifest, empty_and_whitespace_files_are_refused)
{
	struct nojit_manifest *m;
	struct nojit_err err;

	cr_assert_eq(manifest_parse("", 0, &m, &err), -EBADMSG);
	cr_assert(strstr(err.msg, "empty"), "%s", err.msg);
	expect_refused(" \n\t ", -EBADMSG, "truncated");
}

Test(manifest, every_truncation_is_refused)
{
	char *s = doc_with(NULL, NULL);
	size_t len = strlen(s);
	struct nojit_manifest *m;
	struct nojit_err err;

	/* Up to the closing brace; only the final newline may go. */
	for (size_t i = 0; i < len - 1; i++) {
		int r = manifest_parse(s, i, &m, &err);

		cr_assert_eq(r, -EBADMSG, "prefix of %zu bytes: %d (%s)", i, r, err.msg);
	}
	manifest_parse(s, len / 2, &m, &err);
	cr_assert(strstr(err.msg, "truncated"), "%s", err.msg);
	cr_assert(strstr(err.msg, "line"), "%s", err.msg);
	free(s);
}

Test(manifest, json_syntax_errors_say_where)
{
	char *s = doc_with("serial", "42,");	/* trailing comma then a member: "42,,\n" */

	expect_refused(s, -EBADMSG, "line 4");
	free(s);
	expect_refused("{\"schema\": 1,}", -EBADMSG, "malformed JSON");
	expect_refused("{\"schema\": 1} trailing", -EBADMSG, "malformed JSON at line 1");
	expect_refused("{\"schema\": 1}{}", -EBADMSG, "malformed JSON");
	expect_refused("{'schema': 1}", -EBADMSG, "malformed JSON");
	expect_refused("{\"schema\": 01}", -EBADMSG, NULL);
	expect_refused("\xef\xbb\xbf{}", -EBADMSG, "malformed JSON");
	expect_refused("[]", -EBADMSG, "top level: wrong type (array), expected an object");
	expect_refused("\"x\"", -EBADMSG, "top level");
	expect_refused("{\"name\": \"\xff\"}", -EBADMSG, "malformed JSON");
}

/* What json-c would take but JSON (RFC 8259) does not: refused, before json-c sees it. */
Test(manifest, only_strict_json_is_accepted)
{
	static const char *const values[] = {
		"'single'", "\"raw\ttab\"", "\"raw\nnewline\"", "\"bad \\x41 escape\"",
		"\"bad \\u12G4 escape\"", "\"short \\u12\"", "NaN", "Infinity", "-Infinity", "+1", "0x10",
		".5", "1.", "1e", "-", "01", "tru", "nul", "True", "/* c */ 1", "1 // c", "\"\xc0\xaf\"",
		"\"\xed\xa0\x80\"", "\"\xf4\x90\x80\x80\"", "\"\xe2\x82\"", "[1 2]", "{\"a\" 1}",
		"{\"a\": 1,}", "{a: 1}", "[,]", "\"\x7f\" x",
	};

	for (size_t i = 0; i < ARRAY_SIZE(values); i++) {
		char *s = doc_with("name", values[i]);

		expect_refused(s, -EBADMSG, "malformed JSON");
		free(s);
	}
	/* And what JSON allows is taken: escapes, exponents (then refused by type), any spacing. */
	{
		struct nojit_manifest *m;
		struct nojit_err err;
		char *s = doc_with("name", "\"\\u0041\\/\\\"\\\\ \\u00e9\\ud83d\\ude00\"");

		cr_assert_eq(parse(s, &m, &err), 0, "%s", err.msg);
		cr_assert_str_eq(m->name, "A/\"\\ \xc3\xa9\xf0\x9f\x98\x80");
		manifest_free(m);
		free(s);
		s = doc_with("serial", "1E+2");
		expect_refused(s, -EBADMSG, "field \"serial\": wrong type (number");
		free(s);
		s = doc_with("serial", "\r\n\t 7 \r\n");
		cr_assert_eq(parse(s, &m, &err), 0, "%s", err.msg);
		manifest_free(m);
		free(s);
	}
}

Test(manifest, nul_bytes_are_refused)
{
	char *s = doc_with(NULL, NULL);
	struct nojit_manifest *m;
	struct nojit_err err;
	size_t len = strlen(s);
	char *p = strstr(s, "agent");

	p[1] = '\0';
	cr_assert_eq(manifest_parse(s, len, &m, &err), -EBADMSG);
	cr_assert(strstr(err.msg, "NUL byte at line 3"), "%s", err.msg);
	free(s);
	/* After a complete document: still refused (json-c alone would stop there). */
	cr_assert_eq(manifest_parse("{}\0{\"x\":1}", 10, &m, &err), -EBADMSG);
}

Test(manifest, nested_garbage_is_refused)
{
	char deep[4096];
	size_t n = 0;
	char *s;

	for (int i = 0; i < 1000; i++)
		deep[n++] = '[';
	deep[n] = '\0';
	expect_refused(deep, -EBADMSG, "malformed JSON");
	for (int i = 0; i < 1000; i++)
		deep[n++] = ']';
	deep[n] = '\0';
	expect_refused(deep, -EBADMSG, "nesting too deep");
	s = doc_with("extra", "{\"a\": {\"b\": {\"c\": {\"d\": {\"e\": {\"f\": {\"g\": {}}}}}}}}");
	expect_refused(s, -EBADMSG, "nesting too deep");
	free(s);
	s = doc_with("entries", "[[[[" ENTRY(HA, "exec", "/x") "]]]]");
	expect_refused(s, -EBADMSG, "entries[0]: wrong type (array)");
	free(s);
}

/* Every field with values of every wrong type. */
struct bad_case {
	const char *key, *val, *needle;
	int r;
	bool stricter;	/* valid to the JSON schema, which cannot express the rule */
};

static const struct bad_case bad_cases[] = {
	{ "schema", "\"1\"", "field \"schema\": wrong type (string)", -EBADMSG, false },
	{ "schema", "1.0", "field \"schema\": wrong type (number with a fraction", -EBADMSG, true },
	{ "schema", "null", "field \"schema\": wrong type (null)", -EBADMSG, false },
	{ "schema", "true", "wrong type (boolean)", -EBADMSG, false },
	{ "schema", "[1]", "wrong type (array)", -EBADMSG, false },
	{ "schema", "{}", "wrong type (object)", -EBADMSG, false },
	{ "schema", "3", "unsupported schema version 3", -EPROTONOSUPPORT, false },
	{ "schema", "0", "unsupported schema version 0", -EPROTONOSUPPORT, false },
	{ "schema", "-1", "unsupported schema version -1", -EPROTONOSUPPORT, false },
	{ "schema", "99999999999999999999999999", "unsupported schema version", -EPROTONOSUPPORT, false },
	{ "name", "1", "field \"name\": wrong type (integer)", -EBADMSG, false },
	{ "name", "null", "field \"name\": wrong type (null)", -EBADMSG, false },
	{ "name", "[\"a\"]", "field \"name\": wrong type (array)", -EBADMSG, false },
	{ "name", "\"\"", "field \"name\" is empty", -EBADMSG, false },
	{ "name", "\"a\\u0000b\"", "control character", -EBADMSG, false },
	{ "name", "\"a\\nb\"", "control character", -EBADMSG, false },
	{ "name", "\"\\u001b[31mred\"", "control character", -EBADMSG, false },
	{ "name", "\"a\\u009bb\"", "control character", -EBADMSG, false },
	{ "name", "\"a\tb\"", "control character", -EBADMSG, false },
	{ "serial", "\"42\"", "field \"serial\": wrong type (string)", -EBADMSG, false },
	{ "serial", "42.0", "field \"serial\": wrong type (number", -EBADMSG, true },
	{ "serial", "4.2e1", "field \"serial\": wrong type (number", -EBADMSG, true },
	{ "serial", "-1", "field \"serial\": out of range", -EBADMSG, false },
	{ "serial", "-9223372036854775808", "out of range", -EBADMSG, false },
	{ "serial", "9007199254740992", "out of range", -EBADMSG, false },
	{ "serial", "9223372036854775807", "out of range", -EBADMSG, false },
	{ "serial", "18446744073709551615", "out of range", -EBADMSG, false },
	{ "serial", "100000000000000000000000000000000", "out of range", -EBADMSG, false },
	{ "serial", "false", "wrong type (boolean)", -EBADMSG, false },
	{ "issued", "1767225600", "field \"issued\": wrong type (integer)", -EBADMSG, false },
	{ "issued", "\"2026-01-01\"", "field \"issued\": not a UTC time", -EBADMSG, false },
	{ "issued", "\"2026-01-01T00:00:00+00:00\"", "not a UTC time", -EBADMSG, false },
	{ "issued", "\"2026-01-01T00:00:00.5Z\"", "not a UTC time", -EBADMSG, false },
	{ "issued", "\"2026-01-01t00:00:00z\"", "not a UTC time", -EBADMSG, false },
	{ "issued", "\"2026-01-01 00:00:00Z\"", "not a UTC time", -EBADMSG, false },
	{ "issued", "\"1969-12-31T23:59:59Z\"", "not a UTC time", -EBADMSG, false },
	{ "issued", "\"2026-13-01T00:00:00Z\"", "not a UTC time", -EBADMSG, false },
	{ "issued", "\"2026-01-01T24:00:00Z\"", "not a UTC time", -EBADMSG, false },
	{ "issued", "\"2026-01-01T00:60:00Z\"", "not a UTC time", -EBADMSG, false },
	{ "issued", "\"2026-01-01T00:00:60Z\"", "not a UTC time", -EBADMSG, false },
	{ "issued", "\"+026-01-01T00:00:00Z\"", "not a UTC time", -EBADMSG, false },
	{ "issued", "\"2026-01-00T00:00:00Z\"", "not a UTC time", -EBADMSG, false },
	{ "expires", "\"2026-01-01T00:00:00Z\"", "\"expires\" is not after \"issued\"", -EBADMSG, true },
	{ "expires", "\"2025-12-31T23:59:59Z\"", "\"expires\" is not after \"issued\"", -EBADMSG, true },
	{ "expires", "null", "field \"expires\": wrong type (null)", -EBADMSG, false },
	{ "mode", "1", "field \"mode\": wrong type (integer)", -EBADMSG, false },
	{ "mode", "\"Enforce\"", "field \"mode\" is not", -EBADMSG, false },
	{ "mode", "\"enforce\\u0000\"", "field \"mode\" is not", -EBADMSG, false },
	{ "mode", "\"\"", "field \"mode\" is not", -EBADMSG, false },
	{ "entries", "{}", "field \"entries\": wrong type (object)", -EBADMSG, false },
	{ "entries", "null", "field \"entries\": wrong type (null)", -EBADMSG, false },
	{ "entries", "\"" HA "\"", "field \"entries\": wrong type (string)", -EBADMSG, false },
	{ "entries", "[1]", "entries[0]: wrong type (integer)", -EBADMSG, false },
	{ "entries", "[null]", "entries[0]: wrong type (null)", -EBADMSG, false },
	{ "entries", "[\"" HA "\"]", "entries[0]: wrong type (string)", -EBADMSG, false },
	{ "entries", "[{}]", "entries[0]: missing \"sha256\"", -EBADMSG, false },
	{ "entries", "[{\"sha256\": \"" HA "\", \"kind\": \"exec\"}]", "entries[0]: missing \"path\"", -EBADMSG, false },
	{ "entries", "[{\"sha256\": \"" HA "\", \"path\": \"/x\"}]", "entries[0]: missing \"kind\"", -EBADMSG, false },
	{ "entries", "[" ENTRY(HA, "exec", "/a") ", {\"sha256\": 1, \"kind\": \"exec\", \"path\": \"/x\"}]",
	  "entries[1].sha256: wrong type (integer)", -EBADMSG, false },
	{ "entries", "[{\"sha256\": \"" HA "\", \"kind\": 1, \"path\": \"/x\"}]", "entries[0].kind: wrong type (integer)", -EBADMSG, false },
	{ "entries", "[{\"sha256\": \"" HA "\", \"kind\": \"exec\", \"path\": null}]", "entries[0].path: wrong type (null)", -EBADMSG, false },
	{ "entries", "[{\"sha256\": \"" HA "\", \"kind\": \"exec\", \"path\": [\"/x\"]}]", "entries[0].path: wrong type (array)", -EBADMSG, false },
	{ "entries", "[" ENTRY("", "exec", "/x") "]", "entries[0]: sha256 is not 64 hex digits", -EBADMSG, false },
	{ "entries", "[" ENTRY("aaaa", "exec", "/x") "]", "entries[0]: sha256 is not 64 hex digits", -EBADMSG, false },
	{ "entries", "[" ENTRY(HA "a", "exec", "/x") "]", "sha256 is not 64 hex digits", -EBADMSG, false },
	{ "entries", "[" ENTRY(HA "aa", "exec", "/x") "]", "sha256 is not 64 hex digits", -EBADMSG, false },
	{ "entries", "[" ENTRY("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "exec", "/x") "]",
	  "sha256 is not 64 hex digits (lowercase", -EBADMSG, false },
	{ "entries", "[" ENTRY("gggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggg", "exec", "/x") "]",
	  "sha256 is not 64 hex digits", -EBADMSG, false },
	{ "entries", "[" ENTRY(" aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "exec", "/x") "]",
	  "sha256 is not 64 hex digits", -EBADMSG, false },
	{ "entries", "[" ENTRY("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\\u0000a", "exec", "/x") "]",
	  "sha256 is not 64 hex digits", -EBADMSG, false },
	{ "entries", "[" ENTRY(HA, "EXEC", "/x") "]", "entries[0]: kind is not", -EBADMSG, false },
	{ "entries", "[" ENTRY(HA, "exec|lib", "/x") "]", "entries[0]: kind is not", -EBADMSG, false },
	{ "entries", "[" ENTRY(HA, "", "/x") "]", "entries[0]: kind is not", -EBADMSG, false },
	{ "entries", "[" ENTRY(HA, "exec", "/x\\n/y") "]", "entries[0]: path contains a control character", -EBADMSG, false },
	{ "entries", "[" ENTRY(HA, "exec", "/x\\u0000") "]", "entries[0]: path contains a control character", -EBADMSG, false },
	{ "entries", "[" ENTRY(HA, "exec", "/\xc0\xaf") "]", "invalid UTF-8", -EBADMSG, false },
	{ "entries", "[" ENTRY(HA, "exec", "/\xed\xa0\x80") "]", "invalid UTF-8", -EBADMSG, false },
	{ "entries", "[{\"sha256\": \"" HA "\", \"kind\": \"exec\", \"path\": \"/x\", \"mode\": \"audit\"}]",
	  "entries[0]: unknown field", -EBADMSG, false },
	/* Schema 2's jit_engines ("schema" is followed by it in these documents). */
	{ "schema", "1, \"jit_engines\": []", "field \"jit_engines\" needs schema 2 (this file says schema 1)", -EBADMSG, false },
	{ "schema", "1, \"jit_engines\": [" JIT(HA, "v8", "/usr/bin/a", "x") "]", "needs schema 2", -EBADMSG, false },
	{ "schema", "2, \"jit_engines\": {}", "field \"jit_engines\": wrong type (object)", -EBADMSG, false },
	{ "schema", "2, \"jit_engines\": null", "field \"jit_engines\": wrong type (null)", -EBADMSG, false },
	{ "schema", "2, \"jit_engines\": [1]", "jit_engines[0]: wrong type (integer)", -EBADMSG, false },
	{ "schema", "2, \"jit_engines\": [{}]", "jit_engines[0]: missing \"sha256\"", -EBADMSG, false },
	{ "schema", "2, \"jit_engines\": [" JIT(HC, "v8", "/x", "x") "]", "jit_engines[0]: sha256 is not among the entries", -EBADMSG, true },
	{ "schema", "2, \"jit_engines\": [" JIT("AA", "v8", "/x", "x") "]", "jit_engines[0]: sha256 is not 64 hex digits", -EBADMSG, false },
	{ "schema", "2, \"jit_engines\": [" JIT(HA, "V8", "/x", "x") "]", "jit_engines[0]: engine is not a name", -EBADMSG, false },
	{ "schema", "2, \"jit_engines\": [" JIT(HA, "-v8", "/x", "x") "]", "jit_engines[0]: engine is not a name", -EBADMSG, false },
	{ "schema", "2, \"jit_engines\": [" JIT(HA, "", "/x", "x") "]", "jit_engines[0]: engine is empty", -EBADMSG, false },
	{ "schema", "2, \"jit_engines\": [" JIT(HA, "v8", "/x", "") "]", "jit_engines[0]: evidence is empty", -EBADMSG, false },
	{ "schema", "2, \"jit_engines\": [" JIT(HA, "v8", "/x", "a\\u001b[31m") "]", "evidence contains a control character", -EBADMSG, false },
	{ "schema", "2, \"jit_engines\": [{\"sha256\": \"" HA "\", \"engine\": \"v8\", \"path\": \"/x\"}]",
	  "jit_engines[0]: missing \"evidence\"", -EBADMSG, false },
	{ "schema", "2, \"jit_engines\": [{\"sha256\": \"" HA "\", \"engine\": 8, \"path\": \"/x\", \"evidence\": \"x\"}]",
	  "jit_engines[0].engine: wrong type (integer)", -EBADMSG, false },
	{ "schema", "2, \"jit_engines\": [{\"sha256\": \"" HA "\", \"engine\": \"v8\", \"path\": \"/x\", \"evidence\": \"x\", \"allowed\": true}]",
	  "jit_engines[0]: unknown field", -EBADMSG, false },
	{ "schema", "2, \"jit_engines\": [" JIT(HA, "v8", "/x", "x") ", " JIT(HA, "v8", "/y", "y") "]",
	  "the same file and engine are recorded twice", -EBADMSG, true },
	{ "schema", "2, \"exemptions\": []", "unknown field \"exemptions\" (schema 2 has only", -EBADMSG, false },
	{ "unknown", "1", "unknown field \"unknown\"", -EBADMSG, false },
	{ "Schema", "1", "unknown field \"Schema\"", -EBADMSG, false },
	{ "signature", "\"AAAA\"", "unknown field \"signature\"", -EBADMSG, false },
	{ "schema", NULL, "missing field \"schema\"", -EBADMSG, false },
	{ "name", NULL, "missing field \"name\"", -EBADMSG, false },
	{ "serial", NULL, "missing field \"serial\"", -EBADMSG, false },
	{ "issued", NULL, "missing field \"issued\"", -EBADMSG, false },
	{ "expires", NULL, "missing field \"expires\"", -EBADMSG, false },
	{ "mode", NULL, "missing field \"mode\"", -EBADMSG, false },
	{ "entries", NULL, "missing field \"entries\"", -EBADMSG, false },
};

Test(manifest, wrong_types_bad_values_missing_and_unknown_fields)
{
	for (size_t i = 0; i < ARRAY_SIZE(bad_cases); i++) {
		char *s = doc_with(bad_cases[i].key, bad_cases[i].val);

		expect_refused(s, bad_cases[i].r, bad_cases[i].needle);
		free(s);
	}
}

Test(manifest, unsupported_schema_wins_over_unknown_fields)
{
	/* A future version has fields this one does not know: say "version", not "unknown field". */
	char *s = doc_with("schema", "3");
	char *t = malloc(strlen(s) + 64);

	strcpy(t, s);
	strcpy(strrchr(t, '}'), ", \"newfield\": true}\n");
	expect_refused(t, -EPROTONOSUPPORT, "unsupported schema version 3 (this nojit reads versions 1 to 2)");
	free(s);
	free(t);
}

Test(manifest, repeated_member_names_are_refused)
{
	char *s = doc_with("mode", "\"enforce\", \"mode\": \"audit\"");

	expect_refused(s, -EBADMSG, "same member name twice");
	free(s);
	s = doc_with("entries", "[{\"sha256\": \"" HA "\", \"kind\": \"exec\", \"path\": \"/x\", \"sha256\": \"" HB "\"}]");
	expect_refused(s, -EBADMSG, "same member name twice");
	free(s);
	/* Colons inside strings, escaped quotes: not members. */
	s = doc_with("name", "\"a:b\\\":c\\\\\"");
	{
		struct nojit_manifest *m;
		struct nojit_err err;

		cr_assert_eq(parse(s, &m, &err), 0, "%s", err.msg);
		cr_assert_str_eq(m->name, "a:b\":c\\");
		manifest_free(m);
	}
	free(s);
}

Test(manifest, limits_of_names_and_paths)
{
	char name[600], path[9000], val[9200];
	struct nojit_manifest *m;
	struct nojit_err err;
	char *s;

	memset(name, 'n', 255);
	name[255] = '\0';
	snprintf(val, sizeof(val), "\"%s\"", name);
	s = doc_with("name", val);
	cr_assert_eq(parse(s, &m, &err), 0, "255 characters: %s", err.msg);
	manifest_free(m);
	free(s);
	/* 255 characters of 2 bytes each still fit: the limit counts characters. */
	for (int i = 0; i < 255; i++)
		memcpy(name + 2 * i, "\xc3\xa9", 2);
	name[510] = '\0';
	snprintf(val, sizeof(val), "\"%s\"", name);
	s = doc_with("name", val);
	cr_assert_eq(parse(s, &m, &err), 0, "%s", err.msg);
	manifest_free(m);
	free(s);
	memset(name, 'n', 256);
	name[256] = '\0';
	snprintf(val, sizeof(val), "\"%s\"", name);
	s = doc_with("name", val);
	expect_refused(s, -EBADMSG, "field \"name\" is too long");
	free(s);

	path[0] = '/';
	memset(path + 1, 'p', 4095);
	path[4096] = '\0';
	snprintf(val, sizeof(val), "[{\"sha256\": \"%s\", \"kind\": \"lib\", \"path\": \"%s\"}]", HA, path);
	s = doc_with("entries", val);
	cr_assert_eq(parse(s, &m, &err), 0, "4096 characters: %s", err.msg);
	manifest_free(m);
	free(s);
	path[4096] = 'p';
	path[4097] = '\0';
	snprintf(val, sizeof(val), "[{\"sha256\": \"%s\", \"kind\": \"lib\", \"path\": \"%s\"}]", HA, path);
	s = doc_with("entries", val);
	expect_refused(s, -EBADMSG, "entries[0]: path is too long");
	free(s);
}

Test(manifest, serial_range_edges)
{
	struct nojit_manifest *m;
	struct nojit_err err;
	char *s;

	s = doc_with("serial", "9007199254740991");
	cr_assert_eq(parse(s, &m, &err), 0, "%s", err.msg);
	cr_assert_eq(m->serial, 9007199254740991ull);
	manifest_free(m);
	free(s);
	s = doc_with("serial", "0");
	cr_assert_eq(parse(s, &m, &err), 0, "%s", err.msg);
	manifest_free(m);
	free(s);
}

Test(manifest, random_bytes_never_crash)
{
	char buf[512];
	struct nojit_manifest *m;
	struct nojit_err err;

	srand(1);
	for (int i = 0; i < 20000; i++) {
		size_t len = (size_t)(rand() % (int)sizeof(buf));

		for (size_t j = 0; j < len; j++)
			buf[j] = (char)(rand() % 4 ? " {}[]\":,0123456789aeflnrstu\\"[rand() % 29] : rand());
		cr_assert_neq(manifest_parse(buf, len, &m, &err), 0);
	}
}

Test(manifest, mutated_manifests_parse_or_fail_cleanly)
{
	char *s = doc_with(NULL, NULL);
	size_t len = strlen(s);
	char *t = malloc(len);
	struct nojit_manifest *m;
	struct nojit_err err;
	int ok = 0;

	srand(2);
	for (int i = 0; i < 20000; i++) {
		memcpy(t, s, len);
		for (int k = 0; k < 1 + rand() % 3; k++)
			t[rand() % (int)len] = (char)rand();
		if (!manifest_parse(t, len, &m, &err)) {
			ok++;
			cr_assert_not_null(m->name);
			manifest_free(m);
		}
	}
	cr_assert_lt(ok, 20000);
	free(s);
	free(t);
}

/* ---- time ------------------------------------------------------------- */

Test(manifest, times_parse_strictly_and_round_trip)
{
	static const struct {
		const char *s;
		__s64 t;
	} good[] = {
		{ "1970-01-01T00:00:00Z", 0 },
		{ "2000-01-01T00:00:00Z", 946684800 },
		{ "2000-02-29T12:34:56Z", 951827696 },
		{ "2024-02-29T00:00:00Z", 1709164800 },
		{ "2038-01-19T03:14:08Z", 2147483648 },
		{ "9999-12-31T23:59:59Z", 253402300799 },
	};
	static const char *const bad[] = {
		"2100-02-29T00:00:00Z", "2023-02-29T00:00:00Z", "2026-04-31T00:00:00Z",
		"2026-06-31T00:00:00Z", "2026-1-01T00:00:00Z", "2026-01-01T00:00:00",
		"2026-01-01T00:00:00ZZ", "", "0000-01-01T00:00:00Z", "2026-01-01T0a:00:00Z",
	};
	char buf[32];
	__s64 t;

	for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
		cr_assert_eq(manifest_time_parse(good[i].s, strlen(good[i].s), &t), 0, "%s", good[i].s);
		cr_assert_eq(t, good[i].t, "%s: %lld", good[i].s, (long long)t);
		manifest_time_format(t, buf);
		cr_assert_str_eq(buf, good[i].s);
	}
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		cr_assert_neq(manifest_time_parse(bad[i], strlen(bad[i]), &t), 0, "%s", bad[i]);
}

Test(manifest, validity_window)
{
	char *s = doc_with(NULL, NULL);
	struct nojit_manifest *m;
	struct nojit_err err;

	cr_assert_eq(parse(s, &m, &err), 0, "%s", err.msg);
	cr_assert_eq(manifest_check_time(m, NOW, &err), 0);
	cr_assert_eq(manifest_check_time(m, T_ISSUED, &err), 0);
	cr_assert_eq(manifest_check_time(m, T_ISSUED - NOJIT_MANIFEST_CLOCK_SKEW, &err), 0, "clock skew");
	cr_assert_eq(manifest_check_time(m, T_ISSUED - NOJIT_MANIFEST_CLOCK_SKEW - 1, &err), -ETIME);
	cr_assert(strstr(err.msg, "not valid yet"), "%s", err.msg);
	cr_assert_eq(manifest_check_time(m, T_EXPIRES - 1, &err), 0);
	cr_assert_eq(manifest_check_time(m, T_EXPIRES, &err), -EKEYEXPIRED);
	cr_assert(strstr(err.msg, "expired at 2027-01-01T00:00:00Z"), "%s", err.msg);
	manifest_free(m);
	free(s);
}

/* ---- signatures and the verified loader ------------------------------- */

Test(manifest, verified_load_accepts_a_good_signature)
{
	char *s = doc_with(NULL, NULL);
	const char *f = signed_file("m.json", s, strlen(s), "k1");
	struct nojit_manifest *m = NULL;
	struct nojit_pubkey pub;
	struct nojit_err err;
	__u8 h[32];

	cr_assert_eq(key_load_public(scratch_path("k1/nojit.pub"), &pub, &err), 0);
	cr_assert_eq(manifest_load_verified(f, scratch_path("k1/nojit.pub"), NOW, &m, &err), 0, "%s", err.msg);
	cr_assert_str_eq(m->key_id, pub.id);
	crypto_hash_sha256(h, (const unsigned char *)s, strlen(s));
	cr_assert_eq(memcmp(h, m->file_sha256, 32), 0);
	cr_assert_eq(m->n_entries, 2);
	manifest_free(m);
	/* A trust directory holding both keys works too. */
	cr_assert_eq(mkdir(scratch_path("trust"), 0755), 0);
	cr_assert_eq(link(scratch_path("k1/nojit.pub"), scratch_path("trust/one.pub")), 0);
	cr_assert_eq(link(scratch_path("k2/nojit.pub"), scratch_path("trust/two.pub")), 0);
	cr_assert_eq(manifest_load_verified(f, scratch_path("trust"), NOW, &m, &err), 0, "%s", err.msg);
	manifest_free(m);
	free(s);
}

Test(manifest, signature_file_format)
{
	char *s = doc_with(NULL, NULL);
	const char *f = signed_file("m.json", s, strlen(s), "k1");
	struct nojit_pubkey pub;
	struct nojit_err err;
	char sig[600], path[300], expect[128];

	snprintf(path, sizeof(path), "%s.sig", f);
	cr_assert_eq(read_file(path, sig, sizeof(sig)), strlen(NOJIT_SIG_TAG) + 1 + 16 + 1 + 88 + 1);
	cr_assert_eq(key_load_public(scratch_path("k1/nojit.pub"), &pub, &err), 0);
	snprintf(expect, sizeof(expect), "%s %s ", NOJIT_SIG_TAG, pub.id);
	cr_assert(!strncmp(sig, expect, strlen(expect)), "%s", sig);
	free(s);
}

/* Rewrite FILE.sig with one byte of the decoded signature flipped. */
static void flip_sig_byte(const char *file, size_t byte)
{
	char path[300], line[600], b64[100];
	__u8 raw[64];
	size_t len, off;

	snprintf(path, sizeof(path), "%s.sig", file);
	len = read_file(path, line, sizeof(line));
	off = strlen(NOJIT_SIG_TAG) + 1 + 16 + 1;
	cr_assert_eq(b64_decode_exact(line + off, len - off - 1, raw, 64), 0);
	raw[byte] ^= 0x01;
	sodium_bin2base64(b64, sizeof(b64), raw, 64, sodium_base64_VARIANT_ORIGINAL);
	memcpy(line + off, b64, 88);
	write_file(path, line, len);
}

Test(manifest, any_flipped_byte_is_a_bad_signature)
{
	char *s = doc_with(NULL, NULL);
	size_t len = strlen(s);
	const char *f = signed_file("m.json", s, len, "k1");
	char file[256], trust[256];
	struct nojit_manifest *m = NULL;
	struct nojit_err err;

	snprintf(file, sizeof(file), "%s", f);
	snprintf(trust, sizeof(trust), "%s", scratch_path("k1/nojit.pub"));
	/* Every byte of the manifest, one at a time, including whitespace. */
	for (size_t i = 0; i < len; i++) {
		s[i] ^= 0x20;
		write_file(file, s, len);
		cr_assert_eq(manifest_load_verified(file, trust, NOW, &m, &err), -EKEYREJECTED,
			     "byte %zu flipped: %s", i, err.msg);
		cr_assert_null(m);
		s[i] ^= 0x20;
	}
	cr_assert(strstr(err.msg, "bad signature"), "%s", err.msg);
	cr_assert(strstr(err.msg, file), "names the manifest: %s", err.msg);
	/* Appended or removed bytes. */
	write_file(file, s, len - 1);
	cr_assert_eq(manifest_load_verified(file, trust, NOW, &m, &err), -EKEYREJECTED);
	s = realloc(s, len + 2);
	strcat(s, " ");
	write_file(file, s, len + 1);
	cr_assert_eq(manifest_load_verified(file, trust, NOW, &m, &err), -EKEYREJECTED);
	write_file(file, s, len);
	cr_assert_eq(manifest_load_verified(file, trust, NOW, &m, &err), 0, "restored: %s", err.msg);
	manifest_free(m);
	/* Every byte of the signature. */
	for (size_t i = 0; i < 64; i++) {
		flip_sig_byte(file, i);
		cr_assert_eq(manifest_load_verified(file, trust, NOW, &m, &err), -EKEYREJECTED, "sig byte %zu", i);
		flip_sig_byte(file, i);
	}
	cr_assert_eq(manifest_load_verified(file, trust, NOW, &m, &err), 0, "%s", err.msg);
	manifest_free(m);
	free(s);
}

Test(manifest, signature_by_another_key)
{
	char *s = doc_with(NULL, NULL);
	const char *f = signed_file("m.json", s, strlen(s), "k2");
	struct nojit_manifest *m = NULL;
	struct nojit_pubkey p1, p2;
	struct nojit_err err;
	char sig[600], path[300];
	size_t len;

	cr_assert_eq(key_load_public(scratch_path("k1/nojit.pub"), &p1, &err), 0);
	cr_assert_eq(key_load_public(scratch_path("k2/nojit.pub"), &p2, &err), 0);
	/* Unknown key: named by its id. */
	cr_assert_eq(manifest_load_verified(f, scratch_path("k1/nojit.pub"), NOW, &m, &err), -ENOKEY);
	cr_assert(strstr(err.msg, "unknown key"), "%s", err.msg);
	cr_assert(strstr(err.msg, p2.id), "names the signing key: %s", err.msg);
	cr_assert(strstr(err.msg, p1.id), "and what the store holds: %s", err.msg);
	/* k2's signature relabelled as k1's: the lookup succeeds, the check does not. */
	snprintf(path, sizeof(path), "%s.sig", f);
	len = read_file(path, sig, sizeof(sig));
	memcpy(sig + strlen(NOJIT_SIG_TAG) + 1, p1.id, 16);
	write_file(path, sig, len);
	cr_assert_eq(manifest_load_verified(f, scratch_path("k1/nojit.pub"), NOW, &m, &err), -EKEYREJECTED, "%s", err.msg);
	cr_assert_null(m);
	free(s);
}

/*
 * What is verified is what is used: the loader reads the manifest's bytes
 * once, checks the signature over them and parses them. A thread keeps
 * renaming another manifest (the same fields, name "evil") over the signed
 * one and back, the signature file staying: every load yields the signed
 * manifest or a bad signature, never the other one. A loader that read
 * the file again to parse it would hand out "evil" now and then.
 */
Test(manifest, file_swapped_while_loaded)
{
	char *good = doc_with(NULL, NULL), *evil = doc_with("name", "\"evil\"");
	unsigned int ok = 0, refused = 0, wrong = 0;
	const char *trust = scratch_path("k1/nojit.pub");
	struct nojit_manifest *m;
	struct nojit_err err;
	struct race race;
	char path[256];

	signed_file("good.json", good, strlen(good), "k1");
	write_file(scratch_path("evil.json"), evil, strlen(evil));
	write_file(scratch_path("m.json"), good, strlen(good));
	cr_assert_eq(link(scratch_path("good.json.sig"), scratch_path("m.json.sig")), 0);
	snprintf(path, sizeof(path), "%s", scratch_path("m.json"));
	race_start(&race, scratch_path("good.json"), scratch_path("evil.json"), path);
	for (int i = 0; i < 5000; i++) {
		int r = manifest_load_verified(path, trust, NOW, &m, &err);

		if (r == -EKEYREJECTED)
			refused++;
		else if (!r && !strcmp(m->name, "agent"))
			ok++;
		else
			wrong++;
		if (!r)
			manifest_free(m);
	}
	race_stop(&race);
	cr_assert_eq(wrong, 0, "%u loads gave the unsigned manifest or failed otherwise (%u ok, %u refused)",
		     wrong, ok, refused);
	cr_assert(ok > 0 && refused > 0, "the race was not on: %u ok, %u refused", ok, refused);
	free(good);
	free(evil);
}

Test(manifest, signature_without_the_context_is_refused)
{
	char *s = doc_with(NULL, NULL);
	const char *f = signed_file("m.json", s, strlen(s), "k1");
	struct nojit_manifest *m = NULL;
	struct nojit_seckey sk;
	struct nojit_err err;
	char line[300], b64[100], path[300];
	__u8 sig[64];

	/* A plain Ed25519 signature over the bytes alone (no domain string). */
	cr_assert_eq(key_load_secret(scratch_path("k1/nojit.key"), &sk, &err), 0);
	cr_assert_eq(key_sign(&sk, s, strlen(s), sig), 0);
	sodium_bin2base64(b64, sizeof(b64), sig, 64, sodium_base64_VARIANT_ORIGINAL);
	snprintf(line, sizeof(line), "%s %s %s\n", NOJIT_SIG_TAG, sk.pub.id, b64);
	key_secret_wipe(&sk);
	snprintf(path, sizeof(path), "%s.sig", f);
	write_file(path, line, strlen(line));
	cr_assert_eq(manifest_load_verified(f, scratch_path("k1/nojit.pub"), NOW, &m, &err), -EKEYREJECTED);
	free(s);
}

Test(manifest, malformed_missing_and_future_signature_files)
{
	char *s = doc_with(NULL, NULL);
	const char *f = signed_file("m.json", s, strlen(s), "k1");
	struct nojit_manifest *m = NULL;
	struct nojit_err err;
	char path[300], good[600], line[700];
	size_t len;
	static const struct {
		const char *text;
		int r;
	} bad[] = {
		{ "", -EBADMSG },
		{ "garbage\n", -EBADMSG },
		{ "{\"algorithm\":\"ed25519\"}\n", -EBADMSG },
		{ "nojit-ed25519-signature-v2 0123456789abcdef AAAA\n", -EPROTONOSUPPORT },
		{ "nojit-ed25519-signature-v1 0123456789abcdeX AAAA\n", -EBADMSG },
		{ "nojit-ed25519-signature-v1 0123456789ABCDEF AAAA\n", -EBADMSG },
		{ "nojit-ed25519-signature-v1 0123456789abcdef AAAA\n", -EBADMSG },
		{ "nojit-ed25519-signature-v1 0123456789abcdef\n", -EBADMSG },
		{ "nojit-ed25519-signature-v1 0123\n", -EBADMSG },
	};

	snprintf(path, sizeof(path), "%s.sig", f);
	len = read_file(path, good, sizeof(good));
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		write_file(path, bad[i].text, strlen(bad[i].text));
		cr_assert_eq(manifest_load_verified(f, scratch_path("k1/nojit.pub"), NOW, &m, &err), bad[i].r,
			     "case %zu: %s", i, err.msg);
		cr_assert_null(m);
	}
	/* Extra text after a good signature line. */
	snprintf(line, sizeof(line), "%.*s trailing\n", (int)len - 1, good);
	write_file(path, line, strlen(line));
	cr_assert_eq(manifest_load_verified(f, scratch_path("k1/nojit.pub"), NOW, &m, &err), -EBADMSG);
	/* A huge signature file is not read. */
	{
		char *big = calloc(1, 1 << 20);

		memset(big, 'A', (1 << 20) - 1);
		write_file(path, big, 1 << 20);
		free(big);
		cr_assert_eq(manifest_load_verified(f, scratch_path("k1/nojit.pub"), NOW, &m, &err), -EBADMSG);
	}
	unlink(path);
	cr_assert_eq(manifest_load_verified(f, scratch_path("k1/nojit.pub"), NOW, &m, &err), -ENOENT);
	cr_assert(strstr(err.msg, "not signed"), "%s", err.msg);
	cr_assert_eq(manifest_load_verified(scratch_path("absent.json"), scratch_path("k1/nojit.pub"), NOW, &m, &err),
		     -ENOENT);
	cr_assert_eq(manifest_load_verified(f, scratch_path("no-such-trust"), NOW, &m, &err), -ENOENT);
	free(s);
}

Test(manifest, expired_and_not_yet_valid)
{
	char *s = doc_with(NULL, NULL);
	const char *f = signed_file("m.json", s, strlen(s), "k1");
	struct nojit_manifest *m = NULL;
	struct nojit_err err;

	cr_assert_eq(manifest_load_verified(f, scratch_path("k1"), T_EXPIRES, &m, &err), -EKEYEXPIRED);
	cr_assert(strstr(err.msg, "expired at 2027-01-01T00:00:00Z"), "%s", err.msg);
	cr_assert_null(m);
	cr_assert_eq(manifest_load_verified(f, scratch_path("k1"), T_ISSUED - 86400, &m, &err), -ETIME);
	cr_assert(strstr(err.msg, "not valid yet"), "%s", err.msg);
	cr_assert_null(m);
	free(s);
}

Test(manifest, signed_but_malformed_or_future_schema)
{
	char *s = doc_with("serial", "\"x\"");
	const char *f;
	struct nojit_manifest *m = NULL;
	struct nojit_err err;
	struct nojit_seckey sk;
	char sig[300], b64[100], path[300];
	__u8 raw[64];
	size_t len = strlen(s);
	char *ctx = malloc(strlen(NOJIT_MANIFEST_SIG_CONTEXT) + len);

	/* manifest sign refuses these, so sign by hand: a signer using another tool. */
	f = scratch_path("bad.json");
	write_file(f, s, len);
	cr_assert_eq(key_load_secret(scratch_path("k1/nojit.key"), &sk, &err), 0);
	cr_assert_eq(manifest_sign_file(f, &sk, NOW, NULL, &err), -EBADMSG);
	memcpy(ctx, NOJIT_MANIFEST_SIG_CONTEXT, strlen(NOJIT_MANIFEST_SIG_CONTEXT));
	memcpy(ctx + strlen(NOJIT_MANIFEST_SIG_CONTEXT), s, len);
	cr_assert_eq(key_sign(&sk, ctx, strlen(NOJIT_MANIFEST_SIG_CONTEXT) + len, raw), 0);
	sodium_bin2base64(b64, sizeof(b64), raw, 64, sodium_base64_VARIANT_ORIGINAL);
	snprintf(sig, sizeof(sig), "%s %s %s\n", NOJIT_SIG_TAG, sk.pub.id, b64);
	snprintf(path, sizeof(path), "%s.sig", f);
	write_file(path, sig, strlen(sig));
	cr_assert_eq(manifest_load_verified(f, scratch_path("k1"), NOW, &m, &err), -EBADMSG);
	cr_assert(strstr(err.msg, "field \"serial\": wrong type"), "%s", err.msg);
	cr_assert(strstr(err.msg, "bad.json"), "%s", err.msg);
	free(s);

	s = doc_with("schema", "7");
	len = strlen(s);
	write_file(f, s, len);
	ctx = realloc(ctx, strlen(NOJIT_MANIFEST_SIG_CONTEXT) + len);
	memcpy(ctx + strlen(NOJIT_MANIFEST_SIG_CONTEXT), s, len);
	cr_assert_eq(key_sign(&sk, ctx, strlen(NOJIT_MANIFEST_SIG_CONTEXT) + len, raw), 0);
	sodium_bin2base64(b64, sizeof(b64), raw, 64, sodium_base64_VARIANT_ORIGINAL);
	snprintf(sig, sizeof(sig), "%s %s %s\n", NOJIT_SIG_TAG, sk.pub.id, b64);
	write_file(path, sig, strlen(sig));
	cr_assert_eq(manifest_load_verified(f, scratch_path("k1"), NOW, &m, &err), -EPROTONOSUPPORT);
	cr_assert(strstr(err.msg, "unsupported schema version 7"), "%s", err.msg);
	key_secret_wipe(&sk);
	free(ctx);
	free(s);
}

Test(manifest, sign_refuses_invalid_or_expired_manifests)
{
	char *s = doc_with("entries", "[" ENTRY("abc", "exec", "/x") "]");
	struct nojit_seckey sk;
	struct nojit_err err;
	char path[300];

	cr_assert_eq(key_load_secret(scratch_path("k1/nojit.key"), &sk, &err), 0);
	write_file(scratch_path("m.json"), s, strlen(s));
	cr_assert_eq(manifest_sign_file(scratch_path("m.json"), &sk, NOW, NULL, &err), -EBADMSG);
	cr_assert(strstr(err.msg, "sha256 is not 64 hex digits"), "%s", err.msg);
	snprintf(path, sizeof(path), "%s.sig", scratch_path("m.json"));
	cr_assert_neq(access(path, F_OK), 0, "no signature written");
	free(s);
	s = doc_with(NULL, NULL);
	write_file(scratch_path("m.json"), s, strlen(s));
	cr_assert_eq(manifest_sign_file(scratch_path("m.json"), &sk, T_EXPIRES + 1, NULL, &err), -EKEYEXPIRED);
	cr_assert_neq(access(path, F_OK), 0);
	key_secret_wipe(&sk);
	free(s);
}

Test(manifest, a_100MB_garbage_file_is_refused_quickly)
{
	const char *f = scratch_path("huge.json");
	struct nojit_manifest *m = NULL;
	struct nojit_seckey sk;
	struct nojit_err err;
	struct timespec t0, t1;
	char junk[1 << 16];
	int fd;
	double secs;

	fd = open(f, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	cr_assert_geq(fd, 0);
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (char)(i * 131 + 7);
	for (int i = 0; i < 1600; i++)
		cr_assert_eq(write(fd, junk, sizeof(junk)), (ssize_t)sizeof(junk));
	close(fd);
	write_file(scratch_path("huge.json.sig"), "x", 1);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	cr_assert_eq(manifest_load_verified(f, scratch_path("k1"), NOW, &m, &err), -EFBIG);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	cr_assert(strstr(err.msg, "too large"), "%s", err.msg);
	cr_assert(strstr(err.msg, "64 MiB"), "%s", err.msg);
	cr_assert_lt(secs, 0.05, "refused before reading: %.3f s", secs);
	cr_assert_null(m);
	cr_assert_eq(key_load_secret(scratch_path("k1/nojit.key"), &sk, &err), 0);
	cr_assert_eq(manifest_sign_file(f, &sk, NOW, NULL, &err), -EFBIG);
	key_secret_wipe(&sk);
	/* Just over the limit is refused as well; the parser has the same limit. */
	cr_assert_eq(truncate(f, (off_t)NOJIT_MANIFEST_MAX_BYTES + 1), 0);
	cr_assert_eq(manifest_load_verified(f, scratch_path("k1"), NOW, &m, &err), -EFBIG);
}

Test(manifest, a_100000_entry_manifest_loads_fast)
{
	size_t n = 100000, cap = n * 200 + 1024, len = 0;
	char *s = malloc(cap), hex[65];
	const char *f;
	struct nojit_manifest *m = NULL;
	struct nojit_err err;
	struct timespec t0, t1;
	double secs;

	len += (size_t)snprintf(s, cap, "{\"schema\": 1, \"name\": \"big\", \"serial\": 1, "
				"\"issued\": \"2026-01-01T00:00:00Z\", \"expires\": \"2027-01-01T00:00:00Z\", "
				"\"mode\": \"enforce\", \"entries\": [");
	for (size_t i = 0; i < n; i++) {
		__u8 h[32];

		crypto_hash_sha256(h, (const unsigned char *)&i, sizeof(i));
		sodium_bin2hex(hex, sizeof(hex), h, 32);
		len += (size_t)snprintf(s + len, cap - len, "%s\n{\"sha256\": \"%s\", \"kind\": \"%s\", \"path\": \"/usr/lib/x86_64-linux-gnu/lib%zu.so\"}",
					i ? "," : "", hex, i % 3 ? "lib" : "exec", i);
	}
	len += (size_t)snprintf(s + len, cap - len, "]}\n");
	cr_assert_lt(len, cap);
	f = signed_file("big.json", s, len, "k1");

	/* CPU time: the wall clock of a loaded CI machine says little. */
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
	cr_assert_eq(manifest_load_verified(f, scratch_path("k1"), NOW, &m, &err), 0, "%s", err.msg);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	cr_assert_eq(m->n_entries, n);
	for (size_t i = 1; i < n; i++)
		cr_assert_lt(memcmp(m->entries[i - 1].sha256, m->entries[i].sha256, 32), 0, "sorted, unique");
	/*
	 * Under ASan/UBSan; the -O2 build takes about 0.4 s of CPU (docs/manifest.md).
	 * This bound catches anything worse than n log n.
	 */
	cr_assert_lt(secs, 2.0, "%zu bytes, %zu entries: %.3f s of CPU", len, n, secs);
	cr_log_info("100000 entries (%zu bytes): verified and parsed in %.3f s of CPU (ASan build)", len, secs);
	manifest_free(m);
	free(s);
}

/* ---- formatting ------------------------------------------------------- */

Test(manifest, format_round_trips_and_escapes)
{
	struct nojit_manifest_entry e[3] = {
		{ .kind = NOJIT_KIND_EXEC, .path = "/usr/bin/\"quoted\" \\back\\slash" },
		{ .kind = NOJIT_KIND_LIB, .path = "/usr/lib/caf\xc3\xa9/\xf0\x9f\x98\x80.so" },
		{ .kind = NOJIT_KIND_ANY, .path = "" },
	};
	struct nojit_manifest in = {
		.schema = 1, .name = "round \"trip\"", .serial = 7, .issued = T_ISSUED, .expires = T_EXPIRES,
		.mode = NOJIT_MODE_AUDIT, .entries = e, .n_entries = 3,
	};
	struct nojit_manifest *out;
	struct nojit_err err;
	char *buf;
	size_t len;

	for (int i = 0; i < 3; i++)
		memset(e[i].sha256, 0x11 * (i + 1), 32);
	cr_assert_eq(manifest_format(&in, &buf, &len, &err), 0, "%s", err.msg);
	cr_assert_eq(strlen(buf), len);
	cr_assert(strstr(buf, "\n    {\"sha256\": \"1111"), "one entry per line:\n%s", buf);
	cr_assert_eq(manifest_parse(buf, len, &out, &err), 0, "%s", err.msg);
	cr_assert_str_eq(out->name, in.name);
	cr_assert_eq(out->serial, 7);
	cr_assert_eq(out->issued, T_ISSUED);
	cr_assert_eq(out->expires, T_EXPIRES);
	cr_assert_eq(out->mode, NOJIT_MODE_AUDIT);
	cr_assert_eq(out->n_entries, 3);
	for (int i = 0; i < 3; i++) {
		cr_assert_str_eq(out->entries[i].path, e[i].path);
		cr_assert_eq(out->entries[i].kind, e[i].kind);
		cr_assert_eq(memcmp(out->entries[i].sha256, e[i].sha256, 32), 0);
	}
	manifest_free(out);
	free(buf);

	/* What the parser would refuse is never written. */
	e[0].path = "/tmp/evil\n\x1b[2J";
	cr_assert_eq(manifest_format(&in, &buf, &len, &err), -EBADMSG);
	cr_assert(strstr(err.msg, "control character"), "%s", err.msg);
	e[0].path = "/ok";
	e[1].kind = 0;
	cr_assert_eq(manifest_format(&in, &buf, &len, &err), -EBADMSG);
	e[1].kind = NOJIT_KIND_LIB;
	in.expires = in.issued;
	cr_assert_eq(manifest_format(&in, &buf, &len, &err), -EBADMSG);
	in.expires = T_EXPIRES;
	in.n_entries = 0;
	cr_assert_eq(manifest_format(&in, &buf, &len, &err), 0, "%s", err.msg);
	cr_assert(strstr(buf, "\"entries\": []"), "%s", buf);
	free(buf);
}

Test(manifest, sanitize_makes_any_bytes_acceptable_text)
{
	char s[] = "/a\nb\x1b[0m\xc2\x9b\xff\xc0\xaf\xe2\x82\xac\xf0\x9f\x98\x80\x7f";
	char t[256];

	manifest_text_sanitize(s);
	cr_assert_str_eq(s, "/a?b?[0m????\xe2\x82\xac\xf0\x9f\x98\x80?");
	srand(3);
	for (int i = 0; i < 10000; i++) {
		size_t n = (size_t)(rand() % 255);
		char doc[1024];
		struct nojit_manifest *m;
		struct nojit_err err;

		for (size_t j = 0; j < n; j++)
			t[j] = (char)(1 + rand() % 255);
		t[n] = '\0';
		manifest_text_sanitize(t);
		/* Put it where a path goes (quotes and backslashes aside, JSON needs those escaped). */
		for (char *p = t; *p; p++)
			if (*p == '"' || *p == '\\')
				*p = '_';
		snprintf(doc, sizeof(doc), "{\"schema\": 1, \"name\": \"x\", \"serial\": 1, \"issued\": \"2026-01-01T00:00:00Z\", "
			 "\"expires\": \"2027-01-01T00:00:00Z\", \"mode\": \"audit\", \"entries\": [{\"sha256\": \"%s\", "
			 "\"kind\": \"lib\", \"path\": \"%s\"}]}", HA, t);
		cr_assert_eq(manifest_parse(doc, strlen(doc), &m, &err), 0, "%s: %s", t, err.msg);
		manifest_free(m);
	}
}

Test(manifest, jit_engines_round_trip_in_schema_2_only)
{
	struct nojit_manifest_entry e[2] = {
		{ .kind = NOJIT_KIND_ANY, .path = "/usr/bin/node" },
		{ .kind = NOJIT_KIND_LIB, .path = "/usr/lib/libjli.so" },
	};
	struct nojit_manifest_jit_engine j[2] = {
		{ .engine = "v8", .path = "/usr/bin/node", .evidence = "defines _ZN2v82V8 (\"v8::V8::\")" },
		{ .engine = "jvm", .path = "/usr/lib/libjli.so", .evidence = "is DT_SONAME libjli.so" },
	};
	struct nojit_manifest in = {
		.schema = 2, .name = "jit", .serial = 7, .issued = T_ISSUED, .expires = T_EXPIRES,
		.mode = NOJIT_MODE_ENFORCE, .entries = e, .n_entries = 2, .jit_engines = j, .n_jit_engines = 2,
	};
	struct nojit_manifest *out;
	struct nojit_err err;
	char *buf;
	size_t len;

	memset(e[0].sha256, 0x22, 32);
	memset(e[1].sha256, 0x11, 32);
	memcpy(j[0].sha256, e[0].sha256, 32);
	memcpy(j[1].sha256, e[1].sha256, 32);
	cr_assert_eq(manifest_format(&in, &buf, &len, &err), 0, "%s", err.msg);
	cr_assert(strstr(buf, "\"schema\": 2"), "%s", buf);
	cr_assert(strstr(buf, "\n    {\"sha256\": \"2222"), "one record per line:\n%s", buf);
	cr_assert_eq(manifest_parse(buf, len, &out, &err), 0, "%s", err.msg);
	cr_assert_eq(out->schema, 2);
	cr_assert_eq(out->n_jit_engines, 2);
	/* Sorted by sha256: libjli's 0x11... first. */
	cr_assert_str_eq(out->jit_engines[0].engine, "jvm");
	cr_assert_str_eq(out->jit_engines[1].engine, "v8");
	cr_assert_str_eq(out->jit_engines[1].evidence, j[0].evidence);
	cr_assert_str_eq(out->jit_engines[1].path, "/usr/bin/node");
	cr_assert_eq(memcmp(out->jit_engines[1].sha256, e[0].sha256, 32), 0);
	manifest_free(out);
	free(buf);

	/* Schema 1 cannot carry them: the formatter's output is parsed back and refused. */
	in.schema = 1;
	cr_assert_eq(manifest_format(&in, &buf, &len, &err), -EBADMSG);
	cr_assert(strstr(err.msg, "needs schema 2"), "%s", err.msg);
	/* A record for a file that is not listed. */
	in.schema = 2;
	j[1].sha256[0] ^= 1;
	cr_assert_eq(manifest_format(&in, &buf, &len, &err), -EBADMSG);
	cr_assert(strstr(err.msg, "not among the entries"), "%s", err.msg);
	/* Schema 2 without records is schema 2, and means what schema 1 means. */
	in.n_jit_engines = 0;
	cr_assert_eq(manifest_format(&in, &buf, &len, &err), 0, "%s", err.msg);
	cr_assert_null(strstr(buf, "jit_engines"), "%s", buf);
	cr_assert_eq(manifest_parse(buf, len, &out, &err), 0, "%s", err.msg);
	cr_assert_eq(out->schema, 2);
	cr_assert_eq(out->n_entries, 2);
	manifest_free(out);
	free(buf);
}

/* ---- the JSON schema -------------------------------------------------- */

static struct json_object *load_schema(void)
{
	struct json_object *s = json_object_from_file(SCHEMA_FILE);

	cr_assert_not_null(s, "%s must be valid JSON (run the tests from the repository root)", SCHEMA_FILE);
	return s;
}

static struct json_object *jget(struct json_object *o, const char *path)
{
	char buf[256], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *k = strtok_r(buf, "/", &save); k; k = strtok_r(NULL, "/", &save)) {
		struct json_object *v;

		cr_assert(json_object_object_get_ex(o, k, &v), "schema lacks %s (at %s)", path, k);
		o = v;
	}
	return o;
}

Test(manifest, schema_states_the_parsers_limits)
{
	struct json_object *s = load_schema(), *req;
	const char *time_pattern;

	cr_assert_str_eq(json_object_get_string(jget(s, "$schema")), "https://json-schema.org/draft/2020-12/schema");
	cr_assert_eq(json_object_get_boolean(jget(s, "additionalProperties")), 0);
	req = jget(s, "required");
	cr_assert_eq(json_object_array_length(req), 7);
	cr_assert_eq(json_object_array_length(jget(s, "properties/schema/enum")),
		     NOJIT_MANIFEST_SCHEMA - NOJIT_MANIFEST_SCHEMA_MIN + 1);
	cr_assert_eq(json_object_get_int(json_object_array_get_idx(jget(s, "properties/schema/enum"), 1)),
		     NOJIT_MANIFEST_SCHEMA);
	cr_assert_eq(json_object_get_int(jget(s, "$defs/jit_engine/properties/engine/maxLength")),
		     NOJIT_MANIFEST_ENGINE_MAX);
	cr_assert_eq(json_object_get_int(jget(s, "$defs/jit_engine/properties/evidence/maxLength")),
		     NOJIT_MANIFEST_EVIDENCE_MAX);
	cr_assert_eq(json_object_array_length(jget(s, "$defs/jit_engine/required")), 4);
	cr_assert_eq(json_object_get_int(jget(s, "properties/name/maxLength")), NOJIT_MANIFEST_NAME_MAX);
	cr_assert_eq(json_object_get_int(jget(s, "properties/name/minLength")), 1);
	cr_assert_eq((__u64)json_object_get_int64(jget(s, "properties/serial/maximum")), NOJIT_MANIFEST_SERIAL_MAX);
	cr_assert_eq(json_object_get_int(jget(s, "properties/serial/minimum")), 0);
	cr_assert_eq(json_object_get_int(jget(s, "$defs/entry/properties/path/maxLength")), NOJIT_MANIFEST_PATH_MAX);
	cr_assert_eq(json_object_get_boolean(jget(s, "$defs/entry/additionalProperties")), 0);
	cr_assert_eq(json_object_array_length(jget(s, "$defs/entry/required")), 3);
	cr_assert_str_eq(json_object_get_string(jget(s, "$defs/entry/properties/sha256/pattern")), "^[0-9a-f]{64}$");
	cr_assert_eq(json_object_array_length(jget(s, "$defs/entry/properties/kind/enum")), 3);
	cr_assert_eq(json_object_array_length(jget(s, "properties/mode/enum")), 2);
	time_pattern = json_object_get_string(jget(s, "$defs/time/pattern"));
	cr_assert(strstr(time_pattern, "Z$"), "%s", time_pattern);
	for (size_t i = 0; i < json_object_array_length(req); i++) {
		const char *k = json_object_get_string(json_object_array_get_idx(req, i));
		char *d = doc_with(k, NULL);

		expect_refused(d, -EBADMSG, "missing field");
		free(d);
	}
	json_object_put(s);
}

/*
 * The schema and the parser agree on a corpus of documents, judged by an
 * independent validator (python3-jsonschema) when there is one. Where the
 * schema cannot say what the parser refuses, the case is listed as
 * parser-stricter (documented in the schema's $comment).
 */
Test(manifest, schema_and_parser_agree)
{
	struct corpus {
		const char *key, *val;
		bool stricter;	/* valid to the schema, refused by the parser */
	};
	static const struct corpus extra[] = {
		{ NULL, NULL, false },
		{ "entries", "[]", false },
		{ "mode", "\"audit\"", false },
		{ "serial", "9007199254740991", false },
		{ "name", "\"caf\xc3\xa9\"", false },
		{ "schema", "1.0", true },
		{ "serial", "42.0", true },
		{ "issued", "\"2026-02-30T00:00:00Z\"", true },
		{ "expires", "\"2025-01-01T00:00:00Z\"", true },
		{ "mode", "\"enforce\", \"mode\": \"audit\"", true },
		{ "name", "\"\\ud800\"", false },
		{ "schema", "2", false },
		{ "schema", "2, \"jit_engines\": []", false },
		{ "schema", "2, \"jit_engines\": [" JIT(HA, "v8", "/usr/bin/a", "defines _ZN2v82V8") ", "
		  JIT(HA, "pcre2-jit", "", "imports pcre2_jit_match_8") ", " JIT(HB, "luajit", "/l", "x") "]", false },
	};
	char cmd[512], line[256];
	size_t n = 0;
	bool stricter[ARRAY_SIZE(bad_cases) + ARRAY_SIZE(extra)];
	int verdict_parser[ARRAY_SIZE(bad_cases) + ARRAY_SIZE(extra)];
	FILE *p;
	int checked = 0, rc;

	cr_assert_eq(mkdir(scratch_path("corpus"), 0755), 0);
	for (size_t i = 0; i < ARRAY_SIZE(bad_cases) + ARRAY_SIZE(extra); i++) {
		const char *k = i < ARRAY_SIZE(bad_cases) ? bad_cases[i].key : extra[i - ARRAY_SIZE(bad_cases)].key;
		const char *v = i < ARRAY_SIZE(bad_cases) ? bad_cases[i].val : extra[i - ARRAY_SIZE(bad_cases)].val;
		char *d = doc_with(k, v), name[64];
		struct nojit_manifest *m;
		struct nojit_err err;

		stricter[i] = i < ARRAY_SIZE(bad_cases) ? bad_cases[i].stricter
							: extra[i - ARRAY_SIZE(bad_cases)].stricter;
		verdict_parser[i] = parse(d, &m, &err) == 0;
		manifest_free(m);
		snprintf(name, sizeof(name), "corpus/%03zu.json", i);
		write_file(scratch_path(name), d, strlen(d));
		free(d);
		n++;
	}
	snprintf(cmd, sizeof(cmd),
		 "python3 -c 'import sys, json, glob, os\n"
		 "try:\n import jsonschema\n"
		 "except ImportError:\n sys.exit(3)\n"
		 "v = jsonschema.Draft202012Validator(json.load(open(sys.argv[1])))\n"
		 "for f in sorted(glob.glob(sys.argv[2] + \"/*.json\")):\n"
		 " try:\n  d = json.loads(open(f, \"rb\").read().decode(\"utf-8\"))\n  ok = v.is_valid(d)\n"
		 " except Exception:\n  ok = False\n"
		 " print(os.path.basename(f)[:3], int(ok))\n' %s %s 2>/dev/null",
		 SCHEMA_FILE, scratch_path("corpus"));
	p = popen(cmd, "r");
	cr_assert_not_null(p);
	while (fgets(line, sizeof(line), p)) {
		unsigned int idx;
		int ok;

		if (sscanf(line, "%u %d", &idx, &ok) != 2 || idx >= n)
			continue;
		checked++;
		if (stricter[idx])
			cr_assert(ok && !verdict_parser[idx], "case %u: expected schema-valid, parser-refused", idx);
		else
			cr_assert_eq(ok, verdict_parser[idx], "case %u: schema says %d, parser says %d", idx, ok,
				     verdict_parser[idx]);
	}
	rc = pclose(p);
	if (WIFEXITED(rc) && WEXITSTATUS(rc) != 0 && !checked)
		cr_skip_test("python3 with jsonschema is not available to cross-check the schema");
	cr_assert_eq(checked, (int)n, "every document was judged");
}

/* ---- building --------------------------------------------------------- */

static void mkfile(const char *rel, const char *content, mode_t mode)
{
	write_file(scratch_path(rel), content, strlen(content));
	cr_assert_eq(chmod(scratch_path(rel), mode), 0);
}

static const struct nojit_manifest_entry *find_path(const struct nojit_manifest_entry *e, size_t n,
						    const char *path)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(e[i].path, path))
			return &e[i];
	return NULL;
}

static bool has_note(struct manifest_scan *s, const char *a, const char *b)
{
	const char *const *notes;
	size_t n = manifest_scan_notes(s, &notes);

	for (size_t i = 0; i < n; i++)
		if (strstr(notes[i], a) && strstr(notes[i], b))
			return true;
	return false;
}

static void elf_header(const char *rel, __u16 type, mode_t mode)
{
	__u8 h[64] = { 0x7f, 'E', 'L', 'F', 2, 1, 1 };

	h[16] = (__u8)type;
	write_file(scratch_path(rel), h, sizeof(h));
	cr_assert_eq(chmod(scratch_path(rel), mode), 0);
}

Test(manifest, build_walks_hashes_and_notes)
{
	struct manifest_scan *s = manifest_scan_new();
	struct nojit_manifest_entry *e;
	const struct nojit_manifest_entry *x;
	struct nojit_err err;
	char root[256], p[512];
	__u8 h[32];
	size_t n;
	__u64 bytes;

	cr_assert_eq(mkdir(scratch_path("t"), 0755), 0);
	cr_assert_eq(mkdir(scratch_path("t/sub"), 0755), 0);
	cr_assert_eq(mkdir(scratch_path("t/sub/deeper"), 0755), 0);
	cr_assert_eq(mkdir(scratch_path("outside"), 0755), 0);
	mkfile("t/data.txt", "hello\n", 0644);
	mkfile("t/sub/script.sh", "#!/bin/sh\necho hi\n", 0755);
	mkfile("t/sub/deeper/empty", "", 0644);
	mkfile("outside/target", "reached through a link\n", 0644);
	elf_header("t/prog", 2 /* ET_EXEC */, 0755);
	elf_header("t/pie", 3 /* ET_DYN */, 0755);
	elf_header("t/libx.so", 3 /* ET_DYN */, 0644);
	cr_assert_eq(link(scratch_path("t/data.txt"), scratch_path("t/sub/hardlink.txt")), 0);
	cr_assert_eq(symlink("../outside/target", scratch_path("t/link-out")), 0);
	cr_assert_eq(symlink("data.txt", scratch_path("t/link-in")), 0);
	cr_assert_eq(symlink("sub", scratch_path("t/link-dir")), 0);
	cr_assert_eq(symlink("loop-b", scratch_path("t/loop-a")), 0);
	cr_assert_eq(symlink("loop-a", scratch_path("t/loop-b")), 0);
	cr_assert_eq(symlink("nothing-here", scratch_path("t/dangling")), 0);
	cr_assert_eq(mkfifo(scratch_path("t/fifo"), 0644), 0);

	cr_assert_not_null(realpath(scratch_path("t"), root));
	cr_assert_eq(manifest_scan_add(s, scratch_path("t"), MANIFEST_KIND_AUTO, &err), 0, "%s", err.msg);
	cr_assert_eq(manifest_scan_hash(s, 2, NULL, NULL, &err), 0, "%s", err.msg);
	cr_assert_eq(manifest_scan_entries(s, &e, &n, &bytes), 0);

	cr_assert_eq(n, 7, "data (+hard link, +link-in), script, empty, target, prog, pie, libx: %zu", n);
	for (size_t i = 1; i < n; i++)
		cr_assert_lt(strcmp(e[i - 1].path, e[i].path), 0, "sorted by path");
	snprintf(p, sizeof(p), "%s/data.txt", root);
	x = find_path(e, n, p);
	cr_assert_not_null(x, "the smallest of the hard-linked paths");
	crypto_hash_sha256(h, (const unsigned char *)"hello\n", 6);
	cr_assert_eq(memcmp(h, x->sha256, 32), 0);
	cr_assert_eq(x->kind, NOJIT_KIND_LIB, "data");
	snprintf(p, sizeof(p), "%s/sub/script.sh", root);
	cr_assert_eq(find_path(e, n, p)->kind, NOJIT_KIND_EXEC, "executable script");
	snprintf(p, sizeof(p), "%s/sub/deeper/empty", root);
	x = find_path(e, n, p);
	crypto_hash_sha256(h, (const unsigned char *)"", 0);
	cr_assert_eq(memcmp(h, x->sha256, 32), 0, "the empty file's digest");
	snprintf(p, sizeof(p), "%s/prog", root);
	cr_assert_eq(find_path(e, n, p)->kind, NOJIT_KIND_EXEC, "ET_EXEC");
	snprintf(p, sizeof(p), "%s/pie", root);
	cr_assert_eq(find_path(e, n, p)->kind, NOJIT_KIND_ANY, "ET_DYN with x: PIE, ld.so, libc");
	snprintf(p, sizeof(p), "%s/libx.so", root);
	cr_assert_eq(find_path(e, n, p)->kind, NOJIT_KIND_LIB, "ET_DYN without x");
	cr_assert_not_null(realpath(scratch_path("outside/target"), p));
	cr_assert_not_null(find_path(e, n, p), "a link to a file is listed under its target");
	snprintf(p, sizeof(p), "%s/link-in", root);
	cr_assert_null(find_path(e, n, p), "not under the link's name");
	cr_assert_eq(bytes, 6 + 18 + 0 + 23 + 3 * 64);

	cr_assert(has_note(s, "loop-a", "symbolic link loop"));
	cr_assert(has_note(s, "loop-b", "symbolic link loop"));
	cr_assert(has_note(s, "dangling", "dangling symbolic link"));
	cr_assert(has_note(s, "link-dir", "not followed"));
	cr_assert(has_note(s, "fifo", "a FIFO"));
	manifest_entries_free(e, n);
	manifest_scan_free(s);
}

Test(manifest, build_kinds_closure_and_operands)
{
	struct manifest_scan *s = manifest_scan_new();
	struct nojit_manifest_entry *e;
	struct nojit_err err;
	const char **paths;
	char p[512];
	size_t n;

	elf_header("prog", 3, 0755);
	elf_header("lib.so", 3, 0644);
	mkfile("data", "d", 0644);
	cr_assert_eq(manifest_scan_add(s, scratch_path("prog"), NOJIT_KIND_EXEC, &err), 0);
	cr_assert_eq(manifest_scan_add(s, scratch_path("lib.so"), MANIFEST_KIND_CLOSURE, &err), 0);
	cr_assert_eq(manifest_scan_add(s, scratch_path("data"), NOJIT_KIND_EXEC, &err), 0);
	cr_assert_eq(manifest_scan_add(s, scratch_path("data"), NOJIT_KIND_LIB, &err), 0, "added twice: merged");
	cr_assert_eq(manifest_scan_add(s, scratch_path("missing"), MANIFEST_KIND_AUTO, &err), -ENOENT);
	cr_assert(strstr(err.msg, "missing"), "%s", err.msg);
	cr_assert_eq(manifest_scan_paths(s, &paths, &n), 0);
	cr_assert_eq(n, 3);
	free(paths);
	cr_assert_eq(manifest_scan_hash(s, 1, NULL, NULL, &err), 0, "%s", err.msg);
	cr_assert_eq(manifest_scan_entries(s, &e, &n, NULL), 0);
	cr_assert_eq(n, 3);
	cr_assert_not_null(realpath(scratch_path("prog"), p));
	cr_assert_eq(find_path(e, n, p)->kind, NOJIT_KIND_EXEC, "--kind exec is taken as given");
	cr_assert_not_null(realpath(scratch_path("lib.so"), p));
	cr_assert_eq(find_path(e, n, p)->kind, NOJIT_KIND_LIB, "closure: lib");
	cr_assert_not_null(realpath(scratch_path("data"), p));
	cr_assert_eq(find_path(e, n, p)->kind, NOJIT_KIND_ANY);
	manifest_entries_free(e, n);
	manifest_scan_free(s);
}

Test(manifest, build_is_reproducible_across_thread_counts)
{
	char *out[3];
	size_t len[3];

	cr_assert_eq(mkdir(scratch_path("t"), 0755), 0);
	for (int i = 0; i < 300; i++) {
		char rel[64], content[64];

		snprintf(rel, sizeof(rel), "t/f%03d", (i * 37) % 300);
		snprintf(content, sizeof(content), "%d", i % 50);	/* duplicates by content */
		mkfile(rel, content, i % 2 ? 0755 : 0644);
	}
	for (int j = 0; j < 3; j++) {
		struct manifest_scan *s = manifest_scan_new();
		struct nojit_manifest m = { .schema = 1, .name = "r", .serial = 1, .issued = T_ISSUED,
					    .expires = T_EXPIRES, .mode = NOJIT_MODE_ENFORCE };
		struct nojit_err err;

		cr_assert_eq(manifest_scan_add(s, scratch_path("t"), MANIFEST_KIND_AUTO, &err), 0);
		cr_assert_eq(manifest_scan_hash(s, (unsigned int)j + 1, NULL, NULL, &err), 0);
		cr_assert_eq(manifest_scan_entries(s, &m.entries, &m.n_entries, NULL), 0);
		cr_assert_eq(m.n_entries, 300);
		cr_assert_eq(manifest_format(&m, &out[j], &len[j], &err), 0, "%s", err.msg);
		manifest_entries_free(m.entries, m.n_entries);
		manifest_scan_free(s);
	}
	cr_assert_eq(len[0], len[1]);
	cr_assert_eq(len[0], len[2]);
	cr_assert_eq(memcmp(out[0], out[1], len[0]), 0);
	cr_assert_eq(memcmp(out[0], out[2], len[0]), 0);
	for (int j = 0; j < 3; j++)
		free(out[j]);
}

static size_t calls, last_done, last_n;

static void progress(void *ctx, size_t done, size_t n, __u64 done_bytes, __u64 total_bytes)
{
	(void)ctx;
	(void)done_bytes;
	(void)total_bytes;
	calls++;
	last_done = done;
	last_n = n;
}

Test(manifest, build_progress_is_reported)
{
	struct manifest_scan *s = manifest_scan_new();
	struct nojit_err err;

	mkfile("a", "aaaa", 0644);
	cr_assert_eq(manifest_scan_add(s, scratch_path("a"), MANIFEST_KIND_AUTO, &err), 0);
	cr_assert_eq(manifest_scan_hash(s, 0, progress, NULL, &err), 0);
	cr_assert_geq(calls, 1);
	cr_assert_eq(last_done, 1);
	cr_assert_eq(last_n, 1);
	manifest_scan_free(s);
}
