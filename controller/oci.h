/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What an OCI runtime hands a hook (runtime-spec config.md "POSIX-platform
 * Hooks", runtime.md "State"): the container state on stdin, the bundle's
 * config.json, and the container's init process, whose cgroup the hook
 * governs. Used by nojit oci-hook (docs/oci-hook.md).
 */
#ifndef NOJIT_OCI_H
#define NOJIT_OCI_H

#include <linux/types.h>
#include <stdbool.h>
#include <sys/types.h>

#include "util.h"

/* Bounds on what is read: a state is a few hundred bytes, a config.json KiBs. */
#define OCI_STATE_MAX (1 << 20)
#define OCI_CONFIG_MAX (16 << 20)
/* Longest container id the enrollment record holds (bpf/nojit.h). */
#define OCI_ID_MAX 71

struct json_object;

struct oci_state {
	char *id;
	pid_t pid;
	char *bundle;
	char *status;			/* "creating" (runc), "created" (crun); may be NULL */
	struct json_object *annotations;	/* object of strings; never NULL */
	bool has_annotations;		/* the state carried an "annotations" member */
	struct json_object *root;	/* owns the above */
};

void oci_state_free(struct oci_state *s);

/* Parse a state document (LEN bytes of BUF). */
int oci_state_parse(const char *buf, size_t len, struct oci_state *ret, struct nojit_err *err);

/* Read at most OCI_STATE_MAX bytes from FD to its end and parse them. */
int oci_state_read(int fd, struct oci_state *ret, struct nojit_err *err);

/*
 * The bundle's config.json (at most OCI_CONFIG_MAX bytes), parsed. Takes
 * the annotations from it when the state had none, and returns its
 * linux.cgroupsPath (NULL when absent; owned by *RET_CONFIG).
 */
int oci_config_read(struct oci_state *s, struct json_object **ret_config,
		    const char **ret_cgroups_path, struct nojit_err *err);

/*
 * The cgroup PID is in (its cgroup2 "0::" line in /proc/PID/cgroup),
 * opened, and proven to hold PID: the process is pinned with a pidfd
 * before anything is read, the cgroup.procs of the directory opened lists
 * PID, and the process has not exited by the time all that was checked
 * (so PID named that same process throughout). When CGROUPS_PATH is
 * given (config.json's linux.cgroupsPath), the cgroup must be the one it
 * names. *RET_PATH (relative to the cgroup2 mount, malloc'd) and *RET_DIR
 * (absolute, malloc'd) name it.
 */
int oci_pid_cgroup(pid_t pid, const char *cgroups_path, int *ret_fd, __u64 *ret_id,
		   char **ret_path, char **ret_dir, struct nojit_err *err);

/*
 * 0 if the cgroup at PATH (relative to the cgroup2 mount) is the one
 * CGROUPS_PATH names: "/a/b" (cgroupfs driver) exactly; "a/b" as PATH's
 * last components; "slice:prefix:name" (systemd driver) when a component
 * of PATH is "prefix-name.scope" (or name itself when it ends in .slice
 * or .scope; crun may put the process in a subgroup below it). Else -EXDEV.
 */
int oci_cgroups_path_match(const char *path, const char *cgroups_path);

#endif /* NOJIT_OCI_H */
