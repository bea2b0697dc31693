// SPDX-License-Identifier: GPL-2.0
/* Key files, key ids, the trust store, Ed25519 signatures. Keys are made here, never committed. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <ftw.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "keys.h"
#include "race.h"
#include "scratch.h"

static void setup(void)
{
	scratch_make("keys");
	cr_assert_eq(keys_init(), 0);
}

static void teardown(void)
{
	scratch_remove();
}

TestSuite(keys, .init = setup, .fini = teardown);

static void write_file(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);

	cr_assert_geq(fd, 0, "%s: %s", path, strerror(errno));
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	chmod(path, mode);
}

static size_t read_file(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	cr_assert_geq(fd, 0, "%s: %s", path, strerror(errno));
	n = read(fd, buf, size - 1);
	close(fd);
	cr_assert_geq(n, 0);
	buf[n] = '\0';
	return (size_t)n;
}

static void gen(const char *sub, struct nojit_pubkey *pub)
{
	struct nojit_err err;

	cr_assert_eq(key_generate(scratch_path(sub), pub, &err), 0, "%s", err.msg);
}

Test(keys, keygen_writes_a_pair_with_safe_modes)
{
	struct nojit_pubkey pub, pub2;
	struct nojit_seckey sk;
	struct nojit_err err;
	struct stat st;
	char buf[256];

	gen("k", &pub);
	cr_assert_eq(stat(scratch_path("k"), &st), 0);
	cr_assert_eq(st.st_mode & 0777, 0700, "a new key directory is private");
	cr_assert_eq(stat(scratch_path("k/nojit.key"), &st), 0);
	cr_assert_eq(st.st_mode & 0777, 0600);
	cr_assert_eq(stat(scratch_path("k/nojit.pub"), &st), 0);
	cr_assert_eq(st.st_mode & 0777, 0644);

	read_file(scratch_path("k/nojit.key"), buf, sizeof(buf));
	cr_assert(!strncmp(buf, "nojit-ed25519-secret-v1 ", 24), "%s", buf);
	cr_assert_eq(strlen(buf), 24 + 44 + 1, "tag, base64 of a 32-byte seed, newline");
	read_file(scratch_path("k/nojit.pub"), buf, sizeof(buf));
	cr_assert(!strncmp(buf, "nojit-ed25519-public-v1 ", 24), "%s", buf);

	cr_assert_eq(strlen(pub.id), 16);
	cr_assert_eq(strspn(pub.id, "0123456789abcdef"), 16);
	cr_assert_eq(key_load_secret(scratch_path("k/nojit.key"), &sk, &err), 0, "%s", err.msg);
	cr_assert_str_eq(sk.pub.id, pub.id, "the public half is derived from the seed");
	cr_assert_eq(memcmp(sk.pub.pk, pub.pk, 32), 0);
	key_secret_wipe(&sk);
	for (size_t i = 0; i < sizeof(sk); i++)
		cr_assert_eq(((unsigned char *)&sk)[i], 0, "wiped");
	cr_assert_eq(key_load_public(scratch_path("k/nojit.pub"), &pub2, &err), 0, "%s", err.msg);
	cr_assert_str_eq(pub2.id, pub.id);
}

Test(keys, key_id_is_the_first_8_bytes_of_sha256_of_the_public_key)
{
	struct nojit_pubkey pub;
	__u8 h[32];
	char hex[65];

	gen("k", &pub);
	crypto_hash_sha256(h, pub.pk, 32);
	sodium_bin2hex(hex, sizeof(hex), h, 32);
	hex[16] = '\0';
	cr_assert_str_eq(pub.id, hex);
}

Test(keys, two_keygens_make_different_keys)
{
	struct nojit_pubkey a, b;

	gen("a", &a);
	gen("b", &b);
	cr_assert_str_neq(a.id, b.id);
}

Test(keys, keygen_never_overwrites)
{
	struct nojit_pubkey pub, pub2;
	struct nojit_err err;
	char before[256], after[256];

	gen("k", &pub);
	read_file(scratch_path("k/nojit.key"), before, sizeof(before));
	cr_assert_eq(key_generate(scratch_path("k"), &pub2, &err), -EEXIST);
	cr_assert(strstr(err.msg, "already exists"), "%s", err.msg);
	read_file(scratch_path("k/nojit.key"), after, sizeof(after));
	cr_assert_str_eq(before, after);

	/* Only the public file there: still refused, and no secret is left behind. */
	cr_assert_eq(mkdir(scratch_path("p"), 0700), 0);
	write_file(scratch_path("p/nojit.pub"), "x", 0644);
	cr_assert_eq(key_generate(scratch_path("p"), &pub2, &err), -EEXIST);
	cr_assert_neq(access(scratch_path("p/nojit.key"), F_OK), 0);
	/* A dangling symlink in the key's place is not followed either. */
	cr_assert_eq(mkdir(scratch_path("s"), 0700), 0);
	cr_assert_eq(symlink(scratch_path("elsewhere"), scratch_path("s/nojit.key")), 0);
	cr_assert_eq(key_generate(scratch_path("s"), &pub2, &err), -EEXIST);
	cr_assert_neq(access(scratch_path("elsewhere"), F_OK), 0);
}

