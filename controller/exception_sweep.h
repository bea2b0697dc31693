/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The end of a JIT exception for the tasks it marked. The kernel refuses
 * a marked task new executable memory the moment its exception expires or
 * leaves the manifest in force; but what the task already made writable
 * and executable (V8's code space, for one) stays usable without another
 * system call the kernel could refuse. So nojit daemon ends every marked
 * task whose exception is no longer in force. This module never prints.
 */
#ifndef NOJIT_EXCEPTION_SWEEP_H
#define NOJIT_EXCEPTION_SWEEP_H

#include <sys/types.h>

#include "bpf_loader.h"
#include "cgroup_names.h"

struct exception_sweep_kill {
	pid_t pid;
	__u64 cgroup_id;
	__u8 sha256[32];	/* the executable whose exception ended */
	const char *why;	/* "expired", "revoked" */
	int error;		/* of the kill: 0 or -errno */
};

typedef void (*exception_sweep_fn)(void *ctx, const struct exception_sweep_kill *k);

/*
 * Kill (SIGKILL) every marked process in a governed cgroup whose exception
 * is not in force now, calling FN for each. *RET_MARKED: marked processes
 * seen alive. 0, or -errno when the maps cannot be read.
 */
int exception_sweep(const struct nojit_maps *m, struct cgroup_names *names,
		    exception_sweep_fn fn, void *ctx, size_t *ret_marked);

/*
 * The exceptions in force now, one line each, sorted: enrolled cgroup, id,
 * executable digest, permissions, end (and whether it is past). *RET_TEXT
 * is malloc'd ("" for none), *RET_N the number of exceptions; DIGEST
 * changes exactly when the text does. The kernel's counters are left out,
 * so that only a change of what is in force changes the digest.
 */
int exception_state(const struct nojit_maps *m, struct cgroup_names *names, char **ret_text,
		    size_t *ret_n, __u8 digest[32]);

#endif /* NOJIT_EXCEPTION_SWEEP_H */
