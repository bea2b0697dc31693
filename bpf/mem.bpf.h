/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Routes 1, 2, 3, 5, 6 and 7: no executable memory that did not come from
 * a file reachable by path. All hooks fail closed: when a decision cannot
 * be made, the request is refused.
 */
#ifndef NOJIT_MEM_BPF_H
#define NOJIT_MEM_BPF_H

#include "policy.bpf.h"
#include "file.bpf.h"
#include "hashgate.bpf.h"
#include "fill.bpf.h"
#include "exception.bpf.h"

/*
 * Memory an exception may turn into code: private and anonymous, and none
 * of the kernel's own regions (the stack, the brk heap, special and
 * device mappings), whose contents others than the JIT write.
 */
static __always_inline bool vma_is_jit_memory(struct vm_area_struct *vma, __u64 vm_flags)
{
	struct mm_struct *mm = vma->vm_mm;

	if (vma->vm_file ||
	    (vm_flags & (VM_SHARED | VM_GROWSDOWN | VM_IO | VM_PFNMAP |
			 VM_MIXEDMAP | VM_DONTEXPAND)))
		return false;
	if (!mm)
		return false;
	if (vma->vm_start <= mm->start_stack && mm->start_stack < vma->vm_end)
		return false;
	return !(vma->vm_start < mm->brk && mm->start_brk < vma->vm_end);
}

static long stack_vma_flags(struct task_struct *task, struct vm_area_struct *vma,
			    void *ctx)
{
	*(__u64 *)ctx = BPF_CORE_READ(vma, vm_flags);
	return 0;
}

/*
 * A shared writable mapping is a writer that never goes through write(2):
 * refused for governed tasks on a file governed code runs from, whichever
 * descriptor it comes from (route 17).
 */
static __always_inline int mmap_writes_code(const struct nojit_cgroup_policy *pol,
					    struct file *file, unsigned long prot,
					    unsigned long flags)
{
	struct data_ref ref;

	/* An io_uring's rings, made elsewhere: no submissions (fill.bpf.h). */
	if (FILE_IS_ANON(file, IO_URING_NAME))
		return deny_file(pol, NOJIT_ROUTE_FILL_UNDER_CODE, NOJIT_HOOK_MMAP_FILE,
				 prot, flags, file);
	if (data_ref_get(file->f_inode, &ref)) {
		stat_inc(NOJIT_STAT_FAIL_STACKED_FS);
		return deny_file(pol, NOJIT_ROUTE_STACKED_FS, NOJIT_HOOK_MMAP_FILE,
				 prot, flags, file);
	}
	if (data_is_code(&ref))
		return deny_file(pol, NOJIT_ROUTE_FOREIGN_FD_WRITE,
				 NOJIT_HOOK_MMAP_FILE, prot, flags, file);
	return 0;
}

