// SPDX-License-Identifier: GPL-2.0
/*
 * The OCSF form of audit records (audit_ocsf.c): a log of every record
 * type written by the real writer, each line converted; one event per
 * record carrying its seq and hash; each kind of violation in its class,
 * activity, action and disposition; lines that are not records refused.
 * The schema check of the same records is selftests/ocsf/run (python,
 * against the OCSF 1.8.0 definitions). With NOJIT_OCSF_FIXTURE=FILE the
 * log is also copied to FILE (how selftests/ocsf/fixture.log was made).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <json-c/json.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "audit_log.h"
#include "audit_ocsf.h"
#include "keys.h"
#include "scratch.h"
#include "util.h"

#define T0 1795337411000000000ull	/* 2026-11-22T08:50:11Z */
#define CTR "3f9c1e0d5b7a4c2e8f6d1b3a5c7e9f0d2b4a6c8e0f1d3b5a7c9e1f0d2b4a6c8e"

static struct nojit_seckey key;

static void setup(void)
{
	struct nojit_pubkey pub;
	struct nojit_err err;

	scratch_make("ocsf");
	cr_assert_eq(keys_init(), 0);
	cr_assert_eq(key_generate(scratch_path("k"), &pub, &err), 0, "%s", err.msg);
	cr_assert_eq(key_load_secret(scratch_path("k/nojit.key"), &key, &err), 0, "%s", err.msg);
}

static void teardown(void)
{
	key_secret_wipe(&key);
	scratch_remove();
}

TestSuite(ocsf, .init = setup, .fini = teardown);

static __u64 clock_step(void *ctx)
{
	__u64 *now = ctx;

	return *now += 1000000;
}

static void event(struct audit_event *ev, __u32 hook, __u32 route, __u32 action)
{
	memset(ev, 0, sizeof(*ev));
	ev->time_ns = T0;
	ev->hook = hook;
	ev->route = route;
	ev->action = action;
	ev->prot = 5;
	ev->pid = 4243;
	ev->tgid = 4242;
	ev->uid = 1000;
	snprintf(ev->comm, sizeof(ev->comm), "python3");
	ev->exe = "/usr/bin/python3.11";
	ev->has_exe_sha256 = true;
	memset(ev->exe_sha256, 0xab, 32);
	ev->cgroup_id = 9313;
	ev->enrolled_id = 9301;
	ev->cgroup_path = "/system.slice/docker-" CTR ".scope";
}

/* The hooks and actions of the table below, then every other record type. */
static const struct {
	__u32 hook, route, action;
	const char *path;
	int class_uid, activity_id, action_id, disposition_id, severity_id;
} cases[] = {
	{ NOJIT_HOOK_MMAP_FILE, NOJIT_ROUTE_ANON_EXEC, NOJIT_ACTION_DENIED, NULL, 1004, 1, 2, 2, 3 },
	{ NOJIT_HOOK_MMAP_FILE, NOJIT_ROUTE_ANON_EXEC, NOJIT_ACTION_KILLED, NULL, 1004, 1, 2, 2, 4 },
	{ NOJIT_HOOK_FILE_MPROTECT, NOJIT_ROUTE_MPROTECT, NOJIT_ACTION_AUDITED, NULL, 1004, 2, 1, 19, 3 },
	{ NOJIT_HOOK_MMAP_FILE, NOJIT_ROUTE_MEMFD, NOJIT_ACTION_DENIED, "/memfd:jit (deleted)", 1004, 9, 2, 2, 3 },
	{ NOJIT_HOOK_SHM_SHMAT, NOJIT_ROUTE_SHM_EXEC, NOJIT_ACTION_DENIED, NULL, 1004, 9, 2, 2, 3 },
	{ NOJIT_HOOK_BRK, NOJIT_ROUTE_READ_IMPLIES_EXEC, NOJIT_ACTION_DENIED, NULL, 1004, 1, 2, 2, 3 },
	{ NOJIT_HOOK_EXEC_STACK, NOJIT_ROUTE_MPROTECT, NOJIT_ACTION_DENIED, NULL, 1004, 5, 2, 2, 3 },
	{ NOJIT_HOOK_BPRM_CHECK, NOJIT_ROUTE_UNLISTED_EXEC, NOJIT_ACTION_DENIED, "/tmp/unlisted", 1007, 1, 2, 2, 3 },
	{ NOJIT_HOOK_BPF, NOJIT_ROUTE_BPF_LOAD, NOJIT_ACTION_DENIED, NULL, 1007, 99, 2, 2, 3 },
	{ NOJIT_HOOK_FILE_PERMISSION, NOJIT_ROUTE_FILE_WRITTEN, NOJIT_ACTION_DENIED, "/usr/lib/libx.so", 1007, 99, 2, 2, 3 },
	{ NOJIT_HOOK_FILE_MPROTECT, NOJIT_ROUTE_EXCEPTION_CONFINED, NOJIT_ACTION_EXCEPTION, NULL, 1004, 2, 1, 1, 1 },
};

