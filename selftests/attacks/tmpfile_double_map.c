// SPDX-License-Identifier: GPL-2.0
/*
 * Routes 4 and 6: libffi's fallback when anonymous RWX and memfd exec are
 * refused (measured with CPython ctypes callbacks): an O_TMPFILE in $TMPDIR
 * or /tmp mapped shared RW and RX at once.
 */
#define ATTACK_NAME "tmpfile_double_map"
#include "attack.h"

int main(void)
{
	unsigned char *rw, *rx;
	const char *dir = getenv("TMPDIR");
	int fd;

	attack_init();
	if (!dir || !*dir)
		dir = "/tmp";
	fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0700);
	if (fd < 0)
		attack_error("open(%s, O_TMPFILE): %s", dir, strerror(errno));
	if (ftruncate(fd, ATTACK_PAGE))
		attack_error("ftruncate: %s", strerror(errno));
	rw = mmap(NULL, ATTACK_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (rw == MAP_FAILED)
		attack_error("mmap(tmpfile, PROT_READ|PROT_WRITE): %s",
			     strerror(errno));
	/* mmap(2): EPERM is also what a noexec mount answers. */
	rx = mmap(NULL, ATTACK_PAGE, PROT_READ | PROT_EXEC, MAP_SHARED, fd, 0);
	if (rx == MAP_FAILED)
		attack_step_failed("mmap(tmpfile, PROT_READ|PROT_EXEC) beside a RW view",
				   errno);
	close(fd);
	attack_write_payload(rw);
	attack_run_payload(rx);
}
