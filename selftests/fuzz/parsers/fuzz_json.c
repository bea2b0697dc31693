// SPDX-License-Identifier: GPL-2.0
/*
 * The strict JSON reader every signed document goes through
 * (controller/json_check.c): json-c plus the checks it lacks (repeated
 * member names, escaped NULs, depth and value bounds, UTF-8).
 */
#include <json-c/json.h>

#include "common.h"
#include "json_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_object *o = NULL;
	char msg[256];

	json_has_escaped_nul((const char *)data, size);
	if (json_parse_strict((const char *)data, size, 16, 4096, &o, msg, sizeof(msg)) == 0) {
		json_repeats_names((const char *)data, size, o);
		json_make_utf8(o);
		json_object_put(o);
	}
	return 0;
}
