// SPDX-License-Identifier: GPL-2.0
/*
 * Legit workload: load a system library at run time and call into it.
 * The loader maps libm's text from its file with PROT_EXEC (and uses
 * mprotect without PROT_EXEC for RELRO); none of it is generated code,
 * so nojit must let all of it through.
 */
#include <dlfcn.h>
#include <stdio.h>

int main(void)
{
	double (*cbrt_fn)(double);
	double (*pow_fn)(double, double);
	void *h;

	h = dlopen("libm.so.6", RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		fprintf(stderr, "dlopen libm.so.6: %s\n", dlerror());
		return 1;
	}
	/* POSIX's blessed way to turn dlsym's void * into a function pointer. */
	*(void **)&cbrt_fn = dlsym(h, "cbrt");
	*(void **)&pow_fn = dlsym(h, "pow");
	if (!cbrt_fn || !pow_fn) {
		fprintf(stderr, "dlsym: %s\n", dlerror());
		return 1;
	}
	printf("cbrt(27)=%.6f pow(2,10)=%.1f\n", cbrt_fn(27.0), pow_fn(2.0, 10.0));
	if (dlclose(h)) {
		fprintf(stderr, "dlclose: %s\n", dlerror());
		return 1;
	}
	return 0;
}
