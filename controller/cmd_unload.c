// SPDX-License-Identifier: GPL-2.0
/* nojit unload: detach every program and remove the pins. */
#include <string.h>

#include "bpf_loader.h"
#include "cli.h"
#include "cmd.h"

static const char unload_usage[] =
	"Usage: nojit unload\n"
	"\n"
	"Detach all nojit programs and remove everything pinned under\n"
	NOJIT_PIN_DIR ". Every enrolled cgroup stops being governed.\n";

int do_unload(int argc, char **argv)
{
	struct nojit_err err;
	int ret;

	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf("%s", unload_usage);
		return EXIT_OK;
	}
	if (argc > 1)
		return cli_usage_error(unload_usage, "unexpected argument '%s'", argv[1]);
	ret = cli_require_root();
	if (ret)
		return ret;
	if (bpffs_check(&err) || policy_unload(&err)) {
		cli_error("%s", err.msg);
		return EXIT_FAILED;
	}
	if (arg_json) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "unloaded", json_object_new_boolean(1));
		cli_json_print(o);
	} else {
		printf("unloaded: all nojit programs detached, pins removed\n");
	}
	return EXIT_OK;
}
