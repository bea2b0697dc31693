// SPDX-License-Identifier: GPL-2.0
/*
 * Route 1: shared anonymous memory is backed by a shmem file the kernel
 * creates after the mmap_file hook ran (shmem_zero_setup), so a policy
 * that keys on "no file" must still see this as anonymous.
 */
#define ATTACK_NAME "anon_rwx_shared"
#include "attack.h"

int main(void)
{
	void *p;

	attack_init();
	p = mmap(NULL, ATTACK_PAGE, PROT_READ | PROT_WRITE | PROT_EXEC,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		attack_step_failed("mmap(PROT_EXEC, MAP_SHARED|MAP_ANONYMOUS)",
				   errno);
	attack_write_payload(p);
	attack_run_payload(p);
}
