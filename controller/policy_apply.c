// SPDX-License-Identifier: GPL-2.0
/* Making the kernel state what a policy directory says (policy_apply.h). */
#include <glob.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <bpf/bpf.h>

#include "cgroup.h"
#include "cli.h"
#include "enforce_cgroup.h"
#include "enroll.h"
#include "policy_apply.h"
#include "policy_set.h"
#include "rollback.h"

int policy_enroll(const struct policy *p, int fd, __u64 id, const char *path, __u32 origin,
		  const char *container_id, bool *ret_already, struct nojit_err *err)
{
	struct nojit_maps maps = NOJIT_MAPS_INIT;
	struct enforce_args a = {
		.cgroup = path, .manifest = p->manifest_path, .trust = p->trust,
		.hash_source = p->hash_source, .on_violation = p->on_violation,
		.mode = policy_mode(p),
	};
	int r;

	r = enforce_cgroup(&a, fd, id, p->manifest, ret_already, err);
	if (r)
		return r;
	r = policy_open_pinned(&maps, err);
	if (r)
		return r;
	if (!p->manifest && (r = enroll_clear_manifest(&maps, id)))
		nojit_err_set(err, r, "cgroup %s: dropping its manifest: %s", path, strerror(-r));
	else if ((r = enroll_set_origin(&maps, id, origin, p->name, p->sha256, container_id)))
		nojit_err_set(err, r, "cgroup %s: recording its policy: %s", path, strerror(-r));
	nojit_maps_close(&maps);
	return r;
}

void apply_plan_free(struct apply_plan *p)
{
	for (size_t i = 0; i < p->n; i++) {
		free(p->changes[i].cgroup);
		free(p->changes[i].detail);
	}
	free(p->changes);
	memset(p, 0, sizeof(*p));
}

__attribute__((format(printf, 6, 7)))
static int add_change(struct apply_plan *plan, enum apply_change_kind kind, const char *cgroup,
		      __u64 id, const char *policy, const char *fmt, ...)
{
	struct apply_change *grown, *c;
	va_list ap;
	int n;

	grown = realloc(plan->changes, (plan->n + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	plan->changes = grown;
	c = &plan->changes[plan->n];
	memset(c, 0, sizeof(*c));
	c->kind = kind;
	c->id = id;
	snprintf(c->policy, sizeof(c->policy), "%s", policy);
	c->cgroup = strdup(cgroup);
	va_start(ap, fmt);
	n = vasprintf(&c->detail, fmt, ap);
	va_end(ap);
	if (!c->cgroup || n < 0) {
		free(c->cgroup);
		return -ENOMEM;
	}
	plan->n++;
	return 0;
}

/* A cgroup a cgroup selector picks. */
struct wanted {
	__u64 id;
	char *rel;
	const struct policy *p;
};

struct wanted_set {
	struct wanted *w;
	size_t n;
};

static void wanted_free(struct wanted_set *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->w[i].rel);
	free(s->w);
}

static struct wanted *wanted_find(const struct wanted_set *s, __u64 id)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->w[i].id == id)
			return &s->w[i];
	return NULL;
}

/* Every existing cgroup D's cgroup selectors pick; two policies on one cgroup is an error. */
static int collect_wanted(const struct policy_dir *d, const char *mnt, struct wanted_set *s,
			  struct nojit_err *err)
{
	size_t mlen = strlen(mnt);

	for (size_t i = 0; i < d->n; i++) {
		const struct policy *p = &d->policies[i];

		for (size_t j = 0; j < p->n_cgroups; j++) {
			_cleanup_free_ char *pattern = NULL;
			glob_t g = {};
			int r;

			if (asprintf(&pattern, "%s/%s", mnt, p->cgroups[j]) < 0)
				return -ENOMEM;
			r = glob(pattern, GLOB_ONLYDIR | GLOB_NOSORT, NULL, &g);
			if (r == GLOB_NOMATCH)
				continue;
			if (r) {
				globfree(&g);
				return nojit_err_set(err, r == GLOB_NOSPACE ? -ENOMEM : -EIO,
						     "%s: selector.cgroup \"%s\": cannot list the cgroups it names",
						     p->file, p->cgroups[j]);
			}
			for (size_t k = 0; k < g.gl_pathc; k++) {
				const char *path = g.gl_pathv[k];
				struct wanted *w, *grown;
				struct stat st;

				if (stat(path, &st) || !S_ISDIR(st.st_mode) ||
				    strncmp(path, mnt, mlen) || path[mlen] != '/')
					continue;
				w = wanted_find(s, st.st_ino);
				if (w && w->p != p) {
					nojit_err_set(err, -ENOTUNIQ,
						      "cgroup %s is selected by policy \"%s\" (%s) and by policy \"%s\" (%s): one cgroup, one policy",
						      path + mlen + 1, w->p->name, w->p->file, p->name, p->file);
					globfree(&g);
					return -ENOTUNIQ;
				}
				if (w)
					continue;
				grown = realloc(s->w, (s->n + 1) * sizeof(*grown));
				if (!grown) {
					globfree(&g);
					return -ENOMEM;
				}
				s->w = grown;
				s->w[s->n] = (struct wanted){ .id = st.st_ino, .p = p,
							      .rel = strdup(path + mlen + 1) };
				if (!s->w[s->n].rel) {
					globfree(&g);
					return -ENOMEM;
				}
				s->n++;
			}
			globfree(&g);
		}
	}
	return 0;
}

