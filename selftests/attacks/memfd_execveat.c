// SPDX-License-Identifier: GPL-2.0
/*
 * Route 5: fileless exec through the raw execveat(fd, "", AT_EMPTY_PATH),
 * the call glibc's fexecve and most loaders use underneath.
 */
#define ATTACK_NAME "memfd_execveat"
#include "memfd.h"
#include <sys/syscall.h>

extern char **environ;

int main(int argc, char **argv)
{
	char *args[] = { argv[0], ATTACK_REEXEC_MARKER, NULL };
	int fd;

	attack_init();
	attack_reexec_check(argc, argv, "execveat of a memfd succeeded");
	fd = attack_memfd_exec_create("nojit-attack");
	attack_copy_file("/proc/self/exe", fd);
	syscall(SYS_execveat, fd, "", args, environ, AT_EMPTY_PATH);
	/* execve(2) documents EACCES for a refused executable: accept it. */
	attack_step_failed_ex("execveat(memfd, AT_EMPTY_PATH)", errno, 1);
}
