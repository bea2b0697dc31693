// SPDX-License-Identifier: GPL-2.0
/* nojit rollback: the persistent rollback state (rollback.h). */
#include <getopt.h>
#include <string.h>

#include "cli.h"
#include "cmd.h"
#include "manifest.h"
#include "rollback.h"

static const char rollback_usage[] =
	"Usage: nojit rollback { show | reset (--manifest NAME | --all) --reason TEXT | help }\n"
	"\n"
	"The highest serial accepted per manifest name on this node, kept in\n"
	"$NOJIT_STATE_DIR (default " NOJIT_DEFAULT_STATE_DIR ") across reboots, agent\n"
	"restarts and 'nojit unload', signed with a node key beside it. A state that\n"
	"was changed or removed stops every manifest load until it is reset here.\n"
	"\n"
	"  show                         the serials and every reset ever made\n"
	"  reset --manifest NAME        forget NAME's serial: an older manifest may\n"
	"                               load again (a deliberate downgrade)\n"
	"  reset --all                  forget every serial; also rebuilds a state that\n"
	"                               was tampered with\n"
	"        --reason TEXT          why (required): kept in the state, and logged by\n"
	"                               nojit daemon into the audit log\n";

static int do_show(int argc, char **argv)
{
	struct rollback_state s;
	struct nojit_err err;
	char when[32], hex[65];
	int r;

	(void)argv;
	if (argc > 1)
		return cli_usage_error(rollback_usage, "show takes no arguments");
	r = rollback_read(&s, &err);
	if (r) {
		cli_error("%s", err.msg);
		return EXIT_FAILED;
	}
	if (arg_json) {
		struct json_object *o = json_object_new_object(), *m = json_object_new_array(),
				   *rs = json_object_new_array();

		json_object_object_add(o, "state_dir", json_object_new_string(rollback_state_dir()));
		json_object_object_add(o, "exists", json_object_new_boolean(s.exists));
		json_object_object_add(o, "generation", json_object_new_uint64(s.generation));
		if (s.exists) {
			hex_encode(s.digest, 32, hex);
			json_object_object_add(o, "digest", json_object_new_string(hex));
			json_object_object_add(o, "key_id", json_object_new_string(s.key_id));
		}
		for (size_t i = 0; i < s.n; i++) {
			struct json_object *e = json_object_new_object();

			hex_encode(s.entries[i].sha256, 32, hex);
			json_object_object_add(e, "name", json_object_new_string(s.entries[i].name));
			json_object_object_add(e, "serial", json_object_new_uint64(s.entries[i].serial));
			json_object_object_add(e, "sha256", json_object_new_string(hex));
			json_object_object_add(e, "accepted", json_object_new_int64(s.entries[i].accepted));
			json_object_array_add(m, e);
		}
		for (size_t i = 0; i < s.n_resets; i++) {
			struct json_object *e = json_object_new_object();

			json_object_object_add(e, "manifest", json_object_new_string(s.resets[i].name));
			json_object_object_add(e, "old_serial", json_object_new_uint64(s.resets[i].old_serial));
			json_object_object_add(e, "when", json_object_new_int64(s.resets[i].when));
			json_object_object_add(e, "uid", json_object_new_uint64(s.resets[i].uid));
			json_object_object_add(e, "reason", json_object_new_string(s.resets[i].reason));
			json_object_array_add(rs, e);
		}
		json_object_object_add(o, "manifests", m);
		json_object_object_add(o, "resets", rs);
		cli_json_print(o);
	} else if (!s.exists) {
		printf("no rollback state in %s yet: no manifest was accepted on this node\n",
		       rollback_state_dir());
	} else {
		printf("rollback state %s: generation %llu, signed by node key %s\n", rollback_state_dir(),
		       (unsigned long long)s.generation, s.key_id);
		for (size_t i = 0; i < s.n; i++) {
			manifest_time_format(s.entries[i].accepted, when);
			printf("  manifest \"%s\": serial %llu (accepted %s)\n", s.entries[i].name,
			       (unsigned long long)s.entries[i].serial, when);
		}
		for (size_t i = 0; i < s.n_resets; i++) {
			manifest_time_format(s.resets[i].when, when);
			printf("  reset of \"%s\" (was serial %llu) at %s by uid %u: %s\n", s.resets[i].name,
			       (unsigned long long)s.resets[i].old_serial, when, s.resets[i].uid,
			       s.resets[i].reason);
		}
	}
	rollback_state_free(&s);
	return EXIT_OK;
}

static int do_reset(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "manifest", required_argument, NULL, 'm' },
		{ "all", no_argument, NULL, 'a' },
		{ "reason", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	const char *name = NULL, *reason = NULL;
	struct nojit_err err;
	bool all = false;
	int c, r;

	optind = 1;
	while ((c = getopt_long(argc, argv, "m:r:h", opts, NULL)) != -1) {
		switch (c) {
		case 'm': name = optarg; break;
		case 'a': all = true; break;
		case 'r': reason = optarg; break;
		case 'h':
			printf("%s", rollback_usage);
			return EXIT_OK;
		default:
			fprintf(stderr, "%s", rollback_usage);
			return EXIT_USAGE;
		}
	}
	if (optind < argc)
		return cli_usage_error(rollback_usage, "unexpected argument '%s'", argv[optind]);
	if (!!name == all)
		return cli_usage_error(rollback_usage, "reset needs exactly one of --manifest NAME and --all");
	if (!reason || !*reason)
		return cli_usage_error(rollback_usage, "reset needs --reason TEXT: it is recorded");
	r = cli_require_root();
	if (r)
		return r;
	r = rollback_reset(name, reason, &err);
	if (r) {
		cli_error("rollback reset: %s", err.msg);
		return EXIT_FAILED;
	}
	if (arg_json) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "reset", json_object_new_string(name ? name : "*"));
		json_object_object_add(o, "reason", json_object_new_string(reason));
		cli_json_print(o);
	} else {
		printf("rollback state reset for %s; recorded with the reason\n",
		       name ? name : "every manifest");
	}
	return EXIT_OK;
}

int do_rollback(int argc, char **argv)
{
	static const struct cli_cmd cmds[] = {
		{ "show", do_show, "the serials and the resets" },
		{ "reset", do_reset, "forget serials, recorded" },
		{ "help", NULL, "show this help" },
		{}
	};

	return cli_object(cmds, "rollback", rollback_usage, argc, argv);
}
