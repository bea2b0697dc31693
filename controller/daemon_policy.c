// SPDX-License-Identifier: GPL-2.0
/* nojit daemon --policy-dir (daemon_policy.h). */
#include <string.h>
#include <sys/stat.h>
#include <sys/inotify.h>
#include <time.h>

#include "daemon_policy.h"
#include "rollback.h"
#include "scan_last.h"

/* A burst of changes (an editor's temp file and rename, a ConfigMap swap) settles first. */
#define SETTLE_MS 300
#define WATCH_MASK (IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_CLOSE_WRITE | \
		    IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR)

struct daemon_policy {
	char *dir;
	int ifd, wd;
	int state_wd;		/* the rollback state's directory: resets are logged at once */
	__s64 reapply_ns;
	__s64 due_ns;		/* CLOCK_MONOTONIC; 0: nothing planned */
	__s64 next_periodic_ns;
	/* The last apply's outcome, and whether the log has it yet. */
	int last_ret;
	__u8 last_digest[32];
	bool has_digest;
	char last_error[1024];
	bool applied_once;
	bool pending_log;
	struct audit_policy_event pending;
	char *pending_text;
	/* Rollback resets already in the log. */
	bool rollback_seen;
	size_t resets_logged;
};

static void watch(struct daemon_policy *dp)
{
	if (dp->wd >= 0)
		inotify_rm_watch(dp->ifd, dp->wd);
	dp->wd = inotify_add_watch(dp->ifd, dp->dir, WATCH_MASK);
}

struct daemon_policy *daemon_policy_new(const char *dir, unsigned int reapply_every_s)
{
	struct daemon_policy *dp = calloc(1, sizeof(*dp));

	if (!dp)
		return NULL;
	dp->wd = dp->state_wd = -1;
	dp->dir = strdup(dir);
	dp->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (!dp->dir || dp->ifd < 0) {
		daemon_policy_free(dp);
		return NULL;
	}
	dp->reapply_ns = (__s64)reapply_every_s * 1000000000;
	if (mkdir(rollback_state_dir(), 0700) == 0 || errno == EEXIST)
		dp->state_wd = inotify_add_watch(dp->ifd, rollback_state_dir(),
						 IN_MOVED_TO | IN_CLOSE_WRITE | IN_DELETE | IN_ONLYDIR);
	watch(dp);
	if (dp->wd < 0) {
		int e = errno;

		daemon_policy_free(dp);
		errno = e;
		return NULL;
	}
	return dp;
}

void daemon_policy_free(struct daemon_policy *dp)
{
	if (!dp)
		return;
	if (dp->ifd >= 0)
		close(dp->ifd);
	free(dp->pending_text);
	free(dp->dir);
	free(dp);
}

int daemon_policy_fd(const struct daemon_policy *dp)
{
	return dp->ifd;
}

static char *changes_text(const struct apply_result *res)
{
	static const char *const names[] = { "enroll", "update", "release" };
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		return NULL;
	for (size_t i = 0; i < res->plan.n; i++) {
		const struct apply_change *c = &res->plan.changes[i];

		fprintf(f, "%s%s %s (policy %s)%s", i ? "; " : "", names[c->kind], c->cgroup, c->policy,
			i < res->done ? "" : " [not done]");
	}
	fclose(f);
	return text;
}

static int flush_pending(struct daemon_policy *dp, struct audit_log *log)
{
	struct nojit_err err;
	int r;

	if (!dp->pending_log || !log)
		return 0;
	dp->pending.changes_text = dp->pending_text;
	dp->pending.detail = strcmp(dp->pending.action, "apply") ? dp->last_error : NULL;
	r = audit_log_append_policy(log, &dp->pending, NULL, &err);
	dp->pending_log = false;
	free(dp->pending_text);
	dp->pending_text = NULL;
	return r ? -EIO : 0;
}

int daemon_policy_apply(struct daemon_policy *dp, struct audit_log *log,
			struct policy_problems *problems, struct nojit_err *err)
{
	struct apply_result res;
	bool failed_again;
	char prev_error[sizeof(dp->last_error)];
	int r;

