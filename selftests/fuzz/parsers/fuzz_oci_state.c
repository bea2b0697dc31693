// SPDX-License-Identifier: GPL-2.0
/*
 * The container state an OCI runtime writes to `nojit oci-hook`'s stdin
 * (controller/oci.c), read from a descriptor as the hook reads it; then,
 * as the hook does next, the policy.d container selection applied to the
 * annotations it carried (a fixed policy directory of two policies).
 * An input is the state, optionally followed by a NUL and the bundle's
 * config.json, which is then read from a scratch bundle as the hook reads
 * it (annotations, linux.cgroupsPath), and its cgroupsPath matched against
 * a few cgroup paths.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <json-c/json.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common.h"
#include "oci.h"
#include "policy_dir.h"

#define NOW 1796601600ll

static const char agents[] =
	"{\"selector\": {\"container\": {\"namespace\": \"agents|sandbox-[0-9]+\", \"pod\": \".*\",\n"
	" \"container\": \"worker\", \"annotations\": {\"io.nojit.policy\": \"strict\"}}},\n"
	" \"mode\": \"enforce\", \"on_violation\": \"kill\"}\n";
static const char web[] =
	"{\"selector\": {\"container\": {\"pod\": \"web-.*\"}}, \"mode\": \"audit\"}\n";

static struct policy_dir *policies(void)
{
	static struct policy_dir *d;
	struct policy_problems pr = {};
	struct nojit_err err = {};
	char dir[4200], path[4300];

	if (d)
		return d;
	fuzz_path(dir, sizeof(dir), "policy.d");
	if (mkdir(dir, 0700))
		abort();
	snprintf(path, sizeof(path), "%s/agents.json", dir);
	fuzz_write(path, agents, strlen(agents));
	snprintf(path, sizeof(path), "%s/web.json", dir);
	fuzz_write(path, web, strlen(web));
	if (policy_dir_load(dir, NOW, &d, &pr, &err)) {
		for (size_t i = 0; i < pr.n; i++)
			fprintf(stderr, "%s\n", pr.msgs[i]);
		abort();
	}
	return d;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct policy_dir *d = policies();
	const struct policy *p;
	struct oci_state s = {};
	static const char *const cgroups[] = { "kubepods.slice/kubepods-pod1.slice/cri-containerd-abc.scope",
					       "system.slice/x.scope/sub", "a/b" };
	static char bundle[4200], config[4300];
	const uint8_t *nul = memchr(data, 0, size);
	struct nojit_err err = {};
	int fd = memfd_create("state", MFD_CLOEXEC);
	size_t off = 0;

	if (!bundle[0]) {
		fuzz_path(bundle, sizeof(bundle), "bundle");
		if (mkdir(bundle, 0700))
			abort();
		snprintf(config, sizeof(config), "%s/config.json", bundle);
	}
	if (nul) {
		fuzz_write(config, nul + 1, size - (size_t)(nul + 1 - data));
		size = (size_t)(nul - data);
	}

	if (fd < 0)
		abort();
	while (off < size) {
		ssize_t n = write(fd, data + off, size - off);

		if (n <= 0)
			abort();
		off += (size_t)n;
	}
	if (lseek(fd, 0, SEEK_SET))
		abort();
	if (oci_state_read(fd, &s, &err) == 0) {
		struct json_object *cfg;
		const char *cgroups_path;

		if (nul) {
			s.bundle = bundle;	/* the state's own points into its JSON: nothing to free */
			if (oci_config_read(&s, &cfg, &cgroups_path, &err) == 0) {
				for (size_t i = 0; cgroups_path && i < sizeof(cgroups) / sizeof(cgroups[0]); i++)
					oci_cgroups_path_match(cgroups[i], cgroups_path);
				json_object_put(cfg);
			}
		}
		policy_dir_select_container(d, s.annotations, &p, &err);
		oci_state_free(&s);
	}
	close(fd);
	return 0;
}
