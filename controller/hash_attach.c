// SPDX-License-Identifier: GPL-2.0
#include <fcntl.h>
#include <string.h>
#include <bpf/bpf.h>

#include "hash_attach.h"
#include "sha256.h"

#define BUF_SIZE (1u << 20)

enum attach_result { ATTACHED, MISSING, CHANGED, BUSY };

static int attach_one(int map_fd, const struct nojit_manifest_entry *e, __u8 *buf)
{
	struct nojit_file_hash fh = {};
	_cleanup_close_ int fd = -1;
	__u8 digest[32];

	fd = open(e->path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return MISSING;
	if (fcntl(fd, F_SETLEASE, F_RDLCK))
		return BUSY;	/* EAGAIN: someone holds it open for writing */
	if (sha256_fd(fd, digest, buf, BUF_SIZE, NULL, NULL))
		return MISSING;
	if (memcmp(digest, e->sha256, sizeof(digest)))
		return CHANGED;
	/* Keep the kernel's write count: only the digest is new. */
	if (!bpf_map_lookup_elem(map_fd, &fd, &fh))
		fh.hashed_gen = fh.gen;
	fh.valid = 1;
	memcpy(fh.sha256, digest, sizeof(fh.sha256));
	if (bpf_map_update_elem(map_fd, &fd, &fh, BPF_ANY))
		return MISSING;
	if (fcntl(fd, F_GETLEASE) != F_RDLCK) {
		/* A writer arrived while we hashed: take the digest back. */
		bpf_map_delete_elem(map_fd, &fd);
		return BUSY;
	}
	return ATTACHED;
}

int hash_attach_manifest(const struct nojit_maps *m, const struct nojit_manifest *man,
			 struct hash_attach_report *rep)
{
	_cleanup_free_ __u8 *buf = malloc(BUF_SIZE);

	memset(rep, 0, sizeof(*rep));
	if (!buf)
		return -ENOMEM;
	for (size_t i = 0; i < man->n_entries; i++) {
		if (!man->entries[i].path || !man->entries[i].path[0]) {
			rep->missing++;
			continue;
		}
		switch (attach_one(m->file_hashes, &man->entries[i], buf)) {
		case ATTACHED:
			rep->attached++;
			break;
		case MISSING:
			rep->missing++;
			break;
		case CHANGED:
			rep->changed++;
			break;
		case BUSY:
			rep->busy++;
			break;
		}
	}
	return 0;
}
