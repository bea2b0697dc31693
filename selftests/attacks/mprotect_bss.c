// SPDX-License-Identifier: GPL-2.0
/*
 * Route 2: code in .bss. Past the end of the file-backed part of the data
 * segment .bss is plain anonymous memory the loader mapped at exec time.
 */
#define ATTACK_NAME "mprotect_bss"
#include "attack.h"

/* Zero-initialised, so .bss; a full aligned page, so nothing shares it. */
static unsigned char bss_page[ATTACK_PAGE] __attribute__((aligned(ATTACK_PAGE)));

int main(void)
{
	attack_init();
	attack_write_payload(bss_page);
	if (mprotect(bss_page, ATTACK_PAGE, PROT_READ | PROT_EXEC))
		attack_step_failed("mprotect(.bss, PROT_READ|PROT_EXEC)", errno);
	attack_run_payload(bss_page);
}
