/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Signed JIT exceptions (docs/exceptions.md). A manifest may name an
 * executable, by digest, that may JIT; the controller loads such an
 * exception only with an approver's signature next to the manifest's.
 *
 * The mark: an exec whose file the hash gate allowed, and whose digest has
 * an exception under the task's policy, marks the task when the exec
 * commits (past its point of no return: a failed exec marks nothing).
 * Children and threads inherit the mark at task_alloc; the mark never
 * leaves a task, since a marked task cannot exec.
 *
 * What it buys: private anonymous memory may become executable (mem.bpf.h
 * asks exception_permits() before refusing), while the exception is still
 * in force for the task's current policy and not expired (kernel clock).
 * What it costs: a marked task is confined for the rest of its life,
 * governed or not: no socket but AF_UNIX, no exec, no ptrace attach, no
 * bpf(), and no write-open or truncation outside the exception's paths.
 * Each use is counted; uses are reported aggregated, the first at once.
 *
 * Fails closed: a mark that cannot be stored leaves the task unmarked (no
 * JIT); a child whose inherited mark cannot be stored is not created.
 */
#ifndef NOJIT_EXCEPTION_BPF_H
#define NOJIT_EXCEPTION_BPF_H

#include "policy.bpf.h"
#include "hashgate.bpf.h"
#include "task.bpf.h"

/* Repeated uses within this window share one record. */
#define NOJIT_EXC_REPORT_NS	1000000000ull

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct nojit_allow_key);
	__type(value, struct nojit_exception);
} nojit_exceptions SEC(".maps");

/* Scratch space for a path: too large for the BPF stack. */
struct exc_path_buf {
	char path[NOJIT_EVENT_PATH_MAX];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct exc_path_buf);
} nojit_exc_scratch SEC(".maps");

/* The exception for DIGEST under POL's manifest in force now, or NULL. */
static __always_inline struct nojit_exception *exception_lookup(const struct nojit_cgroup_policy *pol,
								 const __u8 *digest)
{
	const struct nojit_policy_ref *ref;
	struct nojit_allow_key key = {};

	ref = bpf_map_lookup_elem(&nojit_policies, &pol->enrolled_id);
	if (!ref)
		return NULL;
	key.policy_id = ref->policy_id;
	__builtin_memcpy(key.sha256, digest, sizeof(key.sha256));
	return bpf_map_lookup_elem(&nojit_exceptions, &key);
}

/*
 * One record for the pending uses of TS's mark. 0, or -ENOSPC with the
 * uses still pending (the ring buffer is full: a later use or the exit
 * tries again).
 */
static __always_inline int exception_report(const struct nojit_cgroup_policy *pol,
					    struct nojit_task_state *ts)
{
	struct nojit_task_mark *mk = &ts->mark;
	struct nojit_violation *ev;

	ev = bpf_ringbuf_reserve(&nojit_events, sizeof(*ev), 0);
	if (!ev)
		return -ENOSPC;
	__builtin_memset(ev, 0, sizeof(*ev));
	event_fill_task(ev, pol ? pol->enrolled_id : 0);
	ev->time_ns = mk->last_ns;
	ev->first_ns = mk->first_ns;
	ev->count = mk->pending;
	ev->route = mk->route;
	ev->hook = mk->hook;
	ev->action = NOJIT_ACTION_EXCEPTION;
	ev->prot = mk->prot;
	ev->flags = mk->flags;
	ev->on_violation = NOJIT_ON_VIOLATION_DENY;
	__builtin_memcpy(ev->sha256, mk->sha256, sizeof(ev->sha256));
	ev->has_sha256 = 1;
	__builtin_memcpy(ev->exception, mk->exception, sizeof(ev->exception));
	bpf_ringbuf_submit(ev, 0);
	report_emitted(mk->pending);
	mk->pending = 0;
	mk->reported_ns = mk->last_ns;
	return 0;
}

/*
 * True if the current task may have what mem.bpf.h is about to refuse as
 * ROUTE: it is marked, its exception is in force under its policy now,
 * not expired, and allows WANT (enum nojit_exception_allow). The use is
 * counted and reported.
 */