static const char *manifest_desc(const struct policy *p, char *buf, size_t size)
{
	if (!p->manifest)
		snprintf(buf, size, "no manifest (memory rules only)");
	else
		snprintf(buf, size, "manifest \"%s\" serial %llu", p->manifest->name,
			 (unsigned long long)p->manifest->serial);
	return buf;
}

/* Does enrollment E already carry what P asks for? */
static bool up_to_date(const struct nojit_enrolled *e, const struct policy *p,
		       const struct nojit_response *resp)
{
	static const __u8 zero[32];
	const __u8 *want = p->manifest ? p->manifest->file_sha256 : zero;
	__u32 mode = policy_mode(p);

	return !strcmp(e->rec.policy, p->name) && !memcmp(e->rec.policy_sha256, p->sha256, 32) &&
	       !memcmp(e->rec.manifest_sha256, want, 32) && resp->mode == mode &&
	       resp->on_violation == p->on_violation;
}

static const char *rel_of(const char *path, const char *mnt)
{
	size_t n = strlen(mnt);

	return !strncmp(path, mnt, n) && path[n] == '/' ? path + n + 1 : path;
}

int apply_plan_make(const struct policy_dir *d, struct apply_plan *ret, struct nojit_err *err)
{
	struct nojit_maps maps = NOJIT_MAPS_INIT;
	struct nojit_enrolled *list = NULL;
	struct wanted_set want = {};
	struct apply_plan plan = {};
	char mnt[4096], mdesc[128];
	bool *covered = NULL;
	size_t n = 0;
	int r;

	r = cgroup2_mount_path(mnt, sizeof(mnt));
	if (r)
		return nojit_err_set(err, r, "no cgroup2 mount: %s", strerror(-r));
	r = collect_wanted(d, mnt, &want, err);
	if (r)
		goto out;
	/* Nothing loaded yet: everything selected is new. */
	if (!policy_open_pinned(&maps, err)) {
		r = enroll_list(&maps, &list, &n);
		if (r) {
			nojit_err_set(err, r, "reading the enrollments: %s", strerror(-r));
			goto out;
		}
	}
	covered = calloc(want.n ? want.n : 1, sizeof(*covered));
	if (!covered) {
		r = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n && !r; i++) {
		const struct nojit_enrolled *e = &list[i];
		const char *rel = rel_of(e->rec.path, mnt);
		struct wanted *w = wanted_find(&want, e->id);
		const struct policy *p = w ? w->p : NULL;
		struct nojit_response resp;

		if (e->exists == 0)
			continue;	/* gone; enroll_gc drops it */
		if (w)
			covered[w - want.w] = true;
		if (!p && e->rec.origin == NOJIT_ORIGIN_CONTAINER) {
			p = policy_dir_find(d, e->rec.policy);
			if (p && !p->has_container)
				p = NULL;
		}
		if (!p) {
			if (e->rec.origin == NOJIT_ORIGIN_MANUAL)
				plan.unmanaged++;
			else
				r = add_change(&plan, APPLY_RELEASE, rel, e->id, e->rec.policy,
					       "policy \"%s\" no longer selects it", e->rec.policy);
			continue;
		}
		enroll_get_response(&maps, e->id, &resp);
		if (e->rec.origin != NOJIT_ORIGIN_MANUAL && up_to_date(e, p, &resp)) {
			plan.unchanged++;
			continue;
		}
		r = add_change(&plan, APPLY_UPDATE, rel, e->id, p->name, "%s%s, %s, mode %s, on violation %s",
			       e->rec.origin == NOJIT_ORIGIN_MANUAL ? "taken over from a manual enrollment: " :
			       strcmp(e->rec.policy, p->name) ? "now policy " : "policy ",
			       p->name, manifest_desc(p, mdesc, sizeof(mdesc)),
			       manifest_mode_name(policy_mode(p)),
			       on_violation_name(p->on_violation));
	}
	for (size_t i = 0; i < want.n && !r; i++) {
		const struct policy *p = want.w[i].p;

		if (covered[i])
			continue;
		r = add_change(&plan, APPLY_ENROLL, want.w[i].rel, want.w[i].id, p->name,
			       "policy %s, %s, mode %s, on violation %s", p->name,
			       manifest_desc(p, mdesc, sizeof(mdesc)),
			       manifest_mode_name(policy_mode(p)),
			       on_violation_name(p->on_violation));
	}
	if (r == -ENOMEM)
		nojit_err_set(err, r, "out of memory");
	if (!r)
		*ret = plan;
	else
		apply_plan_free(&plan);
out:
	free(covered);
	free(list);
	wanted_free(&want);
	nojit_maps_close(&maps);
	return r;
}

