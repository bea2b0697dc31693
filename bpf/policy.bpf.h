/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Who is governed, and how a decision is reported. Every hook starts with
 * policy_current(): one hash lookup of the task's own cgroup id, which is
 * all a task outside every enrolled subtree ever pays.
 */
#ifndef NOJIT_POLICY_BPF_H
#define NOJIT_POLICY_BPF_H

#include "nojit.h"
#include "kernel_consts.bpf.h"
#include "task.bpf.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, NOJIT_MAX_CGROUPS);
	__type(key, __u64);
	__type(value, struct nojit_cgroup_policy);
} nojit_cgroups SEC(".maps");

/* Written by the controller only; the kernel never reads it. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, struct nojit_enrollment);
} nojit_enrollments SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, struct nojit_response);
} nojit_responses SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, NOJIT_STAT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} nojit_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct nojit_daemon_state);
} nojit_daemon_state SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, NOJIT_RINGBUF_BYTES);
} nojit_events SEC(".maps");

static __always_inline const struct nojit_cgroup_policy *policy_current(void)
{
	__u64 id = bpf_get_current_cgroup_id();

	return bpf_map_lookup_elem(&nojit_cgroups, &id);
}

static __always_inline void stat_inc(__u32 idx)
{
	__u64 *v = bpf_map_lookup_elem(&nojit_stats, &idx);

	if (v)
		*v += 1;
}

/* 6.15 renamed kernfs_node::parent to __parent; CO-RE picks the one present. */
struct kernfs_node___new {
	struct kernfs_node *__parent;
} __attribute__((preserve_access_index));

struct kernfs_node___old {
	struct kernfs_node *parent;
} __attribute__((preserve_access_index));

static __always_inline struct kernfs_node *kernfs_parent(struct kernfs_node *kn)
{
	struct kernfs_node___new *kn_new = (void *)kn;
	struct kernfs_node___old *kn_old = (void *)kn;

	if (bpf_core_field_exists(kn_new->__parent))
		return BPF_CORE_READ(kn_new, __parent);
	return BPF_CORE_READ(kn_old, parent);
}

/*
 * A short-lived cgroup (a systemd service that failed at once, a container
 * scope) can be removed before the daemon reads the record, and its id then
 * names nothing. Its own name and its parent's id are enough to name it
 * later, as long as the parent outlives it, which slices and pods do.
 */
static __always_inline void event_fill_cgroup_name(struct nojit_violation *ev)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct kernfs_node *kn = BPF_CORE_READ(task, cgroups, dfl_cgrp, kn);
	const char *name = BPF_CORE_READ(kn, name);

	if (bpf_probe_read_kernel_str(ev->cgroup_name, sizeof(ev->cgroup_name), name) < 0)
		ev->cgroup_name[0] = '\0';
	ev->cgroup_parent_id = BPF_CORE_READ(kernfs_parent(kn), id);
}

/*
 * Which file the task runs, so the daemon never names another: by the time
 * it reads /proc/PID/exe the task may have exec'd something else.
 */
static __always_inline void event_fill_exe(struct nojit_violation *ev)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct inode *inode = BPF_CORE_READ(task, mm, exe_file, f_inode);

	ev->exe_ino = inode ? BPF_CORE_READ(inode, i_ino) : 0;
}

/* The record's header and who it is about: the current task, under ENROLLED_ID. */
static __always_inline void event_fill_task(struct nojit_violation *ev, __u64 enrolled_id)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();

	ev->hdr.type = NOJIT_EVENT_VIOLATION;
	ev->hdr.version = NOJIT_EVENT_VERSION;
	ev->hdr.size = sizeof(*ev);
	ev->cgroup_id = bpf_get_current_cgroup_id();
	ev->enrolled_id = enrolled_id;
	ev->pid = (__u32)pid_tgid;
	ev->tgid = pid_tgid >> 32;
	ev->uid = (__u32)bpf_get_current_uid_gid();
	bpf_get_current_comm(ev->comm, sizeof(ev->comm));
	event_fill_cgroup_name(ev);
	event_fill_exe(ev);
}

struct violation_info {
	__u32 route;
	__u32 hook;
	__u32 prot;
	__u64 flags;
	struct inode *inode;	/* may be NULL */
	const __u8 *sha256;	/* may be NULL */
	/* The file's path; only from hooks bpf_d_path() is allowed in. */
	const struct path *path;	/* may be NULL */
};

/*
 * Repeats of a thread's last violation within this window after its last
 * record share the next record (docs/audit-log.md, "Storms").
 */
#define NOJIT_REPORT_WINDOW_NS	1000000000ull

static __always_inline void stat_add(__u32 idx, __u64 n)
{
	__u64 *v = bpf_map_lookup_elem(&nojit_stats, &idx);

	if (v)
		*v += n;
}

/* N attempts no record will stand for, for REASON (a NOJIT_STAT_DROP_*). */
static __always_inline void report_dropped(__u32 reason, __u64 n)
{
	stat_add(reason, n);
	stat_add(NOJIT_STAT_EVENTS_DROPPED, n);
}

