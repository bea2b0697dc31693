// SPDX-License-Identifier: GPL-2.0
/*
 * The runtime clang 14's wasm setjmp/longjmp lowering calls
 * (-mllvm -wasm-enable-sjlj, LLVM's WebAssemblyLowerEmscriptenEHSjLj).
 * What the lowered code does, read from its output:
 *
 *  - a function that calls setjmp allocates, on entry, a "setjmp table"
 *    (malloc(40), first i32 set to 0, size 4) and frees it on every
 *    exit, a return or a longjmp passing through: the table's address is
 *    unique among live invocations;
 *  - setjmp(env) at call site L (1, 2, ...) becomes
 *    table = saveSetjmp(env, L, table, size); size = getTempRet0();
 *  - longjmp(env, val) becomes __wasm_longjmp(env, val), which throws the
 *    __c_longjmp tag with a pointer to {env, val};
 *  - each such function catches __c_longjmp and asks
 *    testSetjmp(*(u32 *)env, table, size): a label L makes setjmp call L
 *    return val; 0 frees the table and throws on to the caller.
 *
 * Emscripten's runtime appends every setjmp to the table and searches it
 * linearly: a loop that calls setjmp n times in one frame costs O(n)
 * memory and O(n) per longjmp. Here the table is never grown; the
 * jmp_buf itself says which invocation and label it belongs to, so
 * saveSetjmp and testSetjmp are O(1) and take no memory. The table's
 * first bytes carry a generation number stamped at its frame's first
 * setjmp, so a jmp_buf of a frame that has returned never matches a
 * later frame that got the same table address from malloc: such a
 * longjmp (undefined in C) reaches the top and the guest traps.
 */
#include <setjmp.h>
#include <stdint.h>

/* What a jmp_buf holds (vkernel/sdk/setjmp.h keeps it opaque). */
struct nojit_sjlj_buf {
	uint32_t self;		/* its own address: the "id" clang reads back from env[0] */
	uint32_t table;		/* the setjmp table of the frame that called setjmp */
	uint32_t gen_lo, gen_hi; /* that table's generation */
	uint32_t label;		/* which setjmp call in that frame */
};

/* The part of a setjmp table (40 bytes, clang's) this runtime uses. */
struct nojit_sjlj_table {
	uint32_t stamped;	/* clang sets it to 0 after malloc */
	uint32_t pad;
	uint64_t gen;
};

struct nojit_sjlj_args {
	uint32_t env;
	int32_t val;
};

_Static_assert(sizeof(struct nojit_sjlj_buf) <= sizeof(jmp_buf), "jmp_buf too small");
_Static_assert(sizeof(struct nojit_sjlj_table) <= 40, "clang's table is 40 bytes");

uint32_t saveSetjmp(uint32_t env, uint32_t label, uint32_t table, uint32_t size);
uint32_t testSetjmp(uint32_t id, uint32_t table, uint32_t size);
uint32_t getTempRet0(void);
_Noreturn void __wasm_longjmp(uint32_t env, int32_t val);
_Noreturn void __nojit_throw_c_longjmp(struct nojit_sjlj_args *args);

static uint32_t temp_ret0;
static uint64_t generations;
/* One longjmp is in flight at a time: a guest has one thread. */
static struct nojit_sjlj_args longjmp_args;

uint32_t saveSetjmp(uint32_t env, uint32_t label, uint32_t table, uint32_t size)
{
	struct nojit_sjlj_buf *b = (struct nojit_sjlj_buf *)env;
	struct nojit_sjlj_table *t = (struct nojit_sjlj_table *)table;

	if (!t->stamped) {
		t->gen = ++generations;
		t->stamped = 1;
	}
	b->self = env;
	b->table = table;
	b->gen_lo = (uint32_t)t->gen;
	b->gen_hi = (uint32_t)(t->gen >> 32);
	b->label = label;
	temp_ret0 = size;	/* the table keeps its size: it never grows */
	return table;
}

uint32_t testSetjmp(uint32_t id, uint32_t table, uint32_t size)
{
	const struct nojit_sjlj_buf *b = (const struct nojit_sjlj_buf *)id;
	const struct nojit_sjlj_table *t = (const struct nojit_sjlj_table *)table;

	(void)size;
	/* A wild id reads somewhere in linear memory, or traps past its end. */
	if (!id || !t || !t->stamped || b->self != id || b->table != table ||
	    b->gen_lo != (uint32_t)t->gen || b->gen_hi != (uint32_t)(t->gen >> 32))
		return 0;
	return b->label;
}

uint32_t getTempRet0(void)
{
	return temp_ret0;
}

void __wasm_longjmp(uint32_t env, int32_t val)
{
	longjmp_args.env = env;
	longjmp_args.val = val ? val : 1;	/* C: longjmp(env, 0) makes setjmp return 1 */
	__nojit_throw_c_longjmp(&longjmp_args);
}
