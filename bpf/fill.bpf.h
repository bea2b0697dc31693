/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Route 14: bytes placed under an executable mapping without a write to
 * it. Two kernel mechanisms do that on a task's request:
 *
 * - userfaultfd resolves a fault in a registered range with bytes the
 *   caller chose (UFFDIO_COPY, or UFFDIO_CONTINUE after the caller put
 *   them into the page cache), including pages of a private file mapping
 *   that is executable, also after MADV_DONTNEED emptied them;
 * - long-term pins: io_uring pins the pages of registered buffers and of
 *   rings a task supplies itself for the ring's lifetime, and writes into
 *   them from the kernel later (READ_FIXED, completions). Pages of a
 *   shared tmpfs mapping pinned so keep write access after the mapping
 *   and its descriptor are gone: no writer is counted, the file passes
 *   every writer check, is mapped executable, and the pinned pages under
 *   that mapping are then filled.
 *
 * Governed tasks use neither: they may not create a userfaultfd (system
 * call, /dev/userfaultfd, the fork event's new descriptor) or an io_uring
 * (both are anonymous inodes made through inode_init_security_anon), may
 * not drive a userfaultfd made before enrollment or received from
 * elsewhere (its ioctls), and may not map the rings of an io_uring made
 * elsewhere (no submission without them). Fails closed: a name that
 * cannot be read counts as one of these.
 */
#ifndef NOJIT_FILL_BPF_H
#define NOJIT_FILL_BPF_H

#include "policy.bpf.h"
#include "file.bpf.h"
#include "task.bpf.h"

#define UFFD_NAME	"[userfaultfd]"
#define IO_URING_NAME	"[io_uring]"

SEC("lsm/inode_init_security_anon")
int BPF_PROG(nojit_anon_inode, struct inode *inode, const struct qstr *name,
	     const struct inode *context_inode, int ret)
{
	const struct nojit_cgroup_policy *pol;
	const char *s;

	if (ret)
		return ret;
	pol = policy_current();
	if (!pol)
		return 0;
	s = (const char *)BPF_CORE_READ(name, name);
	if (!KSTR_EQ(s, UFFD_NAME) && !KSTR_EQ(s, IO_URING_NAME))
		return 0;
	return deny(pol, NOJIT_ROUTE_FILL_UNDER_CODE, NOJIT_HOOK_ANON_INODE,
		    0, 0, NULL);
}

/* An anonymous-inode file with the given name (userfaultfd, io_uring). */
static __always_inline bool file_is_anon(struct file *file, const char *lit, int litlen)
{
	if (file->f_inode->i_sb->s_magic != ANON_INODE_FS_MAGIC)
		return false;
	return kstr_eq((const char *)BPF_CORE_READ(file, f_path.dentry, d_name.name),
		       lit, litlen);
}

#define FILE_IS_ANON(file, lit) file_is_anon((file), (lit), sizeof(lit) - 1)

static __always_inline int uffd_ioctl(struct file *file, unsigned int cmd)
{
	const struct nojit_cgroup_policy *pol;

	pol = policy_current();
	if (!pol)
		return 0;
	if (!FILE_IS_ANON(file, UFFD_NAME))
		return 0;
	return deny(pol, NOJIT_ROUTE_FILL_UNDER_CODE, NOJIT_HOOK_FILE_IOCTL,
		    0, cmd, NULL);
}

/*
 * A task marked with a JIT exception (exception.bpf.h) may not type into
 * a terminal (TIOCSTI, TIOCLINUX: the shell that started it would run
 * it), take over the console or a line discipline, or change a file's
 * attribute flags, whichever descriptor it holds.
 */
#define TIOCSTI			0x5412
#define TIOCLINUX		0x541C
#define TIOCCONS		0x541D
#define TIOCSETD		0x5423
#define FS_IOC_SETFLAGS		0x40086602
#define FS_IOC32_SETFLAGS	0x40046602
#define FS_IOC_FSSETXATTR	0x401c5820

static __always_inline int marked_ioctl(struct file *file, unsigned int cmd)
{
	if (cmd != TIOCSTI && cmd != TIOCLINUX && cmd != TIOCCONS && cmd != TIOCSETD &&
	    cmd != FS_IOC_SETFLAGS && cmd != FS_IOC32_SETFLAGS && cmd != FS_IOC_FSSETXATTR)
		return 0;
	if (!task_marked())
		return 0;
	return confined(NOJIT_HOOK_FILE_IOCTL, 0, cmd, file->f_inode, NULL);
}

SEC("lsm/file_ioctl")
int BPF_PROG(nojit_file_ioctl, struct file *file, unsigned int cmd,
	     unsigned long arg, int ret)
{
	if (ret)
		return ret;
	ret = marked_ioctl(file, cmd);
	return ret ? ret : uffd_ioctl(file, cmd);
}

/* 32-bit callers (int $0x80 from any process) come through here instead. */
SEC("lsm/file_ioctl_compat")
int BPF_PROG(nojit_file_ioctl_compat, struct file *file, unsigned int cmd,
	     unsigned long arg, int ret)
{
	if (ret)
		return ret;
	ret = marked_ioctl(file, cmd);
	return ret ? ret : uffd_ioctl(file, cmd);
}

#endif /* NOJIT_FILL_BPF_H */
