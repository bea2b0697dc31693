// SPDX-License-Identifier: GPL-2.0
/* Host confinement: layer names, the seccomp filter's shape and verdicts. */
#include <criterion/criterion.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "confine.h"

#ifndef MFD_NOEXEC_SEAL
#define MFD_NOEXEC_SEAL 0x0008U
#endif

Test(confine, layer_list_parsing)
{
	struct nojit_err err;
	unsigned int l = 0;

	cr_assert_eq(confine_layers_parse("nnp", &l, &err), 0);
	cr_assert_eq(l, CONFINE_NNP);
	cr_assert_eq(confine_layers_parse("seccomp,landlock", &l, &err), 0);
	cr_assert_eq(l, CONFINE_SECCOMP | CONFINE_LANDLOCK);
	cr_assert_eq(confine_layers_parse("all", &l, &err), 0);
	cr_assert_eq(l, CONFINE_ALL);
	cr_assert_eq(confine_layers_parse("mdwe,mdwe", &l, &err), 0);
	cr_assert_eq(l, CONFINE_MDWE);
}

Test(confine, bad_layer_lists_name_the_word)
{
	struct nojit_err err;
	unsigned int l = 42;

	cr_assert_eq(confine_layers_parse("seccomp,jit", &l, &err), -EINVAL);
	cr_assert(strstr(err.msg, "'jit'"), "%s", err.msg);
	cr_assert_eq(l, 42, "ret_ untouched on failure");
	cr_assert_eq(confine_layers_parse("", &l, &err), -EINVAL);
	cr_assert_eq(confine_layers_parse("nnp,", &l, &err), -EINVAL);
	cr_assert_eq(confine_layers_parse("nn", &l, &err), -EINVAL);
}

Test(confine, layer_names)
{
	cr_assert_str_eq(confine_layer_name(CONFINE_LANDLOCK), "landlock");
	cr_assert_null(confine_layer_name(CONFINE_NNP | CONFINE_MDWE));
	cr_assert_null(confine_layer_name(1U << 20));
}

Test(confine, filter_shape)
{
	struct sock_filter ins[128];
	int n = confine_seccomp_filter(ins, 128);

	cr_assert_gt(n, 0);
	cr_assert_eq(confine_seccomp_filter(ins, (size_t)n - 1), -ENOSPC);
	/* Every jump stays inside the program. */
	for (int i = 0; i < n; i++)
		if (BPF_CLASS(ins[i].code) == BPF_JMP)
			cr_assert_lt(i + 1 + (ins[i].jt > ins[i].jf ? ins[i].jt : ins[i].jf), n,
				     "instruction %d jumps out", i);
	cr_assert_eq(BPF_CLASS(ins[n - 1].code), BPF_RET);
}

/*
 * The filter blocks ptrace, which LeakSanitizer's exit-time check needs:
 * apply it in a child that leaves with _exit, and report the first
 * check that failed through the exit status.
 */
static int seccomp_child(void)
{
	struct confine_opts o = { .layers = CONFINE_NNP | CONFINE_SECCOMP };
	struct nojit_err err;
	unsigned int applied;
	void *p;
	long fd;

	if (confine_apply(&o, &applied, &err) || applied != o.layers)
		return 10;
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return 11;	/* plain RW anonymous memory must stay allowed */
	if (mprotect(p, 4096, PROT_READ))
		return 12;
	if (mprotect(p, 4096, PROT_READ | PROT_EXEC) != -1 || errno != EPERM)
		return 13;
	if (mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) != MAP_FAILED ||
	    errno != EPERM)
		return 14;
	fd = syscall(__NR_memfd_create, "t", MFD_NOEXEC_SEAL);
	if (fd < 0)
		return 15;	/* memfd with MFD_NOEXEC_SEAL must stay allowed */
	close((int)fd);
	if (syscall(__NR_memfd_create, "t", 0) != -1 || errno != EPERM)
		return 16;
	if (personality(0xffffffff) == -1)
		return 17;	/* the query must stay allowed */
	if (personality(READ_IMPLIES_EXEC) != -1 || errno != EPERM)
		return 18;
	return 0;
}

Test(confine, seccomp_verdicts)
{
	int status;
	pid_t pid = fork();

	cr_assert_geq(pid, 0);
	if (pid == 0)
		_exit(seccomp_child());
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status), "child died: status %#x", status);
	cr_assert_eq(WEXITSTATUS(status), 0, "check %d failed", WEXITSTATUS(status));
}

Test(confine, unknown_bits_refused)
{
	struct confine_opts o = { .layers = 1U << 9 };
	struct nojit_err err;
	unsigned int applied = 7;

	cr_assert_eq(confine_apply(&o, &applied, &err), -EINVAL);
	cr_assert_eq(applied, 0);
}
