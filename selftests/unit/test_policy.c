// SPDX-License-Identifier: GPL-2.0
/*
 * Policy directories (policy_dir.c) and the persistent rollback state
 * (rollback.c): parsing, all-or-nothing validation with named problems,
 * container selection by CRI-O and containerd annotations, the ConfigMap
 * layout, the schema agreeing with the loader, and the signed rollback
 * state refusing rollbacks, edits and deletion.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <json-c/json.h>

#include "keys.h"
#include "policy_dir.h"
#include "rollback.h"
#include "scratch.h"

#define SCHEMA_FILE "manifests/nojit-policy.schema.json"

static void setup(void)
{
	char state[300];

	scratch_make("policy");
	snprintf(state, sizeof(state), "%s/state", scratch_dir);
	setenv("NOJIT_STATE_DIR", state, 1);
}

static void teardown(void)
{
	scratch_remove();
}

TestSuite(policy, .init = setup, .fini = teardown);

static void put(const char *rel, const char *text)
{
	FILE *f = fopen(scratch_path(rel), "w");

	cr_assert_not_null(f, "%s: %s", rel, strerror(errno));
	fputs(text, f);
	fclose(f);
}

/* Load scratch_dir/DIR: the return value, with every problem joined into PROBLEMS. */
static int load(const char *dir, struct policy_dir **ret, char *problems, size_t size)
{
	struct policy_problems pr = {};
	struct nojit_err err = {};
	int r;

	*ret = NULL;
	r = policy_dir_load(scratch_path(dir), time(NULL), ret, &pr, &err);
	problems[0] = '\0';
	for (size_t i = 0; i < pr.n; i++) {
		strncat(problems, pr.msgs[i], size - strlen(problems) - 2);
		strncat(problems, "\n", size - strlen(problems) - 1);
	}
	if (r && !pr.n)
		snprintf(problems, size, "%s", err.msg);
	policy_problems_free(&pr);
	return r;
}

Test(policy, loads_a_directory_sorted_by_name)
{
	struct policy_dir *d;
	char problems[4096];
	__u8 digest[32];

	mkdir(scratch_path("p"), 0755);
	put("p/b.json", "{\"selector\": {\"cgroup\": [\"system.slice/*.service\", \"agents\"]}, \"mode\": \"audit\", \"on_violation\": \"kill\"}");
	put("p/a.json", "{\"name\": \"zeta\", \"selector\": {\"container\": {\"namespace\": \"^agents-.*$\", \"annotations\": {\"io.nojit/policy\": \"strict\"}}}}");
	put("p/notes.txt", "not a policy");
	cr_assert_eq(load("p", &d, problems, sizeof(problems)), 0, "%s", problems);
	cr_assert_eq(d->n, 2);
	cr_assert_str_eq(d->policies[0].name, "b");	/* default: the file stem */
	cr_assert_str_eq(d->policies[1].name, "zeta");
	cr_assert_eq(d->policies[0].n_cgroups, 2);
	cr_assert_eq(d->policies[0].mode, NOJIT_MODE_AUDIT);
	cr_assert_eq(d->policies[0].on_violation, NOJIT_ON_VIOLATION_KILL);
	cr_assert_null(d->policies[0].manifest);
	cr_assert(d->policies[1].has_container);
	cr_assert(policy_matches_cgroup(&d->policies[0], "system.slice/cron.service"));
	cr_assert_not(policy_matches_cgroup(&d->policies[0], "system.slice/a/b.service"),
		      "* must not cross /");
	cr_assert(policy_matches_cgroup(&d->policies[0], "agents"));
	memcpy(digest, d->digest, 32);
	policy_dir_free(d);

	/* Same bytes, same digest; one byte more, another. */
	cr_assert_eq(load("p", &d, problems, sizeof(problems)), 0, "%s", problems);
	cr_assert_eq(memcmp(digest, d->digest, 32), 0);
	policy_dir_free(d);
	put("p/b.json", "{\"selector\": {\"cgroup\": [\"system.slice/*.service\", \"agents\"]}, \"mode\": \"audit\", \"on_violation\": \"kill\"} ");
	cr_assert_eq(load("p", &d, problems, sizeof(problems)), 0, "%s", problems);
	cr_assert_neq(memcmp(digest, d->digest, 32), 0);
	policy_dir_free(d);
}

