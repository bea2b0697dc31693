// SPDX-License-Identifier: GPL-2.0
/*
 * Route 8: the parent attaches to a running child on its own initiative
 * (PTRACE_ATTACH, no TRACEME) and pokes code over a function in its text.
 */
#define ATTACK_NAME "ptrace_attach_poke"
#include "target.h"

int main(void)
{
	struct target_child c;
	int st, r;

	attack_init();
	target_child_spawn(&c);
	if (ptrace(PTRACE_ATTACH, c.pid, NULL, NULL)) {
		int err = errno;

		target_child_kill(&c);
		attack_step_failed("ptrace(PTRACE_ATTACH)", err);
	}
	/* The attach stops the child (it is blocked reading the go pipe). */
	while (waitpid(c.pid, &st, 0) < 0)
		if (errno != EINTR)
			attack_error("waitpid: %s", strerror(errno));
	if (!WIFSTOPPED(st)) {
		target_child_kill(&c);
		attack_error("child did not stop after PTRACE_ATTACH (status %#x)", st);
	}
	r = target_poke_payload(c.pid, (uintptr_t)target_addr());
	if (r) {
		target_child_kill(&c);
		attack_step_failed("ptrace(PTRACE_PEEKTEXT/POKETEXT)", -r);
	}
	/* Detach without re-delivering the SIGSTOP, then let it call the code. */
	if (ptrace(PTRACE_DETACH, c.pid, NULL, NULL)) {
		target_child_kill(&c);
		attack_error("ptrace(PTRACE_DETACH): %s", strerror(errno));
	}
	target_child_go(&c);
	target_child_verdict(c.pid, "child");
}