static __always_inline bool exception_permits(const struct nojit_cgroup_policy *pol,
					      __u32 want, __u32 route, __u32 hook,
					      __u32 prot, __u64 flags)
{
	struct nojit_exception *exc;
	struct nojit_task_state *ts;
	struct nojit_task_mark *mk;
	__u64 now;

	ts = task_marked();
	if (!ts)
		return false;
	mk = &ts->mark;
	exc = exception_lookup(pol, mk->sha256);
	if (!exc || !(exc->allow & want))
		return false;
	now = bpf_ktime_get_boot_ns();
	if (now >= exc->expires_boot_ns)
		return false;
	__sync_fetch_and_add(&exc->uses, 1);
	stat_inc(NOJIT_STAT_EXC_USES);
	if (!mk->pending)
		mk->first_ns = now;
	mk->pending++;
	mk->last_ns = now;
	mk->route = route;
	mk->hook = hook;
	mk->prot = prot;
	mk->flags = flags;
	__builtin_memcpy(mk->exception, exc->id, sizeof(mk->exception));
	if (!mk->reported_ns || now - mk->reported_ns >= NOJIT_EXC_REPORT_NS)
		exception_report(pol, ts);
	return true;
}

/*
 * bprm_check_security allowed FILE (data DATA) for a governed task: note
 * whether this exec would mark the task. Every check overwrites the last,
 * so for a #! script the interpreter's file decides, as it is what runs.
 */
static __always_inline void exception_exec_checked(const struct nojit_cgroup_policy *pol,
						   const struct linux_binprm *bprm,
						   const struct data_ref *data)
{
	struct nojit_file_hash *fh = data_state(data, false);
	struct task_struct *task = bpf_get_current_task_btf();
	struct nojit_task_state *ts;

	if (!fh || !fh->valid || fh->hashed_gen != fh->gen ||
	    !exception_lookup(pol, fh->sha256)) {
		ts = task_state_get(task, false);
		if (ts)
			ts->pending_bprm = 0;
		return;
	}
	ts = task_state_get(task, true);
	if (!ts) {
		stat_inc(NOJIT_STAT_FAIL_NO_STORAGE);
		return;
	}
	__builtin_memcpy(ts->pending_sha256, fh->sha256, sizeof(ts->pending_sha256));
	ts->pending_bprm = (__u64)bprm;
}

/*
 * Past the exec's point of no return: the new image is marked if its
 * file was the one bprm_check_security found an exception for, and is
 * not otherwise. The exception is looked up again, so one revoked in
 * between marks nothing.
 */
SEC("lsm/bprm_committing_creds")
int BPF_PROG(nojit_bprm_committing_creds, struct linux_binprm *bprm)
{
	const struct nojit_cgroup_policy *pol;
	struct nojit_exception *exc = NULL;
	struct nojit_task_state *ts;

	ts = task_state_get(bpf_get_current_task_btf(), false);
	if (!ts)
		return 0;
	pol = policy_current();
	if (pol && ts->pending_bprm == (__u64)bprm)
		exc = exception_lookup(pol, ts->pending_sha256);
	ts->pending_bprm = 0;
	violation_flush(ts, NOJIT_STAT_DROP_EXEC);
	__builtin_memset(&ts->mark, 0, sizeof(ts->mark));
	if (!exc)
		return 0;
	__builtin_memcpy(ts->mark.sha256, ts->pending_sha256, sizeof(ts->mark.sha256));
	ts->mark.mnt_ns = (__u64)BPF_CORE_READ(bpf_get_current_task_btf(), nsproxy, mnt_ns);
	ts->mark.marked = 1;
	__sync_fetch_and_add(&exc->marks, 1);
	stat_inc(NOJIT_STAT_EXC_MARKS);
	return 0;
}

/* Threads and children carry the mark; no room for it means no child. */
SEC("lsm/task_alloc")
int BPF_PROG(nojit_task_alloc, struct task_struct *task, unsigned long clone_flags, int ret)
{
	struct nojit_task_state *parent, *child;

	if (ret)
		return ret;
	parent = task_marked();
	if (!parent)
		return 0;
	child = task_state_get(task, true);
	if (!child) {
		stat_inc(NOJIT_STAT_FAIL_NO_STORAGE);
		return -ENOMEM;
	}
	__builtin_memset(&child->mark, 0, sizeof(child->mark));
	__builtin_memcpy(child->mark.sha256, parent->mark.sha256, sizeof(child->mark.sha256));
	child->mark.mnt_ns = parent->mark.mnt_ns;
	child->mark.marked = 1;
	return 0;
}

