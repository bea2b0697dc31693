// SPDX-License-Identifier: GPL-2.0
/*
 * deny-exec-mem: run a command under a seccomp filter that approximates
 * nojit's memory policy on a kernel without BPF LSM. An investigation aid
 * for selftests/legit/jit-runtimes, not an enforcement layer and not a
 * claim about what nojit does: it refuses with EPERM
 *   - mmap with PROT_EXEC and MAP_ANONYMOUS,
 *   - mprotect and pkey_mprotect with PROT_EXEC,
 *   - every syscall made through a non-x86-64 ABI (x32, int 0x80),
 *     because the checks below only know the x86-64 numbers.
 * With --deny-shared-exec it also refuses mmap with PROT_EXEC and
 * MAP_SHARED: seccomp cannot tell a memfd or a /tmp file from a library,
 * but the RX half of a double mapping (route 6) is always MAP_SHARED while
 * the loader maps code MAP_PRIVATE, so this is a fair stand-in for
 * nojit's refusal of memfd and unlisted-file exec mappings.
 * It does not see execve, ptrace or bpf(), which the BPF LSM also covers.
 *
 * Usage: deny-exec-mem [--deny-shared-exec] COMMAND [ARG...]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#define ARG_LO(n) (offsetof(struct seccomp_data, args) + (n) * sizeof(__u64))
#define DENY (SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA))

/* Index of the instruction testing mmap's flags, widened by an option. */
#define MMAP_FLAGS_INSN 10

/* prot/flags are ints: the low 32 bits of the argument hold all of them. */
static struct sock_filter filter[] = {
	BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
	BPF_STMT(BPF_RET | BPF_K, DENY),
	BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
	/* x32 shares the arch value; its numbers carry bit 30. */
	BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000, 0, 1),
	BPF_STMT(BPF_RET | BPF_K, DENY),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_mmap, 0, 6),
	/* mmap: deny if PROT_EXEC && (MAP_ANONYMOUS || deny_flags) */
	BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(2)),
	BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, PROT_EXEC, 0, 3),
	BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(3)),
	[MMAP_FLAGS_INSN] =
	BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, MAP_ANONYMOUS, 0, 1),
	BPF_STMT(BPF_RET | BPF_K, DENY),
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_mprotect, 1, 0),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_pkey_mprotect, 0, 3),
	/* mprotect, pkey_mprotect: deny if PROT_EXEC */
	BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(2)),
	BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, PROT_EXEC, 0, 1),
	BPF_STMT(BPF_RET | BPF_K, DENY),
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
};

int main(int argc, char **argv)
{
	struct sock_fprog prog = {
		.len = sizeof(filter) / sizeof(filter[0]),
		.filter = filter,
	};
	int i = 1;

	if (argc > i && !strcmp(argv[i], "--deny-shared-exec")) {
		filter[MMAP_FLAGS_INSN].k |= MAP_SHARED;
		i++;
	}
	if (argc <= i || !strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
		fprintf(argc <= i ? stderr : stdout,
			"usage: deny-exec-mem [--deny-shared-exec] COMMAND [ARG...]\n");
		return argc <= i ? 2 : 0;
	}
	/* Required for an unprivileged caller, harmless for root. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) {
		fprintf(stderr, "deny-exec-mem: PR_SET_NO_NEW_PRIVS: %s\n",
			strerror(errno));
		return 125;
	}
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog)) {
		fprintf(stderr, "deny-exec-mem: seccomp: %s\n", strerror(errno));
		return 125;
	}
	execvp(argv[i], argv + i);
	fprintf(stderr, "deny-exec-mem: exec %s: %s\n", argv[i], strerror(errno));
	/* The shell's conventions: 127 not found, 126 found but not runnable. */
	return errno == ENOENT ? 127 : 126;
}
