// SPDX-License-Identifier: GPL-2.0
/*
 * The metrics endpoint: the exposition format (escaping, one HELP/TYPE
 * per family, no duplicate series, promtool's verdict), the listen
 * address parser, and the server itself on the host (routes, methods,
 * slow and malformed clients).
 */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "metrics.h"

static char *label(const char *v)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	metrics_write_label_value(f, v);
	fclose(f);
	return buf;
}

Test(metrics, label_values_are_escaped)
{
	char *s = label("/a\\b\"c\nd");

	cr_assert_str_eq(s, "/a\\\\b\\\"c\\nd");
	free(s);
	/* Valid UTF-8 stays; what is not text becomes U+FFFD. */
	s = label("caf\xc3\xa9/\xff\x01x\xc3");
	cr_assert_str_eq(s, "caf\xc3\xa9/\xef\xbf\xbd\xef\xbf\xbdx\xef\xbf\xbd");
	free(s);
	s = label(NULL);
	cr_assert_str_eq(s, "");
	free(s);
}

/* A snapshot with something in every family, and hostile cgroup paths. */
static char *format_sample(void)
{
	static const struct metrics_enrollment enr[] = {
		{ .cgroup_id = 11, .path = "/ev\"il\\pa\nth", .policy = "p.json",
		  .manifest = "agent", .mode = "enforce", .has_manifest = true, .serial = 7,
		  .expires = 1900000000 },
		/* The same path again (removed and re-created): still distinct series. */
		{ .cgroup_id = 12, .path = "/ev\"il\\pa\nth", .policy = "", .manifest = "",
		  .mode = "audit" },
	};
	static __u64 counts[METRICS_EVENT_SLOTS];
	struct metrics_snapshot s = {
		.version = "0.1", .bpf_object_sha256 = "ab12", .start_time = 1700000000.5,
		.has_log = true, .daemon_dropped = 2, .writer_lost = 1,
		.has_last_seal = true, .last_seal_age = 3.25, .last_drain_age = 0.1,
		.programs_expected = 30, .programs_attached = 30,
		.enrollments = enr, .n_enrollments = 2,
		.has_policy_state = true, .policy_applied = true, .events_logged = 5,
	};
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	for (unsigned int i = 0; i < NOJIT_STAT_MAX; i++)
		s.stats[i] = i;
	counts[METRICS_EVENT_SLOT(NOJIT_ROUTE_ANON_EXEC, NOJIT_HOOK_MMAP_FILE, NOJIT_ACTION_DENIED)] = 3;
	counts[METRICS_EVENT_SLOT(NOJIT_ROUTE_MPROTECT, NOJIT_HOOK_FILE_MPROTECT, NOJIT_ACTION_AUDITED)] = 1;
	counts[METRICS_EVENT_SLOT(0, METRICS_HOOK_MAX - 1, 0)] = 1;	/* unknown everything */
	s.event_counts = counts;
	f = open_memstream(&buf, &len);
	cr_assert_eq(metrics_format(f, &s), 0);
	fclose(f);
	return buf;
}

