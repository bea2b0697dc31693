/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nojit daemon --policy-dir: apply the directory at start, again when it
 * changes (inotify; a Kubernetes ConfigMap update is a rename of its
 * "..data" link, which the watch sees), and every REAPPLY seconds (new
 * cgroups a glob selects, manifests changed outside the directory). Each
 * apply that changed something, and each one that failed, becomes a
 * "policy" audit record with the directory's digest; so does every reset
 * of the rollback state (rollback.h).
 */
#ifndef NOJIT_DAEMON_POLICY_H
#define NOJIT_DAEMON_POLICY_H

#include <stdbool.h>

#include "audit_log.h"
#include "policy_apply.h"

struct daemon_policy;

/* NULL with errno set. */
struct daemon_policy *daemon_policy_new(const char *dir, unsigned int reapply_every_s);
void daemon_policy_free(struct daemon_policy *dp);

/* The descriptor to poll for changes (inotify). */
int daemon_policy_fd(const struct daemon_policy *dp);

/*
 * Apply now. With LOG NULL (before the log is open) the outcome is kept
 * and written by the next call that has a log. -EINVAL: the directory has
 * problems (PROBLEMS filled, nothing changed); other -errno with ERR.
 */
int daemon_policy_apply(struct daemon_policy *dp, struct audit_log *log,
			struct policy_problems *problems, struct nojit_err *err);

/*
 * Read the inotify events waiting, then apply if a change settled or the
 * periodic reapply is due, and log rollback resets. Failures to apply are
 * logged and kept (the policy in force stays); only a log that cannot be
 * written is returned (-EIO).
 */
int daemon_policy_tick(struct daemon_policy *dp, struct audit_log *log);

/* Milliseconds until daemon_policy_tick() has something to do; -1: nothing planned. */
long daemon_policy_due_ms(const struct daemon_policy *dp);

/* The last apply: 0 ok, or -errno; its digest (valid when ok), its error text. */
int daemon_policy_state(const struct daemon_policy *dp, __u8 digest[32], const char **ret_error);

#endif /* NOJIT_DAEMON_POLICY_H */
