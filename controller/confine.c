// SPDX-License-Identifier: GPL-2.0
/* Host confinement layers: no_new_privs, MDWE, seccomp, Landlock. */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/audit.h>
#include <linux/landlock.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "confine.h"
#include "lsm_probe.h"

/* Debian 12's uapi headers (6.1) predate these. */
#ifndef PR_SET_MDWE
#define PR_SET_MDWE 65
#define PR_GET_MDWE 66
#endif
#ifndef PR_MDWE_REFUSE_EXEC_GAIN
#define PR_MDWE_REFUSE_EXEC_GAIN (1UL << 0)
#endif
#ifndef LANDLOCK_ACCESS_FS_REFER
#define LANDLOCK_ACCESS_FS_REFER (1ULL << 13)
#endif
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)
#endif
#ifndef __X32_SYSCALL_BIT
#define __X32_SYSCALL_BIT 0x40000000U
#endif

static const struct {
	unsigned int bit;
	const char *name;
} layer_names[] = {
	{ CONFINE_NNP, "nnp" },
	{ CONFINE_MDWE, "mdwe" },
	{ CONFINE_SECCOMP, "seccomp" },
	{ CONFINE_LANDLOCK, "landlock" },
	{ CONFINE_MEMFD_NOEXEC, "memfd-noexec" },
	{ CONFINE_BPF_LSM, "bpf-lsm" },
	{ CONFINE_HOST, "host" },
	{ CONFINE_ALL, "all" },
};

const char *confine_layer_name(unsigned int layer)
{
	if (!layer || (layer & (layer - 1)))
		return NULL;
	for (size_t i = 0; i < ARRAY_SIZE(layer_names); i++)
		if (layer_names[i].bit == layer)
			return layer_names[i].name;
	return NULL;
}

int confine_layers_parse(const char *list, unsigned int *ret_layers, struct nojit_err *err)
{
	unsigned int layers = 0;
	const char *p = list;

	for (;;) {
		size_t len = strcspn(p, ",");
		bool found = false;

		for (size_t i = 0; !found && i < ARRAY_SIZE(layer_names); i++) {
			if (strlen(layer_names[i].name) == len && !strncmp(p, layer_names[i].name, len)) {
				layers |= layer_names[i].bit;
				found = true;
			}
		}
		if (!found)
			return nojit_err_set(err, -EINVAL,
					     "unknown layer '%.*s' (known: nnp, mdwe, seccomp, landlock, memfd-noexec, bpf-lsm, host, all)",
					     (int)len, p);
		if (!p[len])
			break;
		p += len + 1;
	}
	*ret_layers = layers;
	return 0;
}

#define MEMFD_NOEXEC_SYSCTL "/proc/sys/vm/memfd_noexec"

int confine_memfd_noexec(struct nojit_err *err)
{
	_cleanup_close_ int fd = -1;

	if (getpid() != 1)
		return nojit_err_set(err, -EPERM,
				     "memfd-noexec: not in a pid namespace of its own (pid %d, not 1)",
				     getpid());
	fd = open(MEMFD_NOEXEC_SYSCTL, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, "2", 1) != 1)
		return nojit_err_set(err, -errno, "memfd-noexec: %s: %s", MEMFD_NOEXEC_SYSCTL,
				     strerror(errno));
	return 0;
}

static int landlock_abi(void)
{
	long abi = syscall(__NR_landlock_create_ruleset, NULL, 0,
			   LANDLOCK_CREATE_RULESET_VERSION);

	return abi < 0 ? -errno : (int)abi;
}

