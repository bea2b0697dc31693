// SPDX-License-Identifier: GPL-2.0
/*
 * Route 2: patch code in place. The text is already executable; adding
 * PROT_WRITE to it is the request the policy has to refuse.
 */
#define ATTACK_NAME "mprotect_text_write"
#include "attack.h"

/* Read through a volatile so the body is a real load, not a constant. */
static volatile int original_value = 7;

ATTACK_PATCHABLE static int patch_target(void)
{
	return original_value;
}

int main(void)
{
	attack_fn volatile fn = patch_target;
	uintptr_t start, end;
	int r;

	attack_init();
	r = fn();
	if (r != 7)
		attack_error("patch target returned %d before patching", r);
	/* The patch may straddle a page boundary. */
	start = attack_page_down((uintptr_t)fn);
	end = attack_page_up((uintptr_t)fn + sizeof(attack_payload));
	/* RWX, not RW: this very function's code may share the page. */
	if (mprotect((void *)start, end - start,
		     PROT_READ | PROT_WRITE | PROT_EXEC))
		attack_step_failed("mprotect(text, PROT_READ|PROT_WRITE|PROT_EXEC)",
				   errno);
	attack_write_payload((void *)(uintptr_t)fn);
	attack_run_payload((const void *)(uintptr_t)fn);
}
