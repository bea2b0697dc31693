/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel constants that live in #defines and therefore never reach BTF or
 * vmlinux.h. Values are stable UAPI or long-stable kernel ABI.
 */
#ifndef NOJIT_KERNEL_CONSTS_BPF_H
#define NOJIT_KERNEL_CONSTS_BPF_H

#define EPERM			1
#define ENOENT			2
#define ENOMEM			12
#define ENOSPC			28

#define PROT_READ		0x1
#define PROT_WRITE		0x2
#define PROT_EXEC		0x4

#define MAP_PRIVATE		0x02
#define MAP_TYPE		0x0f

#define VM_WRITE		0x00000002UL
#define VM_EXEC			0x00000004UL
#define VM_SHARED		0x00000008UL
#define VM_GROWSDOWN		0x00000100UL
#define VM_PFNMAP		0x00000400UL
#define VM_IO			0x00004000UL
#define VM_DONTEXPAND		0x00040000UL
#define VM_MIXEDMAP		0x10000000UL

#define READ_IMPLIES_EXEC	0x0400000
#define SHM_EXEC		0100000

#define MAY_EXEC		0x00000001
#define MAY_WRITE		0x00000002
#define MAY_READ		0x00000004
#define MAY_OPEN		0x00000020

#define SOL_SOCKET		1
#define SO_ATTACH_FILTER	26
#define SO_ATTACH_REUSEPORT_CBPF 51
#define SOL_PACKET		263
#define PACKET_FANOUT_DATA	22

#define FMODE_WRITE		0x2

#define PTRACE_MODE_ATTACH	0x02

#define S_IFMT			00170000
#define S_IFREG			0100000
#define S_IFCHR			0020000
#define S_IFSOCK		0140000

#define ATTR_FILE		(1 << 13)

#define MAP_GROWSDOWN		0x0100

#define CGROUP2_SUPER_MAGIC	0x63677270
#define PROC_SUPER_MAGIC	0x9fa0
#define OVERLAYFS_SUPER_MAGIC	0x794c7630
#define ANON_INODE_FS_MAGIC	0x09041934
#define FUSE_SUPER_MAGIC	0x65735546

#define KERNFS_TYPE_MASK	0x000f

#define SIGKILL			9

#define AF_UNIX			1

/* MNT_NS_INTERNAL is ERR_PTR(-EINVAL): mounts made by kern_mount(). */
#define MNT_NS_INTERNAL		((unsigned long)-22)

#endif /* NOJIT_KERNEL_CONSTS_BPF_H */
