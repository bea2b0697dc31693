/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Everything that crosses the kernel/user boundary: map values, the
 * ring-buffer event layout and counter indices. Included by the BPF
 * programs and by the controller, so it uses fixed-width types only and
 * spells out every byte of padding. Enum values are ABI: never renumber,
 * never reuse a retired number.
 */
#ifndef NOJIT_H
#define NOJIT_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define NOJIT_PIN_DIR		"/sys/fs/bpf/nojit"
#define NOJIT_MAX_CGROUPS	65536
#define NOJIT_RINGBUF_BYTES	(1u << 20)
#define NOJIT_CGROUP_PATH_MAX	256
#define NOJIT_EVENT_PATH_MAX	256
#define NOJIT_CGROUP_NAME_MAX	128	/* a container scope's name is ~90 bytes */
#define NOJIT_MAX_ALLOW		(1u << 20)	/* all manifests together, twice during a swap */
#define NOJIT_MAX_FILES		(1u << 18)	/* files with a digest or a mark, live inodes only */

/* The bypass routes of DESIGN.md; the number is the route's number there. */
enum nojit_route {
	NOJIT_ROUTE_ANON_EXEC		= 1,
	NOJIT_ROUTE_MPROTECT		= 2,
	NOJIT_ROUTE_READ_IMPLIES_EXEC	= 3,
	NOJIT_ROUTE_FILE_WRITTEN	= 4,
	NOJIT_ROUTE_MEMFD		= 5,
	NOJIT_ROUTE_DOUBLE_MAP		= 6,	/* also: rewriting a file mapped executable */
	NOJIT_ROUTE_SHM_EXEC		= 7,
	NOJIT_ROUTE_PROC_MEM_PTRACE	= 8,
	NOJIT_ROUTE_BPF_LOAD		= 9,
	NOJIT_ROUTE_UNLISTED_EXEC	= 10,
	NOJIT_ROUTE_LOADER		= 11,
	NOJIT_ROUTE_CGROUP_ESCAPE	= 12,
	NOJIT_ROUTE_KERNEL_EXEC_MEM	= 13,	/* ELF loader/brk VM_EXEC regions, uselib() */
	NOJIT_ROUTE_FILL_UNDER_CODE	= 14,	/* userfaultfd, long-term pins (io_uring) */
	NOJIT_ROUTE_GATE_RACE		= 15,	/* a writer appeared while the hash gate decided */
	NOJIT_ROUTE_STACKED_FS		= 16,	/* writers or data behind a stacked (overlay) inode */
	NOJIT_ROUTE_FOREIGN_FD_WRITE	= 17,	/* write to code through any descriptor */
	/* Not a bypass route: what a task marked with a JIT exception gave up. */
	NOJIT_ROUTE_EXCEPTION_CONFINED	= 18,
	NOJIT_ROUTE_MAX			= 19,
};

/* The kernel hook a decision was taken in. */
enum nojit_hook {
	NOJIT_HOOK_MMAP_FILE		= 1,
	NOJIT_HOOK_FILE_MPROTECT	= 2,
	NOJIT_HOOK_SHM_SHMAT		= 3,
	NOJIT_HOOK_BPRM_CHECK		= 4,
	NOJIT_HOOK_FILE_OPEN		= 5,
	NOJIT_HOOK_FILE_PERMISSION	= 6,
	NOJIT_HOOK_PTRACE_ACCESS	= 7,
	NOJIT_HOOK_PTRACE_TRACEME	= 8,
	NOJIT_HOOK_BPF			= 9,
	NOJIT_HOOK_INODE_PERMISSION	= 10,
	NOJIT_HOOK_KERNFS_INIT		= 11,
	NOJIT_HOOK_BRK			= 12,
	NOJIT_HOOK_PATH_TRUNCATE	= 13,
	NOJIT_HOOK_ANON_INODE		= 14,	/* inode_init_security_anon */
	NOJIT_HOOK_FILE_IOCTL		= 15,
	NOJIT_HOOK_SOCKET_SETSOCKOPT	= 16,
	NOJIT_HOOK_CBPF_PREPARE		= 17,	/* fentry on bpf_prepare_filter */
	NOJIT_HOOK_FILE_TRUNCATE	= 18,
	NOJIT_HOOK_EXEC_STACK		= 19,	/* fexit on setup_arg_pages */
	NOJIT_HOOK_DEVICE_OPEN		= 20,	/* file_open of /dev/fuse, /dev/kvm */
	NOJIT_HOOK_SOCKET_CREATE	= 21,
	NOJIT_HOOK_SOCKET_CONNECT	= 22,
	NOJIT_HOOK_SOCKET_BIND		= 23,
	NOJIT_HOOK_SOCKET_LISTEN	= 24,
	NOJIT_HOOK_SOCKET_ACCEPT	= 25,
	NOJIT_HOOK_SOCKET_SENDMSG	= 26,
	NOJIT_HOOK_SOCKET_RECVMSG	= 27,
	/* path_mknod, _mkdir, _rmdir, _unlink, _symlink, _link, _rename, _chmod, _chown */
	NOJIT_HOOK_PATH_CHANGE		= 28,
	/* sb_mount, move_mount, sb_umount, sb_pivotroot, path_chroot, userns_create */
	NOJIT_HOOK_VIEW_CHANGE		= 29,
	NOJIT_HOOK_SOCKET_GETSOCKOPT	= 30,
	NOJIT_HOOK_FILE_RECEIVE		= 31,	/* SCM_RIGHTS, pidfd_getfd() */
	NOJIT_HOOK_CAPABLE		= 32,
	NOJIT_HOOK_TASK_KILL		= 33,
};

