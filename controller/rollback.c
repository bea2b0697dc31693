// SPDX-License-Identifier: GPL-2.0
/*
 * The persistent rollback state (rollback.h). One file, replaced
 * atomically: a first line "nojit-rollback-state-v1 <base64 signature>",
 * then the JSON it signs. The signing key lives in STATE_DIR/rollback-key
 * and is made with the first state; a key without a state (the state was
 * deleted) or a state that does not verify stops every manifest load.
 */
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <json-c/json.h>
#include <sodium.h>

#include "keys.h"
#include "rollback.h"

#define STATE_FILE	"rollback.state"
#define LOCK_FILE	"rollback.lock"
#define KEY_DIR		"rollback-key"
#define STATE_TAG	"nojit-rollback-state-v1"
#define STATE_MAX	(16u << 20)
#define SIG_B64_LEN	88	/* base64 of 64 bytes, with padding */

const char *rollback_state_dir(void)
{
	const char *d = getenv("NOJIT_STATE_DIR");

	return d && *d ? d : NOJIT_DEFAULT_STATE_DIR;
}

static void path_in(char *buf, size_t size, const char *name)
{
	snprintf(buf, size, "%s/%s", rollback_state_dir(), name);
}

/* An exclusive or shared lock on the state; -errno, or an fd to close. */
static int state_lock(bool exclusive, struct nojit_err *err)
{
	char path[4096];
	int fd;

	if (mkdir(rollback_state_dir(), 0700) && errno != EEXIST)
		return nojit_err_set(err, -errno, "rollback state %s: %s", rollback_state_dir(),
				     strerror(errno));
	path_in(path, sizeof(path), LOCK_FILE);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return nojit_err_set(err, -errno, "rollback state %s: %s", path, strerror(errno));
	if (flock(fd, exclusive ? LOCK_EX : LOCK_SH)) {
		int r = -errno;

		close(fd);
		return nojit_err_set(err, r, "rollback state %s: lock: %s", path, strerror(-r));
	}
	return fd;
}

static int load_key(struct nojit_seckey *ret, bool *ret_exists, struct nojit_err *err)
{
	char path[4096];
	struct stat st;

	path_in(path, sizeof(path), KEY_DIR "/" NOJIT_KEY_FILE);
	if (stat(path, &st)) {
		if (errno != ENOENT)
			return nojit_err_set(err, -errno, "rollback key %s: %s", path, strerror(errno));
		*ret_exists = false;
		return 0;
	}
	*ret_exists = true;
	return key_load_secret(path, ret, err);
}

static int make_key(struct nojit_seckey *ret, struct nojit_err *err)
{
	struct nojit_pubkey pub;
	char dir[4096], path[4096];
	int r;

	path_in(dir, sizeof(dir), KEY_DIR);
	r = key_generate(dir, &pub, err);
	if (r)
		return r;
	path_in(path, sizeof(path), KEY_DIR "/" NOJIT_KEY_FILE);
	return key_load_secret(path, ret, err);
}

void rollback_state_free(struct rollback_state *s)
{
	free(s->entries);
	free(s->resets);
	memset(s, 0, sizeof(*s));
}

static const char *jstr(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string) ?
		json_object_get_string(v) : NULL;
}

static bool ju64(struct json_object *o, const char *key, __u64 *ret)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_int))
		return false;
	*ret = json_object_get_uint64(v);
	return true;
}