/* Each case: one file, the problem text it must produce (file and field). */
static const struct {
	const char *json, *expect;
} bad_cases[] = {
	{ "{", "not valid JSON" },
	{ "[]", "not a JSON object" },
	{ "{\"selector\": {\"cgroup\": \"a\"}, \"mdoe\": \"audit\"}", "mdoe: unknown field" },
	{ "{}", "selector: missing" },
	{ "{\"selector\": {}}", "selector: selects nothing" },
	{ "{\"selector\": {\"cgroups\": \"a\"}}", "selector.cgroups: unknown field" },
	{ "{\"selector\": {\"cgroup\": \"/sys/fs/cgroup/a\"}}", "selector.cgroup[0]" },
	{ "{\"selector\": {\"cgroup\": \"a/../..\"}}", "selector.cgroup[0]" },
	{ "{\"selector\": {\"cgroup\": \"\"}}", "selector.cgroup[0]" },
	{ "{\"selector\": {\"cgroup\": []}}", "selector.cgroup: not a path or a non-empty list" },
	{ "{\"selector\": {\"cgroup\": \"a/\"}}", "selector.cgroup[0]" },
	{ "{\"selector\": {\"container\": {\"pod\": \"(\"}}}", "selector.container.pod: regular expression \"(\" does not compile" },
	{ "{\"selector\": {\"container\": {\"image\": \"x\"}}}", "selector.container.image: unknown field" },
	{ "{\"selector\": {\"container\": {}}}", "selector.container: names nothing" },
	{ "{\"selector\": {\"container\": {\"annotations\": {\"k\": 1}}}}", "selector.container.annotations.k: not a string" },
	{ "{\"selector\": {\"cgroup\": \"a\"}, \"mode\": \"enforcing\"}", "mode: must be" },
	{ "{\"selector\": {\"cgroup\": \"a\"}, \"on_violation\": \"panic\"}", "on_violation: must be" },
	{ "{\"selector\": {\"cgroup\": \"a\"}, \"hash_source\": \"tpm\"}", "hash_source: must be" },
	{ "{\"selector\": {\"cgroup\": \"a\"}, \"trust\": \"/k.pub\"}", "trust: given without a manifest" },
	{ "{\"selector\": {\"cgroup\": \"a\"}, \"schema\": 2}", "schema: only 1 is supported" },
	{ "{\"name\": \"-x\", \"selector\": {\"cgroup\": \"a\"}}", "name: must be" },
	{ "{\"name\": \"a/b\", \"selector\": {\"cgroup\": \"a\"}}", "name: must be" },
	{ "{\"selector\": {\"cgroup\": \"a\"}, \"manifest\": \"missing.json\"}", "manifest: " },
};

Test(policy, every_bad_file_is_refused_naming_file_and_field)
{
	for (size_t i = 0; i < ARRAY_SIZE(bad_cases); i++) {
		struct policy_dir *d;
		char dir[32], file[64], problems[4096];

		snprintf(dir, sizeof(dir), "bad%zu", i);
		snprintf(file, sizeof(file), "%s/case.json", dir);
		mkdir(scratch_path(dir), 0755);
		put(file, bad_cases[i].json);
		/* A good file beside it: all or nothing. */
		snprintf(file, sizeof(file), "%s/good.json", dir);
		put(file, "{\"selector\": {\"cgroup\": \"ok\"}}");
		cr_assert_eq(load(dir, &d, problems, sizeof(problems)), -EINVAL, "case %zu", i);
		cr_assert_null(d, "case %zu: nothing is returned on problems", i);
		cr_assert(strstr(problems, "case.json: ") && strstr(problems, bad_cases[i].expect),
			  "case %zu: '%s' does not say '%s'", i, problems, bad_cases[i].expect);
		cr_assert_null(strstr(problems, "good.json"), "case %zu: %s", i, problems);
	}
}