/*
 * A thread ends: its violations not yet reported go out (policy.bpf.h),
 * and so do its exception uses, lost only with a full ring buffer.
 */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(nojit_task_exit, struct task_struct *task)
{
	struct nojit_task_state *ts;

	if (!task->bpf_storage)
		return 0;
	ts = task_state_get(task, false);
	if (!ts)
		return 0;
	violation_flush(ts, NOJIT_STAT_DROP_EXIT);
	if (!ts->mark.marked || !ts->mark.pending)
		return 0;
	if (exception_report(policy_current(), ts)) {
		stat_add(NOJIT_STAT_EXC_USES_LOST, ts->mark.pending);
		ts->mark.pending = 0;
	}
	return 0;
}

/*
 * A thread is switched out (current is still that thread): the repeats it
 * has pending go out when it goes to sleep (prev_state not TASK_RUNNING),
 * or when it is switched out NOJIT_REPORT_WINDOW_NS or more after its
 * last record. So a repeat is in
 * the log within about the window even if the thread never violates
 * again and lives on: a burst then a sleep, a busy loop. Only tasks with
 * task storage get past the first test; the others cost one load.
 */
SEC("tp_btf/sched_switch")
int BPF_PROG(nojit_task_switch, bool preempt, struct task_struct *prev,
	     struct task_struct *next, unsigned int prev_state)
{
	struct nojit_task_state *ts;
	__u64 now;

	if (!prev->bpf_storage)
		return 0;
	ts = task_state_get(prev, false);
	if (!ts || (!ts->agg.pending && !ts->mark.pending))
		return 0;
	now = bpf_ktime_get_boot_ns();
	if (ts->agg.pending && (prev_state || now - ts->agg.reported_ns >= NOJIT_REPORT_WINDOW_NS))
		report_agg(&ts->agg);
	/* A JIT engine's threads block all the time: its uses, by the window only. */
	if (ts->mark.marked && ts->mark.pending &&
	    now - ts->mark.reported_ns >= NOJIT_REPORT_WINDOW_NS)
		exception_report(policy_current(), ts);
	return 0;
}

/* Whether PATH is PREFIX or below it ("/" covers everything). */
static __always_inline bool path_under(const char *path, const char *prefix)
{
	int i;

	for (i = 0; i < NOJIT_EXC_PATH_MAX - 1; i++) {
		char c = prefix[i];

		if (!c)
			break;
		if (path[i] != c)
			return false;
	}
	if (i == 0)
		return false;
	if (i == 1 && prefix[0] == '/')
		return true;
	return i < NOJIT_EVENT_PATH_MAX && (path[i & (NOJIT_EVENT_PATH_MAX - 1)] == '\0' ||
					    path[i & (NOJIT_EVENT_PATH_MAX - 1)] == '/');
}

struct write_check {
	const char *path;
	const struct nojit_exception *exc;
	bool allowed;
};

static long write_path_step(__u32 i, void *ctx)
{
	struct write_check *wc = ctx;
	__u32 idx = i;

	if (idx >= NOJIT_EXC_MAX_PATHS || idx >= wc->exc->n_paths)
		return 1;
	/*
	 * The compiler would index with a copy of i the verifier never saw
	 * bounded: hide idx from it, so the mask stays and bounds the index.
	 */
	asm volatile("" : "+r"(idx));
	idx &= NOJIT_EXC_MAX_PATHS - 1;
	if (path_under(wc->path, wc->exc->write_paths[idx])) {
		wc->allowed = true;
		return 1;
	}
	return 0;
}

/*
 * Whether the task still sees the file system as when it was marked (no
 * setns() into another mount namespace, which no LSM hook sees), and P's
 * mount belongs to that namespace or is a kernel-internal one (the layers
 * an overlayfs opens its files on, which no task names).
 */