int confine_probe(unsigned int layer, struct nojit_err *why)
{
	int ret;

	switch (layer) {
	case CONFINE_NNP:
		if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) < 0)
			return nojit_err_set(why, -errno, "PR_GET_NO_NEW_PRIVS: %s", strerror(errno));
		return 0;
	case CONFINE_MDWE:
		if (prctl(PR_GET_MDWE, 0, 0, 0, 0) < 0)
			return nojit_err_set(why, -errno,
					     "PR_GET_MDWE: %s (needs Linux 6.3 or later)",
					     strerror(errno));
		return 0;
	case CONFINE_SECCOMP:
		if (prctl(PR_GET_SECCOMP, 0, 0, 0, 0) < 0)
			return nojit_err_set(why, -errno,
					     "PR_GET_SECCOMP: %s (kernel without CONFIG_SECCOMP)",
					     strerror(errno));
		return 0;
	case CONFINE_LANDLOCK:
		ret = landlock_abi();
		if (ret == -EOPNOTSUPP)
			return nojit_err_set(why, ret,
					     "Landlock is built in but not enabled (add landlock to lsm= on the kernel command line)");
		if (ret < 0)
			return nojit_err_set(why, ret, "landlock_create_ruleset: %s (kernel without Landlock?)",
					     strerror(-ret));
		return 0;
	case CONFINE_MEMFD_NOEXEC:
		if (access(MEMFD_NOEXEC_SYSCTL, F_OK))
			return nojit_err_set(why, -errno, "%s: %s (needs Linux 6.3 or later)",
					     MEMFD_NOEXEC_SYSCTL, strerror(errno));
		if (geteuid())
			return nojit_err_set(why, -EPERM,
					     "needs root (a pid namespace of its own)");
		return 0;
	case CONFINE_BPF_LSM:
		if (geteuid())
			return nojit_err_set(why, -EPERM, "needs root (enrolls a cgroup)");
		return bpf_lsm_probe(why);
	}
	return nojit_err_set(why, -EINVAL, "unknown layer %#x", layer);
}

/* ---- seccomp ------------------------------------------------------------ */

/*
 * A hand-written classic BPF filter, not libseccomp: it is a dozen small
 * checks, and nojit takes no new runtime dependency for it. Offsets are
 * into struct seccomp_data; x86_64 is little-endian, so an argument's low
 * 32 bits (all that prot, flags and personality use) sit at its offset.
 */
#define SC_NR offsetof(struct seccomp_data, nr)
#define SC_ARCH offsetof(struct seccomp_data, arch)
#define SC_ARG(i) (offsetof(struct seccomp_data, args) + 8 * (i))

#define LD(off) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, (off))
#define JEQ(k, jt, jf) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (k), (jt), (jf))
#define JSET(k, jt, jf) BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, (k), (jt), (jf))
#define ALLOW BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)
#define EPERM_ BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA))

struct filter_buf {
	struct sock_filter *buf;
	size_t cap, n;
	bool overflow;
};

static void emit(struct filter_buf *f, const struct sock_filter *ins, size_t n)
{
	if (f->n + n > f->cap) {
		f->overflow = true;
		return;
	}
	memcpy(f->buf + f->n, ins, n * sizeof(*ins));
	f->n += n;
}

/*
 * "if nr == NR: BLOCK" where BLOCK (loaded with nr in A) ends in returns
 * only, so control never falls out of it into the next check.
 */
static void emit_case(struct filter_buf *f, unsigned int nr, const struct sock_filter *block,
		      size_t n)
{
	struct sock_filter head[] = {
		LD(SC_NR),
		JEQ(nr, 0, (unsigned char)n),
	};

	emit(f, head, ARRAY_SIZE(head));
	emit(f, block, n);
}

