// SPDX-License-Identifier: GPL-2.0
/* Loading and validating a policy directory (policy_dir.h). */
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <string.h>
#include <json-c/json.h>
#include <sodium.h>

#include "cli.h"
#include "enforce_cgroup.h"
#include "lsm_probe.h"
#include "manifest_exception.h"
#include "policy_dir.h"
#include "rollback.h"

void policy_problems_free(struct policy_problems *p)
{
	for (size_t i = 0; i < p->n; i++)
		free(p->msgs[i]);
	free(p->msgs);
	p->msgs = NULL;
	p->n = 0;
}

__attribute__((format(printf, 2, 3)))
static void problem(struct policy_problems *p, const char *fmt, ...)
{
	char **grown, *msg;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	grown = msg ? realloc(p->msgs, (p->n + 1) * sizeof(*grown)) : NULL;
	if (!grown) {
		free(msg);
		return;
	}
	p->msgs = grown;
	p->msgs[p->n++] = msg;
}

static void policy_clear(struct policy *p)
{
	free(p->file);
	for (size_t i = 0; i < p->n_cgroups; i++)
		free(p->cgroups[i]);
	free(p->cgroups);
	if (p->namespace_re)
		regfree(&p->namespace);
	if (p->pod_re)
		regfree(&p->pod);
	if (p->container_re)
		regfree(&p->container);
	free(p->namespace_re);
	free(p->pod_re);
	free(p->container_re);
	for (size_t i = 0; i < p->n_annotations; i++) {
		free(p->annotations[i].key);
		free(p->annotations[i].pattern);
		regfree(&p->annotations[i].re);
	}
	free(p->annotations);
	free(p->manifest_path);
	free(p->trust);
	free(p->approvers);
	manifest_free(p->manifest);
	memset(p, 0, sizeof(*p));
}

void policy_dir_free(struct policy_dir *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->n; i++)
		policy_clear(&d->policies[i]);
	free(d->policies);
	free(d->dir);
	free(d);
}

static bool valid_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > NOJIT_POLICY_NAME_MAX || s[0] == '.' || s[0] == '-')
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_' && *s != '.')
			return false;
	return true;
}

/* Whole-value match: the pattern is wrapped in ^(...)$. */
static int compile_re(const char *pattern, regex_t *re, char *why, size_t why_size)
{
	_cleanup_free_ char *full = NULL;
	int r;

	if (asprintf(&full, "^(%s)$", pattern) < 0)
		return -ENOMEM;
	r = regcomp(re, full, REG_EXTENDED | REG_NOSUB);
	if (r) {
		regerror(r, re, why, why_size);
		return -EINVAL;
	}
	return 0;
}

/*
 * A cgroup selector is a path below the cgroup2 mount, maybe with glob
 * characters; no "..", no empty or "." components, no leading "/" (the
 * mount is implied; "/" alone or "" would select the whole machine, which
 * is refused: that would also govern nojit itself and the runtimes).
 */
static bool valid_cgroup_pattern(const char *s)
{
	const char *c = s;

	if (!*s || *s == '/' || strlen(s) >= NOJIT_CGROUP_PATH_MAX)
		return false;
	while (*c) {
		const char *end = strchr(c, '/');
		size_t n = end ? (size_t)(end - c) : strlen(c);

		if (n == 0 || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
			return false;
		c += n;
		if (*c == '/')
			c++;
		else
			break;
	}
	return s[strlen(s) - 1] != '/';
}

static char *resolve(const char *dir, const char *path)
{
	char *out;

	if (path[0] == '/')
		return strdup(path);
	return asprintf(&out, "%s/%s", dir, path) < 0 ? NULL : out;
}

static const char *const known_keys[] = {
	"schema", "name", "selector", "manifest", "trust", "approvers", "hash_source", "mode",
	"on_violation", "description",
};

static bool key_known(const char *k, const char *const *keys, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(k, keys[i]))
			return true;
	return false;
}

