// SPDX-License-Identifier: GPL-2.0
#include <stdarg.h>
#include <string.h>

#include "cli.h"
#include "nojit.h"

bool arg_json;
bool arg_pretty;

void cli_error(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (arg_json) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "error", json_object_new_string(msg));
		cli_json_print(o);
		return;
	}
	fprintf(stderr, "nojit: %s\n", msg);
}

int cli_usage_error(const char *usage, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cli_error("%s", msg);
	fprintf(stderr, "%s", usage);
	return EXIT_USAGE;
}

int cli_require_root(void)
{
	if (geteuid() == 0)
		return EXIT_OK;
	cli_error("must be run as root (loading BPF LSM programs and enrolling cgroups needs CAP_SYS_ADMIN and CAP_BPF)");
	return EXIT_FAILED;
}

void cli_json_print(struct json_object *obj)
{
	int flags = arg_pretty ? JSON_C_TO_STRING_PRETTY : JSON_C_TO_STRING_PLAIN;

	printf("%s\n", json_object_to_json_string_ext(obj, flags | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(obj);
}

static int dispatch(const struct cli_cmd *cmds, const char *object, const char *usage, int argc,
		    char **argv)
{
	const struct cli_cmd *match = NULL;
	size_t len;

	if (argc < 1)
		return -1;
	len = strlen(argv[0]);
	for (const struct cli_cmd *c = cmds; c->name; c++) {
		if (strncmp(c->name, argv[0], len))
			continue;
		if (strlen(c->name) == len) {
			match = c;
			break;
		}
		if (match) {
			cli_error("%s%s'%s' is ambiguous: %s or %s?", object ? object : "",
				  object ? " " : "", argv[0], match->name, c->name);
			return EXIT_USAGE;
		}
		match = c;
	}
	if (!match) {
		cli_error("%s%sunknown command '%s' (try 'nojit %s%shelp')", object ? object : "",
			  object ? ": " : "", argv[0], object ? object : "", object ? " " : "");
		return EXIT_USAGE;
	}
	if (!match->fn) {
		printf("%s", usage);
		return EXIT_OK;
	}
	return match->fn(argc, argv);
}

int cli_dispatch(const struct cli_cmd *cmds, const char *object, int argc, char **argv)
{
	return dispatch(cmds, object, NULL, argc, argv);
}

int cli_object(const struct cli_cmd *cmds, const char *object, const char *usage, int argc,
	       char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "%s", usage);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		printf("%s", usage);
		return EXIT_OK;
	}
	return dispatch(cmds, object, usage, argc - 1, argv + 1);
}

const char *route_name(unsigned int route)
{
	static const char *const names[NOJIT_ROUTE_MAX] = {
		[NOJIT_ROUTE_ANON_EXEC] = "anonymous executable memory",
		[NOJIT_ROUTE_MPROTECT] = "mprotect/W^X",
		[NOJIT_ROUTE_READ_IMPLIES_EXEC] = "READ_IMPLIES_EXEC",
		[NOJIT_ROUTE_FILE_WRITTEN] = "written file mapped executable",
		[NOJIT_ROUTE_MEMFD] = "memfd/fileless exec",
		[NOJIT_ROUTE_DOUBLE_MAP] = "double mapping",
		[NOJIT_ROUTE_SHM_EXEC] = "SysV shm exec",
		[NOJIT_ROUTE_PROC_MEM_PTRACE] = "/proc/PID/mem or ptrace write",
		[NOJIT_ROUTE_BPF_LOAD] = "bpf program load",
		[NOJIT_ROUTE_UNLISTED_EXEC] = "unlisted exec",
		[NOJIT_ROUTE_LOADER] = "loader/LD_PRELOAD",
		[NOJIT_ROUTE_CGROUP_ESCAPE] = "cgroup escape",
		[NOJIT_ROUTE_KERNEL_EXEC_MEM] = "kernel-made exec memory/uselib",
		[NOJIT_ROUTE_FILL_UNDER_CODE] = "filled under code (uffd, io_uring)",
		[NOJIT_ROUTE_GATE_RACE] = "writer during hash gate",
		[NOJIT_ROUTE_STACKED_FS] = "stacked file system",
		[NOJIT_ROUTE_FOREIGN_FD_WRITE] = "write to code via any fd",
		[NOJIT_ROUTE_EXCEPTION_CONFINED] = "JIT exception confinement",
	};

	if (route < NOJIT_ROUTE_MAX && names[route])
		return names[route];
	return "unknown";
}

static const char *const on_violation_names[] = {
	[NOJIT_ON_VIOLATION_DENY] = "deny",
	[NOJIT_ON_VIOLATION_KILL] = "kill",
	[NOJIT_ON_VIOLATION_KILL_CGROUP] = "kill-cgroup",
	[NOJIT_ON_VIOLATION_FREEZE] = "freeze",
};

const char *on_violation_name(unsigned int v)
{
	return v < ARRAY_SIZE(on_violation_names) && on_violation_names[v] ?
	       on_violation_names[v] : "unknown";
}

unsigned int on_violation_from_name(const char *s)
{
	for (unsigned int v = 1; v < ARRAY_SIZE(on_violation_names); v++)
		if (!strcmp(s, on_violation_names[v]))
			return v;
	return 0;
}

const char *enroll_origin_name(__u32 origin)
{
	switch (origin) {
	case NOJIT_ORIGIN_MANUAL: return "manual";
	case NOJIT_ORIGIN_POLICY: return "policy";
	case NOJIT_ORIGIN_CONTAINER: return "container";
	}
	return "unknown";
}