/* A closed log of every case and record type; its lines, NUL-separated in *RET. */
static size_t write_log(char **ret, size_t *ret_len)
{
	__u64 now = T0 + 60000000000ull;
	struct audit_log_config cfg = { .seal_every = 5, .clock_ns = clock_step, .clock_ctx = &now };
	struct audit_vk_event vk = { .event = "spawn_denied", .reason = "not in the manifest",
				     .module = "app.wasm", .pid = 77, .target = "/bin/sh" };
	struct audit_scan_finding f = { .reason = "anonymous", .pid = 4243, .tgid = 4242,
					.comm = "node", .cgroup_id = 9313, .start = 0x7f0000000000,
					.end = 0x7f0000004000, .perms = "r-xp" };
	struct audit_policy_event p = { .action = "apply-failed", .dir = "/etc/nojit/policy.d",
					.detail = "bad.json: not JSON" };
	struct audit_response r = { .action = "kill", .pid = 4242, .event_seq = 3 };
	struct audit_log *log = NULL;
	struct audit_event ev;
	struct nojit_err err;
	const char *fixture = getenv("NOJIT_OCSF_FIXTURE");
	char *path = scratch_path("audit.log"), *buf;
	size_t len, n = 0;
	FILE *f_in;

	cr_assert_eq(audit_log_open(path, &key, &cfg, &log, NULL, &err), 0, "%s", err.msg);
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		event(&ev, cases[i].hook, cases[i].route, cases[i].action);
		ev.path = cases[i].path;
		if (cases[i].path) {
			ev.dev = 8 << 20 | 1;
			ev.ino = 1234 + i;
			ev.has_sha256 = true;
			memset(ev.sha256, 0xcd, 32);
		}
		/* Not in a container: no container object. */
		if (cases[i].hook == NOJIT_HOOK_BPRM_CHECK)
			ev.cgroup_path = "/user.slice/user-1000.slice/session-1.scope";
		if (cases[i].action == NOJIT_ACTION_EXCEPTION) {
			ev.exception = "node-jit";
			ev.count = 12345;
			ev.first_ns = T0 - 3000000000ull;
		}
		cr_assert_eq(audit_log_append_event(log, &ev, NULL, &err), 0, "%s", err.msg);
	}
	/* A path that is not UTF-8: the record adds path_hex, OCSF keeps it unmapped. */
	event(&ev, NOJIT_HOOK_MMAP_FILE, NOJIT_ROUTE_FILE_WRITTEN, NOJIT_ACTION_DENIED);
	ev.path = "/tmp/caf\xc3\xa9/\xff\xfe.so";
	ev.ino = 99;
	cr_assert_eq(audit_log_append_event(log, &ev, NULL, &err), 0, "%s", err.msg);
	cr_assert_eq(audit_log_append_scan(log, &f, NULL, &err), 0, "%s", err.msg);
	cr_assert_eq(audit_log_append_drops(log, "kernel", 3, 3, true, NULL, &err), 0, "%s", err.msg);
	cr_assert_eq(audit_log_append_response(log, &r, NULL, &err), 0, "%s", err.msg);
	cr_assert_eq(audit_log_append_policy(log, &p, NULL, &err), 0, "%s", err.msg);
	cr_assert_eq(audit_log_append_vkernel(log, &vk, NULL, &err), 0, "%s", err.msg);
	cr_assert_eq(audit_log_close(log, &err), 0, "%s", err.msg);

	f_in = fopen(path, "re");
	cr_assert_not_null(f_in);
	cr_assert_eq(read_fd_max(fileno(f_in), 1 << 20, &buf, &len), 0);
	fclose(f_in);
	if (fixture) {
		FILE *out = fopen(fixture, "we");

		cr_assert_not_null(out, "%s", fixture);
		fwrite(buf, 1, len, out);
		fclose(out);
	}
	for (size_t i = 0; i < len; i++)
		if (buf[i] == '\n') {
			buf[i] = '\0';
			n++;
		}
	*ret = buf;
	*ret_len = len;
	return n;
}

static json_object *convert(const char *line)
{
	char *out = NULL;
	json_object *o;

	cr_assert_eq(audit_ocsf_from_line(line, strlen(line), "node-1", &out), 0, "%s", line);
	o = json_tokener_parse(out);
	cr_assert_not_null(o, "%s", out);
	free(out);
	return o;
}

static __s64 at(json_object *o, const char *a, const char *b)
{
	json_object *v = o;

	cr_assert(json_object_object_get_ex(v, a, &v), "%s", a);
	if (b)
		cr_assert(json_object_object_get_ex(v, b, &v), "%s.%s", a, b);
	return json_object_get_int64(v);
}

