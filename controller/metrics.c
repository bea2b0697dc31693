// SPDX-License-Identifier: GPL-2.0
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include <json-c/json.h>
#include <microhttpd.h>

#include "audit_log.h"
#include "cli.h"
#include "enroll.h"
#include "manifest.h"
#include "metrics.h"

/*
 * Limits that keep one client from taking the endpoint: a scraper, a
 * probe and an operator's curl fit easily; a flood or a slowloris does
 * not get more than its share, and an idle or half-sent request is
 * closed after the timeout.
 */
#define MAX_CONNECTIONS		32
#define MAX_PER_IP		8
#define CONNECTION_TIMEOUT_S	10
#define CONNECTION_MEMORY	(32 * 1024)	/* request line + headers */

struct metrics {
	struct MHD_Daemon *httpd;
	const struct nojit_maps *maps;
	const struct audit_log *log;
	unsigned int drain_max_age_ms;
	char version[32];
	char bpf_sha256[65];
	double start_time;
	char (*programs)[64];
	size_t nprograms;
	__s64 last_drain_ns;		/* CLOCK_MONOTONIC; atomic */
	__u64 *event_counts;		/* METRICS_EVENT_SLOTS; atomic */
	__u64 *scratch;			/* the server thread's copy */
	pthread_mutex_t policy_lock;
	bool has_policy_state, policy_applied;
	char policy_digest[65];
	char policy_error[512];
};

/* ---- exposition ---------------------------------------------------------------- */

/* Length of the valid UTF-8 sequence at P, or 0 if there is none. */
static size_t utf8_len(const unsigned char *p)
{
	size_t n;
	__u32 cp;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2, cp = p[0] & 0x1f;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3, cp = p[0] & 0x0f;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4, cp = p[0] & 0x07;
	else
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return n;
}

void metrics_write_label_value(FILE *out, const char *v)
{
	const unsigned char *p = (const unsigned char *)(v ? v : "");

	while (*p) {
		size_t n = utf8_len(p);

		if (*p == '\\')
			fputs("\\\\", out);
		else if (*p == '"')
			fputs("\\\"", out);
		else if (*p == '\n')
			fputs("\\n", out);
		else if (n == 0 || *p < 0x20 || *p == 0x7f)
			fputs("\xef\xbf\xbd", out);	/* U+FFFD for what is not text */
		else
			fwrite(p, 1, n, out);
		p += n ? n : 1;
	}
}

static void family(FILE *out, const char *name, const char *type, const char *help)
{
	fprintf(out, "# HELP nojit_%s %s\n# TYPE nojit_%s %s\n", name, help, name, type);
}

static void sample_u64(FILE *out, const char *name, __u64 v)
{
	fprintf(out, "nojit_%s %llu\n", name, (unsigned long long)v);
}

static void sample_double(FILE *out, const char *name, double v)
{
	fprintf(out, "nojit_%s %.3f\n", name, v);
}

/* name{label="value"} v */
static void sample_label(FILE *out, const char *name, const char *label, const char *value,
			 __u64 v)
{
	fprintf(out, "nojit_%s{%s=\"", name, label);
	metrics_write_label_value(out, value);
	fprintf(out, "\"} %llu\n", (unsigned long long)v);
}