/* Sleepable: the hash gate may have to hash the file. */
SEC("lsm.s/mmap_file")
int BPF_PROG(nojit_mmap_file, struct file *file, unsigned long reqprot,
	     unsigned long prot, unsigned long flags, int ret)
{
	const struct nojit_cgroup_policy *pol;
	struct data_ref data;
	struct inode *inode;
	__u64 file_addr = 0;

	if (ret)
		return ret;
	/* MAP_SHARED and MAP_SHARED_VALIDATE both write through to the file. */
	if (!(prot & PROT_EXEC) &&
	    !((prot & PROT_WRITE) && (flags & MAP_TYPE) != MAP_PRIVATE))
		return 0;
	pol = policy_current();
	if (!pol)
		return 0;

	/*
	 * The verifier types `file` as a trusted, non-NULL pointer and prunes
	 * a plain NULL test as dead code, so the anonymous case would never
	 * be denied. Read the raw argument as a scalar instead.
	 */
	if (bpf_probe_read_kernel(&file_addr, sizeof(file_addr), &ctx[0])) {
		stat_inc(NOJIT_STAT_FAIL_KERNEL_READ);
		return deny(pol, NOJIT_ROUTE_ANON_EXEC, NOJIT_HOOK_MMAP_FILE,
			    prot, flags, NULL);
	}
	if (!(prot & PROT_EXEC))
		return file_addr ? mmap_writes_code(pol, file, prot, flags) : 0;
	if (!(reqprot & PROT_EXEC))
		return deny(pol, NOJIT_ROUTE_READ_IMPLIES_EXEC,
			    NOJIT_HOOK_MMAP_FILE, prot, flags, NULL);
	if (!file_addr) {
		if ((flags & MAP_TYPE) == MAP_PRIVATE && !(flags & MAP_GROWSDOWN) &&
		    exception_permits(pol, NOJIT_EXC_ANON_EXEC, NOJIT_ROUTE_ANON_EXEC,
				      NOJIT_HOOK_MMAP_FILE, prot, flags))
			return 0;
		return deny(pol, NOJIT_ROUTE_ANON_EXEC, NOJIT_HOOK_MMAP_FILE,
			    prot, flags, NULL);
	}

	inode = file->f_inode;
	if (file_is_pathless(file))
		return deny_file(pol, NOJIT_ROUTE_MEMFD, NOJIT_HOOK_MMAP_FILE,
				 prot, flags, file);
	/* /dev/zero and friends hand out anonymous memory. */
	if (!file_is_regular(file))
		return deny_file(pol, NOJIT_ROUTE_ANON_EXEC, NOJIT_HOOK_MMAP_FILE,
				 prot, flags, file);
	if (prot & PROT_WRITE)
		return deny_file(pol, NOJIT_ROUTE_MPROTECT, NOJIT_HOOK_MMAP_FILE,
				 prot, flags, file);
	/*
	 * Writable means not executable: a file someone holds open for
	 * writing (a shared writable mapping holds such a file too) could
	 * change under the executable view, as execve's ETXTBSY rule knows.
	 * On a stacked file system the writers hold the data inode.
	 */
	if (data_ref_get(inode, &data)) {
		stat_inc(NOJIT_STAT_FAIL_STACKED_FS);
		return deny_file(pol, NOJIT_ROUTE_STACKED_FS, NOJIT_HOOK_MMAP_FILE,
				 prot, flags, file);
	}
	if (data_unstable(&data))
		return deny_file(pol, NOJIT_ROUTE_STACKED_FS, NOJIT_HOOK_MMAP_FILE,
				 prot, flags, file);
	if (inode->i_writecount.counter > 0)
		return deny_file(pol, NOJIT_ROUTE_DOUBLE_MAP, NOJIT_HOOK_MMAP_FILE,
				 prot, flags, file);
	if (!data.plain && data_has_writers(&data))
		return deny_file(pol, NOJIT_ROUTE_STACKED_FS, NOJIT_HOOK_MMAP_FILE,
				 prot, flags, file);
	return hash_gate(pol, file, &data, NOJIT_KIND_ANY, NOJIT_ROUTE_FILE_WRITTEN,
			 NOJIT_HOOK_MMAP_FILE, prot, flags);
}

