// SPDX-License-Identifier: GPL-2.0
/*
 * probe: exercises the vkernel's WASI layer for the runtime tests.
 * probe CHECK [ARG]; prints a transcript, exits 0 when the check holds.
 *
 *   args          print argc and argv
 *   env           print the environment, one per line
 *   clock         realtime is after 2020, monotonic moves, resolutions > 0
 *   random        random_get fills buffers, two draws differ
 *   sleep         poll_oneoff clock sleep of 50 ms lasts >= 50 ms
 *   unsupported   sock_* answer ENOTSOCK, proc_raise ENOTSUP, bad clock EINVAL
 *   errno         every WASI call's error cases, one line each (probe_errno.c;
 *                 scratch files errno-* in the first preopen)
 *   efault        out-of-bounds pointers answer EFAULT, not a crash
 *   fileops DIR   mkdir, write, read, rename, stat, readdir, unlink, rmdir
 *   trap-unreachable | trap-oob | trap-stack | trap-callstack | trap-div
 *                 (status 121; trap-stack overflows the shadow stack in
 *                 linear memory, trap-callstack the native call stack)
 *   exit N        proc_exit(N)
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <wasi/api.h>

#include "probe_errno.h"

extern char **environ;

__attribute__((import_module("wasi_snapshot_preview1"), import_name("proc_raise")))
uint16_t raw_proc_raise(uint32_t sig);
/* The raw import: libc's wrapper takes a C string and would strlen() it. */
__attribute__((import_module("wasi_snapshot_preview1"), import_name("path_open")))
uint16_t raw_path_open(uint32_t fd, uint32_t dirflags, uint32_t path, uint32_t path_len,
		       uint32_t oflags, uint64_t rights, uint64_t inheriting, uint32_t fdflags,
		       uint32_t ret_fd);

static int fails;

#define CHECK(cond, ...) do {						\
	if (cond) {							\
		printf("ok: " __VA_ARGS__);				\
	} else {							\
		printf("FAIL: " __VA_ARGS__);				\
		fails++;						\
	}								\
	printf("\n");							\
} while (0)

static int do_clock(void)
{
	__wasi_timestamp_t rt = 0, m1 = 0, m2 = 0, res = 0;

	CHECK(__wasi_clock_time_get(__WASI_CLOCKID_REALTIME, 1, &rt) == 0 &&
	      rt > 1577836800ULL * 1000000000ULL, "realtime %llu", (unsigned long long)rt);
	CHECK(__wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 1, &m1) == 0, "monotonic");
	for (volatile int i = 0; i < 1000000; i++)
		;
	CHECK(__wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 1, &m2) == 0 && m2 > m1,
	      "monotonic moves %llu -> %llu", (unsigned long long)m1, (unsigned long long)m2);
	CHECK(__wasi_clock_res_get(__WASI_CLOCKID_MONOTONIC, &res) == 0 && res > 0,
	      "resolution %llu", (unsigned long long)res);
	CHECK(__wasi_clock_time_get(__WASI_CLOCKID_PROCESS_CPUTIME_ID, 1, &m1) == 0,
	      "process cputime");
	CHECK(time(NULL) > 1577836800, "time()");
	return fails ? 1 : 0;
}

static int do_random(void)
{
	uint8_t a[32] = { 0 }, b[32] = { 0 }, z[32] = { 0 };

	CHECK(__wasi_random_get(a, sizeof(a)) == 0, "random_get a");
	CHECK(__wasi_random_get(b, sizeof(b)) == 0, "random_get b");
	CHECK(memcmp(a, b, 32) && memcmp(a, z, 32), "draws differ and are not zero");
	return fails ? 1 : 0;
}

static int do_sleep(void)
{
	struct timespec t0, t1, rq = { 0, 50 * 1000 * 1000 };
	long long ns;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	CHECK(nanosleep(&rq, NULL) == 0, "nanosleep");
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ns = (t1.tv_sec - t0.tv_sec) * 1000000000LL + (t1.tv_nsec - t0.tv_nsec);
	CHECK(ns >= 50000000LL && ns < 5000000000LL, "slept %lld ns", ns);
	return fails ? 1 : 0;
}