static const char *family_help(const char *fam)
{
	static const struct {
		const char *family, *help;
	} helps[] = {
		{ "events_emitted", "Violation records the kernel queued on the ring buffer." },
		{ "attempts_emitted", "Violation attempts the kernel's records stand for (the sum of their counts)." },
		{ "attempts_dropped", "Violation attempts the kernel could not report (the sum of its events_dropped reasons)." },
		{ "events_dropped", "Violation attempts lost, by reason: ring_buffer_full (kernel: no room and no task state), evicted (kernel: no room when another violation replaced pending repeats), exit (kernel: no room when the thread exited with pending repeats), daemon (read but not logged), writer (audit log write failed)." },
		{ "cgroup_track_failures", "Child cgroups the kernel could not record as governed (their mkdir was refused)." },
		{ "kills", "Offenders the kernel killed (on-violation kill)." },
		{ "fail_closed", "Requests refused because a check could not be completed (fail closed), by reason." },
		{ "hashes_computed", "File digests the kernel computed for the hash gate." },
		{ "hash_cache_hits", "Hash-gate decisions answered from the per-file digest cache." },
		{ "audited", "Violations allowed because their enrollment is in audit mode." },
		{ "exception_marks", "Execs that marked a task with a signed JIT exception." },
		{ "exception_uses", "Anonymous executable mappings and W/X flips a JIT exception allowed." },
		{ "exception_uses_unreported", "JIT exception uses no audit record could carry." },
		{ "exception_confinement_denials", "Requests of tasks marked with a JIT exception refused by their confinement." },
	};

	for (size_t i = 0; i < ARRAY_SIZE(helps); i++)
		if (!strcmp(helps[i].family, fam))
			return helps[i].help;
	return "nojit kernel counter.";
}

static void enrollment_labels(FILE *out, const char *name, const struct metrics_enrollment *e)
{
	fprintf(out, "nojit_%s{cgroup=\"", name);
	metrics_write_label_value(out, e->path);
	fprintf(out, "\",cgroup_id=\"%llu\",policy=\"", (unsigned long long)e->cgroup_id);
	metrics_write_label_value(out, e->policy);
	fputs("\",manifest=\"", out);
	metrics_write_label_value(out, e->manifest);
	fputs("\"}", out);
}

static void format_kernel_counters(FILE *out, const struct metrics_snapshot *s)
{
	char name[64];

	/* One family per distinct name in the shared table, in table order. */
	for (size_t i = 0; i < policy_stat_names_n; i++) {
		const char *fam = policy_stat_names[i].family;
		bool seen = false;

		for (size_t j = 0; j < i && !seen; j++)
			seen = !strcmp(policy_stat_names[j].family, fam);
		if (seen)
			continue;
		snprintf(name, sizeof(name), "%s_total", fam);
		family(out, name, "counter", family_help(fam));
		for (size_t j = i; j < policy_stat_names_n; j++) {
			const struct policy_stat_name *st = &policy_stat_names[j];

			if (strcmp(st->family, fam))
				continue;
			if (st->label)
				sample_label(out, name, "reason", st->label, s->stats[st->idx]);
			else
				sample_u64(out, name, s->stats[st->idx]);
		}
		if (!strcmp(fam, "events_dropped") && s->has_log) {
			sample_label(out, name, "reason", "daemon", s->daemon_dropped);
			sample_label(out, name, "reason", "writer", s->writer_lost);
		}
	}
}

static void format_events(FILE *out, const struct metrics_snapshot *s)
{
	family(out, "violation_events_total", "counter",
	       "Violation events this daemon wrote to the audit log, by route, hook and action.");
	if (!s->event_counts)
		return;
	for (unsigned int r = 0; r < NOJIT_ROUTE_MAX; r++)
		for (unsigned int h = 0; h < METRICS_HOOK_MAX; h++)
			for (unsigned int a = 0; a < METRICS_ACTION_MAX; a++) {
				__u64 v = s->event_counts[METRICS_EVENT_SLOT(r, h, a)];
				const char *hook = audit_hook_name(h);
				const char *action = audit_action_name(a);

				if (!v)
					continue;
				fputs("nojit_violation_events_total{route=\"", out);
				metrics_write_label_value(out, route_name(r));
				fputs("\",hook=\"", out);
				metrics_write_label_value(out, hook ? hook : "unknown");
				fputs("\",action=\"", out);
				metrics_write_label_value(out, action ? action : "unknown");
				fprintf(out, "\"} %llu\n", (unsigned long long)v);
			}
}

