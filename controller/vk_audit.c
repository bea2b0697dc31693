// SPDX-License-Identifier: GPL-2.0
/* vkernel event lines -> "vkernel" audit records (vk_audit.h). */
#include <string.h>
#include <json-c/json.h>
#include <sodium.h>

#include "vk_audit.h"

static const char *str_of(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

int vk_audit_append(struct audit_log *log, const char *line, const char *app, __u64 cgroup_id,
		    struct nojit_err *err)
{
	struct json_object *o = json_tokener_parse(line), *v;
	struct audit_vk_event e = { .app = app, .cgroup_id = cgroup_id };
	const char *src, *hex;
	int r;

	src = o && json_object_is_type(o, json_type_object) ? str_of(o, "source") : NULL;
	if (!src || strcmp(src, "vkernel") || !str_of(o, "event")) {
		e.event = "malformed";
		e.target = line;
	} else {
		e.event = str_of(o, "event");
		e.reason = str_of(o, "reason");
		e.module = str_of(o, "module");
		e.target = str_of(o, "target");
		if (json_object_object_get_ex(o, "pid", &v) && json_object_is_type(v, json_type_int))
			e.pid = (__u32)json_object_get_int64(v);
		hex = str_of(o, "sha256");
		e.has_sha256 = hex && strlen(hex) == 64 &&
			       !sodium_hex2bin(e.sha256, sizeof(e.sha256), hex, 64, NULL, NULL, NULL);
	}
	r = audit_log_append_vkernel(log, &e, NULL, err);
	json_object_put(o);
	return r;
}
