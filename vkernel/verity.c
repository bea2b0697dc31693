// SPDX-License-Identifier: GPL-2.0
/* The fs-verity seal of a megabinary (verity.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/fsverity.h>
#include <linux/magic.h>
#include <sodium.h>

#include "verity.h"

int vk_verity_measure(int fd, struct vk_verity *v)
{
	/* struct fsverity_digest ends in a flexible array: room after it. */
	union {
		struct fsverity_digest d;
		uint8_t room[sizeof(struct fsverity_digest) + VK_VERITY_MAX_DIGEST];
	} m = { .d.digest_size = VK_VERITY_MAX_DIGEST };
	struct statfs sfs;

	if (fstatfs(fd, &sfs))
		return -errno;
	/*
	 * Where the file system is the kernel's own, the kernel computed the
	 * digest and checks every page against it. A FUSE server is asked
	 * the ioctl and may answer any digest while serving other bytes.
	 */
	if (sfs.f_type != EXT4_SUPER_MAGIC && sfs.f_type != (typeof(sfs.f_type))F2FS_SUPER_MAGIC &&
	    sfs.f_type != (typeof(sfs.f_type))BTRFS_SUPER_MAGIC)
		return -EOPNOTSUPP;
	if (ioctl(fd, FS_IOC_MEASURE_VERITY, &m))
		return errno == ENOTTY ? -EOPNOTSUPP : -errno;
	if ((m.d.digest_algorithm != FS_VERITY_HASH_ALG_SHA256 || m.d.digest_size != 32) &&
	    (m.d.digest_algorithm != FS_VERITY_HASH_ALG_SHA512 || m.d.digest_size != 64))
		return -EOPNOTSUPP;
	v->alg = m.d.digest_algorithm;
	v->len = m.d.digest_size;
	memcpy(v->digest, m.d.digest, v->len);
	return 0;
}

/*
 * The Merkle tree, one pending block per level: each data block's hash
 * goes into level 0; a full level block is hashed into the level above,
 * except the top one, whose hash is the root.
 */
struct tree {
	unsigned int levels;
	uint8_t (*buf)[VK_VERITY_BLOCK];
	size_t *fill;
};

static void tree_add(struct tree *t, unsigned int level, const uint8_t hash[32])
{
	memcpy(t->buf[level] + t->fill[level], hash, 32);
	t->fill[level] += 32;
	if (t->fill[level] == VK_VERITY_BLOCK && level + 1 < t->levels) {
		uint8_t h[32];

		crypto_hash_sha256(h, t->buf[level], VK_VERITY_BLOCK);
		t->fill[level] = 0;
		tree_add(t, level + 1, h);
	}
}

int vk_verity_compute(int fd, struct vk_verity *v)
{
	uint8_t block[VK_VERITY_BLOCK], desc[256] = { 1, FS_VERITY_HASH_ALG_SHA256, 12, 0 }, h[32];
	struct tree t = {};
	uint64_t size, n, off;
	struct stat st;
	int r = 0;

	if (fstat(fd, &st))
		return -errno;
	size = (uint64_t)st.st_size;
	/* Levels above the data until one block holds all hashes. */
	for (n = (size + VK_VERITY_BLOCK - 1) / VK_VERITY_BLOCK; n > 1; t.levels++)
		n = (n + VK_VERITY_BLOCK / 32 - 1) / (VK_VERITY_BLOCK / 32);
	t.buf = calloc(t.levels + 1, sizeof(*t.buf));
	t.fill = calloc(t.levels + 1, sizeof(*t.fill));
	if (!t.buf || !t.fill) {
		r = -ENOMEM;
		goto out;
	}
	for (off = 0; off < size; off += VK_VERITY_BLOCK) {
		n = size - off < VK_VERITY_BLOCK ? size - off : VK_VERITY_BLOCK;
		memset(block, 0, sizeof(block));
		r = pread_full(fd, block, n, off);
		if (r)
			goto out;
		crypto_hash_sha256(h, block, sizeof(block));
		if (!t.levels) {	/* one block: its hash is the root */
			memcpy(desc + 16, h, 32);
			break;
		}
		tree_add(&t, 0, h);
	}
	for (unsigned int i = 0; i < t.levels; i++) {
		if (!t.fill[i] && i + 1 < t.levels)
			continue;
		memset(t.buf[i] + t.fill[i], 0, VK_VERITY_BLOCK - t.fill[i]);
		crypto_hash_sha256(h, t.buf[i], VK_VERITY_BLOCK);
		t.fill[i] = 0;
		if (i + 1 < t.levels)
			tree_add(&t, i + 1, h);
		else
			memcpy(desc + 16, h, 32);
	}
	/* The descriptor: version, algorithm, log2 block size, salt size, size, root hash. */
	for (int i = 0; i < 8; i++)
		desc[8 + i] = (uint8_t)(size >> (8 * i));
	v->alg = FS_VERITY_HASH_ALG_SHA256;
	v->len = 32;
	crypto_hash_sha256(v->digest, desc, sizeof(desc));
out:
	free(t.buf);
	free(t.fill);
	return r;
}