int metrics_format(FILE *out, const struct metrics_snapshot *s)
{
	family(out, "build_info", "gauge",
	       "Version of this nojit and SHA-256 of the BPF object it carries; always 1.");
	fputs("nojit_build_info{version=\"", out);
	metrics_write_label_value(out, s->version);
	fputs("\",bpf_object_sha256=\"", out);
	metrics_write_label_value(out, s->bpf_object_sha256);
	fputs("\"} 1\n", out);
	family(out, "start_time_seconds", "gauge", "When the daemon started, in unix seconds.");
	sample_double(out, "start_time_seconds", s->start_time);

	family(out, "denials_total", "counter",
	       "Violations the kernel decided since the programs were loaded, by bypass route (audit-mode ones included: nojit_audited_total).");
	for (unsigned int r = 1; r < NOJIT_ROUTE_MAX; r++)
		sample_label(out, "denials_total", "route", route_name(r),
			     s->stats[NOJIT_STAT_ROUTE(r)]);
	format_events(out, s);
	format_kernel_counters(out, s);
	family(out, "events_logged_total", "counter",
	       "Ring-buffer events the audit log accounts for, by every daemon since the programs were loaded.");
	sample_u64(out, "events_logged_total", s->events_logged);

	family(out, "programs_attached", "gauge", "nojit BPF programs attached through their pinned links.");
	sample_u64(out, "programs_attached", s->programs_attached);
	family(out, "programs_expected", "gauge", "nojit BPF programs this binary attaches.");
	sample_u64(out, "programs_expected", s->programs_expected);
	family(out, "ring_buffer_last_drain_age_seconds", "gauge",
	       "Seconds since the daemon last drained the ring buffer.");
	sample_double(out, "ring_buffer_last_drain_age_seconds", s->last_drain_age);
	if (s->has_last_seal) {
		family(out, "audit_last_seal_age_seconds", "gauge",
		       "Seconds since the audit log was last sealed (a seal is written only over new records).");
		sample_double(out, "audit_last_seal_age_seconds", s->last_seal_age);
	}
	if (s->has_policy_state) {
		family(out, "policy_applied", "gauge", "1 when the latest policy apply succeeded.");
		sample_u64(out, "policy_applied", s->policy_applied);
	}

	family(out, "enrolled_cgroups", "gauge", "Enrolled cgroups (subtree roots).");
	sample_u64(out, "enrolled_cgroups", s->n_enrollments);
	family(out, "enrollment_info", "gauge", "One per enrollment; its mode in a label; always 1.");
	for (size_t i = 0; i < s->n_enrollments; i++) {
		const struct metrics_enrollment *e = &s->enrollments[i];

		fputs("nojit_enrollment_info{cgroup=\"", out);
		metrics_write_label_value(out, e->path);
		fprintf(out, "\",cgroup_id=\"%llu\",policy=\"", (unsigned long long)e->cgroup_id);
		metrics_write_label_value(out, e->policy);
		fputs("\",manifest=\"", out);
		metrics_write_label_value(out, e->manifest);
		fputs("\",mode=\"", out);
		metrics_write_label_value(out, e->mode);
		fputs("\"} 1\n", out);
	}
	family(out, "manifest_serial", "gauge", "Serial of the manifest in force, per enrollment.");
	for (size_t i = 0; i < s->n_enrollments; i++)
		if (s->enrollments[i].has_manifest) {
			enrollment_labels(out, "manifest_serial", &s->enrollments[i]);
			fprintf(out, " %llu\n", (unsigned long long)s->enrollments[i].serial);
		}
	family(out, "manifest_expiry_timestamp_seconds", "gauge",
	       "When the manifest in force expires, in unix seconds, per enrollment.");
	for (size_t i = 0; i < s->n_enrollments; i++)
		if (s->enrollments[i].has_manifest) {
			enrollment_labels(out, "manifest_expiry_timestamp_seconds", &s->enrollments[i]);
			fprintf(out, " %lld\n", (long long)s->enrollments[i].expires);
		}
	fflush(out);
	return ferror(out) ? -EIO : 0;
}

/* ---- listen address ---------------------------------------------------------- */

