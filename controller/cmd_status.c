// SPDX-License-Identifier: GPL-2.0
/* nojit status: can this kernel enforce, what is loaded, who is governed. */
#include <string.h>
#include <time.h>

#include "bpf_loader.h"
#include "cli.h"
#include "cmd.h"
#include "enroll.h"
#include "lsm_probe.h"
#include "manifest.h"
#include "rollback.h"

static const char status_usage[] =
	"Usage: nojit [--json] status\n"
	"\n"
	"Show whether BPF LSM is usable here (or why not), the attached\n"
	"programs with their ids and tags, the enrolled cgroups, and the\n"
	"kernel's counters (denials per route, events emitted and dropped).\n";

struct status {
	int lsm_ret;
	struct nojit_err lsm_err;
	bool loaded;
	struct nojit_err not_loaded;	/* why not, when !loaded */
	int rollback_ret;
	struct nojit_err rollback_err;
	struct rollback_state rollback;
	bool bpf_stats;		/* kernel.bpf_stats_enabled: run counts are live */
	struct enroll_view v;
};

_Static_assert(NOJIT_STAT_ROUTE(NOJIT_ROUTE_MAX) <= NOJIT_STAT_MAX,
	       "route counters do not fit in the stats map");

static bool bpf_stats_enabled(void)
{
	char v[8];

	return read_small_file("/proc/sys/kernel/bpf_stats_enabled", v, sizeof(v)) > 0 &&
	       v[0] != '0';
}

/* Seconds left of an exception, by the kernel's clock; 0 once expired. */
static long long exception_left_s(const struct nojit_exception *x)
{
	struct timespec now;
	__u64 ns;

	clock_gettime(CLOCK_BOOTTIME, &now);
	ns = (__u64)now.tv_sec * 1000000000ull + (__u64)now.tv_nsec;
	return x->expires_boot_ns > ns ? (long long)((x->expires_boot_ns - ns) / 1000000000ull) : 0;
}

static struct json_object *exceptions_json(const struct status *s, __u64 enrolled_id)
{
	struct json_object *a = json_object_new_array();

	for (size_t i = 0; i < s->v.nexceptions; i++) {
		const struct policy_exception *x = &s->v.exceptions[i];
		struct json_object *o, *paths;
		char hex[65];

		if (x->enrolled_id != enrolled_id)
			continue;
		o = json_object_new_object();
		paths = json_object_new_array();
		hex_encode(x->sha256, 32, hex);
		json_object_object_add(o, "id", json_object_new_string(x->v.id));
		json_object_object_add(o, "sha256", json_object_new_string(hex));
		json_object_object_add(o, "anon_exec", json_object_new_boolean(x->v.allow & NOJIT_EXC_ANON_EXEC));
		json_object_object_add(o, "wx_flip", json_object_new_boolean(x->v.allow & NOJIT_EXC_WX_FLIP));
		json_object_object_add(o, "seconds_left", json_object_new_int64(exception_left_s(&x->v)));
		json_object_object_add(o, "marks", json_object_new_uint64(x->v.marks));
		json_object_object_add(o, "uses", json_object_new_uint64(x->v.uses));
		for (__u32 j = 0; j < x->v.n_paths && j < NOJIT_EXC_MAX_PATHS; j++) {
			char path[NOJIT_EXC_PATH_MAX];

			snprintf(path, sizeof(path), "%.*s", NOJIT_EXC_PATH_MAX - 1, x->v.write_paths[j]);
			json_object_array_add(paths, json_object_new_string(path));
		}
		json_object_object_add(o, "write_paths", paths);
		json_object_array_add(a, o);
	}
	return a;
}

static void exceptions_text(const struct status *s, __u64 enrolled_id)
{
	for (size_t i = 0; i < s->v.nexceptions; i++) {
		const struct policy_exception *x = &s->v.exceptions[i];
		long long left = exception_left_s(&x->v);
		char hex[65];

		if (x->enrolled_id != enrolled_id)
			continue;
		hex_encode(x->sha256, 32, hex);
		printf("             JIT exception \"%s\" for %.16s…: %s%s%s, %llu task%s marked, %llu use%s",
		       x->v.id, hex, x->v.allow & NOJIT_EXC_ANON_EXEC ? "anon-exec" : "",
		       x->v.allow == (NOJIT_EXC_ANON_EXEC | NOJIT_EXC_WX_FLIP) ? "," : "",
		       x->v.allow & NOJIT_EXC_WX_FLIP ? "wx-flip" : "",
		       (unsigned long long)x->v.marks, x->v.marks == 1 ? "" : "s",
		       (unsigned long long)x->v.uses, x->v.uses == 1 ? "" : "s");
		if (left)
			printf(", %lldh%02lldm left\n", left / 3600, left / 60 % 60);
		else
			printf(" [EXPIRED]\n");
	}
}

