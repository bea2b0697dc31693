/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Keeping the cgroup map complete, and route 12: a governed task may not
 * move itself (or anyone) to a cgroup outside its enrolled subtree.
 */
#ifndef NOJIT_CGROUP_BPF_H
#define NOJIT_CGROUP_BPF_H

#include "policy.bpf.h"
#include "file.bpf.h"

#define NOJIT_MAX_CGROUP_DEPTH 64

/*
 * A cgroup created below a governed one inherits its policy entry at the
 * moment its kernfs node exists, before any task can be moved into it, so
 * there is no window in which a new child is ungoverned. If the entry
 * cannot be stored (map full) the mkdir is refused: fail closed.
 */
SEC("lsm/kernfs_init_security")
int BPF_PROG(nojit_kernfs_init, struct kernfs_node *kn_dir,
	     struct kernfs_node *kn, int ret)
{
	const struct nojit_cgroup_policy *parent;
	struct nojit_cgroup_policy child;
	struct task_struct *task;
	__u64 parent_id, child_id;

	if (ret)
		return ret;
	if ((BPF_CORE_READ(kn, flags) & KERNFS_TYPE_MASK) != KERNFS_DIR)
		return 0;
	parent_id = BPF_CORE_READ(kn_dir, id);
	parent = bpf_map_lookup_elem(&nojit_cgroups, &parent_id);
	if (!parent)
		return 0;
	/* kernfs ids are per root: a sysfs node may share a cgroup's id. */
	task = bpf_get_current_task_btf();
	if (BPF_CORE_READ(kn_dir, dir.root) !=
	    BPF_CORE_READ(task, cgroups, dfl_cgrp, kn, dir.root))
		return 0;

	child = *parent;
	child_id = BPF_CORE_READ(kn, id);
	if (bpf_map_update_elem(&nojit_cgroups, &child_id, &child, BPF_ANY)) {
		stat_inc(NOJIT_STAT_CGROUP_TRACK_FAILED);
		return -ENOSPC;
	}
	return 0;
}

static __always_inline bool kernfs_is_below(struct kernfs_node *kn, __u64 ancestor)
{
	for (int i = 0; i < NOJIT_MAX_CGROUP_DEPTH && kn; i++) {
		if (BPF_CORE_READ(kn, id) == ancestor)
			return true;
		kn = kernfs_parent(kn);
	}
	return false;
}

/*
 * Route 13: uselib() opens its file asking for read and exec at once, a
 * combination no open(2) and no execve() asks for; the ELF loader then
 * maps it at addresses the file chooses, its zero-fill tail through
 * do_brk_flags() with no mmap hook on the way. Governed tasks use no
 * uselib() (only a.out-era libc5 did): refused before anything is loaded,
 * whatever the file, so no unlisted file gets in under a manifest either.
 */
#define USELIB_OPEN_MASK (MAY_OPEN | MAY_READ | MAY_EXEC)

static __always_inline int uselib_open(struct inode *inode, int mask)
{
	const struct nojit_cgroup_policy *pol;

	if ((inode->i_mode & S_IFMT) != S_IFREG)
		return 0;
	pol = policy_current();
	if (!pol)
		return 0;
	return deny(pol, NOJIT_ROUTE_KERNEL_EXEC_MEM, NOJIT_HOOK_INODE_PERMISSION,
		    PROT_EXEC, mask, inode);
}

/*
 * Migration through cgroup.procs / cgroup.threads writes and through
 * clone3(CLONE_INTO_CGROUP) is authorised by the kernel with an
 * inode_permission(MAY_WRITE) check on the procs file of the common
 * ancestor of source and destination. If that ancestor lies above the
 * task's enrolled cgroup, the move would leave the subtree. Opening a
 * procs file outside the subtree for writing is refused by the same rule.
 * The cheap tests come first: this hook runs on every path lookup.
 */
SEC("lsm/inode_permission")
int BPF_PROG(nojit_inode_permission, struct inode *inode, int mask, int ret)
{
	const struct nojit_cgroup_policy *pol;
	struct kernfs_node *kn;
	const char *name;

	if (ret)
		return ret;
	if ((mask & USELIB_OPEN_MASK) == USELIB_OPEN_MASK)
		return uselib_open(inode, mask);
	if (!(mask & MAY_WRITE))
		return 0;
	if (inode->i_sb->s_magic != CGROUP2_SUPER_MAGIC)
		return 0;
	pol = policy_current();
	if (!pol)
		return 0;
	kn = BPF_CORE_READ(inode, i_private);
	name = BPF_CORE_READ(kn, name);
	if (!KSTR_EQ(name, "cgroup.procs") && !KSTR_EQ(name, "cgroup.threads"))
		return 0;
	if (kernfs_is_below(kernfs_parent(kn), pol->enrolled_id))
		return 0;
	return deny(pol, NOJIT_ROUTE_CGROUP_ESCAPE, NOJIT_HOOK_INODE_PERMISSION,
		    0, mask, inode);
}

#endif /* NOJIT_CGROUP_BPF_H */
