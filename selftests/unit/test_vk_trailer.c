// SPDX-License-Identifier: GPL-2.0
/* The megabinary trailer (vkernel/trailer.c) and the segment check (vk_build.c). */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "keys.h"
#include "scratch.h"
#include "trailer.h"
#include "vk_build.h"

static struct nojit_seckey key, other;
static struct nojit_trust trust;

static void setup(void)
{
	struct nojit_pubkey pub;
	struct nojit_err err;

	scratch_make("vk");
	cr_assert_eq(key_generate(scratch_path("k"), &pub, &err), 0, "%s", err.msg);
	cr_assert_eq(key_generate(scratch_path("o"), &pub, &err), 0, "%s", err.msg);
	cr_assert_eq(key_load_secret(scratch_path("k/nojit.key"), &key, &err), 0, "%s", err.msg);
	cr_assert_eq(key_load_secret(scratch_path("o/nojit.key"), &other, &err), 0, "%s", err.msg);
	cr_assert_eq(trust_load(scratch_path("k/nojit.pub"), &trust, &err), 0, "%s", err.msg);
}

static void teardown(void)
{
	trust_free(&trust);
	scratch_remove();
}

TestSuite(vk_trailer, .init = setup, .fini = teardown);

static const uint8_t image[] = "an image that stands in for the ELF";

/*
 * Write IMAGE + a trailer listing N modules (and, with C > 0, a version 2
 * code list of C hashes), signed by K, to NAME; returns its path.
 */
static char *write_app_codes(const char *name, uint32_t n, uint32_t c,
			     const struct nojit_seckey *k, uint8_t *out, size_t *out_len)
{
	static struct vk_trailer t;
	static uint8_t buf[sizeof(image) + VK_TRAILER_V2_LEN(4, 8) + VK_FOOTER_LEN];
	size_t len;
	int fd;

	memset(&t, 0, sizeof(t));
	t.version = c ? VK_TRAILER_VERSION_CODES : VK_TRAILER_VERSION;
	t.n_codes = c;
	for (uint32_t i = 0; i < c; i++)
		memset(t.codes[i], 0x10 * (i + 1), 32);	/* ascending */
	t.n_modules = n;
	t.image_len = sizeof(image);
	crypto_hash_sha256(t.image_sha256, image, sizeof(image));
	for (uint32_t i = 0; i < n; i++) {
		snprintf(t.modules[i].name, VK_NAME_MAX, "mod%u", i);
		memset(t.modules[i].wasm_sha256, 0x11 * (i + 1), 32);
	}
	cr_assert_eq(vk_trailer_sign(&t, k), 0);
	memcpy(buf, image, sizeof(image));
	len = sizeof(image) + vk_trailer_encode(&t, buf + sizeof(image));
	cr_assert_eq(len, sizeof(image) + (c ? VK_TRAILER_V2_LEN(n, c) : VK_TRAILER_LEN(n)) +
			  VK_FOOTER_LEN);
	if (out) {
		memcpy(out, buf, len);
		*out_len = len;
	}
	fd = open(scratch_path(name), O_WRONLY | O_CREAT | O_TRUNC, 0644);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, buf, len), (ssize_t)len);
	close(fd);
	return scratch_path(name);
}

static char *write_app(const char *name, uint32_t n, const struct nojit_seckey *k,
		       uint8_t *out, size_t *out_len)
{
	return write_app_codes(name, n, 0, k, out, out_len);
}

static int verify_file(const char *path, struct vk_trailer *t, struct nojit_err *err)
{
	int fd = open(path, O_RDONLY), r;

	cr_assert_geq(fd, 0);
	r = vk_verify_fd(fd, path, &trust, NULL, 0, t, NULL, err);
	close(fd);
	return r;
}

static int verify_bytes(const uint8_t *b, size_t len, struct nojit_err *err)
{
	static struct vk_trailer t;
	int fd = open(scratch_path("bytes"), O_WRONLY | O_CREAT | O_TRUNC, 0644);

	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, b, len), (ssize_t)len);
	close(fd);
	return verify_file(scratch_path("bytes"), &t, err);
}

Test(vk_trailer, round_trip)
{
	static struct vk_trailer t;
	struct nojit_err err;
	char *p = write_app("app", 3, &key, NULL, NULL);

	cr_assert_eq(verify_file(p, &t, &err), 0, "%s", err.msg);
	cr_assert_eq(t.n_modules, 3);
	cr_assert_str_eq(t.modules[2].name, "mod2");
	cr_assert_eq(t.modules[1].wasm_sha256[0], 0x22);
	cr_assert_str_eq(t.key_id, key.pub.id);
	cr_assert_eq(t.image_len, sizeof(image));
}

