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
};

#define NOJIT_MAPS_INIT { -1, -1, -1, -1, -1, -1, -1, -1, -1 }

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

/* Counters summed over CPUs; VALUES has NOJIT_STAT_MAX slots. */
int policy_stats(int stats_fd, __u64 *values);



#endif /* NOJIT_BPF_LOADER_H */
