/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The loader's record of the object it loaded (struct nojit_meta). Only
 * user space reads it, and only the loader writes it, before freezing it.
 */
#ifndef NOJIT_META_BPF_H
#define NOJIT_META_BPF_H

#include "nojit.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_RDONLY_PROG);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct nojit_meta);
} nojit_meta SEC(".maps");

#endif /* NOJIT_META_BPF_H */
