// SPDX-License-Identifier: GPL-2.0
/* nojit audit verify: check the signed, hash-chained audit log offline. */
#include <getopt.h>
#include <string.h>

#include "audit_log.h"
#include "cli.h"
#include "cmd.h"
#include "keys.h"

static const char audit_usage[] =
	"Usage: nojit audit COMMAND [OPTIONS] ...\n"
	"\n"
	"The audit log written by 'nojit daemon': JSON Lines, each record chained to\n"
	"the one before it by SHA-256, Ed25519 seals over the chain (format:\n"
	"docs/audit-log.md).\n"
	"\n"
	"Commands:\n"
	"  verify --key PUB|DIR [--strict|--allow-unsealed-tail] [--anchor SEQ[:SHA256]]\n"
	"         FILE...         verify the chain, its seals and that the log ends sealed\n"
	"  ocsf [--host NAME] [FILE...]\n"
	"                          the records as OCSF events (docs/siem.md)\n"
	"  help                    show this help\n"
	"\n"
	"'nojit audit COMMAND --help' for a command's options.\n";

static const char verify_usage[] =
	"Usage: nojit audit verify --key PUB|DIR [OPTIONS] FILE...\n"
	"\n"
	"Verify the audit log made of FILE... (the current file and its rotated\n"
	"segments, in any order: 'nojit audit verify --key nojit.pub audit.log*').\n"
	"Every record must continue the hash chain, every seal must verify with a\n"
	"trusted key, and the log must end with the daemon's shutdown seal. Exit 0\n"
	"with the number of records and seals verified, or 1 naming the first bad\n"
	"record (file, line, seq) and why: altered, removed, inserted, reordered,\n"
	"truncated, bad-seal, missing-seal, wrong-key, malformed, unsealed-tail.\n"
	"\n"
	"unsealed-tail: records after the last seal (or an incomplete last record,\n"
	"or a last seal that is not the shutdown seal) cannot be verified: they are\n"
	"chained but not signed. A daemon that crashed or is still running leaves\n"
	"this, and so does a log whose newest records were cut off: the file alone\n"
	"cannot tell the two apart. After a crash, --allow-unsealed-tail accepts it\n"
	"and says how much is unverified; --anchor (a head seen earlier) proves that\n"
	"nothing up to that record was cut (docs/audit-log.md: what an attacker who\n"
	"can write the log can hide).\n"
	"\n"
	"  -k, --key PUB|DIR       trusted public key(s): one .pub file or a directory\n"
	"  -s, --strict            the log must be complete: start at seq 1 and end with\n"
	"                          the daemon's shutdown seal\n"
	"  -u, --allow-unsealed-tail\n"
	"                          accept a log whose end is not the shutdown seal (after\n"
	"                          a crash, or of a running daemon): what follows the last\n"
	"                          seal is reported as unverified, everything before it is\n"
	"                          still verified\n"
	"  -a, --anchor SEQ[:SHA256]\n"
	"                          the log must reach record SEQ (and its line hash to\n"
	"                          SHA256): the 'head' a previous verification printed,\n"
	"                          or the last seal a log collector received\n"
	"  -h, --help              show this help\n";

static int hex_nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* SEQ or SEQ:SHA256 */
static int parse_anchor(const char *s, struct audit_verify_opts *o)
{
	const char *colon = strchr(s, ':');
	unsigned long long v;
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || !v || end != (colon ? colon : s + strlen(s)))
		return -EINVAL;
	o->anchor_seq = v;
	if (!colon)
		return 0;
	if (strlen(colon + 1) != 64)
		return -EINVAL;
	for (int i = 0; i < 32; i++) {
		int hi = hex_nibble(colon[1 + 2 * i]), lo = hex_nibble(colon[2 + 2 * i]);

		if (hi < 0 || lo < 0)
			return -EINVAL;
		o->anchor_hash[i] = (__u8)(hi << 4 | lo);
	}
	o->has_anchor_hash = true;
	return 0;
}

