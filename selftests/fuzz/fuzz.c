// SPDX-License-Identifier: GPL-2.0
/*
 * nojit-fuzz: a syscall-sequence bypass fuzzer (issue 11, section 2).
 *
 * Random but reproducible sequences of operations over a small pool of
 * objects (descriptors, mappings) try to get bytes the fuzzer chose (a
 * payload that returns MAGIC) into executable memory. Each sequence runs
 * in a fresh child, moved into the enrolled cgroup (--cgroup) before its
 * first operation. Denials are not findings: only executable attacker
 * bytes are, decided by two oracles once the sequence is over:
 *   1. the child (or whichever process the sequence ended in, after fork
 *      or exec) calls every candidate payload address that lies in an
 *      executable mapping, each in a forked grandchild so a fault only
 *      ends that grandchild, and reports whether MAGIC came back;
 *   2. the parent runs `nojit scan --pid CHILD --json` on it while it
 *      waits; every finding is a bypass candidate.
 * A finding is minimized (drop operations while it reproduces) and
 * printed as a --replay line. See selftests/fuzz/README.md.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/io_uring.h>
#include <linux/userfaultfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/ptrace.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/wait.h>

#define PAGE		4096UL
#define MAP_PAGES	2
#define MAP_LEN		(MAP_PAGES * PAGE)
#define NFD		4
#define NMAP		4
#define MAX_DIRS	6
#define NNAMES		3
#define MAX_OPS		64
#define MAX_CANDIDATES	64
/* How long a sequence may take before its child is killed (not a finding). */
#define SEQ_TIMEOUT_MS	20000

#ifndef MFD_NOEXEC_SEAL
#define MFD_NOEXEC_SEAL	0x0008U
#endif
#ifndef MFD_EXEC
#define MFD_EXEC	0x0010U
#endif
#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP 4
#endif
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif
#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif

/* ---- operations ------------------------------------------------------ */

enum op_code {
	OP_OPEN, OP_OPENRO, OP_TMPFILE, OP_LINK, OP_UNLINK, OP_MEMFD,
	OP_TRUNC, OP_WRITE, OP_PWRITE, OP_COPYSELF, OP_FALLOC, OP_SPLICE,
	OP_URING, OP_CLOSE, OP_DUP, OP_MMAP, OP_ANON, OP_MUNMAP, OP_MPROTECT,
	OP_PKEY, OP_MREMAP, OP_MADVISE, OP_POKE, OP_BRK, OP_PERSONA, OP_SHM,
	OP_UFFD, OP_PROCMEM, OP_PVWRITE, OP_PTRACE, OP_FORK, OP_VFORK,
	OP_EXEC, OP_CLONE, OP_MAX
};

/* Name and the range of each argument (1 = unused). */
static const struct op_desc {
	const char *name;
	unsigned char ra, rb, rc;
	unsigned char weight;
} ops[OP_MAX] = {
	[OP_OPEN]	= { "open",	NFD, MAX_DIRS, NNAMES, 4 },
	[OP_OPENRO]	= { "openro",	NFD, MAX_DIRS, NNAMES, 4 },
	[OP_TMPFILE]	= { "tmpfile",	NFD, MAX_DIRS, 1, 2 },
	[OP_LINK]	= { "link",	NFD, MAX_DIRS, NNAMES, 2 },
	[OP_UNLINK]	= { "unlink",	1, MAX_DIRS, NNAMES, 1 },
	[OP_MEMFD]	= { "memfd",	NFD, 4, 1, 3 },
	[OP_TRUNC]	= { "trunc",	NFD, 3, 1, 2 },
	[OP_WRITE]	= { "write",	NFD, 1, 1, 4 },
	[OP_PWRITE]	= { "pwrite",	NFD, MAP_PAGES, 1, 3 },
	[OP_COPYSELF]	= { "copyself",	NFD, 1, 1, 2 },
	[OP_FALLOC]	= { "falloc",	NFD, 3, 1, 1 },
	[OP_SPLICE]	= { "splice",	NFD, 1, 1, 2 },
	[OP_URING]	= { "uring",	NFD, 1, 1, 2 },
	[OP_CLOSE]	= { "close",	NFD, 1, 1, 3 },
	[OP_DUP]	= { "dup",	NFD, NFD, 1, 1 },
	[OP_MMAP]	= { "mmap",	NMAP, NFD, 10, 6 },
	[OP_ANON]	= { "anon",	NMAP, 1, 10, 3 },
	[OP_MUNMAP]	= { "munmap",	NMAP, 1, 1, 1 },
	[OP_MPROTECT]	= { "mprotect",	NMAP, 1, 6, 4 },
	[OP_PKEY]	= { "pkey",	NMAP, 1, 6, 2 },
	[OP_MREMAP]	= { "mremap",	NMAP, NMAP, 2, 2 },
	[OP_MADVISE]	= { "madvise",	NMAP, 1, 6, 2 },
	[OP_POKE]	= { "poke",	NMAP, MAP_PAGES, 1, 4 },
	[OP_BRK]	= { "brk",	NMAP, 1, 1, 1 },
	[OP_PERSONA]	= { "persona",	1, 2, 1, 1 },
	[OP_SHM]	= { "shm",	NMAP, 1, 3, 2 },
	[OP_UFFD]	= { "uffd",	NMAP, 1, 1, 2 },
	[OP_PROCMEM]	= { "procmem",	NMAP, 1, 1, 2 },
	[OP_PVWRITE]	= { "pvwrite",	NMAP, 1, 1, 1 },
	[OP_PTRACE]	= { "ptrace",	NMAP, 1, 1, 2 },
	[OP_FORK]	= { "fork",	1, 1, 1, 1 },
	[OP_VFORK]	= { "vfork",	1, 1, 1, 1 },
	[OP_EXEC]	= { "exec",	NFD, 2, 1, 2 },
	[OP_CLONE]	= { "clone",	1, 1, 1, 1 },
};

struct op {
	unsigned char code, a, b, c;
};

struct seq {
	int n;
	struct op op[MAX_OPS];
};

/* ---- configuration (parent) ---------------------------------------- */

static const char *arg_cgroup;
static const char *arg_nojit;
static const char *arg_dirs[MAX_DIRS];
static int n_dirs;
static uint64_t arg_seed;
static long arg_count = 100;
static long arg_seconds;
static int arg_len = 8;
static bool arg_verbose;
static bool arg_tap;
static const char *arg_replay;
static const char *arg_label = "fuzz";
static bool arg_no_minimize;
/* --overlay MERGED:LOWER:UPPER:WORK */
static char *arg_overlay[4];

/* ---- state of the sequence process ----------------------------------- */

static int fds[NFD] = { -1, -1, -1, -1 };
static struct { void *addr; size_t len; } maps[NMAP];
static int report_fd = -1, go_fd = -1;
static unsigned char payload[PAGE];
static unsigned char signature[14];
static volatile uint32_t magic_seed = 0x4a17c0de;
static uint32_t magic;
static char self_exe[PATH_MAX];

/*
 * The payload is built at run time, so that no copy of its bytes exists
 * in the fuzzer's own image: every match the oracle finds was written by
 * a sequence. `mov eax, MAGIC; ret` then an 8-byte tag, every 64 bytes,
 * int3 in between.
 */
