// SPDX-License-Identifier: GPL-2.0
/*
 * The streaming SHA-256 (sha256_stream.h): on the SHA extensions and on
 * libsodium, against the FIPS 180-2 examples and against libsodium's
 * one-shot hash for every length up to a few blocks, split every way the
 * block buffering can be entered.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "sha256_stream.h"

static uint8_t data[1 << 20];

static void setup(void)
{
	uint32_t x = 0x9e3779b9;

	cr_assert_geq(sodium_init(), 0);
	for (size_t i = 0; i < sizeof(data); i++) {
		x ^= x << 13, x ^= x >> 17, x ^= x << 5;
		data[i] = (uint8_t)x;
	}
}

TestSuite(sha256_stream, .init = setup);

static void hash(bool ni, const uint8_t *p, size_t n, size_t step, uint8_t out[32])
{
	struct sha256_stream s;

	if (ni)
		sha256_stream_init(&s);
	else
		sha256_stream_init_sodium(&s);
	cr_assert_eq(s.ni, ni);
	for (size_t off = 0; off < n; off += step)
		sha256_stream_update(&s, p + off, n - off < step ? n - off : step);
	sha256_stream_final(&s, out);
}

static void hex(const uint8_t d[32], char out[65])
{
	for (int i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

static void fips_examples(bool ni)
{
	static const struct {
		const char *msg;
		size_t repeat;
		const char *digest;
	} v[] = {
		{ "", 1, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
		{ "abc", 1, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
		{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 1,
		  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
		{ "a", 1000000, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0" },
	};

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct sha256_stream s;
		uint8_t d[32];
		char got[65];

		if (ni)
			sha256_stream_init(&s);
		else
			sha256_stream_init_sodium(&s);
		for (size_t r = 0; r < v[i].repeat; r++)
			sha256_stream_update(&s, (const uint8_t *)v[i].msg, strlen(v[i].msg));
		sha256_stream_final(&s, d);
		hex(d, got);
		cr_assert_str_eq(got, v[i].digest, "\"%s\" x %zu", v[i].msg, v[i].repeat);
	}
}

Test(sha256_stream, has_ni_as_the_kernel_reports_the_cpu)
{
	FILE *f = fopen("/proc/cpuinfo", "re");
	char line[4096];
	bool flag = false;

	cr_assert_not_null(f);
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "flags", 5) && strstr(line, " sha_ni"))
			flag = true;
	fclose(f);
	cr_assert_eq(sha256_stream_has_ni(), flag, "has_ni %d, /proc/cpuinfo sha_ni %d",
		     sha256_stream_has_ni(), flag);
}

Test(sha256_stream, fips_examples_sodium)
{
	fips_examples(false);
}

Test(sha256_stream, fips_examples_ni)
{
	if (!sha256_stream_has_ni())
		cr_skip_test("this CPU has no SHA extensions");
	fips_examples(true);
}

/* Every length to 4 blocks and then some, in steps that enter the buffer at every offset. */
Test(sha256_stream, every_length_and_split_as_libsodium)
{
	static const size_t steps[] = { 1, 3, 55, 63, 64, 65, 127, 4096 };
	bool ni = sha256_stream_has_ni();

	for (size_t n = 0; n <= 300; n++)
		for (size_t k = 0; k < sizeof(steps) / sizeof(steps[0]); k++) {
			uint8_t want[32], got[32], sod[32];

			crypto_hash_sha256(want, data + n, n);
			hash(ni, data + n, n, steps[k], got);
			hash(false, data + n, n, steps[k], sod);
			cr_assert_arr_eq(got, want, 32, "length %zu in steps of %zu (ni %d)", n,
					 steps[k], ni);
			cr_assert_arr_eq(sod, want, 32, "length %zu in steps of %zu (libsodium)", n,
					 steps[k]);
		}
}

Test(sha256_stream, a_megabyte_as_libsodium)
{
	uint8_t want[32], got[32];

	crypto_hash_sha256(want, data, sizeof(data));
	hash(sha256_stream_has_ni(), data, sizeof(data), 65536 + 17, got);
	cr_assert_arr_eq(got, want, 32);
}

/* One flipped bit anywhere in a block changes the digest (the schedule reaches every word). */
Test(sha256_stream, every_bit_of_a_block_counts)
{
	uint8_t block[64], base[32], d[32];

	memcpy(block, data, sizeof(block));
	hash(sha256_stream_has_ni(), block, sizeof(block), 64, base);
	for (size_t bit = 0; bit < 8 * sizeof(block); bit++) {
		block[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		hash(sha256_stream_has_ni(), block, sizeof(block), 64, d);
		block[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		cr_assert(memcmp(d, base, 32), "bit %zu flipped, same digest", bit);
	}
}
