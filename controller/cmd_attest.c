// SPDX-License-Identifier: GPL-2.0
/* nojit attest: a signed, fresh statement of what this node enforces. */
#include <getopt.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

#include "attest_node.h"
#include "audit_log.h"
#include "cli.h"
#include "cmd.h"

#define DEFAULT_ATTEST_KEY "/etc/nojit/" NOJIT_ATTEST_KEY_FILE

static const char attest_usage[] =
	"Usage: nojit attest --nonce HEX [--key KEY] [-o FILE] [--audit-log FILE]\n"
	"                    [--tpm[=DEV] | --no-tpm] [--tpm-pcr N]\n"
	"\n"
	"Write a statement of what this node enforces, for a verifier that sent\n"
	"NONCE: an in-toto Statement in a DSSE envelope signed by the node's\n"
	"attestation key (nojit keygen --attest). Subjects are every manifest in\n"
	"force, the BPF programs attached and this nojit binary; the predicate\n"
	"has the host, the time, the nonce, every enrollment with its manifest\n"
	"and response, the kernel's counters, the BPF object loaded, the audit\n"
	"log's head and the last scan of every governed task (docs/attestation.md).\n"
	"\n"
	"Where the node has a TPM (" ATTEST_TPM_DEVICE ", or --tpm), the statement's digest\n"
	"is extended into a PCR and the envelope carries a TPM 2.0 quote over it\n"
	"with the nonce as qualifying data.\n"
	"\n"
	"  -n, --nonce HEX    the verifier's nonce, 8 to 64 bytes in hex (required)\n"
	"  -k, --key KEY      attestation secret key (default " DEFAULT_ATTEST_KEY ")\n"
	"  -o, --out FILE     write the envelope to FILE (default: stdout)\n"
	"  -a, --audit-log FILE  the daemon's audit log, whose head the statement names\n"
	"                     (default " AUDIT_LOG_DEFAULT_PATH ")\n"
	"      --tpm[=DEV]    bind to the TPM at DEV (default " ATTEST_TPM_DEVICE "); fail without one\n"
	"      --no-tpm       do not use the TPM even if there is one\n"
	"      --tpm-pcr N    the PCR to extend (default 23)\n"
	"  -h, --help         show this help\n"
	"\n"
	"       nojit attest verify --help   check a statement (the verifier's side)\n"
	"       nojit attest tpm-ak --help   the TPM attestation key a verifier needs\n";

static int parse_pcr(const char *s, unsigned int *ret)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v > 23)
		return -EINVAL;
	*ret = (unsigned int)v;
	return 0;
}

static int attest_node(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "nonce", required_argument, NULL, 'n' },
		{ "key", required_argument, NULL, 'k' },
		{ "out", required_argument, NULL, 'o' },
		{ "audit-log", required_argument, NULL, 'a' },
		{ "tpm", optional_argument, NULL, 'T' },
		{ "no-tpm", no_argument, NULL, 'N' },
		{ "tpm-pcr", required_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct attest_emit_opts eo = { .tpm_pcr = ATTEST_TPM_PCR_DEFAULT };
	const char *nonce_hex = NULL, *key_path = DEFAULT_ATTEST_KEY;
	bool want_tpm = false, no_tpm = false;
	_cleanup_seckey_ struct nojit_seckey key = {};
	struct json_object *statement = NULL;
	struct attest_node_opts no = { .audit_log = AUDIT_LOG_DEFAULT_PATH };
	struct attest_nonce nonce;
	struct nojit_err err = {};
	int c, r;

	optind = 0;	/* 0: full reset, so options may follow operands */
	while ((c = getopt_long(argc, argv, "n:k:o:a:h", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			nonce_hex = optarg;
			break;
		case 'k':
			key_path = optarg;
			break;
		case 'o':
			eo.out = optarg;
			break;
		case 'a':
			no.audit_log = optarg;
			break;
		case 'T':
			want_tpm = true;
			eo.tpm_device = optarg ? optarg : ATTEST_TPM_DEVICE;
			break;
		case 'N':
			no_tpm = true;
			break;
		case 'P':
			if (parse_pcr(optarg, &eo.tpm_pcr))
				return cli_usage_error(attest_usage, "--tpm-pcr '%s': not a PCR index (0-23)",
						       optarg);
			break;
		case 'h':
			printf("%s", attest_usage);
			return EXIT_OK;
		default:
			fprintf(stderr, "%s", attest_usage);
			return EXIT_USAGE;
		}
	}
	if (optind < argc)
		return cli_usage_error(attest_usage, "unexpected argument '%s'", argv[optind]);
	if (!nonce_hex)
		return cli_usage_error(attest_usage, "--nonce HEX is required: the verifier's challenge");
	if (want_tpm && no_tpm)
		return cli_usage_error(attest_usage, "--tpm and --no-tpm contradict each other");
	if (attest_nonce_parse(nonce_hex, &nonce, &err))
		return cli_usage_error(attest_usage, "%s", err.msg);
	/* A TPM that is there is used unless the operator says not to: a quote is what makes a statement hard to forge. */
	if (!want_tpm && !no_tpm && !access(ATTEST_TPM_DEVICE, F_OK))
		eo.tpm_device = ATTEST_TPM_DEVICE;
	eo.nonce = &nonce;
	r = cli_require_root();
	if (r)
		return r;
	if (key_load_secret_for(key_path, KEY_PURPOSE_ATTEST, &key, &err)) {
		cli_error("attest: %s", err.msg);
		return EXIT_FAILED;
	}
	no.nonce = &nonce;
	if (attest_node_statement(&no, &statement, &err)) {
		cli_error("attest: %s", err.msg);
		return EXIT_FAILED;
	}
	r = attest_emit(&key, statement, &eo, NULL, &err);
	json_object_put(statement);
	if (r) {
		cli_error("attest: %s", err.msg);
		return EXIT_FAILED;
	}
	return EXIT_OK;
}

int do_attest(int argc, char **argv)
{
	static const struct cli_cmd verbs[] = {
		{ "tpm-ak", do_attest_tpm_ak, "the TPM attestation key a verifier needs" },
		{ "verify", do_attest_verify, "check a statement: signature, nonce, freshness, expectations" },
		{}
	};

	if (argc > 1 && argv[1][0] != '-') {
		for (const struct cli_cmd *v = verbs; v->name; v++)
			if (!strcmp(argv[1], v->name))
				return v->fn(argc - 1, argv + 1);
		return cli_usage_error(attest_usage, "unknown verb '%s'", argv[1]);
	}
	return attest_node(argc, argv);
}
