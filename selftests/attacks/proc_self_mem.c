// SPDX-License-Identifier: GPL-2.0
/*
 * Route 8: write code over our own read-only text through /proc/self/mem.
 * The kernel writes with FOLL_FORCE, which ignores the page protection
 * (the page is COWed), so no mprotect is ever made.
 */
#define ATTACK_NAME "proc_self_mem"
#include "target.h"

int main(void)
{
	void *addr;
	int fd, r;

	attack_init();
	if (target_call() != TARGET_ORIGINAL_RET)
		attack_error("patch target is wrong before patching");
	addr = target_addr();
	/*
	 * proc(5): /proc/PID/mem access is a ptrace-mode check, and a refused
	 * one (mm_access) fails the open with EACCES, so accept it.
	 */
	fd = open("/proc/self/mem", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		attack_step_failed_ex("open(/proc/self/mem, O_RDWR)", errno, 1);
	r = attack_pwrite_all(fd, attack_payload, sizeof(attack_payload),
			      (off_t)(uintptr_t)addr);
	if (r)
		attack_step_failed_ex("write to own text via /proc/self/mem", -r, 1);
	close(fd);
	attack_run_payload(addr);
}
