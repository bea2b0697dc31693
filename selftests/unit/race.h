/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The attacker of the verify-then-use race tests, in process: a thread
 * that keeps renaming GOOD or BAD over TARGET (hard-linked in, then
 * renamed: each lookup finds one whole file or the other) while the test
 * loads TARGET again and again. Bounded: it stops when told, or after
 * RACE_MAX_SWAPS.
 */
#ifndef NOJIT_UNIT_RACE_H
#define NOJIT_UNIT_RACE_H

#include <criterion/criterion.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <unistd.h>

#define RACE_MAX_SWAPS 50000000UL

struct race {
	char good[256], bad[256], target[256], tmp[300];
	pthread_t thread;
	bool stop;		/* atomic accesses only */
	unsigned long swaps;	/* atomic accesses only */
};

static void *race_loop(void *arg)
{
	struct race *r = arg;

	for (unsigned long i = 0; i < RACE_MAX_SWAPS && !__atomic_load_n(&r->stop, __ATOMIC_RELAXED);
	     i++) {
		unlink(r->tmp);
		if (link(i % 2 ? r->bad : r->good, r->tmp) || rename(r->tmp, r->target))
			break;
		__atomic_store_n(&r->swaps, i + 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

/* Start swapping; returns once a few swaps happened, so that the race is on. */
static inline void race_start(struct race *r, const char *good, const char *bad,
			      const char *target)
{
	*r = (struct race){ 0 };
	/* Copies: the caller's strings may be reused (scratch_path()) meanwhile. */
	cr_assert(snprintf(r->good, sizeof(r->good), "%s", good) < (int)sizeof(r->good) &&
		  snprintf(r->bad, sizeof(r->bad), "%s", bad) < (int)sizeof(r->bad) &&
		  snprintf(r->target, sizeof(r->target), "%s", target) < (int)sizeof(r->target) &&
		  snprintf(r->tmp, sizeof(r->tmp), "%s.swap", target) < (int)sizeof(r->tmp),
		  "race: path too long");
	cr_assert_eq(pthread_create(&r->thread, NULL, race_loop, r), 0);
	for (int i = 0; __atomic_load_n(&r->swaps, __ATOMIC_RELAXED) < 16; i++) {
		cr_assert_lt(i, 10000, "the swapping thread did not get going (link or rename failed)");
		usleep(100);
	}
}

/* Stop swapping; returns how many swaps were made. */
static inline unsigned long race_stop(struct race *r)
{
	__atomic_store_n(&r->stop, true, __ATOMIC_RELAXED);
	pthread_join(r->thread, NULL);
	unlink(r->tmp);
	return __atomic_load_n(&r->swaps, __ATOMIC_RELAXED);
}

#endif /* NOJIT_UNIT_RACE_H */
