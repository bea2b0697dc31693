// SPDX-License-Identifier: GPL-2.0
/*
 * systemd-mdwe: run a command under a seccomp filter equivalent to
 * systemd's MemoryDenyWriteExecute=yes, for the bypass matrix
 * (docs/bypass-matrix.md). Usage: systemd-mdwe CMD [ARGS...]
 *
 * Modelled on the documented semantics (systemd.exec(5)) and on what
 * seccomp_memory_deny_write_execute() in systemd's src/shared/seccomp-util.c
 * installs after systemd PR #14167 (late 2019: i386 shmat no longer
 * filtered), read in a v250-era revision (with riscv64 support). Since
 * systemd 254 the same rules are the fallback on kernels without
 * PR_SET_MDWE. EPERM for
 *   - mmap() with PROT_WRITE and PROT_EXEC both set (i386: mmap2; the old
 *     i386 mmap, whose arguments live in memory, is refused outright);
 *   - mprotect() and pkey_mprotect() with PROT_EXEC set;
 *   - shmat() with SHM_EXEC set, on x86-64 and x32 only: systemd treats
 *     i386 shmat as multiplexed through ipc(2) and leaves it alone.
 * One rule set per local ABI (x86-64, x32, i386); any other audit arch is
 * allowed, as systemd's per-arch filters do (SCMP_FLTATR_ACT_BADARCH).
 * libseccomp's 64-bit MASKED_EQ with a 32-bit mask only looks at the low
 * word, so this filter checks the low word only.
 *
 * Not modelled: systemd >= 254 first tries prctl(PR_SET_MDWE) and uses
 * this filter only when the kernel lacks it (before 6.3); the `mdwe`
 * column of the matrix is that case.
 *
 * Exit status: CMD's (exec replaces us); 2 usage; 1 the filter could not
 * be installed; 126/127 CMD could not be executed or found.
 */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/shm.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SHM_EXEC
#define SHM_EXEC 0100000
#endif

/* x32 system calls are x86-64 numbers with this bit set, same audit arch. */
#define X32_SYSCALL_BIT 0x40000000U

/* x86-64 (and x32, once the bit is cleared) */
#define NR64_MMAP 9
#define NR64_MPROTECT 10
#define NR64_SHMAT 30
#define NR64_PKEY_MPROTECT 329
/* i386 */
#define NR32_OLD_MMAP 90
#define NR32_MPROTECT 125
#define NR32_MMAP2 192
#define NR32_PKEY_MPROTECT 380

#define OFF_NR offsetof(struct seccomp_data, nr)
#define OFF_ARCH offsetof(struct seccomp_data, arch)
/* Low word of args[2] (little endian). */
#define OFF_ARG2 (offsetof(struct seccomp_data, args) + 2 * sizeof(__u64))

#define LD(off) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, (off))
#define JEQ(k, t, f) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (k), (t), (f))
#define JSET(k, t, f) BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, (k), (t), (f))
#define AND(k) BPF_STMT(BPF_ALU | BPF_AND | BPF_K, (k))
#define RET(k) BPF_STMT(BPF_RET | BPF_K, (k))
#define ALLOW RET(SECCOMP_RET_ALLOW)
#define DENY RET(SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA))

/*
 * Classic BPF jumps only go forward; offsets count instructions after
 * the jump, and the comments name the targets. Every path ends in ALLOW
 * or DENY.
 */
static struct sock_filter mdwe_filter[] = {
	/*  0 */ LD(OFF_ARCH),
	/*  1 */ JEQ(AUDIT_ARCH_X86_64, 2, 0),		/* -> 4 */
	/*  2 */ JEQ(AUDIT_ARCH_I386, 8, 0),		/* -> 11 */
	/*  3 */ ALLOW,
	/* x86-64 and x32 */
	/*  4 */ LD(OFF_NR),
	/*  5 */ AND(~X32_SYSCALL_BIT),
	/*  6 */ JEQ(NR64_MMAP, 10, 0),			/* -> 17 */
	/*  7 */ JEQ(NR64_MPROTECT, 12, 0),		/* -> 20 */
	/*  8 */ JEQ(NR64_PKEY_MPROTECT, 11, 0),	/* -> 20 */
	/*  9 */ JEQ(NR64_SHMAT, 12, 0),		/* -> 22 */
	/* 10 */ ALLOW,
	/* i386: shmat only through ipc(2), which systemd leaves alone */
	/* 11 */ LD(OFF_NR),
	/* 12 */ JEQ(NR32_MMAP2, 4, 0),			/* -> 17 */
	/* 13 */ JEQ(NR32_OLD_MMAP, 11, 0),		/* -> 25 DENY */
	/* 14 */ JEQ(NR32_MPROTECT, 5, 0),		/* -> 20 */
	/* 15 */ JEQ(NR32_PKEY_MPROTECT, 4, 0),		/* -> 20 */
	/* 16 */ ALLOW,
	/* mmap, mmap2: PROT_WRITE and PROT_EXEC both set */
	/* 17 */ LD(OFF_ARG2),
	/* 18 */ AND(PROT_WRITE | PROT_EXEC),
	/* 19 */ JEQ(PROT_WRITE | PROT_EXEC, 5, 4),	/* -> 25 DENY, 24 ALLOW */
	/* mprotect, pkey_mprotect: PROT_EXEC set */
	/* 20 */ LD(OFF_ARG2),
	/* 21 */ JSET(PROT_EXEC, 3, 2),			/* -> 25 DENY, 24 ALLOW */
	/* shmat: SHM_EXEC set */
	/* 22 */ LD(OFF_ARG2),
	/* 23 */ JSET(SHM_EXEC, 1, 0),			/* -> 25 DENY, 24 ALLOW */
	/* 24 */ ALLOW,
	/* 25 */ DENY,
};
_Static_assert(sizeof(mdwe_filter) / sizeof(mdwe_filter[0]) == 26,
	       "the jump offsets above assume 26 instructions");

int main(int argc, char **argv)
{
	struct sock_fprog prog = {
		.len = sizeof(mdwe_filter) / sizeof(mdwe_filter[0]),
		.filter = mdwe_filter,
	};

	if (argc < 2 || argv[1][0] == '-') {
		fprintf(stderr, "usage: systemd-mdwe CMD [ARGS...]\n");
		return 2;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		fprintf(stderr, "systemd-mdwe: PR_SET_NO_NEW_PRIVS: %s\n", strerror(errno));
		return 1;
	}
	if (syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0) {
		fprintf(stderr, "systemd-mdwe: installing the filter: %s\n", strerror(errno));
		return 1;
	}
	execvp(argv[1], argv + 1);
	fprintf(stderr, "systemd-mdwe: %s: %s\n", argv[1], strerror(errno));
	return errno == ENOENT ? 127 : 126;
}
