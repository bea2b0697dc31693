// SPDX-License-Identifier: GPL-2.0
/*
 * Route 8: the child asks to be traced (PTRACE_TRACEME), the parent
 * pokes code over a function in the child's text (FOLL_FORCE).
 */
#define ATTACK_NAME "ptrace_poketext"
#include "target.h"

int main(void)
{
	pid_t parent = getpid(), pid;
	int st, r;

	attack_init();
	pid = fork();
	if (pid < 0)
		attack_error("fork: %s", strerror(errno));
	if (pid == 0) {
		target_child_setup(parent);
		if (ptrace(PTRACE_TRACEME, 0, NULL, NULL))
			_exit(errno == EPERM ? TARGET_CHILD_STEP_EPERM :
					       TARGET_CHILD_STEP_OTHER);
		raise(SIGSTOP);
		target_child_call_and_exit();
	}
	if (waitpid(pid, &st, 0) < 0)
		attack_error("waitpid: %s", strerror(errno));
	if (WIFEXITED(st))
		/* TRACEME failed: the child exited with the reason instead of stopping. */
		target_status_verdict(st, "ptrace(PTRACE_TRACEME)");
	if (!WIFSTOPPED(st) || WSTOPSIG(st) != SIGSTOP) {
		kill(pid, SIGKILL);
		attack_error("child did not stop for tracing (status %#x)", st);
	}
	r = target_poke_payload(pid, (uintptr_t)target_addr());
	if (r) {
		target_child_kill(&(struct target_child){ .pid = pid });
		attack_step_failed(-r == EPERM ? "ptrace(PTRACE_POKETEXT)" :
				   "ptrace(PTRACE_PEEKTEXT/POKETEXT)", -r);
	}
	if (ptrace(PTRACE_DETACH, pid, NULL, NULL))
		attack_error("ptrace(PTRACE_DETACH): %s", strerror(errno));
	target_child_verdict(pid, "ptrace(PTRACE_TRACEME)");
}
