// SPDX-License-Identifier: GPL-2.0
/* The fs-verity seal of a megabinary (vkernel/verity.c). */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <string.h>
#include <linux/fsverity.h>
#include <sodium.h>

#include "keys.h"
#include "scratch.h"
#include "verity.h"

static struct nojit_seckey key, other;
static uint8_t keys[2][32];	/* key's, then other's */

static void setup(void)
{
	struct nojit_pubkey pub;
	struct nojit_err err;

	scratch_make("seal");
	cr_assert_eq(key_generate(scratch_path("k"), &pub, &err), 0, "%s", err.msg);
	cr_assert_eq(key_generate(scratch_path("o"), &pub, &err), 0, "%s", err.msg);
	cr_assert_eq(key_load_secret(scratch_path("k/nojit.key"), &key, &err), 0, "%s", err.msg);
	cr_assert_eq(key_load_secret(scratch_path("o/nojit.key"), &other, &err), 0, "%s", err.msg);
	memcpy(keys[0], key.pub.pk, 32);
	memcpy(keys[1], other.pub.pk, 32);
}

static void teardown(void)
{
	scratch_remove();
}

TestSuite(vk_seal, .init = setup, .fini = teardown);

static const struct vk_verity d1 = { FS_VERITY_HASH_ALG_SHA256, 32, { 0x5a, 1, 2, 3 } };

static int verify(const struct vk_verity *v, const uint8_t *seal, size_t n_keys, char *id)
{
	return vk_seal_verify(v, seal, VK_SEAL_LEN, (const uint8_t (*)[32])keys, n_keys, id);
}

Test(vk_seal, round_trip)
{
	uint8_t seal[VK_SEAL_LEN];
	char id[NOJIT_KEY_ID_LEN + 1];

	cr_assert_eq(vk_seal_sign(&d1, &key, seal), 0);
	cr_assert_eq(verify(&d1, seal, 1, id), 0);
	cr_assert_str_eq(id, key.pub.id);
}

/* Another file's digest, or the same bytes under another algorithm or length. */
Test(vk_seal, bound_to_the_digest)
{
	uint8_t seal[VK_SEAL_LEN];
	char id[NOJIT_KEY_ID_LEN + 1];
	struct vk_verity v;

	cr_assert_eq(vk_seal_sign(&d1, &key, seal), 0);
	for (size_t i = 0; i < 32 * 8; i++) {
		v = d1;
		v.digest[i / 8] ^= 1 << (i % 8);
		cr_assert_eq(verify(&v, seal, 1, id), -EKEYREJECTED, "digest bit %zu", i);
	}
	v = d1;
	v.alg = FS_VERITY_HASH_ALG_SHA512;
	cr_assert_eq(verify(&v, seal, 1, id), -EKEYREJECTED);
	v = d1;
	v.len = 64;
	cr_assert_eq(verify(&v, seal, 1, id), -EKEYREJECTED);
}

/* Every bit of the seal counts: magic and length are checked, the key id picks the key. */
Test(vk_seal, every_bit_flip_refused)
{
	uint8_t seal[VK_SEAL_LEN];
	char id[NOJIT_KEY_ID_LEN + 1];

	cr_assert_eq(vk_seal_sign(&d1, &key, seal), 0);
	for (size_t i = 0; i < VK_SEAL_LEN * 8; i++) {
		seal[i / 8] ^= 1 << (i % 8);
		cr_assert_neq(verify(&d1, seal, 2, id), 0, "seal bit %zu", i);
		seal[i / 8] ^= 1 << (i % 8);
	}
	cr_assert_eq(vk_seal_verify(&d1, seal, VK_SEAL_LEN - 1, (const uint8_t (*)[32])keys, 1, id),
		     -EBADMSG);
}

/*
 * Sealed by a key not in the list: -ENOKEY. A seal by other with key's id
 * put in (replayed as if key had sealed it) fails key's signature check.
 */
