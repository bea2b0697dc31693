// SPDX-License-Identifier: GPL-2.0
/*
 * The offline verifier of the audit log: puts the segment files in chain
 * order, follows the chain record by record, checks every seal against
 * the trusted keys and the seal policy, and names the first problem. What
 * it checks and reports is specified in docs/audit-log.md; keep the two
 * in step.
 */
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "audit_internal.h"

const char *audit_reason_name(enum audit_reason r)
{
	static const char *const names[] = {
		[AUDIT_OK] = "ok",
		[AUDIT_MALFORMED] = "malformed",
		[AUDIT_ALTERED] = "altered",
		[AUDIT_REMOVED] = "removed",
		[AUDIT_INSERTED] = "inserted",
		[AUDIT_REORDERED] = "reordered",
		[AUDIT_TRUNCATED] = "truncated",
		[AUDIT_BAD_SEAL] = "bad-seal",
		[AUDIT_MISSING_SEAL] = "missing-seal",
		[AUDIT_WRONG_KEY] = "wrong-key",
		[AUDIT_UNSEALED_TAIL] = "unsealed-tail",
	};

	return (unsigned int)r < ARRAY_SIZE(names) && names[r] ? names[r] : "unknown";
}

/* ---- verifier ---------------------------------------------------------------------- */

struct vfile {
	const char *path;
	size_t index;		/* in the caller's array */
	int fd;
	const char *map;
	size_t size;
	size_t region;		/* bytes that belong to the chain */
	struct rec_prefix first;
	char log_id[AUDIT_LOG_ID_LEN + 1];
	char reason[16];
	__u64 discarded;
};

struct vline {
	bool eof, partial, first_in_file;
	size_t f;		/* index into the sorted files */
	__u64 lineno;
	const char *p;
	size_t len;
	const char *perr;	/* why the prefix does not parse */
	struct rec_prefix r;
	__u8 hash[32];
};

struct viter {
	struct vfile *files;
	size_t n, f, off;
	__u64 lineno;
};

static void viter_next(struct viter *it, struct vline *l)
{
	memset(l, 0, sizeof(*l));
	while (it->f < it->n) {
		struct vfile *vf = &it->files[it->f];
		const char *nl;

		if (it->off >= vf->region) {
			it->f++;
			it->off = 0;
			it->lineno = 0;
			continue;
		}
		l->f = it->f;
		l->lineno = ++it->lineno;
		l->first_in_file = it->off == 0;
		l->p = vf->map + it->off;
		nl = memchr(l->p, '\n', vf->region - it->off);
		if (!nl) {
			l->partial = true;
			l->len = vf->region - it->off;
			it->off = vf->region;
			return;
		}
		l->len = (size_t)(nl - l->p);
		it->off += l->len + 1;
		if (l->len > AUDIT_LINE_MAX) {
			l->perr = "longer than the longest record allowed";
			return;
		}
		sha256(l->p, l->len, l->hash);
		l->perr = prefix_parse(l->p, l->len, &l->r);
		return;
	}
	l->eof = true;
}

struct verifier {
	const struct nojit_trust *trust;
	const struct audit_verify_opts *opts;
	struct audit_verify_result *res;
	struct vfile *files;
	size_t n;
	struct json_tokener *tok;

	bool have_last, have_last2, have_policy;
	enum { CLOSE_NONE, CLOSE_ROTATE, CLOSE_SHUTDOWN } last_close;	/* of the previous line */
	__u64 last_seq, last_lineno;
	size_t last_f;
	__u8 last_hash[32], last2_hash[32];
	char last_type[16];
	__u64 win_n, win_t0, pol_n, pol_ms;
};

__attribute__((format(printf, 6, 7)))
static void fail(struct verifier *v, enum audit_reason reason, size_t f, __u64 lineno, __u64 seq,
		 const char *fmt, ...)
{
	struct audit_verify_result *res = v->res;
	va_list ap;

	res->reason = reason;
	res->file_index = f < v->n ? v->files[f].index : 0;
	res->line = lineno;
	res->seq = seq;
	va_start(ap, fmt);
	vsnprintf(res->detail, sizeof(res->detail), fmt, ap);
	va_end(ap);
}

