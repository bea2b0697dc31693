/* SPDX-License-Identifier: GPL-2.0 */
/*
 * WebAssembly exception handling for wasm2c's output, forced into every
 * module's C by `nojit vk build` (cc -include vk_eh.h). It replaces the
 * unwind-target half of wasm-rt (the exception payload functions stay
 * libwasm-rt-impl's) because wabt 1.0.32's translation has three bugs a
 * module can reach (docs/vkernel.md, "Exceptions"):
 *
 * - A br_table out of a try, or a branch out of a try-delegate, is a
 *   `goto` that skips the line restoring the outer unwind target, so the
 *   next throw would longjmp into a frame that no longer exists. Here each
 *   try's two declarations carry a cleanup that restores the outer
 *   target whenever C leaves the block, however it leaves it.
 * - A catch that saves the exception for a rethrow does it with alloca,
 *   which a loop grows until the stack is gone. Here the copy lives in
 *   the catch block and is reused on every pass.
 * - Locals are C variables live across wasm2c's setjmp; after a longjmp
 *   gcc -O2 hands back stale register copies of those set in the try
 *   body (wabt issue 2469). Here a try is __builtin_setjmp, whose
 *   receiver gcc treats as clobbering every register, so such locals
 *   are kept in memory; __builtin_longjmp is the throw (vkernel/eh.c).
 *   It also saves no signal mask: no system call per try. Exceptions
 *   never come from a signal handler (traps go to wasm_rt_jmp_buf).
 *
 * wasm2c writes, for each try:
 *	WASM_RT_UNWIND_TARGET *T_outer_target = wasm_rt_get_unwind_target();
 *	WASM_RT_UNWIND_TARGET T_unwind_target;
 *	if (!wasm_rt_try(T_unwind_target)) { wasm_rt_set_unwind_target(&T_unwind_target); ...
 * Both declarations get the cleanup vk_eh_leave(). It reads the first
 * pointer at the variable: for the outer pointer that is the outer
 * target, for the frame it is the frame's `outer`, set by wasm_rt_try
 * before the setjmp; the same value, so the order they run in does not
 * matter. A longjmp skips cleanups; the catching block resets the target
 * itself.
 */
#ifndef NOJIT_VK_EH_H
#define NOJIT_VK_EH_H

/* Measured: clang -O2 loses such locals even across __builtin_setjmp. */
#if defined(__clang__) || !defined(__GNUC__)
#error "vk_eh.h relies on gcc's __builtin_setjmp receiver; compile the modules' C with gcc"
#endif

#include <alloca.h>	/* before alloca is redefined below */
#include <wasm-rt.h>

struct vk_eh_frame {
	struct vk_eh_frame *outer;	/* first: vk_eh_leave() reads it */
	void *jb[5];	/* __builtin_setjmp's buffer */
};

/* The innermost live try of the running guest; NULL: none (uncaught = trap). */
extern struct vk_eh_frame *vk_eh_current;

/* Unwind to the innermost try, or trap (uncaught exception) if there is none. */
WASM_RT_NO_RETURN void vk_eh_throw(void);
/* A saved exception larger than vk build allows (it checks tags): trap. */
WASM_RT_NO_RETURN void vk_eh_oversized(void);

static inline void vk_eh_leave(void *var)
{
	vk_eh_current = *(struct vk_eh_frame **)var;
}

/*
 * Largest tag payload `nojit vk build` accepts (controller/vk_wasm.c):
 * eight i64. The catch block's copy of an exception for a rethrow.
 */
#define VK_EH_PAYLOAD_MAX 64

#undef WASM_RT_UNWIND_TARGET
#define WASM_RT_UNWIND_TARGET __attribute__((cleanup(vk_eh_leave))) struct vk_eh_frame
#undef wasm_rt_try
#define wasm_rt_try(f) ((f).outer = vk_eh_current, __builtin_setjmp((f).jb))
#define wasm_rt_get_unwind_target() (vk_eh_current)
#define wasm_rt_set_unwind_target(t) ((void)(vk_eh_current = (t)))
#define wasm_rt_throw() vk_eh_throw()
/* wabt 1.0.32's wasm2c uses alloca for the rethrow copy and nothing else. */
#undef alloca
#define alloca(n) ((n) <= VK_EH_PAYLOAD_MAX ? (void *)(unsigned char[VK_EH_PAYLOAD_MAX]){ 0 } \
					    : (vk_eh_oversized(), (void *)0))

#endif
