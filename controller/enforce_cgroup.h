/* SPDX-License-Identifier: GPL-2.0 */
/* What nojit enforce does to one cgroup, for the commands that enroll. */
#ifndef NOJIT_ENFORCE_CGROUP_H
#define NOJIT_ENFORCE_CGROUP_H

#include <stdbool.h>

#include "manifest.h"
#include "util.h"

/* Where the commands look for trusted keys unless told otherwise. */
#define NOJIT_DEFAULT_TRUST "/etc/nojit/trust"

struct enforce_args {
	const char *cgroup;
	const char *manifest;
	const char *trust;
	const char *approvers;	/* approver keys, for a manifest's JIT exceptions */
	__u32 hash_source;
	__u32 mode;		/* 0: keep, or the manifest's */
	__u32 on_violation;	/* 0: keep */
	bool verbose;		/* say how many digests were attached (controller hashing) */
};

/*
 * Load (or reuse) the pinned kernel policy, then enroll the cgroup open at
 * FD (cgroup_open() of A->cgroup), whose cgroup id is ID, with A's response
 * and MAN (may be NULL). The response and the allow set go in before the
 * cgroup entries, so the cgroup is governed as asked from its first
 * governed moment.
 */
int enforce_cgroup(const struct enforce_args *a, int fd, __u64 id,
		   const struct nojit_manifest *man, bool *ret_already, struct nojit_err *err);

#endif
