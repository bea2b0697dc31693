// SPDX-License-Identifier: GPL-2.0
/*
 * nojit kernel policy: one object, one skeleton. The logic lives in the
 * per-concern headers; this file only puts them together.
 *
 * Fields read on every call of a hot hook are read with direct, CO-RE
 * relocated loads of BTF pointers, which the verifier turns into
 * fault-safe loads; BPF_CORE_READ() costs a helper call each time and is
 * kept for the rare paths.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "mem.bpf.h"
#include "exec.bpf.h"
#include "inject.bpf.h"
#include "fill.bpf.h"
#include "bpfload.bpf.h"
#include "cgroup.bpf.h"
#include "meta.bpf.h"

char LICENSE[] SEC("license") = "GPL";