Test(vk_seal, keys)
{
	uint8_t seal[VK_SEAL_LEN];
	char id[NOJIT_KEY_ID_LEN + 1];

	cr_assert_eq(vk_seal_sign(&d1, &other, seal), 0);
	cr_assert_eq(verify(&d1, seal, 1, id), -ENOKEY);
	cr_assert_eq(verify(&d1, seal, 2, id), 0);
	cr_assert_str_eq(id, other.pub.id);
	memcpy(seal + 8, key.pub.id, NOJIT_KEY_ID_LEN);
	cr_assert_eq(verify(&d1, seal, 2, id), -EKEYREJECTED);
}

/* No fs-verity on a scratch file here: never a digest. */
Test(vk_seal, measure_without_verity)
{
	struct vk_verity v;
	int fd = open(scratch_path("plain"), O_RDWR | O_CREAT, 0644), r;

	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, "x", 1), 1);
	r = vk_verity_measure(fd, &v);
	cr_assert(r == -EOPNOTSUPP || r == -ENODATA, "%d", r);
	close(fd);
}

/* The fs-verity descriptor's digest for SIZE and ROOT, as the kernel's documentation gives it. */
static void descriptor_digest(uint64_t size, const uint8_t root[32], uint8_t out[32])
{
	uint8_t desc[256] = { 1, FS_VERITY_HASH_ALG_SHA256, 12, 0 };

	for (int i = 0; i < 8; i++)
		desc[8 + i] = (uint8_t)(size >> (8 * i));
	memcpy(desc + 16, root, 32);
	crypto_hash_sha256(out, desc, sizeof(desc));
}

static void compute_file(const uint8_t *b, size_t len, struct vk_verity *v)
{
	int fd = open(scratch_path("f"), O_RDWR | O_CREAT | O_TRUNC, 0644);

	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, b, len), (ssize_t)len);
	cr_assert_eq(vk_verity_compute(fd, v), 0);
	cr_assert_eq(v->alg, FS_VERITY_HASH_ALG_SHA256);
	cr_assert_eq(v->len, 32);
	close(fd);
}

/*
 * The edge cases of the tree (the kernel's own digest of real megabinaries
 * is compared in selftests/kernel/verity.sh): empty (root all zero), one
 * block (root = its hash, padded), one block and a byte (one level of two
 * hashes).
 */
Test(vk_seal, compute_small_files)
{
	static uint8_t b[2 * VK_VERITY_BLOCK], blk[VK_VERITY_BLOCK], lvl[VK_VERITY_BLOCK];
	uint8_t root[32] = { 0 }, want[32];
	struct vk_verity v;

	for (size_t i = 0; i < sizeof(b); i++)
		b[i] = (uint8_t)(i * 7 + 1);
	compute_file(b, 0, &v);
	descriptor_digest(0, root, want);
	cr_assert_eq(memcmp(v.digest, want, 32), 0, "empty");

	memset(blk, 0, sizeof(blk));
	memcpy(blk, b, 100);
	crypto_hash_sha256(root, blk, sizeof(blk));
	compute_file(b, 100, &v);
	descriptor_digest(100, root, want);
	cr_assert_eq(memcmp(v.digest, want, 32), 0, "100 bytes");

	crypto_hash_sha256(root, b, VK_VERITY_BLOCK);
	compute_file(b, VK_VERITY_BLOCK, &v);
	descriptor_digest(VK_VERITY_BLOCK, root, want);
	cr_assert_eq(memcmp(v.digest, want, 32), 0, "one block");

	memset(lvl, 0, sizeof(lvl));
	crypto_hash_sha256(lvl, b, VK_VERITY_BLOCK);
	memset(blk, 0, sizeof(blk));
	blk[0] = b[VK_VERITY_BLOCK];
	crypto_hash_sha256(lvl + 32, blk, sizeof(blk));
	crypto_hash_sha256(root, lvl, sizeof(lvl));
	compute_file(b, VK_VERITY_BLOCK + 1, &v);
	descriptor_digest(VK_VERITY_BLOCK + 1, root, want);
	cr_assert_eq(memcmp(v.digest, want, 32), 0, "one block and a byte");
}
