// SPDX-License-Identifier: GPL-2.0
/*
 * Runs a wasm2c translation (module prefix m, no imports) with wabt's own
 * runtime and nothing of nojit's: how a test module behaves under wabt
 * 1.0.32 alone. Exit 0: _start returned; 100 + trap code: it trapped.
 */
#include <setjmp.h>
#include "m.h"

extern jmp_buf wasm_rt_jmp_buf;	/* wasm-rt-impl.h is not installed */

int main(void)
{
	Z_m_instance_t inst;
	int trap;

	wasm_rt_init();
	Z_m_init_module();
	Z_m_instantiate(&inst);
	trap = sigsetjmp(wasm_rt_jmp_buf, 1);
	if (trap)
		return 100 + trap;
	wasm_rt_set_unwind_target(&wasm_rt_jmp_buf);
	Z_mZ__start(&inst);
	return 0;
}
