// SPDX-License-Identifier: GPL-2.0
/* sha256sum: "<hex>  <name>" for each FILE, or for stdin as "-". */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "sha256_guest.h"

static int sum(FILE *f, const char *name)
{
	static unsigned char buf[65536];
	struct sha256 s;
	uint8_t d[32];
	char hex[65];
	size_t n;

	sha256_init(&s);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		sha256_update(&s, buf, n);
	if (ferror(f)) {
		fprintf(stderr, "sha256sum: %s: %s\n", name, strerror(errno));
		return 1;
	}
	sha256_final(&s, d);
	sha256_hex(d, hex);
	printf("%s  %s\n", hex, name);
	return 0;
}

int main(int argc, char **argv)
{
	int i, status = 0;

	if (argc < 2)
		return sum(stdin, "-");
	for (i = 1; i < argc; i++) {
		FILE *f = strcmp(argv[i], "-") ? fopen(argv[i], "rb") : stdin;

		if (!f) {
			fprintf(stderr, "sha256sum: %s: %s\n", argv[i], strerror(errno));
			status = 1;
			continue;
		}
		status |= sum(f, argv[i]);
		if (f != stdin)
			fclose(f);
	}
	return status;
}
