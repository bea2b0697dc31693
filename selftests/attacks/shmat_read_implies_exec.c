// SPDX-License-Identifier: GPL-2.0
/*
 * Routes 3 and 7: a plain read-write shmat() (no SHM_EXEC) under
 * READ_IMPLIES_EXEC. do_mmap() adds PROT_EXEC, the caller never asks.
 */
#define ATTACK_NAME "shmat_read_implies_exec"
#include "attack.h"
#include <sys/ipc.h>
#include <sys/shm.h>

int main(void)
{
	void *p;
	int id, err, r;

	attack_init();
	attack_set_read_implies_exec();
	id = shmget(IPC_PRIVATE, ATTACK_PAGE, IPC_CREAT | IPC_EXCL | 0700);
	if (id < 0)
		attack_error("shmget: %s", strerror(errno));
	p = shmat(id, NULL, 0);
	err = errno;
	/* Removed at once: the segment must not outlive us on any path. */
	if (shmctl(id, IPC_RMID, NULL))
		attack_error("shmctl(IPC_RMID): %s", strerror(errno));
	if (p == (void *)-1)
		attack_step_failed("shmat(read-write) under READ_IMPLIES_EXEC", err);
	r = attack_addr_executable(p);
	if (r < 0)
		attack_error("cannot read /proc/self/maps: %s", strerror(-r));
	if (!r)
		attack_error("kernel did not add PROT_EXEC to the shm attach under READ_IMPLIES_EXEC");
	attack_write_payload(p);
	attack_run_payload(p);
}
