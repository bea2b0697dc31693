/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The audit log: JSON Lines, one record per line, every record carrying a
 * sequence number and the SHA-256 of the line before it; Ed25519 seal
 * records sign the chain periodically, at rotation and at shutdown. This
 * header is the writer (for `nojit daemon`) and the head of a log file (for
 * attestation); it includes the record format (audit_record.h) and the
 * offline verifier (audit_verify.h), so that users of the log need only
 * this one. Format, canonical form, restart and what the verifier reports:
 * docs/audit-log.md. Never prints.
 */
#ifndef NOJIT_AUDIT_LOG_H
#define NOJIT_AUDIT_LOG_H

#include <limits.h>
#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>

#include "audit_record.h"
#include "audit_verify.h"
#include "keys.h"
#include "util.h"

/* ---- writer ----------------------------------------------------------- */

struct audit_log;

struct audit_log_config {
	__u32 seal_every;	/* seal when this many records are unsealed; 0: default */
	__u32 seal_every_ms;	/* ... or the oldest unsealed one is this old; 0: default */
	bool sync_every_record;	/* fdatasync each record, not only each seal */
	/* Called with every line after it reached the file, without its newline. */
	void (*on_line)(void *ctx, const char *line, size_t len);
	void *on_line_ctx;
	/* Wall clock, ns since the epoch; NULL: CLOCK_REALTIME. For tests. */
	__u64 (*clock_ns)(void *ctx);
	void *clock_ctx;
};

enum audit_open_how {
	AUDIT_OPEN_NEW		= 1,	/* no log at PATH: a new log was started */
	AUDIT_OPEN_CONTINUED	= 2,	/* PATH continued after a "restart" record */
	AUDIT_OPEN_RECOVERED	= 3,	/* PATH's tail was unusable: moved to ROTATED_TO,
					   a new segment links to its last good record */
	AUDIT_OPEN_REPLACED	= 4,	/* PATH had no usable record at all: moved to
					   ROTATED_TO, a new log was started */
};

struct audit_log_open_info {
	enum audit_open_how how;
	__u64 unsealed;		/* records the previous run left without a seal */
	__u64 discarded;	/* bytes after the last good record (RECOVERED) */
	char rotated_to[PATH_MAX];
	char detail[256];	/* why RECOVERED or REPLACED */
};

/*
 * Open the log at PATH for appending, creating it if needed, and write a
 * record saying so ("segment" for a new file, "restart" when an existing
 * one is continued). An existing log's tail is checked back to its last
 * seal; a crash left-over (partial line, broken chain after the last
 * seal) is never appended to: the file is moved to PATH.N and a new
 * segment linked to its last good record starts (see docs/audit-log.md).
 * KEY is copied (and wiped at close). PATH's directory must exist; only
 * one writer at a time (-EBUSY). RET_INFO may be NULL.
 */
int audit_log_open(const char *path, const struct nojit_seckey *key,
		   const struct audit_log_config *cfg, struct audit_log **ret,
		   struct audit_log_open_info *ret_info, struct nojit_err *err);

/*
 * Append a record; RET_SEQ (may be NULL) gets its sequence number. A due
 * seal is written first. On failure nothing of the record stays in the
 * file, and the loss is written as a "drops" record (source "writer")
 * before the next record that gets through.
 */
int audit_log_append_event(struct audit_log *log, const struct audit_event *ev, __u64 *ret_seq,
			   struct nojit_err *err);
/*
 * DROPPED events lost since the previous drops record of this SOURCE
 * ("kernel": ring buffer full, the delta of NOJIT_STAT_EVENTS_DROPPED;
 * "daemon": read but not logged). TOTAL is the counter's value, if known.
 */
int audit_log_append_vkernel(struct audit_log *log, const struct audit_vk_event *e,
			     __u64 *ret_seq, struct nojit_err *err);
int audit_log_append_scan(struct audit_log *log, const struct audit_scan_finding *f,
			  __u64 *ret_seq, struct nojit_err *err);
int audit_log_append_drops(struct audit_log *log, const char *source, __u64 dropped,
			   __u64 total, bool has_total, __u64 *ret_seq, struct nojit_err *err);

/*
 * The kernel's drops: as audit_log_append_drops(source "kernel"), with
 * the kernel's totals by reason, so a reader sees why (docs/audit-log.md).
 */
struct audit_drop_reasons {
	__u64 ring_buffer_full, evicted, exit, exec;
};
int audit_log_append_kernel_drops(struct audit_log *log, __u64 dropped, __u64 total,
				  const struct audit_drop_reasons *reasons, struct nojit_err *err);