/* nojit_violation.flags of NOJIT_HOOK_PATH_CHANGE: which change. */
enum nojit_path_change {
	NOJIT_PATH_CREATE	= 1,	/* open(O_CREAT), mknod */
	NOJIT_PATH_MKDIR	= 2,
	NOJIT_PATH_RMDIR	= 3,
	NOJIT_PATH_UNLINK	= 4,
	NOJIT_PATH_SYMLINK	= 5,
	NOJIT_PATH_LINK		= 6,
	NOJIT_PATH_RENAME	= 7,
	NOJIT_PATH_CHMOD	= 8,
	NOJIT_PATH_CHOWN	= 9,
	NOJIT_PATH_XATTR	= 10,	/* setxattr, removexattr, ACLs */
	NOJIT_PATH_SETATTR	= 11,	/* utimes, and any attribute change not through a writable descriptor */
};

/* nojit_violation.flags of NOJIT_HOOK_VIEW_CHANGE: which change of the file system view. */
enum nojit_view_change {
	NOJIT_VIEW_MOUNT	= 1,
	NOJIT_VIEW_MOVE_MOUNT	= 2,
	NOJIT_VIEW_UMOUNT	= 3,
	NOJIT_VIEW_PIVOT_ROOT	= 4,
	NOJIT_VIEW_CHROOT	= 5,
	NOJIT_VIEW_USERNS	= 6,
};

enum nojit_action {
	NOJIT_ACTION_DENIED	= 1,
	NOJIT_ACTION_KILLED	= 2,	/* denied, and the process killed before it returned */
	NOJIT_ACTION_AUDITED	= 3,	/* audit mode: would have been denied, was allowed */
	NOJIT_ACTION_EXCEPTION	= 4,	/* would have been denied, allowed by a signed exception */
};

/* What happens to an offender beyond the denial (nojit enforce --on-violation). */
enum nojit_on_violation {
	NOJIT_ON_VIOLATION_DENY		= 1,
	NOJIT_ON_VIOLATION_KILL		= 2,	/* SIGKILL from the kernel, in the hook */
	NOJIT_ON_VIOLATION_KILL_CGROUP	= 3,	/* the daemon writes cgroup.kill */
	NOJIT_ON_VIOLATION_FREEZE	= 4,	/* the daemon writes cgroup.freeze */
};

/*
 * How an enrollment answers a violation (key: enrolled cgroup id). Read
 * only on the violation path; no entry means enforce + deny.
 */
struct nojit_response {
	__u32 mode;		/* enum nojit_mode */
	__u32 on_violation;	/* enum nojit_on_violation */
};

enum nojit_mode {
	NOJIT_MODE_ENFORCE	= 1,
	NOJIT_MODE_AUDIT	= 2,
};

/* What a manifest entry may be used as; a bit mask. */
enum nojit_kind {
	NOJIT_KIND_EXEC		= 1,	/* execve()d program or interpreter */
	NOJIT_KIND_LIB		= 2,	/* mapped executable: shared library, ld.so's work, dlopen */
	NOJIT_KIND_ANY		= 3,
};

/*
 * Value of the cgroup map, keyed by cgroup id. Every cgroup in an enrolled
 * subtree has an entry naming its nearest enrolled ancestor, so a hook
 * finds a task's policy with exactly one lookup of its own cgroup id.
 * An entry whose key equals enrolled_id is an enrollment.
 */
struct nojit_cgroup_policy {
	__u64 enrolled_id;
	__u32 mode;		/* enum nojit_mode */
	__u32 flags;		/* reserved, 0 */
};