Test(policy, duplicate_names_and_oversized_files_are_refused)
{
	struct policy_dir *d;
	char problems[4096], *big;

	mkdir(scratch_path("dup"), 0755);
	put("dup/a.json", "{\"name\": \"same\", \"selector\": {\"cgroup\": \"a\"}}");
	put("dup/b.json", "{\"name\": \"same\", \"selector\": {\"cgroup\": \"b\"}}");
	cr_assert_eq(load("dup", &d, problems, sizeof(problems)), -EINVAL);
	cr_assert(strstr(problems, "name: \"same\" is also the name of"), "%s", problems);

	mkdir(scratch_path("big"), 0755);
	big = malloc(NOJIT_POLICY_FILE_MAX + 2);
	memset(big, ' ', NOJIT_POLICY_FILE_MAX + 1);
	big[NOJIT_POLICY_FILE_MAX + 1] = '\0';
	put("big/a.json", big);
	free(big);
	cr_assert_eq(load("big", &d, problems, sizeof(problems)), -EINVAL);
	cr_assert(strstr(problems, "larger than 64 KiB"), "%s", problems);

	cr_assert_eq(load("no-such-dir", &d, problems, sizeof(problems)), -ENOENT);
	cr_assert(strstr(problems, "no-such-dir"), "%s", problems);
}

Test(policy, reads_a_configmap_volume)
{
	struct policy_dir *d;
	char problems[4096];

	/* kubelet's layout: ..2026_x/ holds the files, ..data links to it, each key links into ..data. */
	mkdir(scratch_path("cm"), 0755);
	mkdir(scratch_path("cm/..2026_12_07_01"), 0755);
	put("cm/..2026_12_07_01/agents.json", "{\"selector\": {\"cgroup\": \"agents\"}}");
	put("cm/..2026_12_07_01/.hidden.json", "{");
	cr_assert_eq(symlink("..2026_12_07_01", scratch_path("cm/..data")), 0);
	cr_assert_eq(symlink("..data/agents.json", scratch_path("cm/agents.json")), 0);
	cr_assert_eq(load("cm", &d, problems, sizeof(problems)), 0, "%s", problems);
	cr_assert_eq(d->n, 1);
	cr_assert_str_eq(d->policies[0].name, "agents");
	policy_dir_free(d);
}

static struct json_object *annotations(const char *json)
{
	struct json_object *o = json_tokener_parse(json);

	cr_assert_not_null(o, "%s", json);
	return o;
}

