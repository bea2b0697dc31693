/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel half of nojit as the controller sees it: programs attached
 * through pinned links and maps pinned under NOJIT_PIN_DIR, so enforcement
 * outlives every controller process.
 */
#ifndef NOJIT_BPF_LOADER_H
#define NOJIT_BPF_LOADER_H

#include <linux/types.h>
#include <stddef.h>

#include "nojit.h"
#include "util.h"

/* File descriptors of the pinned maps; their layout is in the bpf/ headers. */
struct nojit_maps {
	int cgroups;
	int enrollments;
	int stats;
	int events;
	int policies;
	int allow;
	int file_hashes;
	int responses;
	int daemon_state;
	int exceptions;
	int task_state;
};

#define NOJIT_MAPS_INIT { -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1 }

void nojit_maps_close(struct nojit_maps *m);

/* 0 if bpffs is mounted at /sys/fs/bpf, else -errno with the reason. */
int bpffs_check(struct nojit_err *err);

/* Open the pinned maps; -ENOENT (with a message) when nothing is loaded. */
int policy_open_pinned(struct nojit_maps *ret, struct nojit_err *err);

/*
 * Make sure every program is attached and pinned, loading what is missing
 * (after checking BPF LSM is usable), then open the pinned maps. Reuses a
 * complete pinned set as it is.
 */
int policy_load(struct nojit_maps *ret, struct nojit_err *err);

/* Detach everything and remove the pins. 0 also if nothing was loaded. */
int policy_unload(struct nojit_err *err);

struct nojit_prog_info {
	char name[64];
	char tag[2 * 8 + 1];
	__u32 prog_id;
	__u32 link_id;
	__u64 run_cnt;
	__u64 run_time_ns;
};

/* The attached programs, from their pinned links. Caller frees *ret. */
int policy_programs(struct nojit_prog_info **ret, size_t *ret_n);

/*
 * Names of the programs the embedded BPF object attaches; each is pinned
 * as NOJIT_PIN_DIR/link_NAME while attached. *RET is one allocation.
 */
int policy_program_names(char (**ret)[64], size_t *ret_n);

/* Path of the pinned link of program NAME. */
void policy_link_path(const char *name, char *buf, size_t size);

/* SHA-256 of the BPF object embedded in this binary. */
void policy_object_sha256(__u8 out[32]);

/*
 * The record of the load whose programs are attached (struct nojit_meta):
 * 0; -ENOENT when nothing is loaded; -ENODATA when the programs were
 * attached by a nojit that wrote no record; -ESTALE when the record does
 * not name exactly the attached programs; -EPROTO for a record of another
 * layout. ERR says which. The pinned maps open without it either way
 * (policy_open_pinned() does not need it).
 *
 * Who can change it: root (CAP_BPF/CAP_SYS_ADMIN on the pin directory)
 * can pin another map in its place, as it can replace the programs; that
 * is inside the trust model of docs/attestation.md (without a TPM a root
 * attacker can forge any statement). No BPF program can write it, nor,
 * once frozen, anyone through the map itself.
 */
int bpf_meta_read(struct nojit_meta *ret, struct nojit_err *err);

/*
 * 0 when M's load attached exactly the programs PROGS (N of them, as
 * policy_programs() lists them), else -ESTALE naming the first that
 * differs: for a caller that lists the programs itself and must not
 * describe them with a record read at another moment.
 */
int bpf_meta_describes(const struct nojit_meta *m, const struct nojit_prog_info *progs, size_t n,
		       struct nojit_err *err);

/* Counters summed over CPUs; VALUES has NOJIT_STAT_MAX slots. */
int policy_stats(int stats_fd, __u64 *values);

/*
 * The kernel's counters other than the denials per route (those are
 * named by route_name()), named once for nojit status and the metrics
 * endpoint: KEY is the "counters" member of status --json; FAMILY the
 * Prometheus metric (nojit_FAMILY_total) and LABEL, when not NULL, its
 * "reason" label value within that family.
 */
struct policy_stat_name {
	unsigned int idx;	/* enum nojit_stat */
	const char *key;
	const char *family;
	const char *label;
};

extern const struct policy_stat_name policy_stat_names[];
extern const size_t policy_stat_names_n;



#endif /* NOJIT_BPF_LOADER_H */
