// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "manifest_exception.h"

static const char *const allow_names[] = {
	[0] = "anon-exec",	/* NOJIT_EXC_ANON_EXEC */
	[1] = "wx-flip",	/* NOJIT_EXC_WX_FLIP */
};

const char *manifest_exception_allow_name(__u32 bit)
{
	for (size_t i = 0; i < ARRAY_SIZE(allow_names); i++)
		if (bit == 1u << i)
			return allow_names[i];
	return NULL;
}

__u32 manifest_exception_allow_from_name(const char *s)
{
	for (size_t i = 0; i < ARRAY_SIZE(allow_names); i++)
		if (!strcmp(s, allow_names[i]))
			return 1u << i;
	return 0;
}

void manifest_exceptions_free(struct nojit_manifest_exception *e, size_t n)
{
	if (!e)
		return;
	for (size_t i = 0; i < n; i++) {
		free(e[i].id);
		free(e[i].justification);
		for (size_t j = 0; j < e[i].n_write_paths; j++)
			free(e[i].write_paths[j]);
	}
	free(e);
}

static bool id_ok(const char *s, size_t len)
{
	if (!len || len >= NOJIT_EXC_ID_MAX)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!(s[i] >= 'a' && s[i] <= 'z') && !(s[i] >= 'A' && s[i] <= 'Z') &&
		    !(s[i] >= '0' && s[i] <= '9') && s[i] != '.' && s[i] != '_' && s[i] != '-')
			return false;
	return true;
}

/*
 * The kernel compares write paths with the path of the file opened, byte
 * by byte, on component boundaries: so a path must be the one form the
 * kernel prints, absolute, without empty, "." or ".." components.
 */
static const char *write_path_problem(const char *s, size_t len)
{
	if (strlen(s) != len || manifest_text_problem(s, len, 1, NOJIT_EXC_PATH_MAX - 1))
		return "is not text of 1 to 127 bytes";
	if (len >= NOJIT_EXC_PATH_MAX)
		return "is longer than 127 bytes";
	if (s[0] != '/')
		return "is not absolute";
	if (len > 1 && s[len - 1] == '/')
		return "ends with '/'";
	for (const char *p = s; *p; p++) {
		const char *c;
		size_t n;

		if (*p != '/')
			continue;
		c = p + 1;
		n = strcspn(c, "/");
		if ((n == 0 && len > 1) || (n == 1 && c[0] == '.') ||
		    (n == 2 && c[0] == '.' && c[1] == '.'))
			return "has an empty, \".\" or \"..\" component";
	}
	return NULL;
}

static int exc_err(struct nojit_err *err, size_t idx, const char *fmt, const char *what)
{
	char msg[200];

	snprintf(msg, sizeof(msg), fmt, what);
	return nojit_err_set(err, -EBADMSG, "exceptions[%zu]: %s", idx, msg);
}

static int get_string(struct json_object *o, size_t idx, const char *field, const char **ret,
		      size_t *ret_len, struct nojit_err *err)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, field, &v))
		return exc_err(err, idx, "missing \"%s\"", field);
	if (!json_object_is_type(v, json_type_string))
		return exc_err(err, idx, "\"%s\" is not a string", field);
	*ret = json_object_get_string(v);
	*ret_len = (size_t)json_object_get_string_len(v);
	return 0;
}

static int parse_allow(struct json_object *o, size_t idx, __u32 *ret, struct nojit_err *err)
{
	struct json_object *v;
	size_t n;

	if (!json_object_object_get_ex(o, "allow", &v))
		return exc_err(err, idx, "missing \"%s\"", "allow");
	if (!json_object_is_type(v, json_type_array) || !(n = json_object_array_length(v)))
		return exc_err(err, idx, "\"%s\" is not a non-empty array", "allow");
	*ret = 0;
	for (size_t i = 0; i < n; i++) {
		struct json_object *a = json_object_array_get_idx(v, i);
		__u32 bit;

		if (!json_object_is_type(a, json_type_string) ||
		    !(bit = manifest_exception_allow_from_name(json_object_get_string(a))) ||
		    strlen(json_object_get_string(a)) != (size_t)json_object_get_string_len(a))
			return exc_err(err, idx, "%s: each is \"anon-exec\" or \"wx-flip\"", "allow");
		if (*ret & bit)
			return exc_err(err, idx, "%s: a permission is given twice", "allow");
		*ret |= bit;
	}
	return 0;
}