Test(policy, selects_containers_by_crio_and_containerd_annotations)
{
	struct policy_dir *d;
	const struct policy *p;
	struct json_object *a;
	struct nojit_err err;
	char problems[4096];

	mkdir(scratch_path("c"), 0755);
	put("c/agents.json", "{\"selector\": {\"container\": {\"namespace\": \"agents|sandbox-[0-9]+\", \"container\": \"worker\"}}}");
	put("c/strict.json", "{\"selector\": {\"container\": {\"annotations\": {\"io.nojit.policy\": \"strict\"}}}}");
	cr_assert_eq(load("c", &d, problems, sizeof(problems)), 0, "%s", problems);

	a = annotations("{\"io.kubernetes.pod.namespace\": \"agents\", \"io.kubernetes.container.name\": \"worker\"}");
	cr_assert_eq(policy_dir_select_container(d, a, &p, &err), 0);
	cr_assert_not_null(p);
	cr_assert_str_eq(p->name, "agents");
	json_object_put(a);

	a = annotations("{\"io.kubernetes.cri.sandbox-namespace\": \"sandbox-12\", \"io.kubernetes.cri.container-name\": \"worker\"}");
	cr_assert_eq(policy_dir_select_container(d, a, &p, &err), 0);
	cr_assert_not_null(p, "containerd's keys");
	json_object_put(a);

	/* The regex matches the whole value, and every given field must match. */
	a = annotations("{\"io.kubernetes.pod.namespace\": \"agents-evil\", \"io.kubernetes.container.name\": \"worker\"}");
	cr_assert_eq(policy_dir_select_container(d, a, &p, &err), 0);
	cr_assert_null(p);
	json_object_put(a);
	a = annotations("{\"io.kubernetes.pod.namespace\": \"agents\"}");
	cr_assert_eq(policy_dir_select_container(d, a, &p, &err), 0);
	cr_assert_null(p, "a missing annotation does not match");
	json_object_put(a);

	a = annotations("{\"io.nojit.policy\": \"strict\"}");
	cr_assert_eq(policy_dir_select_container(d, a, &p, &err), 0);
	cr_assert_str_eq(p->name, "strict");
	json_object_put(a);

	a = annotations("{\"io.nojit.policy\": \"strict\", \"io.kubernetes.pod.namespace\": \"agents\", \"io.kubernetes.container.name\": \"worker\"}");
	cr_assert_eq(policy_dir_select_container(d, a, &p, &err), -ENOTUNIQ);
	cr_assert(strstr(err.msg, "agents") && strstr(err.msg, "strict"), "%s", err.msg);
	json_object_put(a);

	cr_assert_eq(policy_dir_select_container(d, NULL, &p, &err), 0);
	cr_assert_null(p);

	/*
	 * CRI-O's and containerd's keys disagreeing: one came from the pod's
	 * author. Refused (not "no policy"), and no namespace for a fail-open
	 * decision either, in both orders.
	 */
	a = annotations("{\"io.kubernetes.pod.namespace\": \"nojit-system\", \"io.kubernetes.cri.sandbox-namespace\": \"agents\", \"io.kubernetes.container.name\": \"worker\"}");
	cr_assert_eq(policy_dir_select_container(d, a, &p, &err), -EBADMSG);
	cr_assert(strstr(err.msg, "io.kubernetes.pod.namespace and io.kubernetes.cri.sandbox-namespace disagree"),
		  "%s", err.msg);
	cr_assert_null(policy_container_namespace(a));
	json_object_put(a);
	a = annotations("{\"io.kubernetes.cri.sandbox-namespace\": \"agents\", \"io.kubernetes.pod.namespace\": \"agents\", \"io.kubernetes.cri.container-name\": \"worker\", \"io.kubernetes.container.name\": \"other\"}");
	cr_assert_eq(policy_dir_select_container(d, a, &p, &err), -EBADMSG);
	cr_assert_null(policy_container_name(a));
	json_object_put(a);
	/* Both families present and agreeing is fine. */
	a = annotations("{\"io.kubernetes.cri.sandbox-namespace\": \"agents\", \"io.kubernetes.pod.namespace\": \"agents\", \"io.kubernetes.container.name\": \"worker\"}");
	cr_assert_eq(policy_dir_select_container(d, a, &p, &err), 0);
	cr_assert_str_eq(p->name, "agents");
	cr_assert_str_eq(policy_container_namespace(a), "agents");
	json_object_put(a);
	policy_dir_free(d);
}

