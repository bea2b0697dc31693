// SPDX-License-Identifier: GPL-2.0
/*
 * disguise MODE N [PROG]: repeated violations, then a change of identity,
 * as a workload would try to make its storm's record say something milder
 * or name someone else. Each attempt is an anonymous RWX MAP_SHARED mmap,
 * framed by milder RX MAP_PRIVATE ones.
 *
 *   hide N       RX, N x RWX shared, RX; then renames itself "sshd",
 *                becomes uid 65534 and exits
 *   exec N PROG  RX, N x RWX shared; then execs PROG
 *   sleep N      RX, N x RWX shared; then says "done" and sleeps until
 *                killed, never violating again
 *
 * Exits 1 if an attempt was not refused with EPERM.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

static int attempt(int prot, int flags)
{
	void *p = mmap(NULL, 4096, prot, flags | MAP_ANONYMOUS, -1, 0);

	if (p != MAP_FAILED || errno != EPERM) {
		fprintf(stderr, "disguise: mmap prot %d flags %#x was not refused with EPERM\n",
			prot, flags);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	long n = argc >= 3 ? atol(argv[2]) : 0;
	int r = 0;

	if (n < 1 || (strcmp(argv[1], "hide") && strcmp(argv[1], "exec") &&
		      strcmp(argv[1], "sleep")) ||
	    (!strcmp(argv[1], "exec") && argc != 4)) {
		fprintf(stderr, "usage: disguise hide N | disguise exec N PROG | disguise sleep N\n");
		return 2;
	}
	r |= attempt(PROT_READ | PROT_EXEC, MAP_PRIVATE);
	for (long i = 0; i < n; i++)
		r |= attempt(PROT_READ | PROT_WRITE | PROT_EXEC, MAP_SHARED);
	if (r)
		return 1;
	if (!strcmp(argv[1], "exec")) {
		execl(argv[3], argv[3], (char *)NULL);
		perror("disguise: exec");
		return 1;
	}
	if (!strcmp(argv[1], "sleep")) {
		printf("done\n");
		fflush(stdout);
		for (;;)
			pause();
	}
	r |= attempt(PROT_READ | PROT_EXEC, MAP_PRIVATE);
	prctl(PR_SET_NAME, "sshd");
	if (setuid(65534)) {
		perror("disguise: setuid");
		return 1;
	}
	return r ? 1 : 0;
}