/*
 * The manifest in force for an enrollment (key: enrolled cgroup id). No
 * entry: the enrollment has no manifest and exec is not hash-gated. The
 * controller swaps a manifest by filling nojit_allow under a fresh
 * policy_id and then replacing this one value: an exec sees the whole old
 * or the whole new set, never a half-loaded one.
 */
struct nojit_policy_ref {
	__u32 policy_id;
	__u32 hash_source;	/* enum nojit_hash_source */
};

enum nojit_hash_source {
	/* The kernel hashes with IMA (bpf_ima_file_hash) on first use. */
	NOJIT_HASH_SOURCE_IMA		= 1,
	/*
	 * Kernels without IMA: only digests the controller computed and
	 * attached to the inode count; anything else is refused.
	 */
	NOJIT_HASH_SOURCE_CONTROLLER	= 2,
};

struct nojit_allow_key {
	__u32 policy_id;
	__u32 pad;		/* 0 */
	__u8 sha256[32];
};

/*
 * Per-file digest cache and marks, kept for the inode that holds the data
 * (for overlayfs: the upper or lower inode, never the overlay one).
 * gen counts opens for writing and truncations; the digest is valid while
 * hashed_gen == gen and valid is 1. exec_mapped: a governed task has run
 * or mapped this inode executable under a manifest, so governed tasks may
 * no longer write it, through any descriptor. in_gate: hash-gate decisions
 * in progress; governed write-opens are refused while it is non-zero, and
 * anyone else's moves gen, which makes the decision refuse.
 */
struct nojit_file_hash {
	__u64 gen;
	__u64 hashed_gen;
	__u32 valid;
	__u32 exec_mapped;
	__u8 sha256[32];
	__u32 in_gate;
	__u32 pad;
};

/*
 * Signed JIT exceptions (docs/exceptions.md). What an exception lets a
 * marked task do with private anonymous memory, and nothing else: memory
 * backed by any file, shared memory, the stack, brk and the personality
 * routes stay refused. A bit mask.
 */
enum nojit_exception_allow {
	NOJIT_EXC_ANON_EXEC	= 1,	/* mmap(MAP_PRIVATE|MAP_ANONYMOUS) with PROT_EXEC */
	NOJIT_EXC_WX_FLIP	= 2,	/* mprotect(): gain exec, gain write on exec, or both */
};

#define NOJIT_EXC_ID_MAX	32	/* id bytes, NUL included */
#define NOJIT_EXC_MAX_PATHS	8
#define NOJIT_EXC_PATH_MAX	128	/* bytes, NUL included */

/*
 * An exception in force (map nojit_exceptions, key: struct nojit_allow_key
 * of the policy and the executable's digest). Filled by the controller
 * with the allow set, under the same policy id, so a manifest swap changes
 * both at once. uses and marks are the kernel's counters.
 */
struct nojit_exception {
	__u64 expires_boot_ns;	/* CLOCK_BOOTTIME: no use from then on */
	__u32 allow;		/* enum nojit_exception_allow */
	__u32 n_paths;		/* write_paths in use */
	__u64 uses;		/* anonymous executable mappings and flips allowed */
	__u64 marks;		/* execs that marked a task */
	char id[NOJIT_EXC_ID_MAX];
	/* Where a marked task may open files for writing: these trees only. */
	char write_paths[NOJIT_EXC_MAX_PATHS][NOJIT_EXC_PATH_MAX];
};

/*
 * Per-task state (map nojit_task_state, task storage). The daemon reads it
 * by pidfd to find tasks whose exception ended (exception_sweep.h).
 * A task allowed to JIT by a signed exception, and its unreported uses:
 */
struct nojit_task_mark {
	__u8 sha256[32];	/* the executable whose exception marked the task */
	__u32 marked;
	__u32 route;		/* of the last use: what it would have been refused as */
	__u64 pending;		/* uses not yet in a record */
	__u64 first_ns;		/* CLOCK_BOOTTIME of the first pending use */
	__u64 last_ns;
	__u64 reported_ns;	/* when the last record went out; 0: never */
	__u32 hook;		/* of the last use */
	__u32 prot;
	__u64 flags;
	char exception[NOJIT_EXC_ID_MAX];
	__u64 mnt_ns;		/* the mount namespace it was marked in (kernel address) */
};