/* Blame the previous line, which had been counted as verified. */
__attribute__((format(printf, 3, 4)))
static void fail_last(struct verifier *v, enum audit_reason reason, const char *fmt, ...)
{
	struct audit_verify_result *res = v->res;
	va_list ap;

	res->reason = reason;
	res->file_index = v->files[v->last_f].index;
	res->line = v->last_lineno;
	res->seq = v->last_seq;
	va_start(ap, fmt);
	vsnprintf(res->detail, sizeof(res->detail), fmt, ap);
	va_end(ap);
	if (res->records)
		res->records--;
	if (!strcmp(v->last_type, "seal") && res->seals)
		res->seals--;
	else if (!strcmp(v->last_type, "event") && res->events)
		res->events--;
	else if (!strcmp(v->last_type, "response") && res->responses)
		res->responses--;
	else if (!strcmp(v->last_type, "scan") && res->scan_findings)
		res->scan_findings--;
}

static bool prev_is(const struct vline *l, const __u8 h[32])
{
	return !memcmp(l->r.prev, h, 32);
}

/* CUR does not continue the chain: say how, naming the first bad record. */
static void classify(struct verifier *v, const struct vline *cur, const struct vline *nxt)
{
	__u64 e = v->last_seq + 1, s = cur->r.seq;
	bool nxt_ok = !nxt->eof && !nxt->partial && !nxt->perr;
	bool link = prev_is(cur, v->last_hash);

	if (cur->first_in_file && cur->f > 0 && s > e) {
		fail(v, AUDIT_TRUNCATED, cur->f - 1, 0, e,
		     "%s ends at seq %llu, but %s continues from seq %llu: records %llu..%llu are missing "
		     "(a segment cut short, or a segment file not given)",
		     v->files[cur->f - 1].path, (unsigned long long)v->last_seq, v->files[cur->f].path,
		     (unsigned long long)s, (unsigned long long)e, (unsigned long long)(s - 1));
		return;
	}
	if (s == e) {
		if (nxt_ok && nxt->r.seq == e && prev_is(nxt, v->last_hash))
			fail(v, AUDIT_INSERTED, cur->f, cur->lineno, s,
			     "not part of the chain: the next record is the real seq %llu", (unsigned long long)e);
		else if (nxt_ok && nxt->r.seq == e + 1 && prev_is(nxt, cur->hash))
			fail_last(v, AUDIT_ALTERED,
				  "its content changed: its hash does not match the prev of seq %llu",
				  (unsigned long long)e);
		else
			fail(v, AUDIT_ALTERED, cur->f, cur->lineno, s,
			     "its content changed: its prev does not match the hash of seq %llu",
			     (unsigned long long)v->last_seq);
	} else if (s > e) {
		if (link && nxt_ok && nxt->r.seq == e && prev_is(nxt, v->last_hash))
			fail(v, AUDIT_INSERTED, cur->f, cur->lineno, s,
			     "not part of the chain: the next record is the real seq %llu", (unsigned long long)e);
		else if (link)
			fail(v, AUDIT_ALTERED, cur->f, cur->lineno, s,
			     "its seq changed: it follows seq %llu, so it must be seq %llu",
			     (unsigned long long)v->last_seq, (unsigned long long)e);
		else if (nxt_ok && nxt->r.seq < s)
			fail(v, AUDIT_REORDERED, cur->f, cur->lineno, s,
			     "seq %llu is out of order: seq %llu belongs here", (unsigned long long)s,
			     (unsigned long long)e);
		else if (s == e + 1)
			fail(v, AUDIT_REMOVED, cur->f, cur->lineno, e,
			     "record seq %llu is missing (between seq %llu and seq %llu)", (unsigned long long)e,
			     (unsigned long long)v->last_seq, (unsigned long long)s);
		else
			fail(v, AUDIT_REMOVED, cur->f, cur->lineno, e,
			     "records seq %llu..%llu are missing (between seq %llu and seq %llu)",
			     (unsigned long long)e, (unsigned long long)(s - 1),
			     (unsigned long long)v->last_seq, (unsigned long long)s);
	} else if (s == v->last_seq) {
		if (!memcmp(cur->hash, v->last_hash, 32))
			fail(v, AUDIT_INSERTED, cur->f, cur->lineno, s, "a copy of the record before it");
		else if (v->have_last2 && prev_is(cur, v->last2_hash) && nxt_ok && prev_is(nxt, cur->hash))
			fail_last(v, AUDIT_INSERTED,
				  "not part of the chain: the record after it is the real seq %llu",
				  (unsigned long long)s);
		else
			fail(v, AUDIT_INSERTED, cur->f, cur->lineno, s, "a second record with seq %llu",
			     (unsigned long long)s);
	} else {
		fail(v, AUDIT_REORDERED, cur->f, cur->lineno, s, "seq %llu comes after seq %llu",
		     (unsigned long long)s, (unsigned long long)v->last_seq);
	}
}

