// SPDX-License-Identifier: GPL-2.0
/* nojit scan: executable memory of running tasks against the files behind it. */
#include <fcntl.h>
#include <getopt.h>
#include <string.h>
#include <sys/stat.h>

#include "bpf_loader.h"
#include "cgroup.h"
#include "cli.h"
#include "cmd.h"
#include "scan.h"
#include "scan_last.h"

static const char scan_usage[] =
	"Usage: nojit scan [--cgroup DIR | --pid PID] [--json]\n"
	"\n"
	"Check the executable memory of running tasks: every executable mapping must\n"
	"be a regular file reachable by its path (not anonymous, memfd, SysV shm,\n"
	"deleted), listed in the manifest in force for the task's enrollment, and\n"
	"every resident page of it must hold the file's bytes. Finds code generated\n"
	"before a cgroup was enrolled, and text patched in place. The kernel's vdso\n"
	"and vsyscall pages are not findings. Format and limits: docs/scan.md.\n"
	"\n"
	"Without an option, every task governed by nojit (in an enrolled subtree;\n"
	"needs the pinned maps under " NOJIT_PIN_DIR "). --pid and --cgroup work on\n"
	"any host; without the pinned maps no manifest is checked, and the output\n"
	"says so.\n"
	"\n"
	"  -c, --cgroup DIR   the tasks of cgroup2 directory DIR and of every cgroup below it\n"
	"  -p, --pid PID      the task PID\n"
	"  -j, --json         one JSON document on stdout\n"
	"  -h, --help         show this help\n"
	"\n"
	"A scan of every governed task is kept in $NOJIT_STATE_DIR/" SCAN_LAST_FILE " (default\n"
	"/var/lib/nojit) for nojit attest; a --pid or --cgroup scan is not.\n"
	"\n"
	"Exit status: 0 nothing found, 1 findings (or a task could not be read, or\n"
	"the result could not be kept), 2 usage error.\n";

struct scan_out {
	struct json_object *findings, *errors;
	size_t n_findings, n_errors;
	struct scan_last *last;	/* NULL: not a scan of every governed task, not kept */
};

static struct json_object *hex_addr(__u64 v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "0x%llx", (unsigned long long)v);
	return json_object_new_string(buf);
}

static struct json_object *str_or_null(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

static void on_finding(void *ctx, const struct scan_finding *f)
{
	struct scan_out *o = ctx;
	char hex[65];

	o->n_findings++;
	if (o->last)
		scan_last_add(o->last, f);
	if (f->has_sha256)
		hex_encode(f->sha256, 32, hex);
	if (arg_json) {
		struct json_object *j = json_object_new_object();

		json_object_object_add(j, "pid", json_object_new_int(f->pid));
		json_object_object_add(j, "tgid", json_object_new_int(f->tgid));
		json_object_object_add(j, "comm", json_object_new_string(f->comm));
		json_object_object_add(j, "cgroup", str_or_null(f->cgroup));
		json_object_object_add(j, "start", hex_addr(f->start));
		json_object_object_add(j, "end", hex_addr(f->end));
		json_object_object_add(j, "perms", json_object_new_string(f->perms));
		json_object_object_add(j, "offset", hex_addr(f->offset));
		json_object_object_add(j, "file", str_or_null(f->file));
		json_object_object_add(j, "reason", json_object_new_string(scan_reason_name(f->reason)));
		json_object_object_add(j, "sha256", f->has_sha256 ? json_object_new_string(hex) : NULL);
		json_object_object_add(j, "detail", str_or_null(f->detail));
		json_object_array_add(o->findings, j);
		return;
	}
	printf("pid %d (%s) cgroup %s: %llx-%llx %s %llx %s: %s%s%s\n", f->pid, f->comm,
	       f->cgroup ? f->cgroup : "?", (unsigned long long)f->start, (unsigned long long)f->end,
	       f->perms, (unsigned long long)f->offset, f->file ? f->file : "[anonymous]",
	       scan_reason_name(f->reason), f->detail ? ": " : "", f->detail ? f->detail : "");
}

static void on_error(void *ctx, pid_t pid, int error, const char *msg)
{
	struct scan_out *o = ctx;

	o->n_errors++;
	if (arg_json) {
		struct json_object *j = json_object_new_object();

		json_object_object_add(j, "pid", json_object_new_int(pid));
		json_object_object_add(j, "errno", json_object_new_int(-error));
		json_object_object_add(j, "error", json_object_new_string(msg));
		json_object_array_add(o->errors, j);
		return;
	}
	fprintf(stderr, "nojit: scan: %s\n", msg);
}

static int parse_pid(const char *s, pid_t *ret)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v <= 0 || v > 0x3fffffff)
		return -EINVAL;
	*ret = (pid_t)v;
	return 0;
}

