// SPDX-License-Identifier: GPL-2.0
/*
 * Route 2, the executable stack of an image that maps nothing: an ELF
 * with no PT_LOAD at all, only an executable PT_GNU_STACK, whose entry
 * point lies in its own stack. With address randomisation off
 * (personality(ADDR_NO_RANDOMIZE), unprivileged) the top of the stack is
 * fixed; an environment string of NOPs ending in exit(0) code fills the
 * top 64 KiB, and the entry point lands in it. Nothing is ever mapped
 * from the file, so a check at the image's first executable mapping
 * never runs.
 */
#define ATTACK_NAME "exec_stack_noload"
#include "file.h"
#include "elf_craft.h"
#include <signal.h>

/* Where 64-bit user stacks end (DEFAULT_MAP_WINDOW), also with LA57. */
#define STACK_END	0x7ffffffff000UL
#define SLED_BYTES	(64 * 1024)

/* push 60; pop rax; xor edi, edi; syscall: exit(0), no NUL byte in it. */
static const unsigned char exit0[] = { 0x6a, 0x3c, 0x58, 0x31, 0xff, 0x0f, 0x05 };

int main(void)
{
	char path[PATH_MAX + 16], *env;
	struct { Elf64_Ehdr eh; Elf64_Phdr ph; } img = {};
	int status;
	pid_t pid;

	attack_init();
	snprintf(path, sizeof(path), "%s/noload.elf", attack_scratch_create());
	memcpy(img.eh.e_ident, ELFMAG, SELFMAG);
	img.eh.e_ident[EI_CLASS] = ELFCLASS64;
	img.eh.e_ident[EI_DATA] = ELFDATA2LSB;
	img.eh.e_ident[EI_VERSION] = EV_CURRENT;
	img.eh.e_type = ET_EXEC;
	img.eh.e_machine = EM_X86_64;
	img.eh.e_version = EV_CURRENT;
	img.eh.e_entry = STACK_END - SLED_BYTES / 2;
	img.eh.e_phoff = sizeof(img.eh);
	img.eh.e_ehsize = sizeof(img.eh);
	img.eh.e_phentsize = sizeof(img.ph);
	img.eh.e_phnum = 1;
	img.ph.p_type = PT_GNU_STACK;
	img.ph.p_flags = PF_R | PF_W | PF_X;
	attack_write_file(path, &img, sizeof(img), 0700);

	env = malloc(SLED_BYTES + 8);
	if (!env)
		attack_error("out of memory");
	memcpy(env, "S=", 2);
	memset(env + 2, 0x90, SLED_BYTES - 2 - sizeof(exit0));
	memcpy(env + SLED_BYTES - sizeof(exit0), exit0, sizeof(exit0));
	env[SLED_BYTES] = '\0';

	pid = fork();
	if (pid < 0)
		attack_error("fork: %s", strerror(errno));
	if (pid == 0) {
		char *argv[] = { path, NULL }, *envp[] = { env, NULL };

		if (personality(ADDR_NO_RANDOMIZE) == -1)
			_exit(103);
		execve(path, argv, envp);
		_exit(errno == EPERM ? 100 : errno == EACCES ? 102 : 101);
	}
	if (waitpid(pid, &status, 0) != pid)
		attack_error("waitpid: %s", strerror(errno));
	attack_scratch_remove(attack_scratch);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		attack_worked("executed code on the executable stack of an image that maps nothing");
	if (WIFEXITED(status) && WEXITSTATUS(status) == 100)
		attack_step_failed("execve(image with no PT_LOAD)", EPERM);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 102)
		attack_step_failed_ex("execve(image with no PT_LOAD)", EACCES, 1);
	if (WIFSIGNALED(status) &&
	    (WTERMSIG(status) == SIGKILL || WTERMSIG(status) == SIGSEGV)) {
		printf("attack %s: execve(image with no PT_LOAD) ended by signal %d before its code ran\n",
		       ATTACK_NAME, WTERMSIG(status));
		signal(WTERMSIG(status), SIG_DFL);
		kill(getpid(), WTERMSIG(status));
	}
	attack_error("the image ended with status %#x", status);
}
