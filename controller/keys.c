// SPDX-License-Identifier: GPL-2.0
/* Ed25519 key files, key ids and the trust store (see keys.h). */
#include <dirent.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "keys.h"

#define KEY_FILE_MAX	512	/* bytes; a key line is under 70 */
#define TRUST_MAX_KEYS	4096
#define KEY_B64_LEN	sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_ORIGINAL)

static const struct key_kind {
	const char *secret_tag, *public_tag, *secret_file, *public_file;
} key_kinds[] = {
	[KEY_PURPOSE_SIGNING] = { NOJIT_SECRET_KEY_TAG, NOJIT_PUBLIC_KEY_TAG, NOJIT_KEY_FILE,
				  NOJIT_PUB_FILE },
	[KEY_PURPOSE_ATTEST] = { NOJIT_ATTEST_SECRET_KEY_TAG, NOJIT_ATTEST_PUBLIC_KEY_TAG,
				 NOJIT_ATTEST_KEY_FILE, NOJIT_ATTEST_PUB_FILE },
	[KEY_PURPOSE_APPROVER] = { NOJIT_APPROVER_SECRET_KEY_TAG, NOJIT_APPROVER_PUBLIC_KEY_TAG,
				   NOJIT_APPROVER_KEY_FILE, NOJIT_APPROVER_PUB_FILE },
};

int keys_init(void)
{
	static int ready;

	if (ready)
		return 0;
	if (sodium_init() < 0)
		return -EIO;
	ready = 1;
	return 0;
}

