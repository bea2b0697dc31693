// SPDX-License-Identifier: GPL-2.0
/*
 * grep: fixed-string search. grep [-n] [-c] PATTERN [FILE...]
 * Prints matching lines (prefixed "FILE:" with several files, "N:" with
 * -n), or with -c the count of matching lines. Exit 0 if a line matched,
 * 1 if none, 2 on error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int opt_n, opt_c;

static int search(FILE *f, const char *name, const char *pat, size_t patlen,
		  unsigned long long *ret_matches)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	unsigned long long lineno = 0, matches = 0;

	while ((len = getline(&line, &cap, f)) >= 0) {
		lineno++;
		if (!memmem(line, (size_t)len, pat, patlen))
			continue;
		matches++;
		if (opt_c)
			continue;
		if (name)
			printf("%s:", name);
		if (opt_n)
			printf("%llu:", lineno);
		fwrite(line, 1, (size_t)len, stdout);
		if (len == 0 || line[len - 1] != '\n')
			putchar('\n');
	}
	free(line);
	if (ferror(f))
		return -1;
	if (opt_c) {
		if (name)
			printf("%s:", name);
		printf("%llu\n", matches);
	}
	*ret_matches = matches;
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long long total = 0;
	const char *pat;
	int c, i, err = 0;

	while ((c = getopt(argc, argv, "nc")) != -1) {
		switch (c) {
		case 'n': opt_n = 1; break;
		case 'c': opt_c = 1; break;
		default:
			fprintf(stderr, "usage: grep [-n] [-c] PATTERN [FILE...]\n");
			return 2;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "usage: grep [-n] [-c] PATTERN [FILE...]\n");
		return 2;
	}
	pat = argv[optind++];
	if (optind == argc) {
		unsigned long long m = 0;

		if (search(stdin, NULL, pat, strlen(pat), &m) < 0) {
			fprintf(stderr, "grep: stdin: %s\n", strerror(errno));
			return 2;
		}
		return m ? 0 : 1;
	}
	for (i = optind; i < argc; i++) {
		unsigned long long m = 0;
		FILE *f = fopen(argv[i], "rb");

		if (!f) {
			fprintf(stderr, "grep: %s: %s\n", argv[i], strerror(errno));
			err = 1;
			continue;
		}
		if (search(f, argc - optind > 1 ? argv[i] : NULL, pat, strlen(pat), &m) < 0) {
			fprintf(stderr, "grep: %s: %s\n", argv[i], strerror(errno));
			err = 1;
		}
		total += m;
		fclose(f);
	}
	if (err)
		return 2;
	return total ? 0 : 1;
}
