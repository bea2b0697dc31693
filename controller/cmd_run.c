// SPDX-License-Identifier: GPL-2.0
/* nojit run: start a command under the host confinement layers (confine.h). */
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "cli.h"
#include "cmd.h"
#include "confine.h"
#include "enforce_cgroup.h"
#include "manifest.h"
#include "run.h"

/*
 * Where a confined command may execve by default: the system's read-only
 * program and library trees. /opt and /usr/local are left out on purpose
 * (often writable by deploy tooling); name them with --exec-path. Paths
 * that do not exist here are skipped; symlinks (/bin -> usr/bin) resolve.
 */
static const char *const default_exec_paths[] = {
	"/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32",
};

static const char run_usage[] =
	"Usage: nojit run [--layers LIST] [--manifest FILE [--trust PUB|DIR]]\n"
	"                 [--cgroup-parent DIR] [--exec-path PATH]...\n"
	"                 [--json-report FILE] [--allow-missing] -- CMD [ARGS...]\n"
	"\n"
	"Run CMD confined so that it cannot create executable memory, with every\n"
	"layer this kernel offers: the host layers work without BPF LSM, the\n"
	"bpf-lsm layer enrolls a transient cgroup that CMD runs in.\n"
	"Exits with CMD's status, or 128+N if a signal N killed it.\n"
	"\n"
	"  -l, --layers LIST       comma-separated: nnp, mdwe, seccomp, landlock,\n"
	"                          memfd-noexec, bpf-lsm, or the groups host (all\n"
	"                          but bpf-lsm) and all. Named layers are required;\n"
	"                          without --layers, every available layer is used\n"
	"  -M, --manifest FILE     signed manifest: CMD may exec and map executable\n"
	"                          only the files it lists (requires bpf-lsm)\n"
	"  -t, --trust PUB|DIR     keys for --manifest (default " NOJIT_DEFAULT_TRUST ")\n"
	"  -c, --cgroup-parent DIR where the transient cgroup is made (default\n"
	"                          " RUN_CGROUP_PARENT_NAME " below the cgroup2 root); it is\n"
	"                          removed, with anything left in it, when CMD exits\n"
	"  -x, --exec-path PATH    landlock: execve allowed only beneath PATH, which\n"
	"                          is read-only to CMD; repeatable; replaces the\n"
	"                          defaults: the manifest's directories, else\n"
	"                          /usr /bin /sbin /lib /lib32 /lib64 /libx32\n"
	"  -r, --json-report FILE  write the layer report (and the exit status) as JSON\n"
	"  -m, --allow-missing     run even if a requested layer is unavailable here\n"
	"  -h, --help              show this help\n"
	"\n"
	"One line per layer on stderr: active, unavailable (with why), or off.\n"
	"Exit status: CMD's; 1 if a layer is unavailable or failed to apply,\n"
	"126/127 if CMD cannot be executed/found, 2 on usage errors.\n";

struct run_report {
	struct run_layers layers;
	const char *const *exec_paths;
	size_t n_exec_paths;
	char **cmd;
	const char *cgroup;
	int status;			/* -1 while unknown */
	const char *failure;
};

static int report_json(const char *path, const struct run_report *r)
{
	struct json_object *o = json_object_new_object(), *layers = json_object_new_array();
	struct json_object *paths = json_object_new_array(), *cmd = json_object_new_array();
	struct nojit_err err;
	const char *s;
	int ret;

	for (unsigned int bit = 1; bit & CONFINE_ALL; bit <<= 1) {
		struct json_object *l = json_object_new_object();
		const char *state = run_layer_state(&r->layers, bit);

		json_object_object_add(l, "layer", json_object_new_string(confine_layer_name(bit)));
		json_object_object_add(l, "state", json_object_new_string(state));
		if (!strcmp(state, "unavailable"))
			json_object_object_add(l, "reason",
					       json_object_new_string(run_layer_why(&r->layers, bit)));
		json_object_array_add(layers, l);
	}
	json_object_object_add(o, "layers", layers);
	for (size_t i = 0; i < r->n_exec_paths; i++)
		json_object_array_add(paths, json_object_new_string(r->exec_paths[i]));
	json_object_object_add(o, "exec_paths", paths);
	for (char **a = r->cmd; *a; a++)
		json_object_array_add(cmd, json_object_new_string(*a));
	json_object_object_add(o, "command", cmd);
	if (r->cgroup)
		json_object_object_add(o, "cgroup", json_object_new_string(r->cgroup));
	if (r->failure)
		json_object_object_add(o, "error", json_object_new_string(r->failure));
	if (r->status >= 0)
		json_object_object_add(o, "exit_status", json_object_new_int(r->status));
	s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
	ret = write_file_atomic(path, s, strlen(s), 0644, &err);
	json_object_put(o);
	if (ret)
		cli_error("--json-report %s: %s", path, err.msg);
	return ret;
}

static void on_started(void *ctx, const struct run_state *st)
{
	struct run_report *r = ctx;

	r->layers.applied = st->applied;
	if (st->failure[0])
		r->failure = st->failure;
	run_layers_report(&r->layers);
	if (r->failure)
		cli_error("%s", r->failure);
}

