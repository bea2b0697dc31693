// SPDX-License-Identifier: GPL-2.0
/* Signed megabinary trailer: encode, sign, read, verify (trailer.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sodium.h>

#include "sha256_stream.h"
#include "trailer.h"

bool vk_name_valid(const char *name)
{
	size_t len = strnlen(name, VK_NAME_MAX);

	if (len == 0 || len >= VK_NAME_MAX || name[0] == '.' || name[0] == '-')
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return false;
	}
	return true;
}

static uint8_t *put_le(uint8_t *p, uint64_t v, int bytes)
{
	for (int i = 0; i < bytes; i++)
		*p++ = (uint8_t)(v >> (8 * i));
	return p;
}

static uint64_t get_le(const uint8_t *p, int bytes)
{
	uint64_t v = 0;

	for (int i = bytes - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* Everything the signature covers, after the context string. */
static size_t encode_signed_part(const struct vk_trailer *t, uint8_t *buf)
{
	uint8_t *p = buf;

	memcpy(p, VK_TRAILER_MAGIC, 8);
	p = put_le(p + 8, t->version, 4);
	p = put_le(p, t->n_modules, 4);
	p = put_le(p, t->image_len, 8);
	memcpy(p, t->image_sha256, 32);
	p += 32;
	memcpy(p, t->key_id, NOJIT_KEY_ID_LEN);
	p += NOJIT_KEY_ID_LEN;
	for (uint32_t i = 0; i < t->n_modules; i++) {
		memset(p, 0, VK_NAME_MAX);
		memcpy(p, t->modules[i].name, strnlen(t->modules[i].name, VK_NAME_MAX - 1));
		memcpy(p + VK_NAME_MAX, t->modules[i].wasm_sha256, 32);
		p += VK_ENTRY_LEN;
	}
	if (t->version == VK_TRAILER_VERSION_CODES) {
		p = put_le(p, t->n_codes, 4);
		memcpy(p, t->codes, (size_t)t->n_codes * 32);
		p += (size_t)t->n_codes * 32;
	}
	return p - buf;
}

size_t vk_trailer_len(const struct vk_trailer *t)
{
	return t->version == VK_TRAILER_VERSION_CODES ? VK_TRAILER_V2_LEN(t->n_modules, t->n_codes) :
							 VK_TRAILER_LEN(t->n_modules);
}

int vk_sha256_cmp(const void *key, const void *elem)
{
	return memcmp(key, elem, 32);
}

bool vk_trailer_lists_code(const struct vk_trailer *t, const uint8_t sha256[32])
{
	return bsearch(sha256, t->codes, t->n_codes, sizeof(t->codes[0]), vk_sha256_cmp) != NULL;
}

size_t vk_trailer_encode(const struct vk_trailer *t, uint8_t *buf)
{
	size_t n = encode_signed_part(t, buf);

	memcpy(buf + n, t->sig, NOJIT_SIG_LEN);
	n += NOJIT_SIG_LEN;
	put_le(buf + n, n, 8);
	memcpy(buf + n + 8, VK_FOOTER_MAGIC, 8);
	return n + VK_FOOTER_LEN;
}

/* CONTEXT || signed part, the message the signature is over. */
static uint8_t *signed_message(const struct vk_trailer *t, size_t *len)
{
	size_t ctx = strlen(VK_TRAILER_CONTEXT);
	uint8_t *m = malloc(ctx + vk_trailer_len(t));

	if (!m)
		return NULL;
	memcpy(m, VK_TRAILER_CONTEXT, ctx);
	*len = ctx + encode_signed_part(t, m + ctx);
	return m;
}

int vk_trailer_sign(struct vk_trailer *t, const struct nojit_seckey *k)
{
	_cleanup_free_ uint8_t *m = NULL;
	size_t len;

	memcpy(t->key_id, k->pub.id, sizeof(t->key_id));
	m = signed_message(t, &len);
	if (!m)
		return -ENOMEM;
	return key_sign(k, m, len, t->sig);
}