static struct json_object *status_json(const struct status *s)
{
	struct json_object *o = json_object_new_object();
	struct json_object *lsm = json_object_new_object();
	struct json_object *progs = json_object_new_array();
	struct json_object *cgs = json_object_new_array();
	struct json_object *cnt = json_object_new_object();
	struct json_object *denials = json_object_new_object();

	json_object_object_add(lsm, "usable", json_object_new_boolean(s->lsm_ret == 0));
	if (s->lsm_ret)
		json_object_object_add(lsm, "reason", json_object_new_string(s->lsm_err.msg));
	json_object_object_add(lsm, "lsm_list", json_object_new_string(bpf_lsm_list()));
	json_object_object_add(o, "bpf_lsm", lsm);
	json_object_object_add(o, "loaded", json_object_new_boolean(s->loaded));
	if (!s->loaded)
		json_object_object_add(o, "not_loaded_reason", json_object_new_string(s->not_loaded.msg));
	{
		struct json_object *rb = json_object_new_object();

		json_object_object_add(rb, "state_dir", json_object_new_string(rollback_state_dir()));
		json_object_object_add(rb, "intact", json_object_new_boolean(s->rollback_ret == 0));
		if (s->rollback_ret)
			json_object_object_add(rb, "error", json_object_new_string(s->rollback_err.msg));
		json_object_object_add(rb, "manifests", json_object_new_uint64(s->rollback.n));
		json_object_object_add(rb, "resets", json_object_new_uint64(s->rollback.n_resets));
		json_object_object_add(rb, "generation", json_object_new_uint64(s->rollback.generation));
		json_object_object_add(o, "rollback_state", rb);
	}
	for (size_t i = 0; i < s->v.nprogs; i++) {
		struct json_object *p = json_object_new_object();

		json_object_object_add(p, "name", json_object_new_string(s->v.progs[i].name));
		json_object_object_add(p, "id", json_object_new_uint64(s->v.progs[i].prog_id));
		json_object_object_add(p, "tag", json_object_new_string(s->v.progs[i].tag));
		json_object_object_add(p, "link_id", json_object_new_uint64(s->v.progs[i].link_id));
		json_object_object_add(p, "run_cnt", json_object_new_uint64(s->v.progs[i].run_cnt));
		json_object_object_add(p, "run_time_ns", json_object_new_uint64(s->v.progs[i].run_time_ns));
		json_object_array_add(progs, p);
	}
	json_object_object_add(o, "programs", progs);
	for (size_t i = 0; i < s->v.ncgroups; i++) {
		const struct nojit_enrolled *e = &s->v.cgroups[i];
		struct json_object *c = json_object_new_object();

		json_object_object_add(c, "id", json_object_new_uint64(e->id));
		json_object_object_add(c, "path", json_object_new_string(e->rec.path));
		json_object_object_add(c, "exists", json_object_new_boolean(e->exists != 0));
		json_object_object_add(c, "governed_cgroups", json_object_new_uint64(e->governed));
		json_object_object_add(c, "enrolled_at_ns", json_object_new_uint64(e->rec.enrolled_at_ns));
		json_object_object_add(c, "origin", json_object_new_string(enroll_origin_name(e->rec.origin)));
		if (e->rec.policy[0])
			json_object_object_add(c, "policy", json_object_new_string(e->rec.policy));
		if (e->rec.container_id[0])
			json_object_object_add(c, "container_id",
					       json_object_new_string(e->rec.container_id));
		json_object_object_add(c, "mode",
				       json_object_new_string(manifest_mode_name(s->v.responses[i].mode)));
		json_object_object_add(c, "on_violation",
				       json_object_new_string(on_violation_name(s->v.responses[i].on_violation)));
		if (e->rec.key_id[0]) {
			struct json_object *mo = json_object_new_object();
			char expires[32];

			manifest_time_format(e->rec.expires, expires);
			json_object_object_add(mo, "name", json_object_new_string(e->rec.manifest_name));
			json_object_object_add(mo, "serial", json_object_new_uint64(e->rec.serial));
			json_object_object_add(mo, "key_id", json_object_new_string(e->rec.key_id));
			json_object_object_add(mo, "expires", json_object_new_string(expires));
			json_object_object_add(mo, "entries", json_object_new_uint64(s->v.allow_counts[i]));
			json_object_object_add(mo, "exceptions", exceptions_json(s, e->id));
			json_object_object_add(c, "manifest", mo);
		}
		json_object_array_add(cgs, c);
	}
	json_object_object_add(o, "enrolled", cgs);
	for (unsigned int r = 1; r < NOJIT_ROUTE_MAX; r++) {
		char key[8];

		snprintf(key, sizeof(key), "%u", r);
		json_object_object_add(denials, key,
				       json_object_new_uint64(s->v.stats[NOJIT_STAT_ROUTE(r)]));
	}
	json_object_object_add(cnt, "denials_by_route", denials);
	for (size_t i = 0; i < policy_stat_names_n; i++)
		json_object_object_add(cnt, policy_stat_names[i].key,
				       json_object_new_uint64(s->v.stats[policy_stat_names[i].idx]));
	json_object_object_add(o, "counters", cnt);
	return o;
}