static __always_inline bool path_in_own_namespace(const struct nojit_task_state *ts,
						  const struct path *p)
{
	struct mount *mnt = container_of(BPF_CORE_READ(p, mnt), struct mount, mnt);
	struct task_struct *task = bpf_get_current_task_btf();
	unsigned long ns = (unsigned long)BPF_CORE_READ(mnt, mnt_ns);

	if ((__u64)BPF_CORE_READ(task, nsproxy, mnt_ns) != ts->mark.mnt_ns)
		return false;
	return ns == MNT_NS_INTERNAL || ns == ts->mark.mnt_ns;
}

/* In every LSM hook, unlike bpf_d_path(): the path hooks have no file. */
extern int bpf_path_d_path(struct path *path, char *buf, size_t buf__sz) __ksym;

/*
 * 0 if the marked task TS may write at P: P is a file it opens for
 * writing or truncates, or the directory whose entries it changes, and
 * lies under one of its exception's paths. A path that cannot be
 * resolved, or an exception no longer in force, allows no writes.
 */
static __always_inline int exception_write_check(struct nojit_task_state *ts, const struct path *p,
						 struct inode *inode, __u32 hook, __u64 flags)
{
	const struct nojit_cgroup_policy *pol = policy_current();
	struct write_check wc = {};
	struct exc_path_buf *buf;
	__u32 zero = 0;

	buf = bpf_map_lookup_elem(&nojit_exc_scratch, &zero);
	wc.exc = pol ? exception_lookup(pol, ts->mark.sha256) : NULL;
	if (!buf || !wc.exc)
		return confined(hook, 0, flags, inode, NULL);
	/*
	 * A name is only as good as the view it is resolved in, and the file
	 * only as singular as its name: a file reached through another mount
	 * namespace (/proc/PID/root), or one with a second name (a hard link
	 * to a file outside), is not written, whatever its path says.
	 */
	if (!path_in_own_namespace(ts, p) || (inode && inode->i_nlink > 1))
		return confined(hook, 0, flags, inode, NULL);
	if (bpf_path_d_path((struct path *)p, buf->path, sizeof(buf->path)) < 0) {
		stat_inc(NOJIT_STAT_FAIL_KERNEL_READ);
		return confined(hook, 0, flags, inode, NULL);
	}
	wc.path = buf->path;
	bpf_loop(NOJIT_EXC_MAX_PATHS, write_path_step, &wc, 0);
	return wc.allowed ? 0 : confined(hook, 0, flags, inode, NULL);
}

/* A change to the entries (or modes) of directory DIR by a marked task. */
static __always_inline int path_change(const struct path *dir, __u32 change)
{
	struct nojit_task_state *ts = task_marked();

	if (!ts)
		return 0;
	return exception_write_check(ts, dir, NULL, NOJIT_HOOK_PATH_CHANGE, change);
}

/*
 * The names a marked task may change are those its write paths cover,
 * like the files it may write: creating (O_CREAT included), removing,
 * linking or renaming an entry anywhere else would let it place or move
 * content where it may not write. The directory decides.
 */
SEC("lsm/path_mknod")
int BPF_PROG(nojit_path_mknod, const struct path *dir, struct dentry *dentry, umode_t mode,
	     unsigned int dev, int ret)
{
	return ret ? ret : path_change(dir, NOJIT_PATH_CREATE);
}

SEC("lsm/path_mkdir")
int BPF_PROG(nojit_path_mkdir, const struct path *dir, struct dentry *dentry, umode_t mode,
	     int ret)
{
	return ret ? ret : path_change(dir, NOJIT_PATH_MKDIR);
}

SEC("lsm/path_rmdir")
int BPF_PROG(nojit_path_rmdir, const struct path *dir, struct dentry *dentry, int ret)
{
	return ret ? ret : path_change(dir, NOJIT_PATH_RMDIR);
}

SEC("lsm/path_unlink")
int BPF_PROG(nojit_path_unlink, const struct path *dir, struct dentry *dentry, int ret)
{
	return ret ? ret : path_change(dir, NOJIT_PATH_UNLINK);
}

SEC("lsm/path_symlink")
int BPF_PROG(nojit_path_symlink, const struct path *dir, struct dentry *dentry,
	     const char *old_name, int ret)
{
	return ret ? ret : path_change(dir, NOJIT_PATH_SYMLINK);
}