int metrics_parse_listen(const char *spec, struct metrics_config *cfg, struct nojit_err *err)
{
	char host[64] = "127.0.0.1";
	const char *port_s = spec, *colon;
	unsigned long port;
	char *end;

	if (spec[0] == '[') {
		const char *close = strchr(spec, ']');

		if (!close || close[1] != ':' || (size_t)(close - spec - 1) >= sizeof(host))
			return nojit_err_set(err, -EINVAL, "--listen %s: expected [IPV6]:PORT", spec);
		memcpy(host, spec + 1, close - spec - 1);
		host[close - spec - 1] = '\0';
		port_s = close + 2;
	} else if ((colon = strrchr(spec, ':'))) {
		if (strchr(spec, ':') != colon)
			return nojit_err_set(err, -EINVAL,
					     "--listen %s: an IPv6 address goes in brackets: [ADDR]:PORT",
					     spec);
		if ((size_t)(colon - spec) >= sizeof(host))
			return nojit_err_set(err, -EINVAL, "--listen %s: not an address", spec);
		memcpy(host, spec, colon - spec);
		host[colon - spec] = '\0';
		port_s = colon + 1;
	}
	errno = 0;
	port = strtoul(port_s, &end, 10);
	if (errno || *end || !*port_s || port == 0 || port > 65535)
		return nojit_err_set(err, -EINVAL, "--listen %s: not a port number: '%s'", spec,
				     port_s);
	memset(&cfg->addr, 0, sizeof(cfg->addr));
	if (spec[0] == '[') {
		struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&cfg->addr;

		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons(port);
		if (inet_pton(AF_INET6, host, &a6->sin6_addr) != 1)
			return nojit_err_set(err, -EINVAL, "--listen %s: '%s' is not an IPv6 address",
					     spec, host);
		cfg->addr_len = sizeof(*a6);
	} else {
		struct sockaddr_in *a4 = (struct sockaddr_in *)&cfg->addr;

		a4->sin_family = AF_INET;
		a4->sin_port = htons(port);
		if (inet_pton(AF_INET, host, &a4->sin_addr) != 1)
			return nojit_err_set(err, -EINVAL, "--listen %s: '%s' is not an IPv4 address",
					     spec, host);
		cfg->addr_len = sizeof(*a4);
	}
	return 0;
}

/* ---- the daemon's side ---------------------------------------------------------- */

void metrics_drained(struct metrics *m)
{
	if (m)
		__atomic_store_n(&m->last_drain_ns, clock_ns(CLOCK_MONOTONIC), __ATOMIC_RELAXED);
}

void metrics_count_event(struct metrics *m, __u32 route, __u32 hook, __u32 action)
{
	if (!m)
		return;
	if (route >= NOJIT_ROUTE_MAX)
		route = 0;
	if (hook >= METRICS_HOOK_MAX)
		hook = 0;
	if (action >= METRICS_ACTION_MAX)
		action = 0;
	__atomic_fetch_add(&m->event_counts[METRICS_EVENT_SLOT(route, hook, action)], 1,
			   __ATOMIC_RELAXED);
}

void metrics_set_policy_state(struct metrics *m, bool applied, const char *digest_hex,
			      const char *error)
{
	if (!m)
		return;
	pthread_mutex_lock(&m->policy_lock);
	m->has_policy_state = true;
	m->policy_applied = applied;
	snprintf(m->policy_digest, sizeof(m->policy_digest), "%s", digest_hex ? digest_hex : "");
	snprintf(m->policy_error, sizeof(m->policy_error), "%s", error ? error : "");
	pthread_mutex_unlock(&m->policy_lock);
}

/* ---- the server thread ----------------------------------------------------------- */

static size_t programs_attached(const struct metrics *m, const char **ret_missing)
{
	size_t n = 0;

	*ret_missing = NULL;
	for (size_t i = 0; i < m->nprograms; i++) {
		char path[256];

		policy_link_path(m->programs[i], path, sizeof(path));
		if (access(path, F_OK) == 0)
			n++;
		else if (!*ret_missing)
			*ret_missing = m->programs[i];
	}
	return n;
}

/*
 * The enrollments, read straight from the map (enroll_list() also counts
 * the governed cgroups, too dear for every scrape). LIST points into RECS.
 */
