/* SPDX-License-Identifier: GPL-2.0 */
/*
 * setjmp/longjmp for vkernel guests (wasm32-wasi has none). Compile with
 *   clang --target=wasm32-wasi --sysroot=/usr -isystem vkernel/sdk \
 *         -mllvm -wasm-enable-sjlj -mexception-handling ...
 * and link libnojit-sjlj.a (vkernel.mk builds it). clang turns every
 * setjmp and longjmp call into wasm exception handling and calls into the
 * runtime (sjlj.c); setjmp and longjmp are never functions, so a program
 * built without the flags fails to link instead of misbehaving.
 * docs/vkernel.md, "setjmp and longjmp", has the details.
 */
#ifndef NOJIT_SDK_SETJMP_H
#define NOJIT_SDK_SETJMP_H

#ifndef __wasm32__
#error "vkernel/sdk/setjmp.h is for wasm32 guests"
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* Opaque; sjlj.c's struct nojit_sjlj_buf is what lives in it. */
typedef struct __nojit_jmp_buf {
	unsigned int __nojit_state[6];
} jmp_buf[1];
typedef jmp_buf sigjmp_buf;

int setjmp(jmp_buf __env) __attribute__((returns_twice));
_Noreturn void longjmp(jmp_buf __env, int __val);

/* clang lowers calls to "setjmp" and "longjmp" only: the POSIX variants
 * are the same here (a guest has no signal mask to save). */
#define _setjmp(env) setjmp(env)
#define _longjmp(env, val) longjmp(env, val)
#define sigsetjmp(env, savemask) setjmp(env)
#define siglongjmp(env, val) longjmp(env, val)

#ifdef __cplusplus
}
#endif

#endif
