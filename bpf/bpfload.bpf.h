/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Route 9: the kernel JIT-compiles BPF programs from bytes the task
 * chose: eBPF through bpf(BPF_PROG_LOAD), and classic BPF, which is
 * translated to eBPF and JIT-compiled the same way (socket filters,
 * SO_ATTACH_REUSEPORT_CBPF, packet fanout programs, tun/ppp/team filters,
 * xt_bpf rules). Governed tasks load none. Seccomp filters stay allowed:
 * container runtimes install them inside the container's cgroup, no LSM
 * hook sees them, and the seccomp checker admits only loads of
 * seccomp_data, ALU and forward jumps (docs/kernel-policy.md).
 */
#ifndef NOJIT_BPFLOAD_BPF_H
#define NOJIT_BPFLOAD_BPF_H

#include "policy.bpf.h"
#include "exception.bpf.h"

/*
 * The hook gained a fourth argument (bool kernel) in 6.15, which moves the
 * trailing return value of earlier programs. Only cmd, the first argument,
 * is read here; an earlier program's denial already ends the chain in the
 * trampoline before this one runs. Commands other than program loads are
 * none of this policy's business, except for a task marked with a JIT
 * exception (exception.bpf.h).
 */
SEC("lsm/bpf")
int BPF_PROG(nojit_bpf, int cmd)
{
	const struct nojit_cgroup_policy *pol;

	/* A task marked with a JIT exception gets no bpf() at all. */
	if (cmd != BPF_PROG_LOAD)
		return task_marked() ? confined(NOJIT_HOOK_BPF, 0, cmd, NULL, NULL) : 0;
	pol = policy_current();
	if (!pol)
		return task_marked() ? confined(NOJIT_HOOK_BPF, 0, cmd, NULL, NULL) : 0;
	return deny(pol, NOJIT_ROUTE_BPF_LOAD, NOJIT_HOOK_BPF, 0, cmd, NULL);
}

/* The socket options that hand the kernel a classic BPF program. */
static __always_inline bool sockopt_loads_cbpf(int level, int optname)
{
	if (level == SOL_SOCKET)
		return optname == SO_ATTACH_FILTER ||
		       optname == SO_ATTACH_REUSEPORT_CBPF;
	/* PACKET_FANOUT_DATA carries the program of a PACKET_FANOUT_CBPF group. */
	return level == SOL_PACKET && optname == PACKET_FANOUT_DATA;
}

SEC("lsm/socket_setsockopt")
int BPF_PROG(nojit_socket_setsockopt, struct socket *sock, int level,
	     int optname, int ret)
{
	const struct nojit_cgroup_policy *pol;

	if (ret)
		return ret;
	ret = socket_use(sock, NOJIT_HOOK_SOCKET_SETSOCKOPT, false);
	if (ret)
		return ret;
	if (!sockopt_loads_cbpf(level, optname))
		return 0;
	pol = policy_current();
	if (!pol)
		return 0;
	return deny(pol, NOJIT_ROUTE_BPF_LOAD, NOJIT_HOOK_SOCKET_SETSOCKOPT,
		    0, ((__u64)level << 32) | (__u32)optname, NULL);
}

/* seccomp's checker, the one caller of classic BPF that stays allowed. */
extern const void seccomp_check_filter __ksym __weak;

/*
 * Every classic BPF program, from whichever entry point (tun, ppp, team
 * and xt_bpf have no hook of their own), is prepared here before it is
 * translated and JIT-compiled. No LSM hook can refuse at this point, so
 * a governed task that gets here with anything but a seccomp filter is
 * killed before it returns to user space.
 */
SEC("fentry/bpf_prepare_filter")
int BPF_PROG(nojit_cbpf_prepare)
{
	const struct nojit_cgroup_policy *pol;
	struct violation_info vi = {
		.route = NOJIT_ROUTE_BPF_LOAD,
		.hook = NOJIT_HOOK_CBPF_PREPARE,
	};
	__u64 trans = 0;

	pol = policy_current();
	if (!pol)
		return 0;
	/*
	 * The checker argument is a function pointer, which the verifier
	 * does not let a tracing program read from its context directly.
	 * Unreadable counts as not seccomp's (fail closed).
	 */
	if (bpf_probe_read_kernel(&trans, sizeof(trans), &ctx[1]))
		stat_inc(NOJIT_STAT_FAIL_KERNEL_READ);
	else if (trans && trans == (__u64)&seccomp_check_filter)
		return 0;
	violation(pol, &vi, NOJIT_ACTION_KILLED);
	return 0;
}

#endif /* NOJIT_BPFLOAD_BPF_H */
