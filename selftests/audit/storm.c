// SPDX-License-Identifier: GPL-2.0
/*
 * storm PROCS N [MODE]: PROCS processes each try N times to make
 * executable memory as fast as they can. Inside an enrolled cgroup every
 * attempt is a violation; the audit suite checks that the log's records
 * stand for every attempt (by their counts), or count it as dropped.
 * Prints the total number of refused attempts; exits 1 if any attempt was
 * not refused with EPERM.
 *
 * MODE:
 *   same       every attempt is the same anonymous PROT_EXEC mmap (default):
 *              the kernel aggregates them
 *   alternate  mmap and mprotect attempts in turn: no two in a row are the
 *              same violation, so none aggregate (a flood of records)
 *   hold       after its attempts each process prints its pid and waits
 *              until it is killed (a new offender that has not exited)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

enum mode { SAME, ALTERNATE, HOLD };

static int refused(void *p, long i)
{
	if (p != MAP_FAILED || errno != EPERM) {
		fprintf(stderr, "storm: attempt %ld was not refused with EPERM\n", i);
		return 0;
	}
	return 1;
}

static int storm(long n, enum mode mode)
{
	void *rw = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (rw == MAP_FAILED) {
		perror("storm: mmap");
		return 1;
	}
	for (long i = 0; i < n; i++) {
		void *p;

		if (mode == ALTERNATE && i % 2)
			p = mprotect(rw, 4096, PROT_READ | PROT_EXEC) ? MAP_FAILED : rw;
		else
			p = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (!refused(p, i))
			return 1;
	}
	if (mode == HOLD) {
		printf("%d\n", getpid());
		fflush(stdout);
		for (;;)
			pause();
	}
	return 0;
}

int main(int argc, char **argv)
{
	long procs, n, failed = 0;
	enum mode mode = SAME;

	if (argc == 4 && !strcmp(argv[3], "alternate"))
		mode = ALTERNATE;
	else if (argc == 4 && !strcmp(argv[3], "hold"))
		mode = HOLD;
	else if (argc == 4 && strcmp(argv[3], "same"))
		argc = 0;
	if ((argc != 3 && argc != 4) || (procs = atol(argv[1])) < 1 || (n = atol(argv[2])) < 1) {
		fprintf(stderr, "usage: storm PROCS N [same|alternate|hold]\n");
		return 2;
	}
	for (long p = 0; p < procs; p++) {
		pid_t pid = fork();

		if (pid < 0) {
			perror("storm: fork");
			return 2;
		}
		if (pid == 0)
			_exit(storm(n, mode));
	}
	for (long p = 0; p < procs; p++) {
		int st;

		if (wait(&st) < 0 || !WIFEXITED(st) || WEXITSTATUS(st))
			failed++;
	}
	printf("%ld\n", procs * n);
	return failed ? 1 : 0;
}
