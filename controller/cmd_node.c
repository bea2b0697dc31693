// SPDX-License-Identifier: GPL-2.0
/* nojit node install: put the OCI hook and the policy onto the host. */
#include <getopt.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "cmd.h"
#include "node_install.h"

#define DEFAULT_BIN_DIR "/opt/nojit/bin"
#define DEFAULT_HOOKS_DIR "/etc/containers/oci/hooks.d"
#define MAX_CONFIG 16

static const char node_usage[] =
	"Usage: nojit node { install | help }\n"
	"\n"
	"  install   put this nojit binary, the OCI hook and the policy onto the host\n";

static const char install_usage[] =
	"Usage: nojit node install --hook FILE [--root DIR] [--bin-dir DIR]\n"
	"                          [--hooks-dir DIR] [--config SRC=DST]... [--mkdir DIR]...\n"
	"\n"
	"Install what container runtimes on this node need to enroll containers\n"
	"as they are created (the Kubernetes agent's init container runs this,\n"
	"with the host's / mounted at --root). In this order, so a runtime never\n"
	"finds a hook whose binary or policy is missing:\n"
	"  1. each --config SRC=DST: the files of directory SRC (a ConfigMap\n"
	"     mount: symlinks followed, dot entries skipped) published as ROOT/DST,\n"
	"     a symlink to a versioned copy swapped by one rename;\n"
	"  2. this binary (/proc/self/exe) as ROOT/BIN_DIR/nojit (mode 0755);\n"
	"  3. the hooks.d JSON FILE as ROOT/HOOKS_DIR/<its name> (mode 0644).\n"
	"Each --mkdir DIR is created first as ROOT/DIR (mode 0700) if missing: a\n"
	"mount point the agent container needs below a read-only host directory.\n"
	"Every file is replaced by rename: a runtime running the hook meanwhile\n"
	"sees the old file or the new one. Says what changed; a second run with\n"
	"the same input changes nothing.\n"
	"\n"
	"      --hook FILE        hooks.d JSON to install (containers/common format)\n"
	"      --root DIR         the host's root as mounted here (default /)\n"
	"      --bin-dir DIR      where the hook binary goes (default " DEFAULT_BIN_DIR ")\n"
	"      --hooks-dir DIR    hooks.d directory (default " DEFAULT_HOOKS_DIR ")\n"
	"      --config SRC=DST   publish directory SRC as DST (repeatable, at most 16)\n"
	"      --mkdir DIR        create ROOT/DIR, mode 0700, if missing (repeatable)\n"
	"  -h, --help             show this help\n";

static int join(char *out, size_t size, const char *root, const char *path)
{
	if (path[0] != '/')
		return -EINVAL;
	if (!strcmp(root, "/"))
		root = "";
	if ((size_t)snprintf(out, size, "%s%s", root, path) >= size)
		return -ENAMETOOLONG;
	return 0;
}

static void report(struct json_object *arr, const char *what, const char *path, bool changed)
{
	if (arr) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "what", json_object_new_string(what));
		json_object_object_add(o, "path", json_object_new_string(path));
		json_object_object_add(o, "changed", json_object_new_boolean(changed));
		json_object_array_add(arr, o);
		return;
	}
	printf("%-9s %-8s %s\n", changed ? "installed" : "unchanged", what, path);
}

