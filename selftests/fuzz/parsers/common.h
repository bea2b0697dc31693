/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What every parser harness shares (docs/fuzzing.md): a scratch directory,
 * files written there for APIs that take paths, and test keys derived from
 * fixed seeds at start-up. The keys are trusted by nothing but the
 * harnesses: with them a harness signs the bytes the fuzzer chose, so the
 * code after a signature check is reached too, not only "bad signature".
 */
#ifndef NOJIT_FUZZ_COMMON_H
#define NOJIT_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "keys.h"

struct fuzz_keys {
	struct nojit_seckey signing;	/* manifests, audit seals, megabinaries */
	struct nojit_seckey approver;	/* JIT exceptions */
	struct nojit_seckey attest;	/* DSSE statements */
	struct nojit_trust signing_trust, attest_trust;
	char signing_pub[4096];		/* signing.pub in the scratch directory */
	char approvers_dir[4096];	/* a directory holding approver.pub */
};

/* The scratch directory (made once, removed at exit). Aborts on failure: a harness cannot run without it. */
const char *fuzz_dir(void);

/* DIR/NAME, in a static buffer per call site's choice. */
void fuzz_path(char *buf, size_t size, const char *name);

/* Write LEN bytes of DATA to PATH, replacing it. Aborts on failure. */
void fuzz_write(const char *path, const void *data, size_t len);

/* The test keys, made on first use. */
const struct fuzz_keys *fuzz_keys(void);

#endif