/* Controller-owned record of an enrollment, for status and release. */
struct nojit_enrollment {
	__u64 enrolled_at_ns;	/* CLOCK_REALTIME */
	char path[NOJIT_CGROUP_PATH_MAX];
	/* The manifest in force, all zero when there is none. */
	__u64 serial;
	__s64 expires;		/* unix seconds */
	__u8 manifest_sha256[32];
	char manifest_name[64];
	char key_id[17];
	__u8 pad[3];
	/*
	 * Who asked for it (enum nojit_enroll_origin): nojit apply owns the
	 * enrollments its policy files made and releases them when the file
	 * goes; it leaves manual ones alone.
	 */
	__u32 origin;
	char policy[48];	/* the policy file's name, NUL-terminated */
	__u8 policy_sha256[32];	/* of that file's bytes when applied */
	char container_id[72];	/* NOJIT_ORIGIN_CONTAINER: the OCI container id */
};

enum nojit_enroll_origin {
	NOJIT_ORIGIN_MANUAL	= 0,	/* nojit enforce */
	NOJIT_ORIGIN_POLICY	= 1,	/* nojit apply: a policy's cgroup selector */
	NOJIT_ORIGIN_CONTAINER	= 2,	/* nojit oci-hook: a policy's container selector */
};

/*
 * nojit daemon's own bookkeeping (a one-element mmap-able array the kernel
 * never touches): how much of the kernel's output is in the audit log, so
 * a daemon restarted after a crash can write what went missing in between.
 */
struct nojit_daemon_state {
	__u64 events_logged;		/* ring-buffer events the log accounts for */
	__u64 kernel_drops_logged;	/* NOJIT_STAT_EVENTS_DROPPED accounted for */
	__u64 attempts_logged;		/* the sum of those events' counts */
};

#define NOJIT_META_VERSION_LEN	32
#define NOJIT_META_MAX_PROGS	64

/*
 * Which BPF object is in the kernel (map nojit_meta, one element), for
 * attestation: the attached programs' tags are all the kernel itself
 * tells, and the nojit that loaded them may be older than the one asked.
 * The loader that attaches the programs writes a fresh map, freezes it and
 * pins it over the previous one; no BPF program may write it
 * (BPF_F_RDONLY_PROG). prog_ids are the programs that loader attached, so
 * a reader can tell a record that no longer describes the attached
 * programs (another loader replaced them since) from a current one.
 */
struct nojit_meta {
	__u8 object_sha256[32];	/* of the exact ELF bytes given to libbpf */
	__u64 loaded_at_ns;	/* CLOCK_REALTIME */
	char version[NOJIT_META_VERSION_LEN];	/* the loader's NOJIT_VERSION, NUL-terminated */
	__u32 n_progs;
	__u32 prog_ids[NOJIT_META_MAX_PROGS];
	__u32 pad;		/* 0 */
};

/* Per-CPU counters; index into the stats array map. */
enum nojit_stat {
	/* 1..12: retired (denials per route before routes 13+ existed) */
	NOJIT_STAT_EVENTS_EMITTED	= 16,
	NOJIT_STAT_EVENTS_DROPPED	= 17,	/* attempts no record stands for, all reasons */
	NOJIT_STAT_CGROUP_TRACK_FAILED	= 18,	/* child cgroup not recorded: mkdir refused */
	NOJIT_STAT_KILLS		= 19,
	NOJIT_STAT_HASH_FAILED		= 20,	/* digest unavailable: refused (fail closed) */
	NOJIT_STAT_HASHES_COMPUTED	= 21,
	NOJIT_STAT_HASH_CACHE_HITS	= 22,
	NOJIT_STAT_AUDITED		= 23,	/* would-be denials allowed in audit mode */
	/*
	 * Fail-closed decisions: a helper, a storage or a kernel read failed
	 * where success was needed to allow, so the request was refused.
	 */
	NOJIT_STAT_FAIL_NO_STORAGE	= 24,	/* inode/task storage not creatable */
	NOJIT_STAT_FAIL_VMA_LOOKUP	= 25,	/* bpf_find_vma() failed */
	NOJIT_STAT_FAIL_KERNEL_READ	= 26,	/* a kernel read failed */
	NOJIT_STAT_FAIL_STACKED_FS	= 27,	/* data inode of a stacked file not found */
	NOJIT_STAT_EXC_MARKS		= 28,	/* execs that marked a task with an exception */
	NOJIT_STAT_EXC_USES		= 29,	/* uses of exceptions (JIT allowed) */
	NOJIT_STAT_EXC_USES_LOST	= 30,	/* uses no record could carry (exit with a full ring buffer) */
	NOJIT_STAT_EXC_CONFINED		= 31,	/* requests of marked tasks refused by their confinement */
	/* Denials per route: NOJIT_STAT_ROUTE_BASE + enum nojit_route. */
	NOJIT_STAT_ROUTE_BASE		= 32,
	/*
	 * Aggregated reporting (policy.bpf.h): records stand for attempts.
	 * Attempts = ATTEMPTS_EMITTED + EVENTS_DROPPED + those still pending
	 * in task state; EVENTS_DROPPED is the sum of the DROP_* reasons.
	 */
	NOJIT_STAT_ATTEMPTS_EMITTED	= 56,	/* sum of the counts of emitted records */
	NOJIT_STAT_DROP_RING_FULL	= 57,	/* ring buffer full, no task state to hold the attempt */
	NOJIT_STAT_DROP_EVICTED		= 58,	/* ring buffer full when another violation replaced pending ones */
	NOJIT_STAT_DROP_EXIT		= 59,	/* ring buffer full when the thread exited with pending ones */
	NOJIT_STAT_DROP_EXEC		= 60,	/* ring buffer full when the thread exec'd with pending ones */
	NOJIT_STAT_MAX			= 64,
};

