// SPDX-License-Identifier: GPL-2.0
/*
 * Audit record -> OCSF 1.8.0 event. Class, activity and enum numbers are
 * those of the schema copy in selftests/ocsf/schema/ (the test checks
 * every line against it); why each record maps where it does:
 * docs/siem.md.
 */
#include <errno.h>
#include <json-c/json.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "audit_ocsf.h"
#include "audit_record.h"
#include "util.h"

/* Classes and enum values of OCSF 1.8.0 (events/, dictionary.json, profiles/). */
#define CLASS_BASE		0
#define CLASS_MEMORY		1004	/* system (1) * 1000 + memory_activity (4) */
#define CLASS_PROCESS		1007	/* system (1) * 1000 + process_activity (7) */
#define ACTIVITY_OTHER		99
#define ACTION_ALLOWED		1
#define ACTION_DENIED		2
#define ACTION_OBSERVED		3
#define DISPOSITION_ALLOWED	1
#define DISPOSITION_BLOCKED	2
#define DISPOSITION_DETECTED	15
#define DISPOSITION_ALERT	19
#define SEVERITY_INFORMATIONAL	1
#define SEVERITY_MEDIUM		3
#define SEVERITY_HIGH		4
#define STATUS_SUCCESS		1
#define STATUS_FAILURE		2
#define FILE_REGULAR		1
#define DEVICE_UNKNOWN		0	/* nojit cannot tell a server from a desktop */
#define FINGERPRINT_SHA256	3	/* fingerprint.algorithm_id */

typedef struct json_object jo;

static void jo_putp(jo **o)
{
	json_object_put(*o);
}
#define _cleanup_jo_ __attribute__((cleanup(jo_putp)))

/* KEY of REC, NULL when absent or null. */
static jo *get(jo *rec, const char *key)
{
	jo *v;

	return json_object_object_get_ex(rec, key, &v) ? v : NULL;
}

