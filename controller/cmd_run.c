// SPDX-License-Identifier: GPL-2.0
/* nojit run: start a command under the host confinement layers (confine.h). */
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "cli.h"
#include "cmd.h"
#include "confine.h"

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
	"Usage: nojit run [--layers LIST] [--exec-path PATH]... [--json-report FILE]\n"
	"                 [--allow-missing] -- CMD [ARGS...]\n"
	"\n"
	"Run CMD confined so that it cannot create executable memory, without\n"
	"BPF LSM: the layers are applied in a child, which then execs CMD.\n"
	"Exits with CMD's status, or 128+N if a signal N killed it.\n"
	"\n"
	"  -l, --layers LIST       comma-separated: nnp, mdwe, seccomp, landlock,\n"
	"                          or all (default all); docs/host-confinement.md\n"
	"  -x, --exec-path PATH    landlock: execve allowed only beneath PATH, which\n"
	"                          is read-only to CMD; repeatable; replaces the\n"
	"                          defaults /usr /bin /sbin /lib /lib32 /lib64 /libx32\n"
	"  -r, --json-report FILE  write the layer report (and the exit status) as JSON\n"
	"  -m, --allow-missing     run even if a requested layer is unavailable here\n"
	"  -h, --help              show this help\n"
	"\n"
	"One line per layer on stderr: active, unavailable (with why), or off.\n"
	"Exit status: CMD's; 1 if a layer is unavailable or failed to apply,\n"
	"126/127 if CMD cannot be executed/found, 2 on usage errors.\n";

/* What the child tells the parent over a close-on-exec pipe when it fails. */
struct run_failure {
	int stage;		/* 0: applying the layers, 1: execve */
	int err;		/* -errno */
	unsigned int applied;
	char msg[512];
};

struct run_report {
	unsigned int requested, available, applied;
	struct nojit_err why[4];	/* by layer index */
	const char *const *exec_paths;
	size_t n_exec_paths;
	char **cmd;
	int status;			/* -1 while unknown */
	const char *failure;
};

static int layer_index(unsigned int bit)
{
	return __builtin_ctz(bit);
}

static const char *layer_state(const struct run_report *r, unsigned int bit)
{
	if (!(r->requested & bit))
		return "off";
	if (!(r->available & bit))
		return "unavailable";
	return r->applied & bit ? "active" : "not applied";
}

static void report_text(const struct run_report *r)
{
	for (unsigned int bit = 1; bit & CONFINE_ALL; bit <<= 1) {
		const char *state = layer_state(r, bit);

		if (!strcmp(state, "unavailable"))
			fprintf(stderr, "nojit: layer %s: unavailable: %s\n", confine_layer_name(bit),
				r->why[layer_index(bit)].msg);
		else
			fprintf(stderr, "nojit: layer %s: %s\n", confine_layer_name(bit), state);
	}
}

