// SPDX-License-Identifier: GPL-2.0
/*
 * storm PROCS N: PROCS processes each try N times to map anonymous
 * executable memory as fast as they can. Inside an enrolled cgroup every
 * attempt is a violation; the audit suite checks that the log holds one
 * record per attempt, or counts it as dropped. Prints the total number of
 * refused attempts; exits 1 if any attempt was not refused with EPERM.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

static int storm(long n)
{
	for (long i = 0; i < n; i++) {
		void *p = mmap(NULL, 4096, PROT_READ | PROT_EXEC,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p != MAP_FAILED || errno != EPERM) {
			fprintf(stderr, "storm: attempt %ld was not refused with EPERM\n", i);
			return 1;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	long procs, n, failed = 0;

	if (argc != 3 || (procs = atol(argv[1])) < 1 || (n = atol(argv[2])) < 1) {
		fprintf(stderr, "usage: storm PROCS N\n");
		return 2;
	}
	for (long p = 0; p < procs; p++) {
		pid_t pid = fork();

		if (pid < 0) {
			perror("storm: fork");
			return 2;
		}
		if (pid == 0)
			_exit(storm(n));
	}
	for (long p = 0; p < procs; p++) {
		int st;

		if (wait(&st) < 0 || !WIFEXITED(st) || WEXITSTATUS(st))
			failed++;
	}
	printf("%ld\n", procs * n);
	return failed ? 1 : 0;
}
