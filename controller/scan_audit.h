/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nojit daemon --scan-every: a scan of every governed task whose findings
 * go into the signed audit log as "scan" records, each offending task
 * then answered with its enrollment's --on-violation response. Never prints.
 */
#ifndef NOJIT_SCAN_AUDIT_H
#define NOJIT_SCAN_AUDIT_H

#include "audit_log.h"
#include "bpf_loader.h"
#include "cgroup_names.h"

struct scan_audit;

/* MAPS, LOG and NAMES are borrowed. NULL with errno set on failure. */
struct scan_audit *scan_audit_new(const struct nojit_maps *maps, struct audit_log *log,
				  struct cgroup_names *names);
void scan_audit_free(struct scan_audit *a);

struct scan_audit_result {
	unsigned int findings;	/* found by this scan */
	unsigned int logged;	/* of those, new: not found by the previous scan */
	unsigned int responses;	/* tasks answered */
	unsigned int unreadable;	/* tasks whose memory could not be read */
};

/*
 * One scan. A finding the previous scan already logged (same process, same
 * range, same reason) is not logged again while it persists. Its summary
 * replaces STATE_DIR/scan-last.json (scan_last.h). 0, or -errno with ERR
 * when the tasks could not be listed, the log not written (-EIO) or the
 * summary not kept.
 */
int scan_audit_run(struct scan_audit *a, struct scan_audit_result *ret, struct nojit_err *err);

#endif /* NOJIT_SCAN_AUDIT_H */