/* The directories of the manifest's files, each once, in manifest order. */
static size_t manifest_dirs(const struct nojit_manifest *m, const char **out)
{
	size_t n = 0;

	for (size_t i = 0; i < m->n_entries; i++) {
		char *d = strdup(m->entries[i].path), *slash;
		bool seen = false;

		if (!d)
			continue;
		slash = strrchr(d, '/');
		if (!slash || slash == d) {
			free(d);
			continue;
		}
		*slash = '\0';
		for (size_t j = 0; j < n && !seen; j++)
			seen = !strcmp(out[j], d);
		if (seen)
			free(d);
		else
			out[n++] = d;
	}
	return n;
}

int do_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "layers", required_argument, NULL, 'l' },
		{ "manifest", required_argument, NULL, 'M' },
		{ "trust", required_argument, NULL, 't' },
		{ "cgroup-parent", required_argument, NULL, 'c' },
		{ "exec-path", required_argument, NULL, 'x' },
		{ "json-report", required_argument, NULL, 'r' },
		{ "allow-missing", no_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	const char *json_report = NULL, *manifest = NULL, *trust = NOJIT_DEFAULT_TRUST;
	struct run_opts o = { .hash_source = NOJIT_HASH_SOURCE_IMA };
	_cleanup_free_ const char **exec_paths = NULL;
	struct run_report r = { .status = -1 };
	struct nojit_manifest *man = NULL;
	bool allow_missing = false, explicit = false;
	unsigned int layers = CONFINE_ALL, required;
	size_t n_exec = 0, n_owned = 0;
	struct run_state st;
	struct nojit_err err;
	int c, ret = EXIT_FAILED;

	/* Room for every -x, or for the defaults. */
	exec_paths = calloc(argc + ARRAY_SIZE(default_exec_paths), sizeof(*exec_paths));
	if (!exec_paths) {
		cli_error("out of memory");
		return EXIT_FAILED;
	}
	optind = 1;
	/* '+': options end at CMD even without "--". */
	while ((c = getopt_long(argc, argv, "+l:M:t:c:x:r:mh", opts, NULL)) != -1) {
		switch (c) {
		case 'l':
			if (confine_layers_parse(optarg, &layers, &err))
				return cli_usage_error(run_usage, "--layers: %s", err.msg);
			explicit = true;
			break;
		case 'M':
			manifest = optarg;
			break;
		case 't':
			trust = optarg;
			break;
		case 'c':
			o.cgroup_parent = optarg;
			break;
		case 'x':
			exec_paths[n_exec++] = optarg;
			break;
		case 'r':
			json_report = optarg;
			break;
		case 'm':
			allow_missing = true;
			break;
		case 'h':
			printf("%s", run_usage);
			return EXIT_OK;
		default:
			fprintf(stderr, "%s", run_usage);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc)
		return cli_usage_error(run_usage, "no command given");
	if (manifest && !(layers & CONFINE_BPF_LSM))
		return cli_usage_error(run_usage, "--manifest needs the bpf-lsm layer");

	run_layers_probe(&r.layers, layers);
	/*
	 * Without --layers: every layer the kernel offers, and say which are
	 * missing. A manifest cannot be enforced without bpf-lsm, so then
	 * that one is required too.
	 */
	required = explicit ? layers : manifest ? CONFINE_BPF_LSM : 0;
	r.cmd = argv + optind;
	if (manifest && (r.layers.available & CONFINE_BPF_LSM) &&
	    manifest_load_verified(manifest, trust, time(NULL), &man, &err)) {
		cli_error("manifest %s: %s", manifest, err.msg);
		return EXIT_FAILED;
	}
	/* An exception needs its approvers checked and a daemon to end it: not here. */
	if (man && man->n_exceptions) {
		cli_error("manifest %s: carries JIT exceptions, which nojit run does not grant (nojit enforce does, docs/exceptions.md)",
			  manifest);
		manifest_free(man);
		return EXIT_FAILED;
	}

	if (!n_exec && man) {
		const char **dirs = realloc(exec_paths, (man->n_entries + 1) * sizeof(*dirs));

		if (!dirs) {
			cli_error("out of memory");
			goto out;
		}
		exec_paths = dirs;
		n_exec = n_owned = manifest_dirs(man, exec_paths);
	} else if (!n_exec) {
		struct stat sb;

		for (size_t i = 0; i < ARRAY_SIZE(default_exec_paths); i++)
			if (!stat(default_exec_paths[i], &sb))
				exec_paths[n_exec++] = default_exec_paths[i];
	}
	r.exec_paths = exec_paths;
	r.n_exec_paths = n_exec;

	if ((required & ~r.layers.available) && !allow_missing) {
		run_layers_report(&r.layers);
		r.failure = "a requested layer is unavailable";
		cli_error("refusing to run %s: a requested layer is unavailable here (--allow-missing runs it without)",
			  argv[optind]);
		if (json_report)
			report_json(json_report, &r);
		goto out;
	}
	o.layers = r.layers.requested & r.layers.available;
	o.exec_paths = exec_paths;
	o.n_exec_paths = n_exec;
	o.manifest = man;
	o.cmd = argv + optind;
	o.on_started = on_started;
	o.ctx = &r;
	if (run_confined(&o, &st, &err)) {
		run_layers_report(&r.layers);
		r.failure = err.msg;
		cli_error("%s", err.msg);
		if (json_report)
			report_json(json_report, &r);
		goto out;
	}
	r.cgroup = st.cgroup[0] ? st.cgroup : NULL;
	r.status = st.status;
	ret = r.status;
	if (json_report && report_json(json_report, &r) && !r.status)
		ret = EXIT_FAILED;
out:
	for (size_t i = 0; i < n_owned; i++)
		free((char *)exec_paths[i]);
	manifest_free(man);
	return ret;
}
