// SPDX-License-Identifier: GPL-2.0
/*
 * loops - the `make bench` workloads; each prints its cost per operation.
 *
 *   loops LOOP N [WARMUP]
 *
 *   loops mmap N       mmap + munmap of one anonymous RW page (op = the pair)
 *   loops mprotect N   one RW page, mprotect R then RW, alternating
 *                      (op = one mprotect call)
 *   loops forkexec N   fork + execve("/bin/true") + waitpid (op = all three);
 *                      /bin/true is Debian's, dynamically linked, so every
 *                      op also runs ld.so: open, read, mmap PROT_EXEC and
 *                      mprotect of libc, the hot paths of an exec
 *
 * The hooks a JIT exception adds (selftests/bench/exception); each of
 * these is something a task marked by an exception may still do, except
 * where said:
 *   loops unix N       AF_UNIX datagram socketpair: send one byte, receive
 *                      it (op = the pair)
 *   loops udp N        the same over one UDP socket on 127.0.0.1 sending
 *                      to itself (a marked task may not)
 *   loops usocket N    socket(AF_UNIX, SOCK_DGRAM) + close
 *   loops isocket N    socket(AF_INET, SOCK_DGRAM) + close (a marked task
 *                      may not)
 *   loops fork N       fork + _exit + waitpid
 *   loops files N      in the current directory: open a new file
 *                      O_CREAT|O_WRONLY, close, unlink (op = all three)
 *   loops jit N        one anonymous page, mprotect RX then RW, alternating,
 *                      as a JIT flips its code (op = one mprotect call)
 *   loops jitmap N     mmap + munmap of one anonymous RX page
 *
 * Output, one line: "LOOP N NS_PER_OP ns/op", from CLOCK_MONOTONIC over the
 * N timed operations. WARMUP untimed ones run first (default 256 for mmap
 * and mprotect, 4 for forkexec; 0 when only kernel counters are wanted).
 * Exit 0, 1 if an operation failed, 2 usage.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define EXEC_TARGET "/bin/true"

static const char usage[] =
	"Usage: loops {mmap|mprotect|forkexec|unix|udp|usocket|isocket|fork|files|jit|jitmap}\n"
	"             N [WARMUP]\n";

static int loop_mmap(unsigned long n)
{
	for (unsigned long i = 0; i < n; i++) {
		void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED)
			return -errno;
		if (munmap(p, 4096) < 0)
			return -errno;
	}
	return 0;
}

/*
 * mprotect() of one anonymous page (*PAGE, made on first use) between
 * read-write and OTHER; an even count of calls leaves it read-write.
 */
static int flip_loop(void **page, unsigned long n, int other)
{
	if (!*page) {
		*page = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (*page == MAP_FAILED) {
			*page = NULL;
			return -errno;
		}
	}
	for (unsigned long i = 0; i < n; i++) {
		int prot = i & 1 ? PROT_READ | PROT_WRITE : other;

		if (mprotect(*page, 4096, prot) < 0)
			return -errno;
	}
	if (n & 1 && mprotect(*page, 4096, PROT_READ | PROT_WRITE) < 0)
		return -errno;
	return 0;
}

static int loop_mprotect(unsigned long n)
{
	static void *page;

	return flip_loop(&page, n, PROT_READ);
}

static int loop_forkexec(unsigned long n)
{
	char *const argv[] = { EXEC_TARGET, NULL };
	char *const envp[] = { NULL };

	for (unsigned long i = 0; i < n; i++) {
		int status;
		pid_t pid = fork();

		if (pid < 0)
			return -errno;
		if (pid == 0) {
			execve(EXEC_TARGET, argv, envp);
			_exit(127);
		}
		while (waitpid(pid, &status, 0) < 0)
			if (errno != EINTR)
				return -errno;
		if (!WIFEXITED(status) || WEXITSTATUS(status)) {
			fprintf(stderr, "loops: %s failed (wait status %#x)\n",
				EXEC_TARGET, status);
			return -ECHILD;
		}
	}
	return 0;
}

/* N times: send one byte on fds[0], receive it on fds[1]. */
static int send_recv(const int fds[2], unsigned long n)
{
	char c = 'x';

	for (unsigned long i = 0; i < n; i++) {
		if (send(fds[0], &c, 1, 0) != 1)
			return -errno;
		if (recv(fds[1], &c, 1, 0) != 1)
			return -errno;
	}
	return 0;
}

static int loop_unix(unsigned long n)
{
	static int fds[2] = { -1, -1 };

	if (fds[0] < 0 && socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, fds) < 0)
		return -errno;
	return send_recv(fds, n);
}

