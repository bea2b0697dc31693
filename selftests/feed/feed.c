// SPDX-License-Identifier: GPL-2.0
/*
 * feed: native throughput of the audit drain on a host whose kernel
 * refuses BPF LSM (test and bench only, docs/benchmarks.md).
 *
 *   feed setup
 *       create nojit's pinned maps (nojit's own object, its programs not
 *       loaded) in /sys/fs/bpf/nojit, so 'nojit daemon' can run; meant
 *       for a private bpffs (unshare -m; mount -t bpf bpf /sys/fs/bpf)
 *   feed run N [--count C] [--rate R] [--overrun]
 *       write N violation records of the real layout into nojit's ring
 *       buffer (feed.bpf.c), each standing for C attempts, at most R
 *       records/s (default: as fast as the ring buffer has room, so the
 *       daemon's drain sets the pace and nothing is dropped; --overrun:
 *       without waiting for room, so a slow drain means counted drops).
 *       Prints "fed N dropped D seconds S" (D: attempts).
 *
 * Exit 0, 1 on failure, 2 on usage.
 */
#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "nojit.h"
#include "nojit.skel.h"
#include "feed.skel.h"

#define CHUNK 256	/* records per BPF_PROG_TEST_RUN */

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int pin(const char *name, char *buf, size_t size)
{
	return snprintf(buf, size, "%s/%s", NOJIT_PIN_DIR, name) >= (int)size ? -ENAMETOOLONG : 0;
}

static int setup(void)
{
	struct nojit_bpf *skel = nojit_bpf__open();
	struct bpf_program *prog;
	struct bpf_map *map;
	char path[256];
	int r;

	if (!skel) {
		perror("feed: opening nojit's object");
		return 1;
	}
	if (mkdir(NOJIT_PIN_DIR, 0700) && errno != EEXIST) {
		perror("feed: " NOJIT_PIN_DIR);
		return 1;
	}
	bpf_object__for_each_program(prog, skel->obj)
		bpf_program__set_autoload(prog, false);
	bpf_object__for_each_map(map, skel->obj) {
		if (bpf_map__is_internal(map) || map == skel->maps.nojit_meta)
			continue;
		if (pin(bpf_map__name(map), path, sizeof(path)) || bpf_map__set_pin_path(map, path)) {
			fprintf(stderr, "feed: pin path for %s\n", bpf_map__name(map));
			return 1;
		}
	}
	r = nojit_bpf__load(skel);
	nojit_bpf__destroy(skel);
	if (r) {
		fprintf(stderr, "feed: creating nojit's maps: %s\n", strerror(-r));
		return 1;
	}
	return 0;
}

static int run(long n, __u64 count, double rate, bool overrun)
{
	const unsigned long rec = 8 + ((sizeof(struct nojit_violation) + 7) & ~7ul);
	long page = sysconf(_SC_PAGESIZE), fed = 0;
	volatile unsigned long *cons, *prod;
	struct feed_bpf *skel;
	char path[256], pkt[64] = {};
	__u64 dropped0 = 0, dropped = 0;
	int events, stats_fd, ncpu = libbpf_num_possible_cpus();
	__u64 *percpu = calloc(ncpu, sizeof(__u64));
	double t0;
	__u32 k;

	if (pin("nojit_events", path, sizeof(path)) || (events = bpf_obj_get(path)) < 0 ||
	    pin("nojit_stats", path, sizeof(path)) || (stats_fd = bpf_obj_get(path)) < 0) {
		fprintf(stderr, "feed: nojit's maps are not pinned (feed setup): %s\n", strerror(errno));
		return 1;
	}
	skel = feed_bpf__open();
	if (!skel || !percpu)
		return 1;
	skel->rodata->feed_tgid = getpid();
	skel->rodata->feed_cgroup_id = 1;
	skel->rodata->feed_count = count;
	if (bpf_map__reuse_fd(skel->maps.nojit_events, events) ||
	    bpf_map__reuse_fd(skel->maps.nojit_stats, stats_fd) || feed_bpf__load(skel)) {
		fprintf(stderr, "feed: loading feed.bpf.o failed\n");
		return 1;
	}
	cons = mmap(NULL, page, PROT_READ, MAP_SHARED, events, 0);
	prod = mmap(NULL, page, PROT_READ, MAP_SHARED, events, page);
	if (cons == MAP_FAILED || prod == MAP_FAILED) {
		perror("feed: mmap");
		return 1;
	}
	k = NOJIT_STAT_EVENTS_DROPPED;
	if (!bpf_map_lookup_elem(stats_fd, &k, percpu))
		for (int c = 0; c < ncpu; c++)
			dropped0 += percpu[c];
	t0 = now_s();
	while (fed < n) {
		long chunk = n - fed < CHUNK ? n - fed : CHUNK;
		LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = pkt, .data_size_in = sizeof(pkt),
			    .repeat = chunk);

		/* Room for the whole chunk, unless asked to overrun (rate 0 is "no limit"). */
		while (!overrun && *prod - *cons + chunk * rec > NOJIT_RINGBUF_BYTES)
			sched_yield();
		while (rate > 0 && fed >= rate * (now_s() - t0))
			usleep(100);
		if (bpf_prog_test_run_opts(bpf_program__fd(skel->progs.nojit_feed), &opts)) {
			perror("feed: BPF_PROG_TEST_RUN");
			return 1;
		}
		fed += chunk;
	}
	if (!bpf_map_lookup_elem(stats_fd, &k, percpu))
		for (int c = 0; c < ncpu; c++)
			dropped += percpu[c];
	printf("fed %ld dropped %llu seconds %.3f\n", fed, (unsigned long long)(dropped - dropped0),
	       now_s() - t0);
	feed_bpf__destroy(skel);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "count", required_argument, NULL, 'c' },
		{ "rate", required_argument, NULL, 'r' },
		{ "overrun", no_argument, NULL, 'o' },
		{}
	};
	__u64 count = 1;
	double rate = 0;
	bool overrun = false;
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'c')
			count = strtoull(optarg, NULL, 10);
		else if (c == 'r')
			rate = atof(optarg);
		else if (c == 'o')
			overrun = true;
		else
			return 2;
	}
	if (optind < argc && !strcmp(argv[optind], "setup") && optind + 1 == argc)
		return setup();
	if (optind + 2 == argc && !strcmp(argv[optind], "run") && atol(argv[optind + 1]) > 0 && count)
		return run(atol(argv[optind + 1]), count, rate, overrun);
	fprintf(stderr, "usage: feed setup | feed run N [--count C] [--rate R] [--overrun]\n");
	return 2;
}
