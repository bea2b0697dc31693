/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The hash gate on kernels without IMA (--hash-source controller): the
 * controller hashes the files at the manifest's paths itself and attaches
 * each verified digest to the file's inode, where the kernel finds it as
 * if it had computed it. Files it did not attach are refused.
 */
#ifndef NOJIT_HASH_ATTACH_H
#define NOJIT_HASH_ATTACH_H

#include "bpf_loader.h"
#include "manifest.h"

struct hash_attach_report {
	size_t attached;	/* content matched the manifest: digest attached */
	size_t missing;		/* no file at the entry's path */
	size_t changed;		/* file there, but another digest */
	size_t busy;		/* open for writing, or written while hashed */
};

/*
 * For every entry of MAN with a path: open it, take a read lease (no
 * writer may exist now, and one that appears breaks the lease), hash it,
 * and attach the digest if it matches. A lease broken before the digest
 * is attached means a writer came: the digest is dropped again.
 */
int hash_attach_manifest(const struct nojit_maps *m, const struct nojit_manifest *man,
			 struct hash_attach_report *rep);

#endif /* NOJIT_HASH_ATTACH_H */
