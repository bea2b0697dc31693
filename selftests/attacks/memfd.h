// SPDX-License-Identifier: GPL-2.0
/* memfd helpers shared by the route 5 and 6 attacks. */
#ifndef NOJIT_SELFTESTS_ATTACK_MEMFD_H
#define NOJIT_SELFTESTS_ATTACK_MEMFD_H

#include "attack.h"
#include <sys/stat.h>

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif

/*
 * An executable memfd. MFD_EXEC says so explicitly, so that a host with
 * vm.memfd_noexec=1 does not seal it noexec behind our back; kernels
 * before 6.3 reject the flag with EINVAL and are executable by default.
 * vm.memfd_noexec=2 refuses creation with EACCES (documented in
 * Documentation/admin-guide/sysctl/vm.rst), a refusal, not a bug.
 */
static inline int attack_memfd_exec_create(const char *name)
{
	int fd = memfd_create(name, MFD_CLOEXEC | MFD_EXEC);

	if (fd < 0 && errno == EINVAL)
		fd = memfd_create(name, MFD_CLOEXEC);
	if (fd < 0)
		attack_step_failed_ex("memfd_create", errno, 1);
	return fd;
}

/* Copies the whole file at path into fd. */
static inline void attack_copy_file(const char *path, int fd)
{
	char buf[65536];
	ssize_t n;
	int in;

	in = open(path, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		attack_error("open %s: %s", path, strerror(errno));
	while ((n = read(in, buf, sizeof(buf))) != 0) {
		char *p = buf;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			attack_error("read %s: %s", path, strerror(errno));
		}
		while (n > 0) {
			ssize_t w = write(fd, p, n);

			if (w < 0) {
				if (errno == EINTR)
					continue;
				attack_error("write memfd: %s", strerror(errno));
			}
			p += w;
			n -= w;
		}
	}
	close(in);
}

/*
 * Re-exec of this very binary from a memfd: argv[1] is this marker. The
 * copy has the same bytes as an allowed binary, so only the memfd-ness of
 * the exec can be what a policy refuses.
 */
#define ATTACK_REEXEC_MARKER "--nojit-ran-from-memfd"

/*
 * In the re-executed image: succeed only if we really run from a memfd,
 * so that the success line cannot come from anything but the exec.
 */
static inline void attack_reexec_check(int argc, char **argv, const char *what)
{
	char exe[256];
	ssize_t n;

	if (argc < 2 || strcmp(argv[1], ATTACK_REEXEC_MARKER))
		return;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n < 0)
		attack_error("re-executed image: readlink /proc/self/exe: %s",
			     strerror(errno));
	exe[n] = '\0';
	if (strncmp(exe, "/memfd:", 7))
		attack_error("re-executed image runs from %s, not a memfd", exe);
	attack_worked(what);
}

#endif /* NOJIT_SELFTESTS_ATTACK_MEMFD_H */
