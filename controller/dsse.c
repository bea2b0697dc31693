// SPDX-License-Identifier: GPL-2.0
/* DSSE envelopes with Ed25519 (dsse.h). */
#include <string.h>

#include "dsse.h"
#include "json_check.h"

#define DSSE_JSON_DEPTH	8	/* envelope, signatures array, signature */
/* An envelope is a handful of values (16 signatures, an extension like tpmQuote): not a tree to build before the signature is checked. */
#define DSSE_JSON_MAX_VALUES	1024

int dsse_pae(const char *type, const void *body, size_t len, __u8 **ret, size_t *ret_len)
{
	size_t tlen = strlen(type), cap = tlen + len + 64;
	__u8 *buf = malloc(cap);
	int n;

	if (!buf)
		return -ENOMEM;
	n = snprintf((char *)buf, cap, "DSSEv1 %zu %s %zu ", tlen, type, len);
	if (n < 0 || (size_t)n + len > cap) {
		free(buf);
		return -EOVERFLOW;
	}
	memcpy(buf + n, body, len);
	*ret = buf;
	*ret_len = (size_t)n + len;
	return 0;
}

static struct json_object *b64_string(const void *bin, size_t len)
{
	size_t cap = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL);
	char *s = malloc(cap);
	struct json_object *o;

	if (!s)
		return NULL;
	sodium_bin2base64(s, cap, bin, len, sodium_base64_VARIANT_ORIGINAL);
	o = json_object_new_string(s);
	free(s);
	return o;
}

int dsse_sign(const struct nojit_seckey *k, const char *type, const void *payload, size_t len,
	      struct json_object **ret, struct nojit_err *err)
{
	_cleanup_free_ __u8 *pae = NULL;
	struct json_object *env, *sigs, *sig;
	__u8 s[NOJIT_SIG_LEN];
	size_t pae_len;
	int r;

	r = dsse_pae(type, payload, len, &pae, &pae_len);
	if (r)
		return nojit_err_set(err, r, "DSSE: cannot encode a %zu-byte payload", len);
	r = key_sign(k, pae, pae_len, s);
	if (r)
		return nojit_err_set(err, r, "DSSE: signing with key %s failed", k->pub.id);
	env = json_object_new_object();
	sigs = json_object_new_array();
	sig = json_object_new_object();
	if (!env || !sigs || !sig)
		goto nomem;
	json_object_object_add(env, "payloadType", json_object_new_string(type));
	json_object_object_add(env, "payload", b64_string(payload, len));
	json_object_object_add(sig, "keyid", json_object_new_string(k->pub.id));
	json_object_object_add(sig, "sig", b64_string(s, sizeof(s)));
	json_object_array_add(sigs, sig);
	sig = NULL;
	json_object_object_add(env, "signatures", sigs);
	sigs = NULL;
	if (!json_object_object_get(env, "payloadType") || !json_object_object_get(env, "payload"))
		goto nomem;
	*ret = env;
	return 0;
nomem:
	json_object_put(env);
	json_object_put(sigs);
	json_object_put(sig);
	return nojit_err_set(err, -ENOMEM, "out of memory");
}

/* Standard base64 with padding, nothing else; the length is whatever it decodes to. */
static int b64_decode_any(const char *s, size_t s_len, __u8 **ret, size_t *ret_len)
{
	size_t cap = s_len / 4 * 3 + 1, out_len = 0;
	const char *end = NULL;
	__u8 *bin;

	if (s_len % 4)
		return -EINVAL;
	bin = malloc(cap);
	if (!bin)
		return -ENOMEM;
	if (sodium_base642bin(bin, cap, s, s_len, NULL, &out_len, &end,
			      sodium_base64_VARIANT_ORIGINAL) || end != s + s_len) {
		free(bin);
		return -EINVAL;
	}
	bin[out_len] = 0;
	*ret = bin;
	*ret_len = out_len;
	return 0;
}