static int parse_state(const char *json, struct rollback_state *s, struct nojit_err *err,
		       const char *path)
{
	struct json_object *root, *arr;
	__u64 u;
	int r = -EBADMSG;

	root = json_tokener_parse(json);
	if (!root || !json_object_is_type(root, json_type_object) || !ju64(root, "schema", &u) ||
	    u != 1 || !ju64(root, "generation", &s->generation)) {
		nojit_err_set(err, r, "rollback state %s: malformed", path);
		goto out;
	}
	if (json_object_object_get_ex(root, "manifests", &arr) &&
	    json_object_is_type(arr, json_type_array)) {
		s->n = json_object_array_length(arr);
		s->entries = calloc(s->n ? s->n : 1, sizeof(*s->entries));
		if (!s->entries) {
			r = -ENOMEM;
			goto out;
		}
		for (size_t i = 0; i < s->n; i++) {
			struct json_object *e = json_object_array_get_idx(arr, i);
			const char *name = jstr(e, "name"), *sha = jstr(e, "sha256");
			__u64 acc;

			if (!name || !sha || strlen(sha) != 64 || !ju64(e, "serial", &s->entries[i].serial) ||
			    !ju64(e, "accepted", &acc) ||
			    sodium_hex2bin(s->entries[i].sha256, 32, sha, 64, NULL, NULL, NULL)) {
				nojit_err_set(err, r, "rollback state %s: malformed entry %zu", path, i);
				goto out;
			}
			snprintf(s->entries[i].name, sizeof(s->entries[i].name), "%s", name);
			s->entries[i].accepted = (__s64)acc;
		}
	}
	if (json_object_object_get_ex(root, "resets", &arr) &&
	    json_object_is_type(arr, json_type_array)) {
		s->n_resets = json_object_array_length(arr);
		s->resets = calloc(s->n_resets ? s->n_resets : 1, sizeof(*s->resets));
		if (!s->resets) {
			r = -ENOMEM;
			goto out;
		}
		for (size_t i = 0; i < s->n_resets; i++) {
			struct json_object *e = json_object_array_get_idx(arr, i);
			struct rollback_reset *x = &s->resets[i];
			const char *name = jstr(e, "name"), *why = jstr(e, "reason");
			__u64 when, uid;

			if (!name || !ju64(e, "old_serial", &x->old_serial) || !ju64(e, "when", &when) ||
			    !ju64(e, "uid", &uid)) {
				nojit_err_set(err, r, "rollback state %s: malformed reset %zu", path, i);
				goto out;
			}
			snprintf(x->name, sizeof(x->name), "%s", name);
			snprintf(x->reason, sizeof(x->reason), "%s", why ? why : "");
			x->when = (__s64)when;
			x->uid = (__u32)uid;
		}
	}
	r = 0;
out:
	json_object_put(root);
	return r;
}

/* Read and verify under the caller's lock. KEY is loaded when the state exists. */
static int read_locked(struct rollback_state *s, struct nojit_seckey *key, bool *ret_have_key,
		       struct nojit_err *err)
{
	_cleanup_free_ char *buf = NULL;
	char path[4096], *json;
	__u8 sig[NOJIT_SIG_LEN];
	bool have_key = false;
	size_t len, tag = strlen(STATE_TAG);
	int r;

	memset(s, 0, sizeof(*s));
	r = load_key(key, &have_key, err);
	if (r)
		return r;
	*ret_have_key = have_key;
	path_in(path, sizeof(path), STATE_FILE);
	r = read_file_max(AT_FDCWD, path, STATE_MAX, &buf, &len);
	if (r == -ENOENT) {
		if (have_key)
			return nojit_err_set(err, -EBADMSG,
					     "rollback state %s is missing but its key is there: the state was removed; every manifest is refused until an admin runs 'nojit rollback reset'",
					     path);
		return 0;
	}
	if (r)
		return nojit_err_set(err, r, "rollback state %s: %s", path, strerror(-r));
	if (!have_key)
		return nojit_err_set(err, -EBADMSG,
				     "rollback state %s has no key beside it (%s/%s): cannot be trusted; 'nojit rollback reset' rebuilds it",
				     path, rollback_state_dir(), KEY_DIR);
	json = memchr(buf, '\n', len);
	if (!json || (size_t)(json - buf) != tag + 1 + SIG_B64_LEN || strncmp(buf, STATE_TAG " ", tag + 1) ||
	    b64_decode_exact(buf + tag + 1, SIG_B64_LEN, sig, sizeof(sig)))
		return nojit_err_set(err, -EBADMSG, "rollback state %s: malformed signature line", path);
	json++;
	{
		size_t jlen = len - (size_t)(json - buf);
		_cleanup_free_ char *msg = malloc(tag + 1 + jlen);

		if (!msg)
			return -ENOMEM;
		memcpy(msg, STATE_TAG "\n", tag + 1);
		memcpy(msg + tag + 1, json, jlen);
		if (key_verify(&key->pub, msg, tag + 1 + jlen, sig))
			return nojit_err_set(err, -EBADMSG,
					     "rollback state %s does not verify with its key: it was changed outside nojit; every manifest is refused until an admin runs 'nojit rollback reset'",
					     path);
	}
	crypto_hash_sha256(s->digest, (const unsigned char *)buf, len);
	s->exists = true;
	snprintf(s->key_id, sizeof(s->key_id), "%s", key->pub.id);
	r = parse_state(json, s, err, path);
	if (r)
		rollback_state_free(s);
	return r;
}

