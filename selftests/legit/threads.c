// SPDX-License-Identifier: GPL-2.0
/*
 * Legit workload: glibc allocates each thread stack with mmap(PROT_READ|
 * PROT_WRITE) and a PROT_NONE guard page (mprotect). Memory calls without
 * PROT_EXEC: nojit must let all of them through.
 */
#include <pthread.h>
#include <stdio.h>

#define NTHREADS 8
#define ITERS 1000000L

static void *work(void *arg)
{
	volatile long n = 0;

	for (long i = 0; i < ITERS; i++)
		n++;
	*(long *)arg = n;
	return NULL;
}

int main(void)
{
	pthread_t t[NTHREADS];
	long res[NTHREADS], total = 0;
	int i, started = 0;

	for (i = 0; i < NTHREADS; i++) {
		if (pthread_create(&t[i], NULL, work, &res[i]))
			break;
		started++;
	}
	for (i = 0; i < started; i++) {
		pthread_join(t[i], NULL);
		total += res[i];
	}
	printf("threads=%d total=%ld\n", started, total);
	return started == NTHREADS ? 0 : 1;
}
