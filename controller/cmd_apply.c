// SPDX-License-Identifier: GPL-2.0
/* nojit apply: make the kernel state what a policy directory says. */
#include <getopt.h>
#include <string.h>

#include "cli.h"
#include "cmd.h"
#include "policy_apply.h"

static const char apply_usage[] =
	"Usage: nojit apply [--dry-run] [DIR]\n"
	"\n"
	"Make the kernel's enrollments exactly what the policy files in DIR\n"
	"(default " NOJIT_DEFAULT_POLICY_DIR ") say: enroll the cgroups their\n"
	"selectors name, swap manifests atomically where a file or manifest\n"
	"changed, release what a policy no longer selects. Every file is checked\n"
	"first (JSON, fields, regular expressions, manifest signatures, expiry and\n"
	"rollback): one problem and nothing changes. Enrollments made by 'nojit\n"
	"enforce' are left alone unless a policy selects them. Format:\n"
	"docs/policy.md.\n"
	"\n"
	"  -n, --dry-run   print what would change, change nothing\n"
	"  -h, --help      show this help\n";

static const char *const kind_names[] = {
	[APPLY_ENROLL] = "enroll", [APPLY_UPDATE] = "update", [APPLY_RELEASE] = "release",
};
static const char kind_marks[] = { [APPLY_ENROLL] = '+', [APPLY_UPDATE] = '~', [APPLY_RELEASE] = '-' };

static void report_json(const char *dir, const struct apply_result *res, bool dry_run,
			const struct policy_problems *pr, const char *error)
{
	struct json_object *o = json_object_new_object(), *arr = json_object_new_array();
	char hex[65];

	json_object_object_add(o, "dir", json_object_new_string(dir));
	if (error)
		json_object_object_add(o, "error", json_object_new_string(error));
	if (pr && pr->n) {
		struct json_object *pa = json_object_new_array();

		for (size_t i = 0; i < pr->n; i++)
			json_object_array_add(pa, json_object_new_string(pr->msgs[i]));
		json_object_object_add(o, "problems", pa);
	}
	if (!pr || !pr->n) {
		hex_encode(res->digest, 32, hex);
		json_object_object_add(o, "digest", json_object_new_string(hex));
		json_object_object_add(o, "policies", json_object_new_uint64(res->n_policies));
	}
	json_object_object_add(o, "dry_run", json_object_new_boolean(dry_run));
	for (size_t i = 0; i < res->plan.n; i++) {
		const struct apply_change *c = &res->plan.changes[i];
		struct json_object *co = json_object_new_object();

		json_object_object_add(co, "action", json_object_new_string(kind_names[c->kind]));
		json_object_object_add(co, "cgroup", json_object_new_string(c->cgroup));
		json_object_object_add(co, "id", json_object_new_uint64(c->id));
		json_object_object_add(co, "policy", json_object_new_string(c->policy));
		json_object_object_add(co, "detail", json_object_new_string(c->detail));
		json_object_object_add(co, "done", json_object_new_boolean(i < res->done));
		json_object_array_add(arr, co);
	}
	json_object_object_add(o, "changes", arr);
	json_object_object_add(o, "unchanged", json_object_new_uint64(res->plan.unchanged));
	json_object_object_add(o, "unmanaged", json_object_new_uint64(res->plan.unmanaged));
	cli_json_print(o);
}

static void report_text(const char *dir, const struct apply_result *res, bool dry_run)
{
	char hex[65];

	hex_encode(res->digest, 32, hex);
	printf("policy %s: %zu polic%s, digest %s\n", dir, res->n_policies,
	       res->n_policies == 1 ? "y" : "ies", hex);
	for (size_t i = 0; i < res->plan.n; i++) {
		const struct apply_change *c = &res->plan.changes[i];

		printf("%c %-8s %s (cgroup id %llu): %s\n", kind_marks[c->kind], kind_names[c->kind],
		       c->cgroup, (unsigned long long)c->id, c->detail);
	}
	if (!res->plan.n)
		printf("no changes: the kernel already matches %s (%zu enrollment%s)\n", dir,
		       res->plan.unchanged, res->plan.unchanged == 1 ? "" : "s");
	else
		printf("%s %zu change%s; %zu unchanged\n", dry_run ? "would make" : "made", res->plan.n,
		       res->plan.n == 1 ? "" : "s", res->plan.unchanged);
	if (res->plan.unmanaged)
		printf("%zu enrollment%s made by 'nojit enforce' left alone\n", res->plan.unmanaged,
		       res->plan.unmanaged == 1 ? "" : "s");
}

int do_apply(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct policy_problems pr = {};
	struct apply_result res;
	const char *dir = NOJIT_DEFAULT_POLICY_DIR;
	struct nojit_err err;
	bool dry_run = false;
	int c, r;

	optind = 1;
	while ((c = getopt_long(argc, argv, "nh", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			dry_run = true;
			break;
		case 'h':
			printf("%s", apply_usage);
			return EXIT_OK;
		default:
			fprintf(stderr, "%s", apply_usage);
			return EXIT_USAGE;
		}
	}
	if (optind < argc)
		dir = argv[optind++];
	if (optind < argc)
		return cli_usage_error(apply_usage, "unexpected argument '%s'", argv[optind]);
	r = cli_require_root();
	if (r)
		return r;
	r = policy_apply_dir(dir, dry_run, &res, &pr, &err);
	if (r == -EINVAL && pr.n) {
		if (arg_json) {
			report_json(dir, &res, dry_run, &pr, "the policy directory has problems: nothing changed");
		} else {
			for (size_t i = 0; i < pr.n; i++)
				cli_error("apply: %s", pr.msgs[i]);
			cli_error("apply: %zu problem%s in %s: nothing changed", pr.n, pr.n == 1 ? "" : "s", dir);
		}
		policy_problems_free(&pr);
		apply_result_free(&res);
		return EXIT_FAILED;
	}
	if (arg_json)
		report_json(dir, &res, dry_run, NULL, r ? err.msg : NULL);
	else if (!r || res.plan.n)
		report_text(dir, &res, dry_run);
	if (r && !arg_json) {
		cli_error("apply: %s", err.msg);
		if (res.done)
			cli_error("apply: %zu of %zu changes were made before it failed", res.done,
				  res.plan.n);
	}
	apply_result_free(&res);
	return r ? EXIT_FAILED : EXIT_OK;
}
