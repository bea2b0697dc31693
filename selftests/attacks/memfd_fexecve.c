// SPDX-License-Identifier: GPL-2.0
/*
 * Route 5: fileless exec. The program copies itself into a memfd and
 * fexecve()s it with a marker argument; the new image checks that it runs
 * from the memfd and only then reports success.
 */
#define ATTACK_NAME "memfd_fexecve"
#include "memfd.h"

extern char **environ;

int main(int argc, char **argv)
{
	char *args[] = { argv[0], ATTACK_REEXEC_MARKER, NULL };
	int fd;

	attack_init();
	attack_reexec_check(argc, argv, "fexecve of a memfd succeeded");
	fd = attack_memfd_exec_create("nojit-attack");
	attack_copy_file("/proc/self/exe", fd);
	fexecve(fd, args, environ);
	/*
	 * execve(2) documents EACCES for files that may not be executed
	 * (noexec mount, mode, a security module's refusal), so accept it.
	 */
	attack_step_failed_ex("fexecve(memfd)", errno, 1);
}