/* CONTEXT || u16 alg || u16 len || digest || key id into M; its length. */
static size_t seal_message(const struct vk_verity *v, const char *key_id, uint8_t *m)
{
	size_t n = strlen(VK_SEAL_CONTEXT);

	memcpy(m, VK_SEAL_CONTEXT, n);
	m[n++] = v->alg & 0xff;
	m[n++] = v->alg >> 8;
	m[n++] = v->len & 0xff;
	m[n++] = v->len >> 8;
	memcpy(m + n, v->digest, v->len);
	n += v->len;
	memcpy(m + n, key_id, NOJIT_KEY_ID_LEN);
	return n + NOJIT_KEY_ID_LEN;
}

#define SEAL_MSG_MAX (sizeof(VK_SEAL_CONTEXT) + 4 + VK_VERITY_MAX_DIGEST + NOJIT_KEY_ID_LEN)

int vk_seal_sign(const struct vk_verity *v, const struct nojit_seckey *k, uint8_t *seal)
{
	uint8_t m[SEAL_MSG_MAX];
	size_t n = seal_message(v, k->pub.id, m);

	memcpy(seal, VK_SEAL_MAGIC, 8);
	memcpy(seal + 8, k->pub.id, NOJIT_KEY_ID_LEN);
	return key_sign(k, m, n, seal + 8 + NOJIT_KEY_ID_LEN);
}

int vk_seal_verify(const struct vk_verity *v, const uint8_t *seal, size_t len,
		   const uint8_t (*keys)[32], size_t n_keys, char *key_id)
{
	struct nojit_pubkey pk;
	uint8_t m[SEAL_MSG_MAX];
	size_t n;

	if (len != VK_SEAL_LEN || memcmp(seal, VK_SEAL_MAGIC, 8))
		return -EBADMSG;
	memcpy(key_id, seal + 8, NOJIT_KEY_ID_LEN);
	key_id[NOJIT_KEY_ID_LEN] = '\0';
	n = seal_message(v, key_id, m);
	for (size_t i = 0; i < n_keys; i++) {
		memcpy(pk.pk, keys[i], sizeof(pk.pk));
		key_id_of(pk.pk, pk.id);
		if (!strcmp(pk.id, key_id))
			return key_verify(&pk, m, n, seal + 8 + NOJIT_KEY_ID_LEN);
	}
	return -ENOKEY;
}

void vk_verity_format(const struct vk_verity *v, char *buf)
{
	size_t n = (size_t)sprintf(buf, "%s:", v->alg == FS_VERITY_HASH_ALG_SHA256 ? "sha256" : "sha512");

	sodium_bin2hex(buf + n, 2 * VK_VERITY_MAX_DIGEST + 1, v->digest, v->len);
}