static void payload_init(void)
{
	static const unsigned char tag_x[8] = { 0x11, 0x0e, 0x08, 0x1b, 0x04, 0x1c, 0x0a, 0x66 };
	unsigned char sig[14];
	int i;

	magic = magic_seed;
	sig[0] = 0xb8;
	memcpy(sig + 1, &magic, 4);
	sig[5] = 0xc3;
	for (i = 0; i < 8; i++)
		sig[6 + i] = tag_x[i] ^ 0x5f;	/* "NQWDK[UI" style, not in .rodata */
	memcpy(signature, sig, sizeof(sig));
	memset(payload, 0xcc, sizeof(payload));
	for (i = 0; i + (int)sizeof(sig) <= (int)PAGE; i += 64)
		memcpy(payload + i, sig, sizeof(sig));
}

/* ---- random numbers (splitmix64: reproducible from the printed seed) - */

static uint64_t rng_state;

static uint64_t rng_next(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static unsigned rng_below(unsigned n)
{
	return n ? (unsigned)(rng_next() % n) : 0;
}

/*
 * Sequence number I of master seed SEED. Slots 0 and 1 are picked more
 * often than 2 and 3, so that operations meet the objects earlier ones
 * made.
 */
static void seq_generate(uint64_t seed, long i, int len, struct seq *s)
{
	unsigned total = 0, r, k, last_fd = 0, last_map = 0;

	rng_state = seed ^ ((uint64_t)i * 0xd1342543de82ef95ULL);
	rng_next();
	for (k = 0; k < OP_MAX; k++)
		total += ops[k].weight;
	s->n = 2 + (int)rng_below((unsigned)len - 1);
	for (int j = 0; j < s->n; j++) {
		struct op *o = &s->op[j];
		bool fd_op, map_op;

		r = rng_below(total);
		for (k = 0; k < OP_MAX && r >= ops[k].weight; k++)
			r -= ops[k].weight;
		o->code = (unsigned char)k;
		o->a = (unsigned char)rng_below(ops[k].ra);
		o->b = (unsigned char)rng_below(ops[k].rb);
		o->c = (unsigned char)rng_below(ops[k].rc);
		/*
		 * Mostly the slot an earlier operation used: chains such as
		 * open, write, mmap, mprotect then work on one object.
		 */
		fd_op = (ops[k].ra == NFD && k < OP_MMAP) || k == OP_EXEC;
		map_op = ops[k].ra == NMAP && k >= OP_MMAP && k != OP_EXEC;
		if (fd_op && rng_below(4))
			o->a = (unsigned char)last_fd;
		if (map_op && rng_below(4))
			o->a = (unsigned char)last_map;
		if ((k == OP_MMAP || k == OP_DUP) && rng_below(4))
			o->b = (unsigned char)last_fd;
		if (fd_op)
			last_fd = o->a;
		if (map_op)
			last_map = k == OP_MREMAP ? o->b : o->a;
		if ((k == OP_OPEN || k == OP_OPENRO || k == OP_TMPFILE ||
		     k == OP_LINK || k == OP_UNLINK) && n_dirs)
			o->b = (unsigned char)(o->b % n_dirs);
	}
}

static int seq_format(const struct seq *s, int from, char *buf, size_t size)
{
	size_t off = 0;
	int n;

	buf[0] = '\0';
	for (int j = from; j < s->n; j++) {
		const struct op *o = &s->op[j];

		n = snprintf(buf + off, size - off, "%s%s:%u:%u:%u", j > from ? "," : "",
			     ops[o->code].name, o->a, o->b, o->c);
		if (n < 0 || (size_t)n >= size - off)
			return -ENOSPC;
		off += (size_t)n;
	}
	return 0;
}

/* Parse "op:a:b:c,op:a:b:c" (missing arguments are 0). */
static int seq_parse(const char *text, struct seq *s)
{
	char buf[4096], *save = NULL, *tok;
	unsigned v[3];

	if (strlen(text) >= sizeof(buf))
		return -E2BIG;
	strcpy(buf, text);
	s->n = 0;
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *colon = strchr(tok, ':');
		unsigned k;

		if (s->n >= MAX_OPS)
			return -E2BIG;
		if (colon)
			*colon = '\0';
		for (k = 0; k < OP_MAX && strcmp(ops[k].name, tok); k++)
			;
		if (k == OP_MAX)
			return -EINVAL;
		v[0] = v[1] = v[2] = 0;
		if (colon && sscanf(colon + 1, "%u:%u:%u", &v[0], &v[1], &v[2]) < 1)
			return -EINVAL;
		s->op[s->n].code = (unsigned char)k;
		s->op[s->n].a = (unsigned char)(v[0] % ops[k].ra);
		s->op[s->n].b = (unsigned char)(v[1] % ops[k].rb);
		s->op[s->n].c = (unsigned char)(v[2] % ops[k].rc);
		s->n++;
	}
	return 0;
}

/* ---- helpers of the sequence process --------------------------------- */

static sigjmp_buf fault_jmp;
static volatile sig_atomic_t fault_armed;

