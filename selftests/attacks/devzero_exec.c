// SPDX-License-Identifier: GPL-2.0
/*
 * Route 1: a private mapping of /dev/zero is anonymous memory, but the
 * mmap_file hook sees a real file (a char device), not NULL.
 */
#define ATTACK_NAME "devzero_exec"
#include "attack.h"

int main(void)
{
	void *p;
	int fd;

	attack_init();
	fd = open("/dev/zero", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		attack_error("open /dev/zero: %s", strerror(errno));
	p = mmap(NULL, ATTACK_PAGE, PROT_READ | PROT_WRITE | PROT_EXEC,
		 MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED)
		attack_step_failed("mmap(/dev/zero, PROT_EXEC)", errno);
	close(fd);
	attack_write_payload(p);
	attack_run_payload(p);
}
