/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What json-c accepts silently but a reader of security-relevant JSON must
 * refuse: an object repeating a member name (json-c keeps the last one, so
 * a later copy silently replaces what a reviewer or another parser saw),
 * and an escaped NUL (json-c cuts object keys at it, so
 * "key\u0000x" replaces "key").
 */
#ifndef NOJIT_JSON_CHECK_H
#define NOJIT_JSON_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <json-c/json.h>

/* True if some object in the text BUF (parsed as ROOT) names a member twice. */
bool json_repeats_names(const char *buf, size_t len, struct json_object *root);

/* True if a string in BUF holds the escape \u0000. */
bool json_has_escaped_nul(const char *buf, size_t len);

/*
 * Parse BUF as exactly one JSON value, strictly (RFC 8259, valid UTF-8,
 * nesting at most DEPTH, at most MAX_VALUES values counted from the text
 * before any is built), refusing NUL bytes, escaped NULs and repeated
 * member names: *RET, or -EBADMSG with where and why in MSG.
 */
int json_parse_strict(const char *buf, size_t len, int depth, size_t max_values,
		      struct json_object **ret, char *msg, size_t msg_size);

/*
 * Replace, in every string value below O, each byte that is not part of
 * valid UTF-8 with U+FFFD: for documents built from bytes others chose
 * (file names, comm, cgroup paths), which a strict reader would refuse
 * whole. Member names are the caller's own and left alone. 0 or -ENOMEM.
 */
int json_make_utf8(struct json_object *o);

/* Member NAME of O when it is of TYPE, else NULL: for reading documents others wrote. */
struct json_object *json_member(struct json_object *o, const char *name, enum json_type type);

/* BYTES (N <= 64) as a lowercase hex string, or NULL. */
struct json_object *json_new_hex(const void *bytes, size_t n);

#endif /* NOJIT_JSON_CHECK_H */
