// SPDX-License-Identifier: GPL-2.0
/* nojit attest verify: the verifier's side of a statement (docs/attestation.md). */
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>

#include "attest.h"
#include "audit_log.h"
#include "cli.h"
#include "cmd.h"
#include "dsse.h"
#include "manifest.h"
#include "sha256.h"
#include "tpm_quote.h"

#define EXPECT_MANIFESTS_MAX	256
#define BPF_OBJECT_MAX_BYTES	(256u << 20)

static const char verify_usage[] =
	"Usage: nojit attest verify --trust PUB|DIR --nonce HEX [OPTIONS] FILE\n"
	"\n"
	"Check a statement made by 'nojit attest' (or 'nojit vk run --attest-out')\n"
	"for the nonce HEX this verifier sent. FILE is the DSSE envelope ('-':\n"
	"standard input). The checks run in this order and a refusal names the\n"
	"first that failed:\n"
	"  envelope    a well-formed DSSE envelope of an in-toto statement\n"
	"  signature   by a trusted attestation key, over DSSE's PAE bytes\n"
	"  statement   an in-toto Statement v1 with a nojit predicate\n"
	"  nonce       the statement answers HEX (not a replay)\n"
	"  freshness   made at most --max-age seconds ago, and not in the future\n"
	"              (60 s of clock skew allowed)\n"
	"  manifest    BPF policy loaded from a known object, and each\n"
	"              --expect-manifest attested and in force: enrolled in enforce\n"
	"              mode on a cgroup that exists (the --cgroup, if named), with no\n"
	"              nested enrollment below taking part of its subtree elsewhere\n"
	"  bpf-object  the --expect-bpf-object is the BPF object attested\n"
	"\n"
	"  -t, --trust PUB|DIR            trusted attestation public key(s): an\n"
	"                                 attest.pub, or a directory of *.pub\n"
	"  -n, --nonce HEX                the nonce sent to the node (8 to 64 bytes)\n"
	"  -a, --max-age S                oldest acceptable statement, seconds\n"
	"                                 (default 300)\n"
	"  -m, --expect-manifest FILE     the signed manifest FILE (its exact bytes)\n"
	"                                 must be in force; repeatable\n"
	"      --cgroup CGROUP            ... over the whole subtree of CGROUP (for the\n"
	"                                 --expect-manifest just before): an enrolled\n"
	"                                 cgroup's path, or its tail when relative\n"
	"      --type node|vk-run|any     the statement must be of this kind (default\n"
	"                                 node: a vk run statement says nothing about\n"
	"                                 the node's policy)\n"
	"  -b, --expect-bpf-object FILE   the BPF object FILE must be the one loaded\n"
	"      --tpm-ak PEM               the node TPM's attestation key (nojit attest\n"
	"                                 tpm-ak on the node): the envelope's TPM quote\n"
	"                                 must verify with it, with the nonce, over the\n"
	"                                 statement's digest; without it the TPM is\n"
	"                                 not checked\n"
	"  -j, --json                     one JSON document on stdout\n"
	"  -h, --help                     show this help\n"
	"\n"
	"Exit status: 0 verified, 1 refused (or an input could not be read),\n"
	"2 usage error.\n";

static int read_envelope(const char *file, char **ret, size_t *ret_len, struct nojit_err *err)
{
	_cleanup_close_ int fd = -1;
	int r;

	if (strcmp(file, "-")) {
		fd = open(file, O_RDONLY | O_CLOEXEC | O_NOCTTY);
		if (fd < 0)
			return nojit_err_set(err, -errno, "%s: %s", file, strerror(errno));
	}
	r = read_fd_max(fd >= 0 ? fd : STDIN_FILENO, DSSE_ENVELOPE_MAX, ret, ret_len);
	if (r == -EFBIG)
		return nojit_err_set(err, r, "%s: envelope too large (limit %u MiB)", file, DSSE_ENVELOPE_MAX >> 20);
	if (r)
		return nojit_err_set(err, r, "%s: %s", file, strerror(-r));
	return 0;
}

/* SHA-256 of the regular file PATH, at most MAX bytes; WHAT names the option in messages. */
static int hash_file(const char *what, const char *path, __u64 max, __u8 out[32], struct nojit_err *err)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	__u8 buf[64 << 10];
	struct stat st;
	int r;

	if (fd < 0)
		return nojit_err_set(err, -errno, "%s %s: %s", what, path, strerror(errno));
	if (fstat(fd, &st))
		return nojit_err_set(err, -errno, "%s %s: %s", what, path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return nojit_err_set(err, -EINVAL, "%s %s: not a regular file", what, path);
	r = sha256_fd_bounded(fd, out, buf, sizeof(buf), max, INT64_MAX);
	if (r == -EFBIG)
		return nojit_err_set(err, r, "%s %s: larger than %llu MiB", what, path,
				     (unsigned long long)(max >> 20));
	if (r)
		return nojit_err_set(err, r, "%s %s: %s", what, path, strerror(-r));
	return 0;
}

