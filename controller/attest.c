// SPDX-License-Identifier: GPL-2.0
/* Statements and their envelopes (attest.h): what node and vkernel statements share. */
#include <string.h>
#include <sys/utsname.h>

#include "attest.h"
#include "audit_log.h"
#include "dsse.h"
#include "json_check.h"
#include "lsm_probe.h"
#include "tpm_quote.h"

int attest_nonce_parse(const char *hex, struct attest_nonce *ret, struct nojit_err *err)
{
	size_t len = strlen(hex), n = 0;
	const char *end = NULL;

	if (len % 2 || len < 2 * ATTEST_NONCE_MIN || len > 2 * ATTEST_NONCE_MAX)
		return nojit_err_set(err, -EINVAL,
				     "nonce '%.40s%s': need an even number of hex digits, %d to %d (%d to %d bytes)",
				     hex, len > 40 ? "..." : "", 2 * ATTEST_NONCE_MIN, 2 * ATTEST_NONCE_MAX,
				     ATTEST_NONCE_MIN, ATTEST_NONCE_MAX);
	if (sodium_hex2bin(ret->bytes, sizeof(ret->bytes), hex, len, NULL, &n, &end) ||
	    end != hex + len || n != len / 2)
		return nojit_err_set(err, -EINVAL, "nonce '%.40s%s': not hex", hex, len > 40 ? "..." : "");
	ret->len = n;
	hex_encode(ret->bytes, n, ret->hex);
	return 0;
}

int attest_subject_add(struct json_object *subjects, const char *kind, const char *name,
		       const char *alg, const char *hex)
{
	struct json_object *s = json_object_new_object(), *d = json_object_new_object();
	size_t len = strlen(kind) + strlen(name) + 1;
	char *full = malloc(len);

	if (!s || !d || !full) {
		json_object_put(s);
		json_object_put(d);
		free(full);
		return -ENOMEM;
	}
	snprintf(full, len, "%s%s", kind, name);
	json_object_object_add(s, "name", json_object_new_string(full));
	free(full);
	json_object_object_add(d, alg, json_object_new_string(hex));
	json_object_object_add(s, "digest", d);
	return json_object_array_add(subjects, s) ? -ENOMEM : 0;
}

int attest_subject_add_sha256(struct json_object *subjects, const char *kind, const char *name,
			      const __u8 digest[32])
{
	char hex[65];

	hex_encode(digest, 32, hex);
	return attest_subject_add(subjects, kind, name, "sha256", hex);
}

/* The first line of a small file, or JSON null. */
static struct json_object *first_line(const char *path)
{
	char buf[256];
	char *nl;

	if (read_small_file(path, buf, sizeof(buf)) <= 0)
		return NULL;
	nl = strchr(buf, '\n');
	if (nl)
		*nl = '\0';
	return buf[0] ? json_object_new_string(buf) : NULL;
}

struct json_object *attest_json_time(__u64 ns)
{
	char t[AUDIT_TIME_LEN + 1];

	audit_time_format(ns, t);
	return json_object_new_string(t);
}

struct json_object *attest_host_json(bool bpf_lsm_attached)
{
	struct json_object *h = json_object_new_object();
	struct nojit_err lsm_err;
	struct utsname u;
	const char *lsm;
	bool usable;

	if (!h)
		return NULL;
	if (uname(&u)) {
		json_object_object_add(h, "hostname", NULL);
		json_object_object_add(h, "kernelRelease", NULL);
	} else {
		json_object_object_add(h, "hostname", json_object_new_string(u.nodename));
		json_object_object_add(h, "kernelRelease", json_object_new_string(u.release));
	}
	json_object_object_add(h, "machineId", first_line("/etc/machine-id"));
	json_object_object_add(h, "bootId", first_line("/proc/sys/kernel/random/boot_id"));
	lsm = bpf_lsm_list();
	json_object_object_add(h, "lsm", lsm[0] ? json_object_new_string(lsm) : NULL);
	usable = bpf_lsm_attached || !bpf_lsm_probe(&lsm_err);
	json_object_object_add(h, "bpfLsm", json_object_new_boolean(usable));
	json_object_object_add(h, "bpfLsmDetail", usable ? NULL : json_object_new_string(lsm_err.msg));
	return h;
}

