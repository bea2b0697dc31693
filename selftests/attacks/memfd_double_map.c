// SPDX-License-Identifier: GPL-2.0
/*
 * Route 6: one memfd mapped RW and RX at the same time (the "dual
 * mapping" JITs use to keep W^X per mapping). No mapping is ever W+X,
 * yet bytes written through one view execute through the other.
 */
#define ATTACK_NAME "memfd_double_map"
#include "memfd.h"

int main(void)
{
	unsigned char *rw, *rx;
	int fd;

	attack_init();
	fd = attack_memfd_exec_create("nojit-attack");
	if (ftruncate(fd, ATTACK_PAGE))
		attack_error("ftruncate memfd: %s", strerror(errno));
	rw = mmap(NULL, ATTACK_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (rw == MAP_FAILED)
		attack_error("mmap(memfd, PROT_READ|PROT_WRITE): %s",
			     strerror(errno));
	rx = mmap(NULL, ATTACK_PAGE, PROT_READ | PROT_EXEC, MAP_SHARED, fd, 0);
	if (rx == MAP_FAILED)
		attack_step_failed("mmap(memfd, PROT_READ|PROT_EXEC) beside a RW view",
				   errno);
	close(fd);
	/* Written after both views exist, as a JIT would. */
	attack_write_payload(rw);
	attack_run_payload(rx);
}
