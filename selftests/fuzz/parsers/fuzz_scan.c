// SPDX-License-Identifier: GPL-2.0
/*
 * What the memory scanner (`nojit scan`, daemon --scan-every) reads from
 * the tasks it scans (controller/scan.c): /proc/PID/maps lines, whose file
 * names the task chose (spaces, " (deleted)", anything but a newline),
 * and the ELF and program headers of the files mapped.
 *
 * The first byte of an input chooses what the rest is:
 *   0  maps text, parsed line by line and each line classified
 *   1  the first bytes of a mapped file, for the ELF zone parser
 */
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "scan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct scan_map m;

	if (!size)
		return 0;
	if (data[0] & 1) {
		struct scan_elf_zones z;

		scan_elf_zones_parse(data + 1, size - 1, 4096, &z);
		if (z.n > SCAN_ELF_MAX_ZONES)
			abort();
		for (size_t i = 0; i < z.n; i++)
			if (z.z[i].start > z.z[i].end)
				abort();
		return 0;
	}
	char *text = malloc(size);	/* NUL-terminated lines, as read from the file */

	if (!text)
		abort();
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	for (char *line = text, *nl; line; line = nl) {
		nl = strchr(line, '\n');
		if (nl)
			*nl++ = '\0';
		if (scan_parse_maps_line(line, &m) == 0) {
			if (m.start > m.end || strlen(m.path) >= SCAN_PATH_MAX)
				abort();
			scan_classify(&m);
		}
	}
	free(text);
	return 0;
}
