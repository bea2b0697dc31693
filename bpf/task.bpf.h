/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Per-task state (task storage): the brk refusal carried from one hook to
 * the next, and the JIT-exception mark (exception.bpf.h). Most tasks never
 * get any; a task without storage costs a hook one pointer test.
 */
#ifndef NOJIT_TASK_BPF_H
#define NOJIT_TASK_BPF_H

#include "policy.bpf.h"

/* A task allowed to JIT by a signed exception, and its unreported uses. */
struct task_mark {
	__u8 sha256[32];	/* the executable whose exception marked the task */
	__u32 marked;
	__u32 route;		/* of the last use: what it would have been refused as */
	__u64 pending;		/* uses not yet in a record */
	__u64 first_ns;		/* CLOCK_BOOTTIME of the first pending use */
	__u64 last_ns;
	__u64 reported_ns;	/* when the last record went out; 0: never */
	__u32 hook;		/* of the last use */
	__u32 prot;
	__u64 flags;
	char exception[NOJIT_EXC_ID_MAX];
};

struct task_state {
	__u64 refuse_brk;	/* do_brk_flags() in progress must fail its accounting */
	/*
	 * The exec in progress whose file has an exception: set by
	 * bprm_check_security for the last file it checked, turned into the
	 * mark only when that same exec commits.
	 */
	__u64 pending_bprm;
	__u8 pending_sha256[32];
	struct task_mark mark;
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct task_state);
} nojit_task_state SEC(".maps");

static __always_inline struct task_state *task_state_get(struct task_struct *task, bool create)
{
	return bpf_task_storage_get(&nojit_task_state, task, 0,
				    create ? BPF_LOCAL_STORAGE_GET_F_CREATE : 0);
}

static __always_inline struct task_state *task_marked(void)
{
	struct task_state *ts = task_state_get(bpf_get_current_task_btf(), false);

	return ts && ts->mark.marked ? ts : NULL;
}

/*
 * A marked task asked for something its confinement forbids. Reported as
 * a violation of the task's enrollment, or of none when it left it.
 */
static __always_inline int confined(__u32 hook, __u32 prot, __u64 flags,
				    struct inode *inode, const struct path *path)
{
	const struct nojit_cgroup_policy *pol = policy_current();
	struct nojit_cgroup_policy none = { .mode = NOJIT_MODE_ENFORCE };
	struct violation_info vi = {
		.route = NOJIT_ROUTE_EXCEPTION_CONFINED, .hook = hook,
		.prot = prot, .flags = flags, .inode = inode, .path = path,
	};

	stat_inc(NOJIT_STAT_EXC_CONFINED);
	return violation(pol ? pol : &none, &vi, NOJIT_ACTION_DENIED);
}

#endif /* NOJIT_TASK_BPF_H */
