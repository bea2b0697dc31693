// SPDX-License-Identifier: GPL-2.0
/* Route 5: code written to a memfd, then mapped executable from it. */
#define ATTACK_NAME "memfd_exec_mmap"
#include "memfd.h"

int main(void)
{
	void *p;
	int fd, r;

	attack_init();
	fd = attack_memfd_exec_create("nojit-attack");
	if (ftruncate(fd, ATTACK_PAGE))
		attack_error("ftruncate memfd: %s", strerror(errno));
	r = attack_pwrite_all(fd, attack_payload, sizeof(attack_payload), 0);
	if (r)
		attack_error("write payload to memfd: %s", strerror(-r));
	p = mmap(NULL, ATTACK_PAGE, PROT_READ | PROT_EXEC, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		attack_step_failed("mmap(memfd, PROT_READ|PROT_EXEC)", errno);
	close(fd);
	attack_run_payload(p);
}
