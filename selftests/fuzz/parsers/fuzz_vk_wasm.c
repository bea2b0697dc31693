// SPDX-License-Identifier: GPL-2.0
/*
 * The wasm interface check `nojit vk build` runs on a guest module's bytes
 * before wasm2c sees them (controller/vk_wasm.c): every section walked,
 * imports and exports read and checked.
 */
#include "common.h"
#include "vk_wasm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nojit_err err = {};

	vk_wasm_check_interface(data, size, "fuzz.wasm", &err);
	return 0;
}
