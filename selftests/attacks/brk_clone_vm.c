// SPDX-License-Identifier: GPL-2.0
/*
 * Route 3, with a witness that outlives the offender: a CLONE_VM sibling
 * (its own thread group, our memory) sets READ_IMPLIES_EXEC and grows the
 * heap with brk(), which maps it read-write-execute. Killing the sibling
 * afterwards is not enough: the heap stays in the memory we share, and we
 * write code there and call it. brk() says no by returning the old
 * break, which counts as the refusal.
 */
#define ATTACK_NAME "brk_clone_vm"
#include "attack.h"
#include <sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>

static uintptr_t base;
static volatile uintptr_t sibling_brk;
static volatile int sibling_errno;

static int sibling(void *arg)
{
	(void)arg;
	errno = 0;
	if (personality(READ_IMPLIES_EXEC) == -1 && errno) {
		sibling_errno = errno;
		return 0;
	}
	sibling_brk = (uintptr_t)syscall(SYS_brk, base + 4 * ATTACK_PAGE);
	return 0;
}

int main(void)
{
	static char stack[1 << 16] __attribute__((aligned(16)));
	int status, r;
	pid_t pid;

	attack_init();
	base = attack_page_up((uintptr_t)syscall(SYS_brk, 0));
	if ((uintptr_t)syscall(SYS_brk, base) != base)
		attack_error("brk to a page boundary failed");
	pid = clone(sibling, stack + sizeof(stack), CLONE_VM | SIGCHLD, NULL);
	if (pid < 0)
		attack_error("clone(CLONE_VM): %s", strerror(errno));
	if (waitpid(pid, &status, 0) != pid)
		attack_error("waitpid: %s", strerror(errno));
	if (sibling_errno)
		attack_step_failed("personality(READ_IMPLIES_EXEC) in the sibling", sibling_errno);
	if (WIFEXITED(status) && sibling_brk < base + 4 * ATTACK_PAGE) {
		printf("attack %s: brk under READ_IMPLIES_EXEC (break kept at %#lx) denied: %s\n",
		       ATTACK_NAME, (unsigned long)sibling_brk, strerror(ENOMEM));
		exit(ATTACK_EXIT_DENIED);
	}
	r = attack_addr_executable((void *)base);
	if (r != 1)
		attack_error("the sibling's heap at %#lx is not executable (sibling status %#x)",
			     (unsigned long)base, status);
	attack_write_payload((void *)base);
	attack_run_payload((void *)base);
}
