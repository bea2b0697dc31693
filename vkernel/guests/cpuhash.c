// SPDX-License-Identifier: GPL-2.0
/*
 * cpuhash [MIB]: SHA-256 over MIB MiB (default 64) of generated data
 * (xorshift64, fixed seed); prints "<hex>  <MIB>MiB". CPU-bound, for the
 * AOT-vs-native benchmark.
 */
#include <stdio.h>
#include <stdlib.h>

#include "sha256_guest.h"

int main(int argc, char **argv)
{
	static uint8_t buf[1 << 20];
	uint64_t x = 0x9e3779b97f4a7c15ULL;
	unsigned long mib = 64, i;
	struct sha256 s;
	uint8_t d[32];
	char hex[65];

	if (argc > 1) {
		char *end;

		mib = strtoul(argv[1], &end, 10);
		if (*end || end == argv[1] || mib > 1 << 20) {
			fprintf(stderr, "usage: cpuhash [MIB]\n");
			return 2;
		}
	}
	sha256_init(&s);
	for (i = 0; i < mib; i++) {
		size_t j;

		for (j = 0; j < sizeof(buf); j += 8) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			for (int k = 0; k < 8; k++)
				buf[j + k] = (uint8_t)(x >> (8 * k));
		}
		sha256_update(&s, buf, sizeof(buf));
	}
	sha256_final(&s, d);
	sha256_hex(d, hex);
	printf("%s  %luMiB\n", hex, mib);
	return 0;
}
