// SPDX-License-Identifier: GPL-2.0
/* Route 2: the classic W^X JIT flip, write RW then switch to RX. */
#define ATTACK_NAME "mprotect_anon"
#include "attack.h"

int main(void)
{
	void *p;

	attack_init();
	p = mmap(NULL, ATTACK_PAGE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		attack_error("mmap RW: %s", strerror(errno));
	attack_write_payload(p);
	if (mprotect(p, ATTACK_PAGE, PROT_READ | PROT_EXEC))
		attack_step_failed("mprotect(anon, PROT_READ|PROT_EXEC)", errno);
	attack_run_payload(p);
}
