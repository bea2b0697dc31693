/* SPDX-License-Identifier: GPL-2.0 */
/* SHA-256 of a file's content (sha256_stream.h), streamed through a buffer. */
#ifndef NOJIT_SHA256_H
#define NOJIT_SHA256_H

#include <linux/types.h>
#include <stddef.h>

/*
 * Hash FD from its current offset to EOF into OUT. BUF/BUF_SIZE is the
 * caller's read buffer; ON_CHUNK, if set, sees every chunk read (progress,
 * sniffing the file's first bytes). 0 or -errno.
 */
int sha256_fd(int fd, __u8 out[32], __u8 *buf, size_t buf_size,
	      void (*on_chunk)(void *ctx, const __u8 *data, size_t n), void *ctx);

/*
 * sha256_fd() for files whose size or read speed someone else controls:
 * -EFBIG once more than MAX_BYTES were read (a file growing meanwhile
 * too), -ETIME once CLOCK_MONOTONIC passes DEADLINE_NS.
 */
int sha256_fd_bounded(int fd, __u8 out[32], __u8 *buf, size_t buf_size, __u64 max_bytes,
		      __s64 deadline_ns);

#endif /* NOJIT_SHA256_H */
