/* SPDX-License-Identifier: GPL-2.0 */
/* Can this kernel enforce a BPF LSM policy? And if not, why not. */
#ifndef NOJIT_LSM_PROBE_H
#define NOJIT_LSM_PROBE_H

#include "util.h"

#define LSM_LIST_PATH "/sys/kernel/security/lsm"

/*
 * 0 when BPF LSM programs can be loaded and will run; otherwise -errno and
 * the reason in ERR: bpf missing from the active LSM list (programs would
 * load but never be called), the list unreadable, or the kernel refusing
 * a trial load. The answer is cached for the life of the process.
 */
int bpf_lsm_probe(struct nojit_err *err);

#include <stdbool.h>

/* True if NAME is an entry of the comma-separated LSM list. */
bool lsm_list_has(const char *list, const char *name);

/* The active LSM list, for status output; "" when unreadable. */
const char *bpf_lsm_list(void);

#endif /* NOJIT_LSM_PROBE_H */
