// SPDX-License-Identifier: GPL-2.0
/*
 * Route 7: System V shared memory attached with SHM_EXEC. do_shmat() maps
 * the segment's shmem file itself, not through mmap(2).
 */
#define ATTACK_NAME "shmat_exec"
#include "attack.h"
#include <sys/ipc.h>
#include <sys/shm.h>

int main(void)
{
	void *p;
	int id, err;

	attack_init();
	id = shmget(IPC_PRIVATE, ATTACK_PAGE, IPC_CREAT | IPC_EXCL | 0700);
	if (id < 0)
		attack_error("shmget: %s", strerror(errno));
	p = shmat(id, NULL, SHM_EXEC);
	err = errno;
	/* Removed at once: the segment must not outlive us on any path. */
	if (shmctl(id, IPC_RMID, NULL))
		attack_error("shmctl(IPC_RMID): %s", strerror(errno));
	if (p == (void *)-1)
		attack_step_failed("shmat(SHM_EXEC)", err);
	attack_write_payload(p);
	attack_run_payload(p);
}