Test(metrics, one_help_and_type_per_family_and_no_duplicate_series)
{
	char *out = format_sample(), *save = NULL;
	char *lines[2048];
	size_t n = 0;

	for (char *l = strtok_r(out, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		cr_assert_lt(n, ARRAY_SIZE(lines));
		lines[n++] = l;
	}
	cr_assert_gt(n, 40);
	for (size_t i = 0; i < n; i++) {
		char key[512], fam[128];

		if (!strncmp(lines[i], "# HELP ", 7) || !strncmp(lines[i], "# TYPE ", 7)) {
			/* "# HELP name ..." at most once per name and kind. */
			sscanf(lines[i], "# %*s %127s", fam);
			cr_assert(!strncmp(fam, "nojit_", 6), "%s", lines[i]);
			for (size_t j = i + 1; j < n; j++) {
				char other[128];

				if (strncmp(lines[j], lines[i], 7))
					continue;
				sscanf(lines[j], "# %*s %127s", other);
				cr_assert_str_neq(fam, other, "family %s declared twice", fam);
			}
			continue;
		}
		/* A sample: its series (everything before the value) is unique. */
		cr_assert(!strncmp(lines[i], "nojit_", 6), "%s", lines[i]);
		snprintf(key, sizeof(key), "%.*s", (int)(strrchr(lines[i], ' ') - lines[i]),
			 lines[i]);
		for (size_t j = i + 1; j < n; j++)
			cr_assert(strncmp(lines[j], key, strlen(key)) || lines[j][strlen(key)] != ' ',
				  "duplicate series %s", key);
		/* Counters end in _total; a TYPE precedes every sample. */
		sscanf(lines[i], "%127[^{ ]", fam);
		{
			char type[160];
			bool found = false;

			snprintf(type, sizeof(type), "# TYPE %s ", fam);
			for (size_t j = 0; j < i && !found; j++)
				found = !strncmp(lines[j], type, strlen(type));
			cr_assert(found, "no TYPE before %s", lines[i]);
		}
	}
	free(out);
}

Test(metrics, expected_series)
{
	char *out = format_sample();

	cr_assert_not_null(strstr(out, "nojit_denials_total{route=\"anonymous executable memory\"} 33\n"));
	cr_assert_not_null(strstr(out, "nojit_violation_events_total{route=\"anonymous executable memory\",hook=\"mmap_file\",action=\"denied\"} 3\n"));
	cr_assert_not_null(strstr(out, "nojit_violation_events_total{route=\"unknown\",hook=\"unknown\",action=\"unknown\"} 1\n"));
	cr_assert_not_null(strstr(out, "nojit_events_dropped_total{reason=\"ring_buffer_full\"} 57\n"));
	cr_assert_not_null(strstr(out, "nojit_events_dropped_total{reason=\"evicted\"} 58\n"));
	cr_assert_not_null(strstr(out, "nojit_events_dropped_total{reason=\"exit\"} 59\n"));
	cr_assert_not_null(strstr(out, "nojit_attempts_dropped_total 17\n"));
	cr_assert_not_null(strstr(out, "nojit_attempts_emitted_total 56\n"));
	cr_assert_not_null(strstr(out, "nojit_events_dropped_total{reason=\"daemon\"} 2\n"));
	cr_assert_not_null(strstr(out, "nojit_fail_closed_total{reason=\"stacked_fs\"} 27\n"));
	cr_assert_not_null(strstr(out, "nojit_manifest_serial{cgroup=\"/ev\\\"il\\\\pa\\nth\",cgroup_id=\"11\",policy=\"p.json\",manifest=\"agent\"} 7\n"));
	cr_assert_not_null(strstr(out, "nojit_manifest_expiry_timestamp_seconds{cgroup=\"/ev\\\"il\\\\pa\\nth\",cgroup_id=\"11\",policy=\"p.json\",manifest=\"agent\"} 1900000000\n"));
	cr_assert_not_null(strstr(out, "nojit_build_info{version=\"0.1\",bpf_object_sha256=\"ab12\"} 1\n"));
	cr_assert_not_null(strstr(out, "nojit_enrolled_cgroups 2\n"));
	/* The enrollment without a manifest has no serial. */
	cr_assert_null(strstr(out, "cgroup_id=\"12\",policy=\"\",manifest=\"\"} 0\n"));
	free(out);
}

Test(metrics, promtool_accepts_the_output)
{
	char path[] = "/tmp/nojit-metrics-XXXXXX", cmd[256];
	char *out;
	int fd, st;

	if (access("/usr/bin/promtool", X_OK))
		cr_skip_test("promtool not installed");
	out = format_sample();
	fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, out, strlen(out)), (ssize_t)strlen(out));
	close(fd);
	free(out);
	/* promtool's lint also wants no problems: its exit status says so. */
	snprintf(cmd, sizeof(cmd), "/usr/bin/promtool check metrics < %s >/dev/null 2>%s.err", path,
		 path);
	st = system(cmd);
	if (st) {
		snprintf(cmd, sizeof(cmd), "cat %s.err >&2", path);
		(void)system(cmd);
	}
	snprintf(cmd, sizeof(cmd), "%s.err", path);
	unlink(cmd);
	unlink(path);
	cr_assert_eq(st, 0, "promtool check metrics failed");
}

Test(metrics, listen_addresses)
{
	struct metrics_config c;
	struct nojit_err err;
	struct sockaddr_in *a4 = (struct sockaddr_in *)&c.addr;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&c.addr;
	char buf[64];

	cr_assert_eq(metrics_parse_listen("9100", &c, &err), 0);
	cr_assert_eq(a4->sin_family, AF_INET);
	cr_assert_eq(ntohs(a4->sin_port), 9100);
	cr_assert_str_eq(inet_ntop(AF_INET, &a4->sin_addr, buf, sizeof(buf)), "127.0.0.1");
	cr_assert_eq(metrics_parse_listen("0.0.0.0:80", &c, &err), 0);
	cr_assert_str_eq(inet_ntop(AF_INET, &a4->sin_addr, buf, sizeof(buf)), "0.0.0.0");
	cr_assert_eq(metrics_parse_listen("[::1]:9100", &c, &err), 0);
	cr_assert_eq(a6->sin6_family, AF_INET6);
	cr_assert_eq(ntohs(a6->sin6_port), 9100);
	cr_assert_eq(c.addr_len, sizeof(*a6));
	cr_assert_eq(metrics_parse_listen("::1:9100", &c, &err), -EINVAL);
	cr_assert_not_null(strstr(err.msg, "brackets"));
	cr_assert_eq(metrics_parse_listen("localhost:9100", &c, &err), -EINVAL);
	cr_assert_eq(metrics_parse_listen("70000", &c, &err), -EINVAL);
	cr_assert_eq(metrics_parse_listen("127.0.0.1:", &c, &err), -EINVAL);
	cr_assert_eq(metrics_parse_listen("[::1]9100", &c, &err), -EINVAL);
	cr_assert_eq(metrics_parse_listen("0", &c, &err), -EINVAL);
}

