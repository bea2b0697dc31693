// SPDX-License-Identifier: GPL-2.0
/*
 * The policy.d loader (controller/policy_dir.c) as the daemon runs it on
 * /etc/nojit/policy.d: every file parsed, every selector compiled, every
 * manifest named verified, all or nothing.
 *
 * An input is up to four policy files separated by NUL bytes, written to a
 * fresh directory as a.json, b.json, ... "@D@" in them stands for the
 * scratch directory, which holds what a policy may name: agent.json (a
 * manifest signed by the harness's key), signing.pub and approvers/.
 * On success every policy is matched against a few cgroup paths.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common.h"
#include "manifest.h"
#include "policy_dir.h"

#define NOW 1796601600ll
#define FILES_MAX 4

static const char manifest[] =
	"{\"schema\": 1, \"name\": \"agent\", \"serial\": 3,\n"
	" \"issued\": \"2026-11-22T08:50:11Z\", \"expires\": \"2027-11-22T08:50:11Z\",\n"
	" \"mode\": \"audit\", \"entries\": [\n"
	"  {\"sha256\": \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\", \"kind\": \"any\", \"path\": \"/usr/bin/bash\"}]}\n";

static void setup(char *dir, size_t size)
{
	struct nojit_err err = {};
	char path[4200];

	fuzz_path(dir, size, "policy.d");
	fuzz_keys();
	fuzz_path(path, sizeof(path), "agent.json");
	fuzz_write(path, manifest, strlen(manifest));
	if (manifest_sign_file(path, &fuzz_keys()->signing, NOW, NULL, &err)) {
		fprintf(stderr, "%s\n", err.msg);
		abort();
	}
}

/* Write BYTES with every "@D@" replaced by the scratch directory. */
static void write_expanded(const char *path, const uint8_t *bytes, size_t len)
{
	const char *d = fuzz_dir();
	size_t dlen = strlen(d), n = 0;
	char *out = malloc(len / 3 * dlen + len + 1);

	if (!out)
		abort();
	for (size_t i = 0; i < len;) {
		if (i + 3 <= len && !memcmp(bytes + i, "@D@", 3)) {
			memcpy(out + n, d, dlen);
			n += dlen, i += 3;
		} else {
			out[n++] = (char)bytes[i++];
		}
	}
	fuzz_write(path, out, n);
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const cgroups[] = { "nojit.slice", "system.slice/a.service",
					       "kubepods.slice/x/pod-1", "web.slice/a" };
	static char dir[4200];
	struct policy_problems pr = {};
	struct policy_dir *d = NULL;
	struct nojit_err err = {};
	char path[4300];
	size_t start = 0;

	if (!dir[0])
		setup(dir, sizeof(dir));
	if (mkdir(dir, 0700))
		abort();
	for (int f = 0; f < FILES_MAX && start <= size; f++) {
		const uint8_t *nul = memchr(data + start, 0, size - start);
		size_t end = nul ? (size_t)(nul - data) : size;

		snprintf(path, sizeof(path), "%s/%c.json", dir, 'a' + f);
		write_expanded(path, data + start, end - start);
		start = end + 1;
	}
	if (policy_dir_load(dir, NOW, &d, &pr, &err) == 0) {
		for (size_t i = 0; i < d->n; i++) {
			for (size_t c = 0; c < sizeof(cgroups) / sizeof(cgroups[0]); c++)
				policy_matches_cgroup(&d->policies[i], cgroups[c]);
			policy_mode(&d->policies[i]);
			if (policy_dir_find(d, d->policies[i].name) != &d->policies[i])
				abort();
		}
		policy_dir_free(d);
	}
	policy_problems_free(&pr);
	for (int f = 0; f < FILES_MAX; f++) {
		snprintf(path, sizeof(path), "%s/%c.json", dir, 'a' + f);
		unlink(path);
	}
	if (rmdir(dir))
		abort();
	return 0;
}
