// SPDX-License-Identifier: GPL-2.0
/* The statement of one vkernel run (attest_vk.h); fields: docs/attestation.md. */
#include <errno.h>
#include <libgen.h>
#include <string.h>
#include <sodium.h>

#include "attest_vk.h"
#include "confine.h"
#include "json_check.h"
#include "nojit.h"

const struct vk_trailer_module *attest_vk_module_find(const struct vk_trailer *t, const char *name)
{
	for (uint32_t i = 0; i < t->n_modules; i++)
		if (!strncmp(t->modules[i].name, name, VK_NAME_MAX))
			return &t->modules[i];
	return NULL;
}

void attest_vk_strings_sha256(char *const *s, size_t n, __u8 ret[32])
{
	crypto_hash_sha256_state h;

	crypto_hash_sha256_init(&h);
	for (size_t i = 0; i < n; i++)
		crypto_hash_sha256_update(&h, (const unsigned char *)s[i], strlen(s[i]) + 1);
	crypto_hash_sha256_final(&h, ret);
}

/*
 * Add V under K to O. A NULL V is an allocation that failed (json-c would
 * store it as null and sign a statement missing a fact): false, as is a
 * failed add. Fields that are null on purpose are added directly.
 */
static bool put(struct json_object *o, const char *k, struct json_object *v)
{
	if (!v)
		return false;
	if (json_object_object_add(o, k, v)) {
		json_object_put(v);
		return false;
	}
	return true;
}

static bool push(struct json_object *a, struct json_object *v)
{
	if (!v)
		return false;
	if (json_object_array_add(a, v)) {
		json_object_put(v);
		return false;
	}
	return true;
}

/* CHILD, added under K to PARENT (which owns it from here on), or NULL. */
static struct json_object *child(struct json_object *parent, const char *k, struct json_object *c)
{
	return put(parent, k, c) ? c : NULL;
}

static bool megabinary_fill(struct json_object *m, const struct attest_vk_run *r)
{
	const struct vk_trailer *t = r->trailer;
	struct json_object *codes;
	bool ok;

	ok = put(m, "path", json_object_new_string(r->app_path));
	ok = ok && put(m, "sha256", json_new_hex(r->app_sha256, 32));
	/* Everything the signed trailer carries but its module list (in "modules"). */
	ok = ok && put(m, "trailerSigner", json_object_new_string(t->key_id));
	ok = ok && put(m, "trailerVersion", json_object_new_int64(t->version));
	ok = ok && put(m, "trailerSignature", json_new_hex(t->sig, sizeof(t->sig)));
	ok = ok && put(m, "imageLength", json_object_new_uint64(t->image_len));
	ok = ok && put(m, "imageSha256", json_new_hex(t->image_sha256, 32));
	ok = ok && put(m, "moduleCount", json_object_new_int64(t->n_modules));
	/* The scripts the trailer lists (version 2; none in version 1). */
	ok = ok && (codes = child(m, "codeSha256", json_object_new_array()));
	for (uint32_t i = 0; ok && i < t->n_codes; i++)
		ok = push(codes, json_new_hex(t->codes[i], 32));
	return ok;
}

static bool module_fill(struct json_object *o, const struct vk_trailer_module *mod)
{
	return put(o, "name", json_object_new_string(mod->name)) &&
	       put(o, "sha256", json_new_hex(mod->wasm_sha256, 32));
}

static bool strings_fill(struct json_object *a, char *const *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!push(a, json_object_new_string(s[i])))
			return false;
	return true;
}

static bool started_fill(struct json_object *s, const struct attest_vk_run *r)
{
	__u8 argv_sha256[32], env_sha256[32];
	struct json_object *dirs;

	attest_vk_strings_sha256(r->argv, r->argc, argv_sha256);
	attest_vk_strings_sha256(r->env, r->n_env, env_sha256);
	return module_fill(s, r->started) &&
	       put(s, "argc", json_object_new_uint64(r->argc)) &&
	       put(s, "argvSha256", json_new_hex(argv_sha256, 32)) &&
	       put(s, "envc", json_object_new_uint64(r->n_env)) &&
	       put(s, "envSha256", json_new_hex(env_sha256, 32)) &&
	       (dirs = child(s, "dirs", json_object_new_array())) &&
	       strings_fill(dirs, r->dirs, r->n_dirs);
}

