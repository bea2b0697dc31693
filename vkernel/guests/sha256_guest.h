/* SPDX-License-Identifier: GPL-2.0 */
/*
 * SHA-256 (FIPS 180-4) for the guests (sha256sum, cpuhash), in plain C so
 * the same code runs as wasm and natively.
 */
#ifndef NOJIT_VK_SHA256_GUEST_H
#define NOJIT_VK_SHA256_GUEST_H

#include <stddef.h>
#include <stdint.h>

struct sha256 {
	uint32_t h[8];
	uint64_t len;		/* bytes hashed so far */
	uint8_t buf[64];
	size_t fill;		/* bytes in buf */
};

void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *data, size_t len);
void sha256_final(struct sha256 *s, uint8_t out[32]);
/* out: 65 bytes, lower-case hex and a NUL. */
void sha256_hex(const uint8_t digest[32], char out[65]);

#endif
