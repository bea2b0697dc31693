// SPDX-License-Identifier: GPL-2.0
/*
 * startup - how long from fork to the first instruction of a command's
 * main(), through whatever launcher runs it (`make bench`).
 *
 *   startup N -- LAUNCHER... PROBE
 *
 * Runs LAUNCHER... PROBE N times. PROBE is this same program started as
 * "startup --probe FD": its main() first writes CLOCK_MONOTONIC to FD
 * (inherited), and exits. Prints "median_ns p90_ns" of fork -> that
 * moment. The probe is static, so no dynamic loading is counted in it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	long long *t;
	unsigned long n;
	int fds[2];

	if (argc == 3 && !strcmp(argv[1], "--probe")) {
		long long v = now_ns();

		return write(atoi(argv[2]), &v, sizeof(v)) == sizeof(v) ? 0 : 1;
	}
	if (argc < 4 || strcmp(argv[2], "--")) {
		fprintf(stderr, "usage: startup N -- LAUNCHER... PROBE\n");
		return 2;
	}
	n = strtoul(argv[1], NULL, 10);
	t = calloc(n ? n : 1, sizeof(*t));
	if (!n || !t || pipe(fds))
		return 2;
	for (unsigned long i = 0; i < n; i++) {
		char fdarg[16];
		char **cmd = calloc(argc + 3, sizeof(*cmd));
		int k = 0, status;
		long long t0, t1 = 0;
		pid_t pid;

		snprintf(fdarg, sizeof(fdarg), "%d", fds[1]);
		for (int a = 3; a < argc; a++)
			cmd[k++] = argv[a];
		cmd[k++] = "--probe";
		cmd[k++] = fdarg;
		t0 = now_ns();
		pid = fork();
		if (pid == 0) {
			execvp(cmd[0], cmd);
			_exit(127);
		}
		if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
		    WEXITSTATUS(status) || read(fds[0], &t1, sizeof(t1)) != sizeof(t1)) {
			fprintf(stderr, "startup: run %lu failed (status %#x)\n", i, status);
			return 1;
		}
		t[i] = t1 - t0;
		free(cmd);
	}
	qsort(t, n, sizeof(*t), cmp);
	printf("%lld %lld\n", t[n / 2], t[n * 9 / 10]);
	return 0;
}
