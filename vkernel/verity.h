/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The fs-verity seal of a megabinary (docs/vkernel.md, "Start-up").
 *
 * `nojit vk seal` enables fs-verity on a fully verified megabinary: from
 * then on the file cannot be written and the kernel checks every page
 * read or mapped from it, the ELF loader's included, against a Merkle
 * tree whose root is summed up in the file's verity digest D. The seal is
 * an Ed25519 signature by the vk signing key over
 *
 *   VK_SEAL_CONTEXT || u16 hash algorithm || u16 digest size || D || key id
 *
 * (integers little endian), kept in the xattr VK_SEAL_XATTR as
 *
 *   VK_SEAL_MAGIC (8) || key id (16 hex chars) || signature (64)
 *
 * The signature authenticates itself. A megabinary whose own file
 * carries a seal that verifies with a key compiled into it may skip
 * hashing its image: D fixes every byte of the file, and the key holder
 * sealed D only after checking those bytes.
 */
#ifndef NOJIT_VK_VERITY_H
#define NOJIT_VK_VERITY_H

#include <stddef.h>
#include <stdint.h>

#include "keys.h"
#include "util.h"

/*
 * A security.* xattr: anyone may read it, only CAP_SYS_ADMIN may set it.
 * The signature is what makes a seal valid; the namespace is what keeps a
 * user from putting one on a file of their own making (a copy of the
 * legitimate bytes with a page they pinned before enabling verity, which
 * root might later take over by chown): only the sealer marks a file.
 */
#define VK_SEAL_XATTR		"security.nojit.vk-verity"
#define VK_SEAL_MAGIC		"NJVKSEL1"
#define VK_SEAL_CONTEXT		"nojit-vk-verity-v1\n"
#define VK_SEAL_LEN		(8 + NOJIT_KEY_ID_LEN + NOJIT_SIG_LEN)
#define VK_VERITY_MAX_DIGEST	64
#define VK_VERITY_BLOCK		4096	/* the Merkle tree block `vk seal` uses */

struct vk_verity {
	uint16_t alg;		/* FS_VERITY_HASH_ALG_* */
	uint16_t len;
	uint8_t digest[VK_VERITY_MAX_DIGEST];
};

/*
 * The kernel's fs-verity digest of the file open at FD. Only on file
 * systems whose verity support is the kernel's own (ext4, f2fs, btrfs):
 * elsewhere (FUSE passes the ioctl to its server, which could answer
 * anything) -EOPNOTSUPP. A file without verity: -ENODATA.
 */
int vk_verity_measure(int fd, struct vk_verity *v);

/*
 * The fs-verity digest the kernel will give the file open at FD once
 * `vk seal` enabled verity on it (SHA-256, VK_VERITY_BLOCK-byte blocks, no
 * salt), computed here from its contents: so a build machine can seal
 * without fs-verity, and a node can check a seal before making the file
 * immutable. Only ever compared with the kernel's, never trusted alone.
 */
int vk_verity_compute(int fd, struct vk_verity *v);

/* The seal of V by K into SEAL (VK_SEAL_LEN bytes). */
int vk_seal_sign(const struct vk_verity *v, const struct nojit_seckey *k, uint8_t *seal);

/*
 * Does SEAL (LEN bytes) verify for V with one of N_KEYS raw public keys
 * in KEYS? 0 (the signer's id in KEY_ID, NOJIT_KEY_ID_LEN + 1 bytes, is
 * set unless -EBADMSG), -EBADMSG malformed, -ENOKEY by a key not in KEYS,
 * -EKEYREJECTED a bad signature (another file's seal, say).
 */
int vk_seal_verify(const struct vk_verity *v, const uint8_t *seal, size_t len,
		   const uint8_t (*keys)[32], size_t n_keys, char *key_id);

/* "sha256:HEX" of V into BUF (at least 8 + 2 * VK_VERITY_MAX_DIGEST + 1 bytes). */
void vk_verity_format(const struct vk_verity *v, char *buf);

#endif
