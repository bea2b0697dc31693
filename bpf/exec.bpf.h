/* SPDX-License-Identifier: GPL-2.0 */
/* Route 5: fileless exec (fexecve, execveat(AT_EMPTY_PATH) of a memfd). */
#ifndef NOJIT_EXEC_BPF_H
#define NOJIT_EXEC_BPF_H

#include "policy.bpf.h"
#include "file.bpf.h"

/* Fails closed: anything that cannot be classified is refused. */
SEC("lsm/bprm_check_security")
int BPF_PROG(nojit_bprm_check, struct linux_binprm *bprm, int ret)
{
	const struct nojit_cgroup_policy *pol;
	struct file *file;

	if (ret)
		return ret;
	pol = policy_current();
	if (!pol)
		return 0;
	file = BPF_CORE_READ(bprm, file);
	if (file_is_pathless(file))
		return deny(pol, NOJIT_ROUTE_MEMFD, NOJIT_HOOK_BPRM_CHECK,
			    PROT_EXEC, 0, BPF_CORE_READ(file, f_inode));
	return 0;
}

#endif /* NOJIT_EXEC_BPF_H */
