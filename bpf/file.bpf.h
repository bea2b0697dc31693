/* SPDX-License-Identifier: GPL-2.0 */
/* Classifying the file behind a mapping or an exec. */
#ifndef NOJIT_FILE_BPF_H
#define NOJIT_FILE_BPF_H

#include "policy.bpf.h"

/*
 * memfd, SysV shm, hugetlb memfds and anon inodes all live on mounts made
 * with kern_mount(), which belong to no mount namespace. Such a file has
 * no path anyone could have listed in a manifest, so it may never become
 * code, whatever its content. A lazily unmounted mount (mnt_ns NULL) is
 * treated the same way: it is no longer reachable by path either.
 */
static __always_inline bool file_is_pathless(struct file *file)
{
	struct vfsmount *vmnt = BPF_CORE_READ(file, f_path.mnt);
	struct mount *mnt = container_of(vmnt, struct mount, mnt);
	unsigned long ns = (unsigned long)BPF_CORE_READ(mnt, mnt_ns);

	return ns == 0 || ns == MNT_NS_INTERNAL;
}

static __always_inline bool file_is_regular(struct file *file)
{
	umode_t mode = BPF_CORE_READ(file, f_inode, i_mode);

	return (mode & S_IFMT) == S_IFREG;
}

/*
 * Compare a kernel string against a short literal without helpers. Every
 * caller denies on a match, so a string that cannot be read counts as a
 * match (fail closed).
 */
static __always_inline bool kstr_eq(const char *kstr, const char *lit, int litlen)
{
	char buf[16] = {};
	long n;

	if (litlen >= (int)sizeof(buf))
		return false;
	n = bpf_probe_read_kernel_str(buf, sizeof(buf), kstr);
	if (n < 0) {
		stat_inc(NOJIT_STAT_FAIL_KERNEL_READ);
		return true;
	}
	if (n != litlen + 1)
		return false;
	for (int i = 0; i < litlen; i++)
		if (buf[i] != lit[i])
			return false;
	return true;
}

#define KSTR_EQ(kstr, lit) kstr_eq((kstr), (lit), sizeof(lit) - 1)

#endif /* NOJIT_FILE_BPF_H */
