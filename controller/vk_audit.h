/* SPDX-License-Identifier: GPL-2.0 */
/* The vkernel's event lines (JSON, one per line) into the signed audit log. */
#ifndef NOJIT_VK_AUDIT_H
#define NOJIT_VK_AUDIT_H

#include "audit_log.h"

/*
 * Append LINE, an event the megabinary APP wrote, as a "vkernel" record.
 * A line that is not such an event is still recorded (event "malformed",
 * the line cut to fit as target): nothing the vkernel reports is lost.
 */
int vk_audit_append(struct audit_log *log, const char *line, const char *app, __u64 cgroup_id,
		    struct nojit_err *err);

#endif
