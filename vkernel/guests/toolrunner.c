// SPDX-License-Identifier: GPL-2.0
/*
 * toolrunner: the agent's tool runner, a tiny line-oriented shell over the
 * modules bundled in the megabinary. Each stdin line is "TOOL ARGS..."
 * (words split on blanks, no quoting; empty lines and "#" comments are
 * skipped); TOOL runs through nojit.spawn and "exit N" is printed after
 * it. Builtin: "exit [N]" ends the runner with status N (default 0).
 * A TOOL that is not a listed module ends the runner: the vkernel denies
 * the spawn and stops us with status 120.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nojit_guest.h"

#define MAX_WORDS 256

int main(void)
{
	char *line = NULL;
	size_t cap = 0;

	while (getline(&line, &cap, stdin) >= 0) {
		const char *words[MAX_WORDS + 1];
		size_t n = 0;
		char *save = NULL, *w;
		int32_t st;

		for (w = strtok_r(line, " \t\r\n", &save); w && n < MAX_WORDS;
		     w = strtok_r(NULL, " \t\r\n", &save))
			words[n++] = w;
		if (n == 0 || words[0][0] == '#')
			continue;
		words[n] = NULL;
		if (!strcmp(words[0], "exit")) {
			free(line);
			return n > 1 ? atoi(words[1]) : 0;
		}
		fflush(stdout);
		st = nojit_spawn(words[0], strlen(words[0]), words, n);
		printf("exit %d\n", (int)st);
		fflush(stdout);
	}
	free(line);
	return 0;
}
