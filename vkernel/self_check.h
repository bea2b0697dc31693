/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A megabinary checks itself before any guest code runs: the trailer of
 * /proc/self/exe must be signed by one of the public keys compiled into
 * the image (vk_trusted_keys, chosen by `nojit vk build`), and the image
 * must hash to what the trailer says, or the file must carry an fs-verity
 * seal (verity.h) by one of those keys. Trust model: docs/vkernel.md.
 */
#ifndef NOJIT_VK_SELF_CHECK_H
#define NOJIT_VK_SELF_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vk_module.h"

extern const uint8_t vk_trusted_keys[][32];
extern const size_t vk_n_trusted_keys;

/* 0, or -errno with a message in ERR (ERRLEN bytes). */
int vk_self_check(char *err, size_t errlen);

/*
 * After vk_self_check() succeeded, one line saying how (the seal or the
 * image hash, and why not the seal) into BUF, for `APP --self-check-info`.
 */
void vk_self_check_describe(char *buf, size_t len);

/* After vk_self_check() succeeded: are M's name and wasm hash in the trailer? */
bool vk_module_listed(const struct vk_module *m);

/* After vk_self_check() succeeded: is SHA256 in the trailer's code list? */
bool vk_code_listed(const uint8_t sha256[32]);

#endif