static int do_install(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "hook", required_argument, NULL, 'H' },
		{ "root", required_argument, NULL, 'r' },
		{ "bin-dir", required_argument, NULL, 'b' },
		{ "hooks-dir", required_argument, NULL, 'd' },
		{ "config", required_argument, NULL, 'c' },
		{ "mkdir", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	const char *root = "/", *bin_dir = DEFAULT_BIN_DIR, *hooks_dir = DEFAULT_HOOKS_DIR;
	const char *hook = NULL, *cfg[MAX_CONFIG], *mk[MAX_CONFIG];
	struct json_object *arr = NULL;
	char dst[PATH_MAX], src[PATH_MAX];
	struct nojit_err err;
	size_t n_cfg = 0, n_mk = 0;
	bool changed;
	int c, rc = EXIT_FAILED;

	optind = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'H': hook = optarg; break;
		case 'r': root = optarg; break;
		case 'b': bin_dir = optarg; break;
		case 'd': hooks_dir = optarg; break;
		case 'c':
			if (n_cfg == MAX_CONFIG)
				return cli_usage_error(install_usage, "more than %d --config", MAX_CONFIG);
			if (!strchr(optarg, '=') || optarg[0] == '=' ||
			    strchr(optarg, '=')[1] != '/')
				return cli_usage_error(install_usage,
						       "--config wants SRC=DST with DST absolute: '%s'",
						       optarg);
			cfg[n_cfg++] = optarg;
			break;
		case 'm':
			if (n_mk == MAX_CONFIG)
				return cli_usage_error(install_usage, "more than %d --mkdir", MAX_CONFIG);
			if (optarg[0] != '/')
				return cli_usage_error(install_usage, "--mkdir wants an absolute name: '%s'",
						       optarg);
			mk[n_mk++] = optarg;
			break;
		case 'h':
			printf("%s", install_usage);
			return EXIT_OK;
		default:
			fprintf(stderr, "%s", install_usage);
			return EXIT_USAGE;
		}
	}
	if (optind < argc)
		return cli_usage_error(install_usage, "unexpected argument '%s'", argv[optind]);
	if (!hook)
		return cli_usage_error(install_usage, "--hook FILE is required");
	if (bin_dir[0] != '/' || hooks_dir[0] != '/')
		return cli_usage_error(install_usage, "--bin-dir and --hooks-dir must be absolute");
	if (arg_json)
		arr = json_object_new_array();

	for (size_t i = 0; i < n_mk; i++) {
		struct stat st;

		if (join(dst, sizeof(dst), root, mk[i])) {
			cli_error("node install: %s%s: name too long", root, mk[i]);
			goto out;
		}
		changed = stat(dst, &st) != 0;
		if (changed && node_install_mkdir(dst, 0700, &err)) {
			cli_error("node install: %s", err.msg);
			goto out;
		}
		report(arr, "dir", dst, changed);
	}

	for (size_t i = 0; i < n_cfg; i++) {
		const char *eq = strchr(cfg[i], '=');

		snprintf(src, sizeof(src), "%.*s", (int)(eq - cfg[i]), cfg[i]);
		if (join(dst, sizeof(dst), root, eq + 1)) {
			cli_error("node install: %s%s: name too long", root, eq + 1);
			goto out;
		}
		if (node_install_dir(src, dst, &changed, &err)) {
			cli_error("node install: %s", err.msg);
			goto out;
		}
		report(arr, "config", dst, changed);
	}

	snprintf(src, sizeof(src), "%s/nojit", bin_dir);
	if (join(dst, sizeof(dst), root, src)) {
		cli_error("node install: %s%s: name too long", root, src);
		goto out;
	}
	if (node_install_file("/proc/self/exe", dst, 0755, &changed, &err)) {
		cli_error("node install: %s", err.msg);
		goto out;
	}
	report(arr, "binary", dst, changed);

	const char *hook_name = strrchr(hook, '/') ? strrchr(hook, '/') + 1 : hook;

	snprintf(src, sizeof(src), "%s/%s", hooks_dir, hook_name);
	if (join(dst, sizeof(dst), root, src)) {
		cli_error("node install: %s%s: name too long", root, src);
		goto out;
	}
	if (node_install_file(hook, dst, 0644, &changed, &err)) {
		cli_error("node install: %s", err.msg);
		goto out;
	}
	report(arr, "hook", dst, changed);
	rc = EXIT_OK;
out:
	if (arr && rc == EXIT_OK)
		cli_json_print(arr);
	else if (arr)
		json_object_put(arr);
	return rc;
}

int do_node(int argc, char **argv)
{
	static const struct cli_cmd cmds[] = {
		{ "install", do_install, "install the OCI hook, its binary and the policy on the host" },
		{ "help", NULL, "show this help" },
		{}
	};

	return cli_object(cmds, "node", node_usage, argc, argv);
}
