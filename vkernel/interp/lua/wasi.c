// SPDX-License-Identifier: GPL-2.0
/*
 * What Lua's standard library calls and wasi-libc lacks. There is no
 * shell and no unnamed temporary file in the vkernel: os.execute() says
 * so (system(NULL) == 0, "no shell"), io.tmpfile() fails with an error
 * message, like on a C library without them. Running a tool is
 * nojit.spawn's job, not a shell's.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

int system(const char *command)
{
	if (!command)
		return 0;
	errno = ENOSYS;
	return -1;
}

FILE *tmpfile(void)
{
	errno = ENOTSUP;
	return NULL;
}
