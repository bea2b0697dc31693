// SPDX-License-Identifier: GPL-2.0
#include <signal.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/sysmacros.h>

#include "enroll.h"
#include "responses.h"
#include "scan.h"
#include "scan_audit.h"
#include "scan_last.h"

/* What makes a finding the same one again: the process (pid reuse told apart) and the range. */
struct finding_key {
	pid_t tgid;
	__u64 starttime;
	__u64 start, end;
	enum scan_reason reason;
};

/* A task to answer once the scan is over (never in the middle of reading it). */
struct pending {
	pid_t tgid;
	__u64 starttime;
	__u64 cgroup_id, enrolled_id;
	__u64 seq;		/* its first new scan record */
};

struct key_set {
	struct finding_key *v;
	size_t n, cap;
};

struct scan_audit {
	const struct nojit_maps *maps;
	struct audit_log *log;
	struct cgroup_names *names;
	struct scan_ctx *scan;
	struct scan_policy policy;
	struct key_set prev, cur;
	struct pending *pending;
	size_t n_pending, cap_pending;
	struct scan_audit_result res;
	struct scan_last last;
	int error;
	struct nojit_err log_err;
};

struct scan_audit *scan_audit_new(const struct nojit_maps *maps, struct audit_log *log,
				  struct cgroup_names *names)
{
	struct scan_audit *a = calloc(1, sizeof(*a));

	if (!a)
		return NULL;
	a->maps = maps;
	a->log = log;
	a->names = names;
	scan_policy_init(&a->policy, maps->cgroups, maps->policies, maps->allow);
	a->scan = scan_ctx_new(scan_policy_manifest, &a->policy);
	if (!a->scan) {
		free(a);
		return NULL;
	}
	return a;
}

void scan_audit_free(struct scan_audit *a)
{
	if (!a)
		return;
	scan_ctx_free(a->scan);
	scan_last_clear(&a->last);
	free(a->prev.v);
	free(a->cur.v);
	free(a->pending);
	free(a);
}

static bool key_eq(const struct finding_key *a, const struct finding_key *b)
{
	return a->tgid == b->tgid && a->starttime == b->starttime && a->start == b->start &&
	       a->end == b->end && a->reason == b->reason;
}

static bool key_set_has(const struct key_set *s, const struct finding_key *k)
{
	for (size_t i = 0; i < s->n; i++)
		if (key_eq(&s->v[i], k))
			return true;
	return false;
}

static int key_set_add(struct key_set *s, const struct finding_key *k)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 32;
		struct finding_key *v = realloc(s->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = *k;
	return 0;
}