int confine_seccomp_filter(struct sock_filter *buf, size_t cap)
{
	struct filter_buf f = { .buf = buf, .cap = cap };
	/* Only the x86_64 ABI: not i386 (int 0x80), not x32. */
	const struct sock_filter prologue[] = {
		LD(SC_ARCH),
		JEQ(AUDIT_ARCH_X86_64, 1, 0),
		EPERM_,
		LD(SC_NR),
		JSET(__X32_SYSCALL_BIT, 0, 1),
		EPERM_,
	};
	const struct sock_filter deny[] = { EPERM_ };
	/* mmap: PROT_EXEC with PROT_WRITE, or PROT_EXEC on anonymous memory. */
	const struct sock_filter mmap_block[] = {
		LD(SC_ARG(2)),
		JSET(PROT_EXEC, 0, 3),
		JSET(PROT_WRITE, 3, 0),
		LD(SC_ARG(3)),
		JSET(MAP_ANONYMOUS, 1, 0),
		ALLOW,
		EPERM_,
	};
	/* mprotect, pkey_mprotect: prot is arg 2 in both. */
	const struct sock_filter mprotect_block[] = {
		LD(SC_ARG(2)),
		JSET(PROT_EXEC, 1, 0),
		ALLOW,
		EPERM_,
	};
	/* memfd_create: MFD_NOEXEC_SEAL required, MFD_EXEC refused. */
	const struct sock_filter memfd_block[] = {
		LD(SC_ARG(1)),
		JSET(MFD_EXEC, 2, 0),
		JSET(MFD_NOEXEC_SEAL, 0, 1),
		ALLOW,
		EPERM_,
	};
	const struct sock_filter shmat_block[] = {
		LD(SC_ARG(2)),
		JSET(SHM_EXEC, 1, 0),
		ALLOW,
		EPERM_,
	};
	/* personality(0xffffffff) only queries; anything else may not set READ_IMPLIES_EXEC. */
	const struct sock_filter personality_block[] = {
		LD(SC_ARG(0)),
		JEQ(0xffffffffU, 1, 0),
		JSET(READ_IMPLIES_EXEC, 1, 0),
		ALLOW,
		EPERM_,
	};
	const unsigned int denied[] = {
		__NR_bpf, __NR_ptrace, __NR_process_vm_writev, __NR_userfaultfd,
	};
	const struct sock_filter epilogue[] = { ALLOW };

	emit(&f, prologue, ARRAY_SIZE(prologue));
	emit_case(&f, __NR_mmap, mmap_block, ARRAY_SIZE(mmap_block));
	emit_case(&f, __NR_mprotect, mprotect_block, ARRAY_SIZE(mprotect_block));
	emit_case(&f, __NR_pkey_mprotect, mprotect_block, ARRAY_SIZE(mprotect_block));
	emit_case(&f, __NR_memfd_create, memfd_block, ARRAY_SIZE(memfd_block));
	emit_case(&f, __NR_shmat, shmat_block, ARRAY_SIZE(shmat_block));
	emit_case(&f, __NR_personality, personality_block, ARRAY_SIZE(personality_block));
	for (size_t i = 0; i < ARRAY_SIZE(denied); i++)
		emit_case(&f, denied[i], deny, ARRAY_SIZE(deny));
	emit(&f, epilogue, ARRAY_SIZE(epilogue));
	return f.overflow ? -ENOSPC : (int)f.n;
}

static int apply_seccomp(struct nojit_err *err)
{
	struct sock_filter ins[96];
	struct sock_fprog prog;
	int n;

	n = confine_seccomp_filter(ins, ARRAY_SIZE(ins));
	if (n < 0)
		return nojit_err_set(err, n, "seccomp: building the filter: %s", strerror(-n));
	prog = (struct sock_fprog){ .len = (unsigned short)n, .filter = ins };
	if (syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0)
		return nojit_err_set(err, -errno,
				     "seccomp: installing the filter: %s%s", strerror(errno),
				     errno == EACCES ? " (needs no_new_privs or CAP_SYS_ADMIN: add the nnp layer)" : "");
	return 0;
}

/* ---- Landlock ------------------------------------------------------------ */

/* Rights that create, change or remove files: granted outside the exec paths. */
static __u64 landlock_write_rights(int abi)
{
	__u64 r = LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_REMOVE_DIR |
		  LANDLOCK_ACCESS_FS_REMOVE_FILE | LANDLOCK_ACCESS_FS_MAKE_CHAR |
		  LANDLOCK_ACCESS_FS_MAKE_DIR | LANDLOCK_ACCESS_FS_MAKE_REG |
		  LANDLOCK_ACCESS_FS_MAKE_SOCK | LANDLOCK_ACCESS_FS_MAKE_FIFO |
		  LANDLOCK_ACCESS_FS_MAKE_BLOCK | LANDLOCK_ACCESS_FS_MAKE_SYM;

	/* ABI 1 always refuses reparenting; from ABI 2 it is a right to grant. */
	if (abi >= 2)
		r |= LANDLOCK_ACCESS_FS_REFER;
	if (abi >= 3)
		r |= LANDLOCK_ACCESS_FS_TRUNCATE;
	return r;
}