static void fault_handler(int sig)
{
	if (fault_armed)
		siglongjmp(fault_jmp, sig);
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Copy into memory that may fault (no mapping, read-only, past EOF). */
static int copy_guarded(void *dst, const void *src, size_t len)
{
	if (sigsetjmp(fault_jmp, 1)) {
		fault_armed = 0;
		return -EFAULT;
	}
	fault_armed = 1;
	memcpy(dst, src, len);
	fault_armed = 0;
	return 0;
}

static int path_of(int dir, int name, char *buf, size_t size)
{
	if (dir >= n_dirs)
		return -ENOENT;
	if (snprintf(buf, size, "%s/f%d", arg_dirs[dir], name) >= (int)size)
		return -ENAMETOOLONG;
	return 0;
}

static void fd_set_slot(int slot, int fd)
{
	if (fds[slot] >= 0)
		close(fds[slot]);
	fds[slot] = fd;
}

static int map_prot(unsigned v)
{
	static const int prot[] = {
		PROT_READ, PROT_READ | PROT_WRITE, PROT_READ | PROT_EXEC,
		PROT_READ | PROT_WRITE | PROT_EXEC, PROT_EXEC, PROT_NONE,
	};
	return prot[v % 6];
}

static void map_set_slot(int slot, void *addr, size_t len)
{
	maps[slot].addr = addr;
	maps[slot].len = len;
}

static int write_all_at(int fd, const void *buf, size_t len, off_t off)
{
	ssize_t n = pwrite(fd, buf, len, off);

	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EIO;
}

static int copy_self(int fd)
{
	char buf[65536];
	off_t off = 0;
	ssize_t n;
	int in, ret = 0;

	in = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return -errno;
	while ((n = read(in, buf, sizeof(buf))) > 0) {
		ret = write_all_at(fd, buf, (size_t)n, off);
		if (ret)
			break;
		off += n;
	}
	if (n < 0)
		ret = -errno;
	close(in);
	return ret;
}

static int uring_write(int fd)
{
	struct io_uring_params p = { 0 };
	struct io_uring_sqe *sqes;
	struct io_uring_cqe *cqes;
	unsigned *sq_tail, *sq_array, *cq_head, *cq_tail, mask;
	void *sq, *cq;
	size_t sq_len, cq_len;
	int ring, ret;

	ring = (int)syscall(__NR_io_uring_setup, 4, &p);
	if (ring < 0)
		return -errno;
	sq_len = p.sq_off.array + p.sq_entries * sizeof(unsigned);
	cq_len = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
	sq = mmap(NULL, sq_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE,
		  ring, IORING_OFF_SQ_RING);
	cq = mmap(NULL, cq_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE,
		  ring, IORING_OFF_CQ_RING);
	sqes = mmap(NULL, p.sq_entries * sizeof(*sqes), PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_POPULATE, ring, IORING_OFF_SQES);
	if (sq == MAP_FAILED || cq == MAP_FAILED || sqes == MAP_FAILED) {
		ret = -errno;
		goto out;
	}
	sq_tail = (unsigned *)((char *)sq + p.sq_off.tail);
	sq_array = (unsigned *)((char *)sq + p.sq_off.array);
	mask = *(unsigned *)((char *)sq + p.sq_off.ring_mask);
	cq_head = (unsigned *)((char *)cq + p.cq_off.head);
	cq_tail = (unsigned *)((char *)cq + p.cq_off.tail);
	cqes = (struct io_uring_cqe *)((char *)cq + p.cq_off.cqes);

	memset(&sqes[0], 0, sizeof(sqes[0]));
	sqes[0].opcode = IORING_OP_WRITE;
	sqes[0].fd = fd;
	sqes[0].addr = (uint64_t)(uintptr_t)payload;
	sqes[0].len = PAGE;
	sqes[0].off = 0;
	sq_array[*sq_tail & mask] = 0;
	__atomic_store_n(sq_tail, *sq_tail + 1, __ATOMIC_RELEASE);
	if (syscall(__NR_io_uring_enter, ring, 1, 1, IORING_ENTER_GETEVENTS, NULL, 0) < 0) {
		ret = -errno;
		goto out;
	}
	if (__atomic_load_n(cq_tail, __ATOMIC_ACQUIRE) == *cq_head) {
		ret = -EAGAIN;
		goto out;
	}
	ret = cqes[*cq_head & (p.cq_entries - 1)].res;
	ret = ret < 0 ? ret : 0;
	__atomic_store_n(cq_head, *cq_head + 1, __ATOMIC_RELEASE);
out:
	close(ring);	/* the mappings go with the process */
	return ret;
}

static int uffd_fill(void *addr, size_t len)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = {
		.range = { .start = (uintptr_t)addr, .len = len },
		.mode = UFFDIO_REGISTER_MODE_MISSING,
	};
	struct uffdio_copy copy = {
		.dst = (uintptr_t)addr, .src = (uintptr_t)payload, .len = PAGE,
	};
	int uffd, ret = 0;

	uffd = (int)syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (uffd < 0)
		return -errno;
	if (ioctl(uffd, UFFDIO_API, &api) || ioctl(uffd, UFFDIO_REGISTER, &reg)) {
		ret = -errno;
		goto out;
	}
	madvise(addr, PAGE, MADV_DONTNEED);
	if (ioctl(uffd, UFFDIO_COPY, &copy))
		ret = -errno;
out:
	close(uffd);
	return ret;
}

/* A helper attaches to us and pokes the payload's first word at ADDR. */
static int ptrace_poke(void *addr)
{
	pid_t self = getpid(), helper;
	int status;

	helper = fork();
	if (helper < 0)
		return -errno;
	if (helper == 0) {
		long word;
		int ok = 1;

		memcpy(&word, payload, sizeof(word));
		if (ptrace(PTRACE_SEIZE, self, 0, 0) || ptrace(PTRACE_INTERRUPT, self, 0, 0))
			_exit(1);
		if (waitpid(self, &status, __WALL) < 0)
			ok = 0;
		for (size_t i = 0; ok && i < 16; i += sizeof(word)) {
			memcpy(&word, payload + i, sizeof(word));
			if (ptrace(PTRACE_POKEDATA, self, (char *)addr + i, word))
				ok = 0;
		}
		ptrace(PTRACE_DETACH, self, 0, 0);
		_exit(ok ? 0 : 1);
	}
	while (waitpid(helper, &status, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -EPERM;
}

static void run_ops(const struct seq *s, int from);

/* Re-exec: the rest of the sequence continues in the new image. */
static void exec_continue(const struct seq *s, int next, int fd, int via_fd)
{
	char rest[4096], fdlist[64], rfd[16], gfd[16];
	char *argv[] = { self_exe, "--cont", rest, "--fds", fdlist, "--report", rfd,
			 "--go", gfd, arg_verbose ? "-v" : NULL, NULL };
	extern char **environ;

	if (seq_format(s, next, rest, sizeof(rest)))
		return;
	snprintf(fdlist, sizeof(fdlist), "%d,%d,%d,%d", fds[0], fds[1], fds[2], fds[3]);
	snprintf(rfd, sizeof(rfd), "%d", report_fd);
	snprintf(gfd, sizeof(gfd), "%d", go_fd);
	for (int i = 0; i < NFD; i++)
		if (fds[i] >= 0)
			fcntl(fds[i], F_SETFD, 0);
	fcntl(report_fd, F_SETFD, 0);
	fcntl(go_fd, F_SETFD, 0);
	if (via_fd)
		syscall(__NR_execveat, fd, "", argv, environ, AT_EMPTY_PATH);
	else
		execve("/proc/self/exe", argv, environ);
}

static int clone_child(void *arg)
{
	const struct op *o = arg;
	struct seq one = { .n = 1, .op = { *o } };

	run_ops(&one, 0);
	return 0;
}

static void wait_and_exit(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			_exit(0);
	}
	_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 0);
}