static int parse_max_age(const char *s, __s64 *ret)
{
	char *end;
	long long v;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end || v < 1 || v > ATTEST_MAX_AGE_MAX)
		return -EINVAL;
	*ret = v;
	return 0;
}

static void print_refusal(const char *file, enum attest_check failed, const struct nojit_err *err)
{
	struct json_object *o;

	if (!arg_json) {
		cli_error("attest verify %s: refused: %s", file, err->msg);
		return;
	}
	o = json_object_new_object();
	json_object_object_add(o, "file", json_object_new_string(file));
	json_object_object_add(o, "verified", json_object_new_boolean(false));
	json_object_object_add(o, "check", json_object_new_string(attest_check_name(failed)));
	json_object_object_add(o, "error", json_object_new_string(err->msg));
	cli_json_print(o);
}

static void print_verified(const char *file, const char *trust, const struct attest_expect *x,
			   struct attest_verified *v)
{
	char when[AUDIT_TIME_LEN + 1], digest[65];
	__s64 age = (clock_ns(CLOCK_REALTIME) - v->time_ns) / 1000000000;

	audit_time_format((__u64)v->time_ns, when);
	hex_encode(v->digest, 32, digest);
	if (arg_json) {
		struct json_object *o = json_object_new_object(), *checks = json_object_new_array();

		json_object_object_add(o, "file", json_object_new_string(file));
		json_object_object_add(o, "verified", json_object_new_boolean(true));
		json_object_object_add(o, "signer", json_object_new_string(v->signer));
		json_object_object_add(o, "predicateType", json_object_new_string(v->predicate_type));
		json_object_object_add(o, "time", json_object_new_string(when));
		json_object_object_add(o, "nonce", json_object_new_string(x->nonce->hex));
		json_object_object_add(o, "digest", json_object_new_string(digest));
		for (enum attest_check c = ATTEST_CHECK_ENVELOPE; c <= ATTEST_CHECK_FRESHNESS; c++)
			json_object_array_add(checks, json_object_new_string(attest_check_name(c)));
		if (x->n_manifests)
			json_object_array_add(checks, json_object_new_string(attest_check_name(ATTEST_CHECK_MANIFEST)));
		if (x->has_bpf_object)
			json_object_array_add(checks, json_object_new_string(attest_check_name(ATTEST_CHECK_BPF_OBJECT)));
		if (v->tpm_checked)
			json_object_array_add(checks, json_object_new_string(attest_check_name(ATTEST_CHECK_TPM)));
		json_object_object_add(o, "checks", checks);
		json_object_object_add(o, "manifests", json_object_new_uint64(x->n_manifests));
		json_object_object_add(o, "tpm", json_object_new_boolean(v->tpm_checked));
		/* The caller asked for this statement: hand over the verified content, not a copy to re-check. */
		json_object_object_add(o, "statement", json_object_get(v->statement));
		cli_json_print(o);
		return;
	}
	printf("%s: verified\n", file);
	printf("  signer      attestation key %s (trusted in %s)\n", v->signer, trust);
	printf("  statement   %s\n", v->predicate_type);
	printf("  time        %s (%lld s ago)\n", when, (long long)age);
	printf("  nonce       %s (matches)\n", x->nonce->hex);
	printf("  manifests   %zu expected, %s\n", x->n_manifests,
	       x->n_manifests ? "each attested and in force" : "none checked");
	printf("  bpf object  %s\n", x->has_bpf_object ? "the expected one" : "not checked");
	if (v->tpm_checked)
		printf("  tpm quote   verified: PCR %u holds the statement's digest, quoted with the nonce\n",
		       v->tpm_pcr);
	else
		printf("  tpm quote   not checked (no --tpm-ak)\n");
	printf("  digest      sha256 %s\n", digest);
}