static void note_key(struct audit_verify_result *res, const char *id)
{
	for (size_t i = 0; i < res->n_key_ids; i++)
		if (!strcmp(res->key_ids[i], id))
			return;
	if (res->n_key_ids < AUDIT_VERIFY_MAX_KEYS)
		snprintf(res->key_ids[res->n_key_ids++], NOJIT_KEY_ID_LEN + 1, "%s", id);
}

/* A seal: well-formed, for this log, by a trusted key, signature valid. */
static bool check_seal(struct verifier *v, const struct vline *l, struct json_object *o, int *ret_close)
{
	const char *log_id = jstr(o, "log"), *key_id = jstr(o, "key_id"), *sig = jstr(o, "sig");
	size_t ctx_len = strlen(AUDIT_SEAL_CONTEXT), body;
	const struct nojit_pubkey *k;
	_cleanup_free_ char *msg = NULL;
	__u8 sig_bin[NOJIT_SIG_LEN];
	struct json_object *cl;
	const char *close;

	if (!log_id || !key_id || !sig || !json_object_object_get_ex(o, "close", &cl)) {
		fail(v, AUDIT_MALFORMED, l->f, l->lineno, l->r.seq, "seal without log, key_id, close or sig");
		return false;
	}
	close = json_object_is_type(cl, json_type_string) ? json_object_get_string(cl) : NULL;
	if (!json_object_is_type(cl, json_type_null) &&
	    (!close || (strcmp(close, "rotate") && strcmp(close, "shutdown")))) {
		fail(v, AUDIT_MALFORMED, l->f, l->lineno, l->r.seq, "seal whose close is not null, rotate or shutdown");
		return false;
	}
	if (strcmp(log_id, v->res->log_id)) {
		fail(v, AUDIT_MALFORMED, l->f, l->lineno, l->r.seq, "seal of another log (%s, this is %s)",
		     log_id, v->res->log_id);
		return false;
	}
	/* The signature must be the last member, so that everything before it is signed. */
	if (l->len < SIG_TAIL_LEN + 2 || memcmp(l->p + l->len - SIG_TAIL_LEN, SIG_SUFFIX, sizeof(SIG_SUFFIX) - 1) ||
	    memcmp(l->p + l->len - 2, "\"}", 2) || strlen(sig) != SIG_B64_LEN ||
	    memcmp(l->p + l->len - 2 - SIG_B64_LEN, sig, SIG_B64_LEN)) {
		fail(v, AUDIT_MALFORMED, l->f, l->lineno, l->r.seq, "seal whose sig is not its last member");
		return false;
	}
	k = trust_find(v->trust, key_id);
	if (!k) {
		fail(v, AUDIT_WRONG_KEY, l->f, l->lineno, l->r.seq,
		     "sealed with key %.*s, which is not a trusted key", NOJIT_KEY_ID_LEN, key_id);
		return false;
	}
	if (b64_decode_exact(sig, SIG_B64_LEN, sig_bin, sizeof(sig_bin))) {
		fail(v, AUDIT_BAD_SEAL, l->f, l->lineno, l->r.seq,
		     "its signature is not base64 of %d bytes", NOJIT_SIG_LEN);
		return false;
	}
	body = l->len - SIG_TAIL_LEN;
	msg = malloc(ctx_len + body + 1);
	if (!msg) {
		fail(v, AUDIT_MALFORMED, l->f, l->lineno, l->r.seq, "out of memory");
		return false;
	}
	memcpy(msg, AUDIT_SEAL_CONTEXT, ctx_len);
	memcpy(msg + ctx_len, l->p, body);
	msg[ctx_len + body] = '}';
	if (key_verify(k, msg, ctx_len + body + 1, sig_bin)) {
		fail(v, AUDIT_BAD_SEAL, l->f, l->lineno, l->r.seq,
		     "its signature does not verify with key %s", k->id);
		return false;
	}
	note_key(v->res, k->id);
	*ret_close = !close ? CLOSE_NONE : !strcmp(close, "rotate") ? CLOSE_ROTATE : CLOSE_SHUTDOWN;
	return true;
}

