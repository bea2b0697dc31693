/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nojit daemon's metrics and health endpoint: GET /metrics (Prometheus
 * text exposition format 0.0.4) and GET /healthz, served by libmicrohttpd
 * on its own polling thread so no client, however slow or malformed, can
 * hold up the daemon's ring-buffer drain. The server thread reads the BPF
 * maps by fd and the daemon's counters through atomics. Never prints.
 * Metric names, labels and health conditions: docs/metrics.md.
 */
#ifndef NOJIT_METRICS_H
#define NOJIT_METRICS_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/socket.h>

#include "bpf_loader.h"
#include "util.h"

struct audit_log;
struct metrics;

struct metrics_config {
	/* Where to listen; metrics_parse_listen() fills it. */
	struct sockaddr_storage addr;
	socklen_t addr_len;
	/* Pinned maps, read by fd; they stay open until metrics_stop(). */
	const struct nojit_maps *maps;
	/* The audit log being written (seal age, drops); NULL: not reported. */
	const struct audit_log *log;
	/* /healthz fails when the ring buffer was last drained longer ago. */
	unsigned int drain_max_age_ms;
};

/*
 * "[ADDR:]PORT": ADDR an IPv4 address or a bracketed IPv6 one ("[::1]");
 * no ADDR means 127.0.0.1, loopback only. No host names: what the
 * endpoint is exposed on must be exactly what the operator wrote.
 */
int metrics_parse_listen(const char *spec, struct metrics_config *cfg, struct nojit_err *err);

/* Start serving; -errno with ERR when the address cannot be bound. */
int metrics_start(const struct metrics_config *cfg, struct metrics **ret, struct nojit_err *err);
/* Stop the server and wait for its thread. NULL is fine. */
void metrics_stop(struct metrics *m);

/* The daemon's side; each is a no-op on NULL and safe against the server thread. */
/* The ring buffer was just drained (after each ring_buffer__consume). */
void metrics_drained(struct metrics *m);
/* One violation event written to the audit log. */
void metrics_count_event(struct metrics *m, __u32 route, __u32 hook, __u32 action);
/*
 * The outcome of the latest policy apply: until the first call, policy
 * is not a health condition. DIGEST_HEX and ERROR may be NULL; copied.
 */
void metrics_set_policy_state(struct metrics *m, bool applied, const char *digest_hex,
			      const char *error);

/* ---- exposition, separable for tests --------------------------------- */

#define METRICS_HOOK_MAX	48	/* > every enum nojit_hook */
#define METRICS_ACTION_MAX	5	/* > every enum nojit_action */
#define METRICS_EVENT_SLOTS	(NOJIT_ROUTE_MAX * METRICS_HOOK_MAX * METRICS_ACTION_MAX)
#define METRICS_EVENT_SLOT(route, hook, action) \
	(((route) * METRICS_HOOK_MAX + (hook)) * METRICS_ACTION_MAX + (action))

struct metrics_enrollment {
	__u64 cgroup_id;
	const char *path;
	const char *policy;	/* policy file that made it; "" manual */
	const char *manifest;	/* manifest name; "" none */
	const char *mode;	/* "enforce", "audit" */
	bool has_manifest;
	__u64 serial;
	__s64 expires;		/* unix seconds */
	unsigned int governed;
};

/* Everything one scrape reports; the formatter reads nothing else. */
struct metrics_snapshot {
	const char *version;
	const char *bpf_object_sha256;	/* hex */
	double start_time;		/* unix seconds */
	__u64 stats[NOJIT_STAT_MAX];	/* the kernel's counters */
	__u64 events_logged;		/* nojit_daemon_state: by every daemon since load */
	const __u64 *event_counts;	/* METRICS_EVENT_SLOTS, this daemon's; NULL: none */
	bool has_log;
	__u64 daemon_dropped, writer_lost;
	bool has_last_seal;
	double last_seal_age;		/* seconds */
	double last_drain_age;		/* seconds */
	size_t programs_expected, programs_attached;
	const struct metrics_enrollment *enrollments;
	size_t n_enrollments;
	bool has_policy_state, policy_applied;
};

/* Write S in the Prometheus text format. 0 or -errno (write error). */
int metrics_format(FILE *out, const struct metrics_snapshot *s);

/* A label value escaped as the text format wants it (\\, \", \n), UTF-8 kept valid. */
void metrics_write_label_value(FILE *out, const char *v);

#endif /* NOJIT_METRICS_H */
