// SPDX-License-Identifier: GPL-2.0
/* What json-c accepts silently but a strict reader must refuse (json_check.h). */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_check.h"
#include "util.h"

/*
 * Object members in the text (every ':' outside a string is one) and, in
 * *RET_VALUES, an upper bound on the values json-c would build: one, plus
 * one per '{', '[' and ',' outside strings.
 */
static size_t count_text(const char *buf, size_t len, size_t *ret_values)
{
	bool in_str = false;
	size_t n = 0, values = 1;

	for (size_t i = 0; i < len; i++) {
		char c = buf[i];

		if (in_str) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_str = false;
		} else if (c == '"') {
			in_str = true;
		} else if (c == ':') {
			n++;
		} else if (c == '{' || c == '[' || c == ',') {
			values++;
		}
	}
	if (ret_values)
		*ret_values = values;
	return n;
}

/* Object members json-c kept: fewer than in the text means a repeated name. */
static size_t count_members_tree(struct json_object *o)
{
	size_t n = 0;

	switch (json_object_get_type(o)) {
	case json_type_object: {
		json_object_object_foreach(o, key, val) {
			(void)key;
			n += 1 + count_members_tree(val);
		}
		break;
	}
	case json_type_array:
		for (size_t i = 0; i < json_object_array_length(o); i++)
			n += count_members_tree(json_object_array_get_idx(o, i));
		break;
	default:
		break;
	}
	return n;
}

/* NaN, Infinity and numbers too large for a double: json-c takes them, RFC 8259 has no such values. */
static bool has_nonfinite(struct json_object *o)
{
	switch (json_object_get_type(o)) {
	case json_type_object: {
		json_object_object_foreach(o, key, val) {
			(void)key;
			if (has_nonfinite(val))
				return true;
		}
		return false;
	}
	case json_type_array:
		for (size_t i = 0; i < json_object_array_length(o); i++)
			if (has_nonfinite(json_object_array_get_idx(o, i)))
				return true;
		return false;
	case json_type_double:
		return !isfinite(json_object_get_double(o));
	default:
		return false;
	}
}

bool json_repeats_names(const char *buf, size_t len, struct json_object *root)
{
	return count_members_tree(root) != count_text(buf, len, NULL);
}

bool json_has_escaped_nul(const char *buf, size_t len)
{
	bool in_str = false;

	for (size_t i = 0; i < len; i++) {
		if (!in_str) {
			in_str = buf[i] == '"';
			continue;
		}
		if (buf[i] == '"')
			in_str = false;
		else if (buf[i] == '\\' && i + 1 < len) {
			if (buf[i + 1] == 'u' && i + 5 < len && !strncmp(buf + i + 2, "0000", 4))
				return true;
			i++;
		}
	}
	return false;
}

int json_parse_strict(const char *buf, size_t len, int depth, size_t max_values,
		      struct json_object **ret, char *msg, size_t msg_size)
{
	struct json_tokener *tok;
	struct json_object *root;
	enum json_tokener_error jerr;
	size_t end, values;

