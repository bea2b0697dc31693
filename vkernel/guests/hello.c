// SPDX-License-Identifier: GPL-2.0
/* hello: prints its arguments, one per line, after a greeting. */
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
	const char *me = argc > 0 ? argv[0] : "?";
	int i;

	if (strrchr(me, '/'))	/* a native build's argv[0] is a path */
		me = strrchr(me, '/') + 1;
	printf("hello from %s\n", me);
	for (i = 1; i < argc; i++)
		printf("argv[%d]=%s\n", i, argv[i]);
	return 0;
}
