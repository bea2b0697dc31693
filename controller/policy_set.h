/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The hash gate's allow sets in the kernel: which digests an enrollment's
 * manifest lists, and how a new manifest replaces the old one atomically.
 */
#ifndef NOJIT_POLICY_SET_H
#define NOJIT_POLICY_SET_H

#include "bpf_loader.h"
#include "manifest.h"

/*
 * Make MAN the manifest in force for enrollment ENROLLED_ID: its entries go
 * into the allow map under a fresh policy id, then one update of the
 * enrollment's policy reference switches every hook over, then the old
 * set is deleted. If anything fails before the switch, the new entries are
 * removed again and the policy in force is untouched.
 */
int policy_set_install(const struct nojit_maps *m, __u64 enrolled_id,
		       const struct nojit_manifest *man, __u32 hash_source,
		       struct nojit_err *err);

/* Drop enrollment ENROLLED_ID's manifest: exec is no longer hash-gated. */
int policy_set_remove(const struct nojit_maps *m, __u64 enrolled_id);

/* A JIT exception in force in the kernel, with the kernel's counters. */
struct policy_exception {
	__u64 enrolled_id;
	__u8 sha256[32];
	struct nojit_exception v;
};

/*
 * Append the exceptions in force under ENROLLED_ID's manifest to *LIST
 * (*N entries, realloc'd). 0, or -errno.
 */
int policy_set_exceptions(const struct nojit_maps *m, __u64 enrolled_id,
			  struct policy_exception **list, size_t *n);

/* Entries in the allow map under ENROLLED_ID's policy; 0 without one. */
int policy_set_count(const struct nojit_maps *m, __u64 enrolled_id, size_t *ret_n);

#endif /* NOJIT_POLICY_SET_H */
