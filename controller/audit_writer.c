// SPDX-License-Identifier: GPL-2.0
/*
 * The audit log writer: appends canonical records to the hash chain,
 * seals it, restarts after a crash without ever appending to a broken
 * tail, rotates; and the head of a log file for attestation. The rules
 * here are specified in docs/audit-log.md; keep the two in step.
 */
#include <fcntl.h>
#include <json-c/json.h>
#include <limits.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>

#include "audit_internal.h"

#define TAIL_WINDOW	(64u * 1024)

/* ---- writer ------------------------------------------------------------------------ */

struct audit_log {
	int fd;			/* the current file, O_APPEND */
	int dir_fd;
	int lock_fd;
	char *path;
	char *base;		/* PATH's last component */
	struct nojit_seckey key;
	struct audit_log_config cfg;
	char log_id[AUDIT_LOG_ID_LEN + 1];
	__u32 segment;
	__u64 seq;
	__u8 head[32];
	__u64 unsealed;
	__u64 t0;		/* time of the oldest unsealed record */
	__u64 lost;
	/* Read by audit_log_counters() from another thread: atomics. */
	__u64 last_seal_ns, daemon_dropped, writer_lost;
	off_t end;		/* bytes of whole records in the current file */
	struct sbuf line;
	char host[256];
	/*
	 * Batch mode (audit_log_batch_begin()): whole lines chained but not
	 * yet written, and the state to go back to if their write fails.
	 */
	bool batching;
	struct sbuf batch;
	__u64 batch_weight;	/* what the records in it stand for (append_record()) */
	__u64 weight;		/* ... the record being appended */
	__u64 b_seq, b_unsealed, b_t0, b_lost;
	__u8 b_head[32];
};

/* Batches are written at this size at the latest. */
#define BATCH_MAX	(256u * 1024)

static __u64 log_now(const struct audit_log *log)
{
	struct timespec ts;

	if (log->cfg.clock_ns)
		return log->cfg.clock_ns(log->cfg.clock_ctx);
	clock_gettime(CLOCK_REALTIME, &ts);
	return (__u64)ts.tv_sec * 1000000000u + (__u64)ts.tv_nsec;
}