static const char *member_string(struct json_object *o, const char *name)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, name, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static int parse_signatures(struct json_object *arr, struct dsse_envelope *e, struct nojit_err *err)
{
	size_t n = json_object_array_length(arr);

	if (!n)
		return nojit_err_set(err, -EBADMSG, "malformed envelope: \"signatures\" is empty");
	if (n > DSSE_SIGNATURES_MAX)
		return nojit_err_set(err, -EBADMSG, "malformed envelope: %zu signatures (at most %d)", n,
				     DSSE_SIGNATURES_MAX);
	e->sigs = calloc(n, sizeof(*e->sigs));
	if (!e->sigs)
		return nojit_err_set(err, -ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		struct json_object *s = json_object_array_get_idx(arr, i), *kid;
		struct dsse_signature *d = &e->sigs[i];
		const char *sig;

		if (!json_object_is_type(s, json_type_object))
			return nojit_err_set(err, -EBADMSG, "malformed envelope: signatures[%zu] is not an object", i);
		sig = member_string(s, "sig");
		if (!sig)
			return nojit_err_set(err, -EBADMSG,
					     "malformed envelope: signatures[%zu] has no \"sig\" string", i);
		if (json_object_object_get_ex(s, "keyid", &kid)) {
			if (!json_object_is_type(kid, json_type_string) ||
			    json_object_get_string_len(kid) >= (int)sizeof(d->keyid))
				return nojit_err_set(err, -EBADMSG,
						     "malformed envelope: signatures[%zu].keyid is not a short string", i);
			snprintf(d->keyid, sizeof(d->keyid), "%s", json_object_get_string(kid));
		}
		d->sig_ok_len = !b64_decode_exact(sig, strlen(sig), d->sig, sizeof(d->sig));
		e->n_sigs++;
	}
	return 0;
}

int dsse_parse(const char *json, size_t len, struct dsse_envelope *ret, struct nojit_err *err)
{
	struct dsse_envelope e = {};
	struct json_object *v;
	const char *payload;
	char why[256];
	int r;

	if (len > DSSE_ENVELOPE_MAX)
		return nojit_err_set(err, -EFBIG, "envelope too large: %zu bytes (limit %u MiB)", len,
				     DSSE_ENVELOPE_MAX >> 20);
	r = json_parse_strict(json, len, DSSE_JSON_DEPTH, DSSE_JSON_MAX_VALUES, &e.root, why, sizeof(why));
	if (r)
		return nojit_err_set(err, r, "malformed envelope: %s", why);
	if (!json_object_is_type(e.root, json_type_object)) {
		r = nojit_err_set(err, -EBADMSG, "malformed envelope: not a JSON object");
		goto fail;
	}
	e.payload_type = member_string(e.root, "payloadType");
	payload = member_string(e.root, "payload");
	if (!e.payload_type || !payload) {
		r = nojit_err_set(err, -EBADMSG, "malformed envelope: \"%s\" missing or not a string",
				  e.payload_type ? "payload" : "payloadType");
		goto fail;
	}
	r = b64_decode_any(payload, strlen(payload), &e.payload, &e.payload_len);
	if (r) {
		r = nojit_err_set(err, r == -ENOMEM ? r : -EBADMSG,
				  "malformed envelope: \"payload\" is not standard base64");
		goto fail;
	}
	if (!json_object_object_get_ex(e.root, "signatures", &v) || !json_object_is_type(v, json_type_array)) {
		r = nojit_err_set(err, -EBADMSG, "malformed envelope: \"signatures\" missing or not an array");
		goto fail;
	}
	r = parse_signatures(v, &e, err);
	if (r)
		goto fail;
	*ret = e;
	return 0;
fail:
	dsse_envelope_free(&e);
	return r;
}

int dsse_verify(const struct dsse_envelope *e, const struct nojit_trust *t,
		const struct nojit_pubkey **ret_signer, struct nojit_err *err)
{
	_cleanup_free_ __u8 *pae = NULL;
	char tried[256] = "";
	size_t pae_len, off = 0;
	int r;

	r = dsse_pae(e->payload_type, e->payload, e->payload_len, &pae, &pae_len);
	if (r)
		return nojit_err_set(err, r, "out of memory");
	for (size_t i = 0; i < e->n_sigs; i++) {
		const struct dsse_signature *s = &e->sigs[i];

		if (!s->sig_ok_len)
			continue;
		for (size_t k = 0; k < t->n_keys; k++) {
			if (!key_verify(&t->keys[k], pae, pae_len, s->sig)) {
				*ret_signer = &t->keys[k];
				return 0;
			}
		}
		if (off < sizeof(tried))
			off += (size_t)snprintf(tried + off, sizeof(tried) - off, "%s%s", off ? ", " : "",
						s->keyid[0] ? s->keyid : "(no keyid)");
	}
	return nojit_err_set(err, -EKEYREJECTED,
			     "bad signature: no signature verifies with a trusted key (%zu trusted; signed by %s)",
			     t->n_keys, tried[0] ? tried : "nothing usable: no 64-byte Ed25519 signature");
}

void dsse_envelope_free(struct dsse_envelope *e)
{
	json_object_put(e->root);
	free(e->payload);
	free(e->sigs);
	memset(e, 0, sizeof(*e));
}
