// SPDX-License-Identifier: GPL-2.0
/* nojit keygen: an Ed25519 key pair for signing manifests, attestation or approving exceptions. */
#include <getopt.h>
#include <string.h>

#include "cli.h"
#include "cmd.h"
#include "keys.h"

static const char keygen_usage[] =
	"Usage: nojit keygen [--attest|--approver] --out DIR\n"
	"\n"
	"Generate an Ed25519 key pair for signing manifests: DIR/" NOJIT_KEY_FILE " (the\n"
	"secret key, mode 0600: keep it on the signing machine only) and\n"
	"DIR/" NOJIT_PUB_FILE " (the public key: copy it into the trust directory of\n"
	"every node). DIR is created (mode 0700) if needed; existing key files\n"
	"are never overwritten. Prints the key id, the short name every command\n"
	"shows for this key.\n"
	"\n"
	"With --attest, the key pair signs statements about this node instead\n"
	"(nojit attest, docs/attestation.md): DIR/" NOJIT_ATTEST_KEY_FILE " and DIR/" NOJIT_ATTEST_PUB_FILE ",\n"
	"tagged so that it can never sign a manifest and a signing key can never\n"
	"sign a statement. Give attest.pub to the verifiers (attest verify --trust).\n"
	"\n"
	"With --approver, the key pair approves JIT exceptions in manifests\n"
	"(nojit manifest approve, docs/exceptions.md): DIR/" NOJIT_APPROVER_KEY_FILE " and\n"
	"DIR/" NOJIT_APPROVER_PUB_FILE ", for a person other than the manifest signer. Copy\n"
	"approver.pub into the nodes' approver directory (/etc/nojit/approvers).\n"
	"\n"
	"  -o, --out DIR   where to write the key pair\n"
	"      --attest    an attestation key\n"
	"      --approver  an exception approver key\n"
	"  -h, --help      show this help\n";

int do_keygen(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "out", required_argument, NULL, 'o' },
		{ "attest", no_argument, NULL, 'A' },
		{ "approver", no_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct nojit_pubkey pub;
	struct nojit_err err;
	enum key_purpose purpose = KEY_PURPOSE_SIGNING;
	const char *dir = NULL, *key_file = NOJIT_KEY_FILE, *pub_file = NOJIT_PUB_FILE;
	int c;

	optind = 0;	/* 0: full reset, so options may follow operands */
	while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			dir = optarg;
			break;
		case 'A':
			purpose = KEY_PURPOSE_ATTEST;
			key_file = NOJIT_ATTEST_KEY_FILE;
			pub_file = NOJIT_ATTEST_PUB_FILE;
			break;
		case 'P':
			purpose = KEY_PURPOSE_APPROVER;
			key_file = NOJIT_APPROVER_KEY_FILE;
			pub_file = NOJIT_APPROVER_PUB_FILE;
			break;
		case 'h':
			printf("%s", keygen_usage);
			return EXIT_OK;
		default:
			fprintf(stderr, "%s", keygen_usage);
			return EXIT_USAGE;
		}
	}
	if (optind < argc)
		return cli_usage_error(keygen_usage, "unexpected argument '%s'", argv[optind]);
	if (!dir)
		return cli_usage_error(keygen_usage, "--out DIR is required");
	if (key_generate_for(dir, purpose, &pub, &err)) {
		cli_error("keygen: %s", err.msg);
		return EXIT_FAILED;
	}
	if (arg_json) {
		struct json_object *o = json_object_new_object();
		char path[4096];

		json_object_object_add(o, "key_id", json_object_new_string(pub.id));
		snprintf(path, sizeof(path), "%s/%s", dir, key_file);
		json_object_object_add(o, "secret_key", json_object_new_string(path));
		snprintf(path, sizeof(path), "%s/%s", dir, pub_file);
		json_object_object_add(o, "public_key", json_object_new_string(path));
		cli_json_print(o);
		return EXIT_OK;
	}
	printf("key %s\n", pub.id);
	if (purpose == KEY_PURPOSE_ATTEST) {
		printf("  secret  %s/%s (mode 0600; stays on this node)\n", dir, key_file);
		printf("  public  %s/%s (give it to the verifiers: attest verify --trust)\n", dir, pub_file);
		return EXIT_OK;
	}
	if (purpose == KEY_PURPOSE_APPROVER) {
		printf("  secret  %s/%s (mode 0600; the approver's alone, never the manifest signer's)\n",
		       dir, key_file);
		printf("  public  %s/%s (install it in the nodes' approver directory)\n", dir, pub_file);
		return EXIT_OK;
	}
	printf("  secret  %s/%s (mode 0600; never copy it to the nodes)\n", dir, key_file);
	printf("  public  %s/%s (install it in the nodes' trust directory)\n", dir, pub_file);
	return EXIT_OK;
}