/* Warnings about a log that verified: what is not covered by a seal, and crashes. */
static size_t warnings(const struct audit_verify_result *res, const char *last_file, char w[4][320])
{
	size_t n = 0;

	if (res->unsealed)
		snprintf(w[n++], sizeof(w[0]),
			 "unsealed tail accepted (--allow-unsealed-tail): %llu record%s after the last seal "
			 "(seq %llu) cannot be verified: chained but not signed; the daemon stopped without "
			 "sealing (crashed? killed?) or is still running, or the log was cut short there",
			 (unsigned long long)res->unsealed, res->unsealed == 1 ? "" : "s",
			 (unsigned long long)res->last_seal_seq);
	if (res->partial_bytes)
		snprintf(w[n++], sizeof(w[0]),
			 "unsealed tail accepted (--allow-unsealed-tail): %s ends with %llu bytes of an "
			 "incomplete record (the daemon crashed while writing it?)",
			 last_file, (unsigned long long)res->partial_bytes);
	if (res->ends_rotated)
		snprintf(w[n++], sizeof(w[0]),
			 "unsealed tail accepted (--allow-unsealed-tail): the log ends with a rotation seal: "
			 "the newer segment file(s) were not given");
	else if (!res->unsealed && !res->closed)
		snprintf(w[n++], sizeof(w[0]),
			 "unsealed tail accepted (--allow-unsealed-tail): the log ends with a periodic seal, "
			 "not a shutdown seal: the daemon is running, or stopped without its shutdown seal, "
			 "or the log was cut short after seq %llu",
			 (unsigned long long)res->last_seq);
	if (res->recoveries)
		snprintf(w[n++], sizeof(w[0]),
			 "the daemon stopped without its shutdown seal %llu time%s; %llu record%s unprotected "
			 "until the next start sealed them%s",
			 (unsigned long long)res->recoveries, res->recoveries == 1 ? "" : "s",
			 (unsigned long long)res->recovered_unsealed, res->recovered_unsealed == 1 ? " was" : "s were",
			 res->discarded_bytes ? ", an incomplete record was set aside" : "");
	return n;
}

static struct json_object *json_hex(const __u8 b[32])
{
	char hex[65];

	hex_encode(b, 32, hex);
	return json_object_new_string(hex);
}

