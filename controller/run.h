/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Start a command under the confinement layers (confine.h) and wait for
 * it: what nojit run and nojit vk run share.
 *
 *   parent   bpf-lsm: makes a transient cgroup under the cgroup parent and
 *            enrolls it (with the manifest, if any); memfd-noexec: a new
 *            pid namespace for its children. Forks.
 *   child    moves itself into the transient cgroup; with memfd-noexec it
 *            is pid 1 of the new namespace: mounts its own /proc (in a new
 *            mount namespace) and sets vm.memfd_noexec=2 there, and stays
 *            as a minimal init that forwards signals and exits
 *            with the command's status; the command's process applies the
 *            self layers and execs it.
 *   parent   forwards SIGTERM/SIGHUP, waits, then kills whatever is left
 *            in the transient cgroup, releases and removes it, also when
 *            the command was killed.
 */
#ifndef NOJIT_RUN_H
#define NOJIT_RUN_H

#include <limits.h>
#include <stdbool.h>
#include <linux/types.h>

#include "confine.h"
#include "manifest.h"

struct run_state {
	unsigned int applied;		/* CONFINE_* bits in force when CMD started */
	char failure[600];		/* why CMD did not start; "" if it did */
	char cgroup[PATH_MAX];		/* bpf-lsm: the transient cgroup, "" otherwise */
	__u64 cgroup_id;
	int status;			/* CMD's exit status, 128+N if signal N; -1 unknown */
};

struct run_opts {
	unsigned int layers;			/* CONFINE_* to apply; all must be available */
	const char *const *exec_paths;		/* landlock */
	size_t n_exec_paths;
	const char *cgroup_parent;		/* bpf-lsm; NULL: the default */
	const struct nojit_manifest *manifest;	/* bpf-lsm hash gate; may be NULL */
	__u32 hash_source;			/* NOJIT_HASH_SOURCE_* */
	char **cmd;				/* NULL-terminated; looked up in PATH */
	/*
	 * Run the file open at exec_fd instead of looking cmd[0] up (cmd is
	 * then only the argv): the file that was verified, whatever is at its
	 * path by now. Landlock allows exec of it alone.
	 */
	bool exec_by_fd;
	int exec_fd;
	/*
	 * exec_fd holds a read lease (F_SETLEASE) taken before it was
	 * verified: one no longer intact means someone opened it for writing
	 * or truncated it since, and it is not run.
	 */
	bool exec_fd_leased;
	/*
	 * Called once the hash gate is in force (bpf-lsm: ST names the
	 * enrolled cgroup) and before anything of CMD exists: what must hold
	 * before it starts (vk run's statement). Non-zero (-errno, with ERR)
	 * cancels the run, which run_confined() then returns.
	 */
	int (*before_start)(void *ctx, const struct run_state *st, struct nojit_err *err);
	/* Called once CMD runs or failed to start, before waiting for it. */
	void (*on_started)(void *ctx, const struct run_state *st);
	void *ctx;
};

/* Which layers were asked for, which this kernel offers (and why not), which took. */
struct run_layers {
	unsigned int requested, available, applied;	/* CONFINE_* */
	struct nojit_err why[8];			/* by bit index, when unavailable */
};

/* Set L's requested and available layers, probing each requested one. */
void run_layers_probe(struct run_layers *l, unsigned int requested);

/* "off", "unavailable", "active" or "not applied" for one CONFINE_* BIT. */
const char *run_layer_state(const struct run_layers *l, unsigned int bit);

/* Why BIT is unavailable (run_layers_probe's answer). */
const char *run_layer_why(const struct run_layers *l, unsigned int bit);

/* One line per layer on stderr: "nojit: layer L: STATE[: why]". */
void run_layers_report(const struct run_layers *l);

/* The transient cgroups' parent when none is given: below the cgroup2 root. */
#define RUN_CGROUP_PARENT_NAME "nojit-run"

/*
 * Run O->cmd confined and wait for it. 0 when it was started (or failed
 * to start in the child: ST->failure says why, ST->status is 1, 126 or
 * 127); -errno with ERR when the setup in this process failed first.
 */
int run_confined(const struct run_opts *o, struct run_state *st, struct nojit_err *err);

#endif
