/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The audit log: JSON Lines, one record per line, every record carrying a
 * sequence number and the SHA-256 of the line before it; Ed25519 seal
 * records sign the chain periodically, at rotation and at shutdown. The
 * writer (for `nojit daemon`) and the offline verifier (`nojit audit
 * verify`). Format, canonical form, restart and what the verifier reports:
 * docs/audit-log.md. Never prints.
 */
#ifndef NOJIT_AUDIT_LOG_H
#define NOJIT_AUDIT_LOG_H

#include <limits.h>
#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>

#include "keys.h"
#include "nojit.h"
#include "util.h"

#define AUDIT_FORMAT			1
#define AUDIT_LOG_DEFAULT_PATH		"/var/log/nojit/audit.log"	/* nojit daemon --log */
#define AUDIT_SEAL_CONTEXT		"nojit-audit-seal-v1\n"
#define AUDIT_LOG_ID_LEN		32	/* hex digits: 16 random bytes */
#define AUDIT_LINE_MAX			(1u << 20)	/* the verifier refuses longer lines */
#define AUDIT_STRING_MAX		4096	/* longer string values are cut (bytes) */
#define AUDIT_SEAL_EVERY_DEFAULT	1000
#define AUDIT_SEAL_EVERY_MS_DEFAULT	10000
#define AUDIT_SEAL_EVERY_MAX		1000000
#define AUDIT_SEAL_EVERY_MS_MAX		86400000

#define AUDIT_TIME_LEN			30	/* "YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ" */

/* RFC 3339, UTC, always nine fractional digits: exactly AUDIT_TIME_LEN characters. */
void audit_time_format(__u64 ns, char buf[AUDIT_TIME_LEN + 1]);
/*
 * Exactly what audit_time_format() writes (at least AUDIT_TIME_LEN
 * characters at S), for a time a __u64 of nanoseconds holds (up to 2554).
 */
bool audit_time_parse(const char *s, __u64 *ret);

/* ---- records ---------------------------------------------------------- */

/*
 * One violation as written to the log. Pointers may be NULL and numbers 0
 * where unknown: the record then says null. audit_event_from_violation()
 * fills what the kernel reported; the daemon adds paths and hashes.
 */
struct audit_event {
	__u64 time_ns;		/* when it happened, CLOCK_REALTIME ns; 0 unknown */
	__u32 hook;		/* enum nojit_hook */
	__u32 route;		/* enum nojit_route */
	__u32 action;		/* enum nojit_action */
	__u32 prot;		/* PROT_* requested */
	__u64 flags;		/* hook-specific (mmap/shmat flags, bpf cmd, ptrace mode) */
	const char *operation;	/* NULL: derived from the hook ("mmap", "execve", ...) */
	__u32 pid;		/* thread id */
	__u32 tgid;
	__u32 uid;
	char comm[17];
	const char *exe;	/* the offender's executable (/proc/PID/exe) */
	bool has_exe_sha256;
	__u8 exe_sha256[32];
	__u64 cgroup_id;
	__u64 enrolled_id;	/* the enrolled ancestor that governs it */
	const char *cgroup_path; /* relative to the cgroup2 mount, "/system.slice/..." */
	const char *container_id; /* NULL: derived from cgroup_path when possible */
	const char *path;	/* the file involved */
	__u32 dev;		/* kernel dev_t (major << 20 | minor); with ino != 0 */
	__u64 ino;		/* 0: no file involved */
	bool has_sha256;
	__u8 sha256[32];	/* the file's digest when known */
	/* NOJIT_ACTION_EXCEPTION: the uses of a JIT exception one record stands for. */
	const char *exception;	/* its id; NULL for every other action */
	__u64 count;
	__u64 first_ns;		/* CLOCK_REALTIME of the first use; time_ns: the last */
	char exception_buf[NOJIT_EXC_ID_MAX + 1];
};

/*
 * Fill EV from a ring-buffer record. BOOT_TO_REAL_NS is CLOCK_REALTIME
 * minus CLOCK_BOOTTIME (the kernel stamps events with the latter).
 */
void audit_event_from_violation(const struct nojit_violation *v, __s64 boot_to_real_ns,
				struct audit_event *ev);

/*
 * Container id from a cgroup path: the deepest component that is a
 * 64-hex-digit id, bare or as docker-/cri-containerd-/crio-/libpod-
 * <id>[.scope] (Docker, containerd/Kubernetes, CRI-O, Podman). 0, or
 * -ENOENT when the path names none.
 */