static int do_verify(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "key", required_argument, NULL, 'k' },
		{ "strict", no_argument, NULL, 's' },
		{ "allow-unsealed-tail", no_argument, NULL, 'u' },
		{ "anchor", required_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct audit_verify_opts vo = {};
	struct audit_verify_result res;
	struct nojit_trust trust = {};
	const char *key = NULL, *file;
	char w[4][320], head[65], keys[AUDIT_VERIFY_MAX_KEYS * (NOJIT_KEY_ID_LEN + 2)] = "";
	struct nojit_err err;
	size_t n_files, n_warn;
	int c, r;

	optind = 0;	/* 0: full reset, so options may follow operands */
	while ((c = getopt_long(argc, argv, "k:sua:h", opts, NULL)) != -1) {
		switch (c) {
		case 'k':
			key = optarg;
			break;
		case 's':
			vo.strict = true;
			break;
		case 'u':
			vo.allow_unsealed_tail = true;
			break;
		case 'a':
			if (parse_anchor(optarg, &vo))
				return cli_usage_error(verify_usage, "--anchor: '%s' is not SEQ or SEQ:SHA256", optarg);
			break;
		case 'h':
			printf("%s", verify_usage);
			return EXIT_OK;
		default:
			fprintf(stderr, "%s", verify_usage);
			return EXIT_USAGE;
		}
	}
	if (!key)
		return cli_usage_error(verify_usage, "--key PUB|DIR is required");
	if (vo.strict && vo.allow_unsealed_tail)
		return cli_usage_error(verify_usage, "--strict requires the shutdown seal, "
				       "--allow-unsealed-tail accepts a log without it: choose one");
	if (optind >= argc)
		return cli_usage_error(verify_usage, "no audit log FILE to verify");
	n_files = (size_t)(argc - optind);
	if (trust_load(key, &trust, &err)) {
		cli_error("audit verify: %s", err.msg);
		return EXIT_FAILED;
	}
	r = audit_verify((const char *const *)argv + optind, n_files, &trust, &vo, &res, &err);
	trust_free(&trust);
	if (r) {
		cli_error("audit verify: %s", err.msg);
		return EXIT_FAILED;
	}
	file = argv[optind + res.file_index];
	hex_encode(res.head, 32, head);
	for (size_t i = 0; i < res.n_key_ids; i++)
		snprintf(keys + strlen(keys), sizeof(keys) - strlen(keys), "%s%s", i ? ", " : "", res.key_ids[i]);
	n_warn = res.reason == AUDIT_OK ? warnings(&res, argv[optind + res.last_file_index], w) : 0;

	if (arg_json) {
		struct json_object *o = json_object_new_object(), *a = json_object_new_array();

		json_object_object_add(o, "valid", json_object_new_boolean(res.reason == AUDIT_OK));
		json_object_object_add(o, "unsealed_tail_allowed", json_object_new_boolean(vo.allow_unsealed_tail));
		json_object_object_add(o, "log", json_object_new_string(res.log_id));
		json_object_object_add(o, "records", json_object_new_uint64(res.records));
		json_object_object_add(o, "seals", json_object_new_uint64(res.seals));
		json_object_object_add(o, "events", json_object_new_uint64(res.events));
		json_object_object_add(o, "drops_records", json_object_new_uint64(res.drops_records));
		json_object_object_add(o, "dropped", json_object_new_uint64(res.dropped));
		json_object_object_add(o, "responses", json_object_new_uint64(res.responses));
		json_object_object_add(o, "scan_findings", json_object_new_uint64(res.scan_findings));
		json_object_object_add(o, "segments", json_object_new_uint64(res.segments));
		json_object_object_add(o, "sessions", json_object_new_uint64(res.sessions));
		for (size_t i = 0; i < res.n_key_ids; i++)
			json_object_array_add(a, json_object_new_string(res.key_ids[i]));
		json_object_object_add(o, "keys", a);
		if (res.reason == AUDIT_OK) {
			json_object_object_add(o, "first_seq", json_object_new_uint64(res.first_seq));
			json_object_object_add(o, "last_seq", json_object_new_uint64(res.last_seq));
			json_object_object_add(o, "head_sha256", json_hex(res.head));
			json_object_object_add(o, "closed", json_object_new_boolean(res.closed));
			json_object_object_add(o, "ends_rotated", json_object_new_boolean(res.ends_rotated));
			json_object_object_add(o, "last_seal_seq", json_object_new_uint64(res.last_seal_seq));
			json_object_object_add(o, "unsealed", json_object_new_uint64(res.unsealed));
			json_object_object_add(o, "partial_bytes", json_object_new_uint64(res.partial_bytes));
			json_object_object_add(o, "starts_mid_chain", json_object_new_boolean(res.starts_mid_chain));
			json_object_object_add(o, "recoveries", json_object_new_uint64(res.recoveries));
			json_object_object_add(o, "recovered_unsealed", json_object_new_uint64(res.recovered_unsealed));
			json_object_object_add(o, "discarded_bytes", json_object_new_uint64(res.discarded_bytes));
			a = json_object_new_array();
			for (size_t i = 0; i < n_warn; i++)
				json_object_array_add(a, json_object_new_string(w[i]));
			json_object_object_add(o, "warnings", a);
		} else {
			json_object_object_add(o, "reason", json_object_new_string(audit_reason_name(res.reason)));
			json_object_object_add(o, "file", json_object_new_string(file));
			json_object_object_add(o, "line", json_object_new_uint64(res.line));
			json_object_object_add(o, "seq", json_object_new_uint64(res.seq));
			json_object_object_add(o, "detail", json_object_new_string(res.detail));
		}
		cli_json_print(o);
		return res.reason == AUDIT_OK ? EXIT_OK : EXIT_FAILED;
	}

	if (res.reason != AUDIT_OK) {
		char where[64] = "";

		if (res.line)
			snprintf(where, sizeof(where), ":%llu", (unsigned long long)res.line);
		if (res.seq)
			snprintf(where + strlen(where), sizeof(where) - strlen(where), " (seq %llu)",
				 (unsigned long long)res.seq);
		cli_error("audit verify: %s%s: %s: %s", file, where, audit_reason_name(res.reason), res.detail);
		fprintf(stderr, "  verified before it: %llu records, %llu seals\n", (unsigned long long)res.records,
			(unsigned long long)res.seals);
		if (!vo.strict && (res.reason == AUDIT_UNSEALED_TAIL ||
				    (res.reason == AUDIT_TRUNCATED && res.ends_rotated)))
			fprintf(stderr, "  a crash leaves this too: --allow-unsealed-tail accepts it "
				"(everything up to the last seal is verified)\n");
		return EXIT_FAILED;
	}
	printf("%s%s: OK: %llu records, %llu seals verified", argv[optind], n_files > 1 ? " ..." : "",
	       (unsigned long long)res.records, (unsigned long long)res.seals);
	if (res.unsealed)
		printf(", %llu unsealed", (unsigned long long)res.unsealed);
	printf(" (seq %llu..%llu)\n", (unsigned long long)res.first_seq, (unsigned long long)res.last_seq);
	printf("  log %s, %llu segment file%s, sealed by key %s\n", res.log_id, (unsigned long long)n_files,
	       n_files == 1 ? "" : "s", res.n_key_ids ? keys : "(none)");
	printf("  %llu events, %llu scan findings, %llu responses, %llu drops records (%llu events dropped)\n",
	       (unsigned long long)res.events, (unsigned long long)res.scan_findings,
	       (unsigned long long)res.responses,
	       (unsigned long long)res.drops_records, (unsigned long long)res.dropped);
	printf("  %s\n", res.closed ? "closed by the shutdown seal" :
	       res.ends_rotated ? "ends with a rotation seal" : "open (no shutdown seal at the end)");
	if (res.starts_mid_chain)
		printf("  starts at seq %llu: earlier segments were not given\n", (unsigned long long)res.first_seq);
	printf("  head: seq %llu sha256 %s (next time: --anchor %llu:%s)\n", (unsigned long long)res.last_seq,
	       head, (unsigned long long)res.last_seq, head);
	for (size_t i = 0; i < n_warn; i++)
		fprintf(stderr, "nojit: warning: %s\n", w[i]);
	return EXIT_OK;
}

int do_audit(int argc, char **argv)
{
	static const struct cli_cmd cmds[] = {
		{ "verify", do_verify, "verify the chain and its seals" },
		{ "ocsf", do_audit_ocsf, "the records as OCSF events" },
		{ "help", NULL, "show this help" },
		{}
	};

	return cli_object(cmds, "audit", audit_usage, argc, argv);
}