static void parse_container(struct policy *p, struct json_object *c, struct policy_problems *pr)
{
	static const char *const ckeys[] = { "namespace", "pod", "container", "annotations" };
	struct { const char *key; char **src; regex_t *re; } fields[] = {
		{ "namespace", &p->namespace_re, &p->namespace },
		{ "pod", &p->pod_re, &p->pod },
		{ "container", &p->container_re, &p->container },
	};
	struct json_object *v;
	bool any = false, given = false;
	char why[256];

	if (!json_object_is_type(c, json_type_object)) {
		problem(pr, "%s: selector.container: not an object", p->file);
		return;
	}
	json_object_object_foreach(c, key, val) {
		(void)val;
		if (!key_known(key, ckeys, ARRAY_SIZE(ckeys)))
			problem(pr, "%s: selector.container.%s: unknown field (namespace, pod, container, annotations)",
				p->file, key);
	}
	for (size_t i = 0; i < ARRAY_SIZE(fields); i++) {
		if (!json_object_object_get_ex(c, fields[i].key, &v))
			continue;
		given = true;
		if (!json_object_is_type(v, json_type_string) || !json_object_get_string_len(v)) {
			problem(pr, "%s: selector.container.%s: not a non-empty string", p->file, fields[i].key);
			continue;
		}
		if (compile_re(json_object_get_string(v), fields[i].re, why, sizeof(why))) {
			problem(pr, "%s: selector.container.%s: regular expression \"%s\" does not compile: %s",
				p->file, fields[i].key, json_object_get_string(v), why);
			continue;
		}
		*fields[i].src = strdup(json_object_get_string(v));
		any = true;
	}
	if (json_object_object_get_ex(c, "annotations", &v)) {
		size_t n = json_object_is_type(v, json_type_object) ? (size_t)json_object_object_length(v) : 0;

		if (!n) {
			problem(pr, "%s: selector.container.annotations: not a non-empty object of key: regex",
				p->file);
		} else {
			p->annotations = calloc(n, sizeof(*p->annotations));
			json_object_object_foreach(v, akey, aval) {
				struct policy_annotation_match *m;

				if (!p->annotations)
					break;
				if (!json_object_is_type(aval, json_type_string)) {
					problem(pr, "%s: selector.container.annotations.%s: not a string", p->file, akey);
					continue;
				}
				m = &p->annotations[p->n_annotations];
				if (compile_re(json_object_get_string(aval), &m->re, why, sizeof(why))) {
					problem(pr, "%s: selector.container.annotations.%s: regular expression \"%s\" does not compile: %s",
						p->file, akey, json_object_get_string(aval), why);
					continue;
				}
				m->key = strdup(akey);
				m->pattern = strdup(json_object_get_string(aval));
				p->n_annotations++;
				any = true;
			}
		}
	}
	given = given || json_object_object_get_ex(c, "annotations", NULL);
	if (!given)
		problem(pr, "%s: selector.container: names nothing to match (namespace, pod, container, annotations)",
			p->file);
	p->has_container = any;
}

static void parse_selector(struct policy *p, struct json_object *sel, struct policy_problems *pr)
{
	struct json_object *v;

	if (!json_object_is_type(sel, json_type_object)) {
		problem(pr, "%s: selector: not an object", p->file);
		return;
	}
	json_object_object_foreach(sel, key, val) {
		(void)val;
		if (strcmp(key, "cgroup") && strcmp(key, "container"))
			problem(pr, "%s: selector.%s: unknown field (cgroup, container)", p->file, key);
	}
	if (json_object_object_get_ex(sel, "cgroup", &v)) {
		size_t n = json_object_is_type(v, json_type_array) ? json_object_array_length(v) :
			   json_object_is_type(v, json_type_string) ? 1 : 0;

		if (!n)
			problem(pr, "%s: selector.cgroup: not a path or a non-empty list of paths", p->file);
		p->cgroups = calloc(n ? n : 1, sizeof(*p->cgroups));
		for (size_t i = 0; p->cgroups && i < n; i++) {
			struct json_object *e = json_object_is_type(v, json_type_array) ?
						json_object_array_get_idx(v, i) : v;
			const char *s = json_object_get_string(e);

			if (!json_object_is_type(e, json_type_string) || !valid_cgroup_pattern(s)) {
				problem(pr, "%s: selector.cgroup[%zu]: \"%s\" is not a cgroup path or glob below the cgroup2 mount (relative, no \"..\", not the root)",
					p->file, i, s ? s : "");
				continue;
			}
			p->cgroups[p->n_cgroups++] = strdup(s);
		}
	}
	if (json_object_object_get_ex(sel, "container", &v))
		parse_container(p, v, pr);
	if (!p->n_cgroups && !p->has_container &&
	    !json_object_object_get_ex(sel, "cgroup", NULL) &&
	    !json_object_object_get_ex(sel, "container", NULL))
		problem(pr, "%s: selector: selects nothing (give cgroup and/or container)", p->file);
}