static int pending_add(struct scan_audit *a, const struct pending *p)
{
	for (size_t i = 0; i < a->n_pending; i++)
		if (a->pending[i].tgid == p->tgid && a->pending[i].starttime == p->starttime)
			return 0;
	if (a->n_pending == a->cap_pending) {
		size_t cap = a->cap_pending ? 2 * a->cap_pending : 16;
		struct pending *v = realloc(a->pending, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		a->pending = v;
		a->cap_pending = cap;
	}
	a->pending[a->n_pending++] = *p;
	return 0;
}

static void on_finding(void *ctx, const struct scan_finding *f)
{
	struct scan_audit *a = ctx;
	struct finding_key k = { .tgid = f->tgid, .start = f->start, .end = f->end, .reason = f->reason };
	struct audit_scan_finding r = {
		.reason = scan_reason_name(f->reason), .pid = (__u32)f->pid, .tgid = (__u32)f->tgid,
		.comm = f->comm, .cgroup_id = f->cgroup_id, .enrolled_id = f->enrolled_id,
		.cgroup_path = f->cgroup, .start = f->start, .end = f->end, .perms = f->perms,
		.offset = f->offset, .file = f->file, .dev_major = major(f->dev),
		.dev_minor = minor(f->dev), .ino = f->ino, .has_sha256 = f->has_sha256,
		.detail = f->detail,
	};
	struct pending p;
	__u64 seq;

	a->res.findings++;
	scan_last_add(&a->last, f);
	/* A task gone by now has no start time; 0 still keys it for this round. */
	scan_task_starttime(f->tgid, &k.starttime);
	if (key_set_add(&a->cur, &k)) {
		a->error = -ENOMEM;
		return;
	}
	if (key_set_has(&a->prev, &k))
		return;
	memcpy(r.sha256, f->sha256, sizeof(r.sha256));
	if (audit_log_append_scan(a->log, &r, &seq, &a->log_err)) {
		/* The writer counts the lost record and says so in the log. */
		a->error = -EIO;
		return;
	}
	a->res.logged++;
	p = (struct pending){ .tgid = f->tgid, .starttime = k.starttime, .cgroup_id = f->cgroup_id,
			      .enrolled_id = f->enrolled_id, .seq = seq };
	if (pending_add(a, &p))
		a->error = -ENOMEM;
}

static void on_error(void *ctx, pid_t pid, int error, const char *msg)
{
	struct scan_audit *a = ctx;

	(void)pid;
	(void)error;
	(void)msg;
	a->res.unreadable++;
}

/* SIGKILL to the process that was scanned, not to one that reused its pid. */
static int kill_task(const struct pending *p)
{
	__u64 now;
	int fd, r = 0;

	fd = pidfd_open(p->tgid, 0);
	if (fd < 0)
		return -errno;
	if (scan_task_starttime(p->tgid, &now) || now != p->starttime)
		r = -ESRCH;
	else if (pidfd_send_signal(fd, SIGKILL, NULL, 0))
		r = -errno;
	close(fd);
	return r;
}

static int respond(struct scan_audit *a, const struct pending *p)
{
	/* Cgroup responses act on the whole enrollment (see cmd_daemon.c respond()). */
	__u64 target = p->enrolled_id ? p->enrolled_id : p->cgroup_id;
	struct audit_response r = { .pid = (__u32)p->tgid, .cgroup_id = target,
				    .cgroup_path = cgroup_names_path(a->names, target),
				    .event_seq = p->seq };
	struct nojit_response resp;

	enroll_get_response(a->maps, p->enrolled_id, &resp);
	/* Audit mode only reports; deny has nothing left to refuse: the memory exists. */
	if (resp.mode == NOJIT_MODE_AUDIT)
		return 0;
	if (resp.on_violation == NOJIT_ON_VIOLATION_KILL) {
		r.action = "kill";
		r.error = kill_task(p);
		r.detail = "SIGKILL sent by nojit daemon after a scan finding";
	} else if (!response_cgroup_apply(a->names, target, resp.on_violation, &r)) {
		return 0;
	}
	a->res.responses++;
	return audit_log_append_response(a->log, &r, NULL, &a->log_err) ? -EIO : 0;
}

int scan_audit_run(struct scan_audit *a, struct scan_audit_result *ret, struct nojit_err *err)
{
	struct scan_target target = { .kind = SCAN_TARGET_GOVERNED, .cgroup_fd = -1 };
	struct scan_stats stats = {};
	struct key_set swap;
	int r;

	a->res = (struct scan_audit_result){};
	a->cur.n = 0;
	a->n_pending = 0;
	a->error = 0;
	r = scan_last_begin(&a->last);
	if (r)
		return nojit_err_set(err, r, "scan: %s", strerror(-r));
	r = scan_run(a->scan, &a->policy, &target, on_finding, on_error, a, &stats, err);
	if (r) {
		scan_last_clear(&a->last);
		return r;
	}
	for (size_t i = 0; i < a->n_pending && !a->error; i++)
		if (respond(a, &a->pending[i]))
			a->error = -EIO;
	/* What this scan found is what the next one must not log again. */
	swap = a->prev;
	a->prev = a->cur;
	a->cur = swap;
	*ret = a->res;
	if (a->error) {
		scan_last_clear(&a->last);
		if (a->error == -EIO)
			return nojit_err_set(err, -EIO, "%s", a->log_err.msg);
		return nojit_err_set(err, a->error, "scan: %s", strerror(-a->error));
	}
	/* What a node statement reports as the last scan (scan_last.h). */
	return scan_last_commit(&a->last, "daemon", &stats, a->res.unreadable, err);
}
