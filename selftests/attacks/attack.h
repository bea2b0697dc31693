// SPDX-License-Identifier: GPL-2.0
/*
 * Shared helpers for the nojit bypass-route attack programs.
 *
 * Every attack follows one protocol, which the VM runner parses:
 *   exit 0  "attack NAME: executed generated code"  (or "... WHAT succeeded")
 *           only after the code/exec/escape has been observed to work;
 *   exit 1  "attack NAME: STEP denied: <strerror>"  when the protected step
 *           failed with EPERM (or a documented conversion of it);
 *   exit 2  "attack NAME: error: ..."  for anything else: a harness error,
 *           never a verdict.
 * A file defines ATTACK_NAME before including this header.
 */
#ifndef NOJIT_SELFTESTS_ATTACK_H
#define NOJIT_SELFTESTS_ATTACK_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/types.h>
#include <unistd.h>

#ifndef ATTACK_NAME
#error "define ATTACK_NAME before including attack.h"
#endif

enum {
	ATTACK_EXIT_WORKED = 0,
	ATTACK_EXIT_DENIED = 1,
	ATTACK_EXIT_ERROR = 2,
};

/* Long enough for TCG, short enough that a stuck attack cannot stall a suite. */
#define ATTACK_TIMEOUT_S 10

#define ATTACK_PAGE 4096UL

/* mov eax, 0x2a ; ret */
static const unsigned char attack_payload[] = {
	0xb8, 0x2a, 0x00, 0x00, 0x00, 0xc3,
};
#define ATTACK_PAYLOAD_RET 0x2a

/*
 * Patch targets must stay real out-of-line functions at a known address:
 * noinline alone still lets gcc's IPA fold the return value into callers.
 */
#ifdef __clang__
#define ATTACK_PATCHABLE __attribute__((noinline, used))
#else
#define ATTACK_PATCHABLE __attribute__((noinline, noipa, used))
#endif

typedef int (*attack_fn)(void);

static inline __attribute__((format(printf, 1, 2), noreturn))
void attack_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stdout, "attack %s: error: ", ATTACK_NAME);
	va_start(ap, fmt);
	vfprintf(stdout, fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	fflush(stdout);
	exit(ATTACK_EXIT_ERROR);
}

static inline __attribute__((noreturn)) void attack_worked(const char *what)
{
	printf("attack %s: %s\n", ATTACK_NAME, what);
	fflush(stdout);
	exit(ATTACK_EXIT_WORKED);
}

/*
 * The protected step failed with err. Only EPERM is a denial; the
 * callers that accept a documented conversion pass accept_eacces.
 * Anything else means the harness, not the policy, broke.
 */
static inline __attribute__((noreturn))
void attack_step_failed_ex(const char *step, int err, int accept_eacces)
{
	if (err == EPERM || (accept_eacces && err == EACCES)) {
		printf("attack %s: %s denied: %s\n", ATTACK_NAME, step,
		       strerror(err));
		fflush(stdout);
		exit(ATTACK_EXIT_DENIED);
	}
	attack_error("%s failed with unexpected errno %d: %s", step, err,
		     strerror(err));
}

static inline __attribute__((noreturn))
void attack_step_failed(const char *step, int err)
{
	attack_step_failed_ex(step, err, 0);
}

/* Unbuffered stdout: a fork, exec or crash must not lose or duplicate lines. */
static inline void attack_init(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	alarm(ATTACK_TIMEOUT_S);
	if (sysconf(_SC_PAGESIZE) != (long)ATTACK_PAGE)
		attack_error("page size is %ld, attacks assume %lu",
			     sysconf(_SC_PAGESIZE), ATTACK_PAGE);
}

static inline uintptr_t attack_page_down(uintptr_t a)
{
	return a & ~(ATTACK_PAGE - 1);
}

static inline uintptr_t attack_page_up(uintptr_t a)
{
	return (a + ATTACK_PAGE - 1) & ~(ATTACK_PAGE - 1);
}

static inline void attack_write_payload(void *dst)
{
	memcpy(dst, attack_payload, sizeof(attack_payload));
	/* The stores must be done before the call, whatever the optimiser sees. */
	__asm__ volatile("" ::: "memory");
}

/*
 * Call code through a volatile pointer so the compiler can neither
 * inline nor skip the call, and check it produced the payload's value.
 */
static inline int attack_call(const void *code)
{
	attack_fn volatile fn;

	__asm__ volatile("" ::: "memory");
	fn = (attack_fn)(uintptr_t)code;
	return fn();
}

/* Runs generated code and reports the verdict; never returns. */
static inline __attribute__((noreturn)) void attack_run_payload(const void *code)
{
	int ret = attack_call(code);

	if (ret != ATTACK_PAYLOAD_RET)
		attack_error("generated code at %p returned %#x, expected %#x",
			     code, ret, ATTACK_PAYLOAD_RET);
	attack_worked("executed generated code");
}

/*
 * Looks up the mapping holding addr in /proc/self/maps. Returns 1 if it
 * is executable, 0 if not, -errno if it cannot tell. Used where the kernel
 * adds PROT_EXEC implicitly, so that a non-executable result is reported
 * clearly instead of as a SIGSEGV.
 */
static inline int attack_addr_executable(const void *addr)
{
	uintptr_t a = (uintptr_t)addr;
	char line[512];
	FILE *f;
	int ret = -ENOENT;

	f = fopen("/proc/self/maps", "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;
		char perms[5];

		if (sscanf(line, "%lx-%lx %4s", &lo, &hi, perms) != 3)
			continue;
		if (a >= lo && a < hi) {
			ret = perms[2] == 'x';
			break;
		}
	}
	fclose(f);
	return ret;
}

/*
 * Sets READ_IMPLIES_EXEC. personality() returns the old persona, so only
 * -1 with errno set is a failure; the result is read back to be sure.
 */
static inline void attack_set_read_implies_exec(void)
{
	int old;

	errno = 0;
	old = personality(0xffffffff);
	if (old == -1 && errno)
		attack_error("personality query: %s", strerror(errno));
	errno = 0;
	if (personality((unsigned long)old | READ_IMPLIES_EXEC) == -1 && errno)
		attack_step_failed("personality(READ_IMPLIES_EXEC)", errno);
	if (!(personality(0xffffffff) & READ_IMPLIES_EXEC))
		attack_error("personality did not keep READ_IMPLIES_EXEC");
}

/* Writes all of buf at offset off (pwrite can be short on /proc files). */
static inline int attack_pwrite_all(int fd, const void *buf, size_t len,
				    off_t off)
{
	const char *p = buf;

	while (len) {
		ssize_t n = pwrite(fd, p, len, off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -EIO;
		p += n;
		len -= n;
		off += n;
	}
	return 0;
}

#endif /* NOJIT_SELFTESTS_ATTACK_H */
