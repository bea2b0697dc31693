// SPDX-License-Identifier: GPL-2.0
/*
 * Route 2: the JIT flip through pkey_mprotect, a separate syscall that a
 * filter on mprotect alone misses. pkey -1 needs no protection-key
 * hardware, so this works on every x86-64 CPU.
 */
#define ATTACK_NAME "pkey_mprotect_anon"
#include "attack.h"
#include <sys/syscall.h>

int main(void)
{
	void *p;

	attack_init();
	p = mmap(NULL, ATTACK_PAGE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		attack_error("mmap RW: %s", strerror(errno));
	attack_write_payload(p);
	/* The raw syscall: glibc's wrapper must not get the chance to differ. */
	if (syscall(SYS_pkey_mprotect, p, ATTACK_PAGE, PROT_READ | PROT_EXEC, -1))
		attack_step_failed("pkey_mprotect(anon, PROT_READ|PROT_EXEC, -1)",
				   errno);
	attack_run_payload(p);
}