void key_id_of(const __u8 pk[crypto_sign_PUBLICKEYBYTES], char id[NOJIT_KEY_ID_LEN + 1])
{
	__u8 h[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(h, pk, crypto_sign_PUBLICKEYBYTES);
	sodium_bin2hex(id, NOJIT_KEY_ID_LEN + 1, h, NOJIT_KEY_ID_LEN / 2);
}

int b64_decode_exact(const char *s, size_t s_len, __u8 *bin, size_t bin_len)
{
	char again[256];
	const char *end;
	size_t got;

	if (s_len != sodium_base64_ENCODED_LEN(bin_len, sodium_base64_VARIANT_ORIGINAL) - 1 ||
	    s_len >= sizeof(again))
		return -EINVAL;
	if (sodium_base642bin(bin, bin_len, s, s_len, NULL, &got, &end,
			      sodium_base64_VARIANT_ORIGINAL) || end != s + s_len || got != bin_len)
		return -EINVAL;
	/* Only the canonical spelling: no unused bits set in the last digit. */
	sodium_bin2base64(again, sizeof(again), bin, bin_len, sodium_base64_VARIANT_ORIGINAL);
	if (memcmp(again, s, s_len)) {
		sodium_memzero(again, sizeof(again));
		return -EINVAL;
	}
	sodium_memzero(again, sizeof(again));
	return 0;
}

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Read the key file open at FD (PATH names it in messages) into BUF
 * (NUL-terminated); refuse what is not a small regular file. *RET_MODE
 * gets the mode of this same file, for the caller's checks: a secret key
 * group or others may access is refused, so is a world-writable trust store.
 */
static int read_key_fd(int fd, const char *path, struct stat *ret_st, char *buf, size_t size,
		       struct nojit_err *err)
{
	struct stat st;
	size_t len = 0;

	if (fstat(fd, &st))
		return nojit_err_set(err, -errno, "%s: %s", path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return nojit_err_set(err, -EINVAL, "%s: not a regular file", path);
	if (st.st_size >= (off_t)size)
		return nojit_err_set(err, -EINVAL, "%s: not a nojit key file (%lld bytes)", path,
				     (long long)st.st_size);
	for (;;) {
		ssize_t n = read(fd, buf + len, size - 1 - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return nojit_err_set(err, -errno, "%s: %s", path, strerror(errno));
		if (n == 0)
			break;
		len += (size_t)n;
		if (len == size - 1)
			return nojit_err_set(err, -EINVAL, "%s: not a nojit key file (too long)", path);
	}
	buf[len] = '\0';
	if (ret_st)
		*ret_st = st;
	return (int)len;
}

/* read_key_fd() of PATH, opened once. */
static int read_key_file(const char *path, struct stat *ret_st, char *buf, size_t size,
			 struct nojit_err *err)
{
	_cleanup_close_ int fd = -1;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return nojit_err_set(err, -errno, "%s: %s", path, strerror(errno));
	return read_key_fd(fd, path, ret_st, buf, size, err);
}

/* "TAG <base64 of 32 bytes>" with one optional final newline, nothing else. */
static int parse_key_line(const char *buf, size_t len, const char *tag, __u8 out[32])
{
	size_t tag_len = strlen(tag);

	if (len && buf[len - 1] == '\n')
		len--;
	if (len < tag_len + 1 || memcmp(buf, tag, tag_len) || buf[tag_len] != ' ')
		return -EINVAL;
	return b64_decode_exact(buf + tag_len + 1, len - tag_len - 1, out, 32);
}

/* Name the key type a file holds, for error messages. */
static const char *key_file_kind(const char *buf, enum key_purpose want)
{
	if (!strncmp(buf, "nojit-ed25519-attest-", 21))
		return want == KEY_PURPOSE_ATTEST ? "a malformed or unsupported nojit attestation key"
						  : "an attestation key (nojit keygen --attest): it signs "
						    "statements about a node, never this";
	if (!strncmp(buf, "nojit-ed25519-approver-", 23))
		return want == KEY_PURPOSE_APPROVER ? "a malformed or unsupported nojit approver key"
						    : "an approver key (nojit keygen --approver): it signs "
						      "JIT exceptions, never this";
	if (want == KEY_PURPOSE_ATTEST && !strncmp(buf, "nojit-ed25519-", 14))
		return "a signing key, not an attestation key: attestation needs its own key "
		       "(nojit keygen --attest)";
	if (want == KEY_PURPOSE_APPROVER && !strncmp(buf, "nojit-ed25519-", 14))
		return "not an approver key: JIT exceptions are approved with a key of their own "
		       "(nojit keygen --approver)";
	if (!strncmp(buf, "nojit-ed25519-secret-", 21))
		return strncmp(buf, NOJIT_SECRET_KEY_TAG " ", sizeof(NOJIT_SECRET_KEY_TAG))
			       ? "a nojit secret key of an unsupported version"
			       : "a malformed nojit secret key";
	if (!strncmp(buf, "nojit-ed25519-public-", 21))
		return strncmp(buf, NOJIT_PUBLIC_KEY_TAG " ", sizeof(NOJIT_PUBLIC_KEY_TAG))
			       ? "a nojit public key of an unsupported version"
			       : "a malformed nojit public key";
	return "not a nojit key file";
}

int key_load_secret_for(const char *path, enum key_purpose purpose, struct nojit_seckey *ret,
			struct nojit_err *err)
{
	const struct key_kind *kind = &key_kinds[purpose];
	char buf[KEY_FILE_MAX];
	__u8 seed[crypto_sign_SEEDBYTES];
	struct stat st = {};
	mode_t mode;
	int r;

	r = keys_init();
	if (r)
		return nojit_err_set(err, r, "libsodium failed to initialise");
	r = read_key_file(path, &st, buf, sizeof(buf), err);
	if (r < 0)
		goto out;
	mode = st.st_mode;
	if (!strncmp(buf, kind->public_tag, strlen(kind->public_tag))) {
		r = nojit_err_set(err, -EINVAL, "%s: this is a public key; signing needs the secret key (%s)",
				  path, kind->secret_file);
		goto out;
	}
	/* Like ssh: a secret others could read is refused, whatever it holds. */
	if (mode & 077) {
		r = nojit_err_set(err, -EPERM,
				  "%s: secret key is accessible by group or others (mode %04o); "
				  "refusing to use it: chmod 600 %s, and consider it leaked if others could read it",
				  path, (unsigned int)(mode & 07777), path);
		goto out;
	}
	/* A 0600 file another user owns is that user's to read or replace. */
	if (st.st_uid != geteuid() && st.st_uid != 0) {
		r = nojit_err_set(err, -EPERM,
				  "%s: secret key is owned by uid %u, not by this user (uid %u) or root; "
				  "refusing to use it: whoever owns it can read or replace it",
				  path, (unsigned int)st.st_uid, (unsigned int)geteuid());
		goto out;
	}
	if (parse_key_line(buf, (size_t)r, kind->secret_tag, seed)) {
		r = nojit_err_set(err, -EINVAL, "%s: %s (expected '%s BASE64')", path,
				  key_file_kind(buf, purpose), kind->secret_tag);
		goto out;
	}
	crypto_sign_seed_keypair(ret->pub.pk, ret->sk, seed);
	key_id_of(ret->pub.pk, ret->pub.id);
	r = 0;
out:
	sodium_memzero(buf, sizeof(buf));
	sodium_memzero(seed, sizeof(seed));
	return r;
}

int key_load_secret(const char *path, struct nojit_seckey *ret, struct nojit_err *err)
{
	return key_load_secret_for(path, KEY_PURPOSE_SIGNING, ret, err);
}

void key_secret_wipe(struct nojit_seckey *k)
{
	if (k)
		sodium_memzero(k, sizeof(*k));
}

static int parse_public(const char *path, const char *buf, size_t len, enum key_purpose purpose,
			struct nojit_pubkey *ret, struct nojit_err *err)
{
	const struct key_kind *kind = &key_kinds[purpose];

	if (parse_key_line(buf, len, kind->public_tag, ret->pk)) {
		if (!strncmp(buf, kind->secret_tag, strlen(kind->secret_tag)))
			return nojit_err_set(err, -EINVAL,
					     "%s: this is a SECRET key, not a public key: never put it in a trust store",
					     path);
		return nojit_err_set(err, -EINVAL, "%s: %s (expected '%s BASE64')", path,
				     key_file_kind(buf, purpose), kind->public_tag);
	}
	key_id_of(ret->pk, ret->id);
	return 0;
}

int key_load_public(const char *path, struct nojit_pubkey *ret, struct nojit_err *err)
{
	char buf[KEY_FILE_MAX];
	int r;

	r = keys_init();
	if (r)
		return nojit_err_set(err, r, "libsodium failed to initialise");
	r = read_key_file(path, NULL, buf, sizeof(buf), err);
	if (r >= 0)
		r = parse_public(path, buf, (size_t)r, KEY_PURPOSE_SIGNING, ret, err);
	sodium_memzero(buf, sizeof(buf));	/* it may have been a secret key */
	return r;
}

int key_generate_for(const char *dir, enum key_purpose purpose, struct nojit_pubkey *ret_pub,
		     struct nojit_err *err)
{
	const struct key_kind *kind = &key_kinds[purpose];
	_cleanup_close_ int dfd = -1, kfd = -1, pfd = -1;
	struct nojit_seckey k;
	char line[128], b64[KEY_B64_LEN];
	struct stat st;
	int r, n;

	r = keys_init();
	if (r)
		return nojit_err_set(err, r, "libsodium failed to initialise");
	if (mkdir(dir, 0700) && errno != EEXIST)
		return nojit_err_set(err, -errno, "%s: %s", dir, strerror(errno));
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return nojit_err_set(err, -errno, "%s: %s", dir, strerror(errno));
	/* Refuse before writing anything if either file is there. */
	if (!fstatat(dfd, kind->secret_file, &st, AT_SYMLINK_NOFOLLOW))
		return nojit_err_set(err, -EEXIST, "%s/%s already exists: refusing to overwrite a key",
				     dir, kind->secret_file);
	if (!fstatat(dfd, kind->public_file, &st, AT_SYMLINK_NOFOLLOW))
		return nojit_err_set(err, -EEXIST, "%s/%s already exists: refusing to overwrite a key",
				     dir, kind->public_file);

	kfd = openat(dfd, kind->secret_file, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (kfd < 0)
		return nojit_err_set(err, -errno, "%s/%s: %s", dir, kind->secret_file, strerror(errno));
	crypto_sign_keypair(k.pub.pk, k.sk);
	key_id_of(k.pub.pk, k.pub.id);
	/* The secret file holds the 32-byte seed; the public half is derived from it. */
	sodium_bin2base64(b64, sizeof(b64), k.sk, crypto_sign_SEEDBYTES, sodium_base64_VARIANT_ORIGINAL);
	n = snprintf(line, sizeof(line), "%s %s\n", kind->secret_tag, b64);
	r = fchmod(kfd, 0600) ? -errno : 0;
	if (!r)
		r = write_all(kfd, line, (size_t)n);
	if (!r && fsync(kfd))
		r = -errno;
	sodium_memzero(line, sizeof(line));
	sodium_memzero(b64, sizeof(b64));
	if (r) {
		nojit_err_set(err, r, "%s/%s: %s", dir, kind->secret_file, strerror(-r));
		goto fail;
	}

	pfd = openat(dfd, kind->public_file, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (pfd < 0) {
		r = nojit_err_set(err, -errno, "%s/%s: %s", dir, kind->public_file, strerror(errno));
		goto fail;
	}
	sodium_bin2base64(b64, sizeof(b64), k.pub.pk, sizeof(k.pub.pk), sodium_base64_VARIANT_ORIGINAL);
	n = snprintf(line, sizeof(line), "%s %s\n", kind->public_tag, b64);
	r = write_all(pfd, line, (size_t)n);
	if (!r && fsync(pfd))
		r = -errno;
	if (r) {
		nojit_err_set(err, r, "%s/%s: %s", dir, kind->public_file, strerror(-r));
		unlinkat(dfd, kind->public_file, 0);
		goto fail;
	}
	(void)fsync(dfd);
	*ret_pub = k.pub;
	key_secret_wipe(&k);
	return 0;
fail:
	unlinkat(dfd, kind->secret_file, 0);
	key_secret_wipe(&k);
	return r;
}

int key_generate(const char *dir, struct nojit_pubkey *ret_pub, struct nojit_err *err)
{
	return key_generate_for(dir, KEY_PURPOSE_SIGNING, ret_pub, err);
}

int key_sign(const struct nojit_seckey *k, const void *msg, size_t len, __u8 sig[NOJIT_SIG_LEN])
{
	if (crypto_sign_detached(sig, NULL, msg, len, k->sk))
		return -EINVAL;
	return 0;
}

int key_verify(const struct nojit_pubkey *k, const void *msg, size_t len,
	       const __u8 sig[NOJIT_SIG_LEN])
{
	if (crypto_sign_verify_detached(sig, msg, len, k->pk))
		return -EKEYREJECTED;
	return 0;
}

static int trust_add(struct nojit_trust *t, const struct nojit_pubkey *k, const char *src,
		     struct nojit_err *err)
{
	struct nojit_pubkey *keys;

	for (size_t i = 0; i < t->n_keys; i++) {
		if (strcmp(t->keys[i].id, k->id))
			continue;
		if (sodium_memcmp(t->keys[i].pk, k->pk, sizeof(k->pk)))
			return nojit_err_set(err, -EINVAL, "%s: key id %s collides with another trusted key",
					     src, k->id);
		return 0;	/* the same key twice */
	}
	if (t->n_keys >= TRUST_MAX_KEYS)
		return nojit_err_set(err, -E2BIG, "%s: more than %d trusted keys", src, TRUST_MAX_KEYS);
	keys = realloc(t->keys, (t->n_keys + 1) * sizeof(*keys));
	if (!keys)
		return nojit_err_set(err, -ENOMEM, "out of memory");
	keys[t->n_keys++] = *k;
	t->keys = keys;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int trust_load_dir(const char *path, int dfd, enum key_purpose purpose, struct nojit_trust *t,
			  struct nojit_err *err)
{
	_cleanup_free_ char **names = NULL;
	size_t n = 0, cap = 0;
	DIR *d;
	struct dirent *de;
	int r = 0;

	d = fdopendir(dfd);
	if (!d)
		return nojit_err_set(err, -errno, "%s: %s", path, strerror(errno));
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);

		if (de->d_name[0] == '.' || len < 5 || strcmp(de->d_name + len - 4, ".pub"))
			continue;
		if (n == cap) {
			char **nn = realloc(names, (cap = cap ? cap * 2 : 16) * sizeof(*nn));

			if (!nn) {
				r = nojit_err_set(err, -ENOMEM, "out of memory");
				goto out;
			}
			names = nn;
		}
		names[n] = strdup(de->d_name);
		if (!names[n]) {
			r = nojit_err_set(err, -ENOMEM, "out of memory");
			goto out;
		}
		n++;
	}
	/* Load in name order, so errors and collisions are reported reproducibly. */
	if (n)
		qsort(names, n, sizeof(*names), cmp_str);
	for (size_t i = 0; i < n && !r; i++) {
		char file[4096], buf[KEY_FILE_MAX];
		struct nojit_pubkey k;
		_cleanup_close_ int fd = -1;
		struct stat st;
		ssize_t len;

		snprintf(file, sizeof(file), "%s/%s", path, names[i]);
		fd = openat(dirfd(d), names[i], O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
		if (fd < 0) {
			r = nojit_err_set(err, -errno, "trust store %s: %s", file, strerror(errno));
			break;
		}
		if (fstat(fd, &st)) {
			r = nojit_err_set(err, -errno, "trust store %s: %s", file, strerror(errno));
			break;
		}
		if (!S_ISREG(st.st_mode)) {
			r = nojit_err_set(err, -EINVAL, "trust store %s: not a regular file", file);
			break;
		}
		if (st.st_mode & S_IWOTH) {
			r = nojit_err_set(err, -EPERM, "trust store %s: writable by others, refusing to trust it",
					  file);
			break;
		}
		len = read(fd, buf, sizeof(buf) - 1);
		if (len < 0) {
			r = nojit_err_set(err, -errno, "trust store %s: %s", file, strerror(errno));
			break;
		}
		buf[len] = '\0';
		r = parse_public(file, buf, (size_t)len, purpose, &k, err);
		sodium_memzero(buf, sizeof(buf));
		if (!r)
			r = trust_add(t, &k, file, err);
	}
	if (!r && !t->n_keys)
		r = nojit_err_set(err, -ENOKEY, "trust store %s: no *.pub files in it", path);
out:
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	closedir(d);
	return r;
}

int trust_load_for(const char *path, enum key_purpose purpose, struct nojit_trust *ret,
		   struct nojit_err *err)
{
	struct nojit_trust t = {};
	struct nojit_pubkey k;
	struct stat st;
	int fd, r;

	r = keys_init();
	if (r)
		return nojit_err_set(err, r, "libsodium failed to initialise");
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return nojit_err_set(err, -errno, "trust store %s: %s", path, strerror(errno));
	if (fstat(fd, &st)) {
		r = nojit_err_set(err, -errno, "trust store %s: %s", path, strerror(errno));
		close(fd);
		return r;
	}
	if (st.st_mode & S_IWOTH) {
		close(fd);
		return nojit_err_set(err, -EPERM, "trust store %s: writable by others, refusing to trust it",
				     path);
	}
	if (S_ISDIR(st.st_mode)) {
		r = trust_load_dir(path, fd, purpose, &t, err);	/* takes FD */
	} else {
		char buf[KEY_FILE_MAX];

		/* The key comes from the file whose mode was just checked, not a second open of PATH. */
		r = read_key_fd(fd, path, NULL, buf, sizeof(buf), err);
		close(fd);
		if (r >= 0)
			r = parse_public(path, buf, (size_t)r, purpose, &k, err);
		sodium_memzero(buf, sizeof(buf));	/* it may have been a secret key */
		if (!r)
			r = trust_add(&t, &k, path, err);
		if (r && err) {
			char msg[sizeof(err->msg)];

			snprintf(msg, sizeof(msg), "%s", err->msg);
			nojit_err_set(err, r, "trust store %s", msg);
		}
	}
	if (r) {
		trust_free(&t);
		return r;
	}
	*ret = t;
	return 0;
}

int trust_load(const char *path, struct nojit_trust *ret, struct nojit_err *err)
{
	return trust_load_for(path, KEY_PURPOSE_SIGNING, ret, err);
}

const struct nojit_pubkey *trust_find(const struct nojit_trust *t, const char *key_id)
{
	for (size_t i = 0; i < t->n_keys; i++)
		if (!strcmp(t->keys[i].id, key_id))
			return &t->keys[i];
	return NULL;
}

void trust_free(struct nojit_trust *t)
{
	if (!t)
		return;
	free(t->keys);
	t->keys = NULL;
	t->n_keys = 0;
}
