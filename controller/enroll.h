/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Enrollment: which cgroups are governed. The kernel's cgroup map holds an
 * entry for every cgroup of an enrolled subtree (see bpf/nojit.h); these
 * functions keep it in step with the enrollments the operator asked for.
 */
#ifndef NOJIT_ENROLL_H
#define NOJIT_ENROLL_H

#include <stdbool.h>

#include "bpf_loader.h"
#include "manifest.h"
#include "policy_set.h"

/*
 * Govern the cgroup open at FD (cgroup_open() of PATH: its id is ID)
 * and every cgroup below it; idempotent. A cgroup below that
 * is enrolled itself keeps its own enrollment (nearest ancestor wins).
 * *ret_already is set when it was enrolled before. The cgroup is the one
 * open, never looked up by name again: the caller has set its response
 * and allow set by ID, and another cgroup may have taken the name since.
 */
int enroll_cgroup(const struct nojit_maps *m, int fd, __u64 id, const char *path,
		  bool *ret_already, struct nojit_err *err);

/*
 * Stop governing PATH's subtree: its cgroups fall back to the nearest
 * enrolled ancestor's policy, or to none. Its manifest goes with it.
 */
int release_cgroup(const struct nojit_maps *m, const char *path, struct nojit_err *err);

/* Record MAN as the manifest in force for enrollment ID (status, rollback). */
int enroll_set_manifest(const struct nojit_maps *m, __u64 id, const struct nojit_manifest *man);

/*
 * Refuse (-ESTALE) a manifest whose serial is lower than that of the one
 * in force for enrollment ID: an old signed manifest cannot be replayed.
 */
int enroll_check_serial(const struct nojit_maps *m, __u64 id, const struct nojit_manifest *man,
			struct nojit_err *err);

/* Record who owns enrollment ID (enum nojit_enroll_origin) and from which policy. */
int enroll_set_origin(const struct nojit_maps *m, __u64 id, __u32 origin, const char *policy,
		      const __u8 policy_sha256[32], const char *container_id);

/* Drop enrollment ID's manifest (its policy no longer names one): memory rules only. */
int enroll_clear_manifest(const struct nojit_maps *m, __u64 id);

/* How enrollment ID answers violations: enum nojit_mode, enum nojit_on_violation. */
int enroll_set_response(const struct nojit_maps *m, __u64 id, __u32 mode, __u32 on_violation);

/* The response in force; enforce + deny when none was set. */
void enroll_get_response(const struct nojit_maps *m, __u64 id, struct nojit_response *ret);

/* Drop the entries (and manifests) of cgroups that no longer exist. */
int enroll_gc(const struct nojit_maps *m, unsigned int *ret_removed);

struct nojit_enrolled {
	__u64 id;
	struct nojit_enrollment rec;
	unsigned int governed;	/* cgroups whose nearest enrolled ancestor this is */
	int exists;		/* 1, 0, or -errno when unknown */
};

int enroll_list(const struct nojit_maps *m, struct nojit_enrolled **ret, size_t *ret_n);

/* What the pinned policy holds, read in one go: for nojit status and nojit attest. */
struct enroll_view {
	struct nojit_prog_info *progs;		/* attached programs */
	size_t nprogs;
	struct nojit_enrolled *cgroups;		/* enroll_list() */
	struct nojit_response *responses;	/* per enrollment */
	size_t *allow_counts;			/* manifest entries in the kernel, per enrollment */
	size_t ncgroups;
	struct policy_exception *exceptions;	/* JIT exceptions in force, all enrollments */
	size_t nexceptions;
	__u64 stats[NOJIT_STAT_MAX];		/* the kernel's counters */
};

/* Fill V from the open maps M: 0, or -errno with what failed in ERR. */
int enroll_view_read(const struct nojit_maps *m, struct enroll_view *v, struct nojit_err *err);
void enroll_view_free(struct enroll_view *v);

#endif /* NOJIT_ENROLL_H */
