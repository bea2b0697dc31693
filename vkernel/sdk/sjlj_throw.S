# SPDX-License-Identifier: GPL-2.0
#
# __nojit_throw_c_longjmp(args): throw the __c_longjmp tag with a pointer
# to sjlj.c's {env, val}. In assembly because clang 14 cannot compile
# __builtin_wasm_throw(1, p) in a file that does not itself call setjmp
# ("undefined tag symbol cannot be weak"). The tag is defined weak here,
# as clang defines it in every object that uses setjmp; wasm-ld keeps one.

	.tagtype	__c_longjmp i32
	.section	.text.__nojit_throw_c_longjmp,"",@
	.hidden	__nojit_throw_c_longjmp
	.globl	__nojit_throw_c_longjmp
	.type	__nojit_throw_c_longjmp,@function
__nojit_throw_c_longjmp:
	.functype	__nojit_throw_c_longjmp (i32) -> ()
	local.get	0
	throw	__c_longjmp
	unreachable		# the assembler's type check does not know throw ends the block
	end_function

	.weak	__c_longjmp
__c_longjmp:
