// SPDX-License-Identifier: GPL-2.0
/*
 * attest_vk APP TRUST ATTEST_KEY OUT N: the time nojit vk run spends
 * producing a run's statement, measured in-process (the CLI's own
 * start-up and the guest's would drown it): N times, build the statement
 * of a run of APP's first module (host facts included) and emit it to OUT
 * (signed, written atomically with fsync). APP is verified once, as vk
 * run does before it attests. Prints the medians in microseconds:
 *   build <us> emit <us> total <us>
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attest_vk.h"
#include "vk_build.h"

static int cmp_s64(const void *a, const void *b)
{
	__s64 x = *(const __s64 *)a, y = *(const __s64 *)b;

	return (x > y) - (x < y);
}

static __s64 median(__s64 *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_s64);
	return v[n / 2];
}

int main(int argc, char **argv)
{
	static struct vk_trailer t;
	struct nojit_trust trust = {};
	struct nojit_seckey key;
	struct attest_nonce nonce;
	struct nojit_err err;
	__s64 *build, *emit, *total;
	__u8 sha[32];
	char *args[] = { NULL, "x" };
	int fd, n;

	if (argc != 6 || (n = atoi(argv[5])) <= 0) {
		fprintf(stderr, "usage: attest_vk APP TRUST ATTEST_KEY OUT N\n");
		return 2;
	}
	fd = open(argv[1], O_RDONLY | O_CLOEXEC);
	if (fd < 0 || trust_load(argv[2], &trust, &err) ||
	    vk_verify_fd(fd, argv[1], &trust, NULL, 0, &t, sha, &err) ||
	    key_load_secret_for(argv[3], KEY_PURPOSE_ATTEST, &key, &err) ||
	    attest_nonce_parse("00112233445566778899aabbccddeeff", &nonce, &err)) {
		fprintf(stderr, "attest_vk: %s\n", fd < 0 ? argv[1] : err.msg);
		return 1;
	}
	args[0] = t.modules[0].name;
	build = calloc(n, sizeof(*build));
	emit = calloc(n, sizeof(*emit));
	total = calloc(n, sizeof(*total));
	if (!build || !emit || !total)
		return 1;
	for (int i = 0; i < n; i++) {
		const struct attest_emit_opts eo = { .out = argv[4], .nonce = &nonce };
		struct attest_vk_run r = {
			.app_path = argv[1], .app_sha256 = sha, .trailer = &t, .started = &t.modules[0],
			.argv = args, .argc = 2, .trust_path = argv[2], .trust = &trust,
			.nonce = &nonce, .attest_key = &key.pub,
		};
		struct json_object *st;
		__s64 t0, t1, t2;

		t0 = clock_ns(CLOCK_MONOTONIC);
		r.now_ns = clock_ns(CLOCK_REALTIME);
		st = attest_vk_statement(&r);
		t1 = clock_ns(CLOCK_MONOTONIC);
		if (!st || attest_emit(&key, st, &eo, NULL, &err)) {
			fprintf(stderr, "attest_vk: %s\n", st ? err.msg : strerror(errno));
			return 1;
		}
		t2 = clock_ns(CLOCK_MONOTONIC);
		json_object_put(st);
		build[i] = (t1 - t0) / 1000;
		emit[i] = (t2 - t1) / 1000;
		total[i] = (t2 - t0) / 1000;
	}
	printf("build %lld emit %lld total %lld\n", (long long)median(build, n),
	       (long long)median(emit, n), (long long)median(total, n));
	key_secret_wipe(&key);
	trust_free(&trust);
	return 0;
}