	memcpy(prev_error, dp->last_error, sizeof(prev_error));
	failed_again = dp->last_ret != 0;
	r = policy_apply_dir(dp->dir, false, &res, problems, err);
	dp->last_ret = r;
	if (r == -EINVAL && problems->n) {
		FILE *f = fmemopen(dp->last_error, sizeof(dp->last_error), "w");

		for (size_t i = 0; f && i < problems->n; i++)
			fprintf(f, "%s%s", i ? "; " : "", problems->msgs[i]);
		if (f)
			fclose(f);
	} else if (r) {
		snprintf(dp->last_error, sizeof(dp->last_error), "%s", err->msg);
	} else {
		dp->last_error[0] = '\0';
	}
	if (!r) {
		dp->has_digest = true;
		memcpy(dp->last_digest, res.digest, 32);
	}
	/*
	 * Logged: the first apply, every apply that changed something, and a
	 * failure unless it is the same failure as last time (the periodic
	 * reapply would repeat it every round).
	 */
	if (!dp->pending_log && (!dp->applied_once || res.plan.n || res.done ||
				 (r && !(failed_again && !strcmp(prev_error, dp->last_error))))) {
		dp->pending = (struct audit_policy_event){
			.action = r ? "apply-failed" : "apply", .dir = dp->dir,
			.has_digest = !r || res.n_policies, .policies = res.n_policies,
			.changes = res.plan.n, .done = res.done, .unchanged = res.plan.unchanged,
		};
		memcpy(dp->pending.digest, res.digest, 32);
		free(dp->pending_text);
		dp->pending_text = res.plan.n ? changes_text(&res) : NULL;
		dp->pending_log = true;
	}
	apply_result_free(&res);
	dp->applied_once = true;
	dp->due_ns = 0;
	dp->next_periodic_ns = dp->reapply_ns ? clock_ns(CLOCK_MONOTONIC) + dp->reapply_ns : 0;
	if (flush_pending(dp, log))
		return -EIO;
	return r;
}

/* Resets of the rollback state since the log last heard of them. */
static int log_rollback(struct daemon_policy *dp, struct audit_log *log)
{
	struct rollback_state s;
	struct nojit_err err;
	int r = 0;

	if (!log || rollback_read(&s, &err))
		return 0;
	if (!dp->rollback_seen) {
		struct audit_policy_event e = {
			.action = "rollback-state", .has_digest = s.exists, .generation = s.generation,
			.resets = s.n_resets,
		};

		memcpy(e.digest, s.digest, 32);
		if (s.n_resets) {
			e.manifest = s.resets[s.n_resets - 1].name;
			e.old_serial = s.resets[s.n_resets - 1].old_serial;
			e.detail = s.resets[s.n_resets - 1].reason;
		}
		r = audit_log_append_policy(log, &e, NULL, &err);
		dp->rollback_seen = true;
		dp->resets_logged = s.n_resets;
	}
	/* A rebuilt state (after tampering) starts its list anew. */
	if (s.n_resets < dp->resets_logged)
		dp->resets_logged = 0;
	for (size_t i = dp->resets_logged; !r && i < s.n_resets; i++) {
		struct audit_policy_event e = {
			.action = "rollback-reset", .has_digest = true, .manifest = s.resets[i].name,
			.old_serial = s.resets[i].old_serial, .generation = s.generation,
			.resets = s.n_resets, .detail = s.resets[i].reason,
		};

		memcpy(e.digest, s.digest, 32);
		r = audit_log_append_policy(log, &e, NULL, &err);
		dp->resets_logged = i + 1;
	}
	rollback_state_free(&s);
	return r ? -EIO : 0;
}

int daemon_policy_tick(struct daemon_policy *dp, struct audit_log *log)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	__s64 now = clock_ns(CLOCK_MONOTONIC);
	bool changed = false, rewatch = false, state_changed = !dp->rollback_seen;
	ssize_t n;

	while ((n = read(dp->ifd, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *ev = (const struct inotify_event *)p;

			if (ev->wd == dp->state_wd) {
				/* The scan summary lives there too and changes every scan: not rollback state. */
				state_changed |= !ev->len || strncmp(ev->name, SCAN_LAST_FILE,
								      strlen(SCAN_LAST_FILE));
			} else {
				changed = true;
				if (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED))
					rewatch = true;
			}
			p += sizeof(*ev) + ev->len;
		}
	}
	if (rewatch)
		watch(dp);	/* the directory was replaced: watch the new one */
	if (changed)
		dp->due_ns = now + (__s64)SETTLE_MS * 1000000;
	if (flush_pending(dp, log) || (state_changed && log_rollback(dp, log)))
		return -EIO;
	if ((dp->due_ns && now >= dp->due_ns) ||
	    (dp->next_periodic_ns && now >= dp->next_periodic_ns) || dp->wd < 0) {
		struct policy_problems pr = {};
		struct nojit_err err;
		int r;

		if (dp->wd < 0)
			watch(dp);
		r = daemon_policy_apply(dp, log, &pr, &err);
		policy_problems_free(&pr);
		if (r == -EIO)
			return r;
	}
	return 0;
}

long daemon_policy_due_ms(const struct daemon_policy *dp)
{
	__s64 now = clock_ns(CLOCK_MONOTONIC), next = dp->due_ns;

	if (dp->next_periodic_ns && (!next || dp->next_periodic_ns < next))
		next = dp->next_periodic_ns;
	if (!next)
		return dp->wd < 0 ? 1000 : -1;
	return next <= now ? 0 : (long)((next - now + 999999) / 1000000);
}

int daemon_policy_state(const struct daemon_policy *dp, __u8 digest[32], const char **ret_error)
{
	if (dp->has_digest)
		memcpy(digest, dp->last_digest, 32);
	*ret_error = dp->last_ret ? dp->last_error : NULL;
	return dp->last_ret;
}
