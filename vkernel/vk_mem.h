/* SPDX-License-Identifier: GPL-2.0 */
/*
 * wasm2c's loads and stores, taking the linear memory's data pointer
 * rather than the memory object; forced into every module's C by `nojit
 * vk build` (cc -include vk_mem.h), whose rewrite of wasm2c's output
 * makes each function read the pointer once, into a const local, and
 * pass it to every access (controller/vk_build.c, rewrite_c).
 *
 * Why: wasm2c's accessors read instance->memory.data at each access, and
 * a byte store may, for all gcc can tell, overwrite that pointer itself,
 * so after every store into the guest's memory the next access reloads
 * it from the instance: one dependent load more per access in an
 * interpreter's loop, which is mostly accesses. A local whose address is
 * never taken is no store's business.
 *
 * Why the pointer cannot change under a function that read it: with
 * guard-page memory checks (the only kind accepted below) wasm-rt
 * reserves the whole 4 GiB plus guard at allocation and grows in place.
 * Bounds are still the guard pages': the address is wasm2c's.
 */
#ifndef NOJIT_VK_MEM_H
#define NOJIT_VK_MEM_H

#include <wasm-rt.h>

#if !WASM_RT_MEMCHECK_SIGNAL_HANDLER
#error "vk_mem.h relies on wasm-rt's guard-page memory (its data never moves)"
#endif

/*
 * The pointer travels in a struct of its own: an access the rewrite
 * missed still passes &instance->memory, and a pointer where a struct is
 * expected is an error, where a pointer of the wrong type would be a
 * warning (-w) and a guest address off the instance.
 */
typedef struct {
	uint8_t *data;
} vk_base_t;

#define VK_DEFINE_LOAD(name, t1, t2, t3)                              \
	static inline t3 name(vk_base_t vk_base, u64 addr)             \
	{                                                              \
		t1 result;                                             \
		wasm_rt_memcpy(&result, &vk_base.data[addr], sizeof(t1)); \
		wasm_asm("" ::"r"(result));                            \
		return (t3)(t2)result;                                 \
	}

#define VK_DEFINE_STORE(name, t1, t2)                                  \
	static inline void name(vk_base_t vk_base, u64 addr, t2 value)  \
	{                                                               \
		t1 wrapped = (t1)value;                                 \
		wasm_rt_memcpy(&vk_base.data[addr], &wrapped, sizeof(t1)); \
	}

#endif
