/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Ed25519 signing keys (libsodium) and the trust store.
 *
 * Key files are one line of text, versioned by their first word:
 *   nojit.key  "nojit-ed25519-secret-v1 <base64 of the 32-byte seed>\n"  mode 0600
 *   nojit.pub  "nojit-ed25519-public-v1 <base64 of the 32-byte public key>\n"
 * A key id is the first 8 bytes of SHA-256(public key) as 16 lowercase hex
 * digits. The trust store is one .pub file or a directory of *.pub files.
 * Format and trust model: docs/manifest.md.
 */
#ifndef NOJIT_KEYS_H
#define NOJIT_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <sodium.h>
#include <linux/types.h>

#include "util.h"

#define NOJIT_KEY_ID_LEN	16	/* hex digits, without the NUL */
#define NOJIT_SECRET_KEY_TAG	"nojit-ed25519-secret-v1"
#define NOJIT_PUBLIC_KEY_TAG	"nojit-ed25519-public-v1"
#define NOJIT_KEY_FILE		"nojit.key"
#define NOJIT_PUB_FILE		"nojit.pub"
#define NOJIT_SIG_LEN		crypto_sign_BYTES	/* 64 */

/*
 * What a key is for. An attestation key signs statements about a node
 * (nojit attest), never manifests, and a manifest-signing key never signs
 * a statement: each purpose has its own file tags, so one cannot be loaded
 * as the other by mistake. An approver key signs JIT exceptions and
 * nothing else, so whoever holds the manifest key cannot grant one.
 *   attest.key "nojit-ed25519-attest-secret-v1 <base64 seed>"  mode 0600
 *   attest.pub "nojit-ed25519-attest-public-v1 <base64 public key>"
 */
enum key_purpose {
	KEY_PURPOSE_SIGNING	= 0,	/* manifests, audit seals, megabinaries */
	KEY_PURPOSE_ATTEST	= 1,	/* DSSE statements (docs/attestation.md) */
	KEY_PURPOSE_APPROVER	= 2,	/* JIT exceptions in manifests (docs/exceptions.md) */
};
#define NOJIT_APPROVER_SECRET_KEY_TAG	"nojit-ed25519-approver-secret-v1"
#define NOJIT_APPROVER_PUBLIC_KEY_TAG	"nojit-ed25519-approver-public-v1"
#define NOJIT_APPROVER_KEY_FILE		"approver.key"
#define NOJIT_APPROVER_PUB_FILE		"approver.pub"
#define NOJIT_ATTEST_SECRET_KEY_TAG	"nojit-ed25519-attest-secret-v1"
#define NOJIT_ATTEST_PUBLIC_KEY_TAG	"nojit-ed25519-attest-public-v1"
#define NOJIT_ATTEST_KEY_FILE		"attest.key"
#define NOJIT_ATTEST_PUB_FILE		"attest.pub"

struct nojit_pubkey {
	__u8 pk[crypto_sign_PUBLICKEYBYTES];
	char id[NOJIT_KEY_ID_LEN + 1];
};

/* Wiped by key_secret_wipe(); never printed, never written except by keygen. */
struct nojit_seckey {
	__u8 sk[crypto_sign_SECRETKEYBYTES];	/* seed || public key, libsodium layout */
	struct nojit_pubkey pub;
};

struct nojit_trust {
	struct nojit_pubkey *keys;
	size_t n_keys;
};

/* sodium_init(), once; -EIO if libsodium cannot start. */
int keys_init(void);

/* Key id of a public key, into ID (NOJIT_KEY_ID_LEN + 1 bytes). */
void key_id_of(const __u8 pk[crypto_sign_PUBLICKEYBYTES], char id[NOJIT_KEY_ID_LEN + 1]);

/*
 * Generate a key pair into DIR/nojit.key (0600) and DIR/nojit.pub (0644).
 * DIR is created (0700) if it does not exist; an existing key file or
 * public key file is never overwritten (-EEXIST).
 */
int key_generate(const char *dir, struct nojit_pubkey *ret_pub, struct nojit_err *err);
/* key_generate() for PURPOSE: DIR/attest.{key,pub} for KEY_PURPOSE_ATTEST. */
int key_generate_for(const char *dir, enum key_purpose purpose, struct nojit_pubkey *ret_pub,
		     struct nojit_err *err);

/*
 * Load a secret key file. Refuses (-EPERM) a file that group or others
 * may access, like ssh does. Wipe the result with key_secret_wipe().
 */
int key_load_secret(const char *path, struct nojit_seckey *ret, struct nojit_err *err);
/* key_load_secret() of a key made for PURPOSE; another purpose's key: -EINVAL. */
int key_load_secret_for(const char *path, enum key_purpose purpose, struct nojit_seckey *ret,
			struct nojit_err *err);
void key_secret_wipe(struct nojit_seckey *k);
#define _cleanup_seckey_ __attribute__((cleanup(key_secret_wipe)))

int key_load_public(const char *path, struct nojit_pubkey *ret, struct nojit_err *err);

/*
 * Load the trust store: PATH is one .pub file or a directory whose *.pub
 * files are all accepted keys (other names are ignored). A malformed .pub
 * file in the directory fails the whole load (fail closed), as does an
 * empty directory or one writable by others.
 */
int trust_load(const char *path, struct nojit_trust *ret, struct nojit_err *err);
/* trust_load() of PURPOSE's public keys: a *.pub of another purpose fails the load. */
int trust_load_for(const char *path, enum key_purpose purpose, struct nojit_trust *ret,
		   struct nojit_err *err);
const struct nojit_pubkey *trust_find(const struct nojit_trust *t, const char *key_id);
void trust_free(struct nojit_trust *t);

/* Detached Ed25519 signature over MSG (callers prepend their context string). */
int key_sign(const struct nojit_seckey *k, const void *msg, size_t len, __u8 sig[NOJIT_SIG_LEN]);
/* 0 when SIG is K's signature over MSG, -EKEYREJECTED otherwise. */
int key_verify(const struct nojit_pubkey *k, const void *msg, size_t len,
	       const __u8 sig[NOJIT_SIG_LEN]);

/*
 * Base64 (standard alphabet, with padding) of exactly BIN_LEN bytes; the
 * decoder refuses anything else (other lengths, whitespace, bad padding).
 */
int b64_decode_exact(const char *s, size_t s_len, __u8 *bin, size_t bin_len);

#endif /* NOJIT_KEYS_H */
