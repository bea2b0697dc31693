// SPDX-License-Identifier: GPL-2.0
/*
 * nojit oci-hook: the OCI createRuntime hook that enrolls a container's
 * cgroup as the policy directory says, before the container's first
 * instruction (docs/oci-hook.md). Fails closed: any error exits 1 and the
 * runtime refuses to start the container, except in the namespaces given
 * with --fail-open-namespace (the node agent's own).
 */
#include <fcntl.h>
#include <getopt.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "cmd.h"
#include "oci.h"
#include "policy_apply.h"
#include "policy_dir.h"

static const char oci_hook_usage[] =
	"Usage: nojit oci-hook [--policy-dir DIR] [--fail-open-namespace NS]...\n"
	"                      [--log-file FILE]\n"
	"\n"
	"Run by an OCI runtime (runc, crun; through CRI-O, Podman or containerd)\n"
	"as a createRuntime hook, with the container state on stdin: reads the\n"
	"bundle's config.json, finds the cgroup the container's init is in, and\n"
	"when a policy in DIR selects the container by its annotations (Kubernetes\n"
	"namespace, pod, container), enrolls that cgroup with the policy's manifest\n"
	"before the container's program runs. Selects nothing: exits 0, does nothing.\n"
	"\n"
	"Fails closed: any error (unreadable state or config, a policy directory\n"
	"that does not load or verify, a cgroup that cannot be proven to be the\n"
	"container's, an enrollment the kernel refused) prints one line on stderr\n"
	"and exits 1, so the runtime does not start the container. In a namespace\n"
	"given with --fail-open-namespace the error is reported the same way but\n"
	"the hook exits 0 and the container starts ungoverned: for the node agent\n"
	"itself, which must start to repair a broken policy. Format and failure\n"
	"model: docs/oci-hook.md; install: deploy/oci-hooks.d/nojit.json.\n"
	"\n"
	"  -d, --policy-dir DIR          policy files (default " NOJIT_DEFAULT_POLICY_DIR ")\n"
	"  -f, --fail-open-namespace NS  Kubernetes namespace whose containers start\n"
	"                                even when the hook fails (repeatable)\n"
	"  -l, --log-file FILE           also append one JSON line per run to FILE\n"
	"  -h, --help                    show this help\n"
	"\n"
	"Exit status: 0 enrolled, not selected, or failed open; 1 refused (the\n"
	"container must not start); 2 usage error.\n";

struct hook_run {
	const char *policy_dir;
	char **fail_open;
	size_t n_fail_open;
	const char *log_file;
	/* What was found, for the report. */
	struct oci_state state;
	bool has_state;
	const char *ns, *pod, *container;
	const char *policy;
	char *cgroup;
	__u64 cgroup_id;
	bool already;
	const char *result;
	struct nojit_err err;
	struct timespec start;	/* CLOCK_MONOTONIC, for elapsed_us */
};

static bool fail_open(const struct hook_run *h)
{
	if (!h->ns)
		return false;
	for (size_t i = 0; i < h->n_fail_open; i++)
		if (!strcmp(h->fail_open[i], h->ns))
			return true;
	return false;
}

static void add_str(struct json_object *o, const char *key, const char *v)
{
	json_object_object_add(o, key, v ? json_object_new_string(v) : NULL);
}

static struct json_object *report_json(const struct hook_run *h, bool with_time)
{
	struct json_object *o = json_object_new_object();
	struct timespec now;

	if (with_time) {
		struct timespec ts;
		struct tm tm;
		char buf[64];

		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), ".%06ldZ",
			 ts.tv_nsec / 1000);
		add_str(o, "time", buf);
	}
	add_str(o, "result", h->result);
	add_str(o, "container_id", h->has_state ? h->state.id : NULL);
	json_object_object_add(o, "pid", h->has_state ? json_object_new_int(h->state.pid) : NULL);
	add_str(o, "bundle", h->has_state ? h->state.bundle : NULL);
	add_str(o, "namespace", h->ns);
	add_str(o, "pod", h->pod);
	add_str(o, "container", h->container);
	add_str(o, "policy", h->policy);
	add_str(o, "cgroup", h->cgroup);
	json_object_object_add(o, "cgroup_id",
			       h->cgroup_id ? json_object_new_uint64(h->cgroup_id) : NULL);
	if (!strcmp(h->result, "enrolled"))
		json_object_object_add(o, "already_enrolled", json_object_new_boolean(h->already));
	add_str(o, "error", h->err.msg[0] ? h->err.msg : NULL);
	clock_gettime(CLOCK_MONOTONIC, &now);
	json_object_object_add(o, "elapsed_us",
			       json_object_new_int64((now.tv_sec - h->start.tv_sec) * 1000000 +
						     (now.tv_nsec - h->start.tv_nsec) / 1000));
	return o;
}

