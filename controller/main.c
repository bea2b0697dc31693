// SPDX-License-Identifier: GPL-2.0
/* nojit: the controller. `nojit [OPTIONS] COMMAND [ARGS]`, bpftool-style. */
#include <getopt.h>
#include <string.h>

#include "cli.h"
#include "cmd.h"


static int do_help(int argc, char **argv);

static const struct cli_cmd commands[] = {
	{ "enforce", do_enforce, "enroll a cgroup: no executable memory inside" },
	{ "apply", do_apply, "make the enrollments what the policy files in policy.d say" },
	{ "rollback", do_rollback, "show or reset the persistent manifest rollback state" },
	{ "release", do_release, "stop governing a cgroup" },
	{ "thaw", do_thaw, "thaw a cgroup frozen by --on-violation freeze" },
	{ "daemon", do_daemon, "drain violations into the signed, hash-chained audit log" },
	{ "status", do_status, "BPF LSM usability, programs, enrolled cgroups, counters" },
	{ "scan", do_scan, "check running tasks' executable memory against the files behind it" },
	{ "oci-hook", do_oci_hook, "OCI createRuntime hook: enroll a container's cgroup as policy.d selects" },
	{ "unload", do_unload, "detach all programs and remove the pins" },
	{ "keygen", do_keygen, "generate an Ed25519 key pair for signing manifests" },
	{ "manifest", do_manifest, "build, sign and verify manifests of allowed file hashes" },
	{ "audit", do_audit, "verify the signed, hash-chained audit log" },
	{ "run", do_run, "run a command confined by every layer available (BPF LSM, seccomp, MDWE, Landlock)" },
	{ "node", do_node, "install the OCI hook and the policy onto the host (Kubernetes agent)" },
	{ "attest", do_attest, "signed, fresh statements of what this node enforces, and their check" },
	{ "vk", do_vk, "build, verify and run signed WASM megabinaries (the vkernel)" },
	{ "help", do_help, "show this help" },
	{}
};

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: nojit [OPTIONS] COMMAND [ARGS...]\n"
		"\n"
		"Stop runtime code generation in enrolled cgroups (BPF LSM).\n"
		"\n"
		"Commands:\n");
	for (const struct cli_cmd *c = commands; c->name; c++)
		fprintf(out, "  %-10s %s\n", c->name, c->summary);
	fprintf(out,
		"\n"
		"Options:\n"
		"  -j, --json      machine-readable output: one JSON document on stdout\n"
		"  -p, --pretty    indented JSON (implies --json)\n"
		"  -h, --help      show this help; 'nojit COMMAND --help' for a command\n"
		"  -V, --version   show the version\n"
		"\n"
		"Exit status: 0 success, 1 refused or failed, 2 usage error.\n");
}

static int do_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	usage(stdout);
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "pretty", no_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{}
	};
	int c;

	/* '+': stop at the command, its options are its own. */
	while ((c = getopt_long(argc, argv, "+jphV", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			arg_pretty = true;
			/* fall through */
		case 'j':
			arg_json = true;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		case 'V':
			printf("nojit %s\n", NOJIT_VERSION);
			return EXIT_OK;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	return cli_dispatch(commands, NULL, argc - optind, argv + optind);
}