Test(vk_trailer, embedded_keys)
{
	static struct vk_trailer t;
	struct nojit_err err;
	char *p = write_app("app", 1, &key, NULL, NULL);
	int fd = open(p, O_RDONLY);
	uint8_t keys[2][32];

	memcpy(keys[0], other.pub.pk, 32);
	cr_assert_eq(vk_verify_fd(fd, p, NULL, (const uint8_t (*)[32])keys, 1, &t, NULL, &err), -EKEYREJECTED);
	memcpy(keys[1], key.pub.pk, 32);
	cr_assert_eq(vk_verify_fd(fd, p, NULL, (const uint8_t (*)[32])keys, 2, &t, NULL, &err), 0, "%s", err.msg);
	close(fd);
}

/* The whole-file digest vk run hands the hash gate is the file's, as verified. */
Test(vk_trailer, file_digest)
{
	uint8_t b[sizeof(image) + VK_TRAILER_LEN(4) + VK_FOOTER_LEN], want[32], got[32];
	static struct vk_trailer t;
	struct nojit_err err;
	size_t len;
	char *p = write_app("app", 3, &key, b, &len);
	int fd = open(p, O_RDONLY);

	cr_assert_geq(fd, 0);
	crypto_hash_sha256(want, b, len);
	cr_assert_eq(vk_verify_fd(fd, p, &trust, NULL, 0, &t, got, &err), 0, "%s", err.msg);
	cr_assert_eq(memcmp(got, want, 32), 0);
	close(fd);
}

Test(vk_trailer, untrusted_signer)
{
	static struct vk_trailer t;
	struct nojit_err err;
	char *p = write_app("app", 1, &other, NULL, NULL);

	cr_assert_eq(verify_file(p, &t, &err), -EKEYREJECTED);
	cr_assert(strstr(err.msg, "not trusted"), "%s", err.msg);
}

/* Every single-bit flip anywhere in the file is refused. */
Test(vk_trailer, every_bit_flip_refused)
{
	uint8_t b[sizeof(image) + VK_TRAILER_LEN(4) + VK_FOOTER_LEN];
	struct nojit_err err;
	size_t len;

	write_app("app", 2, &key, b, &len);
	for (size_t i = 0; i < len; i++) {
		b[i] ^= 0x04;
		cr_assert_neq(verify_bytes(b, len, &err), 0, "flip at byte %zu of %zu accepted", i, len);
		b[i] ^= 0x04;
	}
	cr_assert_eq(verify_bytes(b, len, &err), 0, "%s", err.msg);
}

Test(vk_trailer, truncated_and_extended)
{
	uint8_t b[sizeof(image) + VK_TRAILER_LEN(4) + VK_FOOTER_LEN + 1];
	struct nojit_err err;
	size_t len;

	write_app("app", 1, &key, b, &len);
	for (size_t cut = 1; cut < len; cut += 7)
		cr_assert_neq(verify_bytes(b, len - cut, &err), 0, "cut %zu accepted", cut);
	/* Bytes before the image shift nothing the trailer covers, but the length is off. */
	memmove(b + 1, b, len);
	b[0] = 'X';
	cr_assert_eq(verify_bytes(b, len + 1, &err), -EBADMSG);
	cr_assert(strstr(err.msg, "image length"), "%s", err.msg);
}

Test(vk_trailer, names)
{
	cr_assert(vk_name_valid("wc"));
	cr_assert(vk_name_valid("sha256sum"));
	cr_assert(vk_name_valid("a.b_c-d"));
	cr_assert_not(vk_name_valid(""));
	cr_assert_not(vk_name_valid(".hidden"));
	cr_assert_not(vk_name_valid("-opt"));
	cr_assert_not(vk_name_valid("../x"));
	cr_assert_not(vk_name_valid("a/b"));
	cr_assert_not(vk_name_valid("a b"));
	cr_assert_not(vk_name_valid("a\"b"));
	cr_assert_not(vk_name_valid("0123456789012345678901234567890123456789012345678901234567890123"));
	cr_assert(vk_name_valid("012345678901234567890123456789012345678901234567890123456789012"));
}

/* A trailer the signer signed but whose content the parser must refuse. */
Test(vk_trailer, signed_but_malformed)
{
	uint8_t b[sizeof(image) + VK_TRAILER_LEN(4) + VK_FOOTER_LEN];
	struct nojit_err err;
	size_t len, head = sizeof(image);

	write_app("app", 2, &key, b, &len);
	/* Duplicate names: both "mod0". */
	b[head + VK_HEAD_LEN + VK_ENTRY_LEN + 3] = '0';
	cr_assert_eq(verify_bytes(b, len, &err), -EBADMSG);
	cr_assert(strstr(err.msg, "listed twice"), "%s", err.msg);
	write_app("app", 2, &key, b, &len);
	/* A name with a slash. */
	b[head + VK_HEAD_LEN + 1] = '/';
	cr_assert_eq(verify_bytes(b, len, &err), -EBADMSG);
	cr_assert(strstr(err.msg, "invalid name"), "%s", err.msg);
	write_app("app", 2, &key, b, &len);
	/* Another version. */
	b[head + 8] = 3;
	cr_assert_eq(verify_bytes(b, len, &err), -EBADMSG);
	cr_assert(strstr(err.msg, "version 3"), "%s", err.msg);
	write_app("app", 2, &key, b, &len);
	/* A module count that does not fit the length. */
	b[head + 12] = 3;
	cr_assert_eq(verify_bytes(b, len, &err), -EBADMSG);
}