static void status_rollback_text(const struct status *s)
{
	if (s->rollback_ret)
		printf("Rollback:  %s\n", s->rollback_err.msg);
	else
		printf("Rollback:  %zu manifest serial%s remembered in %s, %zu reset%s\n", s->rollback.n,
		       s->rollback.n == 1 ? "" : "s", rollback_state_dir(), s->rollback.n_resets,
		       s->rollback.n_resets == 1 ? "" : "s");
}

static void status_text(const struct status *s)
{
	if (s->lsm_ret)
		printf("BPF LSM:   not usable: %s\n", s->lsm_err.msg);
	else
		printf("BPF LSM:   usable (lsm=%s)\n", bpf_lsm_list());
	if (!s->loaded) {
		printf("Policy:    not loaded: %s\n", s->not_loaded.msg);
		status_rollback_text(s);
		return;
	}
	printf("Policy:    loaded, %zu programs pinned under %s\n", s->v.nprogs, NOJIT_PIN_DIR);
	status_rollback_text(s);
	if (s->bpf_stats)
		printf("\n%-7s %-17s %-28s %12s %10s\n", "PROG", "TAG", "NAME", "RUNS", "NS/RUN");
	else
		printf("\n%-7s %-17s %s\n", "PROG", "TAG", "NAME");
	for (size_t i = 0; i < s->v.nprogs; i++) {
		const struct nojit_prog_info *p = &s->v.progs[i];

		if (s->bpf_stats)
			printf("%-7u %-17s %-28s %12llu %10llu\n", p->prog_id, p->tag, p->name,
			       (unsigned long long)p->run_cnt,
			       p->run_cnt ? (unsigned long long)(p->run_time_ns / p->run_cnt) : 0ull);
		else
			printf("%-7u %-17s %s\n", p->prog_id, p->tag, p->name);
	}
	if (!s->bpf_stats)
		printf("(run counts and cost per run: sysctl kernel.bpf_stats_enabled=1)\n");
	printf("\nEnrolled cgroups: %zu\n", s->v.ncgroups);
	for (size_t i = 0; i < s->v.ncgroups; i++) {
		const struct nojit_enrolled *e = &s->v.cgroups[i];
		time_t t = e->rec.enrolled_at_ns / 1000000000ull;
		char when[32];

		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
		printf("  %-10llu %s  (%u cgroups governed, since %s)%s\n",
		       (unsigned long long)e->id, e->rec.path, e->governed, when,
		       e->exists == 0 ? " [removed]" : "");
		printf("             mode %s, on violation %s; %s%s%s%s%s\n",
		       manifest_mode_name(s->v.responses[i].mode),
		       on_violation_name(s->v.responses[i].on_violation), enroll_origin_name(e->rec.origin),
		       e->rec.policy[0] ? " by policy " : "", e->rec.policy,
		       e->rec.container_id[0] ? ", container " : "", e->rec.container_id);
		if (e->rec.key_id[0]) {
			char expires[32];

			manifest_time_format(e->rec.expires, expires);
			printf("             manifest \"%s\" serial %llu, %zu entries, key %s, expires %s%s\n",
			       e->rec.manifest_name, (unsigned long long)e->rec.serial,
			       s->v.allow_counts[i], e->rec.key_id, expires,
			       e->rec.expires < time(NULL) ? " [EXPIRED]" : "");
			exceptions_text(s, e->id);
		} else {
			printf("             no manifest: exec not hash-gated\n");
		}
	}
	printf("\nDenials by route:\n");
	for (unsigned int r = 1; r < NOJIT_ROUTE_MAX; r++)
		if (s->v.stats[NOJIT_STAT_ROUTE(r)])
			printf("  %2u %-32s %llu\n", r, route_name(r),
			       (unsigned long long)s->v.stats[NOJIT_STAT_ROUTE(r)]);
	printf("Events:    %llu emitted, %llu dropped; kills %llu; audited %llu; untracked cgroups %llu\n",
	       (unsigned long long)s->v.stats[NOJIT_STAT_EVENTS_EMITTED],
	       (unsigned long long)s->v.stats[NOJIT_STAT_EVENTS_DROPPED],
	       (unsigned long long)s->v.stats[NOJIT_STAT_KILLS],
	       (unsigned long long)s->v.stats[NOJIT_STAT_AUDITED],
	       (unsigned long long)s->v.stats[NOJIT_STAT_CGROUP_TRACK_FAILED]);
	printf("Hashes:    %llu computed, %llu cache hits, %llu unavailable (refused)\n",
	       (unsigned long long)s->v.stats[NOJIT_STAT_HASHES_COMPUTED],
	       (unsigned long long)s->v.stats[NOJIT_STAT_HASH_CACHE_HITS],
	       (unsigned long long)s->v.stats[NOJIT_STAT_HASH_FAILED]);
	printf("Exceptions: %llu tasks marked, %llu uses (%llu unreported), %llu confinement refusals\n",
	       (unsigned long long)s->v.stats[NOJIT_STAT_EXC_MARKS],
	       (unsigned long long)s->v.stats[NOJIT_STAT_EXC_USES],
	       (unsigned long long)s->v.stats[NOJIT_STAT_EXC_USES_LOST],
	       (unsigned long long)s->v.stats[NOJIT_STAT_EXC_CONFINED]);
	printf("Fail-closed refusals: %llu no storage, %llu vma lookup, %llu kernel read, %llu stacked fs\n",
	       (unsigned long long)s->v.stats[NOJIT_STAT_FAIL_NO_STORAGE],
	       (unsigned long long)s->v.stats[NOJIT_STAT_FAIL_VMA_LOOKUP],
	       (unsigned long long)s->v.stats[NOJIT_STAT_FAIL_KERNEL_READ],
	       (unsigned long long)s->v.stats[NOJIT_STAT_FAIL_STACKED_FS]);
}