static bool gate_manifest_fill(struct json_object *m, const struct nojit_manifest *man)
{
	static const __u8 zero[32];
	struct json_object *entries;
	bool ok;

	ok = put(m, "name", json_object_new_string(man->name));
	ok = ok && put(m, "serial", json_object_new_uint64(man->serial));
	/* No signed bytes behind a manifest made for the run (vk run's own): null. */
	if (ok && !memcmp(man->file_sha256, zero, 32))
		ok = !json_object_object_add(m, "sha256", NULL);
	else
		ok = ok && put(m, "sha256", json_new_hex(man->file_sha256, 32));
	ok = ok && put(m, "signer", json_object_new_string(man->key_id));
	ok = ok && put(m, "mode", json_object_new_string(manifest_mode_name(man->mode)));
	ok = ok && (entries = child(m, "entries", json_object_new_array()));
	for (size_t i = 0; ok && i < man->n_entries; i++) {
		struct json_object *e = json_object_new_object();

		ok = push(entries, e) &&
		     put(e, "path", json_object_new_string(man->entries[i].path ?: "")) &&
		     put(e, "kind", json_object_new_string(manifest_kind_name(man->entries[i].kind))) &&
		     put(e, "sha256", json_new_hex(man->entries[i].sha256, 32));
	}
	return ok;
}

static bool gate_fill(struct json_object *g, const struct attest_vk_run *r)
{
	struct json_object *trust, *ids, *layers, *hash, *man, *scripts;
	bool active = r->gate && r->cgroup_id, ok;

	ok = (trust = child(g, "trust", json_object_new_object())) &&
	     put(trust, "path", json_object_new_string(r->trust_path)) &&
	     (ids = child(trust, "keyIds", json_object_new_array()));
	for (size_t i = 0; ok && i < r->trust->n_keys; i++)
		ok = push(ids, json_object_new_string(r->trust->keys[i].id));
	ok = ok && (layers = child(g, "layers", json_object_new_array()));
	for (unsigned int bit = 1; ok && (bit & CONFINE_ALL); bit <<= 1)
		if (r->layers & bit)
			ok = push(layers, json_object_new_string(confine_layer_name(bit)));
	/* More scripts the interpreters may run, from a manifest given for the run: null without. */
	if (ok && !r->scripts)
		ok = !json_object_object_add(g, "scriptManifest", NULL);
	else
		ok = ok && (scripts = child(g, "scriptManifest", json_object_new_object())) &&
		     gate_manifest_fill(scripts, r->scripts);
	/* Active: the transient cgroup is enrolled with the gate's manifest now. */
	ok = ok && (hash = child(g, "hashGate", json_object_new_object())) &&
	     put(hash, "active", json_object_new_boolean(active));
	if (!ok || !active)
		return ok;
	return put(hash, "cgroup", json_object_new_string(r->cgroup)) &&
	       put(hash, "cgroupId", json_object_new_uint64(r->cgroup_id)) &&
	       put(hash, "hashSource", json_object_new_string(
			   r->hash_source == NOJIT_HASH_SOURCE_IMA ? "ima" : "controller")) &&
	       (man = child(hash, "manifest", json_object_new_object())) &&
	       gate_manifest_fill(man, r->gate);
}

struct json_object *attest_vk_statement(const struct attest_vk_run *r)
{
	struct json_object *subjects = json_object_new_array(), *pred = json_object_new_object();
	struct json_object *modules, *o;
	_cleanup_free_ char *copy = strdup(r->app_path);
	bool ok = subjects && pred && copy;

	if (!r->started || r->now_ns <= 0) {
		json_object_put(subjects);
		json_object_put(pred);
		errno = EINVAL;
		return NULL;
	}
	/* Subjects: the megabinary file as verified, then every module it lists. */
	ok = ok && !attest_subject_add_sha256(subjects, ATTEST_SUBJECT_MEGABINARY, basename(copy),
					      r->app_sha256);
	for (uint32_t i = 0; ok && i < r->trailer->n_modules; i++)
		ok = !attest_subject_add_sha256(subjects, ATTEST_SUBJECT_MODULE, r->trailer->modules[i].name,
						r->trailer->modules[i].wasm_sha256);
	ok = ok && put(pred, "host", attest_host_json(r->gate && r->cgroup_id)) &&
	     put(pred, "time", attest_json_time((__u64)r->now_ns)) &&
	     put(pred, "nonce", json_object_new_string(r->nonce->hex)) &&
	     put(pred, "attestKey", json_object_new_string(r->attest_key->id)) &&
	     put(pred, "nojitVersion", json_object_new_string(NOJIT_VERSION)) &&
	     (o = child(pred, "megabinary", json_object_new_object())) && megabinary_fill(o, r) &&
	     (modules = child(pred, "modules", json_object_new_array()));
	for (uint32_t i = 0; ok && i < r->trailer->n_modules; i++)
		ok = (o = json_object_new_object()) && push(modules, o) &&
		     module_fill(o, &r->trailer->modules[i]);
	ok = ok && (o = child(pred, "started", json_object_new_object())) && started_fill(o, r) &&
	     (o = child(pred, "gate", json_object_new_object())) && gate_fill(o, r);
	if (!ok) {
		json_object_put(subjects);
		json_object_put(pred);
		errno = ENOMEM;
		return NULL;
	}
	return attest_statement_new(ATTEST_PREDICATE_VK_RUN, subjects, pred);
}
