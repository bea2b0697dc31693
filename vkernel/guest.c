// SPDX-License-Identifier: GPL-2.0
/*
 * Running a guest: instantiate its module, call _start under the wasm2c
 * trap handler, turn the outcome into the process's exit status.
 *
 * wasm-rt (Debian's libwasm-rt-impl.a, built with the signal-handler
 * memory checks) traps by siglongjmp(wasm_rt_jmp_buf, trap) from
 * wasm_rt_trap() or from its SIGSEGV/SIGBUS handler on the alternate
 * stack; wasm-rt-impl.h, which declares that buffer, is not installed.
 *
 * Nothing here maps executable memory: the guest's code is the AOT
 * translation linked into this image, and wasm-rt's linear memory is
 * PROT_NONE reserved, then READ|WRITE.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit.h"
#include "guest.h"
#include "vk_eh.h"

extern jmp_buf wasm_rt_jmp_buf;

char *vk_mem_strndup(const struct vk_guest *g, uint32_t ptr, uint32_t len)
{
	const char *p = vk_mem(g, ptr, len);
	char *s;

	if (!p) {
		errno = EFAULT;
		return NULL;
	}
	if (memchr(p, '\0', len)) {
		errno = EILSEQ;
		return NULL;
	}
	s = malloc((size_t)len + 1);
	if (!s)
		return NULL;
	memcpy(s, p, len);
	s[len] = '\0';
	return s;
}

int vk_guest_init(struct vk_guest *g, const struct vk_module *m)
{
	*g = (struct vk_guest){ .module = m };
	return 0;
}

void vk_guest_set_args(struct vk_guest *g, char **argv, uint32_t argc)
{
	g->argv = argv;
	g->argc = argc;
}

void vk_guest_set_env(struct vk_guest *g, char **envp, uint32_t envc)
{
	g->envp = envp;
	g->envc = envc;
}

void vk_guest_deny(struct vk_guest *g, const char *event, const char *reason, const char *target,
		   size_t target_len, const char *sha256, const char *kind)
{
	vk_audit_emit(&(struct vk_audit_event){
		.event = event,
		.module = g->module ? g->module->name : NULL,
		.reason = reason,
		.target = target,
		.target_len = target_len,
		.sha256 = sha256,
		.kind = kind,
	});
	vk_guest_exit(g, VK_EXIT_DENIED);
}

void vk_guest_exit(struct vk_guest *g, int status)
{
	(void)g;
	/* The guest's own buffers live in its memory and are its business. */
	exit(status & 0xff);
}

/* Modules whose init_module ran (it registers function types: once each). */
static const struct vk_module *initialised[256];
static size_t n_initialised;

static void module_init_once(const struct vk_module *m)
{
	size_t i;

	for (i = 0; i < n_initialised; i++)
		if (initialised[i] == m)
			return;
	m->init_module();
	if (n_initialised < sizeof(initialised) / sizeof(initialised[0]))
		initialised[n_initialised++] = m;
}

static const char *trap_reason(int trap)
{
	switch (trap) {
	case WASM_RT_TRAP_OOB: return "out_of_bounds";
	case WASM_RT_TRAP_INT_OVERFLOW: return "integer_overflow";
	case WASM_RT_TRAP_DIV_BY_ZERO: return "division_by_zero";
	case WASM_RT_TRAP_INVALID_CONVERSION: return "invalid_conversion";
	case WASM_RT_TRAP_UNREACHABLE: return "unreachable";
	case WASM_RT_TRAP_CALL_INDIRECT: return "call_indirect";
	case WASM_RT_TRAP_UNCAUGHT_EXCEPTION: return "uncaught_exception";
	case WASM_RT_TRAP_EXHAUSTION: return "stack_exhausted";
	default: return "unknown";
	}
}

/* "nojit-vk: NAME trapped: WHAT" on stderr by write(2) alone. */
static void trap_message(const char *name, const char *what)
{
	const char *parts[] = { "nojit-vk: ", name, " trapped: ", what, "\n" };
	char buf[512];
	size_t off = 0, i, n;
	ssize_t w;

	for (i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		n = strlen(parts[i]);
		if (n > sizeof(buf) - 1 - off)
			n = sizeof(buf) - 1 - off;
		memcpy(buf + off, parts[i], n);
		off += n;
	}
	if (buf[off - 1] != '\n')
		buf[off++] = '\n';
	do
		w = write(STDERR_FILENO, buf, off);
	while (w < 0 && errno == EINTR);
}

void vk_guest_run(struct vk_guest *g)
{
	const struct vk_module *m = g->module;
	int trap;

	if (!wasm_rt_is_initialized())
		wasm_rt_init();
	module_init_once(m);
	g->instance = calloc(1, m->instance_size ? m->instance_size : 1);
	if (!g->instance) {
		fprintf(stderr, "nojit-vk: %s: out of memory\n", m->name);
		vk_guest_exit(g, VK_EXIT_REFUSED);
	}

	trap = sigsetjmp(wasm_rt_jmp_buf, 1);
	if (trap) {
		/* Maybe out of wasm-rt's SIGSEGV handler, from inside libc: no
		 * stdio, no malloc, no exit() handlers from here on. */
		trap_message(m->name, wasm_rt_strerror((wasm_rt_trap_t)trap));
		vk_audit_emit(&(struct vk_audit_event){
			.event = "trap", .module = m->name, .reason = trap_reason(trap),
		});
		_exit(VK_EXIT_TRAP);
	}
	/* No try is live: an uncaught throw traps. A spawned child starts
	 * here inside its parent's stack, whose tries are not its own. */
	vk_eh_current = NULL;
	m->instantiate(g->instance, g);
	g->mem = m->memory(g->instance);
	m->start(g->instance);
	vk_guest_exit(g, VK_EXIT_OK);
}
