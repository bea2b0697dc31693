// SPDX-License-Identifier: GPL-2.0
/*
 * Key and trust-store files (controller/keys.c): an input is one file,
 * read as a public key, a secret key (mode 0600, as keygen writes it) and
 * a trust store of each purpose, both as a .pub file and as a directory
 * holding it. A public key that loads must load as a trust store too.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common.h"
#include "keys.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char dir[4200], path[4300];
	struct nojit_pubkey pub;
	struct nojit_seckey sec;
	struct nojit_err err = {};

	if (!dir[0]) {
		fuzz_keys();	/* keys_init() */
		fuzz_path(dir, sizeof(dir), "trust");
		if (mkdir(dir, 0700))
			abort();
		snprintf(path, sizeof(path), "%s/fuzz.pub", dir);
	}
	fuzz_write(path, data, size);
	if (key_load_public(path, &pub, &err) == 0) {
		struct nojit_trust t = {};

		/* A key file that loads is a trust store of that one key. */
		if (trust_load_for(path, KEY_PURPOSE_SIGNING, &t, &err) || t.n_keys != 1 ||
		    strcmp(t.keys[0].id, pub.id))
			abort();
		trust_free(&t);
	}
	for (enum key_purpose p = KEY_PURPOSE_SIGNING; p <= KEY_PURPOSE_APPROVER; p++) {
		struct nojit_trust t = {};

		if (key_load_secret_for(path, p, &sec, &err) == 0)
			key_secret_wipe(&sec);
		if (trust_load_for(path, p, &t, &err) == 0)
			trust_free(&t);
		if (trust_load_for(dir, p, &t, &err) == 0)
			trust_free(&t);
	}
	return 0;
}
