// SPDX-License-Identifier: GPL-2.0
/*
 * The megabinary trailer (vkernel/trailer.c) as the runtime and
 * `nojit vk verify` read it: from a file descriptor, footer first, then
 * the trailer, its signature and the image hash.
 *
 * The first byte of an input chooses what the rest is:
 *   0  a megabinary, verified as it is (the refusals)
 *   1  a megabinary whose trailer, when it parses, the harness signs with
 *      its own trusted key over the real image hash, so the checks after
 *      the signature run too; such a file must then verify
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common.h"
#include "trailer.h"

static int memfd_with(const uint8_t *data, size_t len)
{
	int fd = memfd_create("megabinary", MFD_CLOEXEC);

	if (fd < 0)
		abort();
	while (len) {
		ssize_t n = write(fd, data, len);

		if (n <= 0)
			abort();
		data += n, len -= (size_t)n;
	}
	return fd;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vk_trailer t;
	const struct fuzz_keys *k = fuzz_keys();
	struct nojit_err err = {};
	uint8_t file_sha256[32];
	int fd, r;

	if (!size)
		return 0;
	fd = memfd_with(data + 1, size - 1);
	r = vk_trailer_read(fd, "fuzz", &t, &err);
	if (data[0] & 1 && r == 0) {
		size_t tlen = vk_trailer_len(&t) + VK_FOOTER_LEN;
		uint8_t *buf = malloc(t.image_len + tlen);

		if (!buf)
			abort();
		/* vk_trailer_read() checked image_len + trailer + footer is the file's length. */
		memcpy(buf, data + 1, t.image_len);
		crypto_hash_sha256(t.image_sha256, buf, t.image_len);
		if (vk_trailer_sign(&t, &k->signing))
			abort();
		if (vk_trailer_encode(&t, buf + t.image_len) != tlen)
			abort();
		close(fd);
		fd = memfd_with(buf, t.image_len + tlen);
		free(buf);
		/* Signed by a trusted key over the right image: anything else is a bug. */
		if (vk_verify_fd(fd, "fuzz", &k->signing_trust, NULL, 0, &t, file_sha256, &err))
			abort();
	} else {
		vk_verify_fd(fd, "fuzz", &k->signing_trust, NULL, 0, &t, file_sha256, &err);
	}
	close(fd);
	return 0;
}
