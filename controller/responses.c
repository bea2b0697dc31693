// SPDX-License-Identifier: GPL-2.0
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <linux/types.h>

#include "audit_log.h"
#include "cgroup_names.h"
#include "nojit.h"
#include "responses.h"
#include "util.h"

int cgroup_write_knob(const char *dir, const char *file, const char *value)
{
	_cleanup_close_ int dfd = -1, fd = -1;
	size_t len = strlen(value);

	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	fd = openat(dfd, file, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, value, len) != (ssize_t)len)
		return -errno;
	return 0;
}

bool response_cgroup_apply(struct cgroup_names *names, __u64 cgroup_id,
			   __u32 on_violation, struct audit_response *r)
{
	const char *knob;
	char dir[4096];

	switch (on_violation) {
	case NOJIT_ON_VIOLATION_KILL_CGROUP:
		r->action = "kill-cgroup";
		knob = "cgroup.kill";
		break;
	case NOJIT_ON_VIOLATION_FREEZE:
		r->action = "freeze";
		knob = "cgroup.freeze";
		break;
	default:
		return false;
	}
	r->error = cgroup_names_dir(names, cgroup_id, dir, sizeof(dir));
	if (!r->error)
		r->error = cgroup_write_knob(dir, knob, "1");
	if (!r->error && on_violation == NOJIT_ON_VIOLATION_FREEZE)
		r->detail = "quarantined: 'nojit thaw --cgroup DIR' releases it";
	return true;
}

struct child {
	pid_t pid;
	__u64 deadline_ms;
};

struct exec_runner {
	char *cmd;
	unsigned int max_running;
	unsigned int timeout_ms;
	struct child *children;
};

static __u64 now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct exec_runner *exec_runner_new(const char *cmd, unsigned int max_running,
				    unsigned int timeout_ms)
{
	struct exec_runner *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->cmd = strdup(cmd);
	r->children = calloc(max_running, sizeof(*r->children));
	if (!r->cmd || !r->children) {
		exec_runner_free(r);
		errno = ENOMEM;
		return NULL;
	}
	r->max_running = max_running;
	r->timeout_ms = timeout_ms;
	return r;
}

void exec_runner_free(struct exec_runner *r)
{
	if (!r)
		return;
	for (unsigned int i = 0; r->children && i < r->max_running; i++)
		if (r->children[i].pid > 0) {
			kill(r->children[i].pid, SIGKILL);
			waitpid(r->children[i].pid, NULL, 0);
		}
	free(r->children);
	free(r->cmd);
	free(r);
}

int exec_runner_start(struct exec_runner *r, const char *input, size_t len, pid_t *ret_pid)
{
	struct child *slot = NULL;
	int pipefd[2];
	pid_t pid;

	for (unsigned int i = 0; i < r->max_running && !slot; i++)
		if (r->children[i].pid <= 0)
			slot = &r->children[i];
	if (!slot)
		return -EBUSY;
	if (pipe2(pipefd, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid < 0) {
		int e = errno;

		close(pipefd[0]);
		close(pipefd[1]);
		return -e;
	}
	if (pid == 0) {
		dup2(pipefd[0], STDIN_FILENO);
		setsid();
		execl("/bin/sh", "sh", "-c", r->cmd, (char *)NULL);
		_exit(127);
	}
	close(pipefd[0]);
	/*
	 * Never block the daemon on a command that does not read: a short
	 * stdin is the command's problem, not the drain's.
	 */
	fcntl(pipefd[1], F_SETFL, O_NONBLOCK);
	{
		ssize_t n = write(pipefd[1], input, len);

		(void)n;
	}
	close(pipefd[1]);
	slot->pid = pid;
	slot->deadline_ms = now_ms() + r->timeout_ms;
	if (ret_pid)
		*ret_pid = pid;
	return 0;
}

unsigned int exec_runner_reap(struct exec_runner *r)
{
	unsigned int killed = 0;
	__u64 now = now_ms();

	for (unsigned int i = 0; i < r->max_running; i++) {
		struct child *c = &r->children[i];

		if (c->pid <= 0)
			continue;
		if (waitpid(c->pid, NULL, WNOHANG) == c->pid) {
			c->pid = 0;
			continue;
		}
		if (now >= c->deadline_ms) {
			/* Its own session: the whole group goes. */
			kill(-c->pid, SIGKILL);
			kill(c->pid, SIGKILL);
			waitpid(c->pid, NULL, 0);
			c->pid = 0;
			killed++;
		}
	}
	return killed;
}
