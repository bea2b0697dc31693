// SPDX-License-Identifier: GPL-2.0
/*
 * What reaches the audit log from bytes others chose, and must come out
 * as a log the verifier accepts: event lines a vkernel guest writes
 * (controller/vk_audit.c parses them), and the file names, comm, cgroup
 * paths and container ids of events and scan findings, which a workload
 * picks. The writer escapes them (JSON, UTF-8, length cuts); the oracle is
 * the verifier: every log this writes and closes must verify strictly
 * with the harness's key, and its head must be readable.
 *
 * An input is NUL-separated fields: the vkernel line, then exe, path,
 * cgroup path, comm, container id, scan file name, response detail (a
 * missing field is NULL).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit_log.h"
#include "common.h"
#include "vk_audit.h"

#define FIELDS 8

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[4200];
	char *buf = malloc(size + 1), *f[FIELDS] = {};
	struct audit_log_config cfg = { .seal_every = 2 };
	struct audit_verify_opts opts = { .strict = true };
	struct audit_verify_result res;
	struct audit_log_head head;
	struct audit_log *log;
	struct nojit_err err = {};
	const char *files[1] = { path };
	size_t n = 0;

	if (!buf)
		abort();
	if (!path[0])
		fuzz_path(path, sizeof(path), "writer.log");
	memcpy(buf, data, size);
	buf[size] = '\0';
	for (char *p = buf; p && n < FIELDS; n++) {
		f[n] = p;
		p = memchr(p, '\0', (size_t)(buf + size - p));
		if (p && p < buf + size)
			p++;
		else
			p = NULL;
	}

	struct audit_event ev = { .hook = 1, .route = 1, .action = 1, .prot = 4, .pid = 1, .tgid = 1,
				  .exe = f[1], .path = f[2], .cgroup_path = f[3], .container_id = f[5],
				  .cgroup_id = 5, .ino = 3 };
	struct audit_scan_finding sf = { .reason = "anonymous", .pid = 1, .comm = f[4], .file = f[6],
					 .cgroup_path = f[3], .start = 4096, .end = 8192, .perms = "r-xp" };
	struct audit_response resp = { .action = "kill", .pid = 1, .cgroup_path = f[3], .detail = f[7] };

	if (f[4])
		snprintf(ev.comm, sizeof(ev.comm), "%s", f[4]);
	unlink(path);
	if (audit_log_open(path, &fuzz_keys()->signing, &cfg, &log, NULL, &err))
		abort();
	if (vk_audit_append(log, f[0], f[6], 9, &err) ||
	    audit_log_append_event(log, &ev, NULL, &err) ||
	    audit_log_append_scan(log, &sf, NULL, &err) ||
	    audit_log_append_response(log, &resp, NULL, &err)) {
		fprintf(stderr, "append: %s\n", err.msg);
		abort();
	}
	if (audit_log_close(log, &err))
		abort();
	if (audit_verify(files, 1, &fuzz_keys()->signing_trust, &opts, &res, &err) ||
	    res.reason != AUDIT_OK) {
		fprintf(stderr, "the writer's own log does not verify: %s: %s (line %llu)\n",
			audit_reason_name(res.reason), res.detail, (unsigned long long)res.line);
		abort();
	}
	if (audit_log_head(path, &head, &err) || !head.has_seal || !head.seal_close)
		abort();
	free(buf);
	return 0;
}