static int loop_udp(unsigned long n)
{
	static int fds[2] = { -1, -1 };

	if (fds[0] < 0) {
		struct sockaddr_in sin = {
			.sin_family = AF_INET,
			.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
		};
		socklen_t len = sizeof(sin);
		int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

		if (fd < 0)
			return -errno;
		/* Connected to its own address: send() and recv() on one socket. */
		if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
		    getsockname(fd, (struct sockaddr *)&sin, &len) < 0 ||
		    connect(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
			int err = -errno;

			close(fd);
			return err;
		}
		fds[0] = fds[1] = fd;
	}
	return send_recv(fds, n);
}

static int socket_close(int family, unsigned long n)
{
	for (unsigned long i = 0; i < n; i++) {
		int fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);

		if (fd < 0)
			return -errno;
		close(fd);
	}
	return 0;
}

static int loop_usocket(unsigned long n)
{
	return socket_close(AF_UNIX, n);
}

static int loop_isocket(unsigned long n)
{
	return socket_close(AF_INET, n);
}

static int loop_fork(unsigned long n)
{
	for (unsigned long i = 0; i < n; i++) {
		int status;
		pid_t pid = fork();

		if (pid < 0)
			return -errno;
		if (pid == 0)
			_exit(0);
		while (waitpid(pid, &status, 0) < 0)
			if (errno != EINTR)
				return -errno;
	}
	return 0;
}

static int loop_files(unsigned long n)
{
	static const char name[] = "nojit-bench-file";

	for (unsigned long i = 0; i < n; i++) {
		int fd = open(name, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);

		if (fd < 0)
			return -errno;
		close(fd);
		if (unlink(name) < 0)
			return -errno;
	}
	return 0;
}

/* mprotect() of one anonymous page between W and X (a JIT's flip). */
static int loop_jit(unsigned long n)
{
	static void *page;

	return flip_loop(&page, n, PROT_READ | PROT_EXEC);
}

static int loop_jitmap(unsigned long n)
{
	for (unsigned long i = 0; i < n; i++) {
		void *p = mmap(NULL, 4096, PROT_READ | PROT_EXEC,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED)
			return -errno;
		if (munmap(p, 4096) < 0)
			return -errno;
	}
	return 0;
}

static const struct {
	const char *name;
	int (*run)(unsigned long n);
	unsigned long warmup;
} loops[] = {
	{ "mmap", loop_mmap, 256 },
	{ "mprotect", loop_mprotect, 256 },
	{ "forkexec", loop_forkexec, 4 },
	{ "unix", loop_unix, 256 },
	{ "udp", loop_udp, 256 },
	{ "usocket", loop_usocket, 64 },
	{ "isocket", loop_isocket, 64 },
	{ "fork", loop_fork, 4 },
	{ "files", loop_files, 16 },
	{ "jit", loop_jit, 256 },
	{ "jitmap", loop_jitmap, 256 },
};

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	unsigned long n, warmup = ~0ul;
	char *end;
	double t0, t1;
	int err;

	if (argc != 3 && argc != 4) {
		fprintf(stderr, "%s", usage);
		return 2;
	}
	errno = 0;
	n = strtoul(argv[2], &end, 10);
	if (errno || *end || !n || argv[2][0] == '-') {
		fprintf(stderr, "loops: N must be a positive number: %s\n", argv[2]);
		return 2;
	}
	if (argc == 4) {
		errno = 0;
		warmup = strtoul(argv[3], &end, 10);
		if (errno || *end || !argv[3][0] || argv[3][0] == '-') {
			fprintf(stderr, "loops: WARMUP must be a number: %s\n", argv[3]);
			return 2;
		}
	}
	for (size_t i = 0; i < sizeof(loops) / sizeof(loops[0]); i++) {
		if (strcmp(argv[1], loops[i].name))
			continue;
		if (warmup == ~0ul)
			warmup = loops[i].warmup;
		err = warmup ? loops[i].run(warmup) : 0;
		if (!err) {
			t0 = now_ns();
			err = loops[i].run(n);
			t1 = now_ns();
		}
		if (err) {
			fprintf(stderr, "loops: %s: %s\n", loops[i].name, strerror(-err));
			return 1;
		}
		printf("%s %lu %.1f ns/op\n", loops[i].name, n, (t1 - t0) / n);
		return 0;
	}
	fprintf(stderr, "loops: unknown loop '%s'\n%s", argv[1], usage);
	return 2;
}