/* Version 2: the code list round-trips, is searched, and is signed. */
Test(vk_trailer, code_list)
{
	uint8_t b[sizeof(image) + VK_TRAILER_V2_LEN(4, 8) + VK_FOOTER_LEN], h[32];
	static struct vk_trailer t;
	struct nojit_err err;
	size_t len, codes = sizeof(image) + VK_HEAD_LEN + 2 * VK_ENTRY_LEN + 4;
	char *p = write_app_codes("app", 2, 3, &key, b, &len);

	cr_assert_eq(verify_file(p, &t, &err), 0, "%s", err.msg);
	cr_assert_eq(t.version, VK_TRAILER_VERSION_CODES);
	cr_assert_eq(t.n_codes, 3);
	for (int i = 0; i < 3; i++) {
		memset(h, 0x10 * (i + 1), 32);
		cr_assert(vk_trailer_lists_code(&t, h), "code %d not found", i);
	}
	memset(h, 0x40, 32);
	cr_assert_not(vk_trailer_lists_code(&t, h));
	h[0] = 0x10;
	cr_assert_not(vk_trailer_lists_code(&t, h));
	for (size_t i = 0; i < len; i++) {
		b[i] ^= 0x40;
		cr_assert_neq(verify_bytes(b, len, &err), 0, "flip at byte %zu of %zu accepted", i, len);
		b[i] ^= 0x40;
	}
	/* Signed, but out of order (or a duplicate): one encoding per list. */
	memset(t.codes[1], 0x05, 32);
	cr_assert_eq(vk_trailer_sign(&t, &key), 0);
	len = sizeof(image) + vk_trailer_encode(&t, b + sizeof(image));
	cr_assert_eq(verify_bytes(b, len, &err), -EBADMSG);
	cr_assert(strstr(err.msg, "ascending"), "%s", err.msg);
	/* A code count that does not fit the length. */
	write_app_codes("app", 2, 3, &key, b, &len);
	b[codes - 4] = 2;
	cr_assert_eq(verify_bytes(b, len, &err), -EBADMSG);
}

Test(vk_trailer, not_a_megabinary)
{
	struct nojit_err err;
	const uint8_t small[] = "tiny";
	uint8_t big[4096] = { 0 };

	cr_assert_eq(verify_bytes(small, sizeof(small), &err), -EBADMSG);
	cr_assert_eq(verify_bytes(big, sizeof(big), &err), -EBADMSG);
	cr_assert(strstr(err.msg, "footer magic"), "%s", err.msg);
	/* A footer claiming a huge trailer. */
	memcpy(big + sizeof(big) - 8, VK_FOOTER_MAGIC, 8);
	memset(big + sizeof(big) - 16, 0xff, 8);
	cr_assert_eq(verify_bytes(big, sizeof(big), &err), -EBADMSG);
	cr_assert(strstr(err.msg, "impossible"), "%s", err.msg);
}

static int check_elf(const char *src, const char *flags)
{
	char cmd[1024];
	struct nojit_err err;
	int fd, r;

	snprintf(cmd, sizeof(cmd),
		 "printf '%s' | cc -x c - -o %s %s 2>/dev/null", src, scratch_path("elf"), flags);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
	fd = open(scratch_path("elf"), O_RDONLY);
	cr_assert_geq(fd, 0);
	r = vk_check_segments(fd, "elf", &err);
	close(fd);
	return r;
}

Test(vk_trailer, segments)
{
	struct nojit_err err;
	int fd;

	const char *prog = "int main(void){return 0;}";

	cr_assert_eq(check_elf(prog, "-static-pie -Wl,-z,noexecstack"), 0);
	cr_assert_eq(check_elf(prog, "-Wl,-z,execstack"), -EPERM);
	/* -N: text and data in one RWX segment (no libc: it cannot link that way). */
	cr_assert_eq(check_elf("int x = 1; void _start(void){for(;;);}",
			       "-nostdlib -static -Wl,-N -Wl,-z,noexecstack"), -EPERM);
	fd = open(scratch_path("k/nojit.pub"), O_RDONLY);
	cr_assert_eq(vk_check_segments(fd, "pub", &err), -ENOEXEC);
	close(fd);
}
