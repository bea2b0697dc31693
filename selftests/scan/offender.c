// SPDX-License-Identifier: GPL-2.0
/*
 * Offenders for the nojit scan suites: a process that holds executable
 * memory no listed file backs, made the way JITs and injectors make it,
 * then waits to be scanned.
 *
 *   offender MODE [DIR]
 *     clean     nothing: only its own binary and libraries
 *     anon      code written into an anonymous mapping made RX
 *     patch     one of its own text pages: mprotect RW, write, back to RX
 *     same      not an offender: like patch, but writes back the bytes that
 *               were there: a private copy (COW) equal to the file
 *     memfd     code written into a memfd, mapped RX
 *     deleted   code written into DIR/offender-code, mapped RX, file unlinked
 *     map FILE  not an offender: FILE mapped RX and every page read, so
 *               its whole size is resident (for the scan benchmark)
 *
 * Runs the code it made (so it is real code), prints
 * "ready START END" (the executable range, hex) on stdout, then sleeps
 * until killed. Exit 1 when a step is refused (EPERM, e.g. under nojit).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* x86-64: mov eax, 42; ret */
static const unsigned char code[] = { 0xb8, 0x2a, 0x00, 0x00, 0x00, 0xc3 };

static int fail(const char *what)
{
	fprintf(stderr, "offender: %s: %s\n", what, strerror(errno));
	return 1;
}

/*
 * Patched in place by "patch". A section of its own (not ".text.*", which
 * the linker merges into .text), page-aligned: .text ends on an earlier
 * page, so the code doing the patching keeps running while this page is
 * RW and not executable.
 */
__attribute__((noinline, aligned(4096), section("offender_patch")))
int target(void)
{
	return 1;
}

static int run(void *p)
{
	int (*fn)(void) = (int (*)(void))p;

	return fn();
}

__attribute__((noreturn)) static int ready(void *start, size_t len)
{
	printf("ready %#lx %#lx\n", (unsigned long)(uintptr_t)start,
	       (unsigned long)((uintptr_t)start + len));
	fflush(stdout);
	for (;;)
		pause();
}

static void *map_fd_code(int fd)
{
	void *p;

	if (write(fd, code, sizeof(code)) != (ssize_t)sizeof(code))
		return MAP_FAILED;
	p = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);
	return p;
}

int main(int argc, char **argv)
{
	long page = sysconf(_SC_PAGESIZE);
	const char *mode = argc > 1 ? argv[1] : "";
	void *p;

	if (!strcmp(mode, "clean")) {
		return ready(NULL, 0);
	} else if (!strcmp(mode, "anon")) {
		p = mmap(NULL, (size_t)page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			return fail("mmap");
		memcpy(p, code, sizeof(code));
		if (mprotect(p, (size_t)page, PROT_READ | PROT_EXEC))
			return fail("mprotect RX");
	} else if (!strcmp(mode, "patch") || !strcmp(mode, "same")) {
		unsigned char old[sizeof(code)];

		p = (void *)((uintptr_t)target & ~(uintptr_t)(page - 1));
		memcpy(old, (void *)(uintptr_t)target, sizeof(old));
		if (mprotect(p, (size_t)page, PROT_READ | PROT_WRITE))
			return fail("mprotect RW");
		memcpy((void *)(uintptr_t)target, !strcmp(mode, "same") ? old : code, sizeof(code));
		if (mprotect(p, (size_t)page, PROT_READ | PROT_EXEC))
			return fail("mprotect RX");
		p = (void *)(uintptr_t)target;
		if (run(p) != (!strcmp(mode, "same") ? 1 : 42))
			return fail("patched code did not run");
		return ready((void *)((uintptr_t)target & ~(uintptr_t)(page - 1)), (size_t)page);
	} else if (!strcmp(mode, "memfd")) {
		int fd = memfd_create("offender-jit", MFD_CLOEXEC);

		if (fd < 0)
			return fail("memfd_create");
		p = map_fd_code(fd);
		if (p == MAP_FAILED)
			return fail("mmap memfd RX");
	} else if (!strcmp(mode, "deleted") && argc > 2) {
		char path[4096];
		int fd;

		snprintf(path, sizeof(path), "%s/offender-code", argv[2]);
		fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (fd < 0)
			return fail(path);
		p = map_fd_code(fd);
		if (p == MAP_FAILED)
			return fail("mmap file RX");
		if (unlink(path))
			return fail("unlink");
	} else if (!strcmp(mode, "map") && argc > 2) {
		volatile unsigned char sum = 0;
		struct stat st;
		int fd = open(argv[2], O_RDONLY | O_CLOEXEC);

		if (fd < 0 || fstat(fd, &st))
			return fail(argv[2]);
		p = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);
		if (p == MAP_FAILED)
			return fail("mmap RX");
		for (off_t off = 0; off < st.st_size; off += page)
			sum += ((unsigned char *)p)[off];
		return ready(p, (size_t)st.st_size);
	} else {
		fprintf(stderr, "usage: offender clean|anon|patch|same|memfd|deleted DIR|map FILE\n");
		return 2;
	}
	if (run(p) != 42)
		return fail("generated code did not run");
	return ready(p, (size_t)page);
}