Test(keys, secret_key_readable_by_others_is_refused)
{
	struct nojit_pubkey pub;
	struct nojit_seckey sk;
	struct nojit_err err;
	static const mode_t bad[] = { 0640, 0604, 0644, 0660, 0610, 0601, 0620 };

	gen("k", &pub);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		cr_assert_eq(chmod(scratch_path("k/nojit.key"), bad[i]), 0);
		cr_assert_eq(key_load_secret(scratch_path("k/nojit.key"), &sk, &err), -EPERM, "mode %o", bad[i]);
		cr_assert(strstr(err.msg, "accessible by group or others"), "%s", err.msg);
		cr_assert(strstr(err.msg, "chmod 600"), "%s", err.msg);
	}
	cr_assert_eq(chmod(scratch_path("k/nojit.key"), 0400), 0);
	cr_assert_eq(key_load_secret(scratch_path("k/nojit.key"), &sk, &err), 0, "%s", err.msg);
	key_secret_wipe(&sk);
}

/* 0600 is not enough when another user owns the file: it can read or replace it (ssh's StrictModes). */
Test(keys, secret_key_owned_by_another_user_is_refused)
{
	struct nojit_pubkey pub;
	struct nojit_seckey sk;
	struct nojit_err err;

	if (geteuid() != 0)
		cr_skip_test("chown to another user needs root");
	gen("k", &pub);
	cr_assert_eq(chown(scratch_path("k/nojit.key"), 65534, 65534), 0);
	cr_assert_eq(key_load_secret(scratch_path("k/nojit.key"), &sk, &err), -EPERM);
	cr_assert(strstr(err.msg, "owned by uid 65534"), "%s", err.msg);
	cr_assert_eq(chown(scratch_path("k/nojit.key"), 0, 0), 0);
	cr_assert_eq(key_load_secret(scratch_path("k/nojit.key"), &sk, &err), 0, "%s", err.msg);
	key_secret_wipe(&sk);
}

Test(keys, malformed_key_files_are_refused)
{
	static const char *const bad[] = {
		"",
		"\n",
		"nojit-ed25519-secret-v1\n",
		"nojit-ed25519-secret-v1 \n",
		"nojit-ed25519-secret-v1  AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n",	/* two spaces */
		"nojit-ed25519-secret-v1 AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n",	/* two newlines */
		"nojit-ed25519-secret-v1 AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= \n",	/* trailing space */
		"nojit-ed25519-secret-v1 AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\r\n",
		"nojit-ed25519-secret-v1 AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==\n",	/* 31 bytes */
		"nojit-ed25519-secret-v1 AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n",	/* 33 bytes */
		"nojit-ed25519-secret-v1 AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB=\n",	/* non-canonical */
		"nojit-ed25519-secret-v1 AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA AAAAAAAAAA=\n",
		"nojit-ed25519-secret-v1 AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA_=\n",	/* url alphabet */
		"nojit-ed25519-secret-v2 AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n",
		"NOJIT-ED25519-SECRET-V1 AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n",
		"-----BEGIN PRIVATE KEY-----\n",
	};
	struct nojit_seckey sk;
	struct nojit_err err;

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		write_file(scratch_path("bad.key"), bad[i], 0600);
		cr_assert_eq(key_load_secret(scratch_path("bad.key"), &sk, &err), -EINVAL, "case %zu", i);
		cr_assert(strstr(err.msg, "bad.key"), "the message names the file: %s", err.msg);
	}
	write_file(scratch_path("v2.key"), bad[13], 0600);
	key_load_secret(scratch_path("v2.key"), &sk, &err);
	cr_assert(strstr(err.msg, "unsupported version"), "%s", err.msg);

	/* The canonical spelling of the same seed loads. */
	write_file(scratch_path("ok.key"), "nojit-ed25519-secret-v1 AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n", 0600);
	cr_assert_eq(key_load_secret(scratch_path("ok.key"), &sk, &err), 0, "%s", err.msg);
	key_secret_wipe(&sk);
	write_file(scratch_path("nonl.key"), "nojit-ed25519-secret-v1 AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", 0600);
	cr_assert_eq(key_load_secret(scratch_path("nonl.key"), &sk, &err), 0, "no final newline is fine");
	key_secret_wipe(&sk);
}