/*
 * Directories never granted write: writing /proc/<pid>/mem pokes code
 * into a process whatever its page protections (route 8), and /sys is
 * kernel configuration, not a workload's scratch space.
 */
static const char *const never_writable[] = { "/proc", "/sys" };

struct ll_ctx {
	int ruleset;
	__u64 write;
	char **exec;		/* canonical exec paths, then where the exec files are */
	size_t n_exec;
	struct nojit_err *err;
};

static bool path_beneath(const char *path, const char *dir)
{
	size_t len = strlen(dir);

	if (!strcmp(dir, "/"))
		return true;
	return !strncmp(path, dir, len) && (path[len] == '/' || !path[len]);
}

/* A rule on the object FD holds, whatever name it has by now. */
static int ll_add_fd(struct ll_ctx *c, int fd, const char *name, __u64 access)
{
	struct landlock_path_beneath_attr pb = { .allowed_access = access, .parent_fd = fd };

	if (syscall(__NR_landlock_add_rule, c->ruleset, LANDLOCK_RULE_PATH_BENEATH, &pb, 0) < 0)
		return nojit_err_set(c->err, -errno, "landlock: adding a rule for %s: %s", name,
				     strerror(errno));
	return 0;
}

static int ll_add(struct ll_ctx *c, const char *path, __u64 access)
{
	_cleanup_close_ int fd = -1;

	fd = open(path, O_PATH | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return nojit_err_set(c->err, -errno, "landlock: %s: %s", path, strerror(errno));
	return ll_add_fd(c, fd, path, access);
}

/*
 * Landlock rules add up down the tree, so "write everywhere except beneath
 * the exec paths" cannot be one rule on /. Instead, walk down from / only
 * along the directories that contain an exec path, and grant write on
 * every other subdirectory met on the way. A directory on such a path is
 * itself not writable (no new entries directly in it): a documented limit.
 */
static int ll_grant_writable(struct ll_ctx *c, const char *dir)
{
	DIR *d;
	struct dirent *de;
	int ret = 0;

	d = opendir(dir);
	if (!d)
		return nojit_err_set(c->err, -errno, "landlock: %s: %s", dir, strerror(errno));
	while (!ret && (de = readdir(d))) {
		char path[PATH_MAX];
		bool skip = false, ancestor = false;
		struct stat st;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (snprintf(path, sizeof(path), "%s%s%s", dir, strcmp(dir, "/") ? "/" : "",
			     de->d_name) >= (int)sizeof(path))
			continue;
		/* Symlinks (/bin -> usr/bin) would grant write on their target. */
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISDIR(st.st_mode))
			continue;
		for (size_t i = 0; i < ARRAY_SIZE(never_writable); i++)
			skip |= !strcmp(path, never_writable[i]);
		for (size_t i = 0; i < c->n_exec; i++) {
			skip |= path_beneath(path, c->exec[i]);
			ancestor |= path_beneath(c->exec[i], path);
		}
		if (skip)
			continue;
		ret = ancestor ? ll_grant_writable(c, path) : ll_add(c, path, c->write);
	}
	closedir(d);
	return ret;
}