int do_status(int argc, char **argv)
{
	struct nojit_maps maps = NOJIT_MAPS_INIT;
	struct status s = {};
	int ret = EXIT_OK;

	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf("%s", status_usage);
		return EXIT_OK;
	}
	if (argc > 1 && !strcmp(argv[1], "--json")) {
		arg_json = true;
		argc--;
	}
	if (argc > 1)
		return cli_usage_error(status_usage, "unexpected argument '%s'", argv[1]);
	ret = cli_require_root();
	if (ret)
		return ret;
	/* Answers on any host: without bpffs nothing can be loaded, and that is the answer. */
	s.loaded = !bpffs_check(&s.not_loaded) && policy_open_pinned(&maps, &s.not_loaded) == 0;
	s.bpf_stats = bpf_stats_enabled();
	s.rollback_ret = rollback_read(&s.rollback, &s.rollback_err);
	/* Attached programs prove BPF LSM works; only probe when nothing is. */
	s.lsm_ret = s.loaded ? 0 : bpf_lsm_probe(&s.lsm_err);
	if (s.loaded) {
		struct nojit_err err;
		unsigned int removed;

		enroll_gc(&maps, &removed);
		if (enroll_view_read(&maps, &s.v, &err)) {
			cli_error("reading the pinned policy: %s", err.msg);
			ret = EXIT_FAILED;
			goto out;
		}
	}
	if (arg_json)
		cli_json_print(status_json(&s));
	else
		status_text(&s);
out:
	enroll_view_free(&s.v);
	rollback_state_free(&s.rollback);
	nojit_maps_close(&maps);
	return ret;
}
