/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Per-task state (task storage): the brk refusal carried from one hook to
 * the next, and the JIT-exception mark (exception.bpf.h). Most tasks never
 * get any; a task without storage costs a hook one pointer test.
 */
#ifndef NOJIT_TASK_BPF_H
#define NOJIT_TASK_BPF_H

#include "policy.bpf.h"

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct nojit_task_state);
} nojit_task_state SEC(".maps");

static __always_inline struct nojit_task_state *task_state_get(struct task_struct *task, bool create)
{
	return bpf_task_storage_get(&nojit_task_state, task, 0,
				    create ? BPF_LOCAL_STORAGE_GET_F_CREATE : 0);
}

/*
 * Hooks every task passes ask this: a task that has no local storage at
 * all, as almost none has, is answered with one load, no helper call.
 */
static __always_inline struct nojit_task_state *task_marked(void)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct nojit_task_state *ts;

	if (!task->bpf_storage)
		return NULL;
	ts = task_state_get(task, false);
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