int vk_trailer_read(int fd, const char *name, struct vk_trailer *t, struct nojit_err *err)
{
	uint8_t foot[VK_FOOTER_LEN], *buf, *p;
	uint64_t tlen, n;
	struct stat st;
	int r;

	if (fstat(fd, &st))
		return nojit_err_set(err, -errno, "%s: %s", name, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return nojit_err_set(err, -EINVAL, "%s: not a regular file", name);
	if ((uint64_t)st.st_size < VK_FOOTER_LEN + VK_TRAILER_LEN(1))
		return nojit_err_set(err, -EBADMSG, "%s: no vkernel trailer (file too short)", name);
	r = pread_full(fd, foot, sizeof(foot), st.st_size - VK_FOOTER_LEN);
	if (r)
		return nojit_err_set(err, r, "%s: reading the trailer: %s", name, strerror(-r));
	if (memcmp(foot + 8, VK_FOOTER_MAGIC, 8))
		return nojit_err_set(err, -EBADMSG, "%s: no vkernel trailer (footer magic missing)", name);
	tlen = get_le(foot, 8);
	if (tlen < VK_TRAILER_LEN(1) || tlen > VK_TRAILER_V2_LEN(VK_MAX_MODULES, VK_MAX_CODES) ||
	    tlen > (uint64_t)st.st_size - VK_FOOTER_LEN)
		return nojit_err_set(err, -EBADMSG, "%s: trailer length %llu is impossible", name,
				     (unsigned long long)tlen);
	buf = malloc(tlen);
	if (!buf)
		return nojit_err_set(err, -ENOMEM, "out of memory");
	r = pread_full(fd, buf, tlen, st.st_size - VK_FOOTER_LEN - tlen);
	if (r) {
		free(buf);
		return nojit_err_set(err, r, "%s: reading the trailer: %s", name, strerror(-r));
	}
	p = buf;
	r = -EBADMSG;
	if (memcmp(p, VK_TRAILER_MAGIC, 8)) {
		nojit_err_set(err, r, "%s: trailer magic missing", name);
		goto out;
	}
	t->version = get_le(p + 8, 4);
	n = get_le(p + 12, 4);
	if (t->version != VK_TRAILER_VERSION && t->version != VK_TRAILER_VERSION_CODES) {
		nojit_err_set(err, r, "%s: trailer version %u is not supported (want %d or %d)", name,
			      t->version, VK_TRAILER_VERSION, VK_TRAILER_VERSION_CODES);
		goto out;
	}
	t->n_codes = 0;
	if (t->version == VK_TRAILER_VERSION_CODES && n >= 1 && n <= VK_MAX_MODULES &&
	    tlen >= VK_TRAILER_V2_LEN(n, 0))
		t->n_codes = get_le(p + VK_HEAD_LEN + n * VK_ENTRY_LEN, 4);
	if (n < 1 || n > VK_MAX_MODULES || t->n_codes > VK_MAX_CODES ||
	    (t->version == VK_TRAILER_VERSION_CODES ? VK_TRAILER_V2_LEN(n, t->n_codes) :
						       VK_TRAILER_LEN(n)) != tlen) {
		nojit_err_set(err, r, "%s: trailer lists %llu modules and %u codes in %llu bytes", name,
			      (unsigned long long)n, t->n_codes, (unsigned long long)tlen);
		goto out;
	}
	t->n_modules = n;
	t->image_len = get_le(p + 16, 8);
	if (t->image_len != (uint64_t)st.st_size - VK_FOOTER_LEN - tlen) {
		nojit_err_set(err, r, "%s: image length %llu in the trailer, %llu in the file", name,
			      (unsigned long long)t->image_len,
			      (unsigned long long)(st.st_size - VK_FOOTER_LEN - tlen));
		goto out;
	}
	memcpy(t->image_sha256, p + 24, 32);
	memcpy(t->key_id, p + 56, NOJIT_KEY_ID_LEN);
	t->key_id[NOJIT_KEY_ID_LEN] = '\0';
	p += VK_HEAD_LEN;
	for (uint32_t i = 0; i < n; i++, p += VK_ENTRY_LEN) {
		struct vk_trailer_module *m = &t->modules[i];

		if (p[VK_NAME_MAX - 1] != '\0') {
			nojit_err_set(err, r, "%s: module %u: name not terminated", name, i);
			goto out;
		}
		memcpy(m->name, p, VK_NAME_MAX);
		if (!vk_name_valid(m->name)) {
			nojit_err_set(err, r, "%s: module %u: invalid name", name, i);
			goto out;
		}
		for (size_t j = strlen(m->name); j < VK_NAME_MAX; j++)
			if (p[j]) {
				nojit_err_set(err, r, "%s: module %u: name padding not zero", name, i);
				goto out;
			}
		for (uint32_t j = 0; j < i; j++)
			if (!strcmp(t->modules[j].name, m->name)) {
				nojit_err_set(err, r, "%s: module %s listed twice", name, m->name);
				goto out;
			}
		memcpy(m->wasm_sha256, p + VK_NAME_MAX, 32);
	}
	if (t->version == VK_TRAILER_VERSION_CODES) {
		p += 4;
		for (uint32_t i = 0; i < t->n_codes; i++, p += 32) {
			/* Ascending: one encoding per list, no duplicates, binary search. */
			if (i && memcmp(t->codes[i - 1], p, 32) >= 0) {
				nojit_err_set(err, r, "%s: code %u: list not strictly ascending", name, i);
				goto out;
			}
			memcpy(t->codes[i], p, 32);
		}
	}
	memcpy(t->sig, p, NOJIT_SIG_LEN);
	r = 0;
out:
	free(buf);
	return r;
}

/*
 * SHA-256 of the image (the first LEN bytes at FD) and, when FILE is not
 * NULL, also fed into FILE: each byte is read once and serves both.
 */
static int hash_image(int fd, uint64_t len, uint8_t out[32], struct sha256_stream *file)
{
	struct sha256_stream st;
	static uint8_t buf[1 << 16];
	uint64_t off = 0;
	int r;

	sha256_stream_init(&st);
	while (off < len) {
		size_t n = len - off < sizeof(buf) ? len - off : sizeof(buf);

		r = pread_full(fd, buf, n, off);
		if (r)
			return r;
		sha256_stream_update(&st, buf, n);
		if (file)
			sha256_stream_update(file, buf, n);
		off += n;
	}
	sha256_stream_final(&st, out);
	return 0;
}

int vk_verify_path(const char *path, const char *trust_path, struct vk_trailer *t,
		   struct nojit_err *err)
{
	struct nojit_trust trust = {};
	int fd, r;

	r = trust_load(trust_path, &trust, err);
	if (r)
		return r;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	r = fd < 0 ? nojit_err_set(err, -errno, "%s: %s", path, strerror(errno)) :
		     vk_verify_fd(fd, path, &trust, NULL, 0, t, NULL, err);
	trust_free(&trust);
	if (fd >= 0)
		close(fd);
	return r;
}

int vk_trailer_verify_fd(int fd, const char *name, const struct nojit_trust *trust,
			 const uint8_t (*keys)[32], size_t n_keys, struct vk_trailer *t,
			 struct nojit_err *err)
{
	_cleanup_free_ uint8_t *m = NULL;
	const struct nojit_pubkey *pk = NULL;
	struct nojit_pubkey embedded;
	size_t len;
	int r;

	r = keys_init();
	if (r)
		return nojit_err_set(err, r, "libsodium failed to initialise");
	r = vk_trailer_read(fd, name, t, err);
	if (r)
		return r;
	if (trust) {
		pk = trust_find(trust, t->key_id);
	} else {
		for (size_t i = 0; i < n_keys && !pk; i++) {
			memcpy(embedded.pk, keys[i], sizeof(embedded.pk));
			key_id_of(embedded.pk, embedded.id);
			if (!strcmp(embedded.id, t->key_id))
				pk = &embedded;
		}
	}
	if (!pk)
		return nojit_err_set(err, -EKEYREJECTED, "%s: signed by key %s, which is not trusted",
				     name, t->key_id);
	m = signed_message(t, &len);
	if (!m)
		return nojit_err_set(err, -ENOMEM, "out of memory");
	if (key_verify(pk, m, len, t->sig))
		return nojit_err_set(err, -EKEYREJECTED, "%s: bad trailer signature (key %s)", name,
				     t->key_id);
	return 0;
}

int vk_verify_fd(int fd, const char *name, const struct nojit_trust *trust,
		 const uint8_t (*keys)[32], size_t n_keys, struct vk_trailer *t,
		 uint8_t *ret_file_sha256, struct nojit_err *err)
{
	_cleanup_free_ uint8_t *tail = NULL;
	struct sha256_stream file;
	uint8_t digest[32];
	size_t len;
	int r;

	r = vk_trailer_verify_fd(fd, name, trust, keys, n_keys, t, err);
	if (r)
		return r;
	sha256_stream_init(&file);
	r = hash_image(fd, t->image_len, digest, ret_file_sha256 ? &file : NULL);
	if (r)
		return nojit_err_set(err, r, "%s: hashing the image: %s", name, strerror(-r));
	if (sodium_memcmp(digest, t->image_sha256, 32))
		return nojit_err_set(err, -EBADMSG,
				     "%s: image does not match the SHA-256 its trailer lists (modified)",
				     name);
	if (ret_file_sha256) {
		/*
		 * The whole file is the image just hashed, then the trailer
		 * and footer, whose strict parse leaves one encoding: the
		 * digest is of the bytes verified, not of a second read that
		 * a writer could have changed meanwhile.
		 */
		tail = malloc(vk_trailer_len(t) + VK_FOOTER_LEN);
		if (!tail)
			return nojit_err_set(err, -ENOMEM, "out of memory");
		len = vk_trailer_encode(t, tail);
		sha256_stream_update(&file, tail, len);
		sha256_stream_final(&file, ret_file_sha256);
	}
	return 0;
}