/*
 * The rollback state, read and verified once per directory load (ret: its
 * rollback_read() result, err: why it failed) rather than once per manifest.
 */
struct rollback_view {
	struct rollback_state s;
	int ret;
	struct nojit_err err;
};

static void parse_policy(struct policy *p, const char *dir, const char *stem, const char *buf,
			 size_t len, __s64 now, const struct rollback_view *rb,
			 struct policy_problems *pr)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *root = NULL, *v;
	size_t before = pr->n;
	struct nojit_err err;

	crypto_hash_sha256(p->sha256, (const unsigned char *)buf, len);
	if (tok)
		root = json_tokener_parse_ex(tok, buf, (int)len);
	if (!root || json_tokener_get_error(tok) != json_tokener_success ||
	    tok->char_offset != (int)len) {
		problem(pr, "%s: not valid JSON%s%s", p->file, tok ? ": " : "",
			tok ? json_tokener_error_desc(json_tokener_get_error(tok)) : "");
		goto out;
	}
	if (!json_object_is_type(root, json_type_object)) {
		problem(pr, "%s: not a JSON object", p->file);
		goto out;
	}
	json_object_object_foreach(root, key, val) {
		(void)val;
		if (!key_known(key, known_keys, ARRAY_SIZE(known_keys)))
			problem(pr, "%s: %s: unknown field", p->file, key);
	}
	if (json_object_object_get_ex(root, "schema", &v) &&
	    (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) != NOJIT_POLICY_SCHEMA))
		problem(pr, "%s: schema: only %d is supported", p->file, NOJIT_POLICY_SCHEMA);
	if (json_object_object_get_ex(root, "name", &v)) {
		if (!json_object_is_type(v, json_type_string) || !valid_name(json_object_get_string(v)))
			problem(pr, "%s: name: must be 1-%d of [A-Za-z0-9._-], not starting with . or -",
				p->file, NOJIT_POLICY_NAME_MAX);
		else
			snprintf(p->name, sizeof(p->name), "%s", json_object_get_string(v));
	} else if (valid_name(stem)) {
		snprintf(p->name, sizeof(p->name), "%.*s", NOJIT_POLICY_NAME_MAX, stem);
	} else {
		problem(pr, "%s: name: missing, and the file name is not a valid policy name", p->file);
	}
	if (!json_object_object_get_ex(root, "selector", &v))
		problem(pr, "%s: selector: missing", p->file);
	else
		parse_selector(p, v, pr);

	p->mode = 0;
	if (json_object_object_get_ex(root, "mode", &v) &&
	    !(json_object_is_type(v, json_type_string) &&
	      (p->mode = manifest_mode_from_name(json_object_get_string(v)))))
		problem(pr, "%s: mode: must be \"enforce\" or \"audit\"", p->file);
	p->on_violation = NOJIT_ON_VIOLATION_DENY;
	if (json_object_object_get_ex(root, "on_violation", &v) &&
	    !(json_object_is_type(v, json_type_string) &&
	      (p->on_violation = on_violation_from_name(json_object_get_string(v)))))
		problem(pr, "%s: on_violation: must be one of deny, kill, kill-cgroup, freeze", p->file);
	p->hash_source = NOJIT_HASH_SOURCE_IMA;
	if (json_object_object_get_ex(root, "hash_source", &v)) {
		const char *s = json_object_is_type(v, json_type_string) ? json_object_get_string(v) : "";

		if (!strcmp(s, "controller"))
			p->hash_source = NOJIT_HASH_SOURCE_CONTROLLER;
		else if (strcmp(s, "ima"))
			problem(pr, "%s: hash_source: must be \"ima\" or \"controller\"", p->file);
	}
	p->trust = strdup(NOJIT_DEFAULT_TRUST);
	if (json_object_object_get_ex(root, "trust", &v)) {
		free(p->trust);
		p->trust = NULL;
		if (!json_object_is_type(v, json_type_string) || !json_object_get_string_len(v))
			problem(pr, "%s: trust: not a path", p->file);
		else
			p->trust = resolve(dir, json_object_get_string(v));
	}
	p->approvers = strdup(NOJIT_DEFAULT_APPROVERS);
	if (json_object_object_get_ex(root, "approvers", &v)) {
		free(p->approvers);
		p->approvers = NULL;
		if (!json_object_is_type(v, json_type_string) || !json_object_get_string_len(v))
			problem(pr, "%s: approvers: not a path", p->file);
		else
			p->approvers = resolve(dir, json_object_get_string(v));
	}
	if (json_object_object_get_ex(root, "manifest", &v)) {
		if (!json_object_is_type(v, json_type_string) || !json_object_get_string_len(v))
			problem(pr, "%s: manifest: not a path", p->file);
		else
			p->manifest_path = resolve(dir, json_object_get_string(v));
	} else if (json_object_object_get_ex(root, "trust", NULL)) {
		problem(pr, "%s: trust: given without a manifest", p->file);
	}
	/* Verify the manifest only when the rest is sound: one message per cause. */
	if (pr->n != before || !p->manifest_path || !p->trust || !p->approvers)
		goto out;
	if (manifest_load_verified(p->manifest_path, p->trust, now, &p->manifest, &err)) {
		problem(pr, "%s: manifest: %s: %s", p->file, p->manifest_path, err.msg);
		goto out;
	}
	if (manifest_exceptions_verify(p->manifest, p->approvers, now, &err)) {
		problem(pr, "%s: manifest: %s: %s", p->file, p->manifest_path, err.msg);
		manifest_free(p->manifest);
		p->manifest = NULL;
		goto out;
	}
	if (rb->ret || rollback_check_state(&rb->s, p->manifest, &err)) {
		problem(pr, "%s: manifest: %s: %s", p->file, p->manifest_path,
			rb->ret ? rb->err.msg : err.msg);
		goto out;
	}
	if (p->hash_source == NOJIT_HASH_SOURCE_IMA && !lsm_list_has(bpf_lsm_list(), "ima"))
		problem(pr, "%s: hash_source: IMA is not active in this kernel (%s), so it cannot hash files: use \"controller\"",
			p->file, LSM_LIST_PATH);