static int read_enrollments(const struct nojit_maps *maps, struct nojit_enrolled **ret_recs,
			    struct metrics_enrollment **ret, size_t *ret_n)
{
	_cleanup_free_ struct nojit_enrolled *recs = NULL;
	struct metrics_enrollment *list;
	__u64 key, next, *prev = NULL;
	size_t n = 0, cap = 0;

	while (bpf_map_get_next_key(maps->enrollments, prev, &next) == 0) {
		key = next;
		prev = &key;
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			void *grown = realloc(recs, ncap * sizeof(*recs));

			if (!grown)
				return -ENOMEM;
			recs = grown;
			cap = ncap;
		}
		if (bpf_map_lookup_elem(maps->enrollments, &key, &recs[n].rec))
			continue;	/* released meanwhile */
		recs[n++].id = key;
	}
	list = calloc(n + 1, sizeof(*list));
	if (!list)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		struct nojit_enrollment *r = &recs[i].rec;
		struct nojit_response resp;

		enroll_get_response(maps, recs[i].id, &resp);
		/* The writer terminates the strings; make sure of it. */
		r->path[sizeof(r->path) - 1] = '\0';
		r->manifest_name[sizeof(r->manifest_name) - 1] = '\0';
		r->policy[sizeof(r->policy) - 1] = '\0';
		list[i] = (struct metrics_enrollment){
			.cgroup_id = recs[i].id, .path = r->path, .policy = r->policy,
			.manifest = r->manifest_name, .mode = manifest_mode_name(resp.mode),
			.has_manifest = r->key_id[0] != '\0', .serial = r->serial,
			.expires = r->expires,
		};
	}
	*ret_recs = TAKE_PTR(recs);
	*ret = list;
	*ret_n = n;
	return 0;
}

static struct MHD_Response *text_response(const char *body)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(strlen(body), (void *)body,
								 MHD_RESPMEM_PERSISTENT);

	if (r)
		MHD_add_response_header(r, "Content-Type", "text/plain; charset=utf-8");
	return r;
}

static unsigned int serve_metrics(struct metrics *m, struct MHD_Response **ret)
{
	struct metrics_snapshot s = {
		.version = m->version, .bpf_object_sha256 = m->bpf_sha256,
		.start_time = m->start_time, .has_log = m->log != NULL,
	};
	_cleanup_free_ struct nojit_enrolled *recs = NULL;
	_cleanup_free_ struct metrics_enrollment *enr = NULL;
	struct nojit_daemon_state state = {};
	struct timespec now;
	const char *missing;
	char *buf = NULL;
	size_t len = 0;
	__u32 zero = 0;
	FILE *out;
	int r;

	r = policy_stats(m->maps->stats, s.stats);
	if (!r)
		r = read_enrollments(m->maps, &recs, &enr, &s.n_enrollments);
	if (r) {
		*ret = text_response("reading the pinned BPF maps failed\n");
		return MHD_HTTP_INTERNAL_SERVER_ERROR;
	}
	s.enrollments = enr;
	if (!bpf_map_lookup_elem(m->maps->daemon_state, &zero, &state))
		s.events_logged = state.events_logged;
	for (size_t i = 0; i < METRICS_EVENT_SLOTS; i++)
		m->scratch[i] = __atomic_load_n(&m->event_counts[i], __ATOMIC_RELAXED);
	s.event_counts = m->scratch;
	if (m->log) {
		struct audit_log_counters c;

		audit_log_counters(m->log, &c);
		s.daemon_dropped = c.daemon_dropped;
		s.writer_lost = c.writer_lost;
		clock_gettime(CLOCK_REALTIME, &now);
		if (c.last_seal_ns) {
			__s64 age = (__s64)now.tv_sec * 1000000000 + now.tv_nsec - (__s64)c.last_seal_ns;

			s.has_last_seal = true;
			s.last_seal_age = age > 0 ? age / 1e9 : 0;
		}
	}
	s.last_drain_age = (clock_ns(CLOCK_MONOTONIC) - __atomic_load_n(&m->last_drain_ns, __ATOMIC_RELAXED)) / 1e9;
	s.programs_expected = m->nprograms;
	s.programs_attached = programs_attached(m, &missing);
	pthread_mutex_lock(&m->policy_lock);
	s.has_policy_state = m->has_policy_state;
	s.policy_applied = m->policy_applied;
	pthread_mutex_unlock(&m->policy_lock);

	out = open_memstream(&buf, &len);
	if (!out) {
		*ret = text_response("out of memory\n");
		return MHD_HTTP_INTERNAL_SERVER_ERROR;
	}
	r = metrics_format(out, &s);
	fclose(out);
	if (r) {
		free(buf);
		*ret = text_response("out of memory\n");
		return MHD_HTTP_INTERNAL_SERVER_ERROR;
	}
	*ret = MHD_create_response_from_buffer(len, buf, MHD_RESPMEM_MUST_FREE);
	if (!*ret) {
		free(buf);
		return MHD_HTTP_INTERNAL_SERVER_ERROR;
	}
	MHD_add_response_header(*ret, "Content-Type", "text/plain; version=0.0.4; charset=utf-8");
	return MHD_HTTP_OK;
}

