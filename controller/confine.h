/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Host confinement without BPF LSM: layers a process applies to itself
 * before execve, so that what it runs cannot create executable memory.
 * Each layer is selectable on its own; see docs/host-confinement.md for
 * what each one blocks, measured route by route.
 *
 *   nnp       PR_SET_NO_NEW_PRIVS: no privilege gain through setuid/file
 *             capabilities; lets an unprivileged caller apply the others.
 *   mdwe      PR_SET_MDWE(PR_MDWE_REFUSE_EXEC_GAIN): no mapping ever gains
 *             PROT_EXEC after creation, no W+X mapping. Misses memfd, shm
 *             and file double mappings and fresh anonymous RX mappings.
 *   seccomp   a classic BPF filter: anonymous exec mappings, W+X, any
 *             mprotect/pkey_mprotect with PROT_EXEC, exec-capable memfds,
 *             SHM_EXEC, READ_IMPLIES_EXEC, bpf, ptrace, process_vm_writev,
 *             userfaultfd, and every non-x86_64 syscall ABI: EPERM.
 *             File-backed PROT_EXEC mappings stay allowed (the dynamic
 *             loader needs them; seccomp cannot see which file it is).
 *   landlock  execve only beneath the exec paths and of the exec files
 *             given open, all of them read-only;
 *             write access elsewhere, never execute. Landlock's EXECUTE
 *             right governs execve only, NOT mmap(PROT_EXEC) of a file:
 *             a writable file mapped executable is not stopped here (that
 *             needs noexec mounts, or the BPF LSM hash gate).
 *   memfd-noexec  vm.memfd_noexec=2 in the workload's own pid namespace:
 *             no memfd may ever be executable, whatever flags ask for.
 *   bpf-lsm   the kernel policy (nojit enforce) on a transient cgroup the
 *             workload runs in: the only layer that also judges files.
 * nnp, mdwe, seccomp and landlock are applied by confine_apply(); the last
 * two need a new pid namespace and a cgroup, which nojit run (run.h) sets
 * up around the process.
 *
 * The library never prints: failures are -errno plus a struct nojit_err.
 */
#ifndef NOJIT_CONFINE_H
#define NOJIT_CONFINE_H

#include <linux/filter.h>
#include <stdbool.h>
#include <stddef.h>

#include "util.h"

enum confine_layer {
	CONFINE_NNP = 1U << 0,
	CONFINE_MDWE = 1U << 1,
	CONFINE_SECCOMP = 1U << 2,
	CONFINE_LANDLOCK = 1U << 3,
	CONFINE_MEMFD_NOEXEC = 1U << 4,
	CONFINE_BPF_LSM = 1U << 5,
};

/* What confine_apply() applies to the calling process itself. */
#define CONFINE_SELF (CONFINE_NNP | CONFINE_MDWE | CONFINE_SECCOMP | CONFINE_LANDLOCK)
/* Every layer that works without BPF LSM ("host"), and everything ("all"). */
#define CONFINE_HOST (CONFINE_SELF | CONFINE_MEMFD_NOEXEC)
#define CONFINE_ALL (CONFINE_HOST | CONFINE_BPF_LSM)

struct confine_opts {
	unsigned int layers;			/* CONFINE_* */
	const char *const *exec_paths;		/* landlock: where execve is allowed */
	size_t n_exec_paths;
	/*
	 * landlock: open files execve may run too, each one the very file
	 * its descriptor holds (a rule on the object, not on a name that
	 * another file could take meanwhile).
	 */
	const int *exec_fds;
	size_t n_exec_fds;
};

/* "nnp", "mdwe", ... for one CONFINE_* bit; NULL if not exactly one known bit. */
const char *confine_layer_name(unsigned int layer);

/*
 * Parse a comma-separated list of layer names, or the groups "host" and
 * "all", into CONFINE_* bits. -EINVAL with ERR naming the bad word.
 */
int confine_layers_parse(const char *list, unsigned int *ret_layers, struct nojit_err *err);

/* 0 if LAYER (one CONFINE_* bit) can be applied here, else -errno with WHY. */
int confine_probe(unsigned int layer, struct nojit_err *why);

/*
 * Build the seccomp filter into BUF (CAP instructions). Returns the number
 * of instructions, or -ENOSPC. Exposed for the unit tests.
 */
int confine_seccomp_filter(struct sock_filter *buf, size_t cap);

/*
 * vm.memfd_noexec=2 for the calling process's pid namespace, which must be
 * its own: -EPERM unless the caller is pid 1 there (so that the host's
 * setting is never changed by mistake). The value only ever goes up.
 */
int confine_memfd_noexec(struct nojit_err *err);

/*
 * Apply O->layers (CONFINE_SELF bits only) to the calling process and
 * everything it will exec, in the order nnp, mdwe, landlock, seccomp.
 * Irreversible. On failure,
 * the layers applied so far stay applied: *RET_APPLIED (set in both
 * cases when not NULL) says which; the caller must not go on to exec.
 */
int confine_apply(const struct confine_opts *o, unsigned int *ret_applied,
		  struct nojit_err *err);

#endif /* NOJIT_CONFINE_H */