int do_attest_verify(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "trust", required_argument, NULL, 't' },
		{ "nonce", required_argument, NULL, 'n' },
		{ "max-age", required_argument, NULL, 'a' },
		{ "expect-manifest", required_argument, NULL, 'm' },
		{ "expect-bpf-object", required_argument, NULL, 'b' },
		{ "tpm-ak", required_argument, NULL, 'T' },
		{ "type", required_argument, NULL, 'y' },
		{ "cgroup", required_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	const char *trust_path = NULL, *nonce_hex = NULL, *bpf_path = NULL, *ak_path = NULL, *file;
	const char *manifest_paths[EXPECT_MANIFESTS_MAX];
	const char *manifest_cgroups[EXPECT_MANIFESTS_MAX];
	_cleanup_free_ __u8 (*manifests)[32] = NULL;
	_cleanup_free_ char *env = NULL, *ak = NULL;
	struct attest_expect x = {};
	struct attest_verified v = {};
	struct nojit_trust trust = {};
	struct attest_nonce nonce;
	enum attest_check failed = 0;
	struct nojit_err err = {};
	size_t n_manifests = 0, len = 0, ak_len = 0;
	bool any_type = false;
	int c, r, ret = EXIT_FAILED;

	optind = 0;	/* 0: full reset, so options may follow operands */
	while ((c = getopt_long(argc, argv, "t:n:a:m:b:jh", opts, NULL)) != -1) {
		switch (c) {
		case 't':
			trust_path = optarg;
			break;
		case 'n':
			nonce_hex = optarg;
			break;
		case 'a':
			if (parse_max_age(optarg, &x.max_age_s))
				return cli_usage_error(verify_usage, "--max-age '%s': not a number of seconds from 1 to %d",
						       optarg, ATTEST_MAX_AGE_MAX);
			break;
		case 'm':
			if (n_manifests == EXPECT_MANIFESTS_MAX)
				return cli_usage_error(verify_usage, "--expect-manifest: at most %d",
						       EXPECT_MANIFESTS_MAX);
			manifest_cgroups[n_manifests] = NULL;
			manifest_paths[n_manifests++] = optarg;
			break;
		case 'c':
			/* Binds to the --expect-manifest just before: no file name can be misread as a cgroup. */
			if (!n_manifests)
				return cli_usage_error(verify_usage, "--cgroup '%s': names where the preceding "
						       "--expect-manifest must be in force, and there is none", optarg);
			if (manifest_cgroups[n_manifests - 1])
				return cli_usage_error(verify_usage, "--cgroup given twice for --expect-manifest %s",
						       manifest_paths[n_manifests - 1]);
			if (!optarg[0])
				return cli_usage_error(verify_usage, "--cgroup: empty");
			manifest_cgroups[n_manifests - 1] = optarg;
			break;
		case 'b':
			if (bpf_path)
				return cli_usage_error(verify_usage, "--expect-bpf-object given twice: a node loads one");
			bpf_path = optarg;
			break;
		case 'T':
			ak_path = optarg;
			break;
		case 'y':
			if (!strcmp(optarg, "node"))
				x.predicate_type = ATTEST_PREDICATE_NODE;
			else if (!strcmp(optarg, "vk-run"))
				x.predicate_type = ATTEST_PREDICATE_VK_RUN;
			else if (!strcmp(optarg, "any"))
				any_type = true;
			else
				return cli_usage_error(verify_usage, "--type '%s': not node, vk-run or any", optarg);
			break;
		case 'j':
			arg_json = true;
			break;
		case 'h':
			printf("%s", verify_usage);
			return EXIT_OK;
		default:
			fprintf(stderr, "%s", verify_usage);
			return EXIT_USAGE;
		}
	}
	if (!trust_path)
		return cli_usage_error(verify_usage, "--trust PUB|DIR is required: the node's attestation public key");
	if (!nonce_hex)
		return cli_usage_error(verify_usage, "--nonce HEX is required: the challenge sent to the node");
	if (optind >= argc)
		return cli_usage_error(verify_usage, "no statement FILE to verify ('-' for standard input)");
	if (optind + 1 < argc)
		return cli_usage_error(verify_usage, "unexpected argument '%s'", argv[optind + 1]);
	file = argv[optind];
	if (attest_nonce_parse(nonce_hex, &nonce, &err))
		return cli_usage_error(verify_usage, "--nonce: %s", err.msg);
	x.nonce = &nonce;
	if (!x.predicate_type && !any_type)
		x.predicate_type = ATTEST_PREDICATE_NODE;
	x.manifest_cgroups = manifest_cgroups;

	if (trust_load_for(trust_path, KEY_PURPOSE_ATTEST, &trust, &err)) {
		cli_error("attest verify: %s", err.msg);
		return EXIT_FAILED;
	}
	if (n_manifests) {
		manifests = calloc(n_manifests, sizeof(*manifests));
		if (!manifests) {
			cli_error("attest verify: out of memory");
			goto out;
		}
	}
	for (size_t i = 0; i < n_manifests; i++)
		if (hash_file("--expect-manifest", manifest_paths[i], NOJIT_MANIFEST_MAX_BYTES, manifests[i], &err)) {
			cli_error("attest verify: %s", err.msg);
			goto out;
		}
	x.manifests = (const __u8 (*)[32])manifests;
	x.n_manifests = n_manifests;
	if (bpf_path) {
		if (hash_file("--expect-bpf-object", bpf_path, BPF_OBJECT_MAX_BYTES, x.bpf_object, &err)) {
			cli_error("attest verify: %s", err.msg);
			goto out;
		}
		x.has_bpf_object = true;
	}
	if (ak_path) {
		r = read_file_max(AT_FDCWD, ak_path, TPM_AK_PEM_MAX, &ak, &ak_len);
		if (r) {
			cli_error("attest verify: --tpm-ak %s: %s", ak_path,
				  r == -EFBIG ? "too large for a PEM public key" : strerror(-r));
			goto out;
		}
		x.tpm_ak_pem = ak;
		x.tpm_ak_pem_len = ak_len;
	}
	if (read_envelope(file, &env, &len, &err)) {
		cli_error("attest verify: %s", err.msg);
		goto out;
	}

	if (attest_verify(env, len, &trust, &x, &v, &failed, &err)) {
		print_refusal(file, failed, &err);
		goto out;
	}
	print_verified(file, trust_path, &x, &v);
	ret = EXIT_OK;
out:
	attest_verified_free(&v);
	trust_free(&trust);
	return ret;
}
