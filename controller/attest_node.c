// SPDX-License-Identifier: GPL-2.0
/* The node statement (attest_node.h). */
#include <fcntl.h>
#include <string.h>
#include <time.h>

#include "attest_node.h"
#include "audit_log.h"
#include "bpf_loader.h"
#include "cli.h"
#include "enroll.h"
#include "json_check.h"
#include "manifest.h"
#include "scan_last.h"
#include "sha256.h"

/* What the kernel holds, read once: the statement is built from this. */
struct node_facts {
	bool loaded;
	struct nojit_err not_loaded;
	struct enroll_view v;
	bool has_meta;
	struct nojit_meta meta;
	struct nojit_err no_meta;	/* why the loaded object is unknown */
};

static int node_facts_read(struct node_facts *f, struct nojit_err *err)
{
	struct nojit_maps maps = NOJIT_MAPS_INIT;
	int r;

	if (bpffs_check(&f->not_loaded))
		return 0;
	r = policy_open_pinned(&maps, &f->not_loaded);
	/* Only "nothing pinned" means not loaded: a pinned set this process cannot read is a failure, never reported as absent. */
	if (r == -ENOENT)
		return 0;
	if (r)
		return nojit_err_set(err, r, "%s", f->not_loaded.msg);
	f->loaded = true;
	r = enroll_view_read(&maps, &f->v, err);
	/* An object this node cannot name is reported as unknown, with why; never guessed. */
	if (!r)
		f->has_meta = !bpf_meta_read(&f->meta, &f->no_meta) &&
			      !bpf_meta_describes(&f->meta, f->v.progs, f->v.nprogs, &f->no_meta);
	nojit_maps_close(&maps);
	return r;
}

static struct json_object *manifest_json(const struct nojit_enrollment *rec, size_t entries)
{
	struct json_object *m = json_object_new_object();
	char expires[32];

	if (!m)
		return NULL;
	manifest_time_format(rec->expires, expires);
	json_object_object_add(m, "name", json_object_new_string(rec->manifest_name));
	json_object_object_add(m, "serial", json_object_new_uint64(rec->serial));
	json_object_object_add(m, "sha256", json_new_hex(rec->manifest_sha256, 32));
	json_object_object_add(m, "expires", json_object_new_string(expires));
	json_object_object_add(m, "signer", json_object_new_string(rec->key_id));
	json_object_object_add(m, "entries", json_object_new_uint64(entries));
	return m;
}

/* The JIT exceptions the kernel holds for enrollment ENROLLED_ID, as it holds them. */
static struct json_object *exceptions_json(const struct enroll_view *v, __u64 enrolled_id)
{
	struct json_object *a = json_object_new_array();

	for (size_t i = 0; a && i < v->nexceptions; i++) {
		const struct policy_exception *x = &v->exceptions[i];
		struct json_object *o;

		if (x->enrolled_id != enrolled_id)
			continue;
		o = json_object_new_object();
		if (!o)
			break;
		json_object_object_add(o, "id", json_object_new_string(x->v.id));
		json_object_object_add(o, "sha256", json_new_hex(x->sha256, 32));
		json_object_object_add(o, "anonExec", json_object_new_boolean(x->v.allow & NOJIT_EXC_ANON_EXEC));
		json_object_object_add(o, "wxFlip", json_object_new_boolean(x->v.allow & NOJIT_EXC_WX_FLIP));
		json_object_object_add(o, "marks", json_object_new_uint64(x->v.marks));
		json_object_object_add(o, "uses", json_object_new_uint64(x->v.uses));
		json_object_array_add(a, o);
	}
	return a;
}