SEC("lsm/file_mprotect")
int BPF_PROG(nojit_file_mprotect, struct vm_area_struct *vma,
	     unsigned long reqprot, unsigned long prot, int ret)
{
	const struct nojit_cgroup_policy *pol;
	struct data_ref data;
	struct file *file;
	__u64 vm_flags;
	__u32 route;

	if (ret)
		return ret;
	if (!(prot & (PROT_EXEC | PROT_WRITE)))
		return 0;
	pol = policy_current();
	if (!pol)
		return 0;

	vm_flags = vma->vm_flags;
	route = (prot & PROT_EXEC) && !(reqprot & PROT_EXEC) ?
		NOJIT_ROUTE_READ_IMPLIES_EXEC : NOJIT_ROUTE_MPROTECT;
	/* Write and exec at once, exec gained, or code made writable. */
	if (((prot & PROT_EXEC) && (prot & PROT_WRITE)) ||
	    ((prot & PROT_EXEC) && !(vm_flags & VM_EXEC)) ||
	    ((prot & PROT_WRITE) && (vm_flags & VM_EXEC))) {
		if (route == NOJIT_ROUTE_MPROTECT && vma_is_jit_memory(vma, vm_flags) &&
		    exception_permits(pol, NOJIT_EXC_WX_FLIP, route,
				      NOJIT_HOOK_FILE_MPROTECT, prot, vm_flags))
			return 0;
		return deny(pol, route, NOJIT_HOOK_FILE_MPROTECT, prot,
			    vm_flags, NULL);
	}
	/* A shared mapping made writable writes its file: not if it is code. */
	if (!(prot & PROT_WRITE) || !(vm_flags & VM_SHARED))
		return 0;
	file = vma->vm_file;
	if (!file)
		return 0;
	if (data_ref_get(file->f_inode, &data)) {
		stat_inc(NOJIT_STAT_FAIL_STACKED_FS);
		return deny(pol, NOJIT_ROUTE_STACKED_FS, NOJIT_HOOK_FILE_MPROTECT,
			    prot, vm_flags, NULL);
	}
	if (data_is_code(&data))
		return deny(pol, NOJIT_ROUTE_FOREIGN_FD_WRITE,
			    NOJIT_HOOK_FILE_MPROTECT, prot, vm_flags, NULL);
	return 0;
}

/*
 * shmat() maps through do_mmap() directly, never through mmap_file, so
 * SHM_EXEC and a READ_IMPLIES_EXEC personality (which do_mmap() turns into
 * PROT_EXEC) are refused here.
 */
SEC("lsm/shm_shmat")
int BPF_PROG(nojit_shm_shmat, struct kern_ipc_perm *perm, char *shmaddr,
	     int shmflg, int ret)
{
	const struct nojit_cgroup_policy *pol;
	struct task_struct *task;
	unsigned int persona;

	if (ret)
		return ret;
	pol = policy_current();
	if (!pol)
		return 0;
	if (shmflg & SHM_EXEC)
		return deny(pol, NOJIT_ROUTE_SHM_EXEC, NOJIT_HOOK_SHM_SHMAT,
			    PROT_EXEC, shmflg, NULL);
	task = bpf_get_current_task_btf();
	persona = BPF_CORE_READ(task, personality);
	if (persona & READ_IMPLIES_EXEC)
		return deny(pol, NOJIT_ROUTE_READ_IMPLIES_EXEC,
			    NOJIT_HOOK_SHM_SHMAT, PROT_EXEC, shmflg, NULL);
	return 0;
}

/*
 * Route 2, the executable stack: the ELF loader makes the new image's
 * stack executable (PT_GNU_STACK with PF_X, or READ_IMPLIES_EXEC, which
 * the 32-bit loader sets for a binary with no PT_GNU_STACK at all) in
 * setup_arg_pages(), through no hook that can refuse, and an image need
 * not map anything from its file afterwards. So the stack is looked at
 * when setup_arg_pages() is done: an executable one in a governed task
 * ends it there. The exec is past its point of no return and the mm is
 * new, shared with no one: the task is killed before its first
 * instruction. A stack that cannot be looked up counts as executable.
 */
SEC("fexit/setup_arg_pages")
int BPF_PROG(nojit_exec_stack, struct linux_binprm *bprm, unsigned long stack_top,
	     int executable_stack, int ret)
{
	const struct nojit_cgroup_policy *pol;
	struct task_struct *task = bpf_get_current_task_btf();
	struct violation_info vi = {
		.route = NOJIT_ROUTE_MPROTECT,
		.hook = NOJIT_HOOK_EXEC_STACK,
		.prot = PROT_READ | PROT_WRITE | PROT_EXEC,
		.flags = executable_stack,
	};
	__u64 vm_flags = 0;

	if (ret)
		return 0;
	pol = policy_current();
	if (!pol)
		return 0;
	if (bpf_find_vma(task, BPF_CORE_READ(task, mm, start_stack),
			 stack_vma_flags, &vm_flags, 0)) {
		stat_inc(NOJIT_STAT_FAIL_VMA_LOOKUP);
		vm_flags = VM_EXEC;
	}
	if (vm_flags & VM_EXEC)
		violation(pol, &vi, NOJIT_ACTION_KILLED);
	return 0;
}

