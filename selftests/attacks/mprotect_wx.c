// SPDX-License-Identifier: GPL-2.0
/*
 * Route 2: ask for write and exec at once, without PROT_READ, in case a
 * policy compares against PROT_READ|PROT_WRITE|PROT_EXEC exactly. On x86
 * a writable page is readable anyway.
 */
#define ATTACK_NAME "mprotect_wx"
#include "attack.h"

int main(void)
{
	void *p;

	attack_init();
	p = mmap(NULL, ATTACK_PAGE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		attack_error("mmap RW: %s", strerror(errno));
	if (mprotect(p, ATTACK_PAGE, PROT_WRITE | PROT_EXEC))
		attack_step_failed("mprotect(anon, PROT_WRITE|PROT_EXEC)", errno);
	attack_write_payload(p);
	attack_run_payload(p);
}
