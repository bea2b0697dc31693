// SPDX-License-Identifier: GPL-2.0
/* Scratch files and test keys for the parser harnesses (common.h). */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common.h"

static char dir[4096];

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	remove(path);
	return 0;
}

static void rm_dir(void)
{
	if (dir[0])
		nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

const char *fuzz_dir(void)
{
	const char *tmp = getenv("TMPDIR");

	if (dir[0])
		return dir;
	snprintf(dir, sizeof(dir), "%s/nojit-fuzz.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir)) {
		perror("nojit fuzz: mkdtemp");
		abort();
	}
	atexit(rm_dir);
	return dir;
}

void fuzz_path(char *buf, size_t size, const char *name)
{
	snprintf(buf, size, "%s/%s", fuzz_dir(), name);
}

void fuzz_write(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	const char *p = data;

	if (fd < 0) {
		perror(path);
		abort();
	}
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			perror(path);
			abort();
		}
		p += n, len -= (size_t)n;
	}
	close(fd);
}

/* A key from a fixed seed: SHA-256 of a label, so no key material sits in the tree. */
static void derive(struct nojit_seckey *k, const char *label)
{
	__u8 seed[32];

	crypto_hash_sha256(seed, (const unsigned char *)label, strlen(label));
	crypto_sign_seed_keypair(k->pub.pk, k->sk, seed);
	key_id_of(k->pub.pk, k->pub.id);
}

static void write_pub(const char *path, const char *tag, const struct nojit_pubkey *k)
{
	char line[256], b64[64];

	sodium_bin2base64(b64, sizeof(b64), k->pk, sizeof(k->pk), sodium_base64_VARIANT_ORIGINAL);
	snprintf(line, sizeof(line), "%s %s\n", tag, b64);
	fuzz_write(path, line, strlen(line));
}

const struct fuzz_keys *fuzz_keys(void)
{
	static struct fuzz_keys k;
	static struct nojit_pubkey signing_pub, attest_pub;
	char path[4200];

	if (k.signing_pub[0])
		return &k;
	if (keys_init())
		abort();
	derive(&k.signing, "nojit-fuzz-signing-key");
	derive(&k.approver, "nojit-fuzz-approver-key");
	derive(&k.attest, "nojit-fuzz-attest-key");
	signing_pub = k.signing.pub;
	attest_pub = k.attest.pub;
	k.signing_trust = (struct nojit_trust){ .keys = &signing_pub, .n_keys = 1 };
	k.attest_trust = (struct nojit_trust){ .keys = &attest_pub, .n_keys = 1 };
	fuzz_path(k.signing_pub, sizeof(k.signing_pub), "signing.pub");
	write_pub(k.signing_pub, NOJIT_PUBLIC_KEY_TAG, &k.signing.pub);
	fuzz_path(k.approvers_dir, sizeof(k.approvers_dir), "approvers");
	if (mkdir(k.approvers_dir, 0700) && errno != EEXIST)
		abort();
	snprintf(path, sizeof(path), "%s/approver.pub", k.approvers_dir);
	write_pub(path, NOJIT_APPROVER_PUBLIC_KEY_TAG, &k.approver.pub);
	return &k;
}
