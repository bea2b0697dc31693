// SPDX-License-Identifier: GPL-2.0
/*
 * Route 12: leave the enrolled subtree by writing our own pid into the
 * cgroup.procs of a cgroup outside it. Usage: cgroup_escape_procs [TARGET]
 * (default: the cgroup2 root).
 */
#define ATTACK_NAME "cgroup_escape_procs"
#include "cgroup.h"

int main(int argc, char **argv)
{
	char target[PATH_MAX], procs[PATH_MAX + 16], pid[32], msg[PATH_MAX + 32];
	ssize_t w;
	int fd, n, r;

	attack_init();
	cgroup_target(argc, argv, target, sizeof(target));
	r = cgroup_self_in(target);
	if (r < 0)
		attack_error("cannot compare cgroups with %s: %s", target,
			     strerror(-r));
	if (r)
		attack_error("already in %s: nothing to escape from", target);
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", target);
	/*
	 * cgroup-v2.rst: a migration needs write access to the common
	 * ancestor's cgroup.procs and the kernel refuses it with EACCES
	 * (cgroup_procs_write_permission), so EACCES is a refusal too.
	 */
	fd = open(procs, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		attack_step_failed_ex("open(cgroup.procs)", errno, 1);
	n = snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
	w = write(fd, pid, n);
	if (w < 0)
		attack_step_failed_ex("write(cgroup.procs)", errno, 1);
	if (w != n)
		attack_error("short write to %s", procs);
	close(fd);
	r = cgroup_self_in(target);
	if (r < 0)
		attack_error("cannot compare cgroups with %s: %s", target,
			     strerror(-r));
	if (!r)
		attack_error("write to %s succeeded but we are not in it", procs);
	snprintf(msg, sizeof(msg), "move to %s succeeded", target);
	attack_worked(msg);
}
