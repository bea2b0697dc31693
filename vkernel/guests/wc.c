// SPDX-License-Identifier: GPL-2.0
/*
 * wc: lines, words and bytes of each FILE (or stdin), as
 * "%7llu %7llu %7llu NAME" (no NAME for stdin), then a "total" line when
 * there are several files. Words are runs of non-space bytes (C locale).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

struct counts {
	unsigned long long lines, words, bytes;
};

static int count(FILE *f, struct counts *c)
{
	static unsigned char buf[65536];
	int in_word = 0;
	size_t n, i;

	while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
		c->bytes += n;
		for (i = 0; i < n; i++) {
			unsigned char ch = buf[i];
			int space = ch == ' ' || (ch >= '\t' && ch <= '\r');

			if (ch == '\n')
				c->lines++;
			if (space)
				in_word = 0;
			else if (!in_word) {
				in_word = 1;
				c->words++;
			}
		}
	}
	return ferror(f) ? -1 : 0;
}

static void print(const struct counts *c, const char *name)
{
	if (name)
		printf("%7llu %7llu %7llu %s\n", c->lines, c->words, c->bytes, name);
	else
		printf("%7llu %7llu %7llu\n", c->lines, c->words, c->bytes);
}

int main(int argc, char **argv)
{
	struct counts total = { 0 };
	int i, status = 0;

	if (argc < 2) {
		struct counts c = { 0 };

		if (count(stdin, &c) < 0) {
			fprintf(stderr, "wc: stdin: %s\n", strerror(errno));
			return 1;
		}
		print(&c, NULL);
		return 0;
	}
	for (i = 1; i < argc; i++) {
		struct counts c = { 0 };
		FILE *f = fopen(argv[i], "rb");

		if (!f) {
			fprintf(stderr, "wc: %s: %s\n", argv[i], strerror(errno));
			status = 1;
			continue;
		}
		if (count(f, &c) < 0) {
			fprintf(stderr, "wc: %s: %s\n", argv[i], strerror(errno));
			status = 1;
		}
		fclose(f);
		print(&c, argv[i]);
		total.lines += c.lines;
		total.words += c.words;
		total.bytes += c.bytes;
	}
	if (argc > 2)
		print(&total, "total");
	return status;
}
