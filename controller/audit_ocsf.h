/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The OCSF 1.8.0 form of an audit record, for SIEMs (nojit daemon
 * --format ocsf, nojit audit ocsf): a refused exec is Process Activity
 * (1007) Launch, a refused memory operation Memory Activity (1004), the
 * records that are not events a Base Event carrying the record. Works on
 * the record line exactly as the log holds it, so it needs nothing from
 * the writer: the chain's seq and the line's hash come from the line.
 * The mapping field by field: docs/siem.md. Never prints.
 */
#ifndef NOJIT_AUDIT_OCSF_H
#define NOJIT_AUDIT_OCSF_H

#include <stddef.h>

#define AUDIT_OCSF_VERSION "1.8.0"

/*
 * The OCSF event for the audit record LINE (LEN bytes, without its
 * newline). HOSTNAME (may be NULL) names the device. RET gets a malloc'd
 * JSON object on one line, NUL-terminated, without a newline. 0; -EBADMSG
 * when LINE is not a JSON object with seq, type and time; -ENOMEM.
 */
int audit_ocsf_from_line(const char *line, size_t len, const char *hostname, char **ret);

#endif /* NOJIT_AUDIT_OCSF_H */
