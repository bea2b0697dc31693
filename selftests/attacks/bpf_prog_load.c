// SPDX-License-Identifier: GPL-2.0
/*
 * Route 9: the kernel JITs every BPF program it loads, so loading one is
 * generating native code in the kernel on the workload's behalf. A
 * socket filter needs no BTF and no attach point and loads for root.
 */
#define ATTACK_NAME "bpf_prog_load"
#include "attack.h"
#include <linux/bpf.h>
#include <sys/syscall.h>

int main(void)
{
	/* r0 = 0; exit */
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	union bpf_attr attr;
	int fd;

	attack_init();
	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
	attr.insns = (uintptr_t)insns;
	attr.insn_cnt = sizeof(insns) / sizeof(insns[0]);
	attr.license = (uintptr_t)"GPL";
	memcpy(attr.prog_name, "nojit_attack", sizeof("nojit_attack"));
	fd = syscall(SYS_bpf, BPF_PROG_LOAD, &attr, sizeof(attr));
	if (fd < 0)
		attack_step_failed("bpf(BPF_PROG_LOAD)", errno);
	close(fd);
	attack_worked("BPF_PROG_LOAD of a socket filter succeeded");
}