/* A record went out standing for COUNT attempts. */
static __always_inline void report_emitted(__u64 count)
{
	stat_inc(NOJIT_STAT_EVENTS_EMITTED);
	stat_add(NOJIT_STAT_ATTEMPTS_EMITTED, count);
}

/*
 * One record for the pending attempts of AG: its first attempt's record
 * with the count and the times of them all. 0, or -ENOSPC with them still
 * pending: the ring buffer is full.
 */
static __always_inline int report_agg(struct nojit_task_agg *ag)
{
	struct nojit_violation *ev;

	ev = bpf_ringbuf_reserve(&nojit_events, sizeof(*ev), 0);
	if (!ev)
		return -ENOSPC;
	__builtin_memcpy(ev, &ag->ev, sizeof(*ev));
	ev->time_ns = ag->last_ns;
	ev->count = ag->pending;
	bpf_ringbuf_submit(ev, 0);
	report_emitted(ag->pending);
	ag->reported_ns = ag->last_ns;
	ag->pending = 0;
	return 0;
}

/* The record of VI, about the current thread, into EV. */
static __always_inline void violation_fill(struct nojit_violation *ev,
					   const struct nojit_cgroup_policy *pol,
					   const struct violation_info *vi, __u32 action,
					   __u32 on_violation, __u64 now, __u64 ino, __u32 dev)
{
	event_fill_task(ev, pol->enrolled_id);
	ev->time_ns = now;
	ev->first_ns = now;
	ev->count = 1;
	__builtin_memset(ev->exception, 0, sizeof(ev->exception));
	ev->ino = ino;
	ev->dev = dev;
	ev->route = vi->route;
	ev->hook = vi->hook;
	ev->action = action;
	ev->prot = vi->prot;
	ev->flags = vi->flags;
	ev->on_violation = on_violation;
	ev->has_sha256 = 0;
	__builtin_memset(ev->sha256, 0, sizeof(ev->sha256));
	if (vi->sha256) {
		__builtin_memcpy(ev->sha256, vi->sha256, sizeof(ev->sha256));
		ev->has_sha256 = 1;
	}
	ev->path[0] = '\0';
	if (vi->path && bpf_d_path((struct path *)vi->path, ev->path, sizeof(ev->path)) < 0)
		ev->path[0] = '\0';
}

/* One record for one attempt, straight from the hook. 0 or -ENOSPC. */
static __always_inline int report_alone(const struct nojit_cgroup_policy *pol,
					const struct violation_info *vi, __u32 action,
					__u32 on_violation, __u64 now, __u64 ino, __u32 dev)
{
	struct nojit_violation *ev;

	ev = bpf_ringbuf_reserve(&nojit_events, sizeof(*ev), 0);
	if (!ev)
		return -ENOSPC;
	violation_fill(ev, pol, vi, action, on_violation, now, ino, dev);
	bpf_ringbuf_submit(ev, 0);
	report_emitted(1);
	return 0;
}

/*
 * Storms come from the memory and exec hooks (a JIT retrying, a loader
 * looping), and their record says everything about an attempt: the file
 * by inode and digest, prot and flags. The other hooks' targets (a path
 * by name, a ptrace victim, a signal's target) are not all in the
 * record, so two of their attempts that look alike may not be: each gets
 * a record of its own.
 */
static __always_inline bool hook_aggregates(__u32 hook)
{
	return hook == NOJIT_HOOK_MMAP_FILE || hook == NOJIT_HOOK_FILE_MPROTECT ||
	       hook == NOJIT_HOOK_SHM_SHMAT || hook == NOJIT_HOOK_BRK ||
	       hook == NOJIT_HOOK_BPRM_CHECK;
}

/*
 * AG holds the violation VI would report, every field of its record but
 * the times equal: the same thread, under the same name, uid, executable
 * and cgroup, doing the same thing to the same file.
 */
static __always_inline bool agg_same(const struct nojit_task_agg *ag,
				     const struct nojit_cgroup_policy *pol,
				     const struct violation_info *vi, __u32 action,
				     __u32 on_violation, __u64 ino, __u32 dev)
{
	const struct nojit_violation *e = &ag->ev;
	const __u64 *a = (const __u64 *)e->sha256, *b = (const __u64 *)vi->sha256;
	const __u64 *ac = (const __u64 *)e->comm;
	struct task_struct *task;
	char comm[16];
	__u64 *c = (__u64 *)comm;

	if (!e->hdr.size || ag->alone || e->route != vi->route || e->hook != vi->hook ||
	    e->action != action || e->on_violation != on_violation ||
	    e->prot != vi->prot || e->flags != vi->flags || e->ino != ino || e->dev != dev ||
	    e->enrolled_id != pol->enrolled_id || e->has_sha256 != !!vi->sha256 ||
	    e->cgroup_id != bpf_get_current_cgroup_id() ||
	    e->uid != (__u32)bpf_get_current_uid_gid())
		return false;
	if (b && (a[0] != b[0] || a[1] != b[1] || a[2] != b[2] || a[3] != b[3]))
		return false;
	bpf_get_current_comm(comm, sizeof(comm));
	if (ac[0] != c[0] || ac[1] != c[1])
		return false;
	task = (struct task_struct *)bpf_get_current_task();
	return e->exe_ino == BPF_CORE_READ(task, mm, exe_file, f_inode, i_ino);
}

