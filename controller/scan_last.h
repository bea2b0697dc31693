/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The last scan of every governed task (nojit scan without a target, nojit
 * daemon --scan-every), kept in STATE_DIR/scan-last.json so that a node
 * statement can say what the runtime integrity scan last found
 * (docs/scan.md). A scan of one pid or cgroup is an inspection, not the
 * node's result, and is not kept. Never prints.
 */
#ifndef NOJIT_SCAN_LAST_H
#define NOJIT_SCAN_LAST_H

#include <json-c/json.h>
#include <linux/types.h>
#include <stdbool.h>

#include "scan.h"
#include "util.h"

#define SCAN_LAST_FILE		"scan-last.json"
#define SCAN_LAST_FORMAT	1
/* Findings listed one by one; the rest are counted. Keeps the file (and a statement) small. */
#define SCAN_LAST_MAX_FINDINGS	32
/* Longer strings of a finding (paths) are cut to this many bytes. */
#define SCAN_LAST_STRING_MAX	256

/* One scan's summary, collected while it runs. */
struct scan_last {
	struct json_object *findings;	/* the first SCAN_LAST_MAX_FINDINGS */
	__u64 n_findings;		/* all of them */
	bool oom;			/* a finding could not be recorded */
};

/* Start collecting (FINDINGS empty). -ENOMEM. */
int scan_last_begin(struct scan_last *l);

/* Count F, and list it while fewer than SCAN_LAST_MAX_FINDINGS are. */
void scan_last_add(struct scan_last *l, const struct scan_finding *f);

/*
 * Write the summary of the scan that just ended, by SOURCE ("scan",
 * "daemon"), atomically over STATE_DIR/scan-last.json, and release L.
 * -ENOMEM when a finding could not be recorded (nothing is written then:
 * a list that lost findings would say less than was found).
 */
int scan_last_commit(struct scan_last *l, const char *source, const struct scan_stats *st,
		     __u64 unreadable, struct nojit_err *err);

/* Release L without writing (a scan that failed). */
void scan_last_clear(struct scan_last *l);

/* STATE_DIR/scan-last.json as JSON into *RET (put it): 0, -ENOENT when no scan was kept, -EBADMSG. */
int scan_last_read(struct json_object **ret, struct nojit_err *err);

#endif /* NOJIT_SCAN_LAST_H */
