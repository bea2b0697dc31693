/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Declarative node policy: /etc/nojit/policy.d/NAME.json (docs/policy.md,
 * manifests/nojit-policy.schema.json). Each file names a selector (cgroup
 * paths or globs, and/or a container match on the OCI annotations CRI-O
 * and containerd set), an optional signed manifest with its trust, a mode
 * and a response. A directory is loaded all or nothing: every file is
 * parsed, every selector compiled, every manifest verified before any of
 * it is used, and every problem is reported, naming the file and field.
 */
#ifndef NOJIT_POLICY_DIR_H
#define NOJIT_POLICY_DIR_H

#include <linux/types.h>
#include <regex.h>
#include <stdbool.h>
#include <stddef.h>

#include "manifest.h"
#include "util.h"

#define NOJIT_DEFAULT_POLICY_DIR "/etc/nojit/policy.d"
#define NOJIT_POLICY_SCHEMA 1
/* Longest policy name; it is recorded in the kernel's enrollment record. */
#define NOJIT_POLICY_NAME_MAX 47
#define NOJIT_POLICY_FILE_MAX (64 * 1024)
#define NOJIT_POLICY_FILES_MAX 10000

/* One annotation key whose value must match a regular expression. */
struct policy_annotation_match {
	char *key;
	char *pattern;
	regex_t re;
};

struct policy {
	char *file;		/* path of the policy file, for messages */
	char name[NOJIT_POLICY_NAME_MAX + 1];	/* "name", default: file stem */
	__u8 sha256[32];	/* of the file's exact bytes */
	/* Selector: cgroup paths/globs (relative to the cgroup2 mount)... */
	char **cgroups;
	size_t n_cgroups;
	/* ... and/or containers (all given fields must match). */
	bool has_container;
	char *namespace_re, *pod_re, *container_re;
	regex_t namespace, pod, container;
	struct policy_annotation_match *annotations;
	size_t n_annotations;
	/* What selected cgroups get. */
	char *manifest_path;	/* NULL: memory rules only */
	char *trust;		/* default NOJIT_DEFAULT_TRUST */
	char *approvers;	/* default NOJIT_DEFAULT_APPROVERS */
	struct nojit_manifest *manifest;	/* verified, NULL without one */
	__u32 hash_source;	/* NOJIT_HASH_SOURCE_* */
	__u32 mode;		/* enum nojit_mode; 0: the manifest's, else enforce */
	__u32 on_violation;	/* enum nojit_on_violation */
};

struct policy_dir {
	char *dir;
	struct policy *policies;	/* sorted by name; names are unique */
	size_t n;
	__u8 digest[32];	/* over every file's name and bytes, and each manifest's bytes */
};

/* Problems found while loading: each one names the file and the field. */
struct policy_problems {
	char **msgs;
	size_t n;
};

void policy_problems_free(struct policy_problems *p);

/*
 * Load every *.json in DIR (ConfigMap mounts: symlinks, "..data" and other
 * dot entries are skipped by name; the files are read through the links),
 * verifying manifests against NOW. 0 with *RET set, or -EINVAL with every
 * problem in PROBLEMS (nothing in *RET), or another -errno with ERR set
 * when DIR itself cannot be read.
 */
int policy_dir_load(const char *dir, __s64 now, struct policy_dir **ret,
		    struct policy_problems *problems, struct nojit_err *err);

void policy_dir_free(struct policy_dir *d);

/*
 * The container selection: the one policy whose container match holds for
 * these OCI annotations (CRI-O's io.kubernetes.pod.namespace / .pod.name /
 * .container.name, or containerd's io.kubernetes.cri.sandbox-namespace /
 * sandbox-name / container-name), or NULL. ANN is a json-c object of
 * string values. When more than one matches: -ENOTUNIQ via ERR naming both;
 * when CRI-O's and containerd's keys for one of them disagree: -EBADMSG.
 */
struct json_object;
int policy_dir_select_container(const struct policy_dir *d, struct json_object *ann,
				const struct policy **ret, struct nojit_err *err);

/* P's container match holds for ANN (all given fields match). */
bool policy_matches_container(const struct policy *p, struct json_object *ann);

/*
 * The Kubernetes namespace, pod and container name in ANN (CRI-O's or
 * containerd's key), or NULL: also when the two keys disagree, which
 * policy_dir_select_container() refuses (-EBADMSG).
 */
const char *policy_container_namespace(struct json_object *ann);
const char *policy_container_pod(struct json_object *ann);
const char *policy_container_name(struct json_object *ann);

/* One of P's cgroup patterns matches REL, a path below the cgroup2 mount. */
bool policy_matches_cgroup(const struct policy *p, const char *rel);

/* The mode P puts in force: its own, else its manifest's, else enforce. */
__u32 policy_mode(const struct policy *p);

/* The policy called NAME, or NULL. */
const struct policy *policy_dir_find(const struct policy_dir *d, const char *name);

#endif /* NOJIT_POLICY_DIR_H */