/* A hard link gives a file a second name, which the path rules cannot follow. */
SEC("lsm/path_link")
int BPF_PROG(nojit_path_link, struct dentry *old_dentry, const struct path *new_dir,
	     struct dentry *new_dentry, int ret)
{
	if (ret || !task_marked())
		return ret;
	return confined(NOJIT_HOOK_PATH_CHANGE, 0, NOJIT_PATH_LINK, NULL, NULL);
}

/* Both ends: moving a file out of a write path places it elsewhere too. */
SEC("lsm/path_rename")
int BPF_PROG(nojit_path_rename, const struct path *old_dir, struct dentry *old_dentry,
	     const struct path *new_dir, struct dentry *new_dentry, unsigned int flags, int ret)
{
	if (ret)
		return ret;
	ret = path_change(old_dir, NOJIT_PATH_RENAME);
	return ret ? ret : path_change(new_dir, NOJIT_PATH_RENAME);
}

/* Modes and owners are the file's own: its path decides. */
SEC("lsm/path_chmod")
int BPF_PROG(nojit_path_chmod, const struct path *path, umode_t mode, int ret)
{
	return ret ? ret : path_change(path, NOJIT_PATH_CHMOD);
}

SEC("lsm/path_chown")
int BPF_PROG(nojit_path_chown, const struct path *path, __u64 uid, __u64 gid, int ret)
{
	return ret ? ret : path_change(path, NOJIT_PATH_CHOWN);
}

/*
 * Attributes: extended attributes and ACLs (chmod by another name), and
 * any attribute change not made through a descriptor opened for writing
 * (where the write paths were checked) are refused to a marked task.
 */
static __always_inline int xattr_change(void)
{
	return task_marked() ? confined(NOJIT_HOOK_PATH_CHANGE, 0, NOJIT_PATH_XATTR, NULL, NULL) : 0;
}

SEC("lsm/inode_setxattr")
int BPF_PROG(nojit_inode_setxattr, struct mnt_idmap *idmap, struct dentry *dentry,
	     const char *name, const void *value, size_t size, int flags, int ret)
{
	return ret ? ret : xattr_change();
}

SEC("lsm/inode_removexattr")
int BPF_PROG(nojit_inode_removexattr, struct mnt_idmap *idmap, struct dentry *dentry,
	     const char *name, int ret)
{
	return ret ? ret : xattr_change();
}

SEC("lsm/inode_set_acl")
int BPF_PROG(nojit_inode_set_acl, struct mnt_idmap *idmap, struct dentry *dentry,
	     const char *acl_name, struct posix_acl *kacl, int ret)
{
	return ret ? ret : xattr_change();
}

SEC("lsm/inode_remove_acl")
int BPF_PROG(nojit_inode_remove_acl, struct mnt_idmap *idmap, struct dentry *dentry,
	     const char *acl_name, int ret)
{
	return ret ? ret : xattr_change();
}

SEC("lsm/inode_setattr")
int BPF_PROG(nojit_inode_setattr, struct mnt_idmap *idmap, struct dentry *dentry,
	     struct iattr *attr, int ret)
{
	struct file *f;

	if (ret || !task_marked())
		return ret;
	f = attr->ia_valid & ATTR_FILE ? attr->ia_file : NULL;
	if (f && (BPF_CORE_READ(f, f_mode) & FMODE_WRITE))
		return 0;
	return confined(NOJIT_HOOK_PATH_CHANGE, 0, NOJIT_PATH_SETATTR, NULL, NULL);
}

/*
 * The view: write paths are names, so a marked task may not rename the
 * world under them. No mount of any kind, no chroot, no new user
 * namespace (whose own mount namespace would allow the rest).
 */
static __always_inline int view_change(__u32 change)
{
	return task_marked() ? confined(NOJIT_HOOK_VIEW_CHANGE, 0, change, NULL, NULL) : 0;
}

SEC("lsm/sb_mount")
int BPF_PROG(nojit_sb_mount, const char *dev_name, const struct path *path, const char *type,
	     unsigned long flags, void *data, int ret)
{
	return ret ? ret : view_change(NOJIT_VIEW_MOUNT);
}

