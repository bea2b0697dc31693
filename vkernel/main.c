// SPDX-License-Identifier: GPL-2.0
/*
 * The megabinary's entry point:
 *
 *   APP [--dir HOST[:GUEST]]... [--env K=V]... [--audit-fd N] [--script-manifest FILE]
 *       [--] MODULE [ARGS...]
 *   APP --list
 *   APP --self-check-info
 *   APP --help
 *
 * Before any guest code runs the binary verifies its own signed trailer
 * (vk_self_check) and refuses a module the trailer does not list.
 * The guest sees argv MODULE ARGS..., only the --env variables, stdio as
 * fds 0-2 (private copies with stream rights only) and each --dir as a
 * preopen from fd 3 on.
 *
 * Audit events go to a private copy of the audit fd the guest cannot
 * reach. When that is stderr (the default) the guest's own stderr output
 * lands there too, interleaved, and may imitate event lines: a consumer
 * that must trust the events passes --audit-fd (nojit vk run --audit-log
 * does).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit.h"
#include "gate.h"
#include "guest.h"
#include "self_check.h"

#define MAX_DIRS	64
#define MAX_ENV		1024

static const char *arg_dirs[MAX_DIRS];
static unsigned int arg_n_dirs;
static char *arg_env[MAX_ENV + 1];
static unsigned int arg_n_env;
static int arg_audit_fd = 2;
static bool arg_list;
static const char *arg_manifest, *arg_manifest_sig;
static bool arg_self_check_info;

static void usage(FILE *f, const char *prog)
{
	fprintf(f,
		"Usage: %s [--dir HOST[:GUEST]]... [--env K=V]... [--audit-fd N] [--script-manifest FILE]\n"
		"          [--] MODULE [ARGS...]\n"
		"       %s --list | --self-check-info\n"
		"Run MODULE, one of the signed wasm modules compiled into this binary.\n"
		"  --dir HOST[:GUEST]  give the guest HOST's directory tree, seen as GUEST\n"
		"  --env K=V           set a variable in the guest's (otherwise empty) environment\n"
		"  --audit-fd N        write audit events (JSON lines) to fd N (default 2)\n"
		"  --script-manifest FILE\n"
		"                      also let interpreters run the scripts FILE lists (a nojit\n"
		"                      manifest; FILE.sig by a key compiled into this binary)\n"
		"  --script-manifest-sig SIGFILE\n"
		"                      FILE's signature is SIGFILE, not FILE.sig\n"
		"  --list              print the modules the signed trailer lists\n"
		"  --self-check-info   say how the self check verified this file (seal or hash)\n"
		"Exit status: the guest's, %d refused, %d usage, %d denied spawn, %d trap.\n",
		prog, prog, VK_EXIT_REFUSED, VK_EXIT_USAGE, VK_EXIT_DENIED, VK_EXIT_TRAP);
}

static __attribute__((noreturn)) void usage_error(const char *prog, const char *fmt, const char *arg)
{
	fprintf(stderr, "nojit-vk: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n");
	usage(stderr, prog);
	exit(VK_EXIT_USAGE);
}

static int parse_args(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "env", required_argument, NULL, 'e' },
		{ "audit-fd", required_argument, NULL, 'a' },
		{ "script-manifest", required_argument, NULL, 'M' },
		{ "script-manifest-sig", required_argument, NULL, 'S' },
		{ "list", no_argument, NULL, 'l' },
		{ "self-check-info", no_argument, NULL, 'i' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			if (arg_n_dirs == MAX_DIRS)
				usage_error(argv[0], "too many --dir (max %s)", "64");
			if (!optarg[0] || optarg[0] == ':')
				usage_error(argv[0], "--dir needs HOST[:GUEST], got '%s'", optarg);
			arg_dirs[arg_n_dirs++] = optarg;
			break;
		case 'e':
			if (arg_n_env == MAX_ENV)
				usage_error(argv[0], "too many --env (max %s)", "1024");
			if (!strchr(optarg, '=') || optarg[0] == '=')
				usage_error(argv[0], "--env needs K=V, got '%s'", optarg);
			arg_env[arg_n_env++] = optarg;
			break;
		case 'a': {
			char *end;
			long fd;

			errno = 0;
			fd = strtol(optarg, &end, 10);
			if (errno || *end || end == optarg || fd < 0 || fd > 1 << 20)
				usage_error(argv[0], "--audit-fd needs a file descriptor number, got '%s'",
					    optarg);
			if (fcntl((int)fd, F_GETFD) < 0)
				usage_error(argv[0], "--audit-fd %s is not an open file descriptor",
					    optarg);
			arg_audit_fd = (int)fd;
			break;
		}
		case 'M':
			if (arg_manifest)
				usage_error(argv[0], "--script-manifest given twice (%s)", optarg);
			arg_manifest = optarg;
			break;
		case 'S':
			if (arg_manifest_sig)
				usage_error(argv[0], "--script-manifest-sig given twice (%s)", optarg);
			arg_manifest_sig = optarg;
			break;
		case 'l':
			arg_list = true;
			break;
		case 'i':
			arg_self_check_info = true;
			break;
		case 'h':
			usage(stdout, argv[0]);
			exit(0);
		default:
			usage_error(argv[0], "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (arg_manifest_sig && !arg_manifest)
		usage_error(argv[0], "--script-manifest-sig %s without --script-manifest", arg_manifest_sig);
	return optind;
}

static const struct vk_module *module_by_name(const char *name)
{
	size_t i;

	for (i = 0; i < vk_n_modules; i++)
		if (!strcmp(vk_modules[i].name, name))
			return &vk_modules[i];
	return NULL;
}

static int do_list(void)
{
	char hex[65];
	size_t i;

	for (i = 0; i < vk_n_modules; i++) {
		if (!vk_module_listed(&vk_modules[i]))
			continue;
		sodium_bin2hex(hex, sizeof(hex), vk_modules[i].wasm_sha256, 32);
		printf("%s %s\n", vk_modules[i].name, hex);
	}
	return fflush(stdout) == 0 ? 0 : VK_EXIT_REFUSED;
}

/* Open the --dir preopens: 0, or exits with a message. */
static void preopen_dirs(struct vk_guest *g)
{
	unsigned int i;

	for (i = 0; i < arg_n_dirs; i++) {
		char *spec = strdup(arg_dirs[i]), *colon;
		const char *host, *guest;
		int fd, r;

		if (!spec) {
			fprintf(stderr, "nojit-vk: out of memory\n");
			exit(VK_EXIT_REFUSED);
		}
		colon = strchr(spec, ':');
		if (colon)
			*colon = '\0';
		host = spec;
		guest = colon && colon[1] ? colon + 1 : spec;
		fd = open(host, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0) {
			fprintf(stderr, "nojit-vk: --dir %s: %s\n", host, strerror(errno));
			exit(VK_EXIT_REFUSED);
		}
		r = vk_fdtable_add_preopen(g, fd, guest);
		if (r < 0) {
			fprintf(stderr, "nojit-vk: --dir %s: %s\n", host, strerror(-r));
			exit(VK_EXIT_REFUSED);
		}
		free(spec);
	}
}