static int parse_paths(struct json_object *o, size_t idx, struct nojit_manifest_exception *e,
		       struct nojit_err *err)
{
	struct json_object *v;
	size_t n;

	if (!json_object_object_get_ex(o, "write_paths", &v))
		return exc_err(err, idx, "missing \"%s\" (an empty array: no writes)", "write_paths");
	if (!json_object_is_type(v, json_type_array))
		return exc_err(err, idx, "\"%s\" is not an array", "write_paths");
	n = json_object_array_length(v);
	if (n > NOJIT_EXC_MAX_PATHS)
		return exc_err(err, idx, "%s: more than 8 paths", "write_paths");
	for (size_t i = 0; i < n; i++) {
		struct json_object *p = json_object_array_get_idx(v, i);
		const char *why;
		char msg[160];

		if (!json_object_is_type(p, json_type_string))
			return exc_err(err, idx, "%s: not a string", "write_paths");
		why = write_path_problem(json_object_get_string(p), (size_t)json_object_get_string_len(p));
		if (why) {
			snprintf(msg, sizeof(msg), "write_paths[%zu] %s", i, why);
			return exc_err(err, idx, "%s", msg);
		}
		for (size_t j = 0; j < e->n_write_paths; j++)
			if (!strcmp(e->write_paths[j], json_object_get_string(p)))
				return exc_err(err, idx, "%s: a path is given twice", "write_paths");
		e->write_paths[e->n_write_paths] = strdup(json_object_get_string(p));
		if (!e->write_paths[e->n_write_paths])
			return nojit_err_set(err, -ENOMEM, "out of memory");
		e->n_write_paths++;
	}
	return 0;
}

/* "nojit-exception-approval-v1 KEYID BASE64" */
static int parse_approval(const char *s, size_t len, size_t idx,
			  struct nojit_manifest_exception *e, struct nojit_err *err)
{
	size_t tag = strlen(NOJIT_APPROVAL_TAG);
	const char *id = s + tag + 1, *b64;

