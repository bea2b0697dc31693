/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What nojit daemon does to an offender beyond the kernel's denial:
 * cgroup.kill, cgroup.freeze, and an operator's incident-response command
 * that gets the event on stdin, bounded in time and in how many run at
 * once, so it can never hold up the drain of the ring buffer.
 */
#ifndef NOJIT_RESPONSES_H
#define NOJIT_RESPONSES_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <linux/types.h>

/* Write VALUE to DIR/FILE (cgroup.kill, cgroup.freeze). 0 or -errno. */
int cgroup_write_knob(const char *dir, const char *file, const char *value);

struct audit_response;
struct cgroup_names;

/*
 * The cgroup responses of ON_VIOLATION: kill-cgroup writes cgroup.kill,
 * freeze writes cgroup.freeze, in CGROUP_ID's directory. What was done
 * goes into R (action, error, detail). False, R untouched, when
 * ON_VIOLATION is not a cgroup response.
 */
bool response_cgroup_apply(struct cgroup_names *names, __u64 cgroup_id,
			   __u32 on_violation, struct audit_response *r);

struct exec_runner;

/* Run CMD with sh -c; at most MAX_RUNNING at once, each for TIMEOUT_MS. */
struct exec_runner *exec_runner_new(const char *cmd, unsigned int max_running,
				    unsigned int timeout_ms);
void exec_runner_free(struct exec_runner *r);

/*
 * Start CMD with INPUT on its stdin (without blocking: INPUT must fit a
 * pipe buffer, 64 KiB). -EBUSY when MAX_RUNNING already run, or -errno.
 */
int exec_runner_start(struct exec_runner *r, const char *input, size_t len, pid_t *ret_pid);

/* Reap finished commands and kill those past the timeout; returns how many it killed. */
unsigned int exec_runner_reap(struct exec_runner *r);

#endif /* NOJIT_RESPONSES_H */
