// SPDX-License-Identifier: GPL-2.0
/*
 * Test only, never part of nojit's object: writes violation records of
 * the real layout (struct nojit_violation, bpf/nojit.h) into nojit's ring
 * buffer, and keeps nojit's counters as the LSM programs do, so the daemon
 * drains, accounts and logs them exactly as it would real ones. A socket
 * filter run with BPF_PROG_TEST_RUN: a type this host loads where it
 * refuses BPF LSM; every run writes one record. Fails open: it never
 * filters anything it could be attached to (it is only test-run).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include "nojit.h"

/* The same definitions as bpf/policy.bpf.h: the loader reuses nojit's pinned maps. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, NOJIT_STAT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} nojit_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, NOJIT_RINGBUF_BYTES);
} nojit_events SEC(".maps");

/* Who the records are about (the feeder itself), set before load. */
const volatile __u32 feed_tgid;
const volatile __u64 feed_cgroup_id;
const volatile __u64 feed_count = 1;	/* attempts each record stands for */

static __always_inline void stat_add(__u32 idx, __u64 n)
{
	__u64 *v = bpf_map_lookup_elem(&nojit_stats, &idx);

	if (v)
		*v += n;
}

SEC("socket")
int nojit_feed(struct __sk_buff *skb)
{
	struct nojit_violation *ev;
	__u64 now;

	ev = bpf_ringbuf_reserve(&nojit_events, sizeof(*ev), 0);
	if (!ev) {
		stat_add(NOJIT_STAT_DROP_RING_FULL, feed_count);
		stat_add(NOJIT_STAT_EVENTS_DROPPED, feed_count);
		return 0;
	}
	__builtin_memset(ev, 0, sizeof(*ev));
	now = bpf_ktime_get_boot_ns();
	ev->hdr.type = NOJIT_EVENT_VIOLATION;
	ev->hdr.version = NOJIT_EVENT_VERSION;
	ev->hdr.size = sizeof(*ev);
	ev->time_ns = now;
	ev->first_ns = now;
	ev->count = feed_count;
	ev->cgroup_id = feed_cgroup_id;
	ev->enrolled_id = feed_cgroup_id;	/* the daemon looks its enrollment up, as for real ones */
	ev->pid = feed_tgid;
	ev->tgid = feed_tgid;
	ev->route = NOJIT_ROUTE_ANON_EXEC;
	ev->hook = NOJIT_HOOK_MMAP_FILE;
	ev->action = NOJIT_ACTION_DENIED;
	ev->prot = 5;	/* PROT_READ | PROT_EXEC */
	ev->flags = 0x22;	/* MAP_PRIVATE | MAP_ANONYMOUS */
	ev->on_violation = NOJIT_ON_VIOLATION_DENY;
	__builtin_memcpy(ev->comm, "feed", 5);
	__builtin_memcpy(ev->cgroup_name, "feed", 5);
	bpf_ringbuf_submit(ev, 0);
	stat_add(NOJIT_STAT_EVENTS_EMITTED, 1);
	stat_add(NOJIT_STAT_ATTEMPTS_EMITTED, feed_count);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
