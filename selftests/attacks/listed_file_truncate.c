// SPDX-License-Identifier: GPL-2.0
/*
 * Route 17, truncation: change a listed file (a byte-identical copy of
 * this program) under its live executable mapping without ever opening
 * it for writing. Cutting it at a page offset and growing it back zeroes
 * everything from there on in every mapping of it.
 *
 *   listed_file_truncate          truncate(2) by path
 *   listed_file_truncate otrunc   open(O_RDONLY | O_TRUNC): truncates too
 */
#define ATTACK_NAME "listed_file_truncate"
#include "file.h"

int main(int argc, char **argv)
{
	int otrunc = argc > 1 && !strcmp(argv[1], "otrunc");
	const off_t cut = 2 * ATTACK_PAGE;
	char path[PATH_MAX + 16];
	volatile unsigned char *rx;
	unsigned char before;
	struct stat st;
	int fd, err = 0;

	attack_init();
	snprintf(path, sizeof(path), "%s/copy", attack_scratch_create());
	attack_copy_file("/proc/self/exe", path, 0700, 0);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st))
		attack_error("open %s: %s", path, strerror(errno));
	if (st.st_size <= cut)
		attack_error("%s is too small", path);
	rx = mmap(NULL, st.st_size, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);
	close(fd);
	if (rx == MAP_FAILED)
		attack_error("mapping the copy executable failed: %s (is this program in the manifest?)",
			     strerror(errno));
	before = rx[cut];
	if (!before)
		attack_error("byte %#lx of the copy is already 0", (unsigned long)cut);
	if (otrunc) {
		fd = open(path, O_RDONLY | O_TRUNC | O_CLOEXEC);
		if (fd < 0)
			err = errno;
		else
			close(fd);
	} else if (truncate(path, cut)) {
		err = errno;
	}
	if (!err && truncate(path, st.st_size))
		err = errno;
	attack_scratch_remove(attack_scratch);
	if (err)
		attack_step_failed(otrunc ? "open(O_RDONLY|O_TRUNC) of the mapped file" :
				   "truncate() of the mapped file", err);
	if (rx[cut] == before)
		attack_error("truncation went through but the mapping did not change");
	attack_worked("changed the code under a live executable mapping by truncation");
}