/* The schema accepts what the loader accepts, refuses what it refuses (python3-jsonschema). */
Test(policy, schema_and_loader_agree)
{
	static const char *const good[] = {
		"{\"selector\": {\"cgroup\": \"a/b*\"}}",
		"{\"name\": \"x\", \"selector\": {\"cgroup\": [\"a\", \"b\"], \"container\": {\"pod\": \"p\"}}, \"mode\": \"audit\", \"on_violation\": \"freeze\", \"hash_source\": \"controller\", \"schema\": 1, \"description\": \"d\"}",
	};
	/* The bad cases the schema can express (regex compilation, manifests and names are the loader's). */
	static const size_t schema_bad[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 13, 15, 16, 17, 18, 19, 20, 21 };
	char cmd[1024], line[128];
	unsigned int checked = 0;
	FILE *p;

	mkdir(scratch_path("corpus"), 0755);
	for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
		char rel[64];
		struct policy_dir *d;
		char problems[4096];

		snprintf(rel, sizeof(rel), "g%zu", i);
		mkdir(scratch_path(rel), 0755);
		snprintf(rel, sizeof(rel), "g%zu/x.json", i);
		put(rel, good[i]);
		snprintf(rel, sizeof(rel), "g%zu", i);
		cr_assert_eq(load(rel, &d, problems, sizeof(problems)), 0, "good %zu: %s", i, problems);
		policy_dir_free(d);
		snprintf(rel, sizeof(rel), "corpus/good-%zu.json", i);
		put(rel, good[i]);
	}
	for (size_t i = 0; i < ARRAY_SIZE(schema_bad); i++) {
		char rel[64];

		snprintf(rel, sizeof(rel), "corpus/bad-%zu.json", schema_bad[i]);
		put(rel, bad_cases[schema_bad[i]].json);
	}
	snprintf(cmd, sizeof(cmd),
		 "python3 -c 'import sys, json, glob, os\n"
		 "try:\n import jsonschema\n"
		 "except ImportError:\n sys.exit(3)\n"
		 "v = jsonschema.Draft202012Validator(json.load(open(sys.argv[1])))\n"
		 "for f in sorted(glob.glob(sys.argv[2] + \"/*.json\")):\n"
		 " try:\n  ok = v.is_valid(json.load(open(f)))\n"
		 " except Exception:\n  ok = False\n"
		 " print(os.path.basename(f), int(ok))\n' %s %s",
		 SCHEMA_FILE, scratch_path("corpus"));
	p = popen(cmd, "r");
	cr_assert_not_null(p);
	while (fgets(line, sizeof(line), p)) {
		char name[64];
		int ok;

		if (sscanf(line, "%63s %d", name, &ok) != 2)
			continue;
		checked++;
		cr_assert_eq(ok, !strncmp(name, "good", 4), "%s: schema says %d", name, ok);
	}
	cr_assert_neq(pclose(p), 3 << 8, "python3-jsonschema missing (make deps installs it)");
	cr_assert_eq(checked, ARRAY_SIZE(good) + ARRAY_SIZE(schema_bad));
}

/* ---- rollback state ---------------------------------------------------- */

static struct nojit_manifest man(const char *name, __u64 serial, __u8 fill)
{
	static char names[8][32];
	static int i;
	struct nojit_manifest m = { .serial = serial };

	i = (i + 1) % 8;
	snprintf(names[i], sizeof(names[i]), "%s", name);
	m.name = names[i];
	memset(m.file_sha256, fill, sizeof(m.file_sha256));
	return m;
}

