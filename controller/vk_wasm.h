/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The interface of a guest module, checked from the wasm bytes before
 * wasm2c sees them. wasm2c copies import and export names into C comments
 * unescaped, so a name is allowed only if it is a plain identifier; and a
 * module may import only the functions the vkernel provides, with their
 * exact signatures (no memory, table or global imports).
 */
#ifndef NOJIT_VK_WASM_H
#define NOJIT_VK_WASM_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"

/* 0, or -errno with ERR naming NAME and the offending import or export. */
int vk_wasm_check_interface(const uint8_t *buf, size_t len, const char *name,
			    struct nojit_err *err);

#endif
