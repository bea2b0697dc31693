// SPDX-License-Identifier: GPL-2.0
/* Route 1: the simplest JIT, one private anonymous RWX page. */
#define ATTACK_NAME "anon_rwx_private"
#include "attack.h"

int main(void)
{
	void *p;

	attack_init();
	p = mmap(NULL, ATTACK_PAGE, PROT_READ | PROT_WRITE | PROT_EXEC,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		attack_step_failed("mmap(PROT_EXEC, MAP_PRIVATE|MAP_ANONYMOUS)",
				   errno);
	attack_write_payload(p);
	attack_run_payload(p);
}