int do_scan(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "cgroup", required_argument, NULL, 'c' },
		{ "pid", required_argument, NULL, 'p' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct nojit_maps maps = NOJIT_MAPS_INIT;
	struct scan_target target = { .kind = SCAN_TARGET_GOVERNED, .cgroup_fd = -1 };
	struct scan_out out = {};
	struct scan_last last = {};
	bool failed_keep = false;
	struct scan_stats stats = {};
	struct scan_policy policy;
	struct scan_ctx *s = NULL;
	const char *cgroup = NULL, *pid_arg = NULL;
	char note[640] = "";
	struct nojit_err err;
	bool pinned;
	__u64 cg_id;
	int c, r, ret = EXIT_FAILED;

	optind = 1;
	while ((c = getopt_long(argc, argv, "c:p:jh", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			cgroup = optarg;
			break;
		case 'p':
			pid_arg = optarg;
			break;
		case 'j':
			arg_json = true;
			break;
		case 'h':
			printf("%s", scan_usage);
			return EXIT_OK;
		default:
			fprintf(stderr, "%s", scan_usage);
			return EXIT_USAGE;
		}
	}
	if (optind < argc)
		return cli_usage_error(scan_usage, "scan: unexpected argument '%s'", argv[optind]);
	if (cgroup && pid_arg)
		return cli_usage_error(scan_usage, "scan: --cgroup and --pid exclude each other");
	if (pid_arg) {
		char proc[64];

		if (parse_pid(pid_arg, &target.pid))
			return cli_usage_error(scan_usage, "scan: --pid: not a process id: '%s'", pid_arg);
		snprintf(proc, sizeof(proc), "/proc/%d", target.pid);
		if (access(proc, F_OK)) {
			cli_error("scan: pid %d: no such process", target.pid);
			return EXIT_FAILED;
		}
		target.kind = SCAN_TARGET_PID;
	}
	if (cgroup) {
		if (cgroup_open(cgroup, &target.cgroup_fd, &cg_id, &err)) {
			cli_error("scan: %s", err.msg);
			return EXIT_FAILED;
		}
		target.kind = SCAN_TARGET_CGROUP;
	}

	/* With the pinned maps: who is governed, and the manifests in force. */
	r = bpffs_check(&err);
	if (!r)
		r = policy_open_pinned(&maps, &err);
	pinned = r == 0;
	if (!pinned && target.kind == SCAN_TARGET_GOVERNED) {
		cli_error("scan: scanning every governed task needs nojit's pinned maps: %s "
			  "(scan a task or cgroup with --pid or --cgroup)", err.msg);
		goto out;
	}
	if (!pinned)
		snprintf(note, sizeof(note), "manifest not checked: nojit's pinned maps are not available (%s)",
			 err.msg);
	scan_policy_init(&policy, maps.cgroups, maps.policies, maps.allow);
	s = scan_ctx_new(pinned ? scan_policy_manifest : NULL, &policy);
	if (!s) {
		cli_error("scan: %s", strerror(errno));
		goto out;
	}
	out.findings = json_object_new_array();
	out.errors = json_object_new_array();
	if (target.kind == SCAN_TARGET_GOVERNED) {
		if (scan_last_begin(&last)) {
			cli_error("scan: out of memory");
			goto out;
		}
		out.last = &last;
	}
	r = scan_run(s, &policy, &target, on_finding, on_error, &out, &stats, &err);
	if (r) {
		cli_error("scan: %s", err.msg);
		goto out;
	}
	/* Kept for nojit attest; a result that could not be kept fails the command. */
	if (out.last && scan_last_commit(out.last, "scan", &stats, out.n_errors, &err)) {
		cli_error("scan: keeping the result: %s", err.msg);
		failed_keep = true;
	}
	if (target.kind == SCAN_TARGET_PID && stats.vanished) {
		cli_error("scan: pid %d: exited before it could be scanned", target.pid);
		goto out;
	}
	if (arg_json) {
		struct json_object *o = json_object_new_object(), *sc = json_object_new_object();
		struct json_object *pol = json_object_new_object();

		json_object_object_add(o, "findings", json_object_get(out.findings));
		json_object_object_add(sc, "tasks", json_object_new_uint64(stats.tasks));
		json_object_object_add(sc, "mappings", json_object_new_uint64(stats.mappings));
		json_object_object_add(sc, "bytes_compared", json_object_new_uint64(stats.bytes));
		json_object_object_add(sc, "pages_compared", json_object_new_uint64(stats.pages));
		json_object_object_add(sc, "exec_bytes", json_object_new_uint64(stats.exec_bytes));
		json_object_object_add(sc, "files_hashed", json_object_new_uint64(stats.files_hashed));
		json_object_object_add(sc, "vanished", json_object_new_uint64(stats.vanished));
		json_object_object_add(o, "scanned", sc);
		json_object_object_add(pol, "pinned_maps", json_object_new_boolean(pinned));
		json_object_object_add(pol, "manifest_checked", json_object_new_boolean(pinned));
		json_object_object_add(pol, "note", note[0] ? json_object_new_string(note) : NULL);
		json_object_object_add(o, "policy", pol);
		json_object_object_add(o, "errors", json_object_get(out.errors));
		cli_json_print(o);
	} else {
		printf("scanned %llu task%s, %llu executable mapping%s (%.1f MiB), compared %.1f MiB "
		       "in %llu resident pages: %zu finding%s\n",
		       (unsigned long long)stats.tasks, stats.tasks == 1 ? "" : "s",
		       (unsigned long long)stats.mappings, stats.mappings == 1 ? "" : "s",
		       (double)stats.exec_bytes / (1 << 20), (double)stats.bytes / (1 << 20),
		       (unsigned long long)stats.pages, out.n_findings, out.n_findings == 1 ? "" : "s");
		if (note[0])
			printf("%s\n", note);
	}
	ret = out.n_findings || out.n_errors || failed_keep ? EXIT_FAILED : EXIT_OK;
out:
	scan_last_clear(&last);
	json_object_put(out.findings);
	json_object_put(out.errors);
	scan_ctx_free(s);
	if (target.cgroup_fd >= 0)
		close(target.cgroup_fd);
	nojit_maps_close(&maps);
	return ret;
}