static const char *get_str(jo *rec, const char *key)
{
	jo *v = get(rec, key);

	return json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

static bool get_u64(jo *rec, const char *key, __u64 *ret)
{
	jo *v = get(rec, key);

	if (!json_object_is_type(v, json_type_int))
		return false;
	*ret = json_object_get_uint64(v);
	return true;
}

static void add(jo *o, const char *key, jo *v)
{
	if (v)
		json_object_object_add(o, key, v);
}

static void add_str(jo *o, const char *key, const char *s)
{
	if (s)
		json_object_object_add(o, key, json_object_new_string(s));
}

static void add_int(jo *o, const char *key, __s64 v)
{
	json_object_object_add(o, key, json_object_new_int64(v));
}

/* REC's KEY as it is, into O (unmapped data keeps nojit's own values). */
static void copy(jo *o, jo *rec, const char *key)
{
	jo *v = get(rec, key);

	if (v)
		json_object_object_add(o, key, json_object_get(v));
}

/* An RFC 3339 record time as OCSF's timestamp_t: ms since the epoch. */
static bool time_ms(const char *s, __s64 *ret)
{
	__u64 ns;

	if (!s || strlen(s) != AUDIT_TIME_LEN || !audit_time_parse(s, &ns))
		return false;
	*ret = (__s64)(ns / 1000000);
	return true;
}

static const char *basename_of(const char *path)
{
	const char *s = strrchr(path, '/');

	return s && s[1] ? s + 1 : path;
}

/* An OCSF file object: PATH with its SHA-256 (hex, may be NULL). */
static jo *file_obj(const char *path, const char *sha256)
{
	jo *f = json_object_new_object(), *h;

	add_str(f, "name", basename_of(path));
	add_str(f, "path", path);
	add_int(f, "type_id", FILE_REGULAR);
	add_str(f, "type", "Regular File");
	if (sha256) {
		h = json_object_new_object();
		add_int(h, "algorithm_id", FINGERPRINT_SHA256);
		add_str(h, "algorithm", "SHA-256");
		add_str(h, "value", sha256);
		json_object_object_add(f, "hashes", json_object_new_array());
		json_object_array_add(get(f, "hashes"), h);
	}
	return f;
}

/*
 * The task a record names: pid is the process (tgid), ptid the thread
 * (OCSF deprecates tid for ptid), user.uid its uid, file its executable.
 */
static jo *process_obj(jo *rec, const char *name, jo *file)
{
	jo *p = json_object_new_object(), *u, *c;
	const char *s;
	char buf[24];
	__u64 v;

	if (get_u64(rec, "tgid", &v))
		add_int(p, "pid", (__s64)v);
	if (get_u64(rec, "pid", &v))
		add_int(p, "ptid", (__s64)v);
	add_str(p, "name", name);
	add(p, "file", file);
	if (get_u64(rec, "uid", &v)) {
		u = json_object_new_object();
		snprintf(buf, sizeof(buf), "%llu", (unsigned long long)v);
		add_str(u, "uid", buf);
		json_object_object_add(p, "user", u);
	}
	s = get_str(rec, "container_id");
	if (s) {
		c = json_object_new_object();
		add_str(c, "uid", s);
		json_object_object_add(p, "container", c);
	}
	return p;
}

static jo *offender(jo *rec)
{
	const char *exe = get_str(rec, "exe");

	return process_obj(rec, get_str(rec, "comm"),
			   exe ? file_obj(exe, get_str(rec, "exe_sha256")) : NULL);
}

/* The offender named, not described again (the event's process describes it). */
static jo *process_ref(jo *rec)
{
	jo *p = json_object_new_object();
	__u64 v;

	if (get_u64(rec, "tgid", &v))
		add_int(p, "pid", (__s64)v);
	if (get_u64(rec, "pid", &v))
		add_int(p, "ptid", (__s64)v);
	add_str(p, "name", get_str(rec, "comm"));
	return p;
}

struct ocsf_class {
	int class_uid;
	int activity_id;
	const char *activity_name;	/* the schema's caption, or nojit's word for Other */
};

/*
 * Which class an event is: an exec is a Launch, the memory hooks are
 * Memory Activity, every other hook (writes to code, ptrace, bpf, ...) is
 * Process Activity "Other" named by its operation: the 1.8.0 classes
 * that would fit some of them better (File System, Network) would split
 * one offender's refusals over classes without a process.
 */
static struct ocsf_class event_class(jo *rec)
{
	const char *hook = get_str(rec, "hook"), *op = get_str(rec, "operation");
	bool has_file = get(rec, "path") || get(rec, "ino");

	if (!hook)
		hook = "";
	if (!strcmp(hook, "bprm_check_security"))
		return (struct ocsf_class){ CLASS_PROCESS, 1, "Launch" };
	if (!strcmp(hook, "mmap_file"))
		return has_file ? (struct ocsf_class){ CLASS_MEMORY, 9, "Map View" } :
				  (struct ocsf_class){ CLASS_MEMORY, 1, "Allocate Page" };
	if (!strcmp(hook, "brk"))
		return (struct ocsf_class){ CLASS_MEMORY, 1, "Allocate Page" };
	if (!strcmp(hook, "file_mprotect"))
		return (struct ocsf_class){ CLASS_MEMORY, 2, "Modify Page" };
	if (!strcmp(hook, "shm_shmat"))
		return (struct ocsf_class){ CLASS_MEMORY, 9, "Map View" };
	/* An executable stack is the kernel turning off NX for it. */
	if (!strcmp(hook, "setup_arg_pages"))
		return (struct ocsf_class){ CLASS_MEMORY, 5, "Disable DEP" };
	return (struct ocsf_class){ CLASS_PROCESS, ACTIVITY_OTHER, op ? op : "Other" };
}

static const char *class_name(int class_uid)
{
	return class_uid == CLASS_PROCESS ? "Process Activity" :
	       class_uid == CLASS_MEMORY ? "Memory Activity" : "Base Event";
}

/* class_uid .. type_name, in the order the schema lists them. */
static void add_classification(jo *o, struct ocsf_class c)
{
	char type_name[128];

	add_int(o, "class_uid", c.class_uid);
	add_str(o, "class_name", class_name(c.class_uid));
	add_int(o, "category_uid", c.class_uid / 1000);
	add_str(o, "category_name", c.class_uid ? "System Activity" : "Uncategorized");
	add_int(o, "activity_id", c.activity_id);
	add_str(o, "activity_name", c.activity_name);
	add_int(o, "type_uid", (__s64)c.class_uid * 100 + c.activity_id);
	snprintf(type_name, sizeof(type_name), "%s: %s", class_name(c.class_uid),
		 c.activity_id == ACTIVITY_OTHER ? "Other" : c.activity_name);
	add_str(o, "type_name", type_name);
}

static void add_severity(jo *o, int id)
{
	add_int(o, "severity_id", id);
	add_str(o, "severity", id == SEVERITY_HIGH ? "High" :
			       id == SEVERITY_MEDIUM ? "Medium" : "Informational");
}

/* security_control profile: what nojit did. */
static void add_control(jo *o, int action_id, int disposition_id, bool alert)
{
	add_int(o, "action_id", action_id);
	add_str(o, "action", action_id == ACTION_DENIED ? "Denied" :
			     action_id == ACTION_ALLOWED ? "Allowed" : "Observed");
	add_int(o, "disposition_id", disposition_id);
	add_str(o, "disposition", disposition_id == DISPOSITION_BLOCKED ? "Blocked" :
				  disposition_id == DISPOSITION_ALERT ? "Alert" :
				  disposition_id == DISPOSITION_DETECTED ? "Detected" : "Allowed");
	json_object_object_add(o, "is_alert", json_object_new_boolean(alert));
}

static jo *metadata_obj(jo *rec, const char *hash, bool control, bool container)
{
	jo *m = json_object_new_object(), *p = json_object_new_object(), *pr;
	__s64 ms;

	add_str(m, "version", AUDIT_OCSF_VERSION);
	add_str(p, "name", "nojit");
	add_str(p, "vendor_name", "nojit");
	add_str(p, "version", NOJIT_VERSION);
	json_object_object_add(m, "product", p);
	if (control || container) {
		pr = json_object_new_array();
		if (control)
			json_object_array_add(pr, json_object_new_string("security_control"));
		if (container)
			json_object_array_add(pr, json_object_new_string("container"));
		json_object_object_add(m, "profiles", pr);
	}
	/* The line's SHA-256: the next record's prev, an --anchor for nojit audit verify. */
	add_str(m, "uid", hash);
	add_str(m, "log_name", "nojit audit");
	if (time_ms(get_str(rec, "time"), &ms))
		add_int(m, "logged_time", ms);
	add_str(m, "original_time", get_str(rec, "event_time"));
	return m;
}

/* nojit's own fields: where the record sits in the chain, and what OCSF has no place for. */
static jo *unmapped_obj(jo *rec, const char *hash)
{
	jo *u = json_object_new_object();

	copy(u, rec, "seq");
	add_str(u, "record_hash", hash);
	add_str(u, "record_type", get_str(rec, "type"));
	return u;
}

/* Byte-exact copies of non-UTF-8 strings (path_hex, comm_hex, ...). */
static void copy_hex(jo *u, jo *rec)
{
	json_object_object_foreach(rec, key, val) {
		size_t n = strlen(key);

		if (n > 4 && !strcmp(key + n - 4, "_hex") && val)
			json_object_object_add(u, key, json_object_get(val));
	}
}

static jo *device_obj(const char *hostname)
{
	jo *d = json_object_new_object();

	add_str(d, "hostname", hostname);
	add_int(d, "type_id", DEVICE_UNKNOWN);
	add_str(d, "type", "Unknown");
	return d;
}

static jo *map_event(jo *rec, const char *hash, const char *hostname)
{
	_cleanup_jo_ jo *o = json_object_new_object();
	jo *proc, *actor, *u;
	const char *action = get_str(rec, "action"), *path = get_str(rec, "path");
	const char *op = get_str(rec, "operation"), *comm = get_str(rec, "comm");
	const char *route = get_str(rec, "route_name");
	struct ocsf_class c = event_class(rec);
	bool denied, killed = false, exception = false, audited = false;
	char msg[512];
	__u64 v, tgid = 0;
	__s64 ms;

	if (!action)
		action = "";
	killed = !strcmp(action, "killed");
	audited = !strcmp(action, "audited");
	exception = !strcmp(action, "exception");
	denied = !audited && !exception;
	get_u64(rec, "tgid", &tgid);

	add_classification(o, c);
	add_severity(o, killed ? SEVERITY_HIGH : exception ? SEVERITY_INFORMATIONAL : SEVERITY_MEDIUM);
	if (!time_ms(get_str(rec, "event_time"), &ms) && !time_ms(get_str(rec, "time"), &ms))
		return NULL;
	add_int(o, "time", ms);
	/* A JIT exception record stands for COUNT uses from first_time to event_time. */
	if (exception && get_u64(rec, "count", &v)) {
		add_int(o, "count", (__s64)v);
		if (time_ms(get_str(rec, "first_time"), &ms))
			add_int(o, "start_time", ms);
		add_int(o, "end_time", json_object_get_int64(get(o, "time")));
	}
	/*
	 * Refused, and killed or not, the operation was blocked (severity
	 * tells a kill apart); audit mode let it through and reported it
	 * (Alert: "not blocked"); an exception allowed it by policy.
	 */
	add_control(o, denied ? ACTION_DENIED : ACTION_ALLOWED,
		    denied ? DISPOSITION_BLOCKED : audited ? DISPOSITION_ALERT : DISPOSITION_ALLOWED,
		    !exception);
	add_int(o, "status_id", denied ? STATUS_FAILURE : STATUS_SUCCESS);
	add_str(o, "status", denied ? "Failure" : "Success");
	snprintf(msg, sizeof(msg), "nojit %s %s by %s[%llu]%s%s%s%s", action, op ? op : "an operation",
		 comm ? comm : "?", (unsigned long long)tgid, route ? ": " : "", route ? route : "",
		 killed ? "; the process was killed" : "", audited ? " (audit mode: allowed)" : "");
	add_str(o, "message", msg);
	add(o, "metadata", metadata_obj(rec, hash, true, get_str(rec, "container_id")));
	add(o, "device", device_obj(hostname));

	/*
	 * A refused exec: the actor is the task calling execve, the process
	 * the program it names. Otherwise the offender acted on itself: the
	 * actor names it, the process describes it.
	 */
	actor = json_object_new_object();
	if (c.class_uid == CLASS_PROCESS && c.activity_id == 1 && path) {
		json_object_object_add(actor, "process", offender(rec));
		proc = process_obj(rec, basename_of(path), file_obj(path, get_str(rec, "sha256")));
	} else {
		json_object_object_add(actor, "process", process_ref(rec));
		proc = offender(rec);
	}
	json_object_object_add(o, "actor", actor);
	json_object_object_add(o, "process", proc);
	if (c.class_uid == CLASS_MEMORY && get_u64(rec, "prot", &v))
		add_int(o, "requested_permissions", (__s64)v);

	u = unmapped_obj(rec, hash);
	copy(u, rec, "action");
	copy(u, rec, "hook");
	copy(u, rec, "route");
	copy(u, rec, "route_name");
	copy(u, rec, "operation");
	copy(u, rec, "prot");
	copy(u, rec, "prot_names");
	copy(u, rec, "flags");
	copy(u, rec, "cgroup");
	copy(u, rec, "cgroup_id");
	copy(u, rec, "enrolled_id");
	/* Outside a Launch the file has no place in these classes. */
	if (path && !(c.class_uid == CLASS_PROCESS && c.activity_id == 1))
		json_object_object_add(u, "file", file_obj(path, get_str(rec, "sha256")));
	copy(u, rec, "dev");
	copy(u, rec, "ino");
	copy(u, rec, "exception");
	copy_hex(u, rec);
	json_object_object_add(o, "unmapped", u);
	return TAKE_PTR(o);
}

/* What --scan-every found in a running task: executable memory nojit did not see made. */
static jo *map_scan(jo *rec, const char *hash, const char *hostname)
{
	_cleanup_jo_ jo *o = json_object_new_object();
	const char *start = get_str(rec, "start"), *end = get_str(rec, "end");
	const char *file = get_str(rec, "file"), *reason = get_str(rec, "reason");
	jo *actor, *u;
	char msg[256];
	__s64 ms;

	add_classification(o, (struct ocsf_class){ CLASS_MEMORY, ACTIVITY_OTHER, "Scan" });
	add_severity(o, SEVERITY_MEDIUM);
	if (!time_ms(get_str(rec, "time"), &ms))
		return NULL;
	add_int(o, "time", ms);
	add_control(o, ACTION_OBSERVED, DISPOSITION_DETECTED, true);
	snprintf(msg, sizeof(msg), "nojit scan found %s executable memory in %s", reason ? reason : "?",
		 get_str(rec, "comm") ? get_str(rec, "comm") : "?");
	add_str(o, "message", msg);
	add(o, "metadata", metadata_obj(rec, hash, true, get_str(rec, "container_id")));
	add(o, "device", device_obj(hostname));
	actor = json_object_new_object();
	json_object_object_add(actor, "process", process_ref(rec));
	json_object_object_add(o, "actor", actor);
	json_object_object_add(o, "process", process_obj(rec, get_str(rec, "comm"), NULL));
	add_str(o, "base_address", start);
	if (start && end)
		add_int(o, "size", (__s64)(strtoull(end, NULL, 16) - strtoull(start, NULL, 16)));
	u = unmapped_obj(rec, hash);
	copy(u, rec, "reason");
	copy(u, rec, "perms");
	copy(u, rec, "offset");
	copy(u, rec, "cgroup");
	copy(u, rec, "cgroup_id");
	copy(u, rec, "enrolled_id");
	if (file)
		json_object_object_add(u, "file", file_obj(file, get_str(rec, "sha256")));
	copy(u, rec, "dev");
	copy(u, rec, "ino");
	copy(u, rec, "detail");
	copy_hex(u, rec);
	json_object_object_add(o, "unmapped", u);
	return TAKE_PTR(o);
}

/*
 * Seals, segments, drops, responses, policy and vkernel records: no
 * 1.8.0 class describes them, so they pass through as a Base Event
 * whose raw_data is the line itself (a seal stays verifiable).
 */
static jo *map_other(jo *rec, const char *line, size_t len, const char *hash)
{
	_cleanup_jo_ jo *o = json_object_new_object();
	const char *type = get_str(rec, "type"), *s;
	char msg[128];
	__u64 dropped = 0;
	bool bad;
	__s64 ms;

	get_u64(rec, "dropped", &dropped);
	s = get_str(rec, "result");
	/* Lost events, a failed response or policy apply, a vkernel refusal: worth a look. */
	bad = (!strcmp(type, "drops") && dropped) || (s && strcmp(s, "ok")) ||
	      ((s = get_str(rec, "action")) && strstr(s, "failed")) || !strcmp(type, "vkernel");
	add_classification(o, (struct ocsf_class){ CLASS_BASE, ACTIVITY_OTHER, type });
	add_severity(o, bad ? SEVERITY_MEDIUM : SEVERITY_INFORMATIONAL);
	if (!time_ms(get_str(rec, "time"), &ms))
		return NULL;
	add_int(o, "time", ms);
	snprintf(msg, sizeof(msg), "nojit audit log: %s record", type);
	add_str(o, "message", msg);
	add(o, "metadata", metadata_obj(rec, hash, false, false));
	json_object_object_add(o, "raw_data", json_object_new_string_len(line, (int)len));
	json_object_object_add(o, "unmapped", unmapped_obj(rec, hash));
	return TAKE_PTR(o);
}

int audit_ocsf_from_line(const char *line, size_t len, const char *hostname, char **ret)
{
	_cleanup_jo_ jo *rec = NULL, *o = NULL;
	struct json_tokener *tok;
	char hash[65];
	__u8 digest[32];
	const char *type, *s;
	__u64 seq;

	if (len > AUDIT_LINE_MAX)
		return -EBADMSG;
	tok = json_tokener_new();
	if (!tok)
		return -ENOMEM;
	rec = json_tokener_parse_ex(tok, line, (int)len);
	if (rec && json_tokener_get_parse_end(tok) != len)
		json_object_put(TAKE_PTR(rec));
	json_tokener_free(tok);
	type = get_str(rec, "type");
	if (!json_object_is_type(rec, json_type_object) || !type || !get_u64(rec, "seq", &seq) ||
	    !get_str(rec, "time"))
		return -EBADMSG;
	crypto_hash_sha256(digest, (const unsigned char *)line, len);
	hex_encode(digest, sizeof(digest), hash);

	if (!strcmp(type, "event"))
		o = map_event(rec, hash, hostname);
	else if (!strcmp(type, "scan"))
		o = map_scan(rec, hash, hostname);
	else
		o = map_other(rec, line, len, hash);
	if (!o)
		return -EBADMSG;
	s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	*ret = s ? strdup(s) : NULL;
	return *ret ? 0 : -ENOMEM;
}
