// SPDX-License-Identifier: GPL-2.0
/*
 * The ELF reader of `nojit manifest build --closure` (controller/
 * elf_closure.c): headers, program headers, the dynamic section,
 * DT_NEEDED/RPATH/RUNPATH strings, then the search through the real
 * system's libraries as ld.so would do it; and the ld.so.cache reader.
 *
 * The first byte of an input chooses what the rest is:
 *   0  a file to resolve the closure of
 *   1  an ld.so.cache file, in which a few names are looked up
 */
#include <elf.h>
#include <stdlib.h>

#include "common.h"
#include "elf_closure.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = { "libc.so.6", "libm.so.6", "libz.so.1" };
	static char path[4200], cache[4200];
	struct elf_closure c;

	if (!size)
		return 0;
	if (!path[0]) {
		fuzz_path(path, sizeof(path), "prog");
		fuzz_path(cache, sizeof(cache), "ld.so.cache");
	}
	if (data[0] & 1) {
		fuzz_write(cache, data + 1, size - 1);
		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
			char *found = NULL;

			if (elf_ldcache_lookup(cache, names[i], ELFCLASS64, EM_X86_64, &found) == 0)
				free(found);
			if (elf_ldcache_lookup(cache, names[i], ELFCLASS32, EM_386, &found) == 0)
				free(found);
		}
	} else {
		const char *files[] = { path };

		fuzz_write(path, data + 1, size - 1);
		if (elf_closure_resolve(files, 1, &c) == 0)
			elf_closure_free(&c);
	}
	return 0;
}
