// SPDX-License-Identifier: GPL-2.0
/* Route 2: turn a buffer on the (non-executable) main stack into code. */
#define ATTACK_NAME "mprotect_stack"
#include "attack.h"

/*
 * The frame holding buf stays live below main for the whole attack: every
 * call made after the mprotect runs deeper, at lower addresses, so the RX
 * page (entirely inside buf) is never written again. The process exits
 * from inside this frame.
 */
static __attribute__((noinline, noreturn)) void attack_on_stack(void)
{
	unsigned char buf[3 * ATTACK_PAGE];
	unsigned char *page;
	int r;

	page = (unsigned char *)attack_page_up((uintptr_t)buf);
	r = attack_addr_executable(page);
	if (r < 0)
		attack_error("cannot read /proc/self/maps: %s", strerror(-r));
	if (r)
		attack_error("the stack is already executable: built with -z execstack?");
	attack_write_payload(page);
	if (mprotect(page, ATTACK_PAGE, PROT_READ | PROT_EXEC))
		attack_step_failed("mprotect(stack, PROT_READ|PROT_EXEC)", errno);
	attack_run_payload(page);
}

int main(void)
{
	attack_init();
	attack_on_stack();
}