/*
 * Routes 3 and 13: anonymous executable memory the kernel makes without
 * mmap_file. do_brk_flags() backs brk(), whose flags come from
 * VM_DATA_DEFAULT_FLAGS (VM_EXEC under READ_IMPLIES_EXEC), and
 * vm_brk_flags(), through which the ELF loader maps the zero-filled tail
 * of a PT_LOAD segment, with VM_EXEC when the segment is executable, for
 * execve() and uselib() alike; it always adds read and write. No LSM hook
 * on the way can refuse, and a kill after the fact is not enough: a
 * CLONE_VM sibling in another thread group would share the new RWX
 * region and survive. So the request is marked here, at the entry of
 * do_brk_flags(), and fails at its memory accounting, before any mapping
 * exists: security_vm_enough_memory_mm() says -ENOMEM. brk() then keeps
 * the old break; an exec past its point of no return dies with SIGSEGV.
 * Audit mode only reports.
 */
SEC("fentry/do_brk_flags")
int BPF_PROG(nojit_brk, struct vma_iterator *vmi, struct vm_area_struct *vma,
	     unsigned long addr, unsigned long len, unsigned long flags)
{
	const struct nojit_cgroup_policy *pol;
	struct task_struct *task = bpf_get_current_task_btf();
	struct violation_info vi = {
		.hook = NOJIT_HOOK_BRK,
		.prot = PROT_READ | PROT_WRITE | PROT_EXEC,
		.flags = flags,
	};
	struct nojit_task_state *ts;

	if (flags & VM_EXEC)
		vi.route = NOJIT_ROUTE_KERNEL_EXEC_MEM;
	else if (task->personality & READ_IMPLIES_EXEC)
		vi.route = NOJIT_ROUTE_READ_IMPLIES_EXEC;
	else
		return 0;
	pol = policy_current();
	if (!pol)
		return 0;
	if (!violation(pol, &vi, NOJIT_ACTION_DENIED))
		return 0;
	ts = bpf_task_storage_get(&nojit_task_state, task, 0,
				  BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (ts) {
		ts->refuse_brk = 1;
		return 0;
	}
	/* No way to refuse: the last resort is the kill, counted. */
	stat_inc(NOJIT_STAT_FAIL_NO_STORAGE);
	bpf_send_signal(SIGKILL);
	stat_inc(NOJIT_STAT_KILLS);
	return 0;
}

/* do_brk_flags() may fail before its accounting: drop the mark either way. */
SEC("fexit/do_brk_flags")
int BPF_PROG(nojit_brk_exit, struct vma_iterator *vmi, struct vm_area_struct *vma,
	     unsigned long addr, unsigned long len, unsigned long flags, int ret)
{
	struct nojit_task_state *ts;

	ts = bpf_task_storage_get(&nojit_task_state, bpf_get_current_task_btf(), 0, 0);
	if (ts)
		ts->refuse_brk = 0;
	return 0;
}

/*
 * Every private writable mapping and every brk passes here, so the test
 * is the task's own storage alone: only a governed task's do_brk_flags()
 * ever sets the mark, and a task without storage costs one pointer test.
 */
SEC("fmod_ret/security_vm_enough_memory_mm")
int BPF_PROG(nojit_vm_enough_memory, struct mm_struct *mm, long pages, int ret)
{
	struct nojit_task_state *ts;

	if (ret)
		return ret;
	ts = bpf_task_storage_get(&nojit_task_state, bpf_get_current_task_btf(), 0, 0);
	if (!ts || !ts->refuse_brk)
		return 0;
	ts->refuse_brk = 0;
	return -ENOMEM;
}

#endif /* NOJIT_MEM_BPF_H */