static bool get_policy(struct verifier *v, const struct vline *l, struct json_object *o)
{
	__u64 n, ms;

	if (!ju64(o, "every_n", &n) || !n || n > AUDIT_SEAL_EVERY_MAX || !ju64(o, "every_ms", &ms) || !ms ||
	    ms > AUDIT_SEAL_EVERY_MS_MAX) {
		fail(v, AUDIT_MALFORMED, l->f, l->lineno, l->r.seq, "%s record without a valid seal policy",
		     l->r.type);
		return false;
	}
	v->pol_n = n;
	v->pol_ms = ms;
	v->have_policy = true;
	return true;
}

/* A session start (segment or restart) ends the previous writer's session. */
static void session_start(struct verifier *v, const struct vline *l)
{
	struct audit_verify_result *res = v->res;

	res->sessions++;
	if (v->have_last && v->last_close == CLOSE_NONE) {
		res->recoveries++;
		res->recovered_unsealed += v->win_n;
	}
	v->win_n = 1;
	v->win_t0 = l->r.time_ns;
}

static bool check_line(struct verifier *v, const struct vline *l)
{
	struct audit_verify_result *res = v->res;
	bool is_seg = !strcmp(l->r.type, "segment"), ok = false;
	struct json_object *o;

	if (l->first_in_file && !is_seg) {
		fail(v, AUDIT_MALFORMED, l->f, l->lineno, l->r.seq,
		     "a file must start with a segment record, not %s", l->r.type);
		return false;
	}
	if (!l->first_in_file && is_seg) {
		fail(v, AUDIT_INSERTED, l->f, l->lineno, l->r.seq,
		     "a segment record inside a file: segments only start files");
		return false;
	}
	if (v->have_last && v->last_close != CLOSE_NONE && !is_seg && strcmp(l->r.type, "restart")) {
		fail(v, AUDIT_INSERTED, l->f, l->lineno, l->r.seq,
		     "a record of type %s after the %s seal at seq %llu, without a restart", l->r.type,
		     v->last_close == CLOSE_ROTATE ? "rotation" : "shutdown", (unsigned long long)v->last_seq);
		return false;
	}
	o = json_parse_line(v->tok, l->p, l->len);
	if (!o) {
		fail(v, AUDIT_MALFORMED, l->f, l->lineno, l->r.seq, "not a JSON object");
		return false;
	}
	if (is_seg) {
		char log_id[AUDIT_LOG_ID_LEN + 1];
		const char *reason = jstr(o, "reason");
		__u32 segment;
		__u64 discarded;

		if (!seg_fields(o, log_id, &segment) || !reason || !ju64(o, "discarded", &discarded)) {
			fail(v, AUDIT_MALFORMED, l->f, l->lineno, l->r.seq,
			     "segment record without format %d, log, segment, reason or discarded", AUDIT_FORMAT);
			goto out;
		}
		if ((l->r.seq == 1) != !strcmp(reason, "new") ||
		    (strcmp(reason, "new") && strcmp(reason, "rotate") && strcmp(reason, "recover"))) {
			fail(v, AUDIT_MALFORMED, l->f, l->lineno, l->r.seq, "segment reason '%s' at seq %llu",
			     reason, (unsigned long long)l->r.seq);
			goto out;
		}
		if (!get_policy(v, l, o))
			goto out;
		res->segments++;
		res->discarded_bytes += discarded;
		session_start(v, l);
	} else if (!strcmp(l->r.type, "restart")) {
		if (!get_policy(v, l, o))
			goto out;
		session_start(v, l);
	} else if (!strcmp(l->r.type, "seal")) {
		int close = CLOSE_NONE;

		if (!check_seal(v, l, o, &close))
			goto out;
		res->seals++;
		res->last_seal_seq = l->r.seq;
		v->win_n = 0;
		v->last_close = close;
	} else {
		/* A correct writer seals before a window exceeds its policy. */
		if (v->win_n >= v->pol_n) {
			fail(v, AUDIT_MISSING_SEAL, l->f, l->lineno, l->r.seq,
			     "%llu records without a seal before it, but the writer seals every %llu",
			     (unsigned long long)v->win_n, (unsigned long long)v->pol_n);
			goto out;
		}
		if (v->win_n && l->r.time_ns > v->win_t0 && l->r.time_ns - v->win_t0 >= v->pol_ms * 1000000u) {
			fail(v, AUDIT_MISSING_SEAL, l->f, l->lineno, l->r.seq,
			     "written %.3f s after the oldest unsealed record, but the writer seals every %.3f s",
			     (double)(l->r.time_ns - v->win_t0) / 1e9, (double)v->pol_ms / 1e3);
			goto out;
		}
		if (!v->win_n)
			v->win_t0 = l->r.time_ns;
		v->win_n++;
		if (!strcmp(l->r.type, "event") || !strcmp(l->r.type, "vkernel")) {
			res->events++;
		} else if (!strcmp(l->r.type, "drops")) {
			__u64 d;

			if (!ju64(o, "dropped", &d)) {
				fail(v, AUDIT_MALFORMED, l->f, l->lineno, l->r.seq, "drops record without dropped");
				goto out;
			}
			res->drops_records++;
			res->dropped += d;
		} else if (!strcmp(l->r.type, "response")) {
			res->responses++;
		} else if (!strcmp(l->r.type, "scan")) {
			res->scan_findings++;
		}
	}
	if (strcmp(l->r.type, "seal"))
		v->last_close = CLOSE_NONE;
	ok = true;
out:
	json_object_put(o);
	return ok;
}