static struct json_object *enrollment_json(const struct enroll_view *v, const struct nojit_enrolled *e,
					   const struct nojit_response *resp, size_t entries)
{
	struct json_object *c = json_object_new_object();

	if (!c)
		return NULL;
	json_object_object_add(c, "cgroupPath", json_object_new_string(e->rec.path));
	json_object_object_add(c, "cgroupId", json_object_new_uint64(e->id));
	json_object_object_add(c, "exists", e->exists < 0 ? NULL :
			       json_object_new_boolean(e->exists));
	json_object_object_add(c, "governedCgroups", json_object_new_uint64(e->governed));
	json_object_object_add(c, "enrolledAt", attest_json_time(e->rec.enrolled_at_ns));
	json_object_object_add(c, "origin", json_object_new_string(enroll_origin_name(e->rec.origin)));
	json_object_object_add(c, "policy", e->rec.policy[0] ?
			       json_object_new_string(e->rec.policy) : NULL);
	json_object_object_add(c, "policySha256", e->rec.policy[0] ?
			       json_new_hex(e->rec.policy_sha256, 32) : NULL);
	json_object_object_add(c, "containerId", e->rec.container_id[0] ?
			       json_object_new_string(e->rec.container_id) : NULL);
	json_object_object_add(c, "mode", json_object_new_string(manifest_mode_name(resp->mode)));
	json_object_object_add(c, "onViolation",
			       json_object_new_string(on_violation_name(resp->on_violation)));
	json_object_object_add(c, "manifest", e->rec.key_id[0] ? manifest_json(&e->rec, entries) : NULL);
	json_object_object_add(c, "jitExceptions", exceptions_json(v, e->id));
	return c;
}

static struct json_object *counters_json(const __u64 *stats)
{
	struct json_object *c = json_object_new_object(), *routes = json_object_new_array();

	if (!c || !routes) {
		json_object_put(c);
		json_object_put(routes);
		return NULL;
	}
	for (unsigned int r = 1; r < NOJIT_ROUTE_MAX; r++) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "route", json_object_new_uint64(r));
		json_object_object_add(o, "name", json_object_new_string(route_name(r)));
		json_object_object_add(o, "denials", json_object_new_uint64(stats[NOJIT_STAT_ROUTE(r)]));
		json_object_array_add(routes, o);
	}
	json_object_object_add(c, "denialsByRoute", routes);
	for (size_t i = 0; i < policy_stat_names_n; i++)
		json_object_object_add(c, policy_stat_names[i].key,
				       json_object_new_uint64(stats[policy_stat_names[i].idx]));
	return c;
}

/*
 * One subject per distinct manifest in force, however many cgroups share
 * it. A manifest whose cgroup is gone governs nothing (its record waits for
 * enroll_gc()): the enrollment is still reported, with "exists": false, but
 * the manifest is no subject.
 */
static int manifest_subjects(struct json_object *subjects, const struct node_facts *f)
{
	for (size_t i = 0; i < f->v.ncgroups; i++) {
		const struct nojit_enrollment *rec = &f->v.cgroups[i].rec;
		bool seen = false;
		int r;

		if (!rec->key_id[0] || f->v.cgroups[i].exists != 1)
			continue;
		for (size_t j = 0; j < i && !seen; j++)
			seen = f->v.cgroups[j].rec.key_id[0] && f->v.cgroups[j].exists == 1 &&
			       !memcmp(f->v.cgroups[j].rec.manifest_sha256, rec->manifest_sha256, 32) &&
			       !strcmp(f->v.cgroups[j].rec.manifest_name, rec->manifest_name);
		if (seen)
			continue;
		r = attest_subject_add_sha256(subjects, ATTEST_SUBJECT_MANIFEST, rec->manifest_name,
					      rec->manifest_sha256);
		if (r)
			return r;
	}
	return 0;
}

static int program_subjects(struct json_object *subjects, struct json_object *programs,
			    const struct node_facts *f)
{
	for (size_t i = 0; i < f->v.nprogs; i++) {
		const struct nojit_prog_info *p = &f->v.progs[i];
		struct json_object *o = json_object_new_object();
		int r;

		if (!o)
			return -ENOMEM;
		json_object_object_add(o, "name", json_object_new_string(p->name));
		json_object_object_add(o, "id", json_object_new_uint64(p->prog_id));
		json_object_object_add(o, "tag", json_object_new_string(p->tag));
		json_object_object_add(o, "linkId", json_object_new_uint64(p->link_id));
		json_object_array_add(programs, o);
		r = attest_subject_add(subjects, ATTEST_SUBJECT_BPF_PROGRAM, p->name, "bpfTag", p->tag);
		if (r)
			return r;
	}
	return 0;
}

