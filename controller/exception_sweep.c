// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <bpf/bpf.h>

#include "exception_sweep.h"

static __u64 boot_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (__u64)ts.tv_sec * 1000000000ull + (__u64)ts.tv_nsec;
}

/* Why the exception of MARK no longer holds for a task governed by ENROLLED_ID, or NULL. */
static const char *ended(const struct nojit_maps *m, __u64 enrolled_id,
			 const struct nojit_task_mark *mark)
{
	struct nojit_allow_key key = {};
	struct nojit_policy_ref ref;
	struct nojit_exception x;

	if (bpf_map_lookup_elem(m->policies, &enrolled_id, &ref))
		return "revoked";
	key.policy_id = ref.policy_id;
	memcpy(key.sha256, mark->sha256, sizeof(key.sha256));
	if (bpf_map_lookup_elem(m->exceptions, &key, &x))
		return "revoked";
	return boot_ns() >= x.expires_boot_ns ? "expired" : NULL;
}

static void check_pid(const struct nojit_maps *m, __u64 cgroup_id, __u64 enrolled_id, pid_t pid,
		      exception_sweep_fn fn, void *ctx, size_t *marked)
{
	struct exception_sweep_kill k = { .pid = pid, .cgroup_id = cgroup_id };
	struct nojit_task_state ts;
	int pidfd;

	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0)
		return;	/* gone */
	if (bpf_map_lookup_elem(m->task_state, &pidfd, &ts) || !ts.mark.marked) {
		close(pidfd);
		return;
	}
	(*marked)++;
	k.why = ended(m, enrolled_id, &ts.mark);
	if (k.why) {
		memcpy(k.sha256, ts.mark.sha256, sizeof(k.sha256));
		k.error = syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0) ? -errno : 0;
		fn(ctx, &k);
	}
	close(pidfd);
}

int exception_sweep(const struct nojit_maps *m, struct cgroup_names *names,
		    exception_sweep_fn fn, void *ctx, size_t *ret_marked)
{
	struct nojit_cgroup_policy pol;
	__u64 id, *prev = NULL;
	size_t marked = 0;

	while (bpf_map_get_next_key(m->cgroups, prev, &id) == 0) {
		char dir[4096], path[4200];
		FILE *f;
		long pid;

		prev = &id;
		if (bpf_map_lookup_elem(m->cgroups, &id, &pol) ||
		    cgroup_names_dir(names, id, dir, sizeof(dir)))
			continue;	/* gone meanwhile */
		snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
		f = fopen(path, "re");
		if (!f)
			continue;
		while (fscanf(f, "%ld", &pid) == 1)
			check_pid(m, id, pol.enrolled_id, (pid_t)pid, fn, ctx, &marked);
		fclose(f);
	}
	*ret_marked = marked;
	return 0;
}
