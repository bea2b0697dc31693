// SPDX-License-Identifier: GPL-2.0
/* The runtime half of vk_eh.h: where a wasm throw goes. */
#include "vk_eh.h"

struct vk_eh_frame *vk_eh_current;

void vk_eh_throw(void)
{
	if (!vk_eh_current)
		wasm_rt_trap(WASM_RT_TRAP_UNCAUGHT_EXCEPTION);
	__builtin_longjmp(vk_eh_current->jb, 1);
}

void vk_eh_oversized(void)
{
	wasm_rt_trap(WASM_RT_TRAP_EXHAUSTION);
}
