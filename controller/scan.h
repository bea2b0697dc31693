/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Runtime integrity scan (nojit scan, nojit daemon --scan-every): every
 * executable mapping of a task must be a regular file reachable by its
 * path, listed in the manifest in force (when there is one), and every
 * page of it that is resident or swapped must hold the file's bytes.
 * What is compared and why: docs/scan.md. This module never prints.
 */
#ifndef NOJIT_SCAN_H
#define NOJIT_SCAN_H

#include <limits.h>
#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "util.h"

/* ---- pure parsers (unit-tested) ----------------------------------------- */

#define SCAN_PATH_MAX 4096

/* One line of /proc/PID/maps. */
struct scan_map {
	__u64 start, end;	/* [start, end) */
	__u64 offset;		/* file offset of start */
	char perms[5];		/* "r-xp" */
	unsigned int dev_major, dev_minor;
	__u64 ino;
	char path[SCAN_PATH_MAX];	/* "" for anonymous; as the kernel prints it */
};

/* -EINVAL when LINE (no newline needed) is not a maps line. */
int scan_parse_maps_line(const char *line, struct scan_map *ret);

/* Executable: the kernel printed 'x'. */
static inline bool scan_map_exec(const struct scan_map *m)
{
	return m->perms[2] == 'x';
}

/*
 * What the kernel's name of a mapping says it is, before the file is
 * looked at. Numbers are stable (they order nothing; names are the ABI).
 */
enum scan_backing {
	SCAN_BACKING_FILE	= 1,	/* a path: still to be checked */
	SCAN_BACKING_ANON	= 2,	/* no name, [heap], [stack], [anon:...] */
	SCAN_BACKING_SHARED_ANON = 3,	/* MAP_SHARED|MAP_ANONYMOUS: "/dev/zero (deleted)", [anon_shmem:...] */
	SCAN_BACKING_MEMFD	= 4,	/* "/memfd:NAME (deleted)" */
	SCAN_BACKING_SYSV_SHM	= 5,	/* "/SYSV%08x (deleted)" */
	SCAN_BACKING_DELETED	= 6,	/* "PATH (deleted)" */
	SCAN_BACKING_KERNEL	= 7,	/* [vdso], [vsyscall]: the kernel's own code */
	SCAN_BACKING_PSEUDO	= 8,	/* any other "[...]" name ([uprobes], ...) */
};

enum scan_backing scan_classify(const struct scan_map *m);

/*
 * The bits of a /proc/PID/pagemap entry the scan needs
 * (Documentation/admin-guide/mm/pagemap.rst). The frame number (bits
 * 0-54, zero without CAP_SYS_ADMIN) and the rest are not used.
 */
struct scan_pagemap_entry {
	bool present;		/* bit 63 */
	bool swapped;		/* bit 62 */
	bool file_or_shared;	/* bit 61: page cache or shared-anonymous page; clear: private copy */
};

void scan_pagemap_decode(__u64 raw, struct scan_pagemap_entry *ret);

/*
 * Whether the page must be read and compared with the file: resident
 * (present) or swapped out. A swapped page of a file mapping can only be
 * a private copy, so it is read too (which swaps it in).
 */
static inline bool scan_pagemap_must_compare(const struct scan_pagemap_entry *e)
{
	return e->present || e->swapped;
}

/*
 * The ELF loader's zero-fill zones of a file: for each executable PT_LOAD
 * segment whose p_memsz exceeds p_filesz, the bytes from p_offset +
 * p_filesz to the end of that page. The loader may have cleared them
 * (padzero) or left the file's bytes there (a segment that is not
 * writable). Zones are file offsets, [start, end).
 */
#define SCAN_ELF_MAX_ZONES 16
struct scan_elf_zones {
	size_t n;
	struct { __u64 start, end; } z[SCAN_ELF_MAX_ZONES];
};

/* From the first bytes of a file (ELF header and program headers); 0 zones if not ELF. */
void scan_elf_zones_parse(const __u8 *buf, size_t len, long page_size, struct scan_elf_zones *ret);

/*
 * Compare one page as mapped (MEM) with the file's bytes at FILE_OFF
 * (FILE, FILE_LEN valid bytes: past the end of the file the page reads
 * zero). Bytes inside a zero-fill zone may equal the file or be zero, as
 * a whole zone. Returns the number of differing bytes; *RET_FIRST gets
 * the page offset of the first.
 */
size_t scan_page_compare(const __u8 *mem, const __u8 *file, size_t file_len, size_t page_size,
			 __u64 file_off, const struct scan_elf_zones *zones, size_t *ret_first);

/* ---- scanning a task ---------------------------------------------------- */

/* Why a mapping (or a range of it) is a finding; the JSON/audit names are the ABI. */
enum scan_reason {
	SCAN_REASON_ANONYMOUS	= 1,
	SCAN_REASON_SHARED_ANON	= 2,
	SCAN_REASON_MEMFD	= 3,
	SCAN_REASON_SYSV_SHM	= 4,
	SCAN_REASON_DELETED	= 5,
	SCAN_REASON_PSEUDO	= 6,
	SCAN_REASON_NOT_REGULAR	= 7,
	SCAN_REASON_UNREACHABLE	= 8,
	SCAN_REASON_UNLISTED	= 9,
	SCAN_REASON_MODIFIED	= 10,
};

/* "anonymous", "modified", ... */
const char *scan_reason_name(enum scan_reason r);

