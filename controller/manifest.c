// SPDX-License-Identifier: GPL-2.0
/*
 * Signed manifests (see manifest.h, docs/manifest.md): parsing and
 * validation, the verified loader, signing, formatting, and building
 * (collecting and hashing files).
 */
#include <ctype.h>
#include <dirent.h>
#include <elf.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "json_check.h"
#include "manifest.h"
#include "manifest_exception.h"
#include "sha256.h"

#define CTX_LEN		(sizeof(NOJIT_MANIFEST_SIG_CONTEXT) - 1)
#define JSON_DEPTH	8	/* a manifest nests 3 deep: object, entries array, entry */

static void json_putp(struct json_object **o)
{
	if (*o)
		json_object_put(*o);
}

static void json_tokener_freep(struct json_tokener **t)
{
	if (*t)
		json_tokener_free(*t);
}

#define _cleanup_json_ __attribute__((cleanup(json_putp)))
#define _cleanup_tokener_ __attribute__((cleanup(json_tokener_freep)))

/* ---- names ------------------------------------------------------------ */

const char *manifest_kind_name(__u32 kind)
{
	switch (kind) {
	case NOJIT_KIND_EXEC:
		return "exec";
	case NOJIT_KIND_LIB:
		return "lib";
	case NOJIT_KIND_ANY:
		return "any";
	}
	return NULL;
}

__u32 manifest_kind_from_name(const char *s)
{
	if (!strcmp(s, "exec"))
		return NOJIT_KIND_EXEC;
	if (!strcmp(s, "lib"))
		return NOJIT_KIND_LIB;
	if (!strcmp(s, "any"))
		return NOJIT_KIND_ANY;
	return 0;
}

const char *manifest_mode_name(__u32 mode)
{
	switch (mode) {
	case NOJIT_MODE_ENFORCE:
		return "enforce";
	case NOJIT_MODE_AUDIT:
		return "audit";
	}
	return NULL;
}

__u32 manifest_mode_from_name(const char *s)
{
	if (!strcmp(s, "enforce"))
		return NOJIT_MODE_ENFORCE;
	if (!strcmp(s, "audit"))
		return NOJIT_MODE_AUDIT;
	return 0;
}

/* ---- text ------------------------------------------------------------- */

/* Length of the well-formed UTF-8 sequence at S (N bytes left), 0 if none. */
static size_t utf8_decode(const unsigned char *s, size_t n, __u32 *ret_cp)
{
	__u32 cp, min;
	size_t len;

	if (s[0] < 0x80) {
		*ret_cp = s[0];
		return 1;
	}
	if ((s[0] & 0xe0) == 0xc0) {
		len = 2, cp = s[0] & 0x1f, min = 0x80;
	} else if ((s[0] & 0xf0) == 0xe0) {
		len = 3, cp = s[0] & 0x0f, min = 0x800;
	} else if ((s[0] & 0xf8) == 0xf0) {
		len = 4, cp = s[0] & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	/* No overlong forms, no surrogates, nothing past U+10FFFF. */
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	*ret_cp = cp;
	return len;
}

/* C0, DEL and C1: what could steer a terminal that shows the text. */
static bool is_control(__u32 cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f);
}

const char *manifest_text_problem(const char *s, size_t len, size_t min, size_t max)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t chars = 0;

	for (size_t i = 0; i < len;) {
		__u32 cp;
		size_t n = utf8_decode(p + i, len - i, &cp);

		if (!n)
			return "is not valid UTF-8";
		if (is_control(cp))
			return "contains a control character";
		i += n;
		chars++;
	}
	if (chars < min)
		return "is empty";
	if (chars > max)
		return "is too long";
	return NULL;
}

void manifest_text_sanitize(char *s)
{
	unsigned char *p = (unsigned char *)s, *out = p;
	size_t len = strlen(s);

	for (size_t i = 0; i < len;) {
		__u32 cp;
		size_t n = utf8_decode(p + i, len - i, &cp);

		if (!n || is_control(cp)) {
			*out++ = '?';
			i += n ? n : 1;
			continue;
		}
		memmove(out, p + i, n);
		out += n;
		i += n;
	}
	*out = '\0';
}

/* ---- time ------------------------------------------------------------- */

static __s64 days_from_civil(__s64 y, unsigned int m, unsigned int d)
{
	__s64 era;
	unsigned int yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned int)(y - era * 400);
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (__s64)doe - 719468;
}

static int digits(const char *s, int n)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

int manifest_time_parse(const char *s, size_t len, __s64 *ret)
{
	static const unsigned char mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int y, mo, d, h, mi, sec, dim;

	/* YYYY-MM-DDTHH:MM:SSZ */
	if (len != 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' ||
	    s[16] != ':' || s[19] != 'Z')
		return -EINVAL;
	y = digits(s, 4), mo = digits(s + 5, 2), d = digits(s + 8, 2);
	h = digits(s + 11, 2), mi = digits(s + 14, 2), sec = digits(s + 17, 2);
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || h < 0 || h > 23 || mi < 0 || mi > 59 ||
	    sec < 0 || sec > 59)
		return -EINVAL;
	dim = mdays[mo - 1] + (mo == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0));
	if (d > dim)
		return -EINVAL;
	*ret = days_from_civil(y, (unsigned int)mo, (unsigned int)d) * 86400 + h * 3600 + mi * 60 + sec;
	return 0;
}

void manifest_time_format(__s64 t, char buf[32])
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t < 0 || t > NOJIT_MANIFEST_TIME_MAX || !gmtime_r(&tt, &tm) ||
	    !strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, 32, "@%lld", (long long)t);
}

/* ---- parsing ---------------------------------------------------------- */

void manifest_entries_free(struct nojit_manifest_entry *e, size_t n)
{
	if (!e)
		return;
	for (size_t i = 0; i < n; i++)
		free(e[i].path);
	free(e);
}

void manifest_jit_engines_free(struct nojit_manifest_jit_engine *j, size_t n)
{
	if (!j)
		return;
	for (size_t i = 0; i < n; i++) {
		free(j[i].engine);
		free(j[i].path);
		free(j[i].evidence);
	}
	free(j);
}

void manifest_free(struct nojit_manifest *m)
{
	if (!m)
		return;
	free(m->name);
	manifest_entries_free(m->entries, m->n_entries);
	manifest_jit_engines_free(m->jit_engines, m->n_jit_engines);
	manifest_exceptions_free(m->exceptions, m->n_exceptions);
	free(m);
}

static void line_col(const char *buf, size_t off, size_t *ret_line, size_t *ret_col)
{
	size_t line = 1, col = 1;

	for (size_t i = 0; i < off; i++) {
		if (buf[i] == '\n')
			line++, col = 1;
		else
			col++;
	}
	*ret_line = line;
	*ret_col = col;
}

static int hex_nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/*
 * A strict RFC 8259 recogniser, run before json-c builds anything:
 * json-c accepts more than JSON even in strict mode (single-quoted
 * strings, raw control characters in strings, overlong UTF-8), and a
 * signed document must mean the same to every reader.
 */
struct jscan {
	const unsigned char *s;
	size_t len, pos;
	unsigned int depth;
	const char *why;
};

static bool js_fail(struct jscan *j, const char *why)
{
	if (!j->why)
		j->why = j->pos >= j->len ? "truncated" : why;
	return false;
}

static void js_ws(struct jscan *j)
{
	while (j->pos < j->len && (j->s[j->pos] == ' ' || j->s[j->pos] == '\t' ||
				   j->s[j->pos] == '\n' || j->s[j->pos] == '\r'))
		j->pos++;
}

