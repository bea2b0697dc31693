// SPDX-License-Identifier: GPL-2.0
/*
 * Route 8: a parent writes code into its child's text through
 * /proc/<child>/mem (FOLL_FORCE, no ptrace attach, no mprotect).
 */
#define ATTACK_NAME "proc_pid_mem"
#include "target.h"

int main(void)
{
	struct target_child c;
	char path[64];
	int fd, r;

	attack_init();
	target_child_spawn(&c);
	snprintf(path, sizeof(path), "/proc/%d/mem", (int)c.pid);
	/*
	 * proc(5): opening /proc/PID/mem is a PTRACE_MODE_ATTACH check and
	 * mm_access() turns a refusal into EACCES, so accept it.
	 */
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		int err = errno;

		target_child_kill(&c);
		attack_step_failed_ex("open(/proc/<child>/mem, O_RDWR)", err, 1);
	}
	r = attack_pwrite_all(fd, attack_payload, sizeof(attack_payload),
			      (off_t)(uintptr_t)target_addr());
	close(fd);
	if (r) {
		target_child_kill(&c);
		attack_step_failed_ex("write to child text via /proc/<child>/mem",
				      -r, 1);
	}
	target_child_go(&c);
	target_child_verdict(c.pid, "child");
}