Test(keys, key_files_that_are_not_files_or_are_huge_are_refused)
{
	struct nojit_seckey sk;
	struct nojit_pubkey pk;
	struct nojit_err err;
	char big[4096];

	cr_assert_eq(mkdir(scratch_path("d"), 0700), 0);
	cr_assert_eq(key_load_secret(scratch_path("d"), &sk, &err), -EINVAL);
	cr_assert(strstr(err.msg, "not a regular file"), "%s", err.msg);
	cr_assert_eq(key_load_public(scratch_path("missing.pub"), &pk, &err), -ENOENT);
	cr_assert(strstr(err.msg, "missing.pub"), "%s", err.msg);
	memset(big, 'A', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	write_file(scratch_path("big.pub"), big, 0644);
	cr_assert_eq(key_load_public(scratch_path("big.pub"), &pk, &err), -EINVAL);
	cr_assert_eq(mkfifo(scratch_path("fifo.pub"), 0644), 0);
	cr_assert_eq(key_load_public(scratch_path("fifo.pub"), &pk, &err), -EINVAL, "a FIFO is refused, not read");
}

Test(keys, swapped_key_files_get_a_clear_message)
{
	struct nojit_pubkey pub, pk;
	struct nojit_seckey sk;
	struct nojit_trust t;
	struct nojit_err err;

	gen("k", &pub);
	cr_assert_eq(key_load_secret(scratch_path("k/nojit.pub"), &sk, &err), -EINVAL);
	cr_assert(strstr(err.msg, "this is a public key"), "%s", err.msg);
	cr_assert_eq(key_load_public(scratch_path("k/nojit.key"), &pk, &err), -EINVAL);
	cr_assert(strstr(err.msg, "SECRET"), "%s", err.msg);
	cr_assert_eq(trust_load(scratch_path("k/nojit.key"), &t, &err), -EINVAL);
	cr_assert(strstr(err.msg, "trust store"), "%s", err.msg);
}

Test(keys, sign_and_verify)
{
	struct nojit_pubkey a, b;
	struct nojit_seckey sa;
	struct nojit_err err;
	__u8 sig[NOJIT_SIG_LEN];
	char msg[] = "the exact bytes";

	gen("a", &a);
	gen("b", &b);
	cr_assert_eq(key_load_secret(scratch_path("a/nojit.key"), &sa, &err), 0, "%s", err.msg);
	cr_assert_eq(key_sign(&sa, msg, sizeof(msg), sig), 0);
	key_secret_wipe(&sa);
	cr_assert_eq(key_verify(&a, msg, sizeof(msg), sig), 0);
	cr_assert_eq(key_verify(&b, msg, sizeof(msg), sig), -EKEYREJECTED, "another key");
	msg[3] ^= 1;
	cr_assert_eq(key_verify(&a, msg, sizeof(msg), sig), -EKEYREJECTED, "flipped message bit");
	msg[3] ^= 1;
	for (size_t i = 0; i < sizeof(sig); i += 7) {
		sig[i] ^= 0x80;
		cr_assert_eq(key_verify(&a, msg, sizeof(msg), sig), -EKEYREJECTED, "flipped signature byte %zu", i);
		sig[i] ^= 0x80;
	}
	cr_assert_eq(key_verify(&a, msg, sizeof(msg) - 1, sig), -EKEYREJECTED, "truncated message");
}

Test(keys, trust_store_file_or_directory)
{
	struct nojit_pubkey a, b, c;
	struct nojit_trust t;
	struct nojit_err err;
	char buf[256];

	gen("a", &a);
	gen("b", &b);
	gen("c", &c);
	cr_assert_eq(mkdir(scratch_path("trust"), 0755), 0);
	read_file(scratch_path("a/nojit.pub"), buf, sizeof(buf));
	write_file(scratch_path("trust/alice.pub"), buf, 0644);
	write_file(scratch_path("trust/alice-again.pub"), buf, 0644);
	read_file(scratch_path("b/nojit.pub"), buf, sizeof(buf));
	write_file(scratch_path("trust/bob.pub"), buf, 0644);
	/* Not *.pub, or hidden: ignored, even if it holds a key. */
	read_file(scratch_path("c/nojit.pub"), buf, sizeof(buf));
	write_file(scratch_path("trust/carol.pub.disabled"), buf, 0644);
	write_file(scratch_path("trust/.carol.pub"), buf, 0644);
	write_file(scratch_path("trust/README"), "not a key", 0644);

	cr_assert_eq(trust_load(scratch_path("trust"), &t, &err), 0, "%s", err.msg);
	cr_assert_eq(t.n_keys, 2, "the same key twice counts once");
	cr_assert_not_null(trust_find(&t, a.id));
	cr_assert_not_null(trust_find(&t, b.id));
	cr_assert_null(trust_find(&t, c.id));
	cr_assert_null(trust_find(&t, ""));
	trust_free(&t);
	trust_free(&t);

	cr_assert_eq(trust_load(scratch_path("c/nojit.pub"), &t, &err), 0, "%s", err.msg);
	cr_assert_eq(t.n_keys, 1);
	cr_assert_not_null(trust_find(&t, c.id));
	trust_free(&t);
}

Test(keys, trust_store_fails_closed)
{
	struct nojit_pubkey a;
	struct nojit_trust t;
	struct nojit_err err;
	char buf[256];

	gen("a", &a);
	cr_assert_eq(mkdir(scratch_path("empty"), 0755), 0);
	cr_assert_eq(trust_load(scratch_path("empty"), &t, &err), -ENOKEY);
	cr_assert(strstr(err.msg, "no *.pub"), "%s", err.msg);
	cr_assert_eq(trust_load(scratch_path("nonexistent"), &t, &err), -ENOENT);

	cr_assert_eq(mkdir(scratch_path("trust"), 0755), 0);
	read_file(scratch_path("a/nojit.pub"), buf, sizeof(buf));
	write_file(scratch_path("trust/a.pub"), buf, 0644);
	write_file(scratch_path("trust/broken.pub"), "nojit-ed25519-public-v1 !!!\n", 0644);
	cr_assert_eq(trust_load(scratch_path("trust"), &t, &err), -EINVAL, "one bad key fails the store");
	cr_assert(strstr(err.msg, "broken.pub"), "%s", err.msg);
	unlink(scratch_path("trust/broken.pub"));
	cr_assert_eq(trust_load(scratch_path("trust"), &t, &err), 0, "%s", err.msg);
	trust_free(&t);

	cr_assert_eq(chmod(scratch_path("trust"), 0757), 0);
	cr_assert_eq(trust_load(scratch_path("trust"), &t, &err), -EPERM, "a directory anyone can add keys to");
	cr_assert(strstr(err.msg, "writable by others"), "%s", err.msg);
	cr_assert_eq(chmod(scratch_path("trust"), 0755), 0);
	cr_assert_eq(chmod(scratch_path("trust/a.pub"), 0646), 0);
	cr_assert_eq(trust_load(scratch_path("trust"), &t, &err), -EPERM);
	cr_assert_eq(trust_load(scratch_path("trust/a.pub"), &t, &err), -EPERM);
}

/*
 * A trust store file is checked (not writable by others) and its key read
 * from the same open file. An attacker keeps renaming a world-writable
 * .pub holding another key over the trusted one and back: that key is
 * never trusted. Checking one open and reading a second one would let it in.
 */
Test(keys, trust_store_file_swapped_while_loaded)
{
	struct nojit_pubkey a, b;
	unsigned int good = 0, refused = 0, wrong = 0;
	struct nojit_trust t;
	struct nojit_err err;
	struct race race;
	char buf[256];

	gen("a", &a);
	gen("b", &b);
	read_file(scratch_path("b/nojit.pub"), buf, sizeof(buf));
	write_file(scratch_path("bad.pub"), buf, 0666);
	write_file(scratch_path("trust.pub"), "", 0644);
	race_start(&race, scratch_path("a/nojit.pub"), scratch_path("bad.pub"),
		   scratch_path("trust.pub"));
	for (int i = 0; i < 100000; i++) {
		int r = trust_load(scratch_path("trust.pub"), &t, &err);

		if (r == -EPERM && strstr(err.msg, "writable by others")) {
			refused++;
			continue;
		}
		if (!r && t.n_keys == 1 && trust_find(&t, a.id))
			good++;
		else
			wrong++;
		if (!r)
			trust_free(&t);
	}
	race_stop(&race);
	cr_assert_eq(wrong, 0, "%u loads trusted the world-writable file's key or failed otherwise (%u good, %u refused)",
		     wrong, good, refused);
	cr_assert(good > 0 && refused > 0, "the race was not on: %u good, %u refused", good, refused);
}

Test(keys, base64_decoding_is_exact)
{
	__u8 out[4];

	cr_assert_eq(b64_decode_exact("AAECAw==", 8, out, 4), 0);
	cr_assert_eq(out[3], 3);
	cr_assert_neq(b64_decode_exact("AAECAw=", 7, out, 4), 0);
	cr_assert_neq(b64_decode_exact("AAECAx==", 8, out, 4), 0, "unused bits set");
	cr_assert_neq(b64_decode_exact("AAECAw==", 8, out, 3), 0);
	cr_assert_neq(b64_decode_exact("AAEC Aw=", 8, out, 4), 0);
	cr_assert_neq(b64_decode_exact("", 0, out, 4), 0);
}
