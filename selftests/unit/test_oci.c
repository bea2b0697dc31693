// SPDX-License-Identifier: GPL-2.0
/* The OCI hook's parsers: container state, config.json, cgroupsPath matching. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <string.h>
#include <json-c/json.h>

#include "oci.h"
#include "policy_dir.h"
#include "scratch.h"

static int parse(const char *s, struct oci_state *st, struct nojit_err *err)
{
	memset(err, 0, sizeof(*err));
	return oci_state_parse(s, strlen(s), st, err);
}

Test(oci_state, runc_state)
{
	struct oci_state st;
	struct nojit_err err;

	cr_assert_eq(parse("{\"ociVersion\":\"1.0.2-dev\",\"id\":\"c1\",\"status\":\"creating\","
			   "\"pid\":192,\"bundle\":\"/b\",\"annotations\":"
			   "{\"io.kubernetes.pod.namespace\":\"ns1\"}}\n", &st, &err), 0, "%s", err.msg);
	cr_assert_str_eq(st.id, "c1");
	cr_assert_eq(st.pid, 192);
	cr_assert_str_eq(st.bundle, "/b");
	cr_assert_str_eq(st.status, "creating");
	cr_assert(st.has_annotations);
	cr_assert_str_eq(policy_container_namespace(st.annotations), "ns1");
	cr_assert_null(policy_container_pod(st.annotations));
	oci_state_free(&st);
}

Test(oci_state, containerd_annotations)
{
	struct oci_state st;
	struct nojit_err err;

	cr_assert_eq(parse("{\"id\":\"c\",\"pid\":1,\"bundle\":\"/b\",\"annotations\":{"
			   "\"io.kubernetes.cri.sandbox-namespace\":\"n\","
			   "\"io.kubernetes.cri.sandbox-name\":\"p\","
			   "\"io.kubernetes.cri.container-name\":\"c\"}}", &st, &err), 0, "%s", err.msg);
	cr_assert_str_eq(policy_container_namespace(st.annotations), "n");
	cr_assert_str_eq(policy_container_pod(st.annotations), "p");
	cr_assert_str_eq(policy_container_name(st.annotations), "c");
	oci_state_free(&st);
}

Test(oci_state, no_annotations_is_empty_object)
{
	struct oci_state st;
	struct nojit_err err;

	cr_assert_eq(parse("{\"id\":\"c\",\"pid\":1,\"bundle\":\"/b\"}", &st, &err), 0);
	cr_assert_not(st.has_annotations);
	cr_assert_not_null(st.annotations);
	cr_assert_null(policy_container_namespace(st.annotations));
	oci_state_free(&st);
}

Test(oci_state, refusals)
{
	static const struct { const char *doc, *why; } bad[] = {
		{ "", "empty" },
		{ "[]", "not a JSON object" },
		{ "{\"id\":\"c\",\"pid\":1,\"bundle\":\"/b\"} x", "data after" },
		{ "{\"id\":\"c\",\"pid\":1,\"bundle\":\"/b\"", "truncated" },
		{ "{\"pid\":1,\"bundle\":\"/b\"}", "no \"id\"" },
		{ "{\"id\":\"a b\",\"pid\":1,\"bundle\":\"/b\"}", "container id" },
		{ "{\"id\":\"a/b\",\"pid\":1,\"bundle\":\"/b\"}", "container id" },
		{ "{\"id\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\","
		  "\"pid\":1,\"bundle\":\"/b\"}", "longer than 71" },
		{ "{\"id\":\"c\",\"bundle\":\"/b\"}", "pid" },
		{ "{\"id\":\"c\",\"pid\":\"1\",\"bundle\":\"/b\"}", "pid" },
		{ "{\"id\":\"c\",\"pid\":0,\"bundle\":\"/b\"}", "not a process id" },
		{ "{\"id\":\"c\",\"pid\":4294967297,\"bundle\":\"/b\"}", "not a process id" },
		{ "{\"id\":\"c\",\"pid\":1,\"bundle\":\"b\"}", "absolute" },
		{ "{\"id\":\"c\",\"pid\":1,\"bundle\":\"/b\",\"annotations\":[]}", "not an object" },
		{ "{\"id\":\"c\",\"pid\":1,\"bundle\":\"/b\",\"annotations\":{\"k\":1}}", "not a string" },
		/* json-c keeps the last copy of a name, and cuts keys at \u0000: a second copy replaces the first. */
		{ "{\"id\":\"c\",\"pid\":1,\"bundle\":\"/b\",\"annotations\":{"
		  "\"io.kubernetes.pod.namespace\":\"workloads\",\"io.kubernetes.pod.namespace\":\"other\"}}",
		  "same member twice" },
		{ "{\"id\":\"c\",\"pid\":1,\"bundle\":\"/b\",\"annotations\":{"
		  "\"io.kubernetes.pod.namespace\":\"workloads\",\"io.kubernetes.pod.namespace\\u0000x\":\"other\"}}",
		  "same member twice" },
		{ "{\"id\":\"c\",\"pid\":1,\"bundle\":\"/b\",\"annotations\":{"
		  "\"io.kubernetes.pod.namespace\\u0000x\":\"other\"}}", "\\u0000" },
		{ "{\"id\":\"c\",\"id\":\"d\",\"pid\":1,\"bundle\":\"/b\"}", "same member twice" },
	};
	struct oci_state st;
	struct nojit_err err;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_lt(parse(bad[i].doc, &st, &err), 0, "accepted: %s", bad[i].doc);
		cr_assert_not_null(strstr(err.msg, bad[i].why), "%s: message \"%s\" lacks \"%s\"",
				   bad[i].doc, err.msg, bad[i].why);
	}
}

