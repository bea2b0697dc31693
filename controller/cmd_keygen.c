// SPDX-License-Identifier: GPL-2.0
/* nojit keygen: an Ed25519 key pair for signing manifests. */
#include <getopt.h>
#include <string.h>

#include "cli.h"
#include "cmd.h"
#include "keys.h"

static const char keygen_usage[] =
	"Usage: nojit keygen --out DIR\n"
	"\n"
	"Generate an Ed25519 key pair for signing manifests: DIR/" NOJIT_KEY_FILE " (the\n"
	"secret key, mode 0600: keep it on the signing machine only) and\n"
	"DIR/" NOJIT_PUB_FILE " (the public key: copy it into the trust directory of\n"
	"every node). DIR is created (mode 0700) if needed; existing key files\n"
	"are never overwritten. Prints the key id, the short name every command\n"
	"shows for this key.\n"
	"\n"
	"  -o, --out DIR   where to write the key pair\n"
	"  -h, --help      show this help\n";

int do_keygen(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "out", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct nojit_pubkey pub;
	struct nojit_err err;
	const char *dir = NULL;
	int c;

	optind = 0;	/* 0: full reset, so options may follow operands */
	while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			dir = optarg;
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
	if (key_generate(dir, &pub, &err)) {
		cli_error("keygen: %s", err.msg);
		return EXIT_FAILED;
	}
	if (arg_json) {
		struct json_object *o = json_object_new_object();
		char path[4096];

		json_object_object_add(o, "key_id", json_object_new_string(pub.id));
		snprintf(path, sizeof(path), "%s/%s", dir, NOJIT_KEY_FILE);
		json_object_object_add(o, "secret_key", json_object_new_string(path));
		snprintf(path, sizeof(path), "%s/%s", dir, NOJIT_PUB_FILE);
		json_object_object_add(o, "public_key", json_object_new_string(path));
		cli_json_print(o);
		return EXIT_OK;
	}
	printf("key %s\n", pub.id);
	printf("  secret  %s/%s (mode 0600; never copy it to the nodes)\n", dir, NOJIT_KEY_FILE);
	printf("  public  %s/%s (install it in the nodes' trust directory)\n", dir, NOJIT_PUB_FILE);
	return EXIT_OK;
}
