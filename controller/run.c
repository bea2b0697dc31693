// SPDX-License-Identifier: GPL-2.0
/* Start a command confined and wait for it (run.h). */
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "bpf_loader.h"
#include "cgroup.h"
#include "enforce_cgroup.h"
#include "enroll.h"
#include "run.h"

/* What a child tells the parent over a close-on-exec pipe when it fails. */
struct child_failure {
	int stage;		/* 0: setting up, 1: execve */
	int err;		/* -errno */
	unsigned int applied;
	char msg[512];
};

/* How long leftovers in the transient cgroup get to die after SIGKILL. */
#define CGROUP_DRAIN_MS 5000

static volatile pid_t forward_to;

static void forward_signal(int sig)
{
	if (forward_to > 0)
		kill(forward_to, sig);
}

static void set_handler(int sig, void (*fn)(int))
{
	struct sigaction sa = { .sa_handler = fn };

	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sigaction(sig, &sa, NULL);
}

static __attribute__((noreturn)) void child_fail(int fd, int stage, int err,
						 unsigned int applied, const char *msg)
{
	struct child_failure f = { .stage = stage, .err = err, .applied = applied };
	ssize_t n;

	snprintf(f.msg, sizeof(f.msg), "%s", msg);
	n = write(fd, &f, sizeof(f));
	(void)n;
	_exit(stage == 0 ? 1 : err == -ENOENT ? 127 : 126);
}

/* The command's own process: the self layers, then execve. */
static __attribute__((noreturn)) void exec_command(int fd, const struct run_opts *o,
						   unsigned int applied)
{
	struct confine_opts co = { .layers = o->layers & CONFINE_SELF,
				   .exec_paths = o->exec_paths,
				   .n_exec_paths = o->n_exec_paths };
	struct nojit_err err = { "" };
	unsigned int self = 0;
	int ret;

	if (o->exec_by_fd) {
		co.exec_fds = &o->exec_fd;
		co.n_exec_fds = 1;
	}
	ret = confine_apply(&co, &self, &err);
	if (ret)
		child_fail(fd, 0, ret, applied | self, err.msg);
	/*
	 * A writer that came after the lease waits for it (up to the lease
	 * break time), so an intact lease here means the file is as verified;
	 * from the exec on, writers get ETXTBSY.
	 */
	if (o->exec_by_fd && o->exec_fd_leased && fcntl(o->exec_fd, F_GETLEASE) != F_RDLCK) {
		snprintf(err.msg, sizeof(err.msg),
			 "%s: opened for writing or truncated after it was verified: not run",
			 o->cmd[0]);
		child_fail(fd, 1, -ETXTBSY, o->layers, err.msg);
	}
	/*
	 * execveat(AT_EMPTY_PATH) underneath. The descriptor may be
	 * close-on-exec: the program is an ELF, loaded by the time the kernel
	 * closes it (only a #! script would need it open after).
	 */
	if (o->exec_by_fd)
		fexecve(o->exec_fd, o->cmd, environ);
	else
		execvp(o->cmd[0], o->cmd);
	ret = -errno;
	snprintf(err.msg, sizeof(err.msg), "%s: %s", o->cmd[0], strerror(errno));
	child_fail(fd, 1, ret, o->layers, err.msg);
}

static int exit_code_of(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return 1;
}

/*
 * Pid 1 of the workload's pid namespace: reap everything, pass signals on
 * to the command, leave with its status. When it exits, the kernel kills
 * whatever else is left in the namespace.
 */
static __attribute__((noreturn)) void mini_init(pid_t cmd)
{
	static const int forwarded[] = { SIGTERM, SIGHUP, SIGINT, SIGQUIT, SIGUSR1, SIGUSR2 };
	int status;
	pid_t pid;

	forward_to = cmd;
	for (size_t i = 0; i < ARRAY_SIZE(forwarded); i++)
		set_handler(forwarded[i], forward_signal);
	for (;;) {
		pid = wait(&status);
		if (pid == cmd)
			_exit(exit_code_of(status));
		if (pid < 0 && errno == ECHILD)
			_exit(1);
	}
}

/*
 * /proc as this pid namespace sees it, so that pids the command learns
 * (fork, getpid) name the same processes under /proc. Needs a mount
 * namespace of our own, whose mounts stop propagating to the host's.
 */
static int mount_own_proc(struct nojit_err *err)
{
	if (unshare(CLONE_NEWNS))
		return nojit_err_set(err, -errno, "memfd-noexec: unshare(CLONE_NEWNS): %s",
				     strerror(errno));
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		return nojit_err_set(err, -errno, "memfd-noexec: making / private: %s",
				     strerror(errno));
	if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL))
		return nojit_err_set(err, -errno, "memfd-noexec: mounting /proc: %s",
				     strerror(errno));
	return 0;
}

