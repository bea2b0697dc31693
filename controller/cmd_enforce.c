// SPDX-License-Identifier: GPL-2.0
/* nojit enforce / release / thaw: enroll, release and thaw cgroups. */
#include <getopt.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "cmd.h"
#include "cgroup.h"
#include "enforce_cgroup.h"
#include "enroll.h"
#include "hash_attach.h"
#include "lsm_probe.h"
#include "manifest.h"
#include "manifest_exception.h"
#include "policy_set.h"
#include "responses.h"

static const char enforce_usage[] =
	"Usage: nojit enforce --cgroup DIR [--manifest FILE [--trust PUB|DIR]\n"
	"                     [--approvers PUB|DIR] [--hash-source ima|controller]]\n"
	"                     [--mode enforce|audit]\n"
	"                     [--on-violation deny|kill|kill-cgroup|freeze]\n"
	"\n"
	"Load the kernel policy (or reuse the pinned one under " NOJIT_PIN_DIR ")\n"
	"and enroll the cgroup2 directory DIR: no task in DIR or below it may\n"
	"create executable memory. With a manifest, they may also exec or map\n"
	"executable only files whose SHA-256 the signed manifest lists.\n"
	"Idempotent; enforcement outlives this process.\n"
	"\n"
	"  -c, --cgroup DIR        cgroup2 directory to enroll\n"
	"  -m, --manifest FILE     signed manifest (FILE.sig beside it) to put in force;\n"
	"                          a lower serial than the one in force is refused\n"
	"  -t, --trust PUB|DIR     trusted public key, or a directory of *.pub\n"
	"                          (default " NOJIT_DEFAULT_TRUST ")\n"
	"      --approvers PUB|DIR approver keys of the manifest's JIT exceptions\n"
	"                          (default " NOJIT_DEFAULT_APPROVERS ", docs/exceptions.md)\n"
	"      --hash-source SRC   ima: the kernel hashes files on first use (default);\n"
	"                          controller: for kernels without IMA, see docs/manifest.md\n"
	"      --mode MODE         enforce: refuse violations (default, or the manifest's\n"
	"                          mode); audit: only report what would be refused\n"
	"      --on-violation R    deny (default); kill: SIGKILL the offender in the\n"
	"                          kernel; kill-cgroup: kill the whole cgroup; freeze:\n"
	"                          freeze the cgroup (nojit thaw); the last two are\n"
	"                          carried out by nojit daemon\n"
	"  -h, --help              show this help\n";

static const char thaw_usage[] =
	"Usage: nojit thaw --cgroup DIR\n"
	"\n"
	"Thaw a cgroup that --on-violation freeze quarantined (cgroup.freeze = 0).\n"
	"\n"
	"  -c, --cgroup DIR   cgroup2 directory\n"
	"  -h, --help         show this help\n";

static const char release_usage[] =
	"Usage: nojit release --cgroup DIR\n"
	"\n"
	"Stop governing DIR's subtree. Its cgroups fall back to the nearest\n"
	"enrolled ancestor, if any. DIR's manifest is dropped.\n"
	"\n"
	"  -c, --cgroup DIR   enrolled cgroup2 directory\n"
	"  -h, --help         show this help\n";


