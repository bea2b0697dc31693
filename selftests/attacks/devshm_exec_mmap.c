// SPDX-License-Identifier: GPL-2.0
/*
 * Route 4: write code to a file on /dev/shm (tmpfs, writable by every
 * workload, exec unless mounted noexec) and map it executable.
 */
#define ATTACK_NAME "devshm_exec_mmap"
#include "attack.h"

int main(void)
{
	char path[] = "/dev/shm/nojit-attack.XXXXXX";
	void *p;
	int fd, r;

	attack_init();
	fd = mkostemp(path, O_CLOEXEC);
	if (fd < 0)
		attack_error("mkostemp %s: %s", path, strerror(errno));
	unlink(path);
	if (ftruncate(fd, ATTACK_PAGE))
		attack_error("ftruncate: %s", strerror(errno));
	r = attack_pwrite_all(fd, attack_payload, sizeof(attack_payload), 0);
	if (r)
		attack_error("write payload: %s", strerror(-r));
	/* mmap(2): EPERM is also what a noexec mount answers. */
	p = mmap(NULL, ATTACK_PAGE, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED)
		attack_step_failed("mmap(/dev/shm file, PROT_READ|PROT_EXEC)", errno);
	close(fd);
	attack_run_payload(p);
}
