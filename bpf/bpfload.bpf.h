/* SPDX-License-Identifier: GPL-2.0 */
/* Route 9: the kernel JIT-compiles BPF programs; governed tasks load none. */
#ifndef NOJIT_BPFLOAD_BPF_H
#define NOJIT_BPFLOAD_BPF_H

#include "policy.bpf.h"

/*
 * The hook gained a fourth argument (bool kernel) in 6.15, which moves the
 * trailing return value of earlier programs. Only cmd, the first argument,
 * is read here; an earlier program's denial already ends the chain in the
 * trampoline before this one runs. Fails closed: unknown commands other
 * than program loads are none of this policy's business.
 */
SEC("lsm/bpf")
int BPF_PROG(nojit_bpf, int cmd)
{
	const struct nojit_cgroup_policy *pol;

	if (cmd != BPF_PROG_LOAD)
		return 0;
	pol = policy_current();
	if (!pol)
		return 0;
	return deny(pol, NOJIT_ROUTE_BPF_LOAD, NOJIT_HOOK_BPF, 0, cmd, NULL);
}

#endif /* NOJIT_BPFLOAD_BPF_H */