int audit_log_append_policy(struct audit_log *log, const struct audit_policy_event *p,
			    __u64 *ret_seq, struct nojit_err *err);
int audit_log_append_response(struct audit_log *log, const struct audit_response *r,
			      __u64 *ret_seq, struct nojit_err *err);

/*
 * Batch mode, for a writer that appends many records at once (the daemon
 * draining the ring buffer): from audit_log_batch_begin() on, records are
 * chained one by one as always but reach the file together, with one
 * write(2), at audit_log_batch_end(); earlier only when a seal is written
 * (it goes to disk with everything before it) or the batch reaches 256
 * KiB. RET_SEQ is known at once; on_line is called when the lines reach
 * the file. If the batch's write fails, the file and the chain go back to
 * where the batch began and its records are counted as lost (a "drops"
 * record, source "writer", says how many attempts they stood for).
 */
void audit_log_batch_begin(struct audit_log *log);
int audit_log_batch_end(struct audit_log *log, struct nojit_err *err);
/* The last record appended, without its newline (valid until the next append). */
const char *audit_log_last_line(const struct audit_log *log, size_t *ret_len);

/* Seal now if a seal is due (records or time). 0 when nothing was due. */
int audit_log_maybe_seal(struct audit_log *log, struct nojit_err *err);
/* Seal now if anything is unsealed. */
int audit_log_seal(struct audit_log *log, struct nojit_err *err);
/* ms until the next seal is due (0: now), or -1 when nothing is unsealed. */
long audit_log_seal_due_ms(const struct audit_log *log);

/*
 * Close the current file with a final seal, move it to PATH.N (N: its
 * segment number) and continue in a new PATH. RET_PATH (may be NULL, at
 * least PATH_MAX bytes) gets the old file's new name.
 */
int audit_log_rotate(struct audit_log *log, char *ret_path, struct nojit_err *err);

/* Write the final seal, sync, free. LOG is freed even on error. */
int audit_log_close(struct audit_log *log, struct nojit_err *err);
/* Free without sealing (what a crash leaves behind). NULL is fine. */
void audit_log_free(struct audit_log *log);

struct audit_log_state {
	char log_id[AUDIT_LOG_ID_LEN + 1];
	__u32 segment;
	__u64 seq;		/* of the last record written */
	__u8 head[32];		/* its SHA-256 */
	__u64 unsealed;
	__u64 lost;		/* records not written, not yet reported */
};
void audit_log_state(const struct audit_log *log, struct audit_log_state *ret);

/*
 * What a metrics endpoint reports, safe to read from another thread while
 * the writer runs (the writer itself is single-threaded): since this
 * writer opened the log.
 */
struct audit_log_counters {
	__u64 last_seal_ns;	/* CLOCK_REALTIME of the last seal written; 0: none yet */
	__u64 daemon_dropped;	/* events logged as lost by "daemon" drops records */
	__u64 writer_lost;	/* records that could not be written ("writer" drops) */
};
void audit_log_counters(const struct audit_log *log, struct audit_log_counters *ret);

/* ---- the head of a log (for attestation) ------------------------------- */

/*
 * Where the log file stands now: what a statement binds itself to. Every
 * field can be recomputed from the file by a verifier: last_sha256 is the
 * hash the format already chains (SHA-256 of the line without its
 * newline, the next record's "prev").
 */
struct audit_log_head {
	char log_id[AUDIT_LOG_ID_LEN + 1];	/* "": neither a seal nor the segment record names it */
	__u64 last_seq;
	__u8 last_sha256[32];
	char last_type[16];
	__u64 last_time_ns;
	bool has_seal;		/* the file has a seal; the seal_ fields are its last one */
	__u64 seal_seq;
	__u64 seal_time_ns;
	char seal_key_id[NOJIT_KEY_ID_LEN + 1];
	char seal_sig[AUDIT_SIG_B64_LEN + 1];	/* base64, as in the log */
	bool seal_close;	/* the seal closed the file ("shutdown" or "rotate") */
	__u64 unsealed;		/* complete records after the last seal (all, without one) */
	__u64 partial_bytes;	/* an incomplete last line (a writer mid-append), left out */
};

/*
 * The head of the log file PATH, read backwards from its end in bounded
 * chunks as far as its last seal (the whole file only when it has none),
 * checking that the records after the seal link to it. It verifies no
 * signature: nojit audit verify does. 0; -ENOENT when PATH is missing or
 * holds no complete record; -EBADMSG when the tail is malformed or not
 * linked; -E2BIG for a line longer than AUDIT_LINE_MAX; ERR says which.
 */
int audit_log_head(const char *path, struct audit_log_head *ret, struct nojit_err *err);

#endif /* NOJIT_AUDIT_LOG_H */