/* Parse the options; returns -1 after --help, EXIT_USAGE on errors. */
static int parse_args(int argc, char **argv, const char *usage, bool with_manifest,
		      struct enforce_args *a)
{
	static const struct option opts[] = {
		{ "cgroup", required_argument, NULL, 'c' },
		{ "manifest", required_argument, NULL, 'm' },
		{ "trust", required_argument, NULL, 't' },
		{ "approvers", required_argument, NULL, 'A' },
		{ "hash-source", required_argument, NULL, 'H' },
		{ "mode", required_argument, NULL, 'M' },
		{ "on-violation", required_argument, NULL, 'O' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	int c;

	*a = (struct enforce_args){ .trust = NOJIT_DEFAULT_TRUST, .approvers = NOJIT_DEFAULT_APPROVERS,
				    .hash_source = NOJIT_HASH_SOURCE_IMA, .verbose = !arg_json };
	optind = 1;
	while ((c = getopt_long(argc, argv, with_manifest ? "c:m:t:h" : "c:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			a->cgroup = optarg;
			break;
		case 'm':
		case 't':
		case 'A':
		case 'H':
			if (!with_manifest)
				return cli_usage_error(usage, "unexpected option");
			if (c == 'm')
				a->manifest = optarg;
			else if (c == 't')
				a->trust = optarg;
			else if (c == 'A')
				a->approvers = optarg;
			else if (!strcmp(optarg, "ima"))
				a->hash_source = NOJIT_HASH_SOURCE_IMA;
			else if (!strcmp(optarg, "controller"))
				a->hash_source = NOJIT_HASH_SOURCE_CONTROLLER;
			else
				return cli_usage_error(usage, "--hash-source: '%s' is neither ima nor controller",
						       optarg);
			break;
		case 'M':
			if (!with_manifest)
				return cli_usage_error(usage, "unexpected option");
			a->mode = manifest_mode_from_name(optarg);
			if (!a->mode)
				return cli_usage_error(usage, "--mode: '%s' is neither enforce nor audit",
						       optarg);
			break;
		case 'O':
			if (!with_manifest)
				return cli_usage_error(usage, "unexpected option");
			a->on_violation = on_violation_from_name(optarg);
			if (!a->on_violation)
				return cli_usage_error(usage,
						       "--on-violation: '%s' is not one of deny, kill, kill-cgroup, freeze",
						       optarg);
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
	if (!a->cgroup)
		return cli_usage_error(usage, "--cgroup DIR is required");
	return 0;
}

/*
 * What every cgroup command starts with: its options, root, and DIR
 * checked as a cgroup2 directory before anything else happens. Returns
 * -1 to go on, or the exit status to return.
 */
static int cgroup_cmd_begin(int argc, char **argv, const char *usage, bool with_manifest,
			    struct enforce_args *a, int *ret_fd, __u64 *ret_id)
{
	struct nojit_err err;
	int ret;

	ret = parse_args(argc, argv, usage, with_manifest, a);
	if (ret)
		return ret < 0 ? EXIT_OK : ret;
	ret = cli_require_root();
	if (ret)
		return ret;
	if (cgroup_open(a->cgroup, ret_fd, ret_id, &err)) {
		cli_error("%s", err.msg);
		return EXIT_FAILED;
	}
	return -1;
}

/* "released DIR (cgroup id N)", or {"cgroup":..,"id":..,KEY:true}. */
static void report_done(const char *verb, const char *key, const char *dir, __u64 id)
{
	if (arg_json) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "cgroup", json_object_new_string(dir));
		json_object_object_add(o, "id", json_object_new_uint64(id));
		json_object_object_add(o, key, json_object_new_boolean(1));
		cli_json_print(o);
	} else {
		printf("%s %s (cgroup id %llu)\n", verb, dir, (unsigned long long)id);
	}
}

static void report(const char *verb, const char *dir, __u64 id, bool already,
		   const struct nojit_manifest *man)
{
	char expires[32];

	if (man)
		manifest_time_format(man->expires, expires);
	if (arg_json) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "cgroup", json_object_new_string(dir));
		json_object_object_add(o, "id", json_object_new_uint64(id));
		json_object_object_add(o, "already_enrolled", json_object_new_boolean(already));
		if (man) {
			struct json_object *mo = json_object_new_object();

			json_object_object_add(mo, "name", json_object_new_string(man->name));
			json_object_object_add(mo, "serial", json_object_new_uint64(man->serial));
			json_object_object_add(mo, "entries", json_object_new_uint64(man->n_entries));
			json_object_object_add(mo, "key_id", json_object_new_string(man->key_id));
			json_object_object_add(mo, "expires", json_object_new_string(expires));
			json_object_object_add(o, "manifest", mo);
		}
		cli_json_print(o);
		return;
	}
	printf("%s %s (cgroup id %llu)%s\n", verb, dir, (unsigned long long)id,
	       already ? " (already enrolled)" : "");
	if (man)
		printf("manifest \"%s\" serial %llu in force: %zu entries, signed by key %s, expires %s\n",
		       man->name, (unsigned long long)man->serial, man->n_entries, man->key_id,
		       expires);
}

int do_enforce(int argc, char **argv)
{
	struct nojit_manifest *man = NULL;
	_cleanup_close_ int fd = -1;
	struct enforce_args a;
	struct nojit_err err;
	bool already = false;
	__u64 id;
	int ret;

	/* Check every input before touching the kernel. */
	ret = cgroup_cmd_begin(argc, argv, enforce_usage, true, &a, &fd, &id);
	if (ret >= 0)
		return ret;
	if (a.manifest && manifest_load_verified(a.manifest, a.trust, time(NULL), &man, &err)) {
		cli_error("manifest %s: %s", a.manifest, err.msg);
		return EXIT_FAILED;
	}
	if (man && manifest_exceptions_verify(man, a.approvers, time(NULL), &err)) {
		cli_error("manifest %s: %s", a.manifest, err.msg);
		manifest_free(man);
		return EXIT_FAILED;
	}
	/* Without IMA every digest lookup would fail and every exec be refused. */
	if (man && a.hash_source == NOJIT_HASH_SOURCE_IMA && !lsm_list_has(bpf_lsm_list(), "ima")) {
		cli_error("IMA is not active in this kernel (%s: \"%s\"), so it cannot hash files: use --hash-source controller (docs/manifest.md)",
			  LSM_LIST_PATH, bpf_lsm_list());
		manifest_free(man);
		return EXIT_FAILED;
	}
	ret = enforce_cgroup(&a, fd, id, man, &already, &err);
	if (ret) {
		if (man)
			cli_error("manifest %s: %s", a.manifest, err.msg);
		else
			cli_error("%s", err.msg);
	} else {
		report("enrolled", a.cgroup, id, already, man);
	}
	manifest_free(man);
	return ret ? EXIT_FAILED : EXIT_OK;
}

int do_release(int argc, char **argv)
{
	struct nojit_maps maps = NOJIT_MAPS_INIT;
	_cleanup_close_ int fd = -1;
	struct enforce_args a;
	struct nojit_err err;
	__u64 id;
	int ret;

	ret = cgroup_cmd_begin(argc, argv, release_usage, false, &a, &fd, &id);
	if (ret >= 0)
		return ret;
	if (bpffs_check(&err) || policy_open_pinned(&maps, &err) ||
	    release_cgroup(&maps, a.cgroup, &err)) {
		cli_error("%s", err.msg);
		nojit_maps_close(&maps);
		return EXIT_FAILED;
	}
	nojit_maps_close(&maps);
	report_done("released", "released", a.cgroup, id);
	return EXIT_OK;
}

int do_thaw(int argc, char **argv)
{
	_cleanup_close_ int fd = -1;
	struct enforce_args a;
	__u64 id;
	int ret;

	ret = cgroup_cmd_begin(argc, argv, thaw_usage, false, &a, &fd, &id);
	if (ret >= 0)
		return ret;
	ret = cgroup_write_knob(a.cgroup, "cgroup.freeze", "0");
	if (ret) {
		cli_error("cgroup %s: writing cgroup.freeze: %s", a.cgroup, strerror(-ret));
		return EXIT_FAILED;
	}
	report_done("thawed", "thawed", a.cgroup, id);
	return EXIT_OK;
}