/* 200 with what was checked, or 503 with every reason it is not healthy. */
static unsigned int serve_healthz(struct metrics *m, struct MHD_Response **ret)
{
	struct json_object *o = json_object_new_object();
	struct json_object *reasons = json_object_new_array();
	__s64 age_ms = (clock_ns(CLOCK_MONOTONIC) - __atomic_load_n(&m->last_drain_ns, __ATOMIC_RELAXED)) / 1000000;
	const char *missing, *body;
	char why[768];
	size_t attached;
	bool ok;

	attached = programs_attached(m, &missing);
	if (attached < m->nprograms) {
		snprintf(why, sizeof(why), "%zu of %zu programs not attached (no pinned link for %s)",
			 m->nprograms - attached, m->nprograms, missing);
		json_object_array_add(reasons, json_object_new_string(why));
	}
	pthread_mutex_lock(&m->policy_lock);
	if (m->has_policy_state) {
		json_object_object_add(o, "policy_applied", json_object_new_boolean(m->policy_applied));
		if (m->policy_digest[0])
			json_object_object_add(o, "policy_digest",
					       json_object_new_string(m->policy_digest));
		/*
		 * Reported, not a 503: a failed apply leaves the policy in force
		 * as it was, and a liveness probe failing on a bad ConfigMap
		 * would restart the agent into the same error and stop the
		 * drain. nojit_policy_applied 0 is what to alert on.
		 */
		if (!m->policy_applied)
			json_object_object_add(o, "policy_error",
					       json_object_new_string(m->policy_error[0] ? m->policy_error :
								      "unknown error"));
	}
	pthread_mutex_unlock(&m->policy_lock);
	if (age_ms > m->drain_max_age_ms) {
		snprintf(why, sizeof(why), "ring buffer last drained %lld ms ago (limit %u ms)",
			 (long long)age_ms, m->drain_max_age_ms);
		json_object_array_add(reasons, json_object_new_string(why));
	}
	ok = json_object_array_length(reasons) == 0;
	json_object_object_add(o, "status", json_object_new_string(ok ? "ok" : "unhealthy"));
	json_object_object_add(o, "programs_attached", json_object_new_uint64(attached));
	json_object_object_add(o, "programs_expected", json_object_new_uint64(m->nprograms));
	json_object_object_add(o, "last_drain_ms", json_object_new_int64(age_ms));
	if (ok)
		json_object_put(reasons);
	else
		json_object_object_add(o, "reasons", reasons);
	body = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	*ret = MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_MUST_COPY);
	json_object_put(o);
	if (!*ret)
		return MHD_HTTP_INTERNAL_SERVER_ERROR;
	MHD_add_response_header(*ret, "Content-Type", "application/json");
	MHD_add_response_header(*ret, "Cache-Control", "no-store");
	return ok ? MHD_HTTP_OK : MHD_HTTP_SERVICE_UNAVAILABLE;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version,
				  const char *upload_data, size_t *upload_data_size, void **req_ctx)
{
	struct metrics *m = cls;
	struct MHD_Response *resp = NULL;
	bool is_metrics = !strcmp(url, "/metrics"), is_health = !strcmp(url, "/healthz");
	unsigned int status;
	enum MHD_Result r;

	(void)version;
	(void)upload_data;
	(void)upload_data_size;
	(void)req_ctx;
	/* Answered at once: no request body is ever read, whatever was sent. */
	if (!is_metrics && !is_health) {
		status = MHD_HTTP_NOT_FOUND;
		resp = text_response("not found: try /metrics or /healthz\n");
	} else if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD)) {
		status = MHD_HTTP_METHOD_NOT_ALLOWED;
		resp = text_response("method not allowed\n");
		if (resp)
			MHD_add_response_header(resp, "Allow", "GET, HEAD");
	} else if (is_metrics) {
		status = serve_metrics(m, &resp);
	} else {
		status = serve_healthz(m, &resp);
	}
	if (!resp)
		return MHD_NO;	/* out of memory: close the connection */
	r = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return r;
}