int main(int argc, char **argv)
{
	const struct vk_module *m;
	struct vk_guest g;
	char err[512] = "";
	int first, r;

	/* First: the guest's stdio copies, and host fds 0-2 held open. */
	vk_guest_init(&g, NULL);
	r = vk_fdtable_init_stdio(&g);
	if (r < 0) {
		fprintf(stderr, "nojit-vk: stdio: %s\n", strerror(-r));
		return VK_EXIT_REFUSED;
	}
	first = parse_args(argc, argv);
	r = vk_audit_set_fd(arg_audit_fd);
	if (r < 0) {
		fprintf(stderr, "nojit-vk: refusing to run: audit fd %d: %s\n", arg_audit_fd,
			strerror(-r));
		return VK_EXIT_REFUSED;
	}

	if (sodium_init() < 0) {
		fprintf(stderr, "nojit-vk: refusing to run: libsodium failed to initialise\n");
		return VK_EXIT_REFUSED;
	}
	r = vk_self_check(err, sizeof(err));
	if (r < 0) {
		fprintf(stderr, "nojit-vk: refusing to run: %s\n",
			err[0] ? err : strerror(-r));
		return VK_EXIT_REFUSED;
	}
	if (arg_self_check_info) {
		vk_self_check_describe(err, sizeof(err));
		printf("%s\n", err);
		return fflush(stdout) == 0 ? 0 : VK_EXIT_REFUSED;
	}
	if (arg_manifest) {
		struct nojit_err merr = { "" };

		r = vk_gate_load_manifest(arg_manifest, arg_manifest_sig, &merr);
		if (r < 0) {
			fprintf(stderr, "nojit-vk: refusing to run: %s\n", merr.msg);
			return VK_EXIT_REFUSED;
		}
	}
	if (arg_list)
		return do_list();
	if (first >= argc)
		usage_error(argv[0], "%s", "no MODULE given");

	m = module_by_name(argv[first]);
	if (!m) {
		fprintf(stderr, "nojit-vk: no module '%s' in this binary (see --list)\n",
			argv[first]);
		return VK_EXIT_USAGE;
	}
	if (!vk_module_listed(m)) {
		fprintf(stderr, "nojit-vk: refusing to run: module '%s' is not listed in the signed trailer\n",
			m->name);
		vk_audit_emit(&(struct vk_audit_event){
			.event = "run_denied", .module = m->name,
			.reason = "not_in_trailer",
			.target = m->name, .target_len = strlen(m->name),
		});
		return VK_EXIT_REFUSED;
	}

	g.module = m;
	preopen_dirs(&g);
	vk_guest_set_args(&g, argv + first, (uint32_t)(argc - first));
	vk_guest_set_env(&g, arg_env, arg_n_env);
	vk_guest_run(&g);
}
