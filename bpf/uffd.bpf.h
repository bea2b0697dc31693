/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Route 14: bytes placed under an executable mapping without a write to
 * it. userfaultfd resolves a fault in any registered range with bytes the
 * caller chose (UFFDIO_COPY, or UFFDIO_CONTINUE after the caller put
 * them into the page cache), including pages of a private file mapping
 * that is executable, also after MADV_DONTNEED emptied them. Governed
 * tasks use no userfaultfd at all: they may not create one (syscall,
 * /dev/userfaultfd, the fork event's new descriptor) and may not drive
 * one they got from elsewhere. Fails closed: an unreadable name counts
 * as a userfaultfd.
 */
#ifndef NOJIT_UFFD_BPF_H
#define NOJIT_UFFD_BPF_H

#include "policy.bpf.h"
#include "file.bpf.h"

/* Every userfaultfd is an anonymous inode file with this name. */
#define UFFD_NAME "[userfaultfd]"

SEC("lsm/inode_init_security_anon")
int BPF_PROG(nojit_anon_inode, struct inode *inode, const struct qstr *name,
	     const struct inode *context_inode, int ret)
{
	const struct nojit_cgroup_policy *pol;

	if (ret)
		return ret;
	pol = policy_current();
	if (!pol)
		return 0;
	if (!KSTR_EQ((const char *)BPF_CORE_READ(name, name), UFFD_NAME))
		return 0;
	return deny(pol, NOJIT_ROUTE_USERFAULTFD, NOJIT_HOOK_ANON_INODE,
		    0, 0, NULL);
}

static __always_inline int uffd_ioctl(struct file *file, unsigned int cmd)
{
	const struct nojit_cgroup_policy *pol;

	pol = policy_current();
	if (!pol)
		return 0;
	if (file->f_inode->i_sb->s_magic != ANON_INODE_FS_MAGIC)
		return 0;
	if (!KSTR_EQ((const char *)BPF_CORE_READ(file, f_path.dentry, d_name.name),
		     UFFD_NAME))
		return 0;
	return deny(pol, NOJIT_ROUTE_USERFAULTFD, NOJIT_HOOK_FILE_IOCTL,
		    0, cmd, NULL);
}

SEC("lsm/file_ioctl")
int BPF_PROG(nojit_file_ioctl, struct file *file, unsigned int cmd,
	     unsigned long arg, int ret)
{
	return ret ? ret : uffd_ioctl(file, cmd);
}

/* 32-bit callers (int $0x80 from any process) come through here instead. */
SEC("lsm/file_ioctl_compat")
int BPF_PROG(nojit_file_ioctl_compat, struct file *file, unsigned int cmd,
	     unsigned long arg, int ret)
{
	return ret ? ret : uffd_ioctl(file, cmd);
}

#endif /* NOJIT_UFFD_BPF_H */