static const char *at_str(json_object *o, const char *a, const char *b)
{
	json_object *v = o;

	if (!json_object_object_get_ex(v, a, &v) || (b && !json_object_object_get_ex(v, b, &v)))
		return NULL;
	return json_object_get_string(v);
}

Test(ocsf, every_record_one_event_with_its_seq_and_hash)
{
	_cleanup_free_ char *buf = NULL;
	size_t len, n = write_log(&buf, &len);
	const char *line = buf;
	char hex[65];
	__u8 d[32];

	cr_assert_gt(n, ARRAY_SIZE(cases) + 6);
	for (size_t i = 0; i < n; i++, line += strlen(line) + 1) {
		json_object *o = convert(line);

		crypto_hash_sha256(d, (const __u8 *)line, strlen(line));
		hex_encode(d, 32, hex);
		cr_assert_eq(at(o, "unmapped", "seq"), (__s64)i + 1);
		cr_assert_str_eq(at_str(o, "metadata", "uid"), hex);
		cr_assert_str_eq(at_str(o, "unmapped", "record_hash"), hex);
		cr_assert_str_eq(at_str(o, "metadata", "version"), "1.8.0");
		cr_assert_eq(at(o, "type_uid", NULL), at(o, "class_uid", NULL) * 100 + at(o, "activity_id", NULL));
		json_object_put(o);
	}
}

Test(ocsf, each_violation_in_its_class_with_its_outcome)
{
	_cleanup_free_ char *buf = NULL;
	size_t len, n = write_log(&buf, &len), c = 0;
	const char *line = buf;

	for (size_t i = 0; i < n; i++, line += strlen(line) + 1) {
		json_object *o = convert(line);

		if (strcmp(at_str(o, "unmapped", "record_type"), "event") || c >= ARRAY_SIZE(cases)) {
			json_object_put(o);
			continue;
		}
		cr_assert_eq(at(o, "class_uid", NULL), cases[c].class_uid, "case %zu", c);
		cr_assert_eq(at(o, "activity_id", NULL), cases[c].activity_id, "case %zu", c);
		cr_assert_eq(at(o, "action_id", NULL), cases[c].action_id, "case %zu", c);
		cr_assert_eq(at(o, "disposition_id", NULL), cases[c].disposition_id, "case %zu", c);
		cr_assert_eq(at(o, "severity_id", NULL), cases[c].severity_id, "case %zu", c);
		cr_assert_eq(at(o, "time", NULL), (__s64)(T0 / 1000000));
		cr_assert_eq(at(o, "unmapped", "route"), cases[c].route);
		cr_assert(json_object_object_get_ex(o, "actor", NULL));
		if (cases[c].hook == NOJIT_HOOK_BPRM_CHECK) {
			json_object *p, *f;

			/* The refused program is the process; the caller its actor. */
			cr_assert(json_object_object_get_ex(o, "process", &p));
			cr_assert(json_object_object_get_ex(p, "file", &f));
			cr_assert_str_eq(at_str(f, "path", NULL), "/tmp/unlisted");
			cr_assert_str_eq(at_str(p, "name", NULL), "unlisted");
			cr_assert_null(at_str(p, "container", NULL));
		} else {
			cr_assert_str_eq(at_str(o, "process", "name"), "python3");
		}
		if (cases[c].action == NOJIT_ACTION_EXCEPTION) {
			cr_assert_eq(at(o, "count", NULL), 12345);
			cr_assert_eq(at(o, "end_time", NULL) - at(o, "start_time", NULL), 3000);
		}
		json_object_put(o);
		c++;
	}
	cr_assert_eq(c, ARRAY_SIZE(cases));
}

Test(ocsf, not_a_record_is_refused)
{
	static const char *const bad[] = {
		"", "{}", "[1]", "null", "{\"seq\":1,\"type\":\"seal\"}",
		"{\"seq\":\"1\",\"type\":\"seal\",\"time\":\"2026-11-22T09:43:23.680017670Z\"}",
		"{\"seq\":1,\"type\":\"seal\",\"time\":\"yesterday\"}",
		"{\"seq\":1,\"type\":\"seal\",\"time\":\"2026-11-22T09:43:23.680017670Z\"} x",
		"{\"seq\":1,\"type\":\"seal\",\"time\":\"2026-11-22T09:43:23.680017670Z\"",
	};
	char *out = NULL;

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		cr_assert_eq(audit_ocsf_from_line(bad[i], strlen(bad[i]), NULL, &out), -EBADMSG,
			     "%s", bad[i]);
	cr_assert_eq(audit_ocsf_from_line(bad[4], strlen(bad[4]) - 1, NULL, &out), -EBADMSG);
}
