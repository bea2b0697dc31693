// SPDX-License-Identifier: GPL-2.0
/* The fs-verity seal of a megabinary (vkernel/verity.c). */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <string.h>
#include <linux/fsverity.h>

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