Test(policy, rollback_state_refuses_older_serials_and_equivocation)
{
	struct nojit_manifest m5 = man("web", 5, 0xa5), m4 = man("web", 4, 0xa4),
			      m5b = man("web", 5, 0xb5), m6 = man("web", 6, 0xa6), other = man("db", 1, 1);
	struct rollback_state s;
	struct nojit_err err;

	cr_assert_eq(rollback_read(&s, &err), 0, "%s", err.msg);
	cr_assert_not(s.exists, "reading never creates the state");
	cr_assert_eq(rollback_accept(&m5, &err), 0, "%s", err.msg);
	cr_assert_eq(rollback_accept(&m5, &err), 0, "the manifest in force again is fine");
	cr_assert_eq(rollback_check(&m4, &err), -ESTALE);
	cr_assert(strstr(err.msg, "rollback refused"), "%s", err.msg);
	cr_assert_eq(rollback_accept(&m4, &err), -ESTALE);
	cr_assert_eq(rollback_accept(&m5b, &err), -ESTALE, "same serial, other bytes");
	cr_assert_eq(rollback_accept(&other, &err), 0, "names are independent");
	cr_assert_eq(rollback_accept(&m6, &err), 0, "%s", err.msg);
	cr_assert_eq(rollback_accept(&m5, &err), -ESTALE);
	cr_assert_eq(rollback_read(&s, &err), 0, "%s", err.msg);
	cr_assert(s.exists);
	cr_assert_eq(s.n, 2);
	rollback_state_free(&s);
}

Test(policy, rollback_state_detects_edits_and_deletion_until_reset)
{
	struct nojit_manifest m5 = man("web", 5, 0xa5), m1 = man("web", 1, 0xa1);
	struct rollback_state s;
	struct nojit_err err;
	char *state = scratch_path("state/rollback.state"), buf[8192];
	ssize_t n;
	char *p;
	int fd;

	cr_assert_eq(rollback_accept(&m5, &err), 0, "%s", err.msg);
	fd = open(state, O_RDWR);
	cr_assert_geq(fd, 0);
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	cr_assert_gt(n, 0);
	buf[n] = '\0';
	p = strstr(buf, "\"serial\":5");
	cr_assert_not_null(p, "%s", buf);
	p[9] = '1';	/* an attacker lowers the recorded serial */
	cr_assert_eq(pwrite(fd, buf, (size_t)n, 0), n);
	close(fd);
	cr_assert_eq(rollback_accept(&m1, &err), -EBADMSG);
	cr_assert(strstr(err.msg, "changed outside nojit"), "%s", err.msg);
	cr_assert_eq(rollback_accept(&m5, &err), -EBADMSG, "every manifest is refused, not only the rollback");

	cr_assert_eq(unlink(state), 0);
	cr_assert_eq(rollback_accept(&m1, &err), -EBADMSG);
	cr_assert(strstr(err.msg, "state was removed"), "%s", err.msg);

	cr_assert_eq(rollback_reset(NULL, "unit test", &err), 0, "%s", err.msg);
	cr_assert_eq(rollback_accept(&m1, &err), 0, "%s", err.msg);
	cr_assert_eq(rollback_read(&s, &err), 0, "%s", err.msg);
	cr_assert_eq(s.n_resets, 1);
	cr_assert_str_eq(s.resets[0].reason, "unit test");
	rollback_state_free(&s);
}

Test(policy, rollback_reset_of_one_name_is_recorded)
{
	struct nojit_manifest m5 = man("web", 5, 0xa5), m1 = man("web", 1, 0xa1), d3 = man("db", 3, 3),
			      d2 = man("db", 2, 2);
	struct rollback_state s;
	struct nojit_err err;

	cr_assert_eq(rollback_accept(&m5, &err), 0, "%s", err.msg);
	cr_assert_eq(rollback_accept(&d3, &err), 0, "%s", err.msg);
	cr_assert_eq(rollback_reset("nope", "x", &err), -ENOENT);
	cr_assert_eq(rollback_reset("web", "downgrade approved in CHG-1", &err), 0, "%s", err.msg);
	cr_assert_eq(rollback_accept(&m1, &err), 0, "%s", err.msg);
	cr_assert_eq(rollback_accept(&d2, &err), -ESTALE, "the other name keeps its serial");
	cr_assert_eq(rollback_read(&s, &err), 0, "%s", err.msg);
	cr_assert_eq(s.n_resets, 1);
	cr_assert_str_eq(s.resets[0].name, "web");
	cr_assert_eq(s.resets[0].old_serial, 5);
	rollback_state_free(&s);
}