Test(oci_state, nul_byte)
{
	static const char doc[] = "{\"id\":\"c\",\"pid\":1,\"bundle\":\"/b\"}\0";
	struct oci_state st;
	struct nojit_err err = {};

	cr_assert_lt(oci_state_parse(doc, sizeof(doc) - 1, &st, &err), 0);
	cr_assert_not_null(strstr(err.msg, "NUL"));
}

Test(oci_state, read_bounded)
{
	struct oci_state st;
	struct nojit_err err = {};
	char *big;
	int fds[2];

	/* More than OCI_STATE_MAX on a pipe: refused, not read without end. */
	cr_assert_eq(pipe2(fds, O_CLOEXEC), 0);
	big = malloc(OCI_STATE_MAX + 2);
	memset(big, ' ', OCI_STATE_MAX + 2);
	cr_assert_eq(fcntl(fds[1], F_SETPIPE_SZ, 1 << 20) >= 0, true);
	if (fork() == 0) {
		close(fds[0]);
		(void)!write(fds[1], big, OCI_STATE_MAX + 2);
		_exit(0);
	}
	close(fds[1]);
	cr_assert_eq(oci_state_read(fds[0], &st, &err), -EFBIG, "%s", err.msg);
	close(fds[0]);
	free(big);
}

static void write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, s, strlen(s)), (ssize_t)strlen(s));
	close(fd);
}

static void make_scratch(void)
{
	scratch_make("oci");
}

Test(oci_config, annotations_and_cgroups_path, .init = make_scratch, .fini = scratch_remove)
{
	struct json_object *config = NULL;
	struct oci_state st;
	struct nojit_err err = {};
	const char *cgp;
	char *doc, path[512];

	snprintf(path, sizeof(path), "%s/config.json", scratch_dir);
	write_file(path, "{\"annotations\":{\"io.kubernetes.pod.namespace\":\"from-config\"},"
			 "\"linux\":{\"cgroupsPath\":\"/a/b\"}}");
	cr_assert_geq(asprintf(&doc, "{\"id\":\"c\",\"pid\":1,\"bundle\":\"%s\"}", scratch_dir), 0);
	cr_assert_eq(parse(doc, &st, &err), 0, "%s", err.msg);
	cr_assert_eq(oci_config_read(&st, &config, &cgp, &err), 0, "%s", err.msg);
	cr_assert_str_eq(cgp, "/a/b");
	cr_assert_str_eq(policy_container_namespace(st.annotations), "from-config");
	json_object_put(config);
	oci_state_free(&st);
	free(doc);

	/* The state's own annotations win over config.json's. */
	cr_assert_geq(asprintf(&doc, "{\"id\":\"c\",\"pid\":1,\"bundle\":\"%s\",\"annotations\":"
				     "{\"io.kubernetes.pod.namespace\":\"from-state\"}}", scratch_dir), 0);
	cr_assert_eq(parse(doc, &st, &err), 0, "%s", err.msg);
	cr_assert_eq(oci_config_read(&st, &config, &cgp, &err), 0, "%s", err.msg);
	cr_assert_str_eq(policy_container_namespace(st.annotations), "from-state");
	json_object_put(config);
	oci_state_free(&st);
	free(doc);

	write_file(path, "{\"linux\":{\"cgroupsPath\":7}}");
	cr_assert_geq(asprintf(&doc, "{\"id\":\"c\",\"pid\":1,\"bundle\":\"%s\"}", scratch_dir), 0);
	cr_assert_eq(parse(doc, &st, &err), 0, "%s", err.msg);
	cr_assert_lt(oci_config_read(&st, &config, &cgp, &err), 0);
	cr_assert_not_null(strstr(err.msg, "cgroupsPath"), "%s", err.msg);
	oci_state_free(&st);
	free(doc);
}

Test(oci_cgroups_path, drivers)
{
	/* cgroupfs, absolute */
	cr_assert_eq(oci_cgroups_path_match("/a/b", "/a/b"), 0);
	cr_assert_eq(oci_cgroups_path_match("/a/b", "/a/b/"), 0);
	cr_assert_eq(oci_cgroups_path_match("/a/bc", "/a/b"), -EXDEV);
	cr_assert_eq(oci_cgroups_path_match("/x/a/b", "/a/b"), -EXDEV);
	/* cgroupfs, relative */
	cr_assert_eq(oci_cgroups_path_match("/user.slice/a/b", "a/b"), 0);
	cr_assert_eq(oci_cgroups_path_match("/user.slice/xa/b", "a/b"), -EXDEV);
	/* systemd driver */
	cr_assert_eq(oci_cgroups_path_match("/kubepods.slice/kubepods-pod1.slice/cri-containerd-abc.scope",
					    "kubepods-pod1.slice:cri-containerd:abc"), 0);
	cr_assert_eq(oci_cgroups_path_match("/machine.slice/libpod-abc.scope/container",
					    "machine.slice:libpod:abc"), 0);
	cr_assert_eq(oci_cgroups_path_match("/system.slice/abc.scope", "system.slice::abc"), 0);
	cr_assert_eq(oci_cgroups_path_match("/system.slice/x.slice", "system.slice:p:x.slice"), 0);
	cr_assert_eq(oci_cgroups_path_match("/machine.slice/libpod-abcd.scope",
					    "machine.slice:libpod:abc"), -EXDEV);
	cr_assert_eq(oci_cgroups_path_match("/a", "slice:noname"), -EXDEV);
	/* an absolute path with a colon is a cgroupfs path */
	cr_assert_eq(oci_cgroups_path_match("/a:b:c", "/a:b:c"), 0);
}
