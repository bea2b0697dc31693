// SPDX-License-Identifier: GPL-2.0
/*
 * selfcheck APP KEY N: what the megabinary's self check costs, in-process
 * (the start-up around it would drown it), for hosts without fs-verity
 * where a sealed start cannot be timed. N times each, on APP open once:
 *   full  vk_verify_fd() with the public key of KEY: trailer + image hash
 *   seal  what a sealed start does instead: fstatfs, the fs-verity ioctl
 *         (it fails here; on a verity file the kernel copies out a digest
 *         it keeps), the xattr read, vk_seal_verify() of a seal made here,
 *         vk_trailer_verify_fd()
 * Prints the medians in microseconds: "full <us> seal <us>".
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/xattr.h>
#include <linux/fsverity.h>

#include "trailer.h"
#include "verity.h"

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return (x > y) - (x < y);
}

static long long median_us(long long *v, int n)
{
	qsort(v, n, sizeof(*v), cmp);
	return v[n / 2] / 1000;
}

int main(int argc, char **argv)
{
	static const struct vk_verity d = { FS_VERITY_HASH_ALG_SHA256, 32, { 1 } };
	static struct vk_trailer t;
	struct nojit_seckey key;
	struct nojit_err err;
	struct vk_verity v;
	uint8_t seal[VK_SEAL_LEN], buf[VK_SEAL_LEN + 1], keys[1][32];
	char id[NOJIT_KEY_ID_LEN + 1];
	long long *full, *fast, t0;
	int fd, n;

	if (argc != 4 || (n = atoi(argv[3])) <= 0) {
		fprintf(stderr, "usage: selfcheck APP KEY N\n");
		return 2;
	}
	fd = open(argv[1], O_RDONLY | O_CLOEXEC);
	if (fd < 0 || key_load_secret(argv[2], &key, &err) || vk_seal_sign(&d, &key, seal)) {
		fprintf(stderr, "selfcheck: %s\n", fd < 0 ? argv[1] : err.msg);
		return 1;
	}
	memcpy(keys[0], key.pub.pk, 32);
	full = calloc(n, sizeof(*full));
	fast = calloc(n, sizeof(*fast));
	if (!full || !fast)
		return 1;
	for (int i = 0; i < n; i++) {
		t0 = now_ns();
		if (vk_verify_fd(fd, "app", NULL, (const uint8_t (*)[32])keys, 1, &t, NULL, &err)) {
			fprintf(stderr, "selfcheck: %s\n", err.msg);
			return 1;
		}
		full[i] = now_ns() - t0;
		t0 = now_ns();
		vk_verity_measure(fd, &v);
		fgetxattr(fd, VK_SEAL_XATTR, buf, sizeof(buf));
		if (vk_seal_verify(&d, seal, sizeof(seal), (const uint8_t (*)[32])keys, 1, id) ||
		    vk_trailer_verify_fd(fd, "app", NULL, (const uint8_t (*)[32])keys, 1, &t, &err)) {
			fprintf(stderr, "selfcheck: the seal or trailer does not verify\n");
			return 1;
		}
		fast[i] = now_ns() - t0;
	}
	printf("full %lld seal %lld\n", median_us(full, n), median_us(fast, n));
	return 0;
}
