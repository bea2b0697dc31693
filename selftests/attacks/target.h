// SPDX-License-Identifier: GPL-2.0
/*
 * A function the route 8 attacks overwrite with the payload, and a child
 * process that calls it on command and reports through its exit status.
 */
#ifndef NOJIT_SELFTESTS_ATTACK_TARGET_H
#define NOJIT_SELFTESTS_ATTACK_TARGET_H

#include "attack.h"
#include <signal.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/wait.h>

#define TARGET_ORIGINAL_RET 7

/* Read through a volatile so the body is a real load, not a constant. */
static volatile int target_original_value = TARGET_ORIGINAL_RET;

ATTACK_PATCHABLE static int patch_target(void)
{
	return target_original_value;
}

/* Through a volatile pointer: the call must really land on the patched bytes. */
static inline int target_call(void)
{
	attack_fn volatile fn = patch_target;

	return fn();
}

static inline void *target_addr(void)
{
	attack_fn volatile fn = patch_target;

	return (void *)(uintptr_t)fn;
}

/* Child exit statuses. */
enum {
	TARGET_CHILD_RAN_PAYLOAD = 0,
	TARGET_CHILD_RAN_ORIGINAL = 3,
	TARGET_CHILD_WRONG_VALUE = 4,
	TARGET_CHILD_SETUP_FAILED = 5,
	TARGET_CHILD_STEP_EPERM = 6,	/* a child-side step got EPERM */
	TARGET_CHILD_STEP_OTHER = 7,	/* a child-side step failed otherwise */
};

static inline __attribute__((noreturn)) void target_child_call_and_exit(void)
{
	int r = target_call();

	if (r == ATTACK_PAYLOAD_RET)
		_exit(TARGET_CHILD_RAN_PAYLOAD);
	_exit(r == TARGET_ORIGINAL_RET ? TARGET_CHILD_RAN_ORIGINAL :
					 TARGET_CHILD_WRONG_VALUE);
}

/* A child is never left behind, not even when the parent dies of SIGALRM. */
static inline void target_child_setup(pid_t parent)
{
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() != parent)
		_exit(TARGET_CHILD_SETUP_FAILED);
	alarm(ATTACK_TIMEOUT_S);
}

struct target_child {
	pid_t pid;
	int go_fd;
};

/*
 * Forks a child that blocks until target_child_go(), then calls the
 * target. The parent can meanwhile patch the child's copy of the code.
 */
static inline void target_child_spawn(struct target_child *c)
{
	pid_t parent = getpid();
	int p[2];

	if (pipe2(p, O_CLOEXEC))
		attack_error("pipe2: %s", strerror(errno));
	c->pid = fork();
	if (c->pid < 0)
		attack_error("fork: %s", strerror(errno));
	if (c->pid == 0) {
		char b;
		ssize_t n;

		close(p[1]);
		target_child_setup(parent);
		do
			n = read(p[0], &b, 1);
		while (n < 0 && errno == EINTR);
		if (n != 1)
			_exit(TARGET_CHILD_SETUP_FAILED);
		target_child_call_and_exit();
	}
	close(p[0]);
	c->go_fd = p[1];
}

static inline void target_child_go(struct target_child *c)
{
	if (write(c->go_fd, "g", 1) != 1)
		attack_error("waking the child: %s", strerror(errno));
	close(c->go_fd);
	c->go_fd = -1;
}

static inline void target_child_kill(struct target_child *c)
{
	kill(c->pid, SIGKILL);
	waitpid(c->pid, NULL, 0);
}

/* POKETEXT writes whole words: merge the payload into the existing bytes. */
static inline int target_poke_payload(pid_t pid, uintptr_t addr)
{
	for (size_t off = 0; off < sizeof(attack_payload); off += sizeof(long)) {
		size_t n = sizeof(attack_payload) - off;
		long word;

		if (n > sizeof(long))
			n = sizeof(long);
		errno = 0;
		word = ptrace(PTRACE_PEEKTEXT, pid, (void *)(addr + off), NULL);
		if (word == -1 && errno)
			return -errno;
		memcpy(&word, attack_payload + off, n);
		if (ptrace(PTRACE_POKETEXT, pid, (void *)(addr + off),
			   (void *)word))
			return -errno;
	}
	return 0;
}

/* Turns a child's wait status into the verdict. */
static inline __attribute__((noreturn))
void target_status_verdict(int st, const char *child_step)
{
	if (WIFSIGNALED(st))
		attack_error("child killed by signal %d (%s)", WTERMSIG(st),
			     strsignal(WTERMSIG(st)));
	if (!WIFEXITED(st))
		attack_error("child ended with status %#x", st);
	switch (WEXITSTATUS(st)) {
	case TARGET_CHILD_RAN_PAYLOAD:
		attack_worked("executed generated code");
	case TARGET_CHILD_RAN_ORIGINAL:
		attack_error("child ran the original, unpatched code");
	case TARGET_CHILD_WRONG_VALUE:
		attack_error("patched code returned an unexpected value");
	case TARGET_CHILD_STEP_EPERM:
		attack_step_failed(child_step, EPERM);
	case TARGET_CHILD_STEP_OTHER:
		attack_error("child: %s failed with an unexpected errno", child_step);
	default:
		attack_error("child setup failed (exit %d)", WEXITSTATUS(st));
	}
}

static inline __attribute__((noreturn))
void target_child_verdict(pid_t pid, const char *child_step)
{
	int st;

	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			attack_error("waitpid: %s", strerror(errno));
	target_status_verdict(st, child_step);
}

#endif /* NOJIT_SELFTESTS_ATTACK_TARGET_H */