/*
 * The end of the log must be proven: the last record is the shutdown seal.
 * Records after the last seal are chained but not signed: whoever can
 * write the file can cut them off, or cut it back to any seal, and what is
 * left looks like a log a crash left behind.
 */
static void check_tail(struct verifier *v)
{
	struct audit_verify_result *res = v->res;
	char seal[48] = "the log has no seal at all";

	if (res->last_seal_seq)
		snprintf(seal, sizeof(seal), "the last seal is seq %llu", (unsigned long long)res->last_seal_seq);
	if (res->unsealed)
		fail(v, AUDIT_UNSEALED_TAIL, v->last_f, v->last_lineno, v->last_seq,
		     "unsealed tail: %llu record%s after the last seal cannot be verified (%s%s): a crash or "
		     "a daemon still running leaves this, and so does a log whose newest records were cut off",
		     (unsigned long long)res->unsealed, res->unsealed == 1 ? "" : "s", seal,
		     res->partial_bytes ? "; nor can the incomplete record after them" : "");
	else if (res->partial_bytes)
		fail(v, AUDIT_UNSEALED_TAIL, v->n - 1, v->last_lineno + 1, v->last_seq + 1,
		     "unsealed tail: the incomplete record (%llu bytes) after the last seal cannot be verified "
		     "(%s): a crash while writing leaves this, and so does a log cut short",
		     (unsigned long long)res->partial_bytes, seal);
	else if (res->ends_rotated)
		fail(v, AUDIT_TRUNCATED, v->last_f, v->last_lineno + 1, v->last_seq + 1,
		     "ends with a rotation seal: the segment file after it is missing");
	else if (!res->closed)
		fail(v, AUDIT_UNSEALED_TAIL, v->last_f, v->last_lineno, v->last_seq,
		     "unsealed tail: the log ends with a periodic seal (seq %llu), not the shutdown seal: "
		     "records after it, if any were written, cannot be verified",
		     (unsigned long long)res->last_seal_seq);
}