static int write_locked(const struct rollback_state *s, const struct nojit_seckey *key,
			struct nojit_err *err)
{
	struct json_object *root = json_object_new_object(), *arr = json_object_new_array(),
			   *rs = json_object_new_array();
	_cleanup_free_ char *out = NULL, *msg = NULL;
	char path[4096], hex[65], b64[SIG_B64_LEN + 1];
	__u8 sig[NOJIT_SIG_LEN];
	const char *json;
	size_t jlen, tag = strlen(STATE_TAG);
	int r;

	json_object_object_add(root, "schema", json_object_new_int(1));
	json_object_object_add(root, "generation", json_object_new_uint64(s->generation));
	for (size_t i = 0; i < s->n; i++) {
		struct json_object *e = json_object_new_object();

		hex_encode(s->entries[i].sha256, 32, hex);
		json_object_object_add(e, "name", json_object_new_string(s->entries[i].name));
		json_object_object_add(e, "serial", json_object_new_uint64(s->entries[i].serial));
		json_object_object_add(e, "sha256", json_object_new_string(hex));
		json_object_object_add(e, "accepted", json_object_new_uint64((__u64)s->entries[i].accepted));
		json_object_array_add(arr, e);
	}
	json_object_object_add(root, "manifests", arr);
	for (size_t i = 0; i < s->n_resets; i++) {
		struct json_object *e = json_object_new_object();
		const struct rollback_reset *x = &s->resets[i];

		json_object_object_add(e, "name", json_object_new_string(x->name));
		json_object_object_add(e, "old_serial", json_object_new_uint64(x->old_serial));
		json_object_object_add(e, "when", json_object_new_uint64((__u64)x->when));
		json_object_object_add(e, "uid", json_object_new_uint64(x->uid));
		json_object_object_add(e, "reason", json_object_new_string(x->reason));
		json_object_array_add(rs, e);
	}
	json_object_object_add(root, "resets", rs);
	json = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
	jlen = strlen(json);
	msg = malloc(tag + 1 + jlen);
	out = malloc(tag + 1 + SIG_B64_LEN + 1 + jlen + 1);
	if (!msg || !out) {
		json_object_put(root);
		return -ENOMEM;
	}
	memcpy(msg, STATE_TAG "\n", tag + 1);
	memcpy(msg + tag + 1, json, jlen);
	r = key_sign(key, msg, tag + 1 + jlen, sig);
	if (r) {
		json_object_put(root);
		return nojit_err_set(err, r, "rollback state: signing failed");
	}
	sodium_bin2base64(b64, sizeof(b64), sig, sizeof(sig), sodium_base64_VARIANT_ORIGINAL);
	jlen = (size_t)snprintf(out, tag + 1 + SIG_B64_LEN + 1 + jlen + 1, "%s %s\n%s", STATE_TAG, b64, json);
	json_object_put(root);
	path_in(path, sizeof(path), STATE_FILE);
	return write_file_atomic(path, out, jlen, 0600, err);
}

static const struct rollback_entry *find(const struct rollback_state *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->entries[i].name, name))
			return &s->entries[i];
	return NULL;
}

int rollback_check_state(const struct rollback_state *s, const struct nojit_manifest *man,
			 struct nojit_err *err)
{
	const struct rollback_entry *e = find(s, man->name);

	if (!e)
		return 0;
	if (man->serial < e->serial)
		return nojit_err_set(err, -ESTALE,
				     "serial %llu of manifest \"%s\" is lower than serial %llu accepted on this node before: rollback refused",
				     (unsigned long long)man->serial, man->name,
				     (unsigned long long)e->serial);
	if (man->serial == e->serial && memcmp(man->file_sha256, e->sha256, 32))
		return nojit_err_set(err, -ESTALE,
				     "serial %llu of manifest \"%s\" was accepted on this node before with different content: a new manifest needs a higher serial",
				     (unsigned long long)man->serial, man->name);
	return 0;
}

