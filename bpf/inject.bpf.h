/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Route 8: writing into code through /proc/PID/mem or ptrace. Both reach
 * memory with FOLL_FORCE, which ignores page protections, so the memory
 * hooks never see them. Governed tasks may not attach to (or ask to be
 * traced by) anyone, and may not write any process's mem file. Reading
 * (PTRACE_MODE_READ: ps, /proc/PID/status) stays allowed.
 */
#ifndef NOJIT_INJECT_BPF_H
#define NOJIT_INJECT_BPF_H

#include "policy.bpf.h"
#include "file.bpf.h"
#include "hashgate.bpf.h"
#include "exception.bpf.h"

static __always_inline bool file_is_proc_mem(struct file *file)
{
	if (file->f_inode->i_sb->s_magic != PROC_SUPER_MAGIC)
		return false;
	return KSTR_EQ((const char *)BPF_CORE_READ(file, f_path.dentry, d_name.name),
		       "mem");
}

/* The kernel's dev_t: 12 bits of major above 20 bits of minor. */
#define KDEV(major, minor)	(((major) << 20) | (minor))
#define DEV_FUSE		KDEV(10, 229)
#define DEV_KVM			KDEV(10, 232)

/*
 * Devices that are code generators or code sources of their own: /dev/kvm
 * runs guest code straight from the caller's ordinary read-write memory
 * (route 1, whatever the page protections say), and /dev/fuse serves a
 * file system whose bytes change without a write, and whose requests hold
 * pages of the caller's (possibly file-backed, shared) memory in flight
 * for as long as the server likes (route 16). Governed tasks open
 * neither. 0, or the route that refuses it.
 */
static __always_inline __u32 device_route(struct file *file)
{
	struct inode *inode = file->f_inode;

	if ((inode->i_mode & S_IFMT) != S_IFCHR)
		return 0;
	if (inode->i_rdev == DEV_KVM)
		return NOJIT_ROUTE_ANON_EXEC;
	if (inode->i_rdev == DEV_FUSE)
		return NOJIT_ROUTE_STACKED_FS;
	return 0;
}

/* Write-opens also feed the hash gate (file_write_open). */
SEC("lsm/file_open")
int BPF_PROG(nojit_file_open, struct file *file, int ret)
{
	const struct nojit_cgroup_policy *pol;
	struct nojit_task_state *ts;
	__u32 route;

	if (ret)
		return ret;
	route = device_route(file);
	if (route) {
		pol = policy_current();
		if (pol)
			return deny_file(pol, route, NOJIT_HOOK_DEVICE_OPEN, 0,
					 file->f_mode, file);
	}
	if (!(file->f_mode & FMODE_WRITE))
		return 0;
	ts = task_marked();
	if (ts) {
		ret = exception_write_check(ts, &file->f_path, file->f_inode,
					    NOJIT_HOOK_FILE_OPEN, file->f_mode);
		if (ret)
			return ret;
	}
	ret = file_write_open(file);
	if (ret)
		return ret;
	if (!file_is_proc_mem(file))
		return 0;
	pol = policy_current();
	if (!pol)
		return 0;
	return deny_file(pol, NOJIT_ROUTE_PROC_MEM_PTRACE, NOJIT_HOOK_FILE_OPEN,
			 0, file->f_mode, file);
}

/*
 * Every write through a descriptor, whoever opened it (inherited, passed
 * over a socket, pidfd_getfd()): to a mem file (one opened before
 * enrollment, or passed in), and, route 17, to a file governed code runs
 * from. write(2) and its vectored, positioned, splice, copy_file_range,
 * fallocate and io_uring forms all ask here first.
 */
SEC("lsm/file_permission")
int BPF_PROG(nojit_file_permission, struct file *file, int mask, int ret)
{
	const struct nojit_cgroup_policy *pol;
	struct data_ref data;
	umode_t type;

	if (ret)
		return ret;
	type = file->f_inode->i_mode & S_IFMT;
	if (!(mask & MAY_WRITE) && type != S_IFSOCK)
		return 0;
	pol = policy_current();
	if (!pol)
		return 0;
	/*
	 * A task marked with a JIT exception reads or writes no network
	 * socket, however it got the descriptor, whichever system call
	 * (splice included) asks.
	 */
	if (type == S_IFSOCK && file_is_inet_socket(file) && task_marked())
		return confined(NOJIT_HOOK_FILE_PERMISSION, 0, mask, file->f_inode, NULL);
	if (!(mask & MAY_WRITE))
		return 0;
	if (file_is_proc_mem(file))
		return deny(pol, NOJIT_ROUTE_PROC_MEM_PTRACE,
			    NOJIT_HOOK_FILE_PERMISSION, 0, mask, file->f_inode);
	if (!file_is_regular(file))
		return 0;
	if (data_ref_get(file->f_inode, &data)) {
		stat_inc(NOJIT_STAT_FAIL_STACKED_FS);
		return deny(pol, NOJIT_ROUTE_STACKED_FS, NOJIT_HOOK_FILE_PERMISSION,
			    0, mask, file->f_inode);
	}
	if (data_is_code(&data))
		return deny(pol, NOJIT_ROUTE_FOREIGN_FD_WRITE,
			    NOJIT_HOOK_FILE_PERMISSION, 0, mask, file->f_inode);
	return 0;
}

SEC("lsm/ptrace_access_check")
int BPF_PROG(nojit_ptrace_access_check, struct task_struct *child,
	     unsigned int mode, int ret)
{
	const struct nojit_cgroup_policy *pol;

	if (ret)
		return ret;
	if (!(mode & PTRACE_MODE_ATTACH))
		return 0;
	pol = policy_current();
	if (!pol)
		return task_marked() ? confined(NOJIT_HOOK_PTRACE_ACCESS, 0, mode, NULL, NULL) : 0;
	return deny(pol, NOJIT_ROUTE_PROC_MEM_PTRACE, NOJIT_HOOK_PTRACE_ACCESS,
		    0, mode, NULL);
}

/* PTRACE_TRACEME: refused if either side of the future trace is governed. */
SEC("lsm/ptrace_traceme")
int BPF_PROG(nojit_ptrace_traceme, struct task_struct *parent, int ret)
{
	const struct nojit_cgroup_policy *pol;
	__u64 parent_cgroup;

	if (ret)
		return ret;
	pol = policy_current();
	if (!pol) {
		parent_cgroup = BPF_CORE_READ(parent, cgroups, dfl_cgrp, kn, id);
		pol = bpf_map_lookup_elem(&nojit_cgroups, &parent_cgroup);
		if (!pol)
			return task_marked() ?
			       confined(NOJIT_HOOK_PTRACE_TRACEME, 0, 0, NULL, NULL) : 0;
	}
	return deny(pol, NOJIT_ROUTE_PROC_MEM_PTRACE, NOJIT_HOOK_PTRACE_TRACEME,
		    0, 0, NULL);
}

#endif /* NOJIT_INJECT_BPF_H */