static void verify_chain(struct verifier *v)
{
	struct audit_verify_result *res = v->res;
	const struct audit_verify_opts *opts = v->opts;
	struct viter it = { .files = v->files, .n = v->n };
	struct vline cur, nxt;
	static const __u8 zero[32];

	viter_next(&it, &cur);
	viter_next(&it, &nxt);
	for (; !cur.eof; cur = nxt, viter_next(&it, &nxt)) {
		if (cur.partial) {
			if (cur.f + 1 < v->n) {
				fail(v, AUDIT_TRUNCATED, cur.f, cur.lineno, v->last_seq + 1,
				     "%s ends inside a record, where the next segment expects a whole one",
				     v->files[cur.f].path);
				return;
			}
			res->partial_bytes = cur.len;
			break;
		}
		if (cur.perr) {
			fail(v, AUDIT_MALFORMED, cur.f, cur.lineno, 0, "%s", cur.perr);
			return;
		}
		if (!v->have_last) {
			if (cur.r.seq == 1 && memcmp(cur.r.prev, zero, 32)) {
				fail(v, AUDIT_ALTERED, cur.f, cur.lineno, 1, "the first record's prev is not all zero");
				return;
			}
			res->starts_mid_chain = cur.r.seq != 1;
			res->first_seq = cur.r.seq;
		} else if (cur.r.seq != v->last_seq + 1 || !prev_is(&cur, v->last_hash)) {
			classify(v, &cur, &nxt);
			return;
		}
		/* A record after the one the next segment links to is not part of the chain. */
		if (cur.f + 1 < v->n && cur.r.seq >= v->files[cur.f + 1].first.seq) {
			fail(v, AUDIT_INSERTED, cur.f, cur.lineno, cur.r.seq,
			     "after seq %llu, where the next segment (%s) continues the chain",
			     (unsigned long long)(v->files[cur.f + 1].first.seq - 1), v->files[cur.f + 1].path);
			return;
		}
		if (opts->anchor_seq && cur.r.seq == opts->anchor_seq && opts->has_anchor_hash &&
		    memcmp(cur.hash, opts->anchor_hash, 32)) {
			fail(v, AUDIT_ALTERED, cur.f, cur.lineno, cur.r.seq, "does not match the anchor's hash");
			return;
		}
		if (!check_line(v, &cur))
			return;
		res->records++;
		memcpy(v->last2_hash, v->last_hash, 32);
		v->have_last2 = v->have_last;
		v->have_last = true;
		v->last_seq = cur.r.seq;
		v->last_f = cur.f;
		v->last_lineno = cur.lineno;
		memcpy(v->last_hash, cur.hash, 32);
		snprintf(v->last_type, sizeof(v->last_type), "%s", cur.r.type);
	}
	if (!v->have_last) {
		fail(v, AUDIT_TRUNCATED, 0, 1, 0, "%s holds no whole record", v->files[0].path);
		return;
	}
	res->last_seq = v->last_seq;
	res->last_file_index = v->files[v->n - 1].index;
	memcpy(res->head, v->last_hash, 32);
	res->closed = v->last_close == CLOSE_SHUTDOWN;
	res->ends_rotated = v->last_close == CLOSE_ROTATE;
	res->unsealed = v->win_n;

	if (opts->anchor_seq && v->last_seq < opts->anchor_seq) {
		fail(v, AUDIT_TRUNCATED, v->last_f, v->last_lineno + 1, v->last_seq + 1,
		     "the log ends at seq %llu, before the anchor at seq %llu",
		     (unsigned long long)v->last_seq, (unsigned long long)opts->anchor_seq);
		return;
	}
	if (opts->anchor_seq && res->first_seq > opts->anchor_seq) {
		fail(v, AUDIT_TRUNCATED, 0, 1, opts->anchor_seq,
		     "the log given starts at seq %llu, after the anchor at seq %llu",
		     (unsigned long long)res->first_seq, (unsigned long long)opts->anchor_seq);
		return;
	}
	if (!opts->strict) {
		if (!opts->allow_unsealed_tail)
			check_tail(v);
		return;
	}
	if (res->starts_mid_chain)
		fail(v, AUDIT_TRUNCATED, 0, 1, 1, "the log starts at seq %llu: earlier segments are missing",
		     (unsigned long long)res->first_seq);
	else if (res->partial_bytes)
		fail(v, AUDIT_TRUNCATED, v->n - 1, v->last_lineno + 1, v->last_seq + 1,
		     "ends inside a record (%llu bytes): cut short, or the daemon crashed while writing",
		     (unsigned long long)res->partial_bytes);
	else if (res->unsealed && res->last_seal_seq)
		fail(v, AUDIT_MISSING_SEAL, v->last_f, v->last_lineno, v->last_seq,
		     "%llu records after the last seal (seq %llu) are not sealed: the shutdown seal is missing",
		     (unsigned long long)res->unsealed, (unsigned long long)res->last_seal_seq);
	else if (res->unsealed)
		fail(v, AUDIT_MISSING_SEAL, v->last_f, v->last_lineno, v->last_seq,
		     "no seal at all over its %llu records", (unsigned long long)res->unsealed);
	else if (res->ends_rotated)
		fail(v, AUDIT_TRUNCATED, v->last_f, v->last_lineno + 1, v->last_seq + 1,
		     "ends with a rotation seal: the segment file after it is missing");
	else if (!res->closed)
		fail(v, AUDIT_TRUNCATED, v->last_f, v->last_lineno, v->last_seq,
		     "ends with a periodic seal, not the shutdown seal");
}