	if (!len || len > INT32_MAX) {
		snprintf(msg, msg_size, len ? "too large" : "empty");
		return -EBADMSG;
	}
	if (memchr(buf, '\0', len)) {
		snprintf(msg, msg_size, "a NUL byte at offset %zu", (size_t)((const char *)memchr(buf, '\0', len) - buf));
		return -EBADMSG;
	}
	/* json-c spends a few hundred bytes on each value: "[{},{},...]" would cost ~270x its size. */
	count_text(buf, len, &values);
	if (values > max_values) {
		snprintf(msg, msg_size, "more than %zu values", max_values);
		return -EBADMSG;
	}
	tok = json_tokener_new_ex(depth);
	if (!tok) {
		snprintf(msg, msg_size, "out of memory");
		return -ENOMEM;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	root = json_tokener_parse_ex(tok, buf, (int)len);
	jerr = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	/* A trailing newline is what every tool writes after a JSON document. */
	while (jerr == json_tokener_success && end < len && (buf[end] == '\n' || buf[end] == ' '))
		end++;
	if (jerr != json_tokener_success || !root || end != len) {
		snprintf(msg, msg_size, "malformed JSON at byte %zu: %s", end > len ? len : end,
			 jerr == json_tokener_continue ? "truncated" :
			 jerr != json_tokener_success ? json_tokener_error_desc(jerr) :
							"unexpected text after the end");
		json_object_put(root);
		return -EBADMSG;
	}
	if (json_repeats_names(buf, len, root) || json_has_escaped_nul(buf, len)) {
		snprintf(msg, msg_size, "an object repeats a member name, or a string holds \\u0000");
		json_object_put(root);
		return -EBADMSG;
	}
	if (has_nonfinite(root)) {
		snprintf(msg, msg_size, "a number that is not finite (NaN, Infinity, or beyond a double)");
		json_object_put(root);
		return -EBADMSG;
	}
	*ret = root;
	return 0;
}

/* Length of the valid UTF-8 sequence at S (of N bytes), or 0 (RFC 3629: no overlongs, surrogates or > U+10FFFF). */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		return n >= 2 && (s[1] & 0xc0) == 0x80 ? 2 : 0;
	if (s[0] >= 0xe0 && s[0] <= 0xef) {
		unsigned char lo = s[0] == 0xe0 ? 0xa0 : 0x80, hi = s[0] == 0xed ? 0x9f : 0xbf;

		return n >= 3 && s[1] >= lo && s[1] <= hi && (s[2] & 0xc0) == 0x80 ? 3 : 0;
	}
	if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		unsigned char lo = s[0] == 0xf0 ? 0x90 : 0x80, hi = s[0] == 0xf4 ? 0x8f : 0xbf;

		return n >= 4 && s[1] >= lo && s[1] <= hi && (s[2] & 0xc0) == 0x80 &&
		       (s[3] & 0xc0) == 0x80 ? 4 : 0;
	}
	return 0;
}

/*
 * *RET: STR (LEN bytes) with every byte that is not part of valid UTF-8
 * replaced by U+FFFD, or NULL when STR was valid. 0 or -ENOMEM.
 */
static int utf8_repair(const char *str, size_t len, char **ret, size_t *ret_len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, o = 0, k;
	char *out;

	*ret = NULL;
	while (i < len && (k = utf8_seq(s + i, len - i)))
		i += k;
	if (i == len)
		return 0;
	out = malloc(3 * len + 1);
	if (!out)
		return -ENOMEM;
	for (i = 0; i < len;) {
		k = utf8_seq(s + i, len - i);
		if (k) {
			memcpy(out + o, s + i, k);
			o += k;
			i += k;
		} else {
			memcpy(out + o, "\xef\xbf\xbd", 3);
			o += 3;
			i++;
		}
	}
	out[o] = '\0';
	*ret_len = o;
	*ret = out;
	return 0;
}

int json_make_utf8(struct json_object *o)
{
	switch (json_object_get_type(o)) {
	case json_type_object: {
		json_object_object_foreach(o, key, val) {
			int r;

			(void)key;
			r = json_make_utf8(val);
			if (r)
				return r;
		}
		return 0;
	}
	case json_type_array:
		for (size_t i = 0; i < json_object_array_length(o); i++) {
			int r = json_make_utf8(json_object_array_get_idx(o, i));

			if (r)
				return r;
		}
		return 0;
	case json_type_string: {
		size_t len = (size_t)json_object_get_string_len(o), fixed_len = 0;
		char *fixed;
		int r = utf8_repair(json_object_get_string(o), len, &fixed, &fixed_len);

		if (!r && fixed)
			r = json_object_set_string_len(o, fixed, (int)fixed_len) ? 0 : -ENOMEM;
		free(fixed);
		return r;
	}
	default:
		return 0;
	}
}

struct json_object *json_member(struct json_object *o, const char *name, enum json_type type)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, name, &v) || !json_object_is_type(v, type))
		return NULL;
	return v;
}

struct json_object *json_new_hex(const void *bytes, size_t n)
{
	char hex[2 * 64 + 1];

	if (n > 64)
		return NULL;
	hex_encode(bytes, n, hex);
	return json_object_new_string(hex);
}