static bool is_hex_any_case(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static bool js_string(struct jscan *j)
{
	j->pos++;	/* the opening quote */
	while (j->pos < j->len) {
		unsigned char c = j->s[j->pos];
		__u32 cp;
		size_t n;

		if (c == '"') {
			j->pos++;
			return true;
		}
		if (c == '\\') {
			if (++j->pos >= j->len)
				break;
			c = j->s[j->pos];
			if (c == 'u') {
				for (int i = 1; i <= 4; i++)
					if (j->pos + (size_t)i >= j->len || !is_hex_any_case(j->s[j->pos + (size_t)i])) {
						j->pos += (size_t)i;
						return js_fail(j, "bad \\u escape in a string");
					}
				j->pos += 5;
			} else if (strchr("\"\\/bfnrt", c) && c) {
				j->pos++;
			} else {
				return js_fail(j, "bad escape in a string");
			}
			continue;
		}
		if (c < 0x20)
			return js_fail(j, "control character in a string (escape it)");
		n = utf8_decode(j->s + j->pos, j->len - j->pos, &cp);
		if (!n)
			return js_fail(j, "invalid UTF-8");
		j->pos += n;
	}
	return js_fail(j, "truncated");
}

static bool js_digits(struct jscan *j)
{
	size_t start = j->pos;

	while (j->pos < j->len && j->s[j->pos] >= '0' && j->s[j->pos] <= '9')
		j->pos++;
	return j->pos > start || js_fail(j, "bad number");
}

static bool js_number(struct jscan *j)
{
	if (j->s[j->pos] == '-')
		j->pos++;
	if (j->pos < j->len && j->s[j->pos] == '0') {
		j->pos++;
	} else if (!js_digits(j)) {
		return false;
	}
	if (j->pos < j->len && j->s[j->pos] == '.') {
		j->pos++;
		if (!js_digits(j))
			return false;
	}
	if (j->pos < j->len && (j->s[j->pos] == 'e' || j->s[j->pos] == 'E')) {
		j->pos++;
		if (j->pos < j->len && (j->s[j->pos] == '+' || j->s[j->pos] == '-'))
			j->pos++;
		if (!js_digits(j))
			return false;
	}
	/* "01" or "1x": the number must end here. */
	if (j->pos < j->len && (isdigit(j->s[j->pos]) || isalpha(j->s[j->pos])))
		return js_fail(j, "bad number");
	return true;
}

static bool js_value(struct jscan *j);

static bool js_container(struct jscan *j, bool object)
{
	char close = object ? '}' : ']';

	if (++j->depth > JSON_DEPTH)
		return js_fail(j, "nesting too deep");
	j->pos++;
	js_ws(j);
	if (j->pos < j->len && j->s[j->pos] == close) {
		j->pos++;
		j->depth--;
		return true;
	}
	for (;;) {
		js_ws(j);
		if (object) {
			if (j->pos >= j->len || j->s[j->pos] != '"')
				return js_fail(j, "expected a member name in double quotes");
			if (!js_string(j))
				return false;
			js_ws(j);
			if (j->pos >= j->len || j->s[j->pos] != ':')
				return js_fail(j, "expected ':'");
			j->pos++;
		}
		if (!js_value(j))
			return false;
		js_ws(j);
		if (j->pos < j->len && j->s[j->pos] == ',') {
			j->pos++;
			continue;
		}
		if (j->pos < j->len && j->s[j->pos] == close) {
			j->pos++;
			j->depth--;
			return true;
		}
		return js_fail(j, object ? "expected ',' or '}'" : "expected ',' or ']'");
	}
}

static bool js_literal(struct jscan *j, const char *word)
{
	size_t n = strlen(word);

	if (j->len - j->pos < n) {
		if (!memcmp(j->s + j->pos, word, j->len - j->pos)) {
			j->pos = j->len;
			return js_fail(j, "truncated");
		}
		return js_fail(j, "unexpected character");
	}
	if (memcmp(j->s + j->pos, word, n))
		return js_fail(j, "unexpected character");
	j->pos += n;
	return true;
}

static bool js_value(struct jscan *j)
{
	js_ws(j);
	if (j->pos >= j->len)
		return js_fail(j, "truncated");
	switch (j->s[j->pos]) {
	case '{':
		return js_container(j, true);
	case '[':
		return js_container(j, false);
	case '"':
		return js_string(j);
	case 't':
		return js_literal(j, "true");
	case 'f':
		return js_literal(j, "false");
	case 'n':
		return js_literal(j, "null");
	case '-':
	case '0' ... '9':
		return js_number(j);
	}
	return js_fail(j, "unexpected character");
}

/* 0, or -EBADMSG naming the line and column of the first error. */
static int json_check_strict(const char *buf, size_t len, struct nojit_err *err)
{
	struct jscan j = { .s = (const unsigned char *)buf, .len = len };
	size_t line, col;

	if (js_value(&j)) {
		js_ws(&j);
		if (j.pos == len)
			return 0;
		j.why = "unexpected text after the end";
	}
	if (!strcmp(j.why, "truncated")) {
		line_col(buf, len, &line, &col);
		return nojit_err_set(err, -EBADMSG,
				     "malformed JSON: truncated (the text ends at line %zu, column %zu)", line, col);
	}
	if (j.pos > len)
		j.pos = len;
	line_col(buf, j.pos, &line, &col);
	return nojit_err_set(err, -EBADMSG, "malformed JSON at line %zu, column %zu (byte %zu): %s",
			     line, col, j.pos, j.why);
}

static const char *type_name(struct json_object *o)
{
	switch (json_object_get_type(o)) {
	case json_type_null:
		return "null";
	case json_type_boolean:
		return "boolean";
	case json_type_double:
		return "number with a fraction or exponent";
	case json_type_int:
		return "integer";
	case json_type_object:
		return "object";
	case json_type_array:
		return "array";
	case json_type_string:
		return "string";
	}
	return "unknown";
}

static int wrong_type(struct nojit_err *err, const char *where, struct json_object *o,
		      const char *expected)
{
	return nojit_err_set(err, -EBADMSG, "%s: wrong type (%s), expected %s", where,
			     type_name(o), expected);
}

static int get_field(struct json_object *root, const char *key, enum json_type type,
		     const char *expected, struct json_object **ret, struct nojit_err *err)
{
	char where[64];

	snprintf(where, sizeof(where), "field \"%s\"", key);
	if (!json_object_object_get_ex(root, key, ret))
		return nojit_err_set(err, -EBADMSG, "missing field \"%s\"", key);
	if (json_object_get_type(*ret) != type)
		return wrong_type(err, where, *ret, expected);
	return 0;
}

static int get_time(struct json_object *root, const char *key, __s64 *ret, struct nojit_err *err)
{
	struct json_object *v;
	int r;

	r = get_field(root, key, json_type_string, "a string \"YYYY-MM-DDTHH:MM:SSZ\"", &v, err);
	if (r)
		return r;
	if (manifest_time_parse(json_object_get_string(v), (size_t)json_object_get_string_len(v), ret))
		return nojit_err_set(err, -EBADMSG,
				     "field \"%s\": not a UTC time \"YYYY-MM-DDTHH:MM:SSZ\" between 1970 and 9999",
				     key);
	return 0;
}

int manifest_sha256_parse(const char *s, size_t len, __u8 out[32])
{
	if (len != 64)
		return -EINVAL;
	for (size_t i = 0; i < 32; i++) {
		int hi = hex_nibble(s[2 * i]), lo = hex_nibble(s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -EINVAL;
		out[i] = (__u8)(hi << 4 | lo);
	}
	return 0;
}

static int entry_wrong_type(struct nojit_err *err, size_t idx, const char *field,
			    struct json_object *o, const char *expected)
{
	char where[64];

	if (field)
		snprintf(where, sizeof(where), "entries[%zu].%s", idx, field);
	else
		snprintf(where, sizeof(where), "entries[%zu]", idx);
	return wrong_type(err, where, o, expected);
}

/* Called 100,000 times for a big manifest: no formatting unless it fails. */
static int parse_entry(struct json_object *o, size_t idx, struct nojit_manifest_entry *e,
		       struct nojit_err *err)
{
	struct json_object *v;
	const char *s, *why;
	size_t len;

	if (json_object_get_type(o) != json_type_object)
		return entry_wrong_type(err, idx, NULL, o, "an object {\"sha256\", \"kind\", \"path\"}");
	json_object_object_foreach(o, key, val) {
		(void)val;
		if (strcmp(key, "sha256") && strcmp(key, "kind") && strcmp(key, "path"))
			return nojit_err_set(err, -EBADMSG,
					     "entries[%zu]: unknown field (an entry has only \"sha256\", \"kind\" and \"path\")",
					     idx);
	}

	if (!json_object_object_get_ex(o, "sha256", &v))
		return nojit_err_set(err, -EBADMSG, "entries[%zu]: missing \"sha256\"", idx);
	if (json_object_get_type(v) != json_type_string)
		return entry_wrong_type(err, idx, "sha256", v, "a string of 64 hex digits");
	if (manifest_sha256_parse(json_object_get_string(v), (size_t)json_object_get_string_len(v), e->sha256))
		return nojit_err_set(err, -EBADMSG,
				     "entries[%zu]: sha256 is not 64 hex digits (lowercase 0-9a-f)", idx);

	if (!json_object_object_get_ex(o, "kind", &v))
		return nojit_err_set(err, -EBADMSG, "entries[%zu]: missing \"kind\"", idx);
	if (json_object_get_type(v) != json_type_string)
		return entry_wrong_type(err, idx, "kind", v, "\"exec\", \"lib\" or \"any\"");
	e->kind = manifest_kind_from_name(json_object_get_string(v));
	if (!e->kind || strlen(json_object_get_string(v)) != (size_t)json_object_get_string_len(v))
		return nojit_err_set(err, -EBADMSG, "entries[%zu]: kind is not \"exec\", \"lib\" or \"any\"", idx);

	if (!json_object_object_get_ex(o, "path", &v))
		return nojit_err_set(err, -EBADMSG, "entries[%zu]: missing \"path\"", idx);
	if (json_object_get_type(v) != json_type_string)
		return entry_wrong_type(err, idx, "path", v, "a string");
	s = json_object_get_string(v);
	len = (size_t)json_object_get_string_len(v);
	why = manifest_text_problem(s, len, 0, NOJIT_MANIFEST_PATH_MAX);
	if (why)
		return nojit_err_set(err, -EBADMSG, "entries[%zu]: path %s%s", idx, why,
				     strcmp(why, "is too long") ? "" : " (over 4096 characters)");
	e->path = malloc(len + 1);
	if (!e->path)
		return nojit_err_set(err, -ENOMEM, "out of memory");
	memcpy(e->path, s, len + 1);
	return 0;
}

static int cmp_entry(const void *a, const void *b)
{
	const struct nojit_manifest_entry *x = a, *y = b;
	int c = memcmp(x->sha256, y->sha256, 32);

	return c ? c : strcmp(x->path, y->path);
}

static int cmp_entry_sha(const void *a, const void *b)
{
	return memcmp(((const struct nojit_manifest_entry *)a)->sha256,
		      ((const struct nojit_manifest_entry *)b)->sha256, 32);
}

/* Sort by sha256 and merge duplicates: kinds OR'ed, the smallest path kept. */
static void merge_entries(struct nojit_manifest *m)
{
	size_t out = 0;

	if (!m->n_entries)
		return;
	qsort(m->entries, m->n_entries, sizeof(*m->entries), cmp_entry);
	for (size_t i = 1; i < m->n_entries; i++) {
		struct nojit_manifest_entry *e = &m->entries[i];

		if (!memcmp(e->sha256, m->entries[out].sha256, 32)) {
			m->entries[out].kind |= e->kind;
			free(e->path);
			continue;
		}
		m->entries[++out] = *e;
	}
	m->n_entries = out + 1;
}

static const char *const top_fields[] = {
	"schema", "name", "serial", "issued", "expires", "mode", "entries",
};

/* Optional fields schema 2 adds; a schema 1 file that has one is refused. */
static const char *const top_fields_v2[] = {
	"jit_engines", "exceptions",
};

static int cmp_jit_engine(const void *a, const void *b)
{
	const struct nojit_manifest_jit_engine *x = a, *y = b;
	int c = memcmp(x->sha256, y->sha256, 32);

	return c ? c : strcmp(x->engine, y->engine);
}

/* "v8", "pcre2-jit": what jit_detect.h names engines, and room for more. */
static bool engine_name_ok(const char *s, size_t len)
{
	if (!len || len > NOJIT_MANIFEST_ENGINE_MAX || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= '0' && s[0] <= '9')))
		return false;
	for (size_t i = 1; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return false;
	return true;
}

/* A jit_engines[] text field: FIELD of record IDX, MIN..MAX characters, copied to *RET. */
static int jit_engine_text(struct json_object *o, size_t idx, const char *field, size_t min,
			   size_t max, char **ret, struct nojit_err *err)
{
	struct json_object *v;
	const char *why;
	size_t len;

	if (!json_object_object_get_ex(o, field, &v))
		return nojit_err_set(err, -EBADMSG, "jit_engines[%zu]: missing \"%s\"", idx, field);
	if (json_object_get_type(v) != json_type_string) {
		char where[64];

		snprintf(where, sizeof(where), "jit_engines[%zu].%s", idx, field);
		return wrong_type(err, where, v, "a string");
	}
	len = (size_t)json_object_get_string_len(v);
	why = manifest_text_problem(json_object_get_string(v), len, min, max);
	if (why)
		return nojit_err_set(err, -EBADMSG, "jit_engines[%zu]: %s %s (%zu to %zu characters, no control characters)",
				     idx, field, why, min, max);
	*ret = malloc(len + 1);
	if (!*ret)
		return nojit_err_set(err, -ENOMEM, "out of memory");
	memcpy(*ret, json_object_get_string(v), len + 1);
	return 0;
}

/*
 * Schema 2's "jit_engines" (docs/manifest.md): records of JIT engines the
 * builder was allowed to list, each naming one of the entries by sha256.
 * Optional. Called after the entries are parsed and merged.
 */
static int parse_jit_engines(struct json_object *root, struct nojit_manifest *m, struct nojit_err *err)
{
	struct json_object *a, *v;
	size_t n;
	int r;

	if (!json_object_object_get_ex(root, "jit_engines", &a))
		return 0;
	if (json_object_get_type(a) != json_type_array)
		return wrong_type(err, "field \"jit_engines\"", a, "an array");
	n = json_object_array_length(a);
	if (n) {
		m->jit_engines = calloc(n, sizeof(*m->jit_engines));
		if (!m->jit_engines)
			return nojit_err_set(err, -ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < n; i++) {
		struct nojit_manifest_jit_engine *j = &m->jit_engines[i];
		struct json_object *o = json_object_array_get_idx(a, i);
		struct nojit_manifest_entry key;

		if (json_object_get_type(o) != json_type_object) {
			char where[64];

			snprintf(where, sizeof(where), "jit_engines[%zu]", i);
			return wrong_type(err, where, o, "an object {\"sha256\", \"engine\", \"path\", \"evidence\"}");
		}
		m->n_jit_engines++;
		json_object_object_foreach(o, k, val) {
			(void)val;
			if (strcmp(k, "sha256") && strcmp(k, "engine") && strcmp(k, "path") && strcmp(k, "evidence"))
				return nojit_err_set(err, -EBADMSG,
						     "jit_engines[%zu]: unknown field (a record has only \"sha256\", \"engine\", \"path\" and \"evidence\")",
						     i);
		}
		if (!json_object_object_get_ex(o, "sha256", &v))
			return nojit_err_set(err, -EBADMSG, "jit_engines[%zu]: missing \"sha256\"", i);
		if (json_object_get_type(v) != json_type_string ||
		    manifest_sha256_parse(json_object_get_string(v), (size_t)json_object_get_string_len(v), j->sha256))
			return nojit_err_set(err, -EBADMSG, "jit_engines[%zu]: sha256 is not 64 hex digits (lowercase 0-9a-f)", i);
		memcpy(key.sha256, j->sha256, 32);
		if (!m->n_entries || !bsearch(&key, m->entries, m->n_entries, sizeof(*m->entries), cmp_entry_sha))
			return nojit_err_set(err, -EBADMSG,
					     "jit_engines[%zu]: sha256 is not among the entries (a record names a listed file)", i);
		r = jit_engine_text(o, i, "engine", 1, NOJIT_MANIFEST_ENGINE_MAX, &j->engine, err);
		if (r)
			return r;
		if (!engine_name_ok(j->engine, strlen(j->engine)))
			return nojit_err_set(err, -EBADMSG,
					     "jit_engines[%zu]: engine is not a name of lowercase letters, digits and '-'", i);
		r = jit_engine_text(o, i, "path", 0, NOJIT_MANIFEST_PATH_MAX, &j->path, err);
		if (!r)
			r = jit_engine_text(o, i, "evidence", 1, NOJIT_MANIFEST_EVIDENCE_MAX, &j->evidence, err);
		if (r)
			return r;
	}
	if (!m->n_jit_engines)
		return 0;
	qsort(m->jit_engines, m->n_jit_engines, sizeof(*m->jit_engines), cmp_jit_engine);
	for (size_t i = 1; i < m->n_jit_engines; i++)
		if (!cmp_jit_engine(&m->jit_engines[i - 1], &m->jit_engines[i]))
			return nojit_err_set(err, -EBADMSG,
					     "jit_engines: the same file and engine are recorded twice (engine \"%s\")",
					     m->jit_engines[i].engine);
	return 0;
}

static int parse_root(struct json_object *root, struct nojit_manifest *m, struct nojit_err *err)
{
	struct json_object *v;
	const char *why;
	__s64 serial;
	size_t n;
	int r;

	if (json_object_get_type(root) != json_type_object)
		return wrong_type(err, "top level", root, "an object");
	/* The version decides what the rest means: check it first. */
	r = get_field(root, "schema", json_type_int, "an integer", &v, err);
	if (r)
		return r;
	if (json_object_get_int64(v) < NOJIT_MANIFEST_SCHEMA_MIN || json_object_get_int64(v) > NOJIT_MANIFEST_SCHEMA) {
		char num[32];

		snprintf(num, sizeof(num), "%lld", (long long)json_object_get_int64(v));
		return nojit_err_set(err, -EPROTONOSUPPORT,
				     "unsupported schema version %s (this nojit reads versions %d to %d)",
				     json_object_get_int64(v) == INT64_MAX || json_object_get_int64(v) == INT64_MIN ?
				     "(out of range)" : num, NOJIT_MANIFEST_SCHEMA_MIN, NOJIT_MANIFEST_SCHEMA);
	}
	m->schema = (unsigned int)json_object_get_int64(v);
	json_object_object_foreach(root, key, val) {
		bool known = false, v2 = false;
		char shown[64];

		(void)val;
		for (size_t i = 0; i < ARRAY_SIZE(top_fields); i++)
			known |= !strcmp(key, top_fields[i]);
		for (size_t i = 0; i < ARRAY_SIZE(top_fields_v2); i++)
			v2 |= !strcmp(key, top_fields_v2[i]);
		if (known || (v2 && m->schema >= 2))
			continue;
		snprintf(shown, sizeof(shown), "%s", key);
		manifest_text_sanitize(shown);
		if (v2)
			return nojit_err_set(err, -EBADMSG,
					     "field \"%s\" needs schema 2 (this file says schema %u)",
					     shown, m->schema);
		return nojit_err_set(err, -EBADMSG,
				     "unknown field \"%s\" (schema %u has only schema, name, serial, issued, expires, mode, entries%s)",
				     shown, m->schema, m->schema >= 2 ? ", jit_engines, exceptions" : "");
	}

	r = get_field(root, "name", json_type_string, "a string", &v, err);
	if (r)
		return r;
	why = manifest_text_problem(json_object_get_string(v), (size_t)json_object_get_string_len(v), 1,
			   NOJIT_MANIFEST_NAME_MAX);
	if (why)
		return nojit_err_set(err, -EBADMSG, "field \"name\" %s%s", why,
				     strcmp(why, "is too long") ? "" : " (over 255 characters)");
	m->name = strdup(json_object_get_string(v));
	if (!m->name)
		return nojit_err_set(err, -ENOMEM, "out of memory");

	r = get_field(root, "serial", json_type_int, "an integer", &v, err);
	if (r)
		return r;
	serial = json_object_get_int64(v);
	if (serial < 0 || (__u64)serial > NOJIT_MANIFEST_SERIAL_MAX)
		return nojit_err_set(err, -EBADMSG, "field \"serial\": out of range (0 to %llu)",
				     NOJIT_MANIFEST_SERIAL_MAX);
	m->serial = (__u64)serial;

	r = get_time(root, "issued", &m->issued, err);
	if (!r)
		r = get_time(root, "expires", &m->expires, err);
	if (r)
		return r;
	if (m->expires <= m->issued)
		return nojit_err_set(err, -EBADMSG, "field \"expires\" is not after \"issued\"");

	r = get_field(root, "mode", json_type_string, "\"enforce\" or \"audit\"", &v, err);
	if (r)
		return r;
	m->mode = manifest_mode_from_name(json_object_get_string(v));
	if (!m->mode || strlen(json_object_get_string(v)) != (size_t)json_object_get_string_len(v))
		return nojit_err_set(err, -EBADMSG, "field \"mode\" is not \"enforce\" or \"audit\"");

	r = get_field(root, "entries", json_type_array, "an array", &v, err);
	if (r)
		return r;
	n = json_object_array_length(v);
	if (n) {
		m->entries = calloc(n, sizeof(*m->entries));
		if (!m->entries)
			return nojit_err_set(err, -ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < n; i++) {
		r = parse_entry(json_object_array_get_idx(v, i), i, &m->entries[i], err);
		if (r)
			return r;
		m->n_entries++;
	}
	merge_entries(m);
	r = parse_jit_engines(root, m, err);
	if (r)
		return r;
	if (json_object_object_get_ex(root, "exceptions", &v))
		return manifest_exceptions_parse(v, m, err);
	return 0;
}

int manifest_parse(const char *buf, size_t len, struct nojit_manifest **ret, struct nojit_err *err)
{
	_cleanup_tokener_ struct json_tokener *tok = NULL;
	_cleanup_json_ struct json_object *root = NULL;
	_cleanup_manifest_ struct nojit_manifest *m = NULL;
	enum json_tokener_error jerr;
	size_t line, col, end;
	const char *nul;
	int r;

	if (len > NOJIT_MANIFEST_MAX_BYTES)
		return nojit_err_set(err, -EFBIG, "too large: %zu bytes (limit %u MiB)", len,
				     NOJIT_MANIFEST_MAX_BYTES >> 20);
	if (!len)
		return nojit_err_set(err, -EBADMSG, "malformed: empty file");
	nul = memchr(buf, '\0', len);
	if (nul) {
		line_col(buf, (size_t)(nul - buf), &line, &col);
		return nojit_err_set(err, -EBADMSG, "malformed JSON: NUL byte at line %zu, column %zu", line, col);
	}
	r = json_check_strict(buf, len, err);
	if (r)
		return r;
	tok = json_tokener_new_ex(JSON_DEPTH);
	if (!tok)
		return nojit_err_set(err, -ENOMEM, "out of memory");
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	root = json_tokener_parse_ex(tok, buf, (int)len);
	jerr = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	if (jerr == json_tokener_continue) {
		line_col(buf, len, &line, &col);
		return nojit_err_set(err, -EBADMSG, "malformed JSON: truncated (the text ends at line %zu, column %zu)",
				     line, col);
	}
	if (jerr != json_tokener_success || !root || end != len) {
		if (end > len)
			end = len;
		line_col(buf, end, &line, &col);
		return nojit_err_set(err, -EBADMSG, "malformed JSON at line %zu, column %zu (byte %zu): %s",
				     line, col, end, jerr != json_tokener_success ?
				     json_tokener_error_desc(jerr) : "unexpected text after the end");
	}
	if (json_repeats_names(buf, len, root))
		return nojit_err_set(err, -EBADMSG, "malformed: an object has the same member name twice");

	m = calloc(1, sizeof(*m));
	if (!m)
		return nojit_err_set(err, -ENOMEM, "out of memory");
	r = parse_root(root, m, err);
	if (r)
		return r;
	crypto_hash_sha256(m->file_sha256, (const unsigned char *)buf, len);
	*ret = TAKE_PTR(m);
	return 0;
}

int manifest_check_time(const struct nojit_manifest *m, __s64 now, struct nojit_err *err)
{
	char when[32], at[32];

	manifest_time_format(now, at);
	if (now >= m->expires) {
		manifest_time_format(m->expires, when);
		return nojit_err_set(err, -EKEYEXPIRED, "expired at %s (checked at %s)", when, at);
	}
	if (m->issued > now + NOJIT_MANIFEST_CLOCK_SKEW) {
		manifest_time_format(m->issued, when);
		return nojit_err_set(err, -ETIME, "not valid yet: issued %s, in the future (checked at %s)",
				     when, at);
	}
	return 0;
}

/* ---- files and signatures --------------------------------------------- */

/*
 * Read FILE into a malloc'd buffer that starts with the signature context;
 * the file's bytes follow it. Refuses what is over the limit from its size
 * before reading, and stops reading at the limit if it grows meanwhile.
 */
static int read_manifest_file(const char *file, char **ret_buf, size_t *ret_len, struct nojit_err *err)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *buf = NULL;
	size_t cap, len = 0;
	struct stat st;

	fd = open(file, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return nojit_err_set(err, -errno, "manifest %s: %s", file, strerror(errno));
	if (fstat(fd, &st))
		return nojit_err_set(err, -errno, "manifest %s: %s", file, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return nojit_err_set(err, -EINVAL, "manifest %s: not a regular file", file);
	if (st.st_size > (off_t)NOJIT_MANIFEST_MAX_BYTES)
		return nojit_err_set(err, -EFBIG, "manifest %s: too large: %lld bytes (limit %u MiB)",
				     file, (long long)st.st_size, NOJIT_MANIFEST_MAX_BYTES >> 20);
	cap = (size_t)st.st_size + 1;
	buf = malloc(CTX_LEN + cap);
	if (!buf)
		return nojit_err_set(err, -ENOMEM, "out of memory");
	memcpy(buf, NOJIT_MANIFEST_SIG_CONTEXT, CTX_LEN);
	for (;;) {
		ssize_t n;

		if (len == cap) {
			char *nb;

			if (cap > NOJIT_MANIFEST_MAX_BYTES)
				return nojit_err_set(err, -EFBIG, "manifest %s: too large (over %u MiB)",
						     file, NOJIT_MANIFEST_MAX_BYTES >> 20);
			cap = cap * 2 > NOJIT_MANIFEST_MAX_BYTES + 1 ? NOJIT_MANIFEST_MAX_BYTES + 1 : cap * 2;
			nb = realloc(buf, CTX_LEN + cap);
			if (!nb)
				return nojit_err_set(err, -ENOMEM, "out of memory");
			buf = nb;
		}
		n = read(fd, buf + CTX_LEN + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return nojit_err_set(err, -errno, "manifest %s: %s", file, strerror(errno));
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > NOJIT_MANIFEST_MAX_BYTES)
		return nojit_err_set(err, -EFBIG, "manifest %s: too large (over %u MiB)", file,
				     NOJIT_MANIFEST_MAX_BYTES >> 20);
	*ret_buf = TAKE_PTR(buf);
	*ret_len = len;
	return 0;
}

struct sig {
	char key_id[NOJIT_KEY_ID_LEN + 1];
	__u8 sig[NOJIT_SIG_LEN];
};

/* "nojit-ed25519-signature-v1 KEYID BASE64\n" */
/* The signature of manifest FILE, read from PATH. */
static int read_sig_file(const char *file, const char *path, struct sig *ret, struct nojit_err *err)
{
	char buf[NOJIT_SIG_FILE_MAX];
	_cleanup_close_ int fd = -1;
	size_t tag_len = strlen(NOJIT_SIG_TAG), len = 0;
	struct stat st;
	const char *id, *b64;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		if (errno == ENOENT)
			return nojit_err_set(err, -ENOENT, "manifest %s: not signed (no %s)", file, path);
		return nojit_err_set(err, -errno, "signature %s: %s", path, strerror(errno));
	}
	if (fstat(fd, &st))
		return nojit_err_set(err, -errno, "signature %s: %s", path, strerror(errno));
	if (!S_ISREG(st.st_mode) || st.st_size >= (off_t)sizeof(buf))
		return nojit_err_set(err, -EBADMSG, "signature %s: malformed (not a small regular file)", path);
	for (;;) {
		ssize_t n = read(fd, buf + len, sizeof(buf) - 1 - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return nojit_err_set(err, -errno, "signature %s: %s", path, strerror(errno));
		if (n == 0)
			break;
		len += (size_t)n;
		if (len == sizeof(buf) - 1)
			return nojit_err_set(err, -EBADMSG, "signature %s: malformed (too long)", path);
	}
	buf[len] = '\0';
	if (len && buf[len - 1] == '\n')
		buf[--len] = '\0';
	if (strncmp(buf, NOJIT_SIG_TAG " ", tag_len + 1)) {
		if (!strncmp(buf, "nojit-", 6) && strstr(buf, "-signature-v"))
			return nojit_err_set(err, -EPROTONOSUPPORT,
					     "signature %s: unsupported signature format (this nojit reads %s)",
					     path, NOJIT_SIG_TAG);
		return nojit_err_set(err, -EBADMSG, "signature %s: malformed (not a nojit signature file)", path);
	}
	id = buf + tag_len + 1;
	for (int i = 0; i < NOJIT_KEY_ID_LEN; i++)
		if (hex_nibble(id[i]) < 0)
			return nojit_err_set(err, -EBADMSG, "signature %s: malformed key id", path);
	if (id[NOJIT_KEY_ID_LEN] != ' ')
		return nojit_err_set(err, -EBADMSG, "signature %s: malformed key id", path);
	memcpy(ret->key_id, id, NOJIT_KEY_ID_LEN);
	ret->key_id[NOJIT_KEY_ID_LEN] = '\0';
	b64 = id + NOJIT_KEY_ID_LEN + 1;
	if (b64_decode_exact(b64, strlen(b64), ret->sig, sizeof(ret->sig)))
		return nojit_err_set(err, -EBADMSG, "signature %s: malformed (the signature is not base64 of 64 bytes)",
				     path);
	return 0;
}

static int prefix_err(struct nojit_err *err, int r, const char *file)
{
	char msg[sizeof(err->msg)];

	if (!err)
		return r;
	snprintf(msg, sizeof(msg), "%s", err->msg);
	return nojit_err_set(err, r, "manifest %s: %s", file, msg);
}

int manifest_load_verified(const char *file, const char *trust, __s64 now,
			   struct nojit_manifest **ret, struct nojit_err *err)
{
	struct nojit_trust t = {};
	int r;

	r = keys_init();
	if (r)
		return nojit_err_set(err, r, "libsodium failed to initialise");
	r = trust_load(trust, &t, err);
	if (r)
		return r;
	r = manifest_load_verified_by(file, &t, trust, now, ret, err);
	trust_free(&t);
	return r;
}

int manifest_load_verified_by(const char *file, const struct nojit_trust *t, const char *trust,
			      __s64 now, struct nojit_manifest **ret, struct nojit_err *err)
{
	char sigpath[PATH_MAX];

	if ((size_t)snprintf(sigpath, sizeof(sigpath), "%s%s", file, NOJIT_SIG_SUFFIX) >= sizeof(sigpath))
		return nojit_err_set(err, -ENAMETOOLONG, "manifest %s: name too long", file);
	return manifest_load_verified_sig(file, sigpath, t, trust, now, ret, err);
}

int manifest_load_verified_sig(const char *file, const char *sigfile, const struct nojit_trust *t,
			       const char *trust, __s64 now, struct nojit_manifest **ret,
			       struct nojit_err *err)
{
	_cleanup_free_ char *buf = NULL;
	_cleanup_manifest_ struct nojit_manifest *m = NULL;
	const struct nojit_pubkey *key;
	struct sig sig;
	size_t len;
	int r;

	r = keys_init();
	if (r)
		return nojit_err_set(err, r, "libsodium failed to initialise");
	r = read_manifest_file(file, &buf, &len, err);
	if (r)
		return r;
	r = read_sig_file(file, sigfile, &sig, err);
	if (r)
		return r;
	key = trust_find(t, sig.key_id);
	if (!key) {
		char ids[128] = "";
		size_t off = 0;

		for (size_t i = 0; i < t->n_keys && i < 4; i++)
			off += (size_t)snprintf(ids + off, sizeof(ids) - off, "%s%s", i ? ", " : "",
						t->keys[i].id);
		if (t->n_keys > 4)
			snprintf(ids + off, sizeof(ids) - off, " and %zu more", t->n_keys - 4);
		return nojit_err_set(err, -ENOKEY, "manifest %s: signed by unknown key %s (not in trust store %s, which holds %s)",
				     file, sig.key_id, trust, ids);
	}
	/* The signature over the exact bytes, before any parser sees them. */
	r = key_verify(key, buf, CTX_LEN + len, sig.sig);
	if (r)
		return nojit_err_set(err, -EKEYREJECTED,
				     "manifest %s: bad signature: %s does not verify with key %s from %s (the manifest or its signature was altered)",
				     file, sigfile, sig.key_id, trust);
	r = manifest_parse(buf + CTX_LEN, len, &m, err);
	if (r)
		return prefix_err(err, r, file);
	r = manifest_check_time(m, now, err);
	if (r)
		return prefix_err(err, r, file);
	memcpy(m->key_id, sig.key_id, sizeof(m->key_id));
	*ret = TAKE_PTR(m);
	return 0;
}

int manifest_sign_file(const char *file, const struct nojit_seckey *key, __s64 now,
		       struct nojit_manifest **ret, struct nojit_err *err)
{
	_cleanup_free_ char *buf = NULL;
	_cleanup_manifest_ struct nojit_manifest *m = NULL;
	char sigpath[PATH_MAX], line[256], b64[sodium_base64_ENCODED_LEN(NOJIT_SIG_LEN, sodium_base64_VARIANT_ORIGINAL)];
	__u8 sig[NOJIT_SIG_LEN];
	size_t len;
	int r, n;

	r = keys_init();
	if (r)
		return nojit_err_set(err, r, "libsodium failed to initialise");
	if ((size_t)snprintf(sigpath, sizeof(sigpath), "%s%s", file, NOJIT_SIG_SUFFIX) >= sizeof(sigpath))
		return nojit_err_set(err, -ENAMETOOLONG, "manifest %s: name too long", file);
	r = read_manifest_file(file, &buf, &len, err);
	if (r)
		return r;
	/* Sign only what a loader would accept. */
	r = manifest_parse(buf + CTX_LEN, len, &m, err);
	if (r)
		return prefix_err(err, r, file);
	if (now >= m->expires) {
		char when[32];

		manifest_time_format(m->expires, when);
		return nojit_err_set(err, -EKEYEXPIRED, "manifest %s: refusing to sign: it expired at %s",
				     file, when);
	}
	r = key_sign(key, buf, CTX_LEN + len, sig);
	if (r)
		return nojit_err_set(err, r, "manifest %s: signing failed", file);
	sodium_bin2base64(b64, sizeof(b64), sig, sizeof(sig), sodium_base64_VARIANT_ORIGINAL);
	n = snprintf(line, sizeof(line), "%s %s %s\n", NOJIT_SIG_TAG, key->pub.id, b64);
	r = write_file_atomic(sigpath, line, (size_t)n, 0644, err);
	if (r)
		return r;
	memcpy(m->key_id, key->pub.id, sizeof(m->key_id));
	if (ret)
		*ret = TAKE_PTR(m);
	return 0;
}

/* ---- formatting ------------------------------------------------------- */

struct strbuf {
	char *p;
	size_t len, cap;
	bool oom;
};

static void sb_add(struct strbuf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		char *p;

		while (cap < b->len + n + 1)
			cap *= 2;
		p = realloc(b->p, cap);
		if (!p) {
			b->oom = true;
			return;
		}
		b->p = p, b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

__attribute__((format(printf, 2, 3)))
static void sb_printf(struct strbuf *b, const char *fmt, ...)
{
	char tmp[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		b->oom = true;
		return;
	}
	sb_add(b, tmp, (size_t)n);
}

/* A JSON string. Control characters are escaped; the parser then refuses them. */
static void sb_json_string(struct strbuf *b, const char *s)
{
	sb_add(b, "\"", 1);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			char esc[2] = { '\\', (char)c };

			sb_add(b, esc, 2);
		} else if (c < 0x20) {
			sb_printf(b, "\\u%04x", c);
		} else {
			sb_add(b, s, 1);
		}
	}
	sb_add(b, "\"", 1);
}

static void format_exceptions(struct strbuf *b, const struct nojit_manifest *m)
{
	char hex[65], expires[32];

	sb_printf(b, ",\n  \"exceptions\": [");
	for (size_t i = 0; i < m->n_exceptions; i++) {
		const struct nojit_manifest_exception *e = &m->exceptions[i];
		bool first = true;

		sodium_bin2hex(hex, sizeof(hex), e->sha256, 32);
		manifest_time_format(e->expires, expires);
		sb_printf(b, "%s\n    {\"id\": ", i ? "," : "");
		sb_json_string(b, e->id);
		sb_printf(b, ", \"sha256\": \"%s\", \"allow\": [", hex);
		for (__u32 bit = 1; bit; bit <<= 1) {
			if (!(e->allow & bit) || !manifest_exception_allow_name(bit))
				continue;
			sb_printf(b, "%s\"%s\"", first ? "" : ", ", manifest_exception_allow_name(bit));
			first = false;
		}
		sb_printf(b, "],\n     \"justification\": ");
		sb_json_string(b, e->justification);
		sb_printf(b, ",\n     \"expires\": \"%s\", \"write_paths\": [", expires);
		for (size_t j = 0; j < e->n_write_paths; j++) {
			sb_printf(b, "%s", j ? ", " : "");
			sb_json_string(b, e->write_paths[j]);
		}
		sb_printf(b, "]");
		if (e->approved) {
			char b64[sodium_base64_ENCODED_LEN(NOJIT_SIG_LEN, sodium_base64_VARIANT_ORIGINAL)];

			sodium_bin2base64(b64, sizeof(b64), e->approval, sizeof(e->approval),
					  sodium_base64_VARIANT_ORIGINAL);
			sb_printf(b, ",\n     \"approval\": \"%s %s %s\"", NOJIT_APPROVAL_TAG,
				  e->approver, b64);
		}
		sb_add(b, "}", 1);
	}
	sb_add(b, "\n  ]", 4);
}

int manifest_format(const struct nojit_manifest *m, char **ret_buf, size_t *ret_len,
		    struct nojit_err *err)
{
	struct strbuf b = {};
	struct nojit_manifest *check = NULL;
	char issued[32], expires[32], hex[65];
	const char *mode = manifest_mode_name(m->mode);
	int r;

	manifest_time_format(m->issued, issued);
	manifest_time_format(m->expires, expires);
	sb_printf(&b, "{\n  \"schema\": %u,\n  \"name\": ", m->schema);
	sb_json_string(&b, m->name ? m->name : "");
	sb_printf(&b, ",\n  \"serial\": %llu,\n  \"issued\": \"%s\",\n  \"expires\": \"%s\",\n"
		  "  \"mode\": \"%s\",\n  \"entries\": [",
		  (unsigned long long)m->serial, issued, expires, mode ? mode : "?");
	for (size_t i = 0; i < m->n_entries; i++) {
		const struct nojit_manifest_entry *e = &m->entries[i];
		const char *kind = manifest_kind_name(e->kind);

		sodium_bin2hex(hex, sizeof(hex), e->sha256, 32);
		sb_printf(&b, "%s\n    {\"sha256\": \"%s\", \"kind\": \"%s\", \"path\": ", i ? "," : "",
			  hex, kind ? kind : "?");
		sb_json_string(&b, e->path ? e->path : "");
		sb_add(&b, "}", 1);
	}
	sb_add(&b, m->n_entries ? "\n  ]" : "]", m->n_entries ? 4 : 1);
	if (m->n_jit_engines)
		sb_add(&b, ",\n  \"jit_engines\": [", sizeof(",\n  \"jit_engines\": [") - 1);
	for (size_t i = 0; i < m->n_jit_engines; i++) {
		const struct nojit_manifest_jit_engine *j = &m->jit_engines[i];

		sodium_bin2hex(hex, sizeof(hex), j->sha256, 32);
		sb_printf(&b, "%s\n    {\"sha256\": \"%s\", \"engine\": ", i ? "," : "", hex);
		sb_json_string(&b, j->engine ? j->engine : "");
		sb_add(&b, ", \"path\": ", sizeof(", \"path\": ") - 1);
		sb_json_string(&b, j->path ? j->path : "");
		sb_add(&b, ", \"evidence\": ", sizeof(", \"evidence\": ") - 1);
		sb_json_string(&b, j->evidence ? j->evidence : "");
		sb_add(&b, "}", 1);
	}
	if (m->n_jit_engines)
		sb_add(&b, "\n  ]", sizeof("\n  ]") - 1);
	if (m->n_exceptions)
		format_exceptions(&b, m);
	sb_add(&b, "\n}\n", sizeof("\n}\n") - 1);
	if (b.oom) {
		free(b.p);
		return nojit_err_set(err, -ENOMEM, "out of memory");
	}
	/* Never hand out what a loader would refuse. */
	r = manifest_parse(b.p, b.len, &check, err);
	manifest_free(check);
	if (r) {
		free(b.p);
		return r;
	}
	*ret_buf = b.p;
	*ret_len = b.len;
	return 0;
}

/* ---- building --------------------------------------------------------- */

#define SCAN_MAX_DEPTH	128
#define HASH_BUF_SIZE	(128u << 10)

enum {
	SCAN_AUTO	= 1 << 0,
	SCAN_CLOSURE	= 1 << 1,
};

struct scan_item {
	char *path;
	dev_t dev;
	ino_t ino;
	__u64 size;
	__u32 forced;		/* kinds given explicitly, OR'ed */
	__u32 how;		/* SCAN_* */
	__u32 kind;		/* final, after hashing */
	int error;		/* -errno from hashing */
	__u8 sha256[32];
};

struct manifest_scan {
	struct scan_item *items;
	size_t n, cap;
	size_t *slots;		/* open addressing on (dev, ino): item index + 1 */
	size_t n_slots;
	char **notes;
	size_t n_notes, cap_notes;
	__u64 total_bytes;
};

struct manifest_scan *manifest_scan_new(void)
{
	return calloc(1, sizeof(struct manifest_scan));
}

void manifest_scan_free(struct manifest_scan *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++)
		free(s->items[i].path);
	for (size_t i = 0; i < s->n_notes; i++)
		free(s->notes[i]);
	free(s->items);
	free(s->slots);
	free(s->notes);
	free(s);
}

int manifest_scan_note(struct manifest_scan *s, const char *note)
{
	char *copy;

	if (s->n_notes == s->cap_notes) {
		size_t cap = s->cap_notes ? s->cap_notes * 2 : 16;
		char **n = realloc(s->notes, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		s->notes = n, s->cap_notes = cap;
	}
	copy = strdup(note);
	if (!copy)
		return -ENOMEM;
	manifest_text_sanitize(copy);
	s->notes[s->n_notes++] = copy;
	return 0;
}

__attribute__((format(printf, 2, 3)))
static int scan_notef(struct manifest_scan *s, const char *fmt, ...)
{
	char note[PATH_MAX + 128];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(note, sizeof(note), fmt, ap);
	va_end(ap);
	return manifest_scan_note(s, note);
}

size_t manifest_scan_notes(const struct manifest_scan *s, const char *const **ret)
{
	*ret = (const char *const *)s->notes;
	return s->n_notes;
}

int manifest_scan_paths(const struct manifest_scan *s, const char ***ret, size_t *ret_n)
{
	const char **p = calloc(s->n + 1, sizeof(*p));

	if (!p)
		return -ENOMEM;
	for (size_t i = 0; i < s->n; i++)
		p[i] = s->items[i].path;
	*ret = p;
	*ret_n = s->n;
	return 0;
}

static size_t slot_of(const struct manifest_scan *s, dev_t dev, ino_t ino)
{
	__u64 h = (__u64)ino * 0x9e3779b97f4a7c15ull ^ (__u64)dev * 0xc2b2ae3d27d4eb4full;

	return (size_t)(h >> 17) & (s->n_slots - 1);
}

static int scan_grow_slots(struct manifest_scan *s)
{
	size_t n = s->n_slots ? s->n_slots * 2 : 1024;
	size_t *slots = calloc(n, sizeof(*slots));

	if (!slots)
		return -ENOMEM;
	free(s->slots);
	s->slots = slots, s->n_slots = n;
	for (size_t i = 0; i < s->n; i++) {
		size_t j = slot_of(s, s->items[i].dev, s->items[i].ino);

		while (s->slots[j])
			j = (j + 1) & (n - 1);
		s->slots[j] = i + 1;
	}
	return 0;
}

/* Record a regular file; the same (dev, ino) reached again merges into one item. */
static int scan_add_file(struct manifest_scan *s, const char *path, const struct stat *st,
			 unsigned int kind)
{
	struct scan_item *it;
	size_t j;

	if ((s->n + 1) * 2 > s->n_slots && scan_grow_slots(s))
		return -ENOMEM;
	for (j = slot_of(s, st->st_dev, st->st_ino); s->slots[j]; j = (j + 1) & (s->n_slots - 1)) {
		it = &s->items[s->slots[j] - 1];
		if (it->dev != st->st_dev || it->ino != st->st_ino)
			continue;
		goto merge;
	}
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 256;
		struct scan_item *items = realloc(s->items, cap * sizeof(*items));

		if (!items)
			return -ENOMEM;
		s->items = items, s->cap = cap;
	}
	it = &s->items[s->n];
	memset(it, 0, sizeof(*it));
	it->path = strdup(path);
	if (!it->path)
		return -ENOMEM;
	it->dev = st->st_dev, it->ino = st->st_ino, it->size = (__u64)st->st_size;
	s->slots[j] = ++s->n;
	s->total_bytes += it->size;
merge:
	/* Hard links: keep the smallest path, so the output is reproducible. */
	if (strcmp(path, it->path) < 0) {
		char *p = strdup(path);

		if (!p)
			return -ENOMEM;
		free(it->path);
		it->path = p;
	}
	if (kind == MANIFEST_KIND_AUTO)
		it->how |= SCAN_AUTO;
	else if (kind == MANIFEST_KIND_CLOSURE)
		it->how |= SCAN_CLOSURE;
	else
		it->forced |= kind;
	return 0;
}

static const char *file_type_name(mode_t m)
{
	if (S_ISFIFO(m))
		return "a FIFO";
	if (S_ISSOCK(m))
		return "a socket";
	if (S_ISCHR(m))
		return "a character device";
	if (S_ISBLK(m))
		return "a block device";
	if (S_ISDIR(m))
		return "a directory";
	return "not a regular file";
}

/* A symbolic link met in a walk: files are followed, the rest noted. */
static int scan_symlink(struct manifest_scan *s, int dfd, const char *name, const char *path,
			unsigned int kind)
{
	char real[PATH_MAX];
	struct stat st;

	if (fstatat(dfd, name, &st, 0)) {
		if (errno == ELOOP)
			return scan_notef(s, "%s: symbolic link loop, skipped", path);
		if (errno == ENOENT)
			return scan_notef(s, "%s: dangling symbolic link, skipped", path);
		return scan_notef(s, "%s: %s, skipped", path, strerror(errno));
	}
	if (S_ISDIR(st.st_mode))
		return scan_notef(s, "%s: symbolic link to a directory, not followed (list its target to include it)",
				  path);
	if (!S_ISREG(st.st_mode))
		return scan_notef(s, "%s: links to %s, skipped", path, file_type_name(st.st_mode));
	if (!realpath(path, real))
		return scan_notef(s, "%s: %s, skipped", path, strerror(errno));
	return scan_add_file(s, real, &st, kind);
}

static int scan_walk(struct manifest_scan *s, int dfd, char *path, size_t len, unsigned int kind,
		     unsigned int depth)
{
	struct dirent *de;
	DIR *d;
	int r = 0;

	d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return scan_notef(s, "%s: %s, skipped", len ? path : "/", strerror(errno));
	}
	while (!r && (errno = 0, de = readdir(d))) {
		size_t nlen = strlen(de->d_name);
		struct stat st;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (len + 1 + nlen >= PATH_MAX) {
			r = scan_notef(s, "%s/%s: path too long, skipped", path, de->d_name);
			continue;
		}
		path[len] = '/';
		memcpy(path + len + 1, de->d_name, nlen + 1);
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW)) {
			r = scan_notef(s, "%s: %s, skipped", path, strerror(errno));
		} else if (S_ISREG(st.st_mode)) {
			r = scan_add_file(s, path, &st, kind);
		} else if (S_ISLNK(st.st_mode)) {
			r = scan_symlink(s, dirfd(d), de->d_name, path, kind);
		} else if (S_ISDIR(st.st_mode)) {
			int fd;

			if (depth >= SCAN_MAX_DEPTH) {
				r = scan_notef(s, "%s: nested more than %d directories deep, skipped", path,
					       SCAN_MAX_DEPTH);
			} else if ((fd = openat(dirfd(d), de->d_name,
						O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
				r = scan_notef(s, "%s: %s, skipped", path, strerror(errno));
			} else {
				r = scan_walk(s, fd, path, len + 1 + nlen, kind, depth + 1);
			}
		} else {
			r = scan_notef(s, "%s: %s, skipped", path, file_type_name(st.st_mode));
		}
		path[len] = '\0';
	}
	if (!r && errno)
		r = scan_notef(s, "%s: %s (directory listing incomplete)", len ? path : "/", strerror(errno));
	closedir(d);
	return r;
}

int manifest_scan_add(struct manifest_scan *s, const char *path, unsigned int kind,
		      struct nojit_err *err)
{
	char real[PATH_MAX];
	struct stat st;
	int fd, r;

	if (stat(path, &st)) {
		if (errno == ENOENT)
			return nojit_err_set(err, -ENOENT, "%s: no such file or directory", path);
		if (errno == ENOMEM)
			return nojit_err_set(err, -ENOMEM, "out of memory");
		r = scan_notef(s, "%s: %s, skipped", path,
			       errno == ELOOP ? "symbolic link loop" : strerror(errno));
		return r ? nojit_err_set(err, r, "out of memory") : 0;
	}
	if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) {
		r = scan_notef(s, "%s: %s, skipped", path, file_type_name(st.st_mode));
		return r ? nojit_err_set(err, r, "out of memory") : 0;
	}
	if (!realpath(path, real)) {
		r = scan_notef(s, "%s: %s, skipped", path, strerror(errno));
		return r ? nojit_err_set(err, r, "out of memory") : 0;
	}
	if (S_ISREG(st.st_mode)) {
		r = scan_add_file(s, real, &st, kind);
	} else {
		fd = open(real, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			r = scan_notef(s, "%s: %s, skipped", path, strerror(errno));
		else
			r = scan_walk(s, fd, real, strlen(real) == 1 ? 0 : strlen(real), kind, 0);
	}
	return r ? nojit_err_set(err, r, "out of memory") : 0;
}

/*
 * The kind "auto" gives a file (docs/manifest.md): ELF executables
 * (ET_EXEC) exec; ELF shared objects (ET_DYN: libraries, and PIE
 * programs, ld.so and libc, which are both) lib, or any when an execute
 * bit is set; anything else exec when an execute bit is set, else lib.
 */
static __u32 auto_kind(const __u8 *head, size_t n, mode_t mode)
{
	bool x = mode & 0111;

	if (n >= 18 && !memcmp(head, ELFMAG, SELFMAG)) {
		__u16 type = head[EI_DATA] == ELFDATA2MSB ? (__u16)(head[16] << 8 | head[17])
							 : (__u16)(head[17] << 8 | head[16]);

		if (type == ET_EXEC)
			return NOJIT_KIND_EXEC;
		if (type == ET_DYN)
			return x ? NOJIT_KIND_ANY : NOJIT_KIND_LIB;
	}
	return x ? NOJIT_KIND_EXEC : NOJIT_KIND_LIB;
}

struct hash_job {
	struct manifest_scan *s;
	size_t *order;		/* item indices, largest file first */
	size_t next;		/* atomic */
	size_t done_files;	/* atomic */
	__u64 done_bytes;	/* atomic */
};

struct chunk_ctx {
	struct hash_job *job;
	__u8 head[64];		/* the file's first bytes, for auto_kind() */
	size_t n_head;
};

static void on_chunk(void *arg, const __u8 *data, size_t n)
{
	struct chunk_ctx *c = arg;

	if (c->n_head < sizeof(c->head)) {
		size_t take = sizeof(c->head) - c->n_head < n ? sizeof(c->head) - c->n_head : n;

		memcpy(c->head + c->n_head, data, take);
		c->n_head += take;
	}
	__atomic_fetch_add(&c->job->done_bytes, (__u64)n, __ATOMIC_RELAXED);
}

static int hash_one(struct hash_job *j, struct scan_item *it, __u8 *buf)
{
	struct chunk_ctx c = { .job = j };
	_cleanup_close_ int fd = -1;
	struct stat sb;
	int r;

	fd = open(it->path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &sb))
		return -errno;
	if (!S_ISREG(sb.st_mode))
		return -EINVAL;
	(void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	r = sha256_fd(fd, it->sha256, buf, HASH_BUF_SIZE, on_chunk, &c);
	if (r)
		return r;
	it->kind = it->forced;
	if (it->how & SCAN_AUTO)
		it->kind |= auto_kind(c.head, c.n_head, sb.st_mode);
	if (it->how & SCAN_CLOSURE)
		it->kind |= NOJIT_KIND_LIB | auto_kind(c.head, c.n_head, sb.st_mode);
	return 0;
}

static void *hash_worker(void *arg)
{
	struct hash_job *j = arg;
	__u8 *buf = malloc(HASH_BUF_SIZE);

	for (;;) {
		size_t i = __atomic_fetch_add(&j->next, 1, __ATOMIC_RELAXED);
		struct scan_item *it;

		if (i >= j->s->n)
			break;
		it = &j->s->items[j->order[i]];
		it->error = buf ? hash_one(j, it, buf) : -ENOMEM;
		__atomic_fetch_add(&j->done_files, 1, __ATOMIC_RELEASE);
	}
	free(buf);
	return NULL;
}

static int cmp_size_desc(const void *a, const void *b, void *arg)
{
	const struct manifest_scan *s = arg;
	__u64 x = s->items[*(const size_t *)a].size, y = s->items[*(const size_t *)b].size;

	return x < y ? 1 : x > y ? -1 : 0;
}

static int cmp_note(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int manifest_scan_hash(struct manifest_scan *s, unsigned int jobs, manifest_progress_fn progress,
		       void *ctx, struct nojit_err *err)
{
	_cleanup_free_ size_t *order = NULL;
	pthread_t threads[8];
	struct hash_job j = { .s = s };
	unsigned int started = 0;
	long cpus;
	int r;

	r = keys_init();
	if (r)
		return nojit_err_set(err, r, "libsodium failed to initialise");
	if (!s->n)
		goto sort_notes;
	if (!jobs) {
		cpus = sysconf(_SC_NPROCESSORS_ONLN);
		jobs = cpus < 1 ? 1 : (unsigned int)cpus;
	}
	if (jobs > ARRAY_SIZE(threads))
		jobs = ARRAY_SIZE(threads);
	if (jobs > s->n)
		jobs = (unsigned int)s->n;
	order = malloc(s->n * sizeof(*order));
	if (!order)
		return nojit_err_set(err, -ENOMEM, "out of memory");
	for (size_t i = 0; i < s->n; i++)
		order[i] = i;
	/* Largest first, so no thread is left alone with a big file at the end. */
	qsort_r(order, s->n, sizeof(*order), cmp_size_desc, s);
	j.order = order;
	for (; started < jobs; started++)
		if (pthread_create(&threads[started], NULL, hash_worker, &j))
			break;
	if (!started)
		hash_worker(&j);
	for (unsigned int tick = 1; progress && __atomic_load_n(&j.done_files, __ATOMIC_ACQUIRE) < s->n; tick++) {
		struct timespec ts = { 0, 10 * 1000 * 1000 };

		nanosleep(&ts, NULL);
		if (tick % 20 == 0)
			progress(ctx, __atomic_load_n(&j.done_files, __ATOMIC_RELAXED), s->n,
				 __atomic_load_n(&j.done_bytes, __ATOMIC_RELAXED), s->total_bytes);
	}
	for (unsigned int i = 0; i < started; i++)
		pthread_join(threads[i], NULL);
	if (progress)
		progress(ctx, s->n, s->n, j.done_bytes, s->total_bytes);
	for (size_t i = 0; i < s->n; i++) {
		if (!s->items[i].error)
			continue;
		if (s->items[i].error == -ENOMEM)
			return nojit_err_set(err, -ENOMEM, "out of memory");
		r = scan_notef(s, "%s: %s, skipped", s->items[i].path,
			       s->items[i].error == -EINVAL ? "no longer a regular file" :
			       s->items[i].error == -ELOOP ? "replaced by a symbolic link" :
			       strerror(-s->items[i].error));
		if (r)
			return nojit_err_set(err, r, "out of memory");
	}
sort_notes:
	/* Notes in path order too, whatever order readdir() and the threads had. */
	if (s->n_notes)
		qsort(s->notes, s->n_notes, sizeof(*s->notes), cmp_note);
	return 0;
}

static int cmp_entry_path(const void *a, const void *b)
{
	const struct nojit_manifest_entry *x = a, *y = b;
	int c = strcmp(x->path, y->path);

	return c ? c : memcmp(x->sha256, y->sha256, 32);
}

int manifest_scan_file(const struct manifest_scan *s, size_t i, const char **ret_path,
		       __u8 ret_sha256[32])
{
	if (i >= s->n || s->items[i].error)
		return -ENOENT;
	*ret_path = s->items[i].path;
	memcpy(ret_sha256, s->items[i].sha256, 32);
	return 0;
}

int manifest_scan_entries(const struct manifest_scan *s, struct nojit_manifest_entry **ret,
			  size_t *ret_n, __u64 *ret_bytes)
{
	struct nojit_manifest_entry *e;
	size_t n = 0;
	__u64 bytes = 0;

	e = calloc(s->n + 1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	for (size_t i = 0; i < s->n; i++) {
		const struct scan_item *it = &s->items[i];

		if (it->error)
			continue;
		e[n].path = strdup(it->path);
		if (!e[n].path) {
			manifest_entries_free(e, n);
			return -ENOMEM;
		}
		manifest_text_sanitize(e[n].path);
		memcpy(e[n].sha256, it->sha256, 32);
		e[n].kind = it->kind;
		bytes += it->size;
		n++;
	}
	qsort(e, n, sizeof(*e), cmp_entry_path);
	*ret = e;
	*ret_n = n;
	if (ret_bytes)
		*ret_bytes = bytes;
	return 0;
}
