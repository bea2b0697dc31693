// SPDX-License-Identifier: GPL-2.0
/*
 * Route 2: code in .data. Unlike .bss this page is a private mapping of
 * the executable itself (file-backed, copy-on-write), so a policy that only
 * looks at anonymous memory misses it.
 */
#define ATTACK_NAME "mprotect_data"
#include "attack.h"

/* Initialised (not all zero), so .data; a full aligned page of its own. */
static unsigned char data_page[ATTACK_PAGE] __attribute__((aligned(ATTACK_PAGE))) = {
	0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc,
};

int main(void)
{
	attack_init();
	attack_write_payload(data_page);
	if (mprotect(data_page, ATTACK_PAGE, PROT_READ | PROT_EXEC))
		attack_step_failed("mprotect(.data, PROT_READ|PROT_EXEC)", errno);
	attack_run_payload(data_page);
}
