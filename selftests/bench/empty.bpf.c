// SPDX-License-Identifier: GPL-2.0
/*
 * Reference programs for `make bench`, attached to exactly the hooks nojit
 * uses (its LSM hooks plus fentry/do_brk_flags), so that the difference
 * to nojit is nojit's own logic and nothing else. Where nojit's program is
 * sleepable (mmap_file, bprm_check_security: the hash gate may hash),
 * these are not: they measure the floor, and nothing here may sleep.
 *
 *   b0_*  the floor: an empty program. Whatever any BPF LSM pays for
 *         being attached at all (trampoline, program call) is in it.
 *   b1_*  the minimal per-cgroup policy any enforcer needs: the current
 *         task's cgroup id and one hash-map lookup, on every call.
 *
 * One object; the loader (loader.c) loads and attaches one set only.
 * These programs never deny: fail-open by construction, they only
 * measure. Each passes on an earlier program's verdict (`ret`) first,
 * as every LSM program must.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#define EPERM 1

/* Same key type and size as nojit's cgroup map, so lookups cost the same. */
#define BENCH_MAX_CGROUPS 65536

struct bench_policy {
	__u32 deny;		/* the loader writes 0: never taken */
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, BENCH_MAX_CGROUPS);
	__type(key, __u64);
	__type(value, struct bench_policy);
} bench_cgroups SEC(".maps");

static __always_inline int cgroup_verdict(void)
{
	__u64 id = bpf_get_current_cgroup_id();
	const struct bench_policy *pol = bpf_map_lookup_elem(&bench_cgroups, &id);

	if (!pol)
		return 0;
	return pol->deny ? -EPERM : 0;
}

/*
 * BENCH_LSM(hook, args...): b0_<hook> and b1_<hook> on lsm/<hook>. args
 * are the hook's own arguments, all of them up to the chained `ret`.
 */
