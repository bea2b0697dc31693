/* SPDX-License-Identifier: GPL-2.0 */
/* Command-line plumbing shared by the cmd_*.c files. */
#ifndef NOJIT_CLI_H
#define NOJIT_CLI_H

#include <stdbool.h>
#include <json-c/json.h>

#include "util.h"

enum {
	EXIT_OK = 0,
	EXIT_FAILED = 1,	/* refused, or failed */
	EXIT_USAGE = 2,
};

extern bool arg_json;
extern bool arg_pretty;

struct cli_cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

/* Run the command whose name ARGV[0] is a unique prefix of. */
int cli_dispatch(const struct cli_cmd *cmds, const char *object, int argc, char **argv);

/*
 * `nojit OBJECT VERB ...` with ARGV[0] the object: no verb prints USAGE
 * on stderr (exit 2); --help, -h, and a verb whose fn is NULL ("help")
 * print it on stdout (exit 0); otherwise cli_dispatch() on the verb.
 */
int cli_object(const struct cli_cmd *cmds, const char *object, const char *usage, int argc,
	       char **argv);

/* "nojit: ..." on stderr, or {"error": "..."} on stdout in JSON mode. */
__attribute__((format(printf, 1, 2)))
void cli_error(const char *fmt, ...);

__attribute__((format(printf, 2, 3)))
int cli_usage_error(const char *usage, const char *fmt, ...);

/* EXIT_FAILED with a message unless running as root. */
int cli_require_root(void);

/* Print OBJ as the one JSON document of this run, and release it. */
void cli_json_print(struct json_object *obj);

/* Human-readable names for ABI enums (bpf/nojit.h). */
const char *route_name(unsigned int route);
const char *on_violation_name(unsigned int v);
unsigned int on_violation_from_name(const char *s);	/* 0 if unknown */
const char *enroll_origin_name(__u32 origin);	/* enum nojit_enroll_origin */

#endif /* NOJIT_CLI_H */