	if (len < tag + 2 + NOJIT_KEY_ID_LEN || memcmp(s, NOJIT_APPROVAL_TAG " ", tag + 1) ||
	    strlen(s) != len)
		return exc_err(err, idx, "approval: not \"%s KEYID SIGNATURE\"", NOJIT_APPROVAL_TAG);
	for (int i = 0; i < NOJIT_KEY_ID_LEN; i++)
		if (!((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f')))
			return exc_err(err, idx, "approval: %s", "malformed key id");
	if (id[NOJIT_KEY_ID_LEN] != ' ')
		return exc_err(err, idx, "approval: %s", "malformed key id");
	b64 = id + NOJIT_KEY_ID_LEN + 1;
	if (b64_decode_exact(b64, strlen(b64), e->approval, sizeof(e->approval)))
		return exc_err(err, idx, "approval: %s", "the signature is not base64 of 64 bytes");
	memcpy(e->approver, id, NOJIT_KEY_ID_LEN);
	e->approver[NOJIT_KEY_ID_LEN] = '\0';
	e->approved = true;
	return 0;
}

static const char *const exc_fields[] = {
	"id", "sha256", "allow", "justification", "expires", "write_paths", "approval",
};

static int parse_one(struct json_object *o, size_t idx, const struct nojit_manifest *m,
		     struct nojit_manifest_exception *e, struct nojit_err *err)
{
	const struct nojit_manifest_entry *entry = NULL;
	struct json_object *v;
	const char *s, *why;
	size_t len;
	int r;

	if (!json_object_is_type(o, json_type_object))
		return exc_err(err, idx, "%s", "not an object");
	json_object_object_foreach(o, key, val) {
		bool known = false;

		(void)val;
		for (size_t i = 0; i < ARRAY_SIZE(exc_fields); i++)
			known |= !strcmp(key, exc_fields[i]);
		if (!known)
			return exc_err(err, idx, "%s",
				       "unknown field (an exception has only id, sha256, allow, justification, expires, write_paths, approval)");
	}
	r = get_string(o, idx, "id", &s, &len, err);
	if (r)
		return r;
	if (!id_ok(s, len))
		return exc_err(err, idx, "%s", "id is not 1 to 31 of A-Z a-z 0-9 . _ -");
	e->id = strdup(s);
	if (!e->id)
		return nojit_err_set(err, -ENOMEM, "out of memory");

	r = get_string(o, idx, "sha256", &s, &len, err);
	if (r)
		return r;
	if (manifest_sha256_parse(s, len, e->sha256))
		return exc_err(err, idx, "%s", "sha256 is not 64 hex digits (lowercase 0-9a-f)");
	for (size_t i = 0; i < m->n_entries; i++)
		if (!memcmp(m->entries[i].sha256, e->sha256, 32))
			entry = &m->entries[i];
	if (!entry || !(entry->kind & NOJIT_KIND_EXEC))
		return exc_err(err, idx, "%s",
			       "sha256 is not an executable the manifest lists (an entry of kind exec or any)");

	r = parse_allow(o, idx, &e->allow, err);
	if (r)
		return r;

	r = get_string(o, idx, "justification", &s, &len, err);
	if (r)
		return r;
	why = manifest_text_problem(s, len, 1, NOJIT_EXC_JUSTIFICATION_MAX);
	if (why || strlen(s) != len)
		return exc_err(err, idx, "justification %s (1 to 1000 characters of text)",
			       why ? why : "contains a NUL");
	e->justification = strdup(s);
	if (!e->justification)
		return nojit_err_set(err, -ENOMEM, "out of memory");

	r = get_string(o, idx, "expires", &s, &len, err);
	if (r)
		return r;
	if (manifest_time_parse(s, len, &e->expires))
		return exc_err(err, idx, "%s", "expires is not a UTC time \"YYYY-MM-DDTHH:MM:SSZ\"");

	r = parse_paths(o, idx, e, err);
	if (r)
		return r;

	if (json_object_object_get_ex(o, "approval", &v)) {
		if (!json_object_is_type(v, json_type_string))
			return exc_err(err, idx, "\"%s\" is not a string", "approval");
		return parse_approval(json_object_get_string(v), (size_t)json_object_get_string_len(v),
				      idx, e, err);
	}
	return 0;
}

int manifest_exceptions_parse(struct json_object *arr, struct nojit_manifest *m,
			      struct nojit_err *err)
{
	size_t n;
	int r;

	if (!json_object_is_type(arr, json_type_array))
		return nojit_err_set(err, -EBADMSG, "field \"exceptions\": not an array");
	n = json_object_array_length(arr);
	if (n > NOJIT_EXC_MAX)
		return nojit_err_set(err, -EBADMSG, "field \"exceptions\": more than %d exceptions",
				     NOJIT_EXC_MAX);
	if (!n)
		return 0;
	m->exceptions = calloc(n, sizeof(*m->exceptions));
	if (!m->exceptions)
		return nojit_err_set(err, -ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		r = parse_one(json_object_array_get_idx(arr, i), i, m, &m->exceptions[i], err);
		m->n_exceptions++;
		if (r)
			return r;
		for (size_t j = 0; j < i; j++) {
			if (!strcmp(m->exceptions[j].id, m->exceptions[i].id))
				return exc_err(err, i, "id \"%s\" is used twice", m->exceptions[i].id);
			/* The kernel keys exceptions by digest: one per executable. */
			if (!memcmp(m->exceptions[j].sha256, m->exceptions[i].sha256, 32))
				return exc_err(err, i, "%s", "a second exception for the same sha256");
		}
	}
	return 0;
}

int manifest_exception_message(const struct nojit_manifest *m, const char *signer,
			       const struct nojit_manifest_exception *e, char **ret, size_t *ret_len)
{
	char hex[65], expires[32];
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	f = open_memstream(&buf, &len);
	if (!f)
		return -ENOMEM;
	sodium_bin2hex(hex, sizeof(hex), e->sha256, 32);
	manifest_time_format(e->expires, expires);
	fputs(NOJIT_EXC_SIG_CONTEXT, f);
	fprintf(f, "manifest %s\nsigner %s\nid %s\nsha256 %s\nallow", m->name, signer, e->id, hex);
	for (size_t i = 0; i < ARRAY_SIZE(allow_names); i++)
		if (e->allow & (1u << i))
			fprintf(f, " %s", allow_names[i]);
	fprintf(f, "\nexpires %s\n", expires);
	for (size_t i = 0; i < e->n_write_paths; i++)
		fprintf(f, "write_path %s\n", e->write_paths[i]);
	fprintf(f, "justification %s\n", e->justification);
	if (fclose(f)) {
		free(buf);
		return -ENOMEM;
	}
	*ret = buf;
	*ret_len = len;
	return 0;
}

int manifest_exceptions_verify(struct nojit_manifest *m, const char *approvers, __s64 now,
			       struct nojit_err *err)
{
	struct nojit_trust t = {};
	int r = 0;

	m->exceptions_verified = false;
	if (!m->n_exceptions)
		return 0;
	r = trust_load_for(approvers, KEY_PURPOSE_APPROVER, &t, err);
	if (r) {
		char msg[sizeof(err->msg)];

		snprintf(msg, sizeof(msg), "%s", err->msg);
		return nojit_err_set(err, r == -ENOENT ? -ENOKEY : r,
				     "exception \"%s\": no approver keys: %s", m->exceptions[0].id, msg);
	}
	for (size_t i = 0; i < m->n_exceptions && !r; i++) {
		const struct nojit_manifest_exception *e = &m->exceptions[i];
		const struct nojit_pubkey *key;
		_cleanup_free_ char *msg = NULL;
		char when[32];
		size_t len;

		if (!e->approved) {
			r = nojit_err_set(err, -ENOKEY,
					  "exception \"%s\": not approved (an approver signs it: nojit manifest approve)",
					  e->id);
			break;
		}
		if (!strcmp(e->approver, m->key_id)) {
			r = nojit_err_set(err, -EPERM,
					  "exception \"%s\": approved by %s, the key that signed the manifest: an exception needs a second party",
					  e->id, e->approver);
			break;
		}
		key = trust_find(&t, e->approver);
		if (!key) {
			r = nojit_err_set(err, -ENOKEY,
					  "exception \"%s\": approved by key %s, which is not a trusted approver (%s)",
					  e->id, e->approver, approvers);
			break;
		}
		r = manifest_exception_message(m, m->key_id, e, &msg, &len);
		if (r) {
			r = nojit_err_set(err, r, "out of memory");
			break;
		}
		if (key_verify(key, msg, len, e->approval)) {
			r = nojit_err_set(err, -EKEYREJECTED,
					  "exception \"%s\": bad approval: it does not verify with approver key %s (the exception was changed after approval, or approved for a manifest signed by another key than %s)",
					  e->id, e->approver, m->key_id);
			break;
		}
		if (now >= e->expires) {
			manifest_time_format(e->expires, when);
			r = nojit_err_set(err, -EKEYEXPIRED, "exception \"%s\": expired at %s", e->id, when);
			break;
		}
	}
	trust_free(&t);
	m->exceptions_verified = r == 0;
	return r;
}

int manifest_exceptions_approve(const char *file, const struct nojit_seckey *key,
				const char *signer, const char *id, size_t *ret_n,
				struct nojit_err *err)
{
	_cleanup_free_ char *buf = NULL, *out = NULL;
	struct nojit_manifest *m = NULL;
	size_t len, out_len, n = 0;
	int r;

	if (!strcmp(signer, key->pub.id))
		return nojit_err_set(err, -EPERM,
				     "manifest %s: the approver key %s is the manifest's signer: an exception needs a second party",
				     file, signer);
	r = read_file_max(AT_FDCWD, file, NOJIT_MANIFEST_MAX_BYTES, &buf, &len);
	if (r)
		return nojit_err_set(err, r, "manifest %s: %s", file,
				     r == -EFBIG ? "too large" : strerror(-r));
	r = manifest_parse(buf, len, &m, err);
	if (r)
		goto out;
	for (size_t i = 0; i < m->n_exceptions; i++) {
		struct nojit_manifest_exception *e = &m->exceptions[i];
		_cleanup_free_ char *msg = NULL;
		size_t msg_len;

		if (id && strcmp(id, e->id))
			continue;
		r = manifest_exception_message(m, signer, e, &msg, &msg_len);
		if (!r)
			r = key_sign(key, msg, msg_len, e->approval);
		if (r) {
			r = nojit_err_set(err, r, "exception \"%s\": signing failed", e->id);
			goto out;
		}
		memcpy(e->approver, key->pub.id, sizeof(e->approver));
		e->approved = true;
		n++;
	}
	if (!n) {
		r = nojit_err_set(err, -ENOENT, id ? "no exception \"%s\"" : "no exceptions%s",
				  id ? id : "");
		goto out;
	}
	r = manifest_format(m, &out, &out_len, err);
	if (!r)
		r = write_file_atomic(file, out, out_len, 0644, err);
	if (!r)
		*ret_n = n;
out:
	manifest_free(m);
	if (r && err && strncmp(err->msg, "manifest ", 9)) {
		char msg[sizeof(err->msg)];

		snprintf(msg, sizeof(msg), "%s", err->msg);
		nojit_err_set(err, r, "manifest %s: %s", file, msg);
	}
	return r;
}