static int do_unsupported(void)
{
	__wasi_fd_t fd = 0;
	__wasi_timestamp_t t;
	__wasi_errno_t e;

	e = __wasi_sock_accept(0, 0, &fd);
	CHECK(e == __WASI_ERRNO_NOTSOCK, "sock_accept = %u", e);
	e = __wasi_sock_shutdown(0, __WASI_SDFLAGS_RD);
	CHECK(e == __WASI_ERRNO_NOTSOCK, "sock_shutdown = %u", e);
	e = raw_proc_raise(9);
	CHECK(e == __WASI_ERRNO_NOTSUP, "proc_raise = %u", e);
	e = __wasi_clock_time_get(99, 1, &t);
	CHECK(e == __WASI_ERRNO_INVAL, "clock_time_get(99) = %u", e);
	e = __wasi_fd_close(999);
	CHECK(e == __WASI_ERRNO_BADF, "fd_close(999) = %u", e);
	e = __wasi_fd_prestat_dir_name(1, (uint8_t *)&t, 8);
	CHECK(e == __WASI_ERRNO_NOTDIR, "prestat_dir_name(stdout) = %u", e);
	CHECK(symlink("x", "/nonexistent-dir/y") < 0, "symlink fails: %s", strerror(errno));
	return fails ? 1 : 0;
}

static int do_efault(void)
{
	uint8_t *far = (uint8_t *)(uintptr_t)0xfffffff0u;
	__wasi_ciovec_t iov = { .buf = far, .buf_len = 64 };
	__wasi_size_t n = 0, argc = 0, size = 0;
	__wasi_errno_t e;
	__wasi_fd_t fd;

	e = __wasi_fd_write(1, &iov, 1, &n);
	CHECK(e == __WASI_ERRNO_FAULT, "fd_write(oob iovec buffer) = %u", e);
	e = __wasi_fd_write(1, (const __wasi_ciovec_t *)far, 1, &n);
	CHECK(e == __WASI_ERRNO_FAULT, "fd_write(oob iovec array) = %u", e);
	e = __wasi_random_get(far, 64);
	CHECK(e == __WASI_ERRNO_FAULT, "random_get(oob) = %u", e);
	e = __wasi_args_sizes_get((__wasi_size_t *)far, &size);
	CHECK(e == __WASI_ERRNO_FAULT, "args_sizes_get(oob) = %u", e);
	e = __wasi_args_get((uint8_t **)far, far);
	CHECK(e == __WASI_ERRNO_FAULT, "args_get(oob) = %u", e);
	e = __wasi_clock_time_get(__WASI_CLOCKID_REALTIME, 1, (__wasi_timestamp_t *)far);
	CHECK(e == __WASI_ERRNO_FAULT, "clock_time_get(oob) = %u", e);
	e = raw_path_open(3, 0, 0xfffffff0u, 64, 0, 0, 0, 0, (uint32_t)(uintptr_t)&fd);
	CHECK(e == __WASI_ERRNO_FAULT || e == __WASI_ERRNO_BADF, "path_open(oob path) = %u", e);
	e = __wasi_fd_read(0, (const __wasi_iovec_t *)&iov, 1, (__wasi_size_t *)far);
	CHECK(e == __WASI_ERRNO_FAULT, "fd_read(oob result) = %u", e);
	(void)argc;
	return fails ? 1 : 0;
}