struct scan_finding {
	pid_t pid, tgid;
	const char *comm;
	const char *cgroup;	/* path below the cgroup2 mount; NULL unknown */
	__u64 cgroup_id;	/* 0 unknown */
	__u64 enrolled_id;	/* the enrollment that governs it; 0 none known */
	__u64 start, end;	/* the mapping, or the run of modified pages in it */
	const char *perms;
	__u64 offset;		/* file offset of start */
	const char *file;	/* NULL: anonymous */
	__u64 dev, ino;		/* as in maps (dev = makedev(major, minor)); ino 0: none */
	bool has_sha256;
	__u8 sha256[32];	/* the backing file's digest, when it was hashed */
	enum scan_reason reason;
	const char *detail;	/* human-readable; not part of the stable contract */
};

/*
 * The manifest in force for a task, as the scanner asks it: returns 1 when
 * SHA256 is listed for enrollment ENROLLED_ID, 0 when it is not, -ENOENT
 * when that enrollment has no manifest, or -errno. SHA256 NULL asks only
 * whether there is one (1 or -ENOENT), so files are hashed only then.
 */
typedef int (*scan_manifest_fn)(void *ctx, __u64 enrolled_id, const __u8 sha256[32]);

struct scan_stats {
	__u64 tasks;		/* tasks whose mappings were read */
	__u64 mappings;		/* executable mappings looked at */
	__u64 pages;		/* pages read and compared */
	__u64 bytes;		/* bytes compared */
	__u64 exec_bytes;	/* size of the executable mappings (virtual) */
	__u64 vanished;		/* tasks that exited before or while they were read */
	__u64 files_hashed;
};

typedef void (*scan_finding_fn)(void *ctx, const struct scan_finding *f);

struct scan_ctx;

/* A scanner; keeps a digest and ELF cache across scans. NULL + errno on failure. */
struct scan_ctx *scan_ctx_new(scan_manifest_fn manifest, void *manifest_ctx);
void scan_ctx_free(struct scan_ctx *s);

/* What the caller knows about the task's governance (scan_policy_task()). */
struct scan_task_info {
	const char *cgroup;	/* path below the cgroup2 mount; NULL: unknown */
	__u64 cgroup_id;
	__u64 enrolled_id;	/* 0: not governed, or unknown: no manifest check */
};

/*
 * Scan task PID: FN is called for every finding. 0; -ESRCH when the task
 * is gone (counted in STATS->vanished, not an error); other -errno with
 * ERR naming the task and what could not be read (-EACCES/-EPERM: not
 * allowed to read its memory).
 */
int scan_task(struct scan_ctx *s, pid_t pid, const struct scan_task_info *info,
	      scan_finding_fn fn, void *fn_ctx, struct scan_stats *stats, struct nojit_err *err);

/* Path below the cgroup2 mount of PID's cgroup ("/a/b"), from /proc/PID/cgroup. */
int scan_task_cgroup(pid_t pid, char *buf, size_t size);

/* Numeric /proc/PID/stat field 22 (start time in clock ticks): tells a reused pid apart. */
int scan_task_starttime(pid_t pid, __u64 *ret);

/* ---- which tasks, and what governs them ---------------------------------- */

/*
 * What the pinned maps say (every fd -1 without them: no task is known to
 * be governed and no manifest is checked).
 */
struct scan_policy {
	int cgroups_fd;		/* nojit_cgroups: cgroup id -> struct nojit_cgroup_policy */
	int policies_fd;	/* nojit_policies: enrolled id -> struct nojit_policy_ref */
	int allow_fd;		/* nojit_allow: (policy id, sha256) -> kind */
	char cg_mount[PATH_MAX];	/* "": no cgroup2 mount, no cgroup ids */
};

/* The pinned maps' fds (borrowed, not closed), or -1 each. */
void scan_policy_init(struct scan_policy *p, int cgroups_fd, int policies_fd, int allow_fd);

/* A scan_manifest_fn over the pinned maps; CTX is a struct scan_policy. */
int scan_policy_manifest(void *ctx, __u64 enrolled_id, const __u8 sha256[32]);

/*
 * PID's cgroup (path into CGROUP, SIZE bytes), its id and the enrollment
 * governing it (0: none). -ESRCH when the task is gone.
 */
int scan_policy_task(const struct scan_policy *p, pid_t pid, char *cgroup, size_t size,
		     struct scan_task_info *ret);

enum scan_target_kind {
	SCAN_TARGET_GOVERNED	= 1,	/* every task in an enrolled subtree */
	SCAN_TARGET_PID		= 2,
	SCAN_TARGET_CGROUP	= 3,	/* the tasks of a cgroup and of all below it */
};

struct scan_target {
	enum scan_target_kind kind;
	pid_t pid;
	int cgroup_fd;		/* an open cgroup2 directory */
};

/* A task that could not be scanned (not gone: gone is counted as vanished). */
typedef void (*scan_error_fn)(void *ctx, pid_t pid, int error, const char *msg);

/*
 * Scan the tasks TARGET names: FN for each finding, ON_ERROR for each task
 * that could not be read. 0, or -errno with ERR when the tasks could not
 * be listed (then nothing was scanned).
 */
int scan_run(struct scan_ctx *s, const struct scan_policy *p, const struct scan_target *target,
	     scan_finding_fn fn, scan_error_fn on_error, void *ctx, struct scan_stats *stats,
	     struct nojit_err *err);

#endif /* NOJIT_SCAN_H */