int rollback_read(struct rollback_state *ret, struct nojit_err *err)
{
	_cleanup_close_ int lock = -1;
	struct nojit_seckey key;
	bool have_key;
	int r;

	/* Reading never creates the state directory (nojit status on any host). */
	if (access(rollback_state_dir(), F_OK) && errno == ENOENT) {
		memset(ret, 0, sizeof(*ret));
		return 0;
	}
	lock = state_lock(false, err);
	if (lock < 0)
		return lock;
	r = read_locked(ret, &key, &have_key, err);
	key_secret_wipe(&key);
	return r;
}

int rollback_check(const struct nojit_manifest *man, struct nojit_err *err)
{
	struct rollback_state s;
	int r;

	r = rollback_read(&s, err);
	if (r)
		return r;
	r = rollback_check_state(&s, man, err);
	rollback_state_free(&s);
	return r;
}

int rollback_accept(const struct nojit_manifest *man, struct nojit_err *err)
{
	_cleanup_close_ int lock = -1;
	struct rollback_state s;
	struct rollback_entry *e;
	struct nojit_seckey key;
	bool have_key = false;
	int r;

	lock = state_lock(true, err);
	if (lock < 0)
		return lock;
	r = read_locked(&s, &key, &have_key, err);
	if (r)
		goto out;
	r = rollback_check_state(&s, man, err);
	if (r)
		goto out;
	e = (struct rollback_entry *)find(&s, man->name);
	if (e && e->serial == man->serial)
		goto out;	/* already recorded */
	if (!have_key && (r = make_key(&key, err)))
		goto out;
	if (!e) {
		struct rollback_entry *grown = realloc(s.entries, (s.n + 1) * sizeof(*grown));

		if (!grown) {
			r = -ENOMEM;
			goto out;
		}
		s.entries = grown;
		e = &s.entries[s.n++];
		memset(e, 0, sizeof(*e));
		snprintf(e->name, sizeof(e->name), "%s", man->name);
	}
	e->serial = man->serial;
	memcpy(e->sha256, man->file_sha256, 32);
	e->accepted = time(NULL);
	s.generation++;
	r = write_locked(&s, &key, err);
out:
	rollback_state_free(&s);
	key_secret_wipe(&key);
	return r;
}

int rollback_reset(const char *name, const char *reason, struct nojit_err *err)
{
	_cleanup_close_ int lock = -1;
	struct rollback_state s;
	struct rollback_reset *grown, *x;
	struct nojit_seckey key;
	struct nojit_err rerr;
	bool have_key = false;
	__u64 old = 0;
	size_t kept = 0;
	int r;

	lock = state_lock(true, err);
	if (lock < 0)
		return lock;
	r = read_locked(&s, &key, &have_key, &rerr);
	if (r == -EBADMSG) {
		/*
		 * Tampered or removed: rebuild from nothing with a new key,
		 * keeping the record that a reset happened and why.
		 */
		char p[4096];

		rollback_state_free(&s);
		key_secret_wipe(&key);
		path_in(p, sizeof(p), KEY_DIR "/" NOJIT_KEY_FILE);
		unlink(p);
		path_in(p, sizeof(p), KEY_DIR "/" NOJIT_PUB_FILE);
		unlink(p);
		have_key = false;
		name = NULL;
		r = 0;
	} else if (r) {
		*err = rerr;
		goto out;
	}
	if (name) {
		const struct rollback_entry *e = find(&s, name);

		if (!e) {
			r = nojit_err_set(err, -ENOENT, "rollback state: no serial recorded for manifest \"%s\"",
					  name);
			goto out;
		}
		old = e->serial;
	}
	for (size_t i = 0; i < s.n; i++)
		if (name && strcmp(s.entries[i].name, name))
			s.entries[kept++] = s.entries[i];
	s.n = kept;
	grown = realloc(s.resets, (s.n_resets + 1) * sizeof(*grown));
	if (!grown) {
		r = -ENOMEM;
		goto out;
	}
	s.resets = grown;
	x = &s.resets[s.n_resets++];
	memset(x, 0, sizeof(*x));
	snprintf(x->name, sizeof(x->name), "%s", name ? name : "*");
	snprintf(x->reason, sizeof(x->reason), "%s", reason ? reason : "");
	x->old_serial = old;
	x->when = time(NULL);
	x->uid = getuid();
	s.generation++;
	if (!have_key && (r = make_key(&key, err)))
		goto out;
	r = write_locked(&s, &key, err);
out:
	rollback_state_free(&s);
	key_secret_wipe(&key);
	return r;
}
