// SPDX-License-Identifier: GPL-2.0
/* Route 2: turn a malloc'd heap buffer into code. */
#define ATTACK_NAME "mprotect_heap"
#include "attack.h"

int main(void)
{
	void *p = NULL;
	int err;

	attack_init();
	/*
	 * A whole page of its own, so mprotect cannot take malloc's
	 * bookkeeping (or stdio's buffers) down with it.
	 */
	err = posix_memalign(&p, ATTACK_PAGE, ATTACK_PAGE);
	if (err)
		attack_error("posix_memalign: %s", strerror(err));
	attack_write_payload(p);
	if (mprotect(p, ATTACK_PAGE, PROT_READ | PROT_EXEC))
		attack_step_failed("mprotect(heap, PROT_READ|PROT_EXEC)", errno);
	attack_run_payload(p);
}