struct json_object *attest_statement_new(const char *predicate_type, struct json_object *subjects,
					 struct json_object *predicate)
{
	struct json_object *st = json_object_new_object();

	if (!st || !subjects || !predicate) {
		json_object_put(st);
		json_object_put(subjects);
		json_object_put(predicate);
		return NULL;
	}
	json_object_object_add(st, "_type", json_object_new_string(ATTEST_STATEMENT_TYPE));
	json_object_object_add(st, "subject", subjects);
	json_object_object_add(st, "predicateType", json_object_new_string(predicate_type));
	json_object_object_add(st, "predicate", predicate);
	return st;
}

static int write_all_fd(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

int attest_emit(const struct nojit_seckey *k, struct json_object *statement,
		const struct attest_emit_opts *o, __u8 ret_digest[32], struct nojit_err *err)
{
	const int flags = JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE;
	struct json_object *env = NULL, *check = NULL;
	_cleanup_free_ char *line = NULL;
	char why[256];
	const char *payload, *text;
	size_t payload_len, len;
	__u8 digest[32];
	int r;

	/* File names, comm and cgroup paths are bytes others chose: never sign what a strict reader refuses. */
	if (json_make_utf8(statement))
		return nojit_err_set(err, -ENOMEM, "out of memory");
	payload = json_object_to_json_string_length(statement, flags, &payload_len);
	if (!payload)
		return nojit_err_set(err, -ENOMEM, "out of memory");
	r = json_parse_strict(payload, payload_len, ATTEST_JSON_DEPTH, ATTEST_JSON_MAX_VALUES, &check,
			      why, sizeof(why));
	json_object_put(check);
	if (r)
		return nojit_err_set(err, r, "refusing to sign a statement no verifier would accept: %s", why);
	crypto_hash_sha256(digest, (const unsigned char *)payload, payload_len);
	r = dsse_sign(k, DSSE_PAYLOAD_TYPE_INTOTO, payload, payload_len, &env, err);
	if (r)
		return r;
	/*
	 * The DSSE signature covers the payload only, and the quote binds
	 * that payload's digest: the tpmQuote member needs no signature of
	 * its own, a verifier checks it against the payload it verified.
	 */
	if (o->tpm_device) {
		struct json_object *quote = NULL;

		if (!o->nonce)
			r = nojit_err_set(err, -EINVAL, "a TPM quote needs the verifier's nonce");
		else
			r = tpm_quote_bind(o->tpm_device, o->tpm_pcr, digest, o->nonce->bytes,
					   o->nonce->len, &quote, err);
		if (!r && json_object_object_add(env, TPM_QUOTE_MEMBER, quote)) {
			json_object_put(quote);
			r = nojit_err_set(err, -ENOMEM, "out of memory");
		}
		if (r) {
			json_object_put(env);
			return r;
		}
	}
	text = json_object_to_json_string_length(env, flags, &len);
	line = text ? malloc(len + 2) : NULL;
	if (!line) {
		json_object_put(env);
		return nojit_err_set(err, -ENOMEM, "out of memory");
	}
	memcpy(line, text, len);
	line[len++] = '\n';
	line[len] = '\0';
	json_object_put(env);
	if (!o->out || !strcmp(o->out, "-")) {
		r = write_all_fd(STDOUT_FILENO, line, len);
		if (r)
			return nojit_err_set(err, r, "writing the statement to stdout: %s", strerror(-r));
	} else {
		r = write_file_atomic(o->out, line, len, 0644, err);
		if (r)
			return r;
	}
	if (ret_digest)
		memcpy(ret_digest, digest, 32);
	return 0;
}
