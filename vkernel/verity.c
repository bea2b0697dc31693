// SPDX-License-Identifier: GPL-2.0
/* The fs-verity seal of a megabinary (verity.h). */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/vfs.h>
#include <linux/fsverity.h>
#include <linux/magic.h>
#include <sodium.h>

#include "verity.h"

int vk_verity_measure(int fd, struct vk_verity *v)
{
	struct {
		struct fsverity_digest d;
		uint8_t buf[VK_VERITY_MAX_DIGEST];
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