static int do_fileops(const char *dir)
{
	char p[4096], q[4096], buf[64] = "";
	struct stat st;
	DIR *d;
	struct dirent *de;
	int fd, seen = 0;
	ssize_t n;

	snprintf(p, sizeof(p), "%s/sub", dir);
	CHECK(mkdir(p, 0755) == 0, "mkdir %s", p);
	snprintf(p, sizeof(p), "%s/sub/a.txt", dir);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	CHECK(fd >= 0, "create %s", p);
	CHECK(write(fd, "hello vkernel\n", 14) == 14, "write");
	CHECK(lseek(fd, 0, SEEK_CUR) == 14, "tell");
	CHECK(close(fd) == 0, "close");
	fd = open(p, O_RDONLY);
	n = read(fd, buf, sizeof(buf) - 1);
	CHECK(n == 14 && !memcmp(buf, "hello vkernel\n", 14), "read back");
	CHECK(pread(fd, buf, 7, 6) == 7 && !memcmp(buf, "vkernel", 7), "pread");
	CHECK(fstat(fd, &st) == 0 && st.st_size == 14 && S_ISREG(st.st_mode), "fstat");
	close(fd);
	snprintf(q, sizeof(q), "%s/sub/b.txt", dir);
	CHECK(rename(p, q) == 0, "rename");
	CHECK(stat(q, &st) == 0 && st.st_size == 14, "stat renamed");
	CHECK(stat(p, &st) < 0 && errno == ENOENT, "old name gone");
	CHECK(truncate(q, 5) == 0 && stat(q, &st) == 0 && st.st_size == 5, "truncate");
	snprintf(p, sizeof(p), "%s/sub", dir);
	d = opendir(p);
	CHECK(d != NULL, "opendir");
	while (d && (de = readdir(d)))
		if (!strcmp(de->d_name, "b.txt"))
			seen++;
	if (d)
		closedir(d);
	CHECK(seen == 1, "readdir sees b.txt");
	CHECK(rmdir(p) < 0 && errno == ENOTEMPTY, "rmdir non-empty refused");
	CHECK(unlink(q) == 0, "unlink");
	CHECK(rmdir(p) == 0, "rmdir");
	CHECK(stat(p, &st) < 0 && errno == ENOENT, "dir gone");
	return fails ? 1 : 0;
}

static volatile int depth_limit = -1;	/* never reached: recurse until the stack ends */

/* Recursion on the native stack only (no locals in linear memory). */
static int recurse_native(int n)
{
	if (n == depth_limit)
		return 0;
	return recurse_native(n + 1) * 3 + depth_limit;
}

static int recurse(int n)
{
	volatile char pad[256];

	pad[0] = (char)n;
	if (n == depth_limit)
		return 0;
	return recurse(n + 1) + pad[0];
}

int main(int argc, char **argv)
{
	const char *c = argc > 1 ? argv[1] : "";
	int i;

	if (!strcmp(c, "args")) {
		printf("argc=%d\n", argc);
		for (i = 0; i < argc; i++)
			printf("argv[%d]=%s\n", i, argv[i]);
		return 0;
	}
	if (!strcmp(c, "env")) {
		for (char **e = environ; e && *e; e++)
			printf("%s\n", *e);
		return 0;
	}
	if (!strcmp(c, "clock"))
		return do_clock();
	if (!strcmp(c, "random"))
		return do_random();
	if (!strcmp(c, "sleep"))
		return do_sleep();
	if (!strcmp(c, "unsupported"))
		return do_unsupported();
	if (!strcmp(c, "efault"))
		return do_efault();
	if (!strcmp(c, "errno"))
		return probe_errno();
	if (!strcmp(c, "fileops") && argc > 2)
		return do_fileops(argv[2]);
	if (!strcmp(c, "trap-unreachable"))
		__builtin_trap();
	if (!strcmp(c, "trap-oob"))
		return *(volatile int *)(uintptr_t)0xfffffff0u;
	if (!strcmp(c, "trap-stack"))
		return recurse(0);
	if (!strcmp(c, "trap-callstack"))
		return recurse_native(0);
	if (!strcmp(c, "trap-div")) {
		volatile int zero = 0, one = 1;

		return one / zero;
	}
	if (!strcmp(c, "exit") && argc > 2)
		exit(atoi(argv[2]));
	fprintf(stderr, "usage: probe args|env|clock|random|sleep|unsupported|efault|errno|"
		"fileops DIR|trap-unreachable|trap-oob|trap-stack|trap-callstack|trap-div|exit N\n");
	return 2;
}
