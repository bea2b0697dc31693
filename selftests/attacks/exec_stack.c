// SPDX-License-Identifier: GPL-2.0
/*
 * Route 2 (exec stack): a binary linked with -z execstack gets its main
 * stack mapped executable by the kernel at exec time; no mmap or mprotect
 * is ever made, so the only place to refuse it is the exec itself.
 *
 * This source is built twice. exec_stack (ordinary stack) is the launcher
 * the runner starts: it execs exec_stack.execstack (-z execstack) beside
 * it and turns a refused exec into the usual "denied" verdict. In the
 * execstack build the same code runs the payload on its stack.
 */
#define ATTACK_NAME "exec_stack"
#include "attack.h"
#include <elf.h>
#include <limits.h>
#include <link.h>
#include <signal.h>
#include <sys/auxv.h>
#include <sys/wait.h>

extern char **environ;

/* 1 if this binary asks for an executable stack, 0 if not, -1 if unknown. */
static int binary_wants_exec_stack(void)
{
	const ElfW(Phdr) *ph = (const ElfW(Phdr) *)getauxval(AT_PHDR);
	unsigned long n = getauxval(AT_PHNUM);

	if (!ph || !n)
		return -1;
	for (unsigned long i = 0; i < n; i++)
		if (ph[i].p_type == PT_GNU_STACK)
			return !!(ph[i].p_flags & PF_X);
	/* No PT_GNU_STACK: the x86-64 default is a non-executable stack. */
	return 0;
}

static __attribute__((noinline, noreturn)) void run_on_stack(void)
{
	unsigned char buf[64];
	int r;

	r = attack_addr_executable(buf);
	if (r < 0)
		attack_error("cannot read /proc/self/maps: %s", strerror(-r));
	if (!r) {
		/*
		 * No errno exists for this: the exec went through but the
		 * stack came without exec. Still a refusal, so say so.
		 */
		printf("attack %s: executable stack denied: stack is not executable\n",
		       ATTACK_NAME);
		exit(ATTACK_EXIT_DENIED);
	}
	attack_write_payload(buf);
	attack_run_payload(buf);
}

/* Execs the -z execstack build; its stdout is ours, its verdict ours too. */
static __attribute__((noreturn)) void launch(void)
{
	char self[PATH_MAX], path[PATH_MAX + 16];
	int errp[2], st, err = 0;
	ssize_t n;
	pid_t pid;

	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n < 0)
		attack_error("readlink /proc/self/exe: %s", strerror(errno));
	self[n] = '\0';
	snprintf(path, sizeof(path), "%s.execstack", self);
	if (pipe2(errp, O_CLOEXEC))
		attack_error("pipe2: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		attack_error("fork: %s", strerror(errno));
	if (pid == 0) {
		execve(path, (char *[]){ path, NULL }, environ);
		err = errno;
		if (write(errp[1], &err, sizeof(err)) != sizeof(err))
			_exit(125);
		_exit(126);
	}
	close(errp[1]);
	if (read(errp[0], &err, sizeof(err)) != sizeof(err))
		err = 0;
	close(errp[0]);
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			attack_error("waitpid: %s", strerror(errno));
	if (err == ENOENT)
		attack_error("%s is missing (built by attacks.mk)", path);
	if (err)
		/* execve(2) documents EACCES for a refused executable. */
		attack_step_failed_ex("execve(-z execstack binary)", err, 1);
	if (WIFSIGNALED(st)) {
		/* Die the same way, so the runner sees a kill as a kill. */
		signal(WTERMSIG(st), SIG_DFL);
		raise(WTERMSIG(st));
		attack_error("execstack binary killed by signal %d", WTERMSIG(st));
	}
	exit(WIFEXITED(st) ? WEXITSTATUS(st) : ATTACK_EXIT_ERROR);
}

int main(void)
{
	attack_init();
	switch (binary_wants_exec_stack()) {
	case 0:
		launch();
	case 1:
		run_on_stack();
	default:
		attack_error("cannot read this binary's program headers");
	}
}