static int apply_landlock(const struct confine_opts *o, struct nojit_err *err)
{
	struct landlock_ruleset_attr attr = { 0 };
	_cleanup_close_ int ruleset = -1;
	struct ll_ctx c = { .err = err };
	int abi, ret = 0;
	size_t i;

	abi = landlock_abi();
	if (abi < 0)
		return nojit_err_set(err, abi, "landlock: %s", strerror(-abi));
	c.write = landlock_write_rights(abi);
	attr.handled_access_fs = LANDLOCK_ACCESS_FS_EXECUTE | c.write;
	c.exec = calloc(o->n_exec_paths + o->n_exec_fds + 1, sizeof(*c.exec));
	if (!c.exec)
		return nojit_err_set(err, -ENOMEM, "landlock: out of memory");
	for (i = 0; i < o->n_exec_paths; i++) {
		c.exec[i] = realpath(o->exec_paths[i], NULL);
		if (!c.exec[i]) {
			ret = nojit_err_set(err, -errno, "landlock: exec path %s: %s",
					    o->exec_paths[i], strerror(errno));
			goto out;
		}
		c.n_exec++;
	}
	/* Where an exec file is now: kept out of the write grants below. */
	for (i = 0; i < o->n_exec_fds; i++) {
		ret = fd_path(o->exec_fds[i], &c.exec[c.n_exec]);
		if (ret) {
			nojit_err_set(err, ret, "landlock: exec file (fd %d): %s", o->exec_fds[i],
				      strerror(-ret));
			goto out;
		}
		c.n_exec++;
	}
	ruleset = syscall(__NR_landlock_create_ruleset, &attr, sizeof(attr), 0);
	if (ruleset < 0) {
		ret = nojit_err_set(err, -errno, "landlock: creating the ruleset: %s",
				    strerror(errno));
		goto out;
	}
	c.ruleset = ruleset;
	/* Exec paths and files: execute, and nothing that writes (reading is not handled). */
	for (i = 0; !ret && i < o->n_exec_paths; i++)
		ret = ll_add(&c, c.exec[i], LANDLOCK_ACCESS_FS_EXECUTE);
	for (i = 0; !ret && i < o->n_exec_fds; i++)
		ret = ll_add_fd(&c, o->exec_fds[i], c.exec[o->n_exec_paths + i],
				LANDLOCK_ACCESS_FS_EXECUTE);
	if (!ret)
		ret = ll_grant_writable(&c, "/");
	if (ret)
		goto out;
	if (syscall(__NR_landlock_restrict_self, ruleset, 0) < 0)
		ret = nojit_err_set(err, -errno, "landlock: restricting: %s%s", strerror(errno),
				    errno == EPERM ? " (needs no_new_privs or CAP_SYS_ADMIN: add the nnp layer)" : "");
out:
	for (i = 0; i < c.n_exec; i++)
		free(c.exec[i]);
	free(c.exec);
	return ret;
}

/* ---- all ------------------------------------------------------------------ */

int confine_apply(const struct confine_opts *o, unsigned int *ret_applied,
		  struct nojit_err *err)
{
	unsigned int applied = 0;
	int ret = 0;

	if (o->layers & ~CONFINE_SELF) {
		ret = nojit_err_set(err, -EINVAL, "layer bits %#x are not applied here",
				    o->layers & ~CONFINE_SELF);
		goto out;
	}
	if (o->layers & CONFINE_NNP) {
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
			ret = nojit_err_set(err, -errno, "nnp: PR_SET_NO_NEW_PRIVS: %s", strerror(errno));
			goto out;
		}
		applied |= CONFINE_NNP;
	}
	if (o->layers & CONFINE_MDWE) {
		if (prctl(PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN, 0, 0, 0) < 0) {
			ret = nojit_err_set(err, -errno, "mdwe: PR_SET_MDWE: %s", strerror(errno));
			goto out;
		}
		applied |= CONFINE_MDWE;
	}
	/* Landlock before seccomp: the filter could one day cover its syscalls. */
	if (o->layers & CONFINE_LANDLOCK) {
		ret = apply_landlock(o, err);
		if (ret)
			goto out;
		applied |= CONFINE_LANDLOCK;
	}
	if (o->layers & CONFINE_SECCOMP) {
		ret = apply_seccomp(err);
		if (ret)
			goto out;
		applied |= CONFINE_SECCOMP;
	}
out:
	if (ret_applied)
		*ret_applied = applied;
	return ret;
}