#define BENCH_LSM(hook, args...)					\
	SEC("lsm/" #hook)						\
	int BPF_PROG(b0_##hook, args, int ret)				\
	{								\
		if (ret)						\
			return ret;					\
		return 0;						\
	}								\
									\
	SEC("lsm/" #hook)						\
	int BPF_PROG(b1_##hook, args, int ret)				\
	{								\
		if (ret)						\
			return ret;					\
		return cgroup_verdict();				\
	}

BENCH_LSM(mmap_file, struct file *file, unsigned long reqprot,
	  unsigned long prot, unsigned long flags)
BENCH_LSM(file_mprotect, struct vm_area_struct *vma, unsigned long reqprot,
	  unsigned long prot)
BENCH_LSM(shm_shmat, struct kern_ipc_perm *perm, char *shmaddr, int shmflg)
BENCH_LSM(bprm_check_security, struct linux_binprm *bprm)
BENCH_LSM(file_open, struct file *file)
BENCH_LSM(file_permission, struct file *file, int mask)
BENCH_LSM(ptrace_access_check, struct task_struct *child, unsigned int mode)
BENCH_LSM(ptrace_traceme, struct task_struct *parent)
BENCH_LSM(inode_permission, struct inode *inode, int mask)
BENCH_LSM(kernfs_init_security, struct kernfs_node *kn_dir,
	  struct kernfs_node *kn)
BENCH_LSM(path_truncate, const struct path *path)
BENCH_LSM(inode_init_security_anon, struct inode *inode,
	  const struct qstr *name, const struct inode *context_inode)
BENCH_LSM(file_ioctl, struct file *file, unsigned int cmd, unsigned long arg)
BENCH_LSM(file_ioctl_compat, struct file *file, unsigned int cmd,
	  unsigned long arg)
BENCH_LSM(socket_setsockopt, struct socket *sock, int level, int optname)
/* The JIT exception's confinement (bpf/exception.bpf.h): every task passes. */
BENCH_LSM(file_truncate, struct file *file)
BENCH_LSM(socket_create, int family, int type, int protocol, int kern)
BENCH_LSM(socket_connect, struct socket *sock, struct sockaddr *address, int addrlen)
BENCH_LSM(socket_bind, struct socket *sock, struct sockaddr *address, int addrlen)
BENCH_LSM(socket_listen, struct socket *sock, int backlog)
BENCH_LSM(socket_accept, struct socket *sock, struct socket *newsock)
BENCH_LSM(socket_sendmsg, struct socket *sock, struct msghdr *msg, int size)
BENCH_LSM(socket_recvmsg, struct socket *sock, struct msghdr *msg, int size, int flags)
BENCH_LSM(task_alloc, struct task_struct *task, unsigned long clone_flags)
BENCH_LSM(path_mknod, const struct path *dir, struct dentry *dentry, umode_t mode,
	  unsigned int dev)
BENCH_LSM(path_mkdir, const struct path *dir, struct dentry *dentry, umode_t mode)
BENCH_LSM(path_rmdir, const struct path *dir, struct dentry *dentry)
BENCH_LSM(path_unlink, const struct path *dir, struct dentry *dentry)
BENCH_LSM(path_symlink, const struct path *dir, struct dentry *dentry,
	  const char *old_name)
BENCH_LSM(path_link, struct dentry *old_dentry, const struct path *new_dir,
	  struct dentry *new_dentry)
BENCH_LSM(path_rename, const struct path *old_dir, struct dentry *old_dentry,
	  const struct path *new_dir, struct dentry *new_dentry, unsigned int flags)
BENCH_LSM(path_chmod, const struct path *path, umode_t mode)
BENCH_LSM(path_chown, const struct path *path, __u64 uid, __u64 gid)

/* A void hook: no earlier verdict to pass on, nothing to refuse. */
SEC("lsm/bprm_committing_creds")
int BPF_PROG(b0_bprm_committing_creds, struct linux_binprm *bprm)
{
	return 0;
}

SEC("lsm/bprm_committing_creds")
int BPF_PROG(b1_bprm_committing_creds, struct linux_binprm *bprm)
{
	cgroup_verdict();
	return 0;
}

/* nojit reports a marked task's pending exception uses when it exits. */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(b0_sched_process_exit, struct task_struct *task)
{
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(b1_sched_process_exit, struct task_struct *task)
{
	cgroup_verdict();
	return 0;
}

/* Called for every freed inode: only deletes, never refuses. */
SEC("lsm/inode_free_security")
int BPF_PROG(b0_inode_free_security, struct inode *inode)
{
	return 0;
}

SEC("lsm/inode_free_security")
int BPF_PROG(b1_inode_free_security, struct inode *inode)
{
	cgroup_verdict();
	return 0;
}

/*
 * The bpf hook has three arguments on 6.12 and four (bool kernel) from
 * 6.15 on, so `ret` sits at a different slot: read nothing at all, like
 * nojit's own program. An earlier program's denial already ends the
 * chain in the trampoline before these run.
 */
SEC("lsm/bpf")
int BPF_PROG(b0_bpf)
{
	return 0;
}

SEC("lsm/bpf")
int BPF_PROG(b1_bpf)
{
	return cgroup_verdict();
}

/* nojit's brk check (not an LSM hook: brk passes none that can refuse). */
SEC("fentry/do_brk_flags")
int BPF_PROG(b0_brk)
{
	return 0;
}

SEC("fentry/do_brk_flags")
int BPF_PROG(b1_brk)
{
	cgroup_verdict();
	return 0;
}

/*
 * nojit's brk refusal: fmod_ret on the memory accounting every private
 * writable mapping and brk pass. b1 looks its cgroup up but never refuses
 * (the loops map memory in the enrolled cgroup too).
 */
SEC("fmod_ret/security_vm_enough_memory_mm")
int BPF_PROG(b0_vm_enough_memory, struct mm_struct *mm, long pages, int ret)
{
	return ret;
}

SEC("fmod_ret/security_vm_enough_memory_mm")
int BPF_PROG(b1_vm_enough_memory, struct mm_struct *mm, long pages, int ret)
{
	if (ret)
		return ret;
	cgroup_verdict();
	return 0;
}

/* nojit's classic BPF backstop (fentry, like brk). */
SEC("fentry/bpf_prepare_filter")
int BPF_PROG(b0_cbpf)
{
	return 0;
}

SEC("fentry/bpf_prepare_filter")
int BPF_PROG(b1_cbpf)
{
	cgroup_verdict();
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
