/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The offline verifier of the audit log (`nojit audit verify`): reads the
 * segment files of one log, follows the hash chain, checks every seal's
 * signature against the trusted keys and says what is wrong, where. What
 * it reports: docs/audit-log.md. Never prints.
 */
#ifndef NOJIT_AUDIT_VERIFY_H
#define NOJIT_AUDIT_VERIFY_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>

#include "audit_record.h"
#include "keys.h"
#include "util.h"

enum audit_reason {
	AUDIT_OK		= 0,
	AUDIT_MALFORMED		= 1,	/* not a well-formed record of this format */
	AUDIT_ALTERED		= 2,	/* its bytes changed: the chain does not link through it */
	AUDIT_REMOVED		= 3,	/* records missing: a gap in seq */
	AUDIT_INSERTED		= 4,	/* a record that is not part of the chain */
	AUDIT_REORDERED		= 5,	/* records out of order */
	AUDIT_TRUNCATED		= 6,	/* the log or a segment ends before it should */
	AUDIT_BAD_SEAL		= 7,	/* a seal's signature does not verify with its key */
	AUDIT_MISSING_SEAL	= 8,	/* more unsealed records than the writer allows */
	AUDIT_WRONG_KEY		= 9,	/* sealed by a key that is not trusted */
	AUDIT_UNSEALED_TAIL	= 10,	/* the end is not proven: records or a partial line
					   after the last seal, or no shutdown seal at the end */
};

/* "altered", "bad-seal", ... ("ok" for AUDIT_OK). */
const char *audit_reason_name(enum audit_reason r);

struct audit_verify_opts {
	/*
	 * The log must be complete: start at seq 1 and end with the shutdown
	 * seal (no unsealed records, no partial line, no missing segment).
	 */
	bool strict;
	/*
	 * Accept a log whose end is not proven (a daemon still running, or one
	 * that crashed): complete records after the last seal, a partial last
	 * line, a last seal that is periodic, or a rotation seal whose next
	 * segment was not given. Without it such a log fails with
	 * AUDIT_UNSEALED_TAIL (AUDIT_TRUNCATED for the missing segment): a log
	 * cut short, or whose newest records were deleted, looks the same.
	 */
	bool allow_unsealed_tail;
	/* The chain must reach ANCHOR_SEQ (0: no anchor), whose line hashes to ANCHOR_HASH if set. */
	__u64 anchor_seq;
	bool has_anchor_hash;
	__u8 anchor_hash[32];
};

#define AUDIT_VERIFY_MAX_KEYS 8

struct audit_verify_result {
	enum audit_reason reason;
	/* Where the first problem is; file_index indexes the PATHS given. */
	size_t file_index;
	__u64 line;		/* 1-based line in that file; 0: the file as a whole */
	__u64 seq;		/* the record concerned; 0 unknown */
	char detail[384];

	/* What was verified (before the problem, if any). */
	__u64 records;		/* lines in the chain, seals included */
	__u64 seals;
	__u64 events, drops_records, dropped, responses, sessions, segments;
	__u64 scan_findings;	/* "scan" records */
	__u64 first_seq, last_seq;
	__u8 head[32];		/* SHA-256 of the last record: an anchor for next time */
	char log_id[AUDIT_LOG_ID_LEN + 1];
	char key_ids[AUDIT_VERIFY_MAX_KEYS][NOJIT_KEY_ID_LEN + 1];
	size_t n_key_ids;

	/* How it ends. */
	bool closed;		/* with the shutdown seal */
	bool ends_rotated;	/* with a rotation seal: newer segment files were not given */
	__u64 last_seal_seq;	/* 0: no seal */
	__u64 unsealed;		/* complete records after the last seal */
	__u64 partial_bytes;	/* a partial last line (crash while writing) */
	size_t last_file_index;	/* the file the chain ends in (PATHS index) */
	bool starts_mid_chain;	/* earlier segments were not given */

	/* Crashes the log recovered from (all sealed again afterwards). */
	__u64 recoveries;	/* sessions that ended without their shutdown seal */
	__u64 recovered_unsealed; /* records those left unsealed until the next start */
	__u64 discarded_bytes;	/* unusable tails a restart set aside (partial lines) */
};

/*
 * Verify the log made of the files PATHS (any order: they are put in
 * chain order by content) against the trusted keys. Returns 0 when the
 * files could be read, with the verdict in RES (reason AUDIT_OK: all
 * verified, up to the daemon's shutdown seal unless
 * OPTS->allow_unsealed_tail; an unsealed tail it allowed is reported in
 * RES); -errno with ERR when a file cannot be read or the files belong to
 * different logs. OPTS NULL: no options.
 */
int audit_verify(const char *const *paths, size_t n, const struct nojit_trust *trust,
		 const struct audit_verify_opts *opts, struct audit_verify_result *res,
		 struct nojit_err *err);

#endif /* NOJIT_AUDIT_VERIFY_H */