static __attribute__((noreturn)) void child_main(int fd, const struct run_opts *o, int cgroup_fd)
{
	struct nojit_err err = { "" };
	unsigned int applied = 0;
	pid_t cmd;

	signal(SIGINT, SIG_DFL);
	signal(SIGQUIT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	signal(SIGIO, SIG_DFL);		/* vk run ignores it (lease breaks) */
	if (o->layers & CONFINE_BPF_LSM) {
		int procs = openat(cgroup_fd, "cgroup.procs", O_WRONLY | O_CLOEXEC);

		if (procs < 0 || write(procs, "0", 1) != 1) {
			snprintf(err.msg, sizeof(err.msg), "bpf-lsm: moving into the transient cgroup: %s",
				 strerror(errno));
			child_fail(fd, 0, -errno, applied, err.msg);
		}
		close(procs);
		applied |= CONFINE_BPF_LSM;
	}
	if (o->layers & CONFINE_MEMFD_NOEXEC) {
		int ret = mount_own_proc(&err);

		if (!ret)
			ret = confine_memfd_noexec(&err);

		if (ret)
			child_fail(fd, 0, ret, applied, err.msg);
		applied |= CONFINE_MEMFD_NOEXEC;
		cmd = fork();
		if (cmd < 0) {
			snprintf(err.msg, sizeof(err.msg), "fork: %s", strerror(errno));
			child_fail(fd, 0, -errno, applied, err.msg);
		}
		if (cmd == 0)
			exec_command(fd, o, applied);
		/* The parent must see EOF when the command execs, not when we exit. */
		close(fd);
		mini_init(cmd);
	}
	exec_command(fd, o, applied);
}

static int write_str_at(int dirfd, const char *file, const char *s)
{
	_cleanup_close_ int fd = openat(dirfd, file, O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	return write(fd, s, strlen(s)) == (ssize_t)strlen(s) ? 0 : -errno;
}

static bool cgroup_populated(int dirfd)
{
	_cleanup_close_ int fd = openat(dirfd, "cgroup.events", O_RDONLY | O_CLOEXEC);
	char buf[256];
	ssize_t n;

	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	return !strstr(buf, "populated 0");
}

/* SIGKILL everything left in the cgroup (cgroup.kill, or one by one on old kernels). */
static void cgroup_kill_all(int dirfd)
{
	FILE *f;
	int fd, pid;

	if (!write_str_at(dirfd, "cgroup.kill", "1"))
		return;
	fd = openat(dirfd, "cgroup.procs", O_RDONLY | O_CLOEXEC);
	f = fd < 0 ? NULL : fdopen(fd, "re");
	if (!f) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while (fscanf(f, "%d", &pid) == 1)
		kill(pid, SIGKILL);
	fclose(f);
}

static int make_transient_cgroup(const struct run_opts *o, struct run_state *st, int *ret_fd,
				 struct nojit_err *err)
{
	char parent[PATH_MAX], name[64];
	_cleanup_close_ int pfd = -1;
	__u64 pid_id;
	int ret;

	if (o->cgroup_parent) {
		snprintf(parent, sizeof(parent), "%s", o->cgroup_parent);
	} else {
		ret = cgroup2_mount_path(parent, sizeof(parent));
		if (ret)
			return nojit_err_set(err, ret, "bpf-lsm: no cgroup2 file system mounted");
		if (strlen(parent) + sizeof("/" RUN_CGROUP_PARENT_NAME) > sizeof(parent))
			return nojit_err_set(err, -ENAMETOOLONG, "cgroup path too long");
		strcat(parent, "/" RUN_CGROUP_PARENT_NAME);
		if (mkdir(parent, 0755) && errno != EEXIST)
			return nojit_err_set(err, -errno, "bpf-lsm: cannot create %s: %s", parent,
					     strerror(errno));
	}
	ret = cgroup_open(parent, &pfd, &pid_id, err);
	if (ret)
		return ret;
	snprintf(name, sizeof(name), "run-%d", getpid());
	/* A run killed with SIGKILL leaves its empty cgroup behind; pids repeat. */
	if (mkdirat(pfd, name, 0755) && (errno != EEXIST || unlinkat(pfd, name, AT_REMOVEDIR) ||
					 mkdirat(pfd, name, 0755)))
		return nojit_err_set(err, -errno, "bpf-lsm: cannot create cgroup %s/%s: %s", parent,
				     name, strerror(errno));
	if ((size_t)snprintf(st->cgroup, sizeof(st->cgroup), "%s/%s", parent, name) >=
	    sizeof(st->cgroup)) {
		unlinkat(pfd, name, AT_REMOVEDIR);
		return nojit_err_set(err, -ENAMETOOLONG, "cgroup path too long");
	}
	ret = cgroup_open(st->cgroup, ret_fd, &st->cgroup_id, err);
	if (ret)
		unlinkat(pfd, name, AT_REMOVEDIR);
	return ret;
}

/* Empty, release and remove the transient cgroup; warn about what remains. */
static void remove_transient_cgroup(struct run_state *st, int fd)
{
	struct nojit_maps maps = NOJIT_MAPS_INIT;
	struct nojit_err err;
	struct timespec nap = { 0, 10 * 1000 * 1000 };

	for (int ms = 0; cgroup_populated(fd); ms += 10) {
		if (ms >= CGROUP_DRAIN_MS) {
			fprintf(stderr,
				"nojit: warning: %s still has processes; left enrolled and in place\n",
				st->cgroup);
			return;
		}
		if (ms % 500 == 0)
			cgroup_kill_all(fd);
		nanosleep(&nap, NULL);
	}
	if (!policy_load(&maps, &err) && release_cgroup(&maps, st->cgroup, &err) &&
	    !strstr(err.msg, "not enrolled"))
		fprintf(stderr, "nojit: warning: releasing %s: %s\n", st->cgroup, err.msg);
	nojit_maps_close(&maps);
	if (rmdir(st->cgroup))
		fprintf(stderr, "nojit: warning: removing %s: %s\n", st->cgroup, strerror(errno));
}

void run_layers_probe(struct run_layers *l, unsigned int requested)
{
	l->requested = requested;
	l->available = 0;
	for (unsigned int bit = 1; bit & CONFINE_ALL; bit <<= 1)
		if ((requested & bit) && !confine_probe(bit, &l->why[__builtin_ctz(bit)]))
			l->available |= bit;
}

const char *run_layer_state(const struct run_layers *l, unsigned int bit)
{
	if (!(l->requested & bit))
		return "off";
	if (!(l->available & bit))
		return "unavailable";
	return l->applied & bit ? "active" : "not applied";
}

const char *run_layer_why(const struct run_layers *l, unsigned int bit)
{
	return l->why[__builtin_ctz(bit)].msg;
}

void run_layers_report(const struct run_layers *l)
{
	for (unsigned int bit = 1; bit & CONFINE_ALL; bit <<= 1) {
		const char *state = run_layer_state(l, bit);

		if (!strcmp(state, "unavailable"))
			fprintf(stderr, "nojit: layer %s: unavailable: %s\n", confine_layer_name(bit),
				run_layer_why(l, bit));
		else
			fprintf(stderr, "nojit: layer %s: %s\n", confine_layer_name(bit), state);
	}
}

int run_confined(const struct run_opts *o, struct run_state *st, struct nojit_err *err)
{
	_cleanup_close_ int cgroup_fd = -1;
	struct child_failure fail;
	int pipefd[2], status, ret;
	ssize_t n;
	pid_t pid;

	memset(st, 0, sizeof(*st));
	st->status = -1;
	if (o->layers & CONFINE_BPF_LSM) {
		struct enforce_args a = { .hash_source = o->hash_source };
		bool already;

		ret = make_transient_cgroup(o, st, &cgroup_fd, err);
		if (ret)
			return ret;
		a.cgroup = st->cgroup;
		ret = enforce_cgroup(&a, cgroup_fd, st->cgroup_id, o->manifest, &already, err);
		if (ret) {
			rmdir(st->cgroup);
			return ret;
		}
	}
	if (o->before_start) {
		ret = o->before_start(o->ctx, st, err);
		if (ret)
			goto out_cgroup;
	}
	if (pipe2(pipefd, O_CLOEXEC) < 0) {
		ret = nojit_err_set(err, -errno, "pipe: %s", strerror(errno));
		goto out_cgroup;
	}
	/* Our children are born in a new pid namespace; we stay where we are. */
	if ((o->layers & CONFINE_MEMFD_NOEXEC) && unshare(CLONE_NEWPID)) {
		ret = nojit_err_set(err, -errno, "memfd-noexec: unshare(CLONE_NEWPID): %s",
				    strerror(errno));
		close(pipefd[0]);
		close(pipefd[1]);
		goto out_cgroup;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		ret = nojit_err_set(err, -errno, "fork: %s", strerror(errno));
		close(pipefd[0]);
		close(pipefd[1]);
		goto out_cgroup;
	}
	if (pid == 0) {
		close(pipefd[0]);
		child_main(pipefd[1], o, cgroup_fd);
	}
	close(pipefd[1]);
	/* Like a shell: the terminal's ^C and ^\ are for CMD; TERM and HUP are passed on. */
	forward_to = pid;
	signal(SIGINT, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
	set_handler(SIGTERM, forward_signal);
	set_handler(SIGHUP, forward_signal);
	do
		n = read(pipefd[0], &fail, sizeof(fail));
	while (n < 0 && errno == EINTR);
	close(pipefd[0]);
	if (n == (ssize_t)sizeof(fail)) {
		fail.msg[sizeof(fail.msg) - 1] = '\0';
		st->applied = fail.applied;
		snprintf(st->failure, sizeof(st->failure), "%s%s",
			 fail.stage == 0 ? "applying the layers: " : "", fail.msg);
	} else {
		st->applied = o->layers;	/* EOF: execve succeeded, every layer is on */
	}
	if (o->on_started)
		o->on_started(o->ctx, st);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			ret = nojit_err_set(err, -errno, "waitpid: %s", strerror(errno));
			goto out_cgroup;
		}
	st->status = exit_code_of(status);
	ret = 0;
out_cgroup:
	forward_to = 0;
	if (cgroup_fd >= 0)
		remove_transient_cgroup(st, cgroup_fd);
	return ret;
}
