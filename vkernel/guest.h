/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One running guest: its module, linear memory, argv/environ and WASI fd
 * table. Every import instance the generated code passes us is a
 * struct vk_guest * cast to wasm2c's opaque type (see vk_module.h).
 */
#ifndef NOJIT_VK_GUEST_H
#define NOJIT_VK_GUEST_H

#include <dirent.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <wasm-rt.h>

#include "vk_exit.h"
#include "vk_module.h"
#include "wasi.h"

#define VK_MAX_FDS	4096	/* guest fd numbers are indices below this */

/* Host-inherited stdio: a stream, readable (0) or writable (1, 2) only. */
enum vk_stdio { VK_STDIO_NONE, VK_STDIO_IN, VK_STDIO_OUT };

struct vk_fd {
	int host_fd;		/* -1: slot free */
	uint8_t filetype;	/* WASI filetype */
	bool tty;		/* a terminal */
	uint8_t stdio;		/* enum vk_stdio: stream calls only (wasi_fd.c) */
	bool path_root;		/* path_* resolve beneath it: a preopen, or
				 * opened beneath one (never stdio) */
	char *preopen;		/* guest path of a preopened dir, else NULL */
	DIR *dir;		/* fd_readdir stream (own fd), lazily opened */
};

struct vk_guest {
	const struct vk_module *module;
	void *instance;
	wasm_rt_memory_t *mem;	/* NULL until instantiated: every access EFAULTs */
	char **argv;		/* argv[0] is the module name */
	uint32_t argc;
	char **envp;
	uint32_t envc;
	struct vk_fd *fds;
	uint32_t n_fds;
};

/*
 * Guest memory: a pointer to [ptr, ptr + len) inside the guest's linear
 * memory, or NULL when any byte of it is outside (the caller answers
 * EFAULT). 64-bit arithmetic: no wrap-around.
 */
static inline void *vk_mem(const struct vk_guest *g, uint32_t ptr, uint64_t len)
{
	if (!g->mem || !g->mem->data || (uint64_t)ptr + len > g->mem->size)
		return NULL;
	return g->mem->data + ptr;
}

/* Little-endian stores and loads (wasm memory is little-endian, so is x86). */
#define VK_DEFINE_ACCESS(bits)						\
static inline bool vk_store##bits(struct vk_guest *g, uint32_t ptr,	\
				  uint##bits##_t v)			\
{									\
	void *p = vk_mem(g, ptr, sizeof(v));				\
	if (!p)								\
		return false;						\
	__builtin_memcpy(p, &v, sizeof(v));				\
	return true;							\
}									\
static inline bool vk_load##bits(const struct vk_guest *g, uint32_t ptr, \
				 uint##bits##_t *ret)			\
{									\
	const void *p = vk_mem(g, ptr, sizeof(*ret));			\
	if (!p)								\
		return false;						\
	__builtin_memcpy(ret, p, sizeof(*ret));				\
	return true;							\
}
VK_DEFINE_ACCESS(8)
VK_DEFINE_ACCESS(16)
VK_DEFINE_ACCESS(32)
VK_DEFINE_ACCESS(64)
#undef VK_DEFINE_ACCESS

/*
 * Copy a guest string [ptr, ptr + len) into a new NUL-terminated host
 * string. NULL with errno EFAULT (out of bounds), EILSEQ (embedded NUL)
 * or ENOMEM.
 */
char *vk_mem_strndup(const struct vk_guest *g, uint32_t ptr, uint32_t len);

/* guest.c */
int vk_guest_init(struct vk_guest *g, const struct vk_module *m);
void vk_guest_set_args(struct vk_guest *g, char **argv, uint32_t argc);
void vk_guest_set_env(struct vk_guest *g, char **envp, uint32_t envc);
/*
 * Instantiate g's module and run its _start. Never returns: the process
 * exits with the guest's status (0 when _start returns, proc_exit's
 * status, VK_EXIT_TRAP on a trap, VK_EXIT_DENIED on a denied request).
 */
__attribute__((noreturn)) void vk_guest_run(struct vk_guest *g);
/* End the guest (and the process) with status. */
__attribute__((noreturn)) void vk_guest_exit(struct vk_guest *g, int status);
/*
 * A request the guest may not make: an audit EVENT with REASON (TARGET of
 * TARGET_LEN bytes, SHA256 and KIND where there are some), then the guest
 * ends with VK_EXIT_DENIED.
 */
__attribute__((noreturn)) void vk_guest_deny(struct vk_guest *g, const char *event,
					     const char *reason, const char *target,
					     size_t target_len, const char *sha256, const char *kind);

/*
 * The kinds of descriptor wasmtime's preview1 layer tells apart
 * (crates/wasi/src/p1.rs: Stdin, Stdout/Stderr, Directory, File); each
 * call's errno on the wrong kind follows from them (wasi_fd.c).
 */
enum vk_fd_kind { VK_FD_STDIN, VK_FD_STDOUT, VK_FD_DIR, VK_FD_FILE };

static inline enum vk_fd_kind vk_fd_kind(const struct vk_fd *f)
{
	if (f->stdio == VK_STDIO_IN)
		return VK_FD_STDIN;
	if (f->stdio == VK_STDIO_OUT)
		return VK_FD_STDOUT;
	return f->filetype == WASI_FILETYPE_DIRECTORY ? VK_FD_DIR : VK_FD_FILE;
}

/* fdtable.c */
/*
 * Guest fds 0-2: private copies (F_DUPFD_CLOEXEC, >= 3) of the host's
 * 0-2 when open, marked stdio. A host fd 0-2 that is closed stays a free
 * guest slot and is held open on /dev/null, so nothing opened later
 * (a guest's file, say) lands where the runtime's stderr messages go;
 * nor does a guest's fd_close ever free a host fd 0-2. Call first,
 * before anything else opens an fd.
 */
int vk_fdtable_init_stdio(struct vk_guest *g);
/* Preopen host directory dir_fd (taken over) as guest_path: the next fd. */
int vk_fdtable_add_preopen(struct vk_guest *g, int dir_fd, const char *guest_path);
/*
 * A new guest fd for host_fd (taken over; closed on failure), or -errno.
 * host_fd was opened beneath a path root and is one itself.
 */
int vk_fdtable_add(struct vk_guest *g, int host_fd);
/* The open entry for guest fd, or NULL. */
struct vk_fd *vk_fdtable_get(struct vk_guest *g, uint32_t fd);
void vk_fd_close(struct vk_fd *f);
/* The WASI filetype of a st_mode (FIFOs are "unknown", as in wasmtime). */
uint8_t vk_filetype(mode_t mode);
/* Copy of g's fd table (same host fds, no DIR streams) for a child guest. */
int vk_fdtable_clone(struct vk_guest *child, const struct vk_guest *parent);

#endif
