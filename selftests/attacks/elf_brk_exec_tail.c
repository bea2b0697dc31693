// SPDX-License-Identifier: GPL-2.0
/*
 * Route 13: execve an ELF whose executable segment is mostly zero-fill.
 * The loader maps the file part through mmap (a file the workload wrote:
 * without a manifest that is allowed) and the tail through
 * vm_brk_flags(VM_EXEC): anonymous read-write-execute memory. The image
 * writes exit(0) code into the tail and calls it. The exec is past its
 * point of no return when the tail is made, so a refusal ends the process.
 */
#define ATTACK_NAME "elf_brk_exec_tail"
#include "file.h"
#include "elf_craft.h"
#include <sys/wait.h>

int main(void)
{
	char path[PATH_MAX + 16];
	struct elf_craft img;
	const char *dir;
	int status;
	pid_t pid;

	attack_init();
	dir = attack_scratch_create();
	snprintf(path, sizeof(path), "%s/tail.elf", dir);
	elf_craft_build(&img, ET_EXEC, sizeof(img));
	attack_write_file(path, &img, sizeof(img), 0700);
	pid = fork();
	if (pid < 0)
		attack_error("fork: %s", strerror(errno));
	if (pid == 0) {
		char *argv[] = { path, NULL };

		execv(path, argv);
		_exit(errno == EPERM ? 100 : errno == EACCES ? 102 : 101);
	}
	if (waitpid(pid, &status, 0) != pid)
		attack_error("waitpid: %s", strerror(errno));
	attack_scratch_remove(dir);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		attack_worked("executed generated code in the loader's RWX tail");
	if (WIFEXITED(status) && WEXITSTATUS(status) == 100)
		attack_step_failed("execve(crafted ELF)", EPERM);
	/* Landlock refuses an exec outside the exec paths with EACCES. */
	if (WIFEXITED(status) && WEXITSTATUS(status) == 102)
		attack_step_failed_ex("execve(crafted ELF)", EACCES, 1);
	/*
	 * Refused past the point of no return (the kernel ends such an exec
	 * with SIGSEGV) or killed: the image never ran. Die the same way.
	 */
	if (WIFSIGNALED(status) &&
	    (WTERMSIG(status) == SIGKILL || WTERMSIG(status) == SIGSEGV)) {
		printf("attack %s: execve(crafted ELF) ended by signal %d before its code ran\n",
		       ATTACK_NAME, WTERMSIG(status));
		signal(WTERMSIG(status), SIG_DFL);
		kill(getpid(), WTERMSIG(status));
	}
	attack_error("crafted image ended with status %#x", status);
}
