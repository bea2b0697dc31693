/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Streaming SHA-256 for the bulk hashing (a file's content, the vkernel's
 * self check of its whole image): the x86 SHA extensions when the CPU has
 * them, else libsodium. Both give the same digest; the unit tests hold
 * one against the other and against the FIPS 180-2 examples.
 */
#ifndef NOJIT_SHA256_STREAM_H
#define NOJIT_SHA256_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sodium.h>

struct sha256_stream {
	bool ni;			/* the SHA extensions: h/len/buf below */
	uint32_t h[8];
	uint64_t len;			/* bytes so far */
	uint8_t buf[64];
	crypto_hash_sha256_state sodium;	/* otherwise */
};

void sha256_stream_init(struct sha256_stream *s);
/* sha256_stream_init() that never uses the SHA extensions (tests, bench). */
void sha256_stream_init_sodium(struct sha256_stream *s);
void sha256_stream_update(struct sha256_stream *s, const uint8_t *p, size_t n);
void sha256_stream_final(struct sha256_stream *s, uint8_t out[32]);
/* Whether sha256_stream_init() uses the SHA extensions on this CPU. */
bool sha256_stream_has_ni(void);

#endif /* NOJIT_SHA256_STREAM_H */
