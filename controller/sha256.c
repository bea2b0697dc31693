// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdint.h>
#include <unistd.h>

#include "sha256.h"
#include "sha256_stream.h"
#include "util.h"

/* The one read-and-hash loop; MAX_BYTES and DEADLINE_NS bound it (sha256.h). */
static int hash_fd(int fd, __u8 out[32], __u8 *buf, size_t buf_size,
		   void (*on_chunk)(void *ctx, const __u8 *data, size_t n), void *ctx,
		   __u64 max_bytes, __s64 deadline_ns)
{
	struct sha256_stream st;
	__u64 total = 0;

	sha256_stream_init(&st);
	for (;;) {
		ssize_t n = read(fd, buf, buf_size);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		total += (__u64)n;
		if (total > max_bytes)
			return -EFBIG;
		if (deadline_ns != INT64_MAX && clock_ns(CLOCK_MONOTONIC) > deadline_ns)
			return -ETIME;
		if (on_chunk)
			on_chunk(ctx, buf, (size_t)n);
		sha256_stream_update(&st, buf, (size_t)n);
	}
	sha256_stream_final(&st, out);
	return 0;
}

int sha256_fd(int fd, __u8 out[32], __u8 *buf, size_t buf_size,
	      void (*on_chunk)(void *ctx, const __u8 *data, size_t n), void *ctx)
{
	return hash_fd(fd, out, buf, buf_size, on_chunk, ctx, UINT64_MAX, INT64_MAX);
}

int sha256_fd_bounded(int fd, __u8 out[32], __u8 *buf, size_t buf_size, __u64 max_bytes,
		      __s64 deadline_ns)
{
	return hash_fd(fd, out, buf, buf_size, NULL, NULL, max_bytes, deadline_ns);
}
