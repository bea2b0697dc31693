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
 * Count the violation, answer it as the enrollment asks (audit mode lets
 * it through; kill ends the process before the syscall returns), then try
 * to report it. A full ring buffer is counted, never silent: the daemon
 * writes the drop count into the audit log. Returns the hook's verdict.
 */
static __always_inline int violation(const struct nojit_cgroup_policy *pol,
				     const struct violation_info *vi,
				     __u32 action)
{
	const struct nojit_response *resp;
	struct inode *inode = vi->inode;
	struct nojit_violation *ev;
	__u32 on_violation = NOJIT_ON_VIOLATION_DENY;
	int verdict = -EPERM;

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

	ev = bpf_ringbuf_reserve(&nojit_events, sizeof(*ev), 0);
	if (!ev) {
		stat_inc(NOJIT_STAT_EVENTS_DROPPED);
		return verdict;
	}
	event_fill_task(ev, pol->enrolled_id);
	ev->time_ns = bpf_ktime_get_boot_ns();
	ev->first_ns = ev->time_ns;
	ev->count = 1;
	__builtin_memset(ev->exception, 0, sizeof(ev->exception));
	ev->ino = inode ? BPF_CORE_READ(inode, i_ino) : 0;
	ev->dev = inode ? BPF_CORE_READ(inode, i_sb, s_dev) : 0;
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
	bpf_ringbuf_submit(ev, 0);
	stat_inc(NOJIT_STAT_EVENTS_EMITTED);
	return verdict;
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

#endif /* NOJIT_POLICY_BPF_H */