/*
 * The BPF object: the one loaded (from the loader's record) and the one
 * this binary would load, which differ after an upgrade until a reload.
 * The subject is the loaded one, or none when it is unknown.
 */
static int bpf_object_json(struct json_object *subjects, struct json_object *bpf,
			   const struct node_facts *f)
{
	__u8 mine[32];

	policy_object_sha256(mine);
	json_object_object_add(bpf, "objectSha256", f->has_meta ? json_new_hex(f->meta.object_sha256, 32) : NULL);
	json_object_object_add(bpf, "objectUnknownReason", f->has_meta ? NULL :
			       json_object_new_string(f->loaded ? f->no_meta.msg : f->not_loaded.msg));
	json_object_object_add(bpf, "loadedAt", f->has_meta ? attest_json_time(f->meta.loaded_at_ns) : NULL);
	json_object_object_add(bpf, "loaderVersion", f->has_meta ?
			       json_object_new_string(f->meta.version) : NULL);
	json_object_object_add(bpf, "thisBinaryObjectSha256", json_new_hex(mine, 32));
	if (!f->has_meta)
		return 0;
	return attest_subject_add_sha256(subjects, ATTEST_SUBJECT_BPF_OBJECT, "nojit.bpf.o",
					 f->meta.object_sha256);
}

/*
 * The audit log's head (audit_log_head()): every member always present,
 * null with "unavailableReason" when the log cannot be read, so a
 * verifier sees why a statement is not bound to a log.
 */
static struct json_object *audit_log_json(const char *path)
{
	struct json_object *o = json_object_new_object(), *seal = NULL;
	struct audit_log_head h;
	struct nojit_err why;
	bool ok;

	if (!o)
		return NULL;
	ok = !audit_log_head(path, &h, &why);
	if (ok && h.has_seal) {
		seal = json_object_new_object();
		json_object_object_add(seal, "seq", json_object_new_uint64(h.seal_seq));
		json_object_object_add(seal, "time", attest_json_time(h.seal_time_ns));
		json_object_object_add(seal, "keyId", json_object_new_string(h.seal_key_id));
		json_object_object_add(seal, "sig", json_object_new_string(h.seal_sig));
		json_object_object_add(seal, "closed", json_object_new_boolean(h.seal_close));
	}
	json_object_object_add(o, "path", json_object_new_string(path));
	json_object_object_add(o, "logId", ok && h.log_id[0] ? json_object_new_string(h.log_id) : NULL);
	json_object_object_add(o, "lastSeq", ok ? json_object_new_uint64(h.last_seq) : NULL);
	json_object_object_add(o, "lastRecordSha256", ok ? json_new_hex(h.last_sha256, 32) : NULL);
	json_object_object_add(o, "lastSeal", seal);
	json_object_object_add(o, "unsealed", ok ? json_object_new_uint64(h.unsealed) : NULL);
	json_object_object_add(o, "partialBytes", ok ? json_object_new_uint64(h.partial_bytes) : NULL);
	json_object_object_add(o, "unavailableReason", ok ? NULL : json_object_new_string(why.msg));
	return o;
}

/* The runtime integrity scan's last result over every governed task, or null with why. */
static void scan_json(struct json_object *pred)
{
	struct json_object *last = NULL;
	struct nojit_err why;

	if (scan_last_read(&last, &why)) {
		json_object_object_add(pred, "scan", NULL);
		json_object_object_add(pred, "scanUnavailableReason", json_object_new_string(why.msg));
		return;
	}
	json_object_object_add(pred, "scan", last);
	json_object_object_add(pred, "scanUnavailableReason", NULL);
}

