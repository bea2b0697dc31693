// SPDX-License-Identifier: GPL-2.0
/* The last scan of every governed task, kept for attestation (scan_last.h). */
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "audit_log.h"	/* audit_time_format() */
#include "rollback.h"	/* rollback_state_dir(): the node's state directory */
#include "scan_last.h"

/* Far above what the bounded summary can reach: anything larger is not ours. */
#define SCAN_LAST_READ_MAX	(1u << 20)

static void state_path(char *buf, size_t size)
{
	snprintf(buf, size, "%s/%s", rollback_state_dir(), SCAN_LAST_FILE);
}

int scan_last_begin(struct scan_last *l)
{
	*l = (struct scan_last){ .findings = json_object_new_array() };
	return l->findings ? 0 : -ENOMEM;
}

void scan_last_clear(struct scan_last *l)
{
	json_object_put(l->findings);
	*l = (struct scan_last){};
}

static struct json_object *str_cut(const char *s)
{
	return s ? json_object_new_string_len(s, (int)strnlen(s, SCAN_LAST_STRING_MAX)) : NULL;
}

static struct json_object *addr(__u64 v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "0x%llx", (unsigned long long)v);
	return json_object_new_string(buf);
}

void scan_last_add(struct scan_last *l, const struct scan_finding *f)
{
	struct json_object *o;
	char hex[65];

	if (l->n_findings++ >= SCAN_LAST_MAX_FINDINGS)
		return;
	o = json_object_new_object();
	if (!o) {
		l->oom = true;
		return;
	}
	if (f->has_sha256)
		hex_encode(f->sha256, 32, hex);
	/* Who (the process and its cgroup) and what (the range and why), nothing more. */
	json_object_object_add(o, "pid", json_object_new_int(f->pid));
	json_object_object_add(o, "tgid", json_object_new_int(f->tgid));
	json_object_object_add(o, "comm", str_cut(f->comm));
	json_object_object_add(o, "cgroup", str_cut(f->cgroup));
	json_object_object_add(o, "cgroupId", f->cgroup_id ? json_object_new_uint64(f->cgroup_id) : NULL);
	json_object_object_add(o, "enrolledId", f->enrolled_id ? json_object_new_uint64(f->enrolled_id) : NULL);
	json_object_object_add(o, "reason", json_object_new_string(scan_reason_name(f->reason)));
	json_object_object_add(o, "start", addr(f->start));
	json_object_object_add(o, "end", addr(f->end));
	json_object_object_add(o, "file", str_cut(f->file));
	json_object_object_add(o, "sha256", f->has_sha256 ? json_object_new_string(hex) : NULL);
	if (json_object_array_add(l->findings, o)) {
		json_object_put(o);
		l->oom = true;
	}
}

int scan_last_commit(struct scan_last *l, const char *source, const struct scan_stats *st,
		     __u64 unreadable, struct nojit_err *err)
{
	struct json_object *o = NULL;
	char path[4096], t[AUDIT_TIME_LEN + 1];
	const char *text;
	int r;

	state_path(path, sizeof(path));
	if (l->oom) {
		r = nojit_err_set(err, -ENOMEM, "%s: out of memory while recording the findings", path);
		goto out;
	}
	o = json_object_new_object();
	if (!o) {
		r = nojit_err_set(err, -ENOMEM, "%s: out of memory", path);
		goto out;
	}
	audit_time_format((__u64)clock_ns(CLOCK_REALTIME), t);
	json_object_object_add(o, "format", json_object_new_int(SCAN_LAST_FORMAT));
	json_object_object_add(o, "time", json_object_new_string(t));
	json_object_object_add(o, "source", json_object_new_string(source));
	json_object_object_add(o, "tasks", json_object_new_uint64(st->tasks));
	json_object_object_add(o, "mappings", json_object_new_uint64(st->mappings));
	json_object_object_add(o, "vanished", json_object_new_uint64(st->vanished));
	json_object_object_add(o, "unreadable", json_object_new_uint64(unreadable));
	json_object_object_add(o, "findingCount", json_object_new_uint64(l->n_findings));
	json_object_object_add(o, "findingsOmitted",
			       json_object_new_uint64(l->n_findings - json_object_array_length(l->findings)));
	json_object_object_add(o, "findings", json_object_get(l->findings));
	text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	if (!text) {
		r = nojit_err_set(err, -ENOMEM, "%s: out of memory", path);
		goto out;
	}
	if (mkdir(rollback_state_dir(), 0700) && errno != EEXIST) {
		r = nojit_err_set(err, -errno, "state directory %s: %s", rollback_state_dir(), strerror(errno));
		goto out;
	}
	r = write_file_atomic(path, text, strlen(text), 0644, err);
out:
	json_object_put(o);
	scan_last_clear(l);
	return r;
}

int scan_last_read(struct json_object **ret, struct nojit_err *err)
{
	_cleanup_free_ char *text = NULL;
	struct json_object *o, *fmt;
	char path[4096];
	size_t len;
	int r;

	state_path(path, sizeof(path));
	r = read_file_max(AT_FDCWD, path, SCAN_LAST_READ_MAX, &text, &len);
	if (r == -ENOENT)
		return nojit_err_set(err, -ENOENT, "%s: no scan of every governed task was kept here", path);
	if (r)
		return nojit_err_set(err, r, "%s: %s", path, strerror(-r));
	o = json_tokener_parse(text);
	if (!o || !json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, "format", &fmt) || json_object_get_int(fmt) != SCAN_LAST_FORMAT) {
		json_object_put(o);
		return nojit_err_set(err, -EBADMSG, "%s: not a scan summary of format %d", path,
				     SCAN_LAST_FORMAT);
	}
	*ret = o;
	return 0;
}