static int vfile_cmp(const void *a, const void *b)
{
	const struct vfile *x = a, *y = b;

	return x->first.seq < y->first.seq ? -1 : x->first.seq > y->first.seq;
}

/* Map a file and read its first record: it says where the file goes in the chain. */
static int vfile_open(struct verifier *v, size_t i, struct nojit_err *err)
{
	struct vfile *vf = &v->files[i];
	struct json_object *o = NULL;
	const char *nl, *why, *reason;
	__u32 segment;
	struct stat st;

	vf->fd = open(vf->path, O_RDONLY | O_CLOEXEC);
	if (vf->fd < 0)
		return nojit_err_set(err, -errno, "%s: %s", vf->path, strerror(errno));
	if (fstat(vf->fd, &st))
		return nojit_err_set(err, -errno, "%s: %s", vf->path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return nojit_err_set(err, -EINVAL, "%s: not a regular file", vf->path);
	vf->size = vf->region = (size_t)st.st_size;
	if (!vf->size) {
		fail(v, AUDIT_TRUNCATED, i, 0, 0, "%s is empty", vf->path);
		return 1;
	}
	vf->map = mmap(NULL, vf->size, PROT_READ, MAP_PRIVATE, vf->fd, 0);
	if (vf->map == MAP_FAILED) {
		vf->map = NULL;
		return nojit_err_set(err, -errno, "%s: %s", vf->path, strerror(errno));
	}
	nl = memchr(vf->map, '\n', vf->size < AUDIT_LINE_MAX ? vf->size : AUDIT_LINE_MAX);
	if (!nl) {
		fail(v, AUDIT_TRUNCATED, i, 1, 0, "%s holds no whole record", vf->path);
		return 1;
	}
	why = prefix_parse(vf->map, (size_t)(nl - vf->map), &vf->first);
	if (why) {
		fail(v, AUDIT_MALFORMED, i, 1, 0, "%s", why);
		return 1;
	}
	o = json_parse_line(v->tok, vf->map, (size_t)(nl - vf->map));
	reason = o ? jstr(o, "reason") : NULL;
	if (!o || strcmp(vf->first.type, "segment") || !seg_fields(o, vf->log_id, &segment) || !reason ||
	    strlen(reason) >= sizeof(vf->reason) || !ju64(o, "discarded", &vf->discarded)) {
		json_object_put(o);
		fail(v, AUDIT_MALFORMED, i, 1, vf->first.seq, "the first line is not a segment record");
		return 1;
	}
	snprintf(vf->reason, sizeof(vf->reason), "%s", reason);
	json_object_put(o);
	return 0;
}

int audit_verify(const char *const *paths, size_t n, const struct nojit_trust *trust,
		 const struct audit_verify_opts *opts, struct audit_verify_result *res,
		 struct nojit_err *err)
{
	static const struct audit_verify_opts no_opts;
	struct verifier v = { .trust = trust, .opts = opts ? opts : &no_opts, .res = res, .n = n };
	int r = 0;

	memset(res, 0, sizeof(*res));
	if (!n)
		return nojit_err_set(err, -EINVAL, "no file to verify");
	v.files = calloc(n, sizeof(*v.files));
	v.tok = json_tokener_new_ex(JSON_TOKENER_DEFAULT_DEPTH);
	if (!v.files || !v.tok) {
		r = nojit_err_set(err, -ENOMEM, "out of memory");
		goto out;
	}
	json_tokener_set_flags(v.tok, JSON_TOKENER_STRICT);
	for (size_t i = 0; i < n; i++) {
		v.files[i].path = paths[i];
		v.files[i].index = i;
		v.files[i].fd = -1;
	}
	for (size_t i = 0; i < n; i++) {
		r = vfile_open(&v, i, err);
		if (r)
			goto out;
	}
	qsort(v.files, n, sizeof(*v.files), vfile_cmp);
	snprintf(res->log_id, sizeof(res->log_id), "%s", v.files[0].log_id);
	for (size_t i = 0; i < n; i++) {
		if (strcmp(v.files[i].log_id, res->log_id)) {
			r = nojit_err_set(err, -EINVAL, "%s belongs to log %s, %s to log %s: verify one log at a time",
					  v.files[0].path, res->log_id, v.files[i].path, v.files[i].log_id);
			goto out;
		}
		if (i && v.files[i].first.seq == v.files[i - 1].first.seq) {
			fail(&v, AUDIT_INSERTED, i, 1, v.files[i].first.seq, "%s and %s both start at seq %llu",
			     v.files[i - 1].path, v.files[i].path, (unsigned long long)v.files[i].first.seq);
			r = 1;
			goto out;
		}
		/* What the next segment set aside after a crash is not part of the chain. */
		if (i + 1 < n) {
			if (v.files[i + 1].discarded > v.files[i].size) {
				fail(&v, AUDIT_TRUNCATED, i, 0, v.files[i + 1].first.seq - 1,
				     "%s is shorter than %s says it was (%llu bytes set aside after a crash)",
				     v.files[i].path, v.files[i + 1].path,
				     (unsigned long long)v.files[i + 1].discarded);
				r = 1;
				goto out;
			}
			v.files[i].region = v.files[i].size - v.files[i + 1].discarded;
		}
	}
	verify_chain(&v);
out:
	if (r > 0)
		r = 0;	/* a verdict, in RES */
	for (size_t i = 0; v.files && i < n; i++) {
		if (v.files[i].map)
			munmap((void *)v.files[i].map, v.files[i].size);
		if (v.files[i].fd >= 0)
			close(v.files[i].fd);
	}
	free(v.files);
	if (v.tok)
		json_tokener_free(v.tok);
	return r;
}