static bool seal_due(const struct audit_log *log, __u64 now)
{
	if (!log->unsealed)
		return false;
	if (log->unsealed >= log->cfg.seal_every)
		return true;
	return now > log->t0 && now - log->t0 >= (__u64)log->cfg.seal_every_ms * 1000000u;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		if (w == 0)
			return -EIO;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Hand each line of P (whole lines, newline-terminated) to the on_line callback. */
static void lines_reached_file(struct audit_log *log, const char *p, size_t n)
{
	while (log->cfg.on_line && n) {
		const char *nl = memchr(p, '\n', n);
		size_t len = nl ? (size_t)(nl - p) : n;

		log->cfg.on_line(log->cfg.on_line_ctx, p, len);
		len += nl ? 1 : 0;
		p += len;
		n -= len;
	}
}

/*
 * Write the batch with one write(2) (and sync it if SYNC). On failure the
 * file is cut back to its last whole record, the chain goes back to where
 * the batch began, and its records are counted as lost.
 */
static int batch_flush(struct audit_log *log, bool sync, struct nojit_err *err)
{
	struct sbuf *b = &log->batch;
	int r;

	if (!b->len)
		return 0;
	r = write_all(log->fd, b->p, b->len);
	if (!r && (sync || log->cfg.sync_every_record) && fdatasync(log->fd))
		r = -errno;
	if (r) {
		bool cut = ftruncate(log->fd, log->end) == 0;

		log->seq = log->b_seq;
		memcpy(log->head, log->b_head, 32);
		log->unsealed = log->b_unsealed;
		log->t0 = log->b_t0;
		log->lost = log->b_lost + log->batch_weight;
		__atomic_fetch_add(&log->writer_lost, log->batch_weight, __ATOMIC_RELAXED);
		b->len = 0;
		log->batch_weight = 0;
		if (cut)
			return nojit_err_set(err, r, "%s: %s", log->path, strerror(-r));
		return nojit_err_set(err, r, "%s: %s (and could not remove the partial records: %s)",
				     log->path, strerror(-r), strerror(errno));
	}
	log->end += (off_t)b->len;
	lines_reached_file(log, b->p, b->len);
	b->len = 0;
	log->batch_weight = 0;
	return 0;
}

/*
 * Write the record in log->line (without newline) as the next line. On
 * failure the file is cut back to its last whole record. In batch mode
 * the line joins the batch, which is written when it is full or SYNC asks
 * (a seal: the seal and everything before it reach the disk together).
 */
static int write_line(struct audit_log *log, bool sync, struct nojit_err *err)
{
	struct sbuf *b = &log->line;
	int r;

	if (b->oom)
		return nojit_err_set(err, -ENOMEM, "%s: out of memory", log->path);
	sb_raw(b, "\n", 1);
	if (b->oom)
		return nojit_err_set(err, -ENOMEM, "%s: out of memory", log->path);
	if (log->batching) {
		/* A full batch goes first, so a failure never takes this record with it. */
		if (log->batch.len + b->len > BATCH_MAX) {
			r = batch_flush(log, false, err);
			if (r)
				return r;
		}
		if (!log->batch.len) {
			log->b_seq = log->seq;
			memcpy(log->b_head, log->head, 32);
			log->b_unsealed = log->unsealed;
			log->b_t0 = log->t0;
			log->b_lost = log->lost;
		}
		sb_raw(&log->batch, b->p, b->len);
		if (log->batch.oom) {
			log->batch.oom = false;	/* the batch itself is intact */
			return nojit_err_set(err, -ENOMEM, "%s: out of memory", log->path);
		}
		b->len--;
		sha256(b->p, b->len, log->head);
		log->seq++;
		log->batch_weight += log->weight;
		return sync || log->cfg.sync_every_record ? batch_flush(log, sync, err) : 0;
	}
	r = write_all(log->fd, b->p, b->len);
	if (!r && (sync || log->cfg.sync_every_record) && fdatasync(log->fd))
		r = -errno;
	if (r) {
		/* Take back a partial line: a record is in the log whole or not at all. */
		if (ftruncate(log->fd, log->end) == 0)
			return nojit_err_set(err, r, "%s: %s", log->path, strerror(-r));
		return nojit_err_set(err, r, "%s: %s (and could not remove the partial record: %s)",
				     log->path, strerror(-r), strerror(errno));
	}
	b->len--;
	sha256(b->p, b->len, log->head);
	log->seq++;
	log->end += (off_t)b->len + 1;
	if (log->cfg.on_line)
		log->cfg.on_line(log->cfg.on_line_ctx, b->p, b->len);
	return 0;
}

/* CLOSE: NULL for a periodic seal, "rotate" or "shutdown" for the last seal of a file or run. */
static int write_seal(struct audit_log *log, __u64 now, const char *close, struct nojit_err *err)
{
	struct sbuf *b = &log->line;
	__u8 sig[NOJIT_SIG_LEN];
	char b64[SIG_B64_LEN + 1];
	size_t ctx_len = strlen(AUDIT_SEAL_CONTEXT), body;
	int r;

	/* The signed message: context, then the seal line up to its "sig" member, then "}". */
	sb_prefix(b, log->seq + 1, log->head, "seal", now);
	sb_field_str(b, "log", log->log_id);
	sb_field_str(b, "key_id", log->key.pub.id);
	sb_field_str(b, "close", close);
	body = b->len;
	sb_reserve(b, ctx_len + 1);
	if (b->oom)
		return nojit_err_set(err, -ENOMEM, "%s: out of memory", log->path);
	memmove(b->p + ctx_len, b->p, body);
	memcpy(b->p, AUDIT_SEAL_CONTEXT, ctx_len);
	b->p[ctx_len + body] = '}';
	r = key_sign(&log->key, b->p, ctx_len + body + 1, sig);
	memmove(b->p, b->p + ctx_len, body);
	b->len = body;
	if (r)
		return nojit_err_set(err, r, "%s: signing a seal: %s", log->path, strerror(-r));
	sodium_bin2base64(b64, sizeof(b64), sig, sizeof(sig), sodium_base64_VARIANT_ORIGINAL);
	sb_s(b, SIG_SUFFIX);
	sb_raw(b, b64, SIG_B64_LEN);
	sb_s(b, "\"}");
	r = write_line(log, true, err);
	if (r)
		return r;
	log->unsealed = 0;
	__atomic_store_n(&log->last_seal_ns, now, __ATOMIC_RELAXED);
	return 0;
}

/* One record; a due seal goes first, so no window ever exceeds the policy. */
static int append_one(struct audit_log *log, __u64 now, const char *type, body_fn body,
		      const void *arg, __u64 *ret_seq, struct nojit_err *err)
{
	int r;

	if (seal_due(log, now)) {
		r = write_seal(log, now, NULL, err);
		if (r)
			return r;
	}
	sb_prefix(&log->line, log->seq + 1, log->head, type, now);
	body(&log->line, arg);
	r = write_line(log, false, err);
	if (r)
		return r;
	if (log->unsealed++ == 0)
		log->t0 = now;
	if (ret_seq)
		*ret_seq = log->seq;
	return 0;
}

/*
 * WEIGHT: what the record stands for, counted as lost if it cannot be
 * written: an event's attempts (its count), a drops record's drops, 1
 * for anything else.
 */
static int append_record(struct audit_log *log, const char *type, body_fn body, const void *arg,
			 __u64 weight, __u64 *ret_seq, struct nojit_err *err)
{
	__u64 now = log_now(log);
	int r;

	if (log->lost) {
		struct drops_arg d = { .source = "writer", .dropped = log->lost };

		/* Its loss is log->lost's own: a failed batch puts that back. */
		log->weight = 0;
		r = append_one(log, now, "drops", body_drops, &d, NULL, err);
		if (r) {
			log->lost += weight;
			__atomic_fetch_add(&log->writer_lost, weight, __ATOMIC_RELAXED);
			return r;
		}
		log->lost = 0;
	}
	log->weight = weight;
	r = append_one(log, now, type, body, arg, ret_seq, err);
	log->weight = 0;
	if (r) {
		log->lost += weight;
		__atomic_fetch_add(&log->writer_lost, weight, __ATOMIC_RELAXED);
		return r;
	}
	/* Seal at once when the count is reached; if that fails, the next append retries. */
	if (log->unsealed >= log->cfg.seal_every)
		(void)write_seal(log, now, NULL, NULL);
	return 0;
}

int audit_log_append_event(struct audit_log *log, const struct audit_event *ev, __u64 *ret_seq,
			   struct nojit_err *err)
{
	return append_record(log, "event", body_event, ev, ev->count ? ev->count : 1, ret_seq, err);
}

int audit_log_append_vkernel(struct audit_log *log, const struct audit_vk_event *e,
			     __u64 *ret_seq, struct nojit_err *err)
{
	return append_record(log, "vkernel", body_vkernel, e, 1, ret_seq, err);
}

int audit_log_append_scan(struct audit_log *log, const struct audit_scan_finding *f,
			  __u64 *ret_seq, struct nojit_err *err)
{
	return append_record(log, "scan", body_scan, f, 1, ret_seq, err);
}

int audit_log_append_drops(struct audit_log *log, const char *source, __u64 dropped,
			   __u64 total, bool has_total, __u64 *ret_seq, struct nojit_err *err)
{
	struct drops_arg d = { .source = source, .dropped = dropped, .total = total, .has_total = has_total };
	int r;

	r = append_record(log, "drops", body_drops, &d, dropped ? dropped : 1, ret_seq, err);
	if (!r && !strcmp(source, "daemon"))
		__atomic_fetch_add(&log->daemon_dropped, dropped, __ATOMIC_RELAXED);
	return r;
}

int audit_log_append_kernel_drops(struct audit_log *log, __u64 dropped, __u64 total,
				  const struct audit_drop_reasons *reasons, struct nojit_err *err)
{
	struct drops_arg d = { .source = "kernel", .dropped = dropped, .total = total,
			       .has_total = true, .reasons = reasons };

	return append_record(log, "drops", body_drops, &d, dropped ? dropped : 1, NULL, err);
}

int audit_log_append_policy(struct audit_log *log, const struct audit_policy_event *p,
			    __u64 *ret_seq, struct nojit_err *err)
{
	return append_record(log, "policy", body_node_policy, p, 1, ret_seq, err);
}

int audit_log_append_response(struct audit_log *log, const struct audit_response *resp,
			      __u64 *ret_seq, struct nojit_err *err)
{
	return append_record(log, "response", body_response, resp, 1, ret_seq, err);
}

void audit_log_batch_begin(struct audit_log *log)
{
	log->batching = true;
}

int audit_log_batch_end(struct audit_log *log, struct nojit_err *err)
{
	int r = batch_flush(log, false, err);

	log->batching = false;
	return r;
}

const char *audit_log_last_line(const struct audit_log *log, size_t *ret_len)
{
	*ret_len = log->line.len;
	return log->line.p;
}

int audit_log_maybe_seal(struct audit_log *log, struct nojit_err *err)
{
	__u64 now = log_now(log);

	return seal_due(log, now) ? write_seal(log, now, NULL, err) : 0;
}

int audit_log_seal(struct audit_log *log, struct nojit_err *err)
{
	return log->unsealed ? write_seal(log, log_now(log), NULL, err) : 0;
}

long audit_log_seal_due_ms(const struct audit_log *log)
{
	__u64 now, elapsed, limit = (__u64)log->cfg.seal_every_ms * 1000000u;

	if (!log->unsealed)
		return -1;
	if (log->unsealed >= log->cfg.seal_every)
		return 0;
	now = log_now(log);
	elapsed = now > log->t0 ? now - log->t0 : 0;
	if (elapsed >= limit)
		return 0;
	return (long)((limit - elapsed + 999999u) / 1000000u);
}

void audit_log_state(const struct audit_log *log, struct audit_log_state *ret)
{
	memset(ret, 0, sizeof(*ret));
	memcpy(ret->log_id, log->log_id, sizeof(ret->log_id));
	ret->segment = log->segment;
	ret->seq = log->seq;
	memcpy(ret->head, log->head, 32);
	ret->unsealed = log->unsealed;
	ret->lost = log->lost;
}

void audit_log_counters(const struct audit_log *log, struct audit_log_counters *ret)
{
	ret->last_seal_ns = __atomic_load_n(&log->last_seal_ns, __ATOMIC_RELAXED);
	ret->daemon_dropped = __atomic_load_n(&log->daemon_dropped, __ATOMIC_RELAXED);
	ret->writer_lost = __atomic_load_n(&log->writer_lost, __ATOMIC_RELAXED);
}

/* ---- session start records ------------------------------------------------------ */

struct segment_arg {
	const struct audit_log *log;
	const char *reason;
	__u64 discarded;
};

static void body_policy(struct sbuf *b, const struct audit_log *log)
{
	sb_field_str(b, "host", log->host);
	sb_field_u64(b, "every_n", log->cfg.seal_every);
	sb_field_u64(b, "every_ms", log->cfg.seal_every_ms);
	sb_raw(b, "}", 1);
}

static void body_segment(struct sbuf *b, const void *arg)
{
	const struct segment_arg *a = arg;

	sb_field_u64(b, "format", AUDIT_FORMAT);
	sb_field_str(b, "log", a->log->log_id);
	sb_field_u64(b, "segment", a->log->segment);
	sb_field_str(b, "reason", a->reason);
	sb_field_u64(b, "discarded", a->discarded);
	body_policy(b, a->log);
}

static void body_restart(struct sbuf *b, const void *log)
{
	body_policy(b, log);
}

/* A session start opens a fresh window: the record itself is its first. */
static int write_session_start(struct audit_log *log, __u64 now, const char *type, body_fn body,
			       const void *arg, struct nojit_err *err)
{
	int r;

	sb_prefix(&log->line, log->seq + 1, log->head, type, now);
	body(&log->line, arg);
	r = write_line(log, true, err);
	if (r)
		return r;
	log->unsealed = 1;
	log->t0 = now;
	return 0;
}

/* ---- files ------------------------------------------------------------------------- */

static int fsync_dir(struct audit_log *log)
{
	return fsync(log->dir_fd) ? -errno : 0;
}

static void hidden_name(const struct audit_log *log, const char *suffix, char *buf, size_t size)
{
	snprintf(buf, size, ".%s.%s", log->base, suffix);
}

/* Move PATH aside to PATH.TAG (PATH.TAG.N if taken); never replaces a file. */
static int move_aside(struct audit_log *log, const char *tag, char *ret_path, struct nojit_err *err)
{
	char name[NAME_MAX + 1];

	for (unsigned int i = 0; i < 1000; i++) {
		int n = i ? snprintf(name, sizeof(name), "%s.%s.%u", log->base, tag, i)
			  : snprintf(name, sizeof(name), "%s.%s", log->base, tag);

		if (n < 0 || (size_t)n >= sizeof(name))
			return nojit_err_set(err, -ENAMETOOLONG, "%s: name too long to rotate", log->path);
		if (renameat2(log->dir_fd, log->base, log->dir_fd, name, RENAME_NOREPLACE) == 0) {
			if (ret_path) {
				const char *slash = strrchr(log->path, '/');

				snprintf(ret_path, PATH_MAX, "%.*s%s", slash ? (int)(slash - log->path + 1) : 0,
					 log->path, name);
			}
			return 0;
		}
		if (errno != EEXIST)
			return nojit_err_set(err, -errno, "%s: moving it to %s: %s", log->path, name,
					     strerror(errno));
	}
	return nojit_err_set(err, -EEXIST, "%s: no free name to rotate it to", log->path);
}

/*
 * Start the next segment file: its first record links to the current head
 * (log->seq, log->head). Written to a hidden temporary name first, so that
 * PATH is at every moment either the old file or the complete new one:
 * .PATH.next (segment record, synced) -> PATH moved to PATH.TAG -> rename.
 * A crash in between is completed (or undone) by the next open.
 */
static int start_segment(struct audit_log *log, const char *reason, __u64 discarded, __u64 now,
			 const char *tag, __u32 segment, char *ret_rotated, struct nojit_err *err)
{
	struct segment_arg a = { .log = log, .reason = reason, .discarded = discarded };
	/* The chain state, to go back to if the new segment cannot be put in place. */
	int old_fd = log->fd;
	off_t old_end = log->end;
	__u32 old_segment = log->segment;
	__u64 old_seq = log->seq, old_unsealed = log->unsealed, old_t0 = log->t0;
	__u8 old_head[32];
	char next[NAME_MAX + 1];
	int fd, r;

	memcpy(old_head, log->head, 32);
	hidden_name(log, "next", next, sizeof(next));
	unlinkat(log->dir_fd, next, 0);
	fd = openat(log->dir_fd, next, O_RDWR | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
	if (fd < 0)
		return nojit_err_set(err, -errno, "%s: creating %s: %s", log->path, next, strerror(errno));
	log->segment = segment;
	log->fd = fd;
	log->end = 0;
	r = write_session_start(log, now, "segment", body_segment, &a, err);
	if (!r)
		r = move_aside(log, tag, ret_rotated, err);
	if (r) {
		/* Nothing was moved: back to the old file as it was. */
		unlinkat(log->dir_fd, next, 0);
		close(fd);
		log->fd = old_fd;
		log->end = old_end;
		log->segment = old_segment;
		log->seq = old_seq;
		log->unsealed = old_unsealed;
		log->t0 = old_t0;
		memcpy(log->head, old_head, 32);
		return r;
	}
	if (old_fd >= 0)
		close(old_fd);
	if (renameat(log->dir_fd, next, log->dir_fd, log->base))
		/* Writing goes on in the new segment; the next open renames it to PATH. */
		return nojit_err_set(err, -errno, "%s: renaming %s to it: %s (done at the next start)",
				     log->path, next, strerror(errno));
	return fsync_dir(log);
}

static int new_log(struct audit_log *log, __u64 now, struct nojit_err *err)
{
	struct segment_arg a = { .log = log, .reason = "new" };
	__u8 id[AUDIT_LOG_ID_LEN / 2];
	int r;

	randombytes_buf(id, sizeof(id));
	hex_encode(id, sizeof(id), log->log_id);
	log->segment = 1;
	log->seq = 0;
	memset(log->head, 0, sizeof(log->head));
	log->end = 0;
	log->fd = openat(log->dir_fd, log->base, O_RDWR | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
	if (log->fd < 0)
		return nojit_err_set(err, -errno, "%s: %s", log->path, strerror(errno));
	r = write_session_start(log, now, "segment", body_segment, &a, err);
	if (r)
		return r;
	return fsync_dir(log);
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* ---- opening an existing log: the tail check --------------------------------------- */

struct tail {
	bool any;		/* a usable record was found */
	__u64 seq;		/* of the last good record */
	__u8 hash[32];
	off_t end;		/* where it ends (after its newline) */
	__u64 unsealed;		/* good records after the last seal */
	bool have_log_id, have_segment;
	char log_id[AUDIT_LOG_ID_LEN + 1];
	__u32 segment;
};

/* The first line: the segment record naming the log and the segment number. */
static void tail_read_first(int fd, off_t size, struct json_tokener *tok, struct tail *t)
{
	size_t n = size < (off_t)TAIL_WINDOW ? (size_t)size : TAIL_WINDOW;
	_cleanup_free_ char *buf = malloc(n ? n : 1);
	struct json_object *o;
	struct rec_prefix pr;
	char *nl;

	if (!buf || pread_full(fd, buf, n, 0) || !(nl = memchr(buf, '\n', n)))
		return;
	if (prefix_parse(buf, (size_t)(nl - buf), &pr) || strcmp(pr.type, "segment"))
		return;
	o = json_parse_line(tok, buf, (size_t)(nl - buf));
	if (o && seg_fields(o, t->log_id, &t->segment))
		t->have_log_id = t->have_segment = true;
	json_object_put(o);
}

/*
 * Find the last seal (reading backwards in growing windows), then follow
 * the chain forward from it: the tail is good up to the last record that
 * is complete, well-formed and linked (seq + 1, prev = hash).
 */
static int tail_scan(int fd, off_t size, struct tail *t)
{
	struct json_tokener *tok = json_tokener_new();
	size_t window = TAIL_WINDOW, n = 0, first = 0, base = SIZE_MAX;
	char *buf = NULL;
	off_t start = 0;
	int r = 0;

	if (!tok)
		return -ENOMEM;
	memset(t, 0, sizeof(*t));
	tail_read_first(fd, size, tok, t);
	for (;;) {
		char *nb;

		start = size > (off_t)window ? size - (off_t)window : 0;
		n = (size_t)(size - start);
		nb = realloc(buf, n ? n : 1);
		if (!nb) {
			r = -ENOMEM;
			goto out;
		}
		buf = nb;
		r = pread_full(fd, buf, n, start);
		if (r)
			goto out;
		if (start > 0) {
			char *nl = memchr(buf, '\n', n);

			first = nl ? (size_t)(nl - buf) + 1 : n;
		} else {
			first = 0;
		}
		/* The last complete line that is a seal. */
		for (size_t end = n; end > first;) {
			char *nl = memrchr(buf + first, '\n', end - first);
			size_t ls, le;
			struct rec_prefix pr;

			if (!nl)
				break;
			le = (size_t)(nl - buf);
			nl = le > first ? memrchr(buf + first, '\n', le - first) : NULL;
			ls = nl ? (size_t)(nl - buf) + 1 : first;
			if (!prefix_parse(buf + ls, le - ls, &pr) && !strcmp(pr.type, "seal")) {
				base = ls;
				break;
			}
			end = le;
			if (end == first)
				break;
		}
		if (base != SIZE_MAX || start == 0)
			break;
		window *= 4;
	}
	if (base == SIZE_MAX)
		base = first;	/* no seal: from the file's first line */

	/* Follow the chain from BASE. */
	for (size_t pos = base; pos < n;) {
		char *nl = memchr(buf + pos, '\n', n - pos);
		size_t len;
		struct rec_prefix pr;
		__u8 h[32];

		if (!nl)
			break;	/* partial line */
		len = (size_t)(nl - (buf + pos));
		if (prefix_parse(buf + pos, len, &pr))
			break;
		if (t->any && (pr.seq != t->seq + 1 || memcmp(pr.prev, t->hash, 32)))
			break;
		sha256(buf + pos, len, h);
		if (!strcmp(pr.type, "seal")) {
			struct json_object *o = json_parse_line(tok, buf + pos, len);
			const char *id = o ? jstr(o, "log") : NULL;

			if (id && strlen(id) == AUDIT_LOG_ID_LEN && is_hex(id, AUDIT_LOG_ID_LEN)) {
				memcpy(t->log_id, id, AUDIT_LOG_ID_LEN + 1);
				t->have_log_id = true;
			}
			json_object_put(o);
			t->unsealed = 0;
		} else {
			t->unsealed++;
		}
		t->any = true;
		t->seq = pr.seq;
		memcpy(t->hash, h, 32);
		pos += len + 1;
		t->end = start + (off_t)pos;
	}
out:
	free(buf);
	json_tokener_free(tok);
	return r;
}

/* ---- the head of a log --------------------------------------------------------------- */

#define HEAD_CHUNK	(64u * 1024)

/*
 * Complete lines of a file, last first. BUF[0..LEN) holds the file's
 * bytes at [START, START + LEN), which end with the newline of the next
 * line to return; at most one partial line plus one chunk is held.
 */
struct rlines {
	int fd;
	char *buf;
	off_t start;
	size_t len;
};

/*
 * Position R at the last newline of the file's first SIZE bytes; the
 * bytes after it are *RET_PARTIAL. -ENOENT when there is none.
 */
static int rlines_init(struct rlines *r, off_t size, __u64 *ret_partial)
{
	for (off_t end = size; end > 0;) {
		size_t n = end > (off_t)HEAD_CHUNK ? HEAD_CHUNK : (size_t)end;
		int e = pread_full(r->fd, r->buf, n, end - (off_t)n);
		char *nl;

		if (e)
			return e;
		nl = memrchr(r->buf, '\n', n);
		if (nl) {
			r->start = end - (off_t)n;
			r->len = (size_t)(nl - r->buf) + 1;
			*ret_partial = (__u64)(size - (r->start + (off_t)r->len));
			return 0;
		}
		end -= (off_t)n;
	}
	*ret_partial = (__u64)size;
	return -ENOENT;
}

/* The line before the ones returned so far, without its newline: 1; 0 at the file's start. */
static int rlines_prev(struct rlines *r, const char **ret, size_t *ret_len)
{
	for (;;) {
		char *nl = r->len > 1 ? memrchr(r->buf, '\n', r->len - 1) : NULL;
		size_t add;
		int e;

		if (!r->len)
			return 0;
		if (nl || r->start == 0) {
			size_t from = nl ? (size_t)(nl - r->buf) + 1 : 0;

			*ret = r->buf + from;
			*ret_len = r->len - 1 - from;
			r->len = from;
			return 1;
		}
		if (r->len - 1 > AUDIT_LINE_MAX)
			return -E2BIG;
		add = r->start > (off_t)HEAD_CHUNK ? HEAD_CHUNK : (size_t)r->start;
		memmove(r->buf + add, r->buf, r->len);
		e = pread_full(r->fd, r->buf, add, r->start - (off_t)add);
		if (e)
			return e;
		r->start -= (off_t)add;
		r->len += add;
	}
}

/* The fields of a seal (or, for a segment record, only the log id) into H. */
static const char *head_fields(struct json_tokener *tok, const char *line, size_t len, bool seal,
			       struct audit_log_head *h)
{
	struct json_object *o = json_parse_line(tok, line, len);
	const char *id = o ? jstr(o, "log") : NULL, *key = o ? jstr(o, "key_id") : NULL;
	const char *sig = o ? jstr(o, "sig") : NULL, *why = NULL;
	struct json_object *close = NULL;

	if (!o)
		why = "not a JSON object";
	else if (!id || strlen(id) != AUDIT_LOG_ID_LEN || !is_hex(id, AUDIT_LOG_ID_LEN))
		why = "its log id is not 32 hex digits";
	else if (seal && (!key || strlen(key) != NOJIT_KEY_ID_LEN || !is_hex(key, NOJIT_KEY_ID_LEN)))
		why = "its key_id is not 16 hex digits";
	else if (seal && (!sig || strlen(sig) != SIG_B64_LEN))
		why = "its sig is not 88 base64 characters";
	if (!why) {
		memcpy(h->log_id, id, AUDIT_LOG_ID_LEN + 1);
		if (seal) {
			memcpy(h->seal_key_id, key, NOJIT_KEY_ID_LEN + 1);
			memcpy(h->seal_sig, sig, SIG_B64_LEN + 1);
			h->seal_close = json_object_object_get_ex(o, "close", &close) && close;
		}
	}
	json_object_put(o);
	return why;
}

int audit_log_head(const char *path, struct audit_log_head *ret, struct nojit_err *err)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	struct rlines rl = { .fd = fd };
	struct audit_log_head h = {};
	struct json_tokener *tok = NULL;
	__u8 want_prev[32];
	__u64 want_seq = 0;
	const char *line = NULL;
	struct stat st;
	size_t len = 0;
	int r;

	if (fd < 0)
		return nojit_err_set(err, -errno, "audit log %s: %s", path, strerror(errno));
	if (fstat(fd, &st))
		return nojit_err_set(err, -errno, "audit log %s: %s", path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return nojit_err_set(err, -EINVAL, "audit log %s: not a regular file", path);
	if (st.st_size == 0)
		return nojit_err_set(err, -ENOENT, "audit log %s: empty, no record written yet", path);
	rl.buf = malloc(HEAD_CHUNK + AUDIT_LINE_MAX + 1);
	tok = json_tokener_new();
	if (!rl.buf || !tok) {
		r = nojit_err_set(err, -ENOMEM, "audit log %s: out of memory", path);
		goto out;
	}
	/* Bytes past the last newline are a record still being written: not part of the head. */
	r = rlines_init(&rl, st.st_size, &h.partial_bytes);
	if (r == -ENOENT) {
		r = nojit_err_set(err, -ENOENT, "audit log %s: no complete record (%llu bytes of a partial line)",
				  path, (unsigned long long)h.partial_bytes);
		goto out;
	}
	if (r) {
		r = nojit_err_set(err, r, "audit log %s: reading it: %s", path, strerror(-r));
		goto out;
	}
	while ((r = rlines_prev(&rl, &line, &len)) > 0) {
		off_t at = rl.start + (off_t)rl.len;
		struct rec_prefix pr;
		const char *why = prefix_parse(line, len, &pr);
		__u8 hash[32];

		if (why) {
			r = nojit_err_set(err, -EBADMSG, "audit log %s: the line at byte %lld: %s", path,
					  (long long)at, why);
			goto out;
		}
		sha256(line, len, hash);
		if (!want_seq) {
			h.last_seq = pr.seq;
			memcpy(h.last_sha256, hash, 32);
			memcpy(h.last_type, pr.type, sizeof(h.last_type));
			h.last_time_ns = pr.time_ns;
		} else if (pr.seq != want_seq || memcmp(hash, want_prev, 32)) {
			r = nojit_err_set(err, -EBADMSG,
					  "audit log %s: seq %llu does not link to the record after it (seq %llu): "
					  "nojit audit verify tells what is wrong", path,
					  (unsigned long long)pr.seq, (unsigned long long)want_seq + 1);
			goto out;
		}
		want_seq = pr.seq - 1;
		memcpy(want_prev, pr.prev, 32);
		if (!strcmp(pr.type, "seal") || !strcmp(pr.type, "segment")) {
			bool seal = !strcmp(pr.type, "seal");

			why = head_fields(tok, line, len, seal, &h);
			if (why) {
				r = nojit_err_set(err, -EBADMSG, "audit log %s: the %s at seq %llu: %s", path,
						  pr.type, (unsigned long long)pr.seq, why);
				goto out;
			}
			if (seal) {
				h.has_seal = true;
				h.seal_seq = pr.seq;
				h.seal_time_ns = pr.time_ns;
				break;
			}
		}
		h.unsealed++;
		/* Seq 1 ends the chain: nothing can come before it. */
		if (!want_seq)
			break;
	}
	if (r < 0) {
		r = nojit_err_set(err, r, "audit log %s: reading it backwards: %s%s", path, strerror(-r),
				  r == -E2BIG ? " (a line longer than the format allows)" : "");
		goto out;
	}
	*ret = h;
	r = 0;
out:
	free(rl.buf);
	if (tok)
		json_tokener_free(tok);
	return r;
}

/* Finish or discard a rotation a crash interrupted. */
static int finish_rotation(struct audit_log *log, struct nojit_err *err)
{
	char next[NAME_MAX + 1];

	hidden_name(log, "next", next, sizeof(next));
	if (faccessat(log->dir_fd, next, F_OK, AT_SYMLINK_NOFOLLOW))
		return 0;
	if (faccessat(log->dir_fd, log->base, F_OK, AT_SYMLINK_NOFOLLOW) == 0) {
		unlinkat(log->dir_fd, next, 0);	/* the old file was never moved: not started */
		return 0;
	}
	if (renameat(log->dir_fd, next, log->dir_fd, log->base))
		return nojit_err_set(err, -errno, "%s: completing an interrupted rotation: %s", log->path,
				     strerror(errno));
	return fsync_dir(log);
}

static int open_existing(struct audit_log *log, struct audit_log_open_info *info, struct nojit_err *err)
{
	struct stat st;
	struct tail t;
	char tag[48];
	__u64 now;
	int r;

	if (fstat(log->fd, &st))
		return nojit_err_set(err, -errno, "%s: %s", log->path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return nojit_err_set(err, -EINVAL, "%s: not a regular file", log->path);
	now = log_now(log);
	if (st.st_size == 0) {
		/* Nothing to continue: replace the empty file. */
		close_fd(&log->fd);
		if (unlinkat(log->dir_fd, log->base, 0))
			return nojit_err_set(err, -errno, "%s: %s", log->path, strerror(errno));
		info->how = AUDIT_OPEN_NEW;
		snprintf(info->detail, sizeof(info->detail), "the file was empty");
		return new_log(log, now, err);
	}
	r = tail_scan(log->fd, st.st_size, &t);
	if (r)
		return nojit_err_set(err, r, "%s: reading it: %s", log->path, strerror(-r));
	if (!t.any || !t.have_log_id) {
		snprintf(tag, sizeof(tag), "invalid-%llu", (unsigned long long)(now / 1000000000u));
		close_fd(&log->fd);
		r = move_aside(log, tag, info->rotated_to, err);
		if (r)
			return r;
		info->how = AUDIT_OPEN_REPLACED;
		snprintf(info->detail, sizeof(info->detail), "%s",
			 !t.any ? "no usable record in it" : "it names no log id (no segment record or seal)");
		return new_log(log, now, err);
	}
	memcpy(log->log_id, t.log_id, sizeof(log->log_id));
	log->segment = t.have_segment ? t.segment : 0;
	log->seq = t.seq;
	memcpy(log->head, t.hash, 32);
	log->end = t.end;
	info->unsealed = t.unsealed;
	if (t.end == st.st_size) {
		info->how = AUDIT_OPEN_CONTINUED;
		r = write_session_start(log, now, "restart", body_restart, log, err);
	} else {
		/* Never append after a broken tail: set it aside, link past it. */
		info->how = AUDIT_OPEN_RECOVERED;
		info->discarded = (__u64)(st.st_size - t.end);
		snprintf(info->detail, sizeof(info->detail),
			 "%llu bytes after seq %llu are not whole, linked records (crash while writing?)",
			 (unsigned long long)info->discarded, (unsigned long long)t.seq);
		if (t.have_segment)
			snprintf(tag, sizeof(tag), "%u", t.segment);
		else	/* the first line is broken: a name that cannot be confused with a segment */
			snprintf(tag, sizeof(tag), "invalid-%llu", (unsigned long long)(now / 1000000000u));
		r = start_segment(log, "recover", info->discarded, now, tag,
				  t.have_segment ? t.segment + 1 : 1, info->rotated_to, err);
	}
	if (r)
		return r;
	/* Seal what the previous run left unsealed, together with this start. */
	if (t.unsealed || info->how == AUDIT_OPEN_RECOVERED)
		r = write_seal(log, now, NULL, err);
	return r;
}

int audit_log_open(const char *path, const struct nojit_seckey *key,
		   const struct audit_log_config *cfg, struct audit_log **ret,
		   struct audit_log_open_info *ret_info, struct nojit_err *err)
{
	struct audit_log_open_info info_buf;
	struct audit_log_open_info *info = ret_info ? ret_info : &info_buf;
	struct audit_log *log;
	char lock[NAME_MAX + 1];
	const char *slash;
	int r;

	memset(info, 0, sizeof(*info));
	if (keys_init())
		return nojit_err_set(err, -EIO, "libsodium failed to initialise");
	log = calloc(1, sizeof(*log));
	if (!log)
		return nojit_err_set(err, -ENOMEM, "out of memory");
	log->fd = log->dir_fd = log->lock_fd = -1;
	if (cfg)
		log->cfg = *cfg;
	if (!log->cfg.seal_every)
		log->cfg.seal_every = AUDIT_SEAL_EVERY_DEFAULT;
	if (!log->cfg.seal_every_ms)
		log->cfg.seal_every_ms = AUDIT_SEAL_EVERY_MS_DEFAULT;
	if (log->cfg.seal_every > AUDIT_SEAL_EVERY_MAX || log->cfg.seal_every_ms > AUDIT_SEAL_EVERY_MS_MAX) {
		r = nojit_err_set(err, -EINVAL, "seal interval out of range (at most %u records, %u ms)",
				  AUDIT_SEAL_EVERY_MAX, AUDIT_SEAL_EVERY_MS_MAX);
		goto fail;
	}
	log->key = *key;
	log->path = strdup(path);
	slash = strrchr(path, '/');
	log->base = strdup(slash ? slash + 1 : path);
	if (!log->path || !log->base) {
		r = nojit_err_set(err, -ENOMEM, "out of memory");
		goto fail;
	}
	if (!*log->base || !strcmp(log->base, ".") || !strcmp(log->base, "..")) {
		r = nojit_err_set(err, -EINVAL, "%s: not a file name", path);
		goto fail;
	}
	if (gethostname(log->host, sizeof(log->host) - 1))
		snprintf(log->host, sizeof(log->host), "unknown");
	if (slash) {
		char dir[PATH_MAX];

		snprintf(dir, sizeof(dir), "%.*s", slash == path ? 1 : (int)(slash - path), path);
		log->dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	} else {
		log->dir_fd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	}
	if (log->dir_fd < 0) {
		r = nojit_err_set(err, -errno, "%s: its directory: %s", path, strerror(errno));
		goto fail;
	}
	hidden_name(log, "lock", lock, sizeof(lock));
	log->lock_fd = openat(log->dir_fd, lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (log->lock_fd < 0) {
		r = nojit_err_set(err, -errno, "%s: lock file %s: %s", path, lock, strerror(errno));
		goto fail;
	}
	if (flock(log->lock_fd, LOCK_EX | LOCK_NB)) {
		r = errno == EWOULDBLOCK ? nojit_err_set(err, -EBUSY, "%s: another writer has it open", path)
					 : nojit_err_set(err, -errno, "%s: lock: %s", path, strerror(errno));
		goto fail;
	}
	r = finish_rotation(log, err);
	if (r)
		goto fail;
	log->fd = openat(log->dir_fd, log->base, O_RDWR | O_APPEND | O_CLOEXEC | O_NOFOLLOW);
	if (log->fd < 0 && errno == ENOENT) {
		info->how = AUDIT_OPEN_NEW;
		r = new_log(log, log_now(log), err);
	} else if (log->fd < 0) {
		r = nojit_err_set(err, -errno, "%s: %s", path, strerror(errno));
	} else {
		r = open_existing(log, info, err);
	}
	if (r)
		goto fail;
	*ret = log;
	return 0;
fail:
	audit_log_free(log);
	return r;
}

int audit_log_rotate(struct audit_log *log, char *ret_path, struct nojit_err *err)
{
	__u64 now = log_now(log);
	char tag[16];
	int r;

	r = write_seal(log, now, "rotate", err);
	if (r)
		return r;
	snprintf(tag, sizeof(tag), "%u", log->segment);
	r = start_segment(log, "rotate", 0, now, tag, log->segment + 1, ret_path, err);
	if (r && log->fd >= 0 && faccessat(log->dir_fd, log->base, F_OK, AT_SYMLINK_NOFOLLOW) == 0) {
		/* Not rotated: the old file goes on, and a record after a closing seal must start a session. */
		struct nojit_err ignored;

		(void)write_session_start(log, now, "restart", body_restart, log, &ignored);
	}
	return r;
}

void audit_log_free(struct audit_log *log)
{
	if (!log)
		return;
	close_fd(&log->fd);
	close_fd(&log->dir_fd);
	close_fd(&log->lock_fd);	/* releases the lock */
	key_secret_wipe(&log->key);
	free(log->line.p);
	free(log->batch.p);
	free(log->path);
	free(log->base);
	free(log);
}

int audit_log_close(struct audit_log *log, struct nojit_err *err)
{
	int r;

	if (!log)
		return 0;
	r = write_seal(log, log_now(log), "shutdown", err);
	if (!r && log->fd >= 0 && fsync(log->fd))
		r = nojit_err_set(err, -errno, "%s: %s", log->path, strerror(errno));
	audit_log_free(log);
	return r;
}
