// SPDX-License-Identifier: GPL-2.0
/* nojit enforce / nojit release: enroll and release cgroups. */
#include <getopt.h>
#include <string.h>

#include "cli.h"
#include "cmd.h"
#include "cgroup.h"
#include "enroll.h"

static const char enforce_usage[] =
	"Usage: nojit enforce --cgroup DIR\n"
	"\n"
	"Load the kernel policy (or reuse the pinned one under " NOJIT_PIN_DIR ")\n"
	"and enroll the cgroup2 directory DIR: no task in DIR or below it may\n"
	"create executable memory. Idempotent; enforcement outlives this process.\n"
	"\n"
	"  -c, --cgroup DIR   cgroup2 directory to enroll\n"
	"  -h, --help         show this help\n";

static const char release_usage[] =
	"Usage: nojit release --cgroup DIR\n"
	"\n"
	"Stop governing DIR's subtree. Its cgroups fall back to the nearest\n"
	"enrolled ancestor, if any.\n"
	"\n"
	"  -c, --cgroup DIR   enrolled cgroup2 directory\n"
	"  -h, --help         show this help\n";

static const struct option cgroup_opts[] = {
	{ "cgroup", required_argument, NULL, 'c' },
	{ "help", no_argument, NULL, 'h' },
	{}
};

/* Parse "--cgroup DIR"; returns -1 after --help, EXIT_USAGE on errors. */
static int parse_cgroup_arg(int argc, char **argv, const char *usage, const char **ret_dir)
{
	const char *dir = NULL;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "c:h", cgroup_opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			dir = optarg;
			break;
		case 'h':
			printf("%s", usage);
			return -1;
		default:
			fprintf(stderr, "%s", usage);
			return EXIT_USAGE;
		}
	}
	if (optind < argc)
		return cli_usage_error(usage, "unexpected argument '%s'", argv[optind]);
	if (!dir)
		return cli_usage_error(usage, "--cgroup DIR is required");
	*ret_dir = dir;
	return 0;
}

static void report_cgroup(const char *verb, const char *dir, __u64 id, bool flag,
			  const char *flag_name)
{
	if (arg_json) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "cgroup", json_object_new_string(dir));
		json_object_object_add(o, "id", json_object_new_uint64(id));
		json_object_object_add(o, flag_name, json_object_new_boolean(flag));
		cli_json_print(o);
		return;
	}
	printf("%s %s (cgroup id %llu)%s\n", verb, dir, (unsigned long long)id,
	       flag ? " (already enrolled)" : "");
}

int do_enforce(int argc, char **argv)
{
	struct nojit_maps maps = NOJIT_MAPS_INIT;
	_cleanup_close_ int fd = -1;
	struct nojit_err err;
	const char *dir;
	bool already;
	unsigned int removed;
	__u64 id;
	int ret;

	ret = parse_cgroup_arg(argc, argv, enforce_usage, &dir);
	if (ret)
		return ret < 0 ? EXIT_OK : ret;
	ret = cli_require_root();
	if (ret)
		return ret;
	/* Check the target before touching the kernel. */
	if (cgroup_open(dir, &fd, &id, &err)) {
		cli_error("%s", err.msg);
		return EXIT_FAILED;
	}
	if (policy_load(&maps, &err) || enroll_cgroup(&maps, dir, &already, &err)) {
		cli_error("%s", err.msg);
		nojit_maps_close(&maps);
		return EXIT_FAILED;
	}
	/* Housekeeping: entries of cgroups removed since the last run. */
	enroll_gc(&maps, &removed);
	nojit_maps_close(&maps);
	report_cgroup("enrolled", dir, id, already, "already_enrolled");
	return EXIT_OK;
}

int do_release(int argc, char **argv)
{
	struct nojit_maps maps = NOJIT_MAPS_INIT;
	_cleanup_close_ int fd = -1;
	struct nojit_err err;
	const char *dir;
	__u64 id;
	int ret;

	ret = parse_cgroup_arg(argc, argv, release_usage, &dir);
	if (ret)
		return ret < 0 ? EXIT_OK : ret;
	ret = cli_require_root();
	if (ret)
		return ret;
	if (cgroup_open(dir, &fd, &id, &err) || bpffs_check(&err) ||
	    policy_open_pinned(&maps, &err) || release_cgroup(&maps, dir, &err)) {
		cli_error("%s", err.msg);
		nojit_maps_close(&maps);
		return EXIT_FAILED;
	}
	nojit_maps_close(&maps);
	report_cgroup("released", dir, id, false, "released");
	return EXIT_OK;
}