int audit_container_id(const char *cgroup_path, char id[65]);

/* A response the daemon applied, or tried to, after an event. */
struct audit_response {
	const char *action;	/* "kill", "kill-cgroup", "freeze", ... */
	__u32 pid;		/* 0: none */
	__u64 cgroup_id;	/* 0: none */
	const char *cgroup_path;
	__u64 event_seq;	/* the event record it answers; 0: none */
	int error;		/* 0 or -errno */
	const char *detail;	/* NULL or a human-readable note */
};

/*
 * Something the vkernel refused or saw go wrong in a guest (docs/vkernel.md):
 * a "vkernel" record. Strings may be NULL.
 */
struct audit_vk_event {
	const char *event;	/* "spawn_denied", "path_escape_denied", "trap", ... */
	const char *reason;
	const char *module;	/* the guest module */
	__u32 pid;
	const char *target;	/* what it tried to run or open */
	bool has_sha256;
	__u8 sha256[32];	/* of the bytes it tried to run */
	const char *app;	/* the megabinary */
	__u64 cgroup_id;
};

/*
 * What nojit daemon --scan-every found in a running task's executable
 * memory (docs/scan.md): a "scan" record. Strings may be NULL.
 */
struct audit_scan_finding {
	const char *reason;	/* "anonymous", "modified", ... (scan_reason_name()) */
	__u32 pid;
	__u32 tgid;
	const char *comm;
	__u64 cgroup_id;	/* 0: unknown */
	__u64 enrolled_id;	/* 0: unknown */
	const char *cgroup_path;
	__u64 start, end;	/* the address range */
	const char *perms;	/* as in /proc/PID/maps: "r-xp" */
	__u64 offset;		/* file offset of start */
	const char *file;	/* NULL: anonymous */
	unsigned int dev_major, dev_minor;	/* with ino != 0 */
	__u64 ino;
	bool has_sha256;
	__u8 sha256[32];	/* the backing file's digest, when it was hashed */
	const char *detail;
};

/*
 * A change to, or a failed attempt at, the node's declarative policy
 * (nojit daemon --policy-dir; docs/policy.md): a "policy" record.
 */
struct audit_policy_event {
	/*
	 * "apply", "apply-failed", "rollback-state", "rollback-reset", or
	 * "exceptions": the JIT exceptions in force changed (policies: how
	 * many now; changes_text: them, one per line).
	 */
	const char *action;
	const char *dir;
	bool has_digest;
	__u8 digest[32];	/* the policy directory's */
	__u64 policies, changes, done, unchanged;
	const char *changes_text;	/* one line per change, NULL when none */
	const char *manifest;	/* rollback-reset: which manifest ("*": all) */
	__u64 old_serial, generation, resets;
	const char *detail;	/* the error, or the reset's reason */
};

/* LSM hook name for an enum nojit_hook ("mmap_file", ...), NULL if unknown. */
const char *audit_hook_name(__u32 hook);
/* "denied", "killed", "audited", NULL if unknown. */
const char *audit_action_name(__u32 action);

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
int audit_log_append_policy(struct audit_log *log, const struct audit_policy_event *p,
			    __u64 *ret_seq, struct nojit_err *err);
int audit_log_append_response(struct audit_log *log, const struct audit_response *r,
			      __u64 *ret_seq, struct nojit_err *err);

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

#define AUDIT_SIG_B64_LEN	88	/* a seal's "sig": base64 of 64 bytes, padded */

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

/* ---- verifier --------------------------------------------------------- */

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
};

/* "altered", "bad-seal", ... ("ok" for AUDIT_OK). */
const char *audit_reason_name(enum audit_reason r);

struct audit_verify_opts {
	/*
	 * The log must be complete: start at seq 1 and end with the shutdown
	 * seal (no unsealed records, no partial line, no missing segment).
	 */
	bool strict;
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
 * verified; an unsealed tail or a partial last line is reported in RES,
 * not as a failure, unless OPTS->strict); -errno with ERR when a file
 * cannot be read or the files belong to different logs.
 */
int audit_verify(const char *const *paths, size_t n, const struct nojit_trust *trust,
		 const struct audit_verify_opts *opts, struct audit_verify_result *res,
		 struct nojit_err *err);

#endif /* NOJIT_AUDIT_LOG_H */
