/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Private to audit_record.c, audit_writer.c and audit_verify.c: the
 * canonical-JSON builder and record bodies the writer writes with, and the
 * record-prefix parser the writer's restart, the head reader and the
 * verifier share. Nothing else includes this.
 */
#ifndef NOJIT_AUDIT_INTERNAL_H
#define NOJIT_AUDIT_INTERNAL_H

#include <json-c/json.h>
#include <sodium.h>

#include "audit_log.h"

#define TIME_LEN	AUDIT_TIME_LEN
#define SIG_B64_LEN	AUDIT_SIG_B64_LEN
#define SIG_SUFFIX	",\"sig\":\""
/* ,"sig":"<88>"} : what is cut off a seal line to get the signed part */
#define SIG_TAIL_LEN	(sizeof(SIG_SUFFIX) - 1 + SIG_B64_LEN + 2)

static inline int hex_val(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;	/* lowercase only: the canonical form */
}

static inline bool is_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (hex_val(s[i]) < 0)
			return false;
	return true;
}

/* SHA-256 of a record line: the chain's hash (audit_record.c). */
void sha256(const void *p, size_t n, __u8 out[32]);

/* ---- canonical serialisation (audit_record.c) ---- */

struct sbuf {
	char *p;
	size_t len, cap;
	bool oom;
};

void sb_reserve(struct sbuf *b, size_t more);
void sb_raw(struct sbuf *b, const char *s, size_t n);
void sb_s(struct sbuf *b, const char *s);
/* ,"KEY":"VALUE" or null; when VALUE is not valid UTF-8 also ,"KEY_hex":"..." */
void sb_field_str(struct sbuf *b, const char *key, const char *v);
void sb_field_u64(struct sbuf *b, const char *key, __u64 v);
/* Starts B over with {"seq":N,"prev":"HEX","type":"TYPE","time":"TIME" */
void sb_prefix(struct sbuf *b, __u64 seq, const __u8 prev[32], const char *type, __u64 now);

/* A record's body: its fields after the prefix, and the closing '}'. */
typedef void (*body_fn)(struct sbuf *b, const void *arg);

struct drops_arg {
	const char *source;
	__u64 dropped, total;
	bool has_total;
	const struct audit_drop_reasons *reasons;	/* NULL: not the kernel's */
};

void body_event(struct sbuf *b, const void *arg);		/* struct audit_event */
void body_drops(struct sbuf *b, const void *arg);		/* struct drops_arg */
void body_response(struct sbuf *b, const void *arg);		/* struct audit_response */
void body_node_policy(struct sbuf *b, const void *arg);	/* struct audit_policy_event */
void body_vkernel(struct sbuf *b, const void *arg);		/* struct audit_vk_event */
void body_scan(struct sbuf *b, const void *arg);		/* struct audit_scan_finding */

/* ---- parsing lines (audit_record.c) ---- */

struct rec_prefix {
	__u64 seq;
	__u8 prev[32];
	char type[16];
	__u64 time_ns;
};

/*
 * The fixed start every record has, in canonical order:
 * {"seq":N,"prev":"<64 hex>","type":"<a-z>","time":"<RFC 3339 ns>"
 * followed by ',' or '}', and a line ending in '}'. NULL, or why not.
 */
const char *prefix_parse(const char *line, size_t len, struct rec_prefix *r);
/* The line as one JSON object and nothing else; NULL if it is not. */
struct json_object *json_parse_line(struct json_tokener *tok, const char *p, size_t len);
const char *jstr(struct json_object *o, const char *key);
bool ju64(struct json_object *o, const char *key, __u64 *ret);
/* A segment record's format (must be AUDIT_FORMAT), log id and segment number. */
bool seg_fields(struct json_object *o, char log_id[AUDIT_LOG_ID_LEN + 1], __u32 *segment);

#endif /* NOJIT_AUDIT_INTERNAL_H */