int metrics_start(const struct metrics_config *cfg, struct metrics **ret, struct nojit_err *err)
{
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL;
	_cleanup_free_ struct metrics *m = calloc(1, sizeof(*m));
	__u8 digest[32];
	struct timespec now;
	sigset_t all, old;
	int r;

	if (!m)
		return nojit_err_set(err, -ENOMEM, "out of memory");
	m->maps = cfg->maps;
	m->log = cfg->log;
	m->drain_max_age_ms = cfg->drain_max_age_ms;
	snprintf(m->version, sizeof(m->version), "%s", NOJIT_VERSION);
	policy_object_sha256(digest);
	hex_encode(digest, sizeof(digest), m->bpf_sha256);
	clock_gettime(CLOCK_REALTIME, &now);
	m->start_time = now.tv_sec + now.tv_nsec / 1e9;
	m->last_drain_ns = clock_ns(CLOCK_MONOTONIC);
	pthread_mutex_init(&m->policy_lock, NULL);
	r = policy_program_names(&m->programs, &m->nprograms);
	if (r)
		return nojit_err_set(err, r, "opening the embedded BPF object: %s", strerror(-r));
	m->event_counts = calloc(METRICS_EVENT_SLOTS, sizeof(__u64));
	m->scratch = calloc(METRICS_EVENT_SLOTS, sizeof(__u64));
	if (!m->event_counts || !m->scratch) {
		r = nojit_err_set(err, -ENOMEM, "out of memory");
		goto fail;
	}
	if (cfg->addr.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	/*
	 * The server thread inherits the signal mask: with every signal
	 * blocked there, SIGTERM and SIGINT reach the daemon's signalfd.
	 */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	m->httpd = MHD_start_daemon(flags, 0, NULL, NULL, on_request, m,
				    MHD_OPTION_SOCK_ADDR, (const struct sockaddr *)&cfg->addr,
				    MHD_OPTION_CONNECTION_LIMIT, (unsigned int)MAX_CONNECTIONS,
				    MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned int)MAX_PER_IP,
				    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)CONNECTION_TIMEOUT_S,
				    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONNECTION_MEMORY,
				    MHD_OPTION_END);
	r = errno;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!m->httpd) {
		r = nojit_err_set(err, r ? -r : -EADDRNOTAVAIL,
				  "cannot listen there: %s", strerror(r ? r : EADDRNOTAVAIL));
		goto fail;
	}
	*ret = TAKE_PTR(m);
	return 0;
fail:
	free(m->programs);
	free(m->event_counts);
	free(m->scratch);
	pthread_mutex_destroy(&m->policy_lock);
	return r;
}

void metrics_stop(struct metrics *m)
{
	if (!m)
		return;
	MHD_stop_daemon(m->httpd);
	free(m->programs);
	free(m->event_counts);
	free(m->scratch);
	pthread_mutex_destroy(&m->policy_lock);
	free(m);
}
