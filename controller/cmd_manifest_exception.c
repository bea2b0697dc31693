// SPDX-License-Identifier: GPL-2.0
/* nojit manifest approve, and how verify shows a manifest's JIT exceptions. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cmd.h"
#include "manifest_exception.h"

static const char approve_usage[] =
	"Usage: nojit manifest approve --key APPROVER.key --signer PUB [--id ID] FILE\n"
	"\n"
	"Approve the JIT exceptions of manifest FILE (all of them, or only ID):\n"
	"each gets a signature by the approver key, written into FILE. FILE must\n"
	"then be signed again (nojit manifest sign) by the manifest's own key: a\n"
	"node loads an exception only with both, from two different keys\n"
	"(docs/exceptions.md). Read what you approve first.\n"
	"\n"
	"  -k, --key KEY     approver secret key (nojit keygen --approver)\n"
	"  -s, --signer PUB  public key of the manifest signer: the approval holds\n"
	"                    only for a manifest that key signs\n"
	"      --id ID       approve only the exception ID\n"
	"  -h, --help        show this help\n";

int do_manifest_approve(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "key", required_argument, NULL, 'k' },
		{ "id", required_argument, NULL, 'i' },
		{ "signer", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	_cleanup_seckey_ struct nojit_seckey key = {};
	const char *key_path = NULL, *signer_path = NULL, *id = NULL, *file;
	struct nojit_pubkey signer;
	struct nojit_err err;
	size_t n = 0;
	int c;

	optind = 0;	/* 0: full reset, so options may follow operands */
	while ((c = getopt_long(argc, argv, "k:s:h", opts, NULL)) != -1) {
		switch (c) {
		case 'k':
			key_path = optarg;
			break;
		case 'i':
			id = optarg;
			break;
		case 's':
			signer_path = optarg;
			break;
		case 'h':
			printf("%s", approve_usage);
			return EXIT_OK;
		default:
			fprintf(stderr, "%s", approve_usage);
			return EXIT_USAGE;
		}
	}
	if (!key_path)
		return cli_usage_error(approve_usage, "--key APPROVER.key is required");
	if (!signer_path)
		return cli_usage_error(approve_usage, "--signer PUB (the manifest signer's public key) is required");
	if (optind >= argc)
		return cli_usage_error(approve_usage, "no manifest FILE to approve");
	if (optind + 1 < argc)
		return cli_usage_error(approve_usage, "unexpected argument '%s'", argv[optind + 1]);
	file = argv[optind];
	if (key_load_public(signer_path, &signer, &err) ||
	    key_load_secret_for(key_path, KEY_PURPOSE_APPROVER, &key, &err) ||
	    manifest_exceptions_approve(file, &key, signer.id, id, &n, &err)) {
		cli_error("%s", err.msg);
		return EXIT_FAILED;
	}
	if (arg_json) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "file", json_object_new_string(file));
		json_object_object_add(o, "approver", json_object_new_string(key.pub.id));
		json_object_object_add(o, "signer", json_object_new_string(signer.id));
		json_object_object_add(o, "approved", json_object_new_uint64(n));
		cli_json_print(o);
	} else {
		printf("approved %zu exception%s of %s with approver key %s, for signer %s\n"
		       "  now sign it with that manifest key: nojit manifest sign --key KEY %s\n",
		       n, n == 1 ? "" : "s", file, key.pub.id, signer.id, file);
	}
	return EXIT_OK;
}

static void allow_text(__u32 allow, char *buf, size_t size)
{
	size_t off = 0;

	buf[0] = '\0';
	for (__u32 bit = 1; bit; bit <<= 1)
		if ((allow & bit) && manifest_exception_allow_name(bit))
			off += (size_t)snprintf(buf + off, size - off, "%s%s", off ? "," : "",
						manifest_exception_allow_name(bit));
}

void manifest_exceptions_show(const struct nojit_manifest *m, struct json_object *o)
{
	struct json_object *a = o ? json_object_new_array() : NULL;

	for (size_t i = 0; i < m->n_exceptions; i++) {
		const struct nojit_manifest_exception *e = &m->exceptions[i];
		char hex[65], expires[32], allow[64];

		hex_encode(e->sha256, 32, hex);
		manifest_time_format(e->expires, expires);
		allow_text(e->allow, allow, sizeof(allow));
		if (a) {
			struct json_object *x = json_object_new_object(), *p = json_object_new_array();

			json_object_object_add(x, "id", json_object_new_string(e->id));
			json_object_object_add(x, "sha256", json_object_new_string(hex));
			json_object_object_add(x, "allow", json_object_new_string(allow));
			json_object_object_add(x, "expires", json_object_new_string(expires));
			json_object_object_add(x, "approver", json_object_new_string(e->approver));
			json_object_object_add(x, "justification",
					       json_object_new_string(e->justification));
			for (size_t j = 0; j < e->n_write_paths; j++)
				json_object_array_add(p, json_object_new_string(e->write_paths[j]));
			json_object_object_add(x, "write_paths", p);
			json_object_array_add(a, x);
			continue;
		}
		printf("  exception %s: %s may %s until %s, approved by %s\n", e->id, hex, allow,
		       expires, e->approver);
		for (size_t j = 0; j < e->n_write_paths; j++)
			printf("    writes under %s\n", e->write_paths[j]);
		printf("    because: %s\n", e->justification);
	}
	if (a)
		json_object_object_add(o, "exceptions", a);
}
