/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The signed trailer of a vkernel megabinary (docs/vkernel.md).
 *
 *   APP = IMAGE || TRAILER || FOOTER
 *   FOOTER  (16 bytes): u64 trailer length, "NJVKEND1"
 *   TRAILER: "NJVKTRL1", u32 version (1 or 2), u32 module count,
 *            u64 image length, u8 image SHA-256[32], char key id[16],
 *            count x { char name[64] (NUL padded), u8 wasm SHA-256[32] },
 *            version 2 only: u32 code count, count x u8 SHA-256[32]
 *            (strictly ascending),
 *            u8 Ed25519 signature[64]
 * Integers are little endian. The signature covers VK_TRAILER_CONTEXT
 * followed by every trailer byte before it; the image hash covers the
 * first image-length bytes of the file, which must be all of it but the
 * trailer and footer.
 *
 * Version 2 adds the code list: the SHA-256 of every script (or other
 * code an interpreter guest loads) the build allows, which the runtime's
 * nojit.gate_code checks (gate.h). A megabinary without listed code is
 * written as version 1, byte for byte what older verifiers read.
 */
#ifndef NOJIT_VK_TRAILER_H
#define NOJIT_VK_TRAILER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "keys.h"
#include "util.h"

#define VK_TRAILER_MAGIC	"NJVKTRL1"
#define VK_FOOTER_MAGIC		"NJVKEND1"
#define VK_TRAILER_CONTEXT	"nojit-vk-trailer-v1\n"
#define VK_TRAILER_VERSION	1	/* modules only */
#define VK_TRAILER_VERSION_CODES 2	/* modules and the code list */
#define VK_NAME_MAX		64	/* including the NUL */
#define VK_MAX_MODULES		256
#define VK_FOOTER_LEN		16
#define VK_HEAD_LEN		(8 + 4 + 4 + 8 + 32 + NOJIT_KEY_ID_LEN)
#define VK_ENTRY_LEN		(VK_NAME_MAX + 32)
#define VK_MAX_CODES		16384
/* Trailer length, version 1 (N modules) and version 2 (and C codes). */
#define VK_TRAILER_LEN(n)	(VK_HEAD_LEN + (size_t)(n) * VK_ENTRY_LEN + NOJIT_SIG_LEN)
#define VK_TRAILER_V2_LEN(n, c)	(VK_TRAILER_LEN(n) + 4 + (size_t)(c) * 32)

struct vk_trailer_module {
	char name[VK_NAME_MAX];
	uint8_t wasm_sha256[32];
};

struct vk_trailer {
	uint32_t version;
	uint32_t n_modules;
	uint64_t image_len;
	uint8_t image_sha256[32];
	char key_id[NOJIT_KEY_ID_LEN + 1];
	struct vk_trailer_module modules[VK_MAX_MODULES];
	uint32_t n_codes;			/* version 2; 0 in version 1 */
	uint8_t codes[VK_MAX_CODES][32];	/* strictly ascending */
	uint8_t sig[NOJIT_SIG_LEN];
};

/* A module name: 1-63 of [A-Za-z0-9._-], not starting with '.' or '-'. */
bool vk_name_valid(const char *name);

/* The encoded length of T without the footer (by its version). */
size_t vk_trailer_len(const struct vk_trailer *t);

/* Serialize T (signature included) into BUF of vk_trailer_len(t) + VK_FOOTER_LEN bytes. */
size_t vk_trailer_encode(const struct vk_trailer *t, uint8_t *buf);

/*
 * bsearch() comparison of a SHA-256 KEY with an element that starts with
 * a SHA-256 (a trailer code, a manifest entry), in memcmp order.
 */
int vk_sha256_cmp(const void *key, const void *elem);
/* Is SHA256 in T's code list? (binary search; the list is sorted) */
bool vk_trailer_lists_code(const struct vk_trailer *t, const uint8_t sha256[32]);

/* Sign T with K: sets key_id and sig. */
int vk_trailer_sign(struct vk_trailer *t, const struct nojit_seckey *k);

/*
 * Read and parse the trailer of the megabinary open at FD (its whole
 * length is checked against the footer and the recorded image length).
 * Does not check the signature or the image hash. NAME is for messages.
 */
int vk_trailer_read(int fd, const char *name, struct vk_trailer *t, struct nojit_err *err);

/*
 * The trailer of the megabinary at FD, parsed and its signature checked as
 * vk_verify_fd() does, without the image hash: for a file whose bytes
 * something else binds (an fs-verity seal, verity.h).
 */
int vk_trailer_verify_fd(int fd, const char *name, const struct nojit_trust *trust,
			 const uint8_t (*keys)[32], size_t n_keys, struct vk_trailer *t,
			 struct nojit_err *err);

/*
 * Full verification of the megabinary at FD: parse, signature by a key of
 * TRUST (or by one of N_KEYS raw public keys in KEYS when TRUST is NULL),
 * and the image hash. On success T holds the verified trailer and, when
 * RET_FILE_SHA256 (32 bytes) is not NULL, it the SHA-256 of the whole file
 * as verified: computed from the bytes the checks read, never re-read.
 */
int vk_verify_fd(int fd, const char *name, const struct nojit_trust *trust,
		 const uint8_t (*keys)[32], size_t n_keys, struct vk_trailer *t,
		 uint8_t *ret_file_sha256, struct nojit_err *err);

/*
 * vk_verify_fd() of the file at PATH against the trust store TRUST_PATH (a
 * .pub file or a directory), for a report only: whoever goes on to use the
 * megabinary must verify the descriptor it uses (vk_verify_fd()), since
 * another file may be at PATH by then.
 */
int vk_verify_path(const char *path, const char *trust_path, struct vk_trailer *t,
		   struct nojit_err *err);

#endif
