/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Route 5: fileless exec (fexecve, execveat(AT_EMPTY_PATH) of a memfd), and
 * route 10: with a manifest, only listed programs run; route 16: nothing
 * runs from a file system whose content can change without a write
 * (stacked.bpf.h). For a #! script the
 * hook runs for the script and again for its interpreter: both must be
 * listed.
 */
#ifndef NOJIT_EXEC_BPF_H
#define NOJIT_EXEC_BPF_H

#include "policy.bpf.h"
#include "file.bpf.h"
#include "hashgate.bpf.h"
#include "exception.bpf.h"

/* Fails closed: anything that cannot be classified is refused. */
SEC("lsm.s/bprm_check_security")
int BPF_PROG(nojit_bprm_check, struct linux_binprm *bprm, int ret)
{
	const struct nojit_cgroup_policy *pol;
	struct data_ref data;
	struct file *file;

	if (ret)
		return ret;
	file = bprm->file;
	/* A marked task runs nothing else: its mark would be gone. */
	if (task_marked())
		return confined(NOJIT_HOOK_BPRM_CHECK, PROT_EXEC, 0, file->f_inode,
				&file->f_path);
	pol = policy_current();
	if (!pol)
		return 0;
	if (file_is_pathless(file))
		return deny_file(pol, NOJIT_ROUTE_MEMFD, NOJIT_HOOK_BPRM_CHECK,
				 PROT_EXEC, 0, file);
	if (data_ref_get(file->f_inode, &data)) {
		stat_inc(NOJIT_STAT_FAIL_STACKED_FS);
		return deny_file(pol, NOJIT_ROUTE_STACKED_FS, NOJIT_HOOK_BPRM_CHECK,
				 PROT_EXEC, 0, file);
	}
	if (data_unstable(&data))
		return deny_file(pol, NOJIT_ROUTE_STACKED_FS, NOJIT_HOOK_BPRM_CHECK,
				 PROT_EXEC, 0, file);
	ret = hash_gate(pol, file, &data, NOJIT_KIND_EXEC, NOJIT_ROUTE_UNLISTED_EXEC,
			NOJIT_HOOK_BPRM_CHECK, PROT_EXEC, 0);
	if (!ret)
		exception_exec_checked(pol, bprm, &data);
	return ret;
}

#endif /* NOJIT_EXEC_BPF_H */
