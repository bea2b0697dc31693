/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Bringing the kernel to what a policy directory says (nojit apply, the
 * daemon's --policy-dir), and enrolling one cgroup as one policy asks (the
 * OCI hook). Manifests pass the persistent rollback check (rollback.h)
 * before anything in the kernel changes.
 */
#ifndef NOJIT_POLICY_APPLY_H
#define NOJIT_POLICY_APPLY_H

#include <stdbool.h>

#include "policy_dir.h"

/*
 * Enroll the cgroup open at FD (cgroup_open() of PATH, id ID) as policy P
 * asks: response, mode, manifest (refused when its serial is below the
 * highest accepted for its name), recorded with ORIGIN (enum
 * nojit_enroll_origin), P's name and digest, and CONTAINER_ID (may be NULL).
 * Loads the kernel policy if nothing is loaded. *RET_ALREADY as in
 * enroll_cgroup().
 */
int policy_enroll(const struct policy *p, int fd, __u64 id, const char *path, __u32 origin,
		  const char *container_id, bool *ret_already, struct nojit_err *err);

enum apply_change_kind {
	APPLY_ENROLL,		/* a selected cgroup that was not enrolled */
	APPLY_UPDATE,		/* enrolled by a policy whose file or manifest changed */
	APPLY_RELEASE,		/* enrolled by a policy that no longer selects it */
};

struct apply_change {
	enum apply_change_kind kind;
	char *cgroup;		/* path below the cgroup2 mount */
	__u64 id;
	char policy[NOJIT_POLICY_NAME_MAX + 1];
	char *detail;		/* what changes, for people */
};

struct apply_plan {
	struct apply_change *changes;
	size_t n;
	size_t unchanged;	/* enrollments already as the files say */
	size_t unmanaged;	/* manual enrollments apply leaves alone */
};

void apply_plan_free(struct apply_plan *p);

/* What applying D would change; touches nothing. */
int apply_plan_make(const struct policy_dir *d, struct apply_plan *ret, struct nojit_err *err);

/*
 * Carry out PLAN (made from D). Stops at the first failure with ERR set;
 * what was done before it stays done and is reported in *RET_DONE.
 */
int apply_plan_run(const struct policy_dir *d, const struct apply_plan *plan, size_t *ret_done,
		   struct nojit_err *err);

struct apply_result {
	struct apply_plan plan;
	size_t done;		/* changes carried out */
	size_t n_policies;
	__u8 digest[32];	/* the policy directory's (policy_dir.h) */
};

void apply_result_free(struct apply_result *r);

/*
 * Load DIR (all or nothing: -EINVAL with PROBLEMS), plan, and unless
 * DRY_RUN carry the plan out. *RET is filled as far as it got, also on
 * failure.
 */
int policy_apply_dir(const char *dir, bool dry_run, struct apply_result *ret,
		     struct policy_problems *problems, struct nojit_err *err);

#endif /* NOJIT_POLICY_APPLY_H */