static int do_op(const struct seq *s, int j)
{
	const struct op *o = &s->op[j];
	char path[PATH_MAX], src[64];
	int fd = fds[o->a % NFD], ret = 0, pipefd[2];
	void *addr = maps[o->a % NMAP].addr, *p;
	size_t len = maps[o->a % NMAP].len;
	static const unsigned mfd_flags[] = { 0, MFD_ALLOW_SEALING, MFD_EXEC, MFD_NOEXEC_SEAL };
	static const int advice[] = { MADV_DONTNEED, MADV_REMOVE, MADV_WIPEONFORK,
				      MADV_POPULATE_WRITE, MADV_FREE, MADV_PAGEOUT };

	switch (o->code) {
	case OP_OPEN:
	case OP_OPENRO:
		if ((ret = path_of(o->b, o->c, path, sizeof(path))))
			return ret;
		fd = open(path, o->code == OP_OPEN ? O_RDWR | O_CREAT | O_CLOEXEC :
			  O_RDONLY | O_CLOEXEC, 0755);
		if (fd < 0)
			return -errno;
		fd_set_slot(o->a, fd);
		return 0;
	case OP_TMPFILE:
		if (o->b >= n_dirs)
			return -ENOENT;
		fd = open(arg_dirs[o->b], O_TMPFILE | O_RDWR | O_CLOEXEC, 0755);
		if (fd < 0)
			return -errno;
		fd_set_slot(o->a, fd);
		return 0;
	case OP_LINK:
		if (fd < 0)
			return -EBADF;
		if ((ret = path_of(o->b, o->c, path, sizeof(path))))
			return ret;
		unlink(path);
		snprintf(src, sizeof(src), "/proc/self/fd/%d", fd);
		return linkat(AT_FDCWD, src, AT_FDCWD, path, AT_SYMLINK_FOLLOW) ? -errno : 0;
	case OP_UNLINK:
		if ((ret = path_of(o->b, o->c, path, sizeof(path))))
			return ret;
		return unlink(path) ? -errno : 0;
	case OP_MEMFD:
		fd = memfd_create("nojit-fuzz", MFD_CLOEXEC | mfd_flags[o->b % 4]);
		if (fd < 0)
			return -errno;
		fd_set_slot(o->a, fd);
		return 0;
	case OP_TRUNC:
		return ftruncate(fd, (off_t)(o->b * PAGE)) ? -errno : 0;
	case OP_WRITE:
		if (lseek(fd, 0, SEEK_SET) < 0)
			return -errno;
		return write(fd, payload, PAGE) == (ssize_t)PAGE ? 0 : -errno;
	case OP_PWRITE:
		return write_all_at(fd, payload, PAGE, (off_t)(o->b * PAGE));
	case OP_COPYSELF:
		return copy_self(fd);
	case OP_FALLOC: {
		static const int mode[] = { 0, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
					    FALLOC_FL_ZERO_RANGE };
		return fallocate(fd, mode[o->b % 3], 0, MAP_LEN) ? -errno : 0;
	}
	case OP_SPLICE: {
		loff_t off = 0;
		ssize_t n;

		if (pipe2(pipefd, O_CLOEXEC))
			return -errno;
		n = write(pipefd[1], payload, PAGE);
		if (n == (ssize_t)PAGE)
			n = splice(pipefd[0], NULL, fd, &off, PAGE, 0);
		ret = n == (ssize_t)PAGE ? 0 : n < 0 ? -errno : -EIO;
		close(pipefd[0]);
		close(pipefd[1]);
		return ret;
	}
	case OP_URING:
		return uring_write(fd);
	case OP_CLOSE:
		fd_set_slot(o->a, -1);
		return 0;
	case OP_DUP:
		if (fds[o->b] < 0)
			return -EBADF;
		fd = fcntl(fds[o->b], F_DUPFD_CLOEXEC, 0);
		if (fd < 0)
			return -errno;
		fd_set_slot(o->a, fd);
		return 0;
	case OP_MMAP:
	case OP_ANON: {
		int flags = o->c >= 5 ? MAP_SHARED : MAP_PRIVATE;

		if (o->code == OP_ANON) {
			flags |= MAP_ANONYMOUS;
			fd = -1;
		} else {
			fd = fds[o->b % NFD];
			if (fd < 0)
				return -EBADF;
		}
		p = mmap(NULL, MAP_LEN, map_prot(o->c % 5), flags, fd, 0);
		if (p == MAP_FAILED)
			return -errno;
		map_set_slot(o->a, p, MAP_LEN);
		return 0;
	}
	case OP_MUNMAP:
		if (!addr)
			return -EINVAL;
		ret = munmap(addr, len) ? -errno : 0;
		map_set_slot(o->a, NULL, 0);
		return ret;
	case OP_MPROTECT:
		if (!addr)
			return -EINVAL;
		return mprotect(addr, len, map_prot(o->c)) ? -errno : 0;
	case OP_PKEY:
		if (!addr)
			return -EINVAL;
		return syscall(SYS_pkey_mprotect, addr, len, map_prot(o->c), -1) ? -errno : 0;
	case OP_MREMAP:
		if (!addr)
			return -EINVAL;
		p = mremap(addr, len, o->c ? len : len + PAGE,
			   MREMAP_MAYMOVE | (o->c ? MREMAP_DONTUNMAP : 0));
		if (p == MAP_FAILED)
			return -errno;
		if (o->c == 0)
			map_set_slot(o->a, NULL, 0);
		map_set_slot(o->b, p, o->c ? len : len + PAGE);
		return 0;
	case OP_MADVISE:
		if (!addr)
			return -EINVAL;
		return madvise(addr, len, advice[o->c % 6]) ? -errno : 0;
	case OP_POKE:
		if (!addr || len < (o->b + 1) * PAGE)
			return -EINVAL;
		return copy_guarded((char *)addr + o->b * PAGE, payload, PAGE);
	case OP_BRK:
		p = sbrk((intptr_t)MAP_LEN);
		if (p == (void *)-1)
			return -errno;
		map_set_slot(o->a, (void *)(((uintptr_t)p + PAGE - 1) & ~(PAGE - 1)), PAGE);
		return copy_guarded(maps[o->a].addr, payload, PAGE);
	case OP_PERSONA:
		return personality(o->b ? READ_IMPLIES_EXEC : 0) < 0 ? -errno : 0;
	case OP_SHM: {
		static const int shmflg[] = { 0, SHM_EXEC, SHM_EXEC | SHM_RDONLY };
		int id = shmget(IPC_PRIVATE, MAP_LEN, IPC_CREAT | 0600);

		if (id < 0)
			return -errno;
		p = shmat(id, NULL, shmflg[o->c % 3]);
		ret = p == (void *)-1 ? -errno : 0;
		shmctl(id, IPC_RMID, NULL);
		if (ret)
			return ret;
		map_set_slot(o->a, p, MAP_LEN);
		return copy_guarded(p, payload, PAGE);
	}
	case OP_UFFD:
		if (!addr)
			return -EINVAL;
		return uffd_fill(addr, len);
	case OP_PROCMEM:
		if (!addr)
			return -EINVAL;
		fd = open("/proc/self/mem", O_RDWR | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		ret = write_all_at(fd, payload, PAGE, (off_t)(uintptr_t)addr);
		close(fd);
		return ret;
	case OP_PVWRITE: {
		struct iovec local = { payload, PAGE }, remote = { addr, PAGE };

		if (!addr)
			return -EINVAL;
		return process_vm_writev(getpid(), &local, 1, &remote, 1, 0) < 0 ? -errno : 0;
	}
	case OP_PTRACE:
		if (!addr)
			return -EINVAL;
		return ptrace_poke(addr);
	case OP_FORK: {
		pid_t pid = fork();

		if (pid < 0)
			return -errno;
		if (pid > 0)
			wait_and_exit(pid);
		return 0;	/* the child carries on */
	}
	case OP_VFORK: {
		pid_t pid = vfork();

		if (pid < 0)
			return -errno;
		if (pid == 0) {
			exec_continue(s, j + 1, -1, 0);
			_exit(0);	/* exec failed: nothing ran, nothing to report */
		}
		wait_and_exit(pid);
		return 0;
	}
	case OP_EXEC:
		if (o->b && fd < 0)
			return -EBADF;
		exec_continue(s, j + 1, fd, o->b);
		return -errno;
	case OP_CLONE: {
		static char stack[65536] __attribute__((aligned(16)));
		pid_t pid;
		int status;

		/*
		 * The clone runs one operation and ends: one that would carry
		 * the sequence on in another process is left to this one.
		 */
		if (j + 1 >= s->n || s->op[j + 1].code == OP_FORK ||
		    s->op[j + 1].code == OP_VFORK || s->op[j + 1].code == OP_EXEC ||
		    s->op[j + 1].code == OP_CLONE)
			return 0;
		pid = clone(clone_child, stack + sizeof(stack),
			    CLONE_VM | CLONE_FS | CLONE_FILES | SIGCHLD,
			    (void *)&s->op[j + 1]);
		if (pid < 0)
			return -errno;
		waitpid(pid, &status, __WALL);
		return 1;	/* the next operation ran in the clone */
	}
	}
	return -ENOSYS;
}

static void run_ops(const struct seq *s, int from)
{
	for (int j = from; j < s->n; j++) {
		int ret = do_op(s, j);

		if (ret == 1)
			j++;
		if (arg_verbose)
			fprintf(stderr, "nojit-fuzz: [%d] %s:%u:%u:%u -> %s\n", getpid(),
				ops[s->op[j].code].name, s->op[j].a, s->op[j].b, s->op[j].c,
				ret < 0 ? strerror(-ret) : "ok");
	}
}

/* ---- oracle 1: call what looks like the payload --------------------- */

struct xmap {
	uintptr_t start, end;
	char name[256];
};

static int xmaps_read(struct xmap *out, int max)
{
	char line[512], perms[8], name[256];
	uintptr_t start, end;
	FILE *f;
	int n = 0;

	f = fopen("/proc/self/maps", "re");
	if (!f)
		return -errno;
	while (n < max && fgets(line, sizeof(line), f)) {
		name[0] = '\0';
		if (sscanf(line, "%" SCNxPTR "-%" SCNxPTR " %7s %*s %*s %*s %255[^\n]",
			   &start, &end, perms, name) < 3)
			continue;
		if (perms[2] != 'x' || !strcmp(name, "[vsyscall]"))
			continue;
		out[n].start = start;
		out[n].end = end;
		snprintf(out[n].name, sizeof(out[n].name), "%s", name);
		n++;
	}
	fclose(f);
	return n;
}

/* 1 if calling ADDR returns MAGIC, in a grandchild; 0 if not. */
static int call_returns_magic(uintptr_t addr)
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return 0;
	if (pid == 0) {
		uint32_t (*fn)(void) = (uint32_t (*)(void))addr;

		signal(SIGSEGV, SIG_DFL);
		signal(SIGBUS, SIG_DFL);
		alarm(5);
		_exit(fn() == magic ? 42 : 43);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return 0;
	return WIFEXITED(status) && WEXITSTATUS(status) == 42;
}

/*
 * Candidates: the first payload match in every page of every executable
 * mapping (read through /proc/self/mem, which also reads execute-only
 * memory and fails cleanly past the end of a file), and the start of
 * every page of the pool's mappings. Writes the result line to REPORT.
 */
static void oracle_call(char *report, size_t size)
{
	static struct xmap xm[256];
	uintptr_t cand[MAX_CANDIDATES];
	unsigned char page[PAGE];
	int nx, nc = 0, mem, hits = 0;
	size_t off = 0;

	nx = xmaps_read(xm, 256);
	mem = open("/proc/self/mem", O_RDONLY | O_CLOEXEC);
	for (int i = 0; i < nx && mem >= 0; i++) {
		for (uintptr_t a = xm[i].start; a < xm[i].end && nc < MAX_CANDIDATES; a += PAGE) {
			unsigned char *m;

			if (pread(mem, page, PAGE, (off_t)a) != (ssize_t)PAGE)
				continue;
			m = memmem(page, PAGE, signature, sizeof(signature));
			if (m)
				cand[nc++] = a + (uintptr_t)(m - page);
		}
	}
	if (mem >= 0)
		close(mem);
	for (int s = 0; s < NMAP; s++)
		for (size_t o = 0; maps[s].addr && o < maps[s].len; o += PAGE)
			for (int i = 0; i < nx && nc < MAX_CANDIDATES; i++)
				if ((uintptr_t)maps[s].addr + o >= xm[i].start &&
				    (uintptr_t)maps[s].addr + o < xm[i].end)
					cand[nc++] = (uintptr_t)maps[s].addr + o;
	report[0] = '\0';
	for (int c = 0; c < nc; c++) {
		bool dup = false;

		for (int d = 0; d < c; d++)
			dup |= cand[d] == cand[c];
		if (dup || !call_returns_magic(cand[c]))
			continue;
		hits++;
		for (int i = 0; i < nx; i++) {
			if (cand[c] < xm[i].start || cand[c] >= xm[i].end)
				continue;
			int n = snprintf(report + off, size - off, "%s0x%" PRIxPTR " in %" PRIxPTR "-%" PRIxPTR " %s",
					 off ? "; " : "", cand[c], xm[i].start, xm[i].end,
					 xm[i].name[0] ? xm[i].name : "(anonymous)");
			if (n > 0 && (size_t)n < size - off)
				off += (size_t)n;
			break;
		}
	}
	(void)hits;
}

/* The end of every sequence, in whichever process it ended in. */
static void __attribute__((noreturn)) sequence_finish(void)
{
	char called[1536], line[2048], c;
	int n;

	oracle_call(called, sizeof(called));
	n = snprintf(line, sizeof(line), "%d %s\n", getpid(), called[0] ? called : "-");
	if (write(report_fd, line, (size_t)n) != n)
		_exit(3);
	/* Stay alive, unchanged, while the parent scans us. */
	while (read(go_fd, &c, 1) < 0 && errno == EINTR)
		;
	_exit(0);
}

static void sequence_setup_signals(void)
{
	struct sigaction sa = { .sa_handler = fault_handler, .sa_flags = SA_NODEFER };

	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static int join_cgroup(const char *dir)
{
	char procs[PATH_MAX + 16], pid[32];
	int fd, n, ret = 0;

	snprintf(procs, sizeof(procs), "%s/cgroup.procs", dir);
	n = snprintf(pid, sizeof(pid), "%d\n", getpid());
	fd = open(procs, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, pid, (size_t)n) != n)
		ret = -errno;
	close(fd);
	return ret;
}

/* ---- the parent: the files every sequence starts from --------------- */

/*
 * What each DIR/fN held when the fuzzer started (NULL: absent). Before
 * every sequence a file that differs is unlinked and made anew with that
 * content (a new inode: no state the kernel keeps for the old one), and
 * one that did not exist is removed, so that a sequence, and the
 * minimizer's runs of it, behave alike whatever ran before. The parent
 * is outside the enrolled cgroup, so the policy does not stop it.
 */
static struct { unsigned char *data; size_t len; } initial[MAX_DIRS][NNAMES];

static int file_read(const char *path, unsigned char **ret_data, size_t *ret_len)
{
	unsigned char *data = NULL, *bigger;
	size_t len = 0, cap = 0;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (;;) {
		if (len == cap) {
			cap = cap ? cap * 2 : 65536;
			bigger = realloc(data, cap);
			if (!bigger) {
				free(data);
				close(fd);
				return -ENOMEM;
			}
			data = bigger;
		}
		n = read(fd, data + len, cap - len);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	if (n < 0) {
		free(data);
		return -EIO;
	}
	*ret_data = data;
	*ret_len = len;
	return 0;
}

static int files_snapshot(void)
{
	char path[PATH_MAX];
	int ret;

	for (int d = 0; d < n_dirs; d++)
		for (int f = 0; f < NNAMES; f++) {
			if ((ret = path_of(d, f, path, sizeof(path))))
				return ret;
			ret = file_read(path, &initial[d][f].data, &initial[d][f].len);
			if (ret && ret != -ENOENT) {
				fprintf(stderr, "nojit-fuzz: reading %s: %s\n", path, strerror(-ret));
				return ret;
			}
		}
	return 0;
}

/*
 * Files changed below a mounted overlay leave it with stale dentries
 * (ESTALE): --overlay makes the parent mount it afresh before every
 * sequence, after its layers were restored and before it is looked at.
 */
static int overlay_remount(char *err, size_t size)
{
	char opts[3 * PATH_MAX + 64];

	if (!arg_overlay[0])
		return 0;
	if (umount2(arg_overlay[0], 0) && errno != EINVAL) {
		snprintf(err, size, "umount %s: %s", arg_overlay[0], strerror(errno));
		return -errno;
	}
	snprintf(opts, sizeof(opts), "lowerdir=%s,upperdir=%s,workdir=%s",
		 arg_overlay[1], arg_overlay[2], arg_overlay[3]);
	if (mount("overlay", arg_overlay[0], "overlay", 0, opts)) {
		snprintf(err, size, "mount overlay on %.200s (%.250s): %s", arg_overlay[0], opts,
			 strerror(errno));
		return -errno;
	}
	return 0;
}

/* Restore one directory's files to the snapshot. */
static int dir_reset(int d, char *err, size_t size)
{
	char path[PATH_MAX];
	unsigned char *now;
	size_t len;
	int fd, ret;

	for (int f = 0; f < NNAMES; f++) {
		path_of(d, f, path, sizeof(path));
		ret = file_read(path, &now, &len);
		if (!ret) {
			bool same = initial[d][f].data && len == initial[d][f].len &&
				    !memcmp(now, initial[d][f].data, len);

			free(now);
			if (same)
				continue;
		}
		if (unlink(path) && errno != ENOENT) {
			snprintf(err, size, "restoring %s: unlink: %s", path, strerror(errno));
			return -errno;
		}
		if (!initial[d][f].data)
			continue;
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0755);
		ret = fd < 0 ? -errno :
		      write_all_at(fd, initial[d][f].data, initial[d][f].len, 0);
		if (fd >= 0)
			close(fd);
		if (ret) {
			snprintf(err, size, "restoring %s: %s", path, strerror(-ret));
			return ret;
		}
	}
	return 0;
}

/*
 * Every directory but the overlay first (its layers among them), then
 * the overlay mounted afresh, then the overlay's own view.
 */
static int files_reset(char *err, size_t size)
{
	int merged = -1, ret;

	for (int d = 0; d < n_dirs; d++) {
		if (arg_overlay[0] && !strcmp(arg_dirs[d], arg_overlay[0])) {
			merged = d;
			continue;
		}
		if ((ret = dir_reset(d, err, size)))
			return ret;
	}
	if ((ret = overlay_remount(err, size)))
		return ret;
	return merged >= 0 ? dir_reset(merged, err, size) : 0;
}

/* ---- the parent: one sequence, both oracles -------------------------- */

struct result {
	bool ran;		/* the sequence reached its end (not killed) */
	bool finding;
	char called[1536];	/* oracle 1 */
	char scan[2048];	/* oracle 2: "reason file start-end; ..." */
	int benign;		/* scan findings judged to be no attacker bytes */
	char reasons[512];	/* " reason reason ... ", what the minimizer keeps */
	char error[512];	/* the fuzzer itself failed: no verdict */
};

/*
 * The scanner cannot reach an unlinked file (O_TMPFILE, unlink) and
 * reports it "deleted" or "unreachable", whatever it holds. The only
 * listed bytes a sequence can write are a copy of this program
 * (copyself), which the hash gate rightly lets through: such a mapping
 * is no finding if its memory equals its file (read through map_files)
 * and the file equals this program at that offset. Anything else is.
 */
static bool mapping_is_self_copy(pid_t pid, const char *start, const char *end,
				 const char *offset)
{
	unsigned char m[PAGE], f[PAGE], e[PAGE];
	uintptr_t s = strtoull(start, NULL, 16), t = strtoull(end, NULL, 16);
	off_t off = (off_t)strtoull(offset, NULL, 16);
	char path[128];
	int mem, file, exe;
	bool same = true;
	size_t pages = 0;

	snprintf(path, sizeof(path), "/proc/%d/map_files/%" PRIxPTR "-%" PRIxPTR, pid, s, t);
	file = open(path, O_RDONLY | O_CLOEXEC);
	snprintf(path, sizeof(path), "/proc/%d/mem", pid);
	mem = open(path, O_RDONLY | O_CLOEXEC);
	exe = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	for (uintptr_t a = s; same && file >= 0 && mem >= 0 && exe >= 0 && a < t; a += PAGE) {
		off_t fo = off + (off_t)(a - s);
		ssize_t nf = pread(file, f, PAGE, fo), ne;

		if (nf <= 0)
			break;	/* past the end of the file: nothing of it is mapped */
		ne = pread(exe, e, PAGE, fo);
		if (ne != nf || memcmp(f, e, (size_t)nf))
			same = false;
		else if (pread(mem, m, (size_t)nf, (off_t)a) == nf && memcmp(m, f, (size_t)nf))
			same = false;
		pages++;
	}
	if (file < 0 || mem < 0 || exe < 0 || !pages)
		same = false;
	if (file >= 0)
		close(file);
	if (mem >= 0)
		close(mem);
	if (exe >= 0)
		close(exe);
	return same;
}

static int read_line_timeout(int fd, char *buf, size_t size, int ms)
{
	size_t off = 0;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	while (off + 1 < size) {
		ssize_t n;

		if (poll(&pfd, 1, ms) <= 0)
			return -ETIMEDOUT;
		n = read(fd, buf + off, 1);
		if (n <= 0)
			return n == 0 ? -EPIPE : -errno;
		if (buf[off] == '\n')
			break;
		off++;
	}
	buf[off] = '\0';
	return 0;
}

/* JSON string value of KEY at or after P (within the same object), into OUT. */
static const char *json_str(const char *p, const char *key, char *out, size_t size)
{
	char pat[64];
	const char *q, *e;

	snprintf(pat, sizeof(pat), "\"%s\":", key);
	q = strstr(p, pat);
	if (!q)
		return NULL;
	q += strlen(pat);
	while (*q == ' ')
		q++;
	if (*q != '"') {
		snprintf(out, size, "null");
		return q;
	}
	e = strchr(q + 1, '"');
	if (!e)
		return NULL;
	snprintf(out, size, "%.*s", (int)(e - q - 1), q + 1);
	return e;
}

/*
 * Oracle 2: nojit scan --pid PID --json. Fills R->scan with the findings;
 * returns their number, or -errno when the scan did not run or its
 * output could not be read (reported, never a silent pass).
 */
static int oracle_scan(pid_t pid, struct result *r)
{
	char pidbuf[16], out[65536], reason[64], file[256], start[32], end[32], offs[32];
	char pat[80];
	const char *p, *stop;
	int pfd[2], status, n = 0;
	size_t off = 0, roff = 0;
	ssize_t got;
	pid_t scan;

	snprintf(pidbuf, sizeof(pidbuf), "%d", pid);
	if (pipe2(pfd, O_CLOEXEC))
		return -errno;
	scan = fork();
	if (scan < 0)
		return -errno;
	if (scan == 0) {
		dup2(pfd[1], 1);
		execl(arg_nojit, arg_nojit, "scan", "--pid", pidbuf, "--json", (char *)NULL);
		_exit(127);
	}
	close(pfd[1]);
	while ((got = read(pfd[0], out + off, sizeof(out) - 1 - off)) > 0)
		off += (size_t)got;
	out[off] = '\0';
	close(pfd[0]);
	waitpid(scan, &status, 0);
	p = strstr(out, "\"findings\":");
	stop = strstr(out, "\"scanned\":");
	if (!p || !stop) {
		snprintf(r->scan, sizeof(r->scan), "nojit scan --pid %d failed (exit %d): %.200s", pid,
			 WIFEXITED(status) ? WEXITSTATUS(status) : -1, out);
		return -EIO;
	}
	while ((p = strstr(p, "\"start\":")) && p < stop) {
		const char *q;

		if (!json_str(p, "start", start, sizeof(start)) ||
		    !json_str(p, "end", end, sizeof(end)) ||
		    !json_str(p, "offset", offs, sizeof(offs)) ||
		    !json_str(p, "file", file, sizeof(file)) ||
		    !(q = json_str(p, "reason", reason, sizeof(reason))))
			break;
		p = q;
		if ((!strcmp(reason, "deleted") || !strcmp(reason, "unreachable")) &&
		    mapping_is_self_copy(pid, start, end, offs)) {
			r->benign++;
			continue;
		}
		n++;
		snprintf(pat, sizeof(pat), " %s ", reason);
		if (!r->reasons[0])
			strcpy(r->reasons, " ");
		if (!strstr(r->reasons, pat) &&
		    strlen(r->reasons) + strlen(pat) < sizeof(r->reasons))
			strcat(r->reasons, pat + 1);
		got = snprintf(r->scan + roff, sizeof(r->scan) - roff, "%s%s %s-%s %s",
			       roff ? "; " : "", reason, start, end, file);
		if (got > 0 && (size_t)got < sizeof(r->scan) - roff)
			roff += (size_t)got;
	}
	return n;
}

static double now_s(void);
/* Time spent in nojit scan, the dearer oracle (it hashes under a manifest). */
static double scan_seconds;

static void run_sequence(const struct seq *s, bool inside, struct result *r)
{
	int rep[2], go[2], status, ret;
	char line[2048];
	pid_t child;

	memset(r, 0, sizeof(*r));
	if ((ret = files_reset(r->error, sizeof(r->error))))
		return;
	if (pipe2(rep, O_CLOEXEC) || pipe2(go, O_CLOEXEC)) {
		snprintf(r->error, sizeof(r->error), "pipe: %s", strerror(errno));
		return;
	}
	child = fork();
	if (child < 0) {
		snprintf(r->error, sizeof(r->error), "fork: %s", strerror(errno));
		return;
	}
	if (child == 0) {
		close(rep[0]);
		close(go[1]);
		report_fd = rep[1];
		go_fd = go[0];
		if (inside && arg_cgroup && (ret = join_cgroup(arg_cgroup))) {
			fprintf(stderr, "nojit-fuzz: joining cgroup %s: %s\n", arg_cgroup,
				strerror(-ret));
			_exit(2);
		}
		sequence_setup_signals();
		run_ops(s, 0);
		sequence_finish();
	}
	close(rep[1]);
	close(go[0]);
	if (read_line_timeout(rep[0], line, sizeof(line), SEQ_TIMEOUT_MS) == 0) {
		pid_t last = (pid_t)strtol(line, NULL, 10);
		char *called = strchr(line, ' ');

		r->ran = true;
		if (called && strcmp(called + 1, "-")) {
			snprintf(r->called, sizeof(r->called), "%s", called + 1);
			r->finding = true;
		}
		if (arg_nojit) {
			double t = now_s();

			ret = oracle_scan(last, r);
			scan_seconds += now_s() - t;
			if (ret > 0)
				r->finding = true;
			else if (ret < 0)
				snprintf(r->error, sizeof(r->error), "%.500s", r->scan);
		}
	}
	close(go[1]);
	close(rep[0]);
	/* A child stuck past the timeout is killed; reaping it is enough. */
	for (int t = 0; t < 200; t++) {
		if (waitpid(child, &status, WNOHANG) != 0)
			return;
		usleep(10000);
	}
	kill(child, SIGKILL);
	waitpid(child, &status, 0);
}

/*
 * The same finding: the payload still runs if it did, and every reason
 * the scanner gave is still given (a shorter sequence must not drift to
 * another, simpler finding).
 */
static bool same_finding(const struct result *was, const struct result *now)
{
	char reasons[512], *save = NULL, pat[80];

	if (!now->finding || now->error[0])
		return false;
	if (was->called[0] && !now->called[0])
		return false;
	snprintf(reasons, sizeof(reasons), "%s", was->reasons);
	for (char *t = strtok_r(reasons, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
		snprintf(pat, sizeof(pat), " %s ", t);
		if (!strstr(now->reasons, pat))
			return false;
	}
	return true;
}

/* Delta debugging, one operation at a time: drop while it reproduces. */
static int minimize(struct seq *s, const struct result *was, long *runs)
{
	struct result r;
	bool changed = true;

	while (changed && s->n > 1) {
		changed = false;
		for (int j = s->n - 1; j >= 0 && s->n > 1; j--) {
			struct seq t = *s;

			memmove(&t.op[j], &t.op[j + 1], sizeof(t.op[0]) * (size_t)(t.n - j - 1));
			t.n--;
			run_sequence(&t, true, &r);
			(*runs)++;
			if (same_finding(was, &r)) {
				*s = t;
				changed = true;
			}
		}
	}
	return 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void usage(FILE *f)
{
	fprintf(f,
"usage: nojit-fuzz [OPTIONS]\n"
"  --seed N          master seed (default: from the clock; always printed)\n"
"  --count N         sequences to run (default 100)\n"
"  --seconds N       run for N seconds instead of a count\n"
"  --len N           at most N operations per sequence (default 8, max %d)\n"
"  --cgroup DIR      move each sequence's child into DIR (an enrolled cgroup)\n"
"  --nojit PATH      oracle 2: run PATH scan --pid CHILD --json after each sequence\n"
"  --dir PATH        a directory files are made in (repeatable, up to %d)\n"
"  --overlay M:L:U:W an overlay (merged dir, lower, upper, work) to mount afresh\n"
"                    before every sequence (its files are changed below it)\n"
"  --replay SEQ      run one sequence (\"op:a:b:c,...\"), report, minimize\n"
"  --label TEXT      prefix of the TAP lines\n"
"  --tap             print one TAP line (ok = no finding)\n"
"  --no-minimize     report findings as generated (calibration)\n"
"  -v                print every operation and its result\n"
"Exit status: 0 no finding, 1 findings, 2 usage or set-up error.\n",
		MAX_OPS, MAX_DIRS);
}

/* The new image after an exec operation: the rest of the sequence. */
static int cont_main(int argc, char **argv)
{
	const char *rest = NULL, *fdl = NULL;
	static struct seq s;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--cont"))
			rest = argv[i + 1];
		else if (!strcmp(argv[i], "--fds"))
			fdl = argv[i + 1];
		else if (!strcmp(argv[i], "--report"))
			report_fd = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--go"))
			go_fd = atoi(argv[i + 1]);
	}
	arg_verbose = !strcmp(argv[argc - 1], "-v");
	if (!rest || !fdl || report_fd < 0 || go_fd < 0)
		return 2;
	fcntl(report_fd, F_SETFD, FD_CLOEXEC);
	fcntl(go_fd, F_SETFD, FD_CLOEXEC);
	if (sscanf(fdl, "%d,%d,%d,%d", &fds[0], &fds[1], &fds[2], &fds[3]) != 4)
		return 2;
	for (int i = 0; i < NFD; i++)
		if (fds[i] >= 0)
			fcntl(fds[i], F_SETFD, FD_CLOEXEC);
	s.n = 0;
	if (rest[0] && seq_parse(rest, &s))
		return 2;
	sequence_setup_signals();
	run_ops(&s, 0);
	sequence_finish();
}

static void print_finding(const struct seq *s, const struct result *r, const char *what)
{
	char text[4096];

	seq_format(s, 0, text, sizeof(text));
	printf("# FINDING (%s): %d operations\n", what, s->n);
	if (r->called[0])
		printf("#   oracle 1 (MAGIC came back): %s\n", r->called);
	if (r->scan[0])
		printf("#   oracle 2 (nojit scan): %s\n", r->scan);
	printf("#   replay: nojit-fuzz%s%s --replay \"%s\"\n",
	       arg_cgroup ? " --cgroup " : "", arg_cgroup ? arg_cgroup : "", text);
}

int main(int argc, char **argv)
{
	static struct seq s;
	struct result r, first;
	long runs = 0, findings = 0, ran = 0, extra = 0, payloads = 0, errors = 0;
	bool have_seed = false;
	double t0, dt;
	char *end;

	payload_init();
	if (readlink("/proc/self/exe", self_exe, sizeof(self_exe) - 1) < 0)
		snprintf(self_exe, sizeof(self_exe), "/proc/self/exe");
	if (argc > 1 && !strcmp(argv[1], "--cont"))
		return cont_main(argc, argv);

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		bool takes = true;

		if (!strcmp(a, "-v")) {
			arg_verbose = true;
			takes = false;
		} else if (!strcmp(a, "--no-minimize")) {
			arg_no_minimize = true;
			takes = false;
		} else if (!strcmp(a, "--tap")) {
			arg_tap = true;
			takes = false;
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return 0;
		} else if (!v) {
			fprintf(stderr, "nojit-fuzz: %s needs an argument\n", a);
			usage(stderr);
			return 2;
		} else if (!strcmp(a, "--seed")) {
			arg_seed = strtoull(v, &end, 0);
			have_seed = true;
			if (*end) {
				fprintf(stderr, "nojit-fuzz: --seed: not a number: %s\n", v);
				return 2;
			}
		} else if (!strcmp(a, "--count")) {
			arg_count = strtol(v, NULL, 0);
		} else if (!strcmp(a, "--seconds")) {
			arg_seconds = strtol(v, NULL, 0);
		} else if (!strcmp(a, "--len")) {
			arg_len = atoi(v);
			if (arg_len < 2 || arg_len > MAX_OPS) {
				fprintf(stderr, "nojit-fuzz: --len: not in 2..%d: %s\n", MAX_OPS, v);
				return 2;
			}
		} else if (!strcmp(a, "--cgroup")) {
			arg_cgroup = v;
		} else if (!strcmp(a, "--nojit")) {
			arg_nojit = v;
		} else if (!strcmp(a, "--dir")) {
			if (n_dirs == MAX_DIRS) {
				fprintf(stderr, "nojit-fuzz: --dir: at most %d: %s\n", MAX_DIRS, v);
				return 2;
			}
			arg_dirs[n_dirs++] = v;
		} else if (!strcmp(a, "--overlay")) {
			char *save = NULL, *copy = strdup(v);
			int k = 0;

			for (char *t = copy ? strtok_r(copy, ":", &save) : NULL; t && k < 4;
			     t = strtok_r(NULL, ":", &save))
				arg_overlay[k++] = t;
			if (k != 4) {
				fprintf(stderr, "nojit-fuzz: --overlay: not MERGED:LOWER:UPPER:WORK: %s\n", v);
				return 2;
			}
		} else if (!strcmp(a, "--replay")) {
			arg_replay = v;
		} else if (!strcmp(a, "--label")) {
			arg_label = v;
		} else {
			fprintf(stderr, "nojit-fuzz: unknown option %s\n", a);
			usage(stderr);
			return 2;
		}
		i += takes;
	}
	if (!have_seed)
		arg_seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	setvbuf(stdout, NULL, _IOLBF, 0);

	if (files_snapshot())
		return 2;
	t0 = now_s();
	if (arg_replay) {
		if (seq_parse(arg_replay, &s)) {
			fprintf(stderr, "nojit-fuzz: --replay: cannot parse: %s\n", arg_replay);
			return 2;
		}
		run_sequence(&s, true, &r);
		runs = ran = 1;
		if (r.error[0]) {
			printf("# error: %s\n", r.error);
			return 2;
		}
		if (r.finding) {
			findings = 1;
			payloads = r.called[0] != '\0';
			print_finding(&s, &r, "as given");
			first = r;
			minimize(&s, &first, &extra);
			run_sequence(&s, true, &r);
			print_finding(&s, &r, "minimized");
		}
	} else {
		printf("# nojit-fuzz: seed %" PRIu64 " (0x%" PRIx64 "), %s%s\n", arg_seed, arg_seed,
		       arg_cgroup ? "inside " : "outside any cgroup given",
		       arg_cgroup ? arg_cgroup : "");
		for (long i = 0;; i++) {
			if (arg_seconds ? now_s() - t0 >= (double)arg_seconds : i >= arg_count)
				break;
			seq_generate(arg_seed, i, arg_len, &s);
			run_sequence(&s, true, &r);
			runs++;
			ran += r.ran;
			if (r.error[0]) {
				printf("# error in sequence %ld of seed %" PRIu64 ": %s\n", i, arg_seed,
				       r.error);
				errors++;
				break;
			}
			if (!r.finding)
				continue;
			findings++;
			payloads += r.called[0] != '\0';
			printf("# sequence %ld of seed %" PRIu64 ":\n", i, arg_seed);
			print_finding(&s, &r, "as generated");
			if (arg_no_minimize)
				continue;
			first = r;
			minimize(&s, &first, &extra);
			run_sequence(&s, true, &r);
			print_finding(&s, &r, "minimized");
		}
	}
	dt = now_s() - t0;
	printf("# %s: %ld sequences (%ld reached the oracle, the rest were killed or timed out), "
	       "%ld findings (%ld where the payload ran), %.1f s, %.2f sequences/s (+%ld minimizing runs)\n",
	       arg_label, runs, ran, findings, payloads, dt, dt > 0 ? (double)runs / dt : 0.0, extra);
	if (arg_tap)
		printf("%s 1 - %s: seed %" PRIu64 ", %ld sequences run, %ld findings%s\n",
		       findings || errors ? "not ok" : "ok", arg_label, arg_seed, runs, findings,
		       errors ? ", stopped by an error" : "");
	printf("# summary: sequences=%ld reached_oracle=%ld findings=%ld payload_findings=%ld errors=%ld seconds=%.1f scan_seconds=%.1f\n",
	       runs, ran, findings, payloads, errors, dt, scan_seconds);
	return errors ? 2 : findings ? 1 : 0;
}
