/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Per-task state (task storage): the brk refusal carried from one hook to
 * the next, the JIT-exception mark (exception.bpf.h) and an offender's
 * violations not yet reported (policy.bpf.h). Most tasks never get any; a
 * task without storage costs a hook one pointer test.
 */
#ifndef NOJIT_TASK_BPF_H
#define NOJIT_TASK_BPF_H

#include "nojit.h"

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

#endif /* NOJIT_TASK_BPF_H */