/* ---- the server, on the host (no BPF: the maps are absent) ------------------ */

static int free_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;

	cr_assert_geq(fd, 0);
	cr_assert_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	cr_assert_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	port = ntohs(a.sin_port);
	close(fd);
	return port;
}

static int connect_to(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	cr_assert_geq(fd, 0);
	cr_assert_eq(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	return fd;
}

/* Send REQ, return the status code of the answer (0: closed without one). */
static int request(int port, const char *req, char *body, size_t size)
{
	char buf[8192];
	size_t got = 0;
	int fd = connect_to(port), code = 0;
	ssize_t n;

	cr_assert_eq(write(fd, req, strlen(req)), (ssize_t)strlen(req));
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };

		cr_assert_eq(poll(&p, 1, 5000), 1, "no answer within 5 s");
		n = read(fd, buf + got, sizeof(buf) - 1 - got);
		if (n <= 0)
			break;
		got += n;
	}
	buf[got] = '\0';
	close(fd);
	sscanf(buf, "HTTP/1.%*d %d", &code);
	if (body) {
		char *b = strstr(buf, "\r\n\r\n");

		snprintf(body, size, "%s", b ? b + 4 : "");
	}
	return code;
}

Test(metrics, server_routes_methods_and_bad_clients)
{
	struct nojit_maps maps = NOJIT_MAPS_INIT;
	struct metrics_config c = {};
	struct metrics *m;
	struct nojit_err err;
	char spec[32], body[4096], *huge;
	int port = free_port(), slow, junk;

	snprintf(spec, sizeof(spec), "127.0.0.1:%d", port);
	cr_assert_eq(metrics_parse_listen(spec, &c, &err), 0);
	c.maps = &maps;
	c.drain_max_age_ms = 60000;
	cr_assert_eq(metrics_start(&c, &m, &err), 0, "%s", err.msg);

	/* A slow client holds a half-sent request; a junk one sends garbage. */
	slow = connect_to(port);
	cr_assert_eq(write(slow, "GET /metr", 9), 9);
	junk = connect_to(port);
	cr_assert_eq(write(junk, "\x00\xff\r\n\r\n\x16\x03\x01garbage", 15), 15);

	/* Meanwhile everyone else is answered. No pinned links on the host: 503. */
	cr_assert_eq(request(port, "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
			     body, sizeof(body)), 503);
	cr_assert_not_null(strstr(body, "\"status\":\"unhealthy\""), "%s", body);
	cr_assert_not_null(strstr(body, "programs not attached"), "%s", body);
	cr_assert_eq(request(port, "GET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
			     NULL, 0), 404);
	cr_assert_eq(request(port, "POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc",
			     NULL, 0), 405);
	cr_assert_eq(request(port, "DELETE /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
			     NULL, 0), 405);
	/* The maps cannot be read here: a 500, not a crash or a partial page. */
	cr_assert_eq(request(port, "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
			     NULL, 0), 500);
	/* A header larger than a connection may hold: refused, server unharmed. */
	huge = malloc(100000);
	memset(huge, 'a', 99999);
	huge[99999] = '\0';
	{
		char *req;
		int code;

		cr_assert_gt(asprintf(&req, "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: %s\r\n\r\n", huge), 0);
		code = request(port, req, NULL, 0);
		cr_assert(code == 0 || code >= 400, "huge header answered %d", code);
		free(req);
	}
	free(huge);

	/* A failed apply is reported, not a reason (the policy in force stays). */
	metrics_set_policy_state(m, false, NULL, "policy.d/a.json: manifest does not verify");
	cr_assert_eq(request(port, "GET /healthz HTTP/1.0\r\n\r\n", body, sizeof(body)), 503);
	cr_assert_not_null(strstr(body, "\"policy_error\":\"policy.d/a.json: manifest does not verify\""),
			   "%s", body);
	cr_assert_null(strstr(body, "policy.d/a.json: manifest does not verify\",\"reasons"), "%s", body);
	cr_assert_null(strstr(body, "\"reasons\":[\"policy"), "%s", body);
	close(slow);
	close(junk);
	metrics_stop(m);
}
