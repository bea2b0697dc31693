// SPDX-License-Identifier: GPL-2.0
/*
 * setjmp/longjmp in a vkernel guest, built with vkernel/sdk (see
 * selftests/vk/eh/run): `sjlj TEST` prints what happened and exits 0 when
 * it is what C requires, 1 otherwise. Variables changed between setjmp
 * and longjmp are volatile, as C requires.
 */
#include <setjmp.h>
#include <stdio.h>
#include <string.h>

static jmp_buf top, inner_jb;
static volatile int trail;

static void note(int digit)
{
	trail = trail * 10 + digit;
}

__attribute__((noinline)) static void jump3(jmp_buf env, int val)
{
	longjmp(env, val);
}

__attribute__((noinline)) static void jump2(jmp_buf env, int val)
{
	jump3(env, val);
	note(9);	/* never */
}

__attribute__((noinline)) static void jump1(jmp_buf env, int val)
{
	jump2(env, val);
	note(9);
}

/* longjmp three calls down; setjmp returns the value. */
static int test_calls(void)
{
	volatile int r = setjmp(top);

	if (r == 0) {
		note(1);
		jump1(top, 42);
		note(9);
	}
	note(2);
	return r == 42 && trail == 12;
}

/* Two jmp_bufs set in one frame: each longjmp lands at its own setjmp. */
static int test_nested_frame(void)
{
	jmp_buf a, b;
	volatile int ra, rb = -1;

	ra = setjmp(a);
	if (ra == 0) {
		rb = setjmp(b);
		if (rb == 0)
			jump1(b, 2);	/* to the second setjmp */
		note(rb);
		jump1(a, 3);		/* to the first */
	}
	note(ra);
	return ra == 3 && rb == 2 && trail == 23;
}

__attribute__((noinline)) static int inner_frame(jmp_buf outer)
{
	volatile int r = setjmp(inner_jb);

	if (r == 0)
		jump1(inner_jb, 4);	/* caught here */
	note(r);
	jump1(outer, 5);		/* past this frame to the outer one */
	return -1;
}

/* setjmp in an outer and an inner frame, longjmp to each. */
static int test_nested_frames(void)
{
	jmp_buf outer;
	volatile int r = setjmp(outer);

	if (r == 0)
		inner_frame(outer);
	note(r);
	return r == 5 && trail == 45;
}

static volatile int sink;

__attribute__((noinline)) static void recurse(jmp_buf env, int depth)
{
	if (depth == 0)
		longjmp(env, 7);
	recurse(env, depth - 1);
	sink = depth;	/* work after the call: no tail call, a real frame each */
}

/* longjmp from 10,000 calls deep, 100 times: no leak of stack or heap. */
static int test_deep(void)
{
	unsigned long before = __builtin_wasm_memory_size(0);
	volatile int landed = 0;

	for (volatile int i = 0; i < 100; i++) {
		jmp_buf env;

		if (setjmp(env) == 7)
			landed++;
		else
			recurse(env, 10000);
	}
	printf("landed %d, memory grew %lu pages\n", landed,
	       __builtin_wasm_memory_size(0) - before);
	return landed == 100 && __builtin_wasm_memory_size(0) == before;
}

__attribute__((noinline)) static void jump_if(jmp_buf env, unsigned int i)
{
	if (i % 100000 == 0)
		longjmp(env, 1);
}

/*
 * setjmp 1,000,000 times in one frame, nine longjmps among them. The SDK
 * keeps nothing per setjmp: the memory must never grow. A runtime that
 * appends each setjmp to the frame's table, as Emscripten's classic one
 * does, needs 8 MB here (and searches it: O(n) per setjmp);
 * selftests/vk/eh/sjlj_linear.c is one, and fails at its first growth.
 */
static int test_loop(void)
{
	unsigned long before = __builtin_wasm_memory_size(0);
	jmp_buf env;
	volatile unsigned int i = 0, jumps = 0;

	for (;;) {
		if (setjmp(env))
			jumps++;
		if (__builtin_wasm_memory_size(0) != before) {
			printf("memory grew after %u setjmps\n", i + 1);
			return 0;
		}
		if (++i == 1000000)
			break;
		jump_if(env, i);
	}
	printf("setjmp %u times, %u longjmps, memory grew 0 pages\n", i, jumps);
	return jumps == 9;
}

/* longjmp(env, 0) makes setjmp return 1. */
static int test_zero(void)
{
	volatile int r = setjmp(top);

	if (r == 0)
		jump1(top, 0);
	return r == 1;
}

static jmp_buf stale;

__attribute__((noinline)) static void set_and_return(void)
{
	if (setjmp(stale))
		printf("landed in a frame that had returned\n");
}

__attribute__((noinline)) static void other_frame(void)
{
	jmp_buf mine;

	/* A frame with a live setjmp table, perhaps at the dead frame's address. */
	if (setjmp(mine) == 0)
		jump1(stale, 1);
	printf("landed in the wrong frame\n");
}

/* longjmp to a frame that has returned: undefined in C; here a trap. */
static int test_stale(void)
{
	set_and_return();
	other_frame();
	return 0;	/* the guest must have trapped before this */
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(void);
	} tests[] = {
		{ "calls", test_calls },
		{ "nested-frame", test_nested_frame },
		{ "nested-frames", test_nested_frames },
		{ "deep", test_deep },
		{ "loop", test_loop },
		{ "zero", test_zero },
		{ "stale", test_stale },
	};

	for (size_t i = 0; argc == 2 && i < sizeof(tests) / sizeof(tests[0]); i++)
		if (!strcmp(argv[1], tests[i].name)) {
			int ok = tests[i].fn();

			printf("%s: %s\n", argv[1], ok ? "ok" : "FAILED");
			return !ok;
		}
	fprintf(stderr, "usage: sjlj calls|nested-frame|nested-frames|deep|loop|zero|stale\n");
	return 2;
}
