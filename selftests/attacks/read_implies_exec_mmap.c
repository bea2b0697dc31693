// SPDX-License-Identifier: GPL-2.0
/*
 * Route 3: with READ_IMPLIES_EXEC set, the kernel itself turns a
 * PROT_READ|PROT_WRITE request into RWX; the caller never says PROT_EXEC.
 */
#define ATTACK_NAME "read_implies_exec_mmap"
#include "attack.h"

int main(void)
{
	void *p;
	int r;

	attack_init();
	attack_set_read_implies_exec();
	p = mmap(NULL, ATTACK_PAGE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		attack_step_failed("mmap(PROT_READ|PROT_WRITE) under READ_IMPLIES_EXEC",
				   errno);
	r = attack_addr_executable(p);
	if (r < 0)
		attack_error("cannot read /proc/self/maps: %s", strerror(-r));
	if (!r)
		attack_error("kernel did not add PROT_EXEC under READ_IMPLIES_EXEC");
	attack_write_payload(p);
	attack_run_payload(p);
}