SEC("lsm/move_mount")
int BPF_PROG(nojit_move_mount, const struct path *from_path, const struct path *to_path, int ret)
{
	return ret ? ret : view_change(NOJIT_VIEW_MOVE_MOUNT);
}

SEC("lsm/sb_umount")
int BPF_PROG(nojit_sb_umount, struct vfsmount *mnt, int flags, int ret)
{
	return ret ? ret : view_change(NOJIT_VIEW_UMOUNT);
}

SEC("lsm/sb_pivotroot")
int BPF_PROG(nojit_sb_pivotroot, const struct path *old_path, const struct path *new_path, int ret)
{
	return ret ? ret : view_change(NOJIT_VIEW_PIVOT_ROOT);
}

SEC("lsm/path_chroot")
int BPF_PROG(nojit_path_chroot, const struct path *path, int ret)
{
	return ret ? ret : view_change(NOJIT_VIEW_CHROOT);
}

SEC("lsm/userns_create")
int BPF_PROG(nojit_userns_create, const struct cred *cred, int ret)
{
	return ret ? ret : view_change(NOJIT_VIEW_USERNS);
}

/*
 * Sockets: a marked task is networkless. Every family but AF_UNIX is
 * refused at creation, and a socket it got any other way (inherited
 * across the exec, passed over AF_UNIX, pidfd_getfd()) is useless: no
 * connect, bind, listen, accept, send, receive or socket option, whatever
 * system call or io_uring operation asks; file_permission() covers read,
 * write and splice on its descriptor. Of AF_UNIX it keeps the sockets it
 * was handed and socketpair(): it may not connect or send to an address,
 * since a named socket is a door to whatever serves it (a container
 * runtime, a bus), and binding one is a file creation under its write
 * paths (path_mknod).
 */
SEC("lsm/socket_create")
int BPF_PROG(nojit_socket_create, int family, int type, int protocol, int kern, int ret)
{
	if (ret)
		return ret;
	if (kern || family == AF_UNIX || !task_marked())
		return 0;
	return confined(NOJIT_HOOK_SOCKET_CREATE, 0, family, NULL, NULL);
}

/* A marked task's use of SOCK; with ADDRESSED (or serving), AF_UNIX counts as well. */
static __always_inline int socket_use(struct socket *sock, __u32 hook, bool addressed)
{
	struct sock *sk = sock->sk;
	__u16 family;

	if (!sk)
		return 0;
	family = sk->__sk_common.skc_family;
	if ((family == AF_UNIX && !addressed) || !task_marked())
		return 0;
	return confined(hook, 0, family, NULL, NULL);
}

SEC("lsm/socket_connect")
int BPF_PROG(nojit_socket_connect, struct socket *sock, struct sockaddr *address,
	     int addrlen, int ret)
{
	if (ret)
		return ret;
	return socket_use(sock, NOJIT_HOOK_SOCKET_CONNECT, true);
}

/*
 * An AF_UNIX name outside the file system (abstract, or autobound) is a
 * door others in the network namespace can knock on: a marked task binds
 * only path names, which path_mknod holds to its write paths, and serves
 * no AF_UNIX socket (listen would autobind one).
 */
SEC("lsm/socket_bind")
int BPF_PROG(nojit_socket_bind, struct socket *sock, struct sockaddr *address,
	     int addrlen, int ret)
{
	bool abstract;

	if (ret)
		return ret;
	abstract = addrlen <= (int)sizeof(__u16) ||
		   BPF_CORE_READ((struct sockaddr_un *)address, sun_path[0]) == 0;
	return socket_use(sock, NOJIT_HOOK_SOCKET_BIND, abstract);
}

SEC("lsm/socket_listen")
int BPF_PROG(nojit_socket_listen, struct socket *sock, int backlog, int ret)
{
	if (ret)
		return ret;
	return socket_use(sock, NOJIT_HOOK_SOCKET_LISTEN, true);
}

SEC("lsm/socket_accept")
int BPF_PROG(nojit_socket_accept, struct socket *sock, struct socket *newsock, int ret)
{
	if (ret)
		return ret;
	return socket_use(sock, NOJIT_HOOK_SOCKET_ACCEPT, false);
}