static int report_json(const char *path, const struct run_report *r)
{
	struct json_object *o = json_object_new_object(), *layers = json_object_new_array();
	struct json_object *paths = json_object_new_array(), *cmd = json_object_new_array();
	struct nojit_err err;
	const char *s;
	int ret;

	for (unsigned int bit = 1; bit & CONFINE_ALL; bit <<= 1) {
		struct json_object *l = json_object_new_object();
		const char *state = layer_state(r, bit);

		json_object_object_add(l, "layer", json_object_new_string(confine_layer_name(bit)));
		json_object_object_add(l, "state", json_object_new_string(state));
		if (!strcmp(state, "unavailable"))
			json_object_object_add(l, "reason",
					       json_object_new_string(r->why[layer_index(bit)].msg));
		json_object_array_add(layers, l);
	}
	json_object_object_add(o, "layers", layers);
	for (size_t i = 0; i < r->n_exec_paths; i++)
		json_object_array_add(paths, json_object_new_string(r->exec_paths[i]));
	json_object_object_add(o, "exec_paths", paths);
	for (char **a = r->cmd; *a; a++)
		json_object_array_add(cmd, json_object_new_string(*a));
	json_object_object_add(o, "command", cmd);
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

static __attribute__((noreturn)) void child_fail(int fd, int stage, int err, unsigned int applied,
						 const char *msg)
{
	struct run_failure f = { .stage = stage, .err = err, .applied = applied };
	ssize_t n;

	snprintf(f.msg, sizeof(f.msg), "%s", msg);
	n = write(fd, &f, sizeof(f));
	(void)n;
	_exit(stage == 0 ? EXIT_FAILED : err == -ENOENT ? 127 : 126);
}

static __attribute__((noreturn)) void child_run(int fd, const struct confine_opts *o, char **cmd)
{
	struct nojit_err err = { "" };
	unsigned int applied = 0;
	int ret;

	signal(SIGINT, SIG_DFL);
	signal(SIGQUIT, SIG_DFL);
	ret = confine_apply(o, &applied, &err);
	if (ret)
		child_fail(fd, 0, ret, applied, err.msg);
	execvp(cmd[0], cmd);
	ret = -errno;
	snprintf(err.msg, sizeof(err.msg), "%s: %s", cmd[0], strerror(errno));
	child_fail(fd, 1, ret, o->layers, err.msg);
}

int do_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "layers", required_argument, NULL, 'l' },
		{ "exec-path", required_argument, NULL, 'x' },
		{ "json-report", required_argument, NULL, 'r' },
		{ "allow-missing", no_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	_cleanup_free_ const char **exec_paths = NULL;
	struct run_report r = { .status = -1 };
	const char *json_report = NULL;
	struct confine_opts o = { 0 };
	struct run_failure fail;
	bool allow_missing = false;
	unsigned int layers = CONFINE_ALL;
	size_t n_exec = 0;
	struct nojit_err err;
	int c, pipefd[2], status;
	ssize_t n;
	pid_t pid;

	exec_paths = calloc(argc + ARRAY_SIZE(default_exec_paths) + 1, sizeof(*exec_paths));
	if (!exec_paths) {
		cli_error("out of memory");
		return EXIT_FAILED;
	}
	optind = 1;
	/* '+': options end at CMD even without "--". */
	while ((c = getopt_long(argc, argv, "+l:x:r:mh", opts, NULL)) != -1) {
		switch (c) {
		case 'l':
			if (confine_layers_parse(optarg, &layers, &err))
				return cli_usage_error(run_usage, "--layers: %s", err.msg);
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
	if (!n_exec) {
		struct stat st;

		for (size_t i = 0; i < ARRAY_SIZE(default_exec_paths); i++)
			if (!stat(default_exec_paths[i], &st))
				exec_paths[n_exec++] = default_exec_paths[i];
	}

	r.requested = layers;
	r.exec_paths = exec_paths;
	r.n_exec_paths = n_exec;
	r.cmd = argv + optind;
	for (unsigned int bit = 1; bit & CONFINE_ALL; bit <<= 1)
		if ((layers & bit) && !confine_probe(bit, &r.why[layer_index(bit)]))
			r.available |= bit;
	if (r.available != r.requested && !allow_missing) {
		report_text(&r);
		r.failure = "a requested layer is unavailable";
		cli_error("refusing to run %s: a requested layer is unavailable here (--allow-missing runs it without)",
			  argv[optind]);
		if (json_report)
			report_json(json_report, &r);
		return EXIT_FAILED;
	}
	o = (struct confine_opts){ .layers = r.available, .exec_paths = exec_paths,
				   .n_exec_paths = n_exec };

	if (pipe2(pipefd, O_CLOEXEC) < 0) {
		cli_error("pipe: %s", strerror(errno));
		return EXIT_FAILED;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		cli_error("fork: %s", strerror(errno));
		close(pipefd[0]);
		close(pipefd[1]);
		return EXIT_FAILED;
	}
	if (pid == 0) {
		close(pipefd[0]);
		child_run(pipefd[1], &o, argv + optind);
	}
	close(pipefd[1]);
	/* Like a shell: the terminal's ^C and ^\ are for CMD. */
	signal(SIGINT, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
	do
		n = read(pipefd[0], &fail, sizeof(fail));
	while (n < 0 && errno == EINTR);
	close(pipefd[0]);
	if (n == (ssize_t)sizeof(fail)) {
		fail.msg[sizeof(fail.msg) - 1] = '\0';
		r.applied = fail.applied;
		r.failure = fail.msg;
	} else {
		r.applied = o.layers;	/* EOF: execve succeeded, every layer is on */
	}
	report_text(&r);
	if (r.failure)
		cli_error("%s%s", fail.stage == 0 ? "applying the layers: " : "", fail.msg);

	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			cli_error("waitpid: %s", strerror(errno));
			return EXIT_FAILED;
		}
	}
	if (WIFEXITED(status))
		r.status = WEXITSTATUS(status);
	else if (WIFSIGNALED(status))
		r.status = 128 + WTERMSIG(status);
	else
		r.status = EXIT_FAILED;
	if (json_report && report_json(json_report, &r) && !r.status)
		return EXIT_FAILED;
	return r.status;
}
