// SPDX-License-Identifier: GPL-2.0
/*
 * Test double, not for guests: the classic setjmp runtime design
 * (Emscripten's before 2024) that vkernel/sdk/sjlj.c avoids. Every
 * setjmp gets a new id and a new entry appended to its frame's table,
 * grown by realloc; testSetjmp searches the table. Linked instead of
 * the SDK's sjlj.o into `sjlj-linear`, it must fail the "loop" test
 * (1,000,000 setjmps in one frame), which shows that test can tell the
 * designs apart.
 */
#include <stdint.h>
#include <stdlib.h>

struct entry {
	uint32_t id, label;
};

uint32_t saveSetjmp(uint32_t env, uint32_t label, uint32_t table, uint32_t size);
uint32_t testSetjmp(uint32_t id, uint32_t table, uint32_t size);
uint32_t getTempRet0(void);
_Noreturn void __wasm_longjmp(uint32_t env, int32_t val);
_Noreturn void __nojit_throw_c_longjmp(void *args);

static uint32_t temp_ret0, next_id;
static struct {
	uint32_t env;
	int32_t val;
} args;

uint32_t saveSetjmp(uint32_t env, uint32_t label, uint32_t table, uint32_t size)
{
	struct entry *t = (struct entry *)table;
	uint32_t i;

	*(uint32_t *)env = ++next_id;
	for (i = 0; i < size && t[i].id; i++)
		;
	if (i == size) {
		size *= 2;
		t = realloc(t, sizeof(*t) * (size + 1));
		if (!t)
			abort();
	}
	t[i] = (struct entry){ next_id, label };
	t[i + 1].id = 0;
	temp_ret0 = size;
	return (uint32_t)t;
}

uint32_t testSetjmp(uint32_t id, uint32_t table, uint32_t size)
{
	const struct entry *t = (const struct entry *)table;

	for (uint32_t i = 0; i < size && t[i].id; i++)
		if (t[i].id == id)
			return t[i].label;
	return 0;
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
