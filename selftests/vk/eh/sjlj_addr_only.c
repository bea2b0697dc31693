// SPDX-License-Identifier: GPL-2.0
/*
 * Test double, not for guests: an O(1) runtime like vkernel/sdk/sjlj.c
 * that trusts the setjmp table's address alone to name a frame, without
 * the SDK's generation stamp. malloc hands a returned frame's table to
 * the next frame, so a longjmp to the returned frame lands in the new
 * one. Linked instead of the SDK's sjlj.o into `sjlj-addr`, it must fail
 * the "stale" test, which shows that test can tell.
 */
#include <stdint.h>

uint32_t saveSetjmp(uint32_t env, uint32_t label, uint32_t table, uint32_t size);
uint32_t testSetjmp(uint32_t id, uint32_t table, uint32_t size);
uint32_t getTempRet0(void);
_Noreturn void __wasm_longjmp(uint32_t env, int32_t val);
_Noreturn void __nojit_throw_c_longjmp(void *args);

static uint32_t temp_ret0;
static struct {
	uint32_t env;
	int32_t val;
} args;

uint32_t saveSetjmp(uint32_t env, uint32_t label, uint32_t table, uint32_t size)
{
	uint32_t *b = (uint32_t *)env;

	b[0] = env;
	b[1] = table;
	b[2] = label;
	temp_ret0 = size;
	return table;
}

uint32_t testSetjmp(uint32_t id, uint32_t table, uint32_t size)
{
	const uint32_t *b = (const uint32_t *)id;

	(void)size;
	return id && b[0] == id && b[1] == table ? b[2] : 0;
}

uint32_t getTempRet0(void)
{
	return temp_ret0;
}

void __wasm_longjmp(uint32_t env, int32_t val)
{
	args.env = env;
	args.val = val ? val : 1;
	__nojit_throw_c_longjmp(&args);
}
