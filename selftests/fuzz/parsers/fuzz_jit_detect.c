// SPDX-License-Identifier: GPL-2.0
/*
 * The JIT-engine detector `nojit manifest build` runs on every file it
 * lists (controller/jit_detect.c): an ELF reader of its own (headers,
 * dynamic section, dynamic symbol and string tables, GNU hash) over files
 * the builder did not write.
 */
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common.h"
#include "jit_detect.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct jit_report rep;
	const char *why = NULL;
	int fd = memfd_create("elf", MFD_CLOEXEC);
	size_t off = 0;

	if (fd < 0)
		abort();
	while (off < size) {
		ssize_t n = write(fd, data + off, size - off);

		if (n <= 0)
			abort();
		off += (size_t)n;
	}
	if (jit_detect_fd(fd, &rep, &why) > JIT_FINDINGS_MAX)
		abort();
	close(fd);
	return 0;
}