static int run_one(const struct policy_dir *d, const struct apply_change *c, const char *mnt,
		   struct nojit_err *err)
{
	_cleanup_free_ char *path = NULL;
	_cleanup_close_ int fd = -1;
	const struct policy *p;
	struct nojit_maps maps = NOJIT_MAPS_INIT;
	struct nojit_enrollment rec;
	__u32 origin = NOJIT_ORIGIN_POLICY;
	char container_id[sizeof(rec.container_id)] = "";
	bool already;
	__u64 id;
	int r;

	if (c->cgroup[0] == '/')
		path = strdup(c->cgroup);
	else if (asprintf(&path, "%s/%s", mnt, c->cgroup) < 0)
		path = NULL;
	if (!path)
		return -ENOMEM;
	if (c->kind == APPLY_RELEASE) {
		r = policy_open_pinned(&maps, err);
		if (!r)
			r = release_cgroup(&maps, path, err);
		nojit_maps_close(&maps);
		return r;
	}
	r = cgroup_open(path, &fd, &id, err);
	if (r)
		return r;
	if (id != c->id)
		return nojit_err_set(err, -ESTALE, "cgroup %s was replaced by another cgroup while applying",
				     path);
	p = policy_dir_find(d, c->policy);
	if (!p)
		return nojit_err_set(err, -ENOENT, "policy \"%s\" is not in %s", c->policy, d->dir);
	/* A container keeps its origin and id; cgroup selectors own the rest. */
	if (c->kind == APPLY_UPDATE && !policy_open_pinned(&maps, err) &&
	    !bpf_map_lookup_elem(maps.enrollments, &id, &rec) &&
	    rec.origin == NOJIT_ORIGIN_CONTAINER) {
		origin = NOJIT_ORIGIN_CONTAINER;
		memcpy(container_id, rec.container_id, sizeof(container_id));
		container_id[sizeof(container_id) - 1] = '\0';
	}
	nojit_maps_close(&maps);
	return policy_enroll(p, fd, id, path, origin, container_id[0] ? container_id : NULL,
			     &already, err);
}

int apply_plan_run(const struct policy_dir *d, const struct apply_plan *plan, size_t *ret_done,
		   struct nojit_err *err)
{
	char mnt[4096];
	int r;

	*ret_done = 0;
	r = cgroup2_mount_path(mnt, sizeof(mnt));
	if (r)
		return nojit_err_set(err, r, "no cgroup2 mount: %s", strerror(-r));
	/* Releases last: a cgroup moving between policies is never ungoverned in between. */
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < plan->n; i++) {
			const struct apply_change *c = &plan->changes[i];

			if ((c->kind == APPLY_RELEASE) != (pass == 1))
				continue;
			r = run_one(d, c, mnt, err);
			if (r)
				return r;
			(*ret_done)++;
		}
	}
	return 0;
}

void apply_result_free(struct apply_result *r)
{
	apply_plan_free(&r->plan);
	memset(r, 0, sizeof(*r));
}

int policy_apply_dir(const char *dir, bool dry_run, struct apply_result *ret,
		     struct policy_problems *problems, struct nojit_err *err)
{
	struct policy_dir *d = NULL;
	int r;

	memset(ret, 0, sizeof(*ret));
	r = policy_dir_load(dir, time(NULL), &d, problems, err);
	if (r)
		return r;
	ret->n_policies = d->n;
	memcpy(ret->digest, d->digest, sizeof(ret->digest));
	r = apply_plan_make(d, &ret->plan, err);
	if (!r && !dry_run)
		r = apply_plan_run(d, &ret->plan, &ret->done, err);
	policy_dir_free(d);
	return r;
}
