// SPDX-License-Identifier: GPL-2.0
/* nojit attest tpm-ak: the TPM attestation key a verifier pins (tpm_quote.h). */
#include <getopt.h>
#include <string.h>

#include "attest.h"
#include "cli.h"
#include "cmd.h"
#include "tpm_quote.h"

static const char tpm_ak_usage[] =
	"Usage: nojit attest tpm-ak [--tpm DEV] [-o FILE]\n"
	"\n"
	"Write the public key of this node's TPM attestation key (AK) as PEM\n"
	"(SubjectPublicKeyInfo). The AK is derived by the TPM from its endorsement\n"
	"hierarchy and a fixed template, so it is the same on every call and no key\n"
	"file is kept. A verifier records it once, out of band, and passes it to\n"
	"'nojit attest verify --tpm-ak' (or tpm2_checkquote -u) to check the TPM\n"
	"quotes in this node's statements (docs/attestation.md).\n"
	"\n"
	"  -t, --tpm DEV      the TPM (default " ATTEST_TPM_DEVICE ")\n"
	"  -o, --out FILE     write the key to FILE (default: stdout)\n"
	"  -h, --help         show this help\n";

int do_attest_tpm_ak(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "tpm", required_argument, NULL, 't' },
		{ "out", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	const char *device = ATTEST_TPM_DEVICE, *out = NULL;
	_cleanup_free_ char *pem = NULL;
	struct nojit_err err = {};
	size_t len;
	int c;

	optind = 0;	/* 0: full reset, so options may follow operands */
	while ((c = getopt_long(argc, argv, "t:o:h", opts, NULL)) != -1) {
		switch (c) {
		case 't':
			device = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		case 'h':
			printf("%s", tpm_ak_usage);
			return EXIT_OK;
		default:
			fprintf(stderr, "%s", tpm_ak_usage);
			return EXIT_USAGE;
		}
	}
	if (optind < argc)
		return cli_usage_error(tpm_ak_usage, "unexpected argument '%s'", argv[optind]);
	if (tpm_ak_public_pem(device, &pem, &len, &err)) {
		cli_error("attest tpm-ak: %s", err.msg);
		return EXIT_FAILED;
	}
	if (out && strcmp(out, "-")) {
		if (write_file_atomic(out, pem, len, 0644, &err)) {
			cli_error("attest tpm-ak: %s", err.msg);
			return EXIT_FAILED;
		}
	} else if (arg_json) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "device", json_object_new_string(device));
		json_object_object_add(o, "publicKeyPem", json_object_new_string(pem));
		cli_json_print(o);
		return EXIT_OK;
	} else if (fwrite(pem, 1, len, stdout) != len || fflush(stdout)) {
		cli_error("attest tpm-ak: writing to stdout: %s", strerror(errno));
		return EXIT_FAILED;
	}
	return EXIT_OK;
}