#define NOJIT_STAT_ROUTE(route)	(NOJIT_STAT_ROUTE_BASE + (route))
_Static_assert(NOJIT_STAT_ROUTE(NOJIT_ROUTE_MAX) <= NOJIT_STAT_ATTEMPTS_EMITTED,
	       "route counters run into the aggregation counters");

enum nojit_event_type {
	NOJIT_EVENT_VIOLATION	= 1,
};

#define NOJIT_EVENT_VERSION	4

struct nojit_event_hdr {
	__u16 type;		/* enum nojit_event_type */
	__u16 version;
	__u32 size;		/* whole record, header included */
};

struct nojit_violation {
	struct nojit_event_hdr hdr;
	__u64 time_ns;		/* CLOCK_BOOTTIME */
	__u64 cgroup_id;
	__u64 enrolled_id;
	__u64 ino;		/* 0 when no file is involved */
	__u32 dev;
	__u32 pid;		/* thread id */
	__u32 tgid;
	__u32 uid;
	__u32 route;		/* enum nojit_route */
	__u32 hook;		/* enum nojit_hook */
	__u32 action;		/* enum nojit_action */
	__u32 prot;		/* requested PROT_* (after READ_IMPLIES_EXEC) */
	__u64 flags;		/* hook-specific: mmap flags, shmat flags, bpf cmd, ptrace mode */
	char comm[16];
	__u8 sha256[32];	/* the file's digest when the hash gate refused it */
	__u32 has_sha256;
	__u32 on_violation;	/* enum nojit_on_violation in force */
	char path[NOJIT_EVENT_PATH_MAX];	/* "" when no file, or not resolvable here */
	/* Version 3. */
	__u64 count;		/* attempts this record stands for, >= 1 */
	__u64 first_ns;		/* CLOCK_BOOTTIME of the first of them; time_ns: the last */
	char exception[NOJIT_EXC_ID_MAX];	/* NOJIT_ACTION_EXCEPTION: which one */
	/* Version 4: names the cgroup once cgroup_id no longer does. */
	__u64 cgroup_parent_id;
	char cgroup_name[NOJIT_CGROUP_NAME_MAX];	/* the cgroup's own name, "" for the root */
	__u64 exe_ino;		/* the task's executable's inode, 0 if unknown: the daemon
				 * names it only if /proc/PID/exe is still this file */
};

/*
 * A thread's last violation and its repeats not yet in a record
 * (policy.bpf.h): the first attempt's whole record, taken when it
 * happened, so a later record for its repeats says who did what then,
 * not who the thread is by the time it goes out (after an exec, a
 * rename, a setuid, a cgroup move). Repeats are identical in every field
 * of the record but the times.
 */
struct nojit_task_agg {
	struct nojit_violation ev;	/* hdr.size 0: empty */
	__u64 pending;		/* attempts not yet in a record */
	__u64 last_ns;		/* CLOCK_BOOTTIME of the last; ev.first_ns: of the first */
	__u64 reported_ns;	/* when the last record of this violation went out; 0: none yet */
	__u32 alone;		/* its hook does not aggregate: no repeat matches it */
	__u32 pad;
};

struct nojit_task_state {
	__u64 refuse_brk;	/* do_brk_flags() in progress must fail its accounting */
	/*
	 * The exec in progress whose file has an exception: set by
	 * bprm_check_security for the last file it checked, turned into the
	 * mark only when that same exec commits.
	 */
	__u64 pending_bprm;
	__u8 pending_sha256[32];
	struct nojit_task_mark mark;
	struct nojit_task_agg agg;
};

#endif /* NOJIT_H */