SEC("lsm/socket_sendmsg")
int BPF_PROG(nojit_socket_sendmsg, struct socket *sock, struct msghdr *msg, int size, int ret)
{
	if (ret)
		return ret;
	return socket_use(sock, NOJIT_HOOK_SOCKET_SENDMSG, msg->msg_name != NULL);
}

SEC("lsm/socket_recvmsg")
int BPF_PROG(nojit_socket_recvmsg, struct socket *sock, struct msghdr *msg, int size,
	     int flags, int ret)
{
	if (ret)
		return ret;
	return socket_use(sock, NOJIT_HOOK_SOCKET_RECVMSG, false);
}

SEC("lsm/socket_getsockopt")
int BPF_PROG(nojit_socket_getsockopt, struct socket *sock, int level, int optname, int ret)
{
	if (ret)
		return ret;
	return socket_use(sock, NOJIT_HOOK_SOCKET_GETSOCKOPT, false);
}

/* A socket's descriptor read, written or spliced (file_permission). */
static __always_inline bool file_is_inet_socket(struct file *file)
{
	struct socket *sock = file->private_data;

	return BPF_CORE_READ(sock, sk, __sk_common.skc_family) != AF_UNIX;
}

/*
 * Descriptors: what a marked task opens is checked at file_open; what its
 * launcher handed it across the exec (stdout, a log file, a socket the
 * runtime set up) is the launcher's grant. Anything received afterwards
 * (SCM_RIGHTS, pidfd_getfd) is checked like an open: a file open for
 * writing outside its write paths, or a network socket, is refused.
 */
SEC("lsm/file_receive")
int BPF_PROG(nojit_file_receive, struct file *file, int ret)
{
	struct nojit_task_state *ts;
	umode_t type;

	if (ret)
		return ret;
	ts = task_marked();
	if (!ts)
		return 0;
	type = file->f_inode->i_mode & S_IFMT;
	if (type == S_IFSOCK && file_is_inet_socket(file))
		return confined(NOJIT_HOOK_FILE_RECEIVE, 0, file->f_mode, file->f_inode, NULL);
	if (!(file->f_mode & FMODE_WRITE) || file_is_pathless(file))
		return 0;
	return exception_write_check(ts, &file->f_path, file->f_inode, NOJIT_HOOK_FILE_RECEIVE,
				     file->f_mode);
}

/*
 * Capabilities: whatever a marked task could do as root through a check
 * no other hook sees (setns, sethostname, modules, kexec, raw I/O, the
 * clock, immutable flags, tty injection...) ends here. It keeps only
 * those a runtime running as root needs to use its own files.
 */
#define CAP_DAC_OVERRIDE	1
#define CAP_DAC_READ_SEARCH	2
#define CAP_FOWNER		3
#define CAP_SETGID		6
#define CAP_SETUID		7
#define CAP_OPT_NOAUDIT		(1 << 1)

SEC("lsm/capable")
int BPF_PROG(nojit_capable, const struct cred *cred, struct user_namespace *ns, int cap,
	     unsigned int opts, int ret)
{
	if (ret || !task_marked())
		return ret;
	if (cap == CAP_DAC_OVERRIDE || cap == CAP_DAC_READ_SEARCH || cap == CAP_FOWNER ||
	    cap == CAP_SETGID || cap == CAP_SETUID)
		return 0;
	/* A probe the kernel itself would not audit is refused, not reported. */
	if (opts & CAP_OPT_NOAUDIT) {
		stat_inc(NOJIT_STAT_EXC_CONFINED);
		return -EPERM;
	}
	return confined(NOJIT_HOOK_CAPABLE, 0, cap, NULL, NULL);
}

/* Signals only within what it marked: itself, its threads, its children. */
SEC("lsm/task_kill")
int BPF_PROG(nojit_task_kill, struct task_struct *p, struct kernel_siginfo *info, int sig,
	     const struct cred *cred, int ret)
{
	struct nojit_task_state *target;

	if (ret || !task_marked())
		return ret;
	target = task_state_get(p, false);
	if (target && target->mark.marked)
		return 0;
	return confined(NOJIT_HOOK_TASK_KILL, 0, sig, NULL, NULL);
}

#endif /* NOJIT_EXCEPTION_BPF_H */