out:
	json_object_put(root);
	if (tok)
		json_tokener_free(tok);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct policy *)a)->name, ((const struct policy *)b)->name);
}

static int by_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The *.json names in DIR, sorted; dot entries (ConfigMap's ..data) skipped. */
static int list_files(int dfd, char ***ret, size_t *ret_n)
{
	int fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	char **names = NULL;
	size_t n = 0;
	struct dirent *de;
	DIR *dir;

	if (fd < 0)
		return -errno;
	dir = fdopendir(fd);
	if (!dir) {
		close(fd);
		return -errno;
	}
	while ((errno = 0, de = readdir(dir))) {
		size_t len = strlen(de->d_name);
		char **grown;

		if (de->d_name[0] == '.' || len < 6 || strcmp(de->d_name + len - 5, ".json"))
			continue;
		if (n >= NOJIT_POLICY_FILES_MAX) {
			errno = E2BIG;
			break;
		}
		grown = realloc(names, (n + 1) * sizeof(*names));
		if (!grown || !(grown[n] = strdup(de->d_name))) {
			free(grown ? grown : names);
			closedir(dir);
			return -ENOMEM;
		}
		names = grown;
		n++;
	}
	if (errno) {
		int r = -errno;

		while (n)
			free(names[--n]);
		free(names);
		closedir(dir);
		return r;
	}
	closedir(dir);
	if (n)
		qsort(names, n, sizeof(*names), by_str);
	*ret = names;
	*ret_n = n;
	return 0;
}

int policy_dir_load(const char *dir, __s64 now, struct policy_dir **ret,
		    struct policy_problems *problems, struct nojit_err *err)
{
	_cleanup_close_ int dfd = -1;
	struct rollback_view rb = {};
	struct policy_dir *d;
	crypto_hash_sha256_state h;
	char **names = NULL;
	size_t n = 0;
	int r;

	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return nojit_err_set(err, -errno, "policy directory %s: %s", dir, strerror(errno));
	r = list_files(dfd, &names, &n);
	if (r)
		return nojit_err_set(err, r, "policy directory %s: %s", dir,
				     r == -E2BIG ? "more than 10000 policy files" : strerror(-r));
	rb.ret = rollback_read(&rb.s, &rb.err);
	d = calloc(1, sizeof(*d));
	if (!d || !(d->dir = strdup(dir)) ||
	    !(d->policies = calloc(n ? n : 1, sizeof(*d->policies)))) {
		r = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		struct policy *p = &d->policies[d->n++];
		_cleanup_free_ char *buf = NULL;
		char stem[256];
		size_t len;

		if (asprintf(&p->file, "%s/%s", dir, names[i]) < 0) {
			p->file = NULL;
			r = -ENOMEM;
			goto out;
		}
		snprintf(stem, sizeof(stem), "%.*s", (int)(strlen(names[i]) - 5), names[i]);
		r = read_file_max(dfd, names[i], NOJIT_POLICY_FILE_MAX, &buf, &len);
		if (r) {
			problem(problems, "%s: %s", p->file,
				r == -EFBIG ? "larger than 64 KiB" :
				r == -EINVAL ? "not a regular file" : strerror(-r));
			continue;
		}
		parse_policy(p, dir, stem, buf, len, now, &rb, problems);
	}
	r = 0;
	if (d->n)
		qsort(d->policies, d->n, sizeof(*d->policies), by_name);
	for (size_t i = 1; i < d->n; i++)
		if (d->policies[i].name[0] && !strcmp(d->policies[i].name, d->policies[i - 1].name))
			problem(problems, "%s: name: \"%s\" is also the name of %s", d->policies[i].file,
				d->policies[i].name, d->policies[i - 1].file);
	if (problems->n) {
		r = -EINVAL;
		goto out;
	}
	crypto_hash_sha256_init(&h);
	for (size_t i = 0; i < d->n; i++) {
		const struct policy *p = &d->policies[i];

		crypto_hash_sha256_update(&h, (const unsigned char *)p->name, strlen(p->name) + 1);
		crypto_hash_sha256_update(&h, p->sha256, 32);
		if (p->manifest)
			crypto_hash_sha256_update(&h, p->manifest->file_sha256, 32);
	}
	crypto_hash_sha256_final(&h, d->digest);
	*ret = TAKE_PTR(d);
out:
	policy_dir_free(d);
	rollback_state_free(&rb.s);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return r;
}

__u32 policy_mode(const struct policy *p)
{
	return p->mode ? p->mode : p->manifest ? p->manifest->mode : NOJIT_MODE_ENFORCE;
}

const struct policy *policy_dir_find(const struct policy_dir *d, const char *name)
{
	for (size_t i = 0; i < d->n; i++)
		if (!strcmp(d->policies[i].name, name))
			return &d->policies[i];
	return NULL;
}

/*
 * The value of the first of KEYS present in ANN (a string), or NULL; NULL
 * too, with *CONFLICT set, when another of KEYS holds a different value.
 * CRI-O and containerd name the same identity with different keys, and
 * which runtime wrote the annotations is not known here: one family may
 * come from the pod's author (containerd passes pod annotations through
 * for some runtime classes, CRI-O copies them into the sandbox), so a
 * disagreement is refused, never resolved by picking one.
 */
static const char *identity(struct json_object *ann, const char *const *keys, size_t n,
			    bool *conflict)
{
	const char *found = NULL;
	struct json_object *v;

	for (size_t i = 0; i < n; i++) {
		const char *s;

		if (!ann || !json_object_object_get_ex(ann, keys[i], &v))
			continue;
		s = json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
		if (!s || (found && strcmp(found, s))) {
			*conflict = true;
			return NULL;
		}
		found = s;
	}
	return found;
}

static const char *const namespace_keys[] = {
	"io.kubernetes.pod.namespace", "io.kubernetes.cri.sandbox-namespace",
};
static const char *const pod_keys[] = {
	"io.kubernetes.pod.name", "io.kubernetes.cri.sandbox-name",
};
static const char *const container_keys[] = {
	"io.kubernetes.container.name", "io.kubernetes.cri.container-name",
};

static bool field_matches(const char *re_src, const regex_t *re, const char *value)
{
	return !re_src || (value && !regexec(re, value, 0, NULL, 0));
}

bool policy_matches_container(const struct policy *p, struct json_object *ann)
{
	bool conflict = false;

	if (!p->has_container)
		return false;
	if (!field_matches(p->namespace_re, &p->namespace,
			   identity(ann, namespace_keys, ARRAY_SIZE(namespace_keys), &conflict)) ||
	    !field_matches(p->pod_re, &p->pod,
			   identity(ann, pod_keys, ARRAY_SIZE(pod_keys), &conflict)) ||
	    !field_matches(p->container_re, &p->container,
			   identity(ann, container_keys, ARRAY_SIZE(container_keys), &conflict)) ||
	    conflict)
		return false;
	for (size_t i = 0; i < p->n_annotations; i++) {
		const char *key = p->annotations[i].key;

		if (!field_matches(key, &p->annotations[i].re, identity(ann, &key, 1, &conflict)))
			return false;
	}
	return true;
}

const char *policy_container_namespace(struct json_object *ann)
{
	bool conflict = false;

	return identity(ann, namespace_keys, ARRAY_SIZE(namespace_keys), &conflict);
}

const char *policy_container_pod(struct json_object *ann)
{
	bool conflict = false;

	return identity(ann, pod_keys, ARRAY_SIZE(pod_keys), &conflict);
}

const char *policy_container_name(struct json_object *ann)
{
	bool conflict = false;

	return identity(ann, container_keys, ARRAY_SIZE(container_keys), &conflict);
}

/* -EBADMSG naming the keys when CRI-O's and containerd's identity keys disagree. */
static int check_identity(struct json_object *ann, struct nojit_err *err)
{
	static const struct { const char *const *keys; } sets[] = {
		{ namespace_keys }, { pod_keys }, { container_keys },
	};

	for (size_t i = 0; i < ARRAY_SIZE(sets); i++) {
		bool conflict = false;

		identity(ann, sets[i].keys, 2, &conflict);
		if (conflict)
			return nojit_err_set(err, -EBADMSG,
					     "annotations %s and %s disagree (or one is not a string): one of them did not come from the runtime; refusing to choose",
					     sets[i].keys[0], sets[i].keys[1]);
	}
	return 0;
}

int policy_dir_select_container(const struct policy_dir *d, struct json_object *ann,
				const struct policy **ret, struct nojit_err *err)
{
	const struct policy *found = NULL;
	int r = check_identity(ann, err);

	if (r)
		return r;

	for (size_t i = 0; i < d->n; i++) {
		if (!policy_matches_container(&d->policies[i], ann))
			continue;
		if (found)
			return nojit_err_set(err, -ENOTUNIQ,
					     "policies \"%s\" (%s) and \"%s\" (%s) both select this container",
					     found->name, found->file, d->policies[i].name,
					     d->policies[i].file);
		found = &d->policies[i];
	}
	*ret = found;
	return 0;
}

bool policy_matches_cgroup(const struct policy *p, const char *rel)
{
	for (size_t i = 0; i < p->n_cgroups; i++)
		if (!fnmatch(p->cgroups[i], rel, FNM_PATHNAME))
			return true;
	return false;
}
