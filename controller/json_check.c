// SPDX-License-Identifier: GPL-2.0
/* What json-c accepts silently but a strict reader must refuse (json_check.h). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "json_check.h"

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
	*ret = root;
	return 0;
}