/* The running nojit binary, hashed through /proc/self/exe (not by path: it may have been replaced). */
static int self_subject(struct json_object *subjects, struct json_object *nojit, struct nojit_err *err)
{
	_cleanup_close_ int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	__u8 buf[64 << 10], digest[32];
	int r;

	if (fd < 0)
		return nojit_err_set(err, -errno, "opening /proc/self/exe: %m");
	r = sha256_fd(fd, digest, buf, sizeof(buf), NULL, NULL);
	if (r)
		return nojit_err_set(err, r, "hashing /proc/self/exe: %s", strerror(-r));
	json_object_object_add(nojit, "version", json_object_new_string(NOJIT_VERSION));
	json_object_object_add(nojit, "sha256", json_new_hex(digest, 32));
	r = attest_subject_add_sha256(subjects, ATTEST_SUBJECT_NOJIT, "nojit", digest);
	return r ? nojit_err_set(err, r, "out of memory") : 0;
}

int attest_node_statement(const struct attest_node_opts *o, struct json_object **ret,
			  struct nojit_err *err)
{
	struct json_object *subjects = json_object_new_array(), *pred = json_object_new_object();
	struct json_object *bpf = json_object_new_object(), *programs = json_object_new_array();
	struct json_object *enrollments = json_object_new_array(), *nojit = json_object_new_object();
	struct node_facts f = {};
	struct timespec now;
	int r;

	if (!subjects || !pred || !bpf || !programs || !enrollments || !nojit) {
		r = nojit_err_set(err, -ENOMEM, "out of memory");
		goto fail;
	}
	clock_gettime(CLOCK_REALTIME, &now);
	r = node_facts_read(&f, err);
	if (r)
		goto fail;
	r = self_subject(subjects, nojit, err);
	if (r)
		goto fail;
	r = manifest_subjects(subjects, &f);
	if (!r)
		r = bpf_object_json(subjects, bpf, &f);
	if (!r)
		r = program_subjects(subjects, programs, &f);
	for (size_t i = 0; !r && i < f.v.ncgroups; i++) {
		struct json_object *c = enrollment_json(&f.v, &f.v.cgroups[i], &f.v.responses[i],
							f.v.allow_counts[i]);

		r = c ? json_object_array_add(enrollments, c) : -ENOMEM;
	}
	if (r) {
		nojit_err_set(err, r, "building the node statement: %s", strerror(-r));
		goto fail;
	}
	json_object_object_add(pred, "host", attest_host_json(f.loaded && f.v.nprogs));
	json_object_object_add(pred, "time", attest_json_time((__u64)now.tv_sec * 1000000000ull +
							  (__u64)now.tv_nsec));
	json_object_object_add(pred, "nonce", json_object_new_string(o->nonce->hex));
	json_object_object_add(pred, "nojit", nojit);
	nojit = NULL;
	json_object_object_add(bpf, "loaded", json_object_new_boolean(f.loaded));
	json_object_object_add(bpf, "notLoadedReason", f.loaded ? NULL :
			       json_object_new_string(f.not_loaded.msg));
	json_object_object_add(bpf, "programs", programs);
	programs = NULL;
	json_object_object_add(pred, "bpf", bpf);
	bpf = NULL;
	json_object_object_add(pred, "enrollments", enrollments);
	enrollments = NULL;
	json_object_object_add(pred, "counters", f.loaded ? counters_json(f.v.stats) : NULL);
	json_object_object_add(pred, "auditLog", audit_log_json(o->audit_log));
	scan_json(pred);
	enroll_view_free(&f.v);
	*ret = attest_statement_new(ATTEST_PREDICATE_NODE, subjects, pred);
	return *ret ? 0 : nojit_err_set(err, -ENOMEM, "out of memory");
fail:
	enroll_view_free(&f.v);
	json_object_put(subjects);
	json_object_put(pred);
	json_object_put(bpf);
	json_object_put(programs);
	json_object_put(enrollments);
	json_object_put(nojit);
	return r;
}