/* One line appended with one write(): concurrent hooks do not interleave. */
static int log_append(const struct hook_run *h)
{
	struct json_object *o = report_json(h, true);
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *line = NULL;
	int len, r = 0;

	len = asprintf(&line, "%s\n",
		       json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
							     JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	if (len < 0)
		return -ENOMEM;
	fd = open(h->log_file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0640);
	if (fd < 0)
		return -errno;
	if (write(fd, line, (size_t)len) != len)
		r = errno ? -errno : -EIO;
	return r;
}

/* Print the outcome: stdout for people or --json, the reason on stderr. */
static int finish(struct hook_run *h, int status)
{
	const char *id = h->has_state ? h->state.id : NULL;
	int r;

	if (status != EXIT_OK) {
		if (fail_open(h)) {
			h->result = "failed-open";
			status = EXIT_OK;
		} else {
			h->result = "refused";
		}
		/* One line: the runtime shows it as the reason the start failed. */
		fprintf(stderr, "nojit: oci-hook: container %s%s%s: %s%s\n", id ? id : "(unknown)",
			h->ns ? " in namespace " : "", h->ns ? h->ns : "", h->err.msg,
			status == EXIT_OK ? " (namespace is fail-open: starting it ungoverned)" : "");
	}
	if (h->log_file) {
		r = log_append(h);
		if (r) {
			fprintf(stderr, "nojit: oci-hook: log file %s: %s\n", h->log_file, strerror(-r));
			if (!fail_open(h))
				status = EXIT_FAILED;
		}
	}
	if (arg_json) {
		cli_json_print(report_json(h, false));
	} else if (!strcmp(h->result, "enrolled")) {
		printf("container %s: enrolled cgroup %s (cgroup id %llu) as policy \"%s\"%s\n", id,
		       h->cgroup, (unsigned long long)h->cgroup_id, h->policy,
		       h->already ? " (already enrolled)" : "");
	} else if (!strcmp(h->result, "not-selected")) {
		printf("container %s: no policy selects it\n", id);
	}
	return status;
}

/* Every problem of a policy directory that did not load, on one line. */
static void problems_to_err(const char *dir, const struct policy_problems *p,
			    struct nojit_err *err)
{
	size_t off;

	off = (size_t)snprintf(err->msg, sizeof(err->msg), "policy directory %s: %zu problem%s: ",
			       dir, p->n, p->n == 1 ? "" : "s");
	for (size_t i = 0; i < p->n && off < sizeof(err->msg); i++)
		off += (size_t)snprintf(err->msg + off, sizeof(err->msg) - off, "%s%s",
					i ? "; " : "", p->msgs[i]);
	for (char *c = err->msg; *c; c++)
		if (*c == '\n')
			*c = ' ';
}

static int hook_run(struct hook_run *h)
{
	struct policy_problems problems = { 0 };
	struct json_object *config = NULL;
	struct policy_dir *dir = NULL;
	const struct policy *p = NULL;
	_cleanup_free_ char *cgdir = NULL;
	_cleanup_close_ int fd = -1;
	const char *cgroups_path;
	int r;

	r = oci_state_read(STDIN_FILENO, &h->state, &h->err);
	if (r)
		return EXIT_FAILED;
	h->has_state = true;
	r = oci_config_read(&h->state, &config, &cgroups_path, &h->err);
	if (r)
		goto out;
	h->ns = policy_container_namespace(h->state.annotations);
	h->pod = policy_container_pod(h->state.annotations);
	h->container = policy_container_name(h->state.annotations);

	r = policy_dir_load(h->policy_dir, time(NULL), &dir, &problems, &h->err);
	if (r == -EINVAL && problems.n)
		problems_to_err(h->policy_dir, &problems, &h->err);
	else if (r && !h->err.msg[0])
		nojit_err_set(&h->err, r, "policy directory %s: %s", h->policy_dir, strerror(-r));
	if (r)
		goto out;
	r = policy_dir_select_container(dir, h->state.annotations, &p, &h->err);
	if (r)
		goto out;
	if (!p) {
		h->result = "not-selected";
		goto out;
	}
	h->policy = p->name;

	r = oci_pid_cgroup(h->state.pid, cgroups_path, &fd, &h->cgroup_id, &h->cgroup, &cgdir,
			   &h->err);
	if (r)
		goto out;
	r = policy_enroll(p, fd, h->cgroup_id, cgdir, NOJIT_ORIGIN_CONTAINER, h->state.id,
			  &h->already, &h->err);
	if (r)
		goto out;
	h->result = "enrolled";
out:
	/* h->policy points into DIR: keep a copy for the report. */
	if (h->policy)
		h->policy = strdup(h->policy);
	policy_dir_free(dir);
	policy_problems_free(&problems);
	json_object_put(config);
	return r ? EXIT_FAILED : EXIT_OK;
}

int do_oci_hook(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "policy-dir", required_argument, NULL, 'd' },
		{ "fail-open-namespace", required_argument, NULL, 'f' },
		{ "log-file", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct hook_run h = { .policy_dir = NOJIT_DEFAULT_POLICY_DIR, .result = "refused" };
	_cleanup_free_ char **fail_open_ns = NULL;
	int c, status;

	clock_gettime(CLOCK_MONOTONIC, &h.start);
	fail_open_ns = calloc((size_t)argc, sizeof(*fail_open_ns));
	if (!fail_open_ns) {
		cli_error("out of memory");
		return EXIT_FAILED;
	}
	optind = 1;
	while ((c = getopt_long(argc, argv, "d:f:l:h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			h.policy_dir = optarg;
			break;
		case 'f':
			if (!optarg[0])
				return cli_usage_error(oci_hook_usage,
						       "--fail-open-namespace: empty namespace");
			fail_open_ns[h.n_fail_open++] = optarg;
			break;
		case 'l':
			h.log_file = optarg;
			break;
		case 'h':
			printf("%s", oci_hook_usage);
			return EXIT_OK;
		default:
			fprintf(stderr, "%s", oci_hook_usage);
			return EXIT_USAGE;
		}
	}
	if (optind < argc)
		return cli_usage_error(oci_hook_usage, "unexpected argument '%s'", argv[optind]);
	h.fail_open = fail_open_ns;

	status = hook_run(&h);
	status = finish(&h, status);
	free((char *)h.policy);
	free(h.cgroup);
	oci_state_free(&h.state);
	return status;
}
