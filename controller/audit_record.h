/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The audit log's record format: the constants every reader and writer
 * share, the time format, what a record says (events, responses, vkernel,
 * scan and policy records) and the names it uses for hooks and actions.
 * Writing records: audit_log.h; checking a log: audit_verify.h. Format and
 * canonical form: docs/audit-log.md. Never prints.
 */
#ifndef NOJIT_AUDIT_RECORD_H
#define NOJIT_AUDIT_RECORD_H

#include <linux/types.h>
#include <stdbool.h>

#include "nojit.h"

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

#define AUDIT_SIG_B64_LEN		88	/* a seal's "sig": base64 of 64 bytes, padded */
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

#endif /* NOJIT_AUDIT_RECORD_H */
