// SPDX-License-Identifier: GPL-2.0
/*
 * nojit audit ocsf: an audit log's records as OCSF events (the form
 * nojit daemon --format ocsf ships), to load a log into a SIEM after
 * the fact.
 */
#include <errno.h>
#include <getopt.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit_ocsf.h"
#include "cli.h"
#include "cmd.h"
#include "util.h"

static const char ocsf_usage[] =
	"Usage: nojit audit ocsf [--host NAME] [FILE...]\n"
	"\n"
	"Print each record of the audit log FILE... (standard input without FILE,\n"
	"or for '-') as one OCSF " AUDIT_OCSF_VERSION " event per line, as 'nojit daemon\n"
	"--format ocsf' sends them (mapping: docs/siem.md). Does not verify the log:\n"
	"'nojit audit verify' does.\n"
	"\n"
	"      --host NAME   the device's hostname (default: the host named by the\n"
	"                    log's last segment or restart record, else this one)\n"
	"  -h, --help        show this help\n";

/* The host a segment or restart record names: the one that wrote what follows. */
static void note_host(const char *line, char *host, size_t size)
{
	struct json_object *rec = json_tokener_parse(line), *t, *h;

	if (json_object_object_get_ex(rec, "type", &t) &&
	    (!strcmp(json_object_get_string(t), "segment") ||
	     !strcmp(json_object_get_string(t), "restart")) &&
	    json_object_object_get_ex(rec, "host", &h) && json_object_is_type(h, json_type_string))
		snprintf(host, size, "%s", json_object_get_string(h));
	json_object_put(rec);
}

static int convert(FILE *in, const char *name, const char *fixed_host, char *host, size_t size)
{
	_cleanup_free_ char *line = NULL;
	size_t cap = 0, lineno = 0;
	int bad = 0, r;
	ssize_t n;

	while ((n = getline(&line, &cap, in)) >= 0) {
		_cleanup_free_ char *out = NULL;

		lineno++;
		if (n > 0 && line[n - 1] == '\n')
			line[--n] = '\0';
		if (!fixed_host && memmem(line, (size_t)n, "\"host\":", 7))
			note_host(line, host, size);
		r = audit_ocsf_from_line(line, (size_t)n, fixed_host ? fixed_host : host, &out);
		if (r) {
			cli_error("%s:%zu: %s", name, lineno,
				  r == -EBADMSG ? "not an audit record" : strerror(-r));
			bad = 1;
			continue;
		}
		puts(out);
	}
	if (ferror(in)) {
		cli_error("%s: %s", name, strerror(errno));
		return 1;
	}
	return bad;
}

int do_audit_ocsf(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "host", required_argument, NULL, 'H' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	const char *fixed_host = NULL;
	char host[256] = "";
	int c, bad = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'H': fixed_host = optarg; break;
		case 'h': printf("%s", ocsf_usage); return EXIT_OK;
		default: fprintf(stderr, "%s", ocsf_usage); return EXIT_USAGE;
		}
	}
	gethostname(host, sizeof(host) - 1);
	if (optind == argc)
		return convert(stdin, "stdin", fixed_host, host, sizeof(host)) ? EXIT_FAILED : EXIT_OK;
	for (int i = optind; i < argc; i++) {
		FILE *f = strcmp(argv[i], "-") ? fopen(argv[i], "re") : stdin;

		if (!f) {
			cli_error("%s: %s", argv[i], strerror(errno));
			bad = 1;
			continue;
		}
		bad |= convert(f, argv[i], fixed_host, host, sizeof(host));
		if (f != stdin)
			fclose(f);
	}
	return bad ? EXIT_FAILED : EXIT_OK;
}