/*
 * Count the violation, answer it as the enrollment asks (audit mode lets
 * it through; kill ends the process before the syscall returns), then
 * report it. A thread's first attempt of a violation is reported at once;
 * its identical repeats (agg_same()) within NOJIT_REPORT_WINDOW_NS of that
 * record are counted in its task state and go out as one record (count,
 * first and last time) with the first repeat after the window, when
 * another violation replaces them, when the thread execs, or when it
 * exits. Only what neither the ring buffer nor the task state can hold is
 * dropped, counted by reason, never silent: the daemon writes the drop
 * counts into the audit log. A flood of one thread costs other threads
 * nothing: each has its own state, and the flood's repeats take no room
 * in the ring buffer. Returns the hook's verdict.
 */
static __always_inline int violation(const struct nojit_cgroup_policy *pol,
				     const struct violation_info *vi,
				     __u32 action)
{
	const struct nojit_response *resp;
	struct inode *inode = vi->inode;
	struct nojit_task_state *ts;
	struct nojit_task_agg *ag;
	__u32 on_violation = NOJIT_ON_VIOLATION_DENY;
	int verdict = -EPERM;
	__u64 now, ino;
	__u32 dev;

	resp = bpf_map_lookup_elem(&nojit_responses, &pol->enrolled_id);
	if (resp) {
		on_violation = resp->on_violation;
		if (resp->mode == NOJIT_MODE_AUDIT) {
			action = NOJIT_ACTION_AUDITED;
			verdict = 0;
		}
	}
	if (action == NOJIT_ACTION_DENIED && on_violation == NOJIT_ON_VIOLATION_KILL)
		action = NOJIT_ACTION_KILLED;
	if (action == NOJIT_ACTION_KILLED) {
		bpf_send_signal(SIGKILL);
		stat_inc(NOJIT_STAT_KILLS);
	}
	stat_inc(NOJIT_STAT_ROUTE(vi->route));
	if (action == NOJIT_ACTION_AUDITED)
		stat_inc(NOJIT_STAT_AUDITED);

	now = bpf_ktime_get_boot_ns();
	ino = inode ? BPF_CORE_READ(inode, i_ino) : 0;
	dev = inode ? BPF_CORE_READ(inode, i_sb, s_dev) : 0;
	ts = task_state_get(bpf_get_current_task_btf(), true);
	if (!ts) {
		/* No state to count it in (no memory): a record of its own. */
		if (report_alone(pol, vi, action, on_violation, now, ino, dev))
			report_dropped(NOJIT_STAT_DROP_RING_FULL, 1);
		return verdict;
	}
	ag = &ts->agg;
	if (agg_same(ag, pol, vi, action, on_violation, ino, dev)) {
		/* The storm's fast path: one more attempt the next record stands for. */
		ag->pending++;
		ag->last_ns = now;
		if (!ag->reported_ns || now - ag->reported_ns >= NOJIT_REPORT_WINDOW_NS)
			report_agg(ag);
		return verdict;
	}
	/* Another violation: the pending repeats of the last one go out first. */
	if (ag->pending && report_agg(ag)) {
		report_dropped(NOJIT_STAT_DROP_EVICTED, ag->pending);
		ag->pending = 0;
	}
	violation_fill(&ag->ev, pol, vi, action, on_violation, now, ino, dev);
	ag->alone = !hook_aggregates(vi->hook);
	ag->pending = 1;
	ag->last_ns = now;
	ag->reported_ns = 0;
	/* A full ring buffer leaves it pending: the next attempt or the exit retries. */
	report_agg(ag);
	return verdict;
}

/*
 * What the current thread has pending goes out now, or is counted as
 * dropped for REASON: it exits (sched_process_exit), or it execs and will
 * be someone else (bprm_committing_creds).
 */
static __always_inline void violation_flush(struct nojit_task_state *ts, __u32 reason)
{
	if (ts->agg.pending && report_agg(&ts->agg))
		report_dropped(reason, ts->agg.pending);
	ts->agg.pending = 0;
	ts->agg.ev.hdr.size = 0;
}

static __always_inline int deny(const struct nojit_cgroup_policy *pol,
				__u32 route, __u32 hook, __u32 prot,
				__u64 flags, struct inode *inode)
{
	struct violation_info vi = {
		.route = route, .hook = hook, .prot = prot,
		.flags = flags, .inode = inode,
	};

	return violation(pol, &vi, NOJIT_ACTION_DENIED);
}

/* deny(), naming the file by path (hooks where bpf_d_path() is allowed). */
static __always_inline int deny_file(const struct nojit_cgroup_policy *pol,
				     __u32 route, __u32 hook, __u32 prot,
				     __u64 flags, struct file *file)
{
	struct violation_info vi = {
		.route = route, .hook = hook, .prot = prot, .flags = flags,
		.inode = file->f_inode, .path = &file->f_path,
	};

	return violation(pol, &vi, NOJIT_ACTION_DENIED);
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

#endif /* NOJIT_POLICY_BPF_H */
