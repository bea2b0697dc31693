// SPDX-License-Identifier: GPL-2.0
/*
 * nojit daemon: drain the kernel's violation ring buffer into the signed,
 * hash-chained audit log, and carry out the responses the kernel leaves
 * to user space (cgroup.kill, cgroup.freeze, an incident-response command).
 */
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <sodium.h>

#include "audit_log.h"
#include "audit_ocsf.h"
#include "bpf_loader.h"
#include "cgroup_names.h"
#include "exception_sweep.h"
#include "cli.h"
#include "cmd.h"
#include "daemon_policy.h"
#include "keys.h"
#include "metrics.h"
#include "notify.h"
#include "responses.h"
#include "scan_audit.h"
#include "sha256.h"

#define DEFAULT_LOG AUDIT_LOG_DEFAULT_PATH
#define DEFAULT_KEY "/etc/nojit/audit.key"
#define POLL_MS 100
/* Offenders' executables: hashing time per second, and the largest hashed. */
#define EXE_HASH_BUDGET_NS (100 * 1000000LL)
#define EXE_HASH_MAX_BYTES (256ull << 20)
/* /healthz: drained this recently (a --scan-every scan holds the loop up). */
#define HEALTH_DRAIN_MAX_MS 5000

static const char daemon_usage[] =
	"Usage: nojit daemon [--log FILE] [--key KEY] [--stdout] [--syslog]\n"
	"                    [--syslog-socket PATH] [--format audit|ocsf]\n"
	"                    [--seal-every N] [--seal-every-ms MS]\n"
	"                    [--exec-on-violation CMD [--exec-timeout MS] [--exec-max N]]\n"
	"                    [--scan-every SECONDS] [--policy-dir DIR [--reapply-every S]]\n"
	"                    [--listen [ADDR:]PORT]\n"
	"\n"
	"Drain nojit's violation events into a JSON Lines audit log in which every\n"
	"record carries a sequence number and the hash of the one before, sealed\n"
	"with Ed25519 every N records or MS milliseconds and at shutdown (SIGTERM,\n"
	"SIGINT). Events the kernel could not queue are written as drops records.\n"
	"Carries out --on-violation kill-cgroup and freeze. Verify the log with\n"
	"'nojit audit verify'. Format: docs/audit-log.md.\n"
	"\n"
	"  -l, --log FILE             audit log (default " DEFAULT_LOG ")\n"
	"  -k, --key KEY              Ed25519 key from 'nojit keygen' that seals it\n"
	"                             (default " DEFAULT_KEY ")\n"
	"      --stdout               also write every record to stdout (log shippers)\n"
	"      --syslog               also send every record to syslog (RFC 5424, /dev/log)\n"
	"      --syslog-socket PATH   ... to the datagram socket PATH, not /dev/log\n"
	"      --format audit|ocsf    what --stdout and --syslog send: the record as the\n"
	"                             log holds it (default), or as an OCSF " AUDIT_OCSF_VERSION " event\n"
	"                             (docs/siem.md)\n"
	"      --seal-every N         seal after N records (default 1000)\n"
	"      --seal-every-ms MS     ... or after MS ms (default 10000)\n"
	"      --exec-on-violation CMD  run CMD (sh -c) with the event record on stdin\n"
	"      --exec-timeout MS      kill CMD after MS ms (default 10000)\n"
	"      --exec-max N           at most N commands at once; more are skipped\n"
	"                             and recorded (default 4)\n"
	"      --scan-every SECONDS   also scan every governed task's executable memory\n"
	"                             this often (as 'nojit scan'); new findings become\n"
	"                             \"scan\" records, answered with the enrollment's\n"
	"                             --on-violation response (docs/scan.md)\n"
	"      --policy-dir DIR       apply the policy files in DIR (as 'nojit apply') at\n"
	"                             start, loading the kernel policy; refuse to start\n"
	"                             if they have problems; apply again when DIR changes\n"
	"                             (ConfigMap updates too) and every --reapply-every\n"
	"                             seconds (default 60; 0: only on change); every apply\n"
	"                             and failure is a \"policy\" record (docs/policy.md)\n"
	"      --listen [ADDR:]PORT   serve /metrics (Prometheus) and /healthz over HTTP\n"
	"                             on ADDR (default 127.0.0.1; IPv6 as [::1]:PORT);\n"
	"                             no authentication: expose only to the scraper\n"
	"                             (docs/metrics.md)\n"
	"  -h, --help                 show this help\n";

struct daemon {
	struct audit_log *log;
	struct cgroup_names *names;
	struct exec_runner *runner;
	struct scan_audit *scan;
	struct daemon_policy *policy;	/* --policy-dir, or NULL */
	struct metrics *metrics;	/* NULL without --listen */
	__s64 scan_every_ns, next_scan_ns;	/* CLOCK_MONOTONIC */
	__s64 next_sweep_ns;			/* CLOCK_MONOTONIC: exception_sweep() */
	bool exc_known;				/* exc_digest describes a state the log has */
	__u8 exc_digest[32];			/* of the JIT exceptions in force (exception_state()) */
	struct nojit_maps maps;
	struct nojit_daemon_state *state;	/* mmap of the pinned nojit_daemon_state */
	__s64 boot_to_real_ns;
	int syslog_fd;
	bool to_stdout;
	bool ocsf;		/* --format ocsf */
	char hostname[256];
	/* Records of the batch being drained, added to *state once they are in the file. */
	__u64 batch_events, batch_attempts;
	__s64 last_record_ns;	/* CLOCK_MONOTONIC: the last drained batch with records */
	/* Last executable hashed, to hash each program once. */
	__u64 batch_no;		/* drained batches so far */
	/*
	 * A drained batch is one instant: what was looked up for its first
	 * record of a process or enrollment holds for the rest of it.
	 */
	__u64 exe_batch;	/* exe_tgid was checked in this batch */
	__u64 enr_batch, enr_id;
	bool enr_found;
	struct nojit_enrollment enr;
	__u32 exe_tgid;		/* whose exe_path this is; a storm repeats it */
	bool exe_has_path;
	dev_t exe_dev;
	ino_t exe_ino;
	struct timespec exe_ctime;
	off_t exe_size;
	__u8 exe_sha256[32];
	char exe_path[4096];
	__s64 hash_window_ns, hash_spent_ns;	/* CLOCK_MONOTONIC; this second's hashing */
	int error;
};

/*
 * RFC 5424 over the local syslog socket; the record is the message, never
 * cut (a cut record is not JSON): the receiver's message size limit must
 * hold the longest record (docs/siem.md).
 */
static void send_syslog(struct daemon *d, const char *line, size_t len)
{
	char hdr[512], ts[40];
	struct timespec now;
	struct iovec iov[2];
	struct tm tm;
	int n;

	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	/* <facility authpriv(10) * 8 + severity warning(4)> */
	n = snprintf(hdr, sizeof(hdr), "<84>1 %s.%06ldZ %s nojit %d audit - ", ts,
		     now.tv_nsec / 1000, d->hostname, getpid());
	if (n <= 0 || (size_t)n >= sizeof(hdr))
		return;
	iov[0] = (struct iovec){ .iov_base = hdr, .iov_len = (size_t)n };
	iov[1] = (struct iovec){ .iov_base = (void *)line, .iov_len = len };
	sendmsg(d->syslog_fd, &(struct msghdr){ .msg_iov = iov, .msg_iovlen = 2 }, MSG_DONTWAIT);
}

/* Lines as they reach the file: a drained batch's all at once. */
static void on_line(void *ctx, const char *line, size_t len)
{
	struct daemon *d = ctx;
	_cleanup_free_ char *ocsf = NULL;
	const char *out = line;
	size_t out_len = len;

	/* The writer's lines always convert; were one not to, the record itself goes out. */
	if (d->ocsf && (d->to_stdout || d->syslog_fd >= 0) &&
	    !audit_ocsf_from_line(line, len, d->hostname, &ocsf)) {
		out = ocsf;
		out_len = strlen(ocsf);
	}
	if (d->to_stdout) {
		fwrite(out, 1, out_len, stdout);
		fputc('\n', stdout);
	}
	if (d->syslog_fd >= 0)
		send_syslog(d, out, out_len);
}

/* ST is the file whose digest the cache holds, unchanged since it was hashed. */
static bool same_exe(const struct daemon *d, const struct stat *st)
{
	return st->st_dev == d->exe_dev && st->st_ino == d->exe_ino &&
	       st->st_ctim.tv_sec == d->exe_ctime.tv_sec &&
	       st->st_ctim.tv_nsec == d->exe_ctime.tv_nsec && st->st_size == d->exe_size;
}

/*
 * The kernel's record says which file the task ran (0: unknown): a
 * process that exec'd since is running another, which is not named. By
 * inode number only: on overlayfs (containers) stat() gives a layer's
 * pseudo device, not the device of the inode the kernel saw.
 */
static bool exe_is(const struct nojit_violation *v, ino_t ino)
{
	return !v->exe_ino || v->exe_ino == ino;
}

/* The offender's executable and its digest; the process may be gone. */
static void fill_exe(struct daemon *d, const struct nojit_violation *v, struct audit_event *ev)
{
	__u32 tgid = v->tgid;
	char link[64];
	struct stat st;
	__u8 buf[1 << 16];
	ssize_t n;
	int fd;

	snprintf(link, sizeof(link), "/proc/%u/exe", tgid);
	/*
	 * The same process still running the same, unchanged file: nothing to
	 * look up. Unchanged means the same ctime and size, which the owner
	 * cannot set back (mtime it can: touch -d restores it to the
	 * nanosecond after an in-place change).
	 */
	if (tgid == d->exe_tgid && d->exe_ino && exe_is(v, d->exe_ino) &&
	    (d->exe_batch == d->batch_no || (stat(link, &st) == 0 && same_exe(d, &st)))) {
		d->exe_batch = d->batch_no;
		if (d->exe_has_path)
			ev->exe = d->exe_path;
		memcpy(ev->exe_sha256, d->exe_sha256, sizeof(ev->exe_sha256));
		ev->has_exe_sha256 = true;
		return;
	}
	d->exe_tgid = 0;
	fd = open(link, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	if (fstat(fd, &st) || !exe_is(v, st.st_ino)) {
		close(fd);
		return;
	}
	n = readlink(link, d->exe_path, sizeof(d->exe_path) - 1);
	d->exe_has_path = n > 0;
	if (n > 0) {
		d->exe_path[n] = '\0';
		ev->exe = d->exe_path;
	}
	if (!same_exe(d, &st)) {
		__s64 now = clock_ns(CLOCK_MONOTONIC);

		/*
		 * The workload chooses the file (a sparse 256 GiB executable, a
		 * touch before every violation): the drain must never wait on
		 * it. Hashing gets EXE_HASH_BUDGET_NS per second and
		 * EXE_HASH_MAX_BYTES per file; beyond either the event is
		 * logged with exe_sha256 null.
		 */
		if (now - d->hash_window_ns >= 1000000000) {
			d->hash_window_ns = now;
			d->hash_spent_ns = 0;
		}
		if (d->hash_spent_ns < EXE_HASH_BUDGET_NS &&
		    (__u64)st.st_size <= EXE_HASH_MAX_BYTES &&
		    sha256_fd_bounded(fd, d->exe_sha256, buf, sizeof(buf), EXE_HASH_MAX_BYTES,
				      now + EXE_HASH_BUDGET_NS - d->hash_spent_ns) == 0) {
			d->exe_dev = st.st_dev;
			d->exe_ino = st.st_ino;
			d->exe_ctime = st.st_ctim;
			d->exe_size = st.st_size;
		} else {
			d->exe_ino = 0;
		}
		d->hash_spent_ns += clock_ns(CLOCK_MONOTONIC) - now;
	}
	close(fd);
	if (d->exe_ino && st.st_ino == d->exe_ino) {
		memcpy(ev->exe_sha256, d->exe_sha256, sizeof(ev->exe_sha256));
		ev->has_exe_sha256 = true;
		d->exe_tgid = tgid;
		d->exe_batch = d->batch_no;
	}
}

static void respond(struct daemon *d, const struct nojit_violation *v, const char *cgroup_path,
		    __u64 event_seq)
{
	/*
	 * kill-cgroup and freeze act on the enrollment, the whole governed
	 * subtree: a child cgroup the workload made (a delegated subtree)
	 * must not absorb the response while the rest of it runs on.
	 */
	__u64 target = v->enrolled_id ? v->enrolled_id : v->cgroup_id;
	struct audit_response r = {
		.pid = v->tgid, .cgroup_id = target,
		.cgroup_path = target == v->cgroup_id ? cgroup_path : cgroup_names_path(d->names, target),
		.event_seq = event_seq,
	};
	struct audit_response ir = r;
	struct nojit_err err;

	/* Nothing was refused: an exception's use is reported, never answered. */
	if (v->action == NOJIT_ACTION_AUDITED || v->action == NOJIT_ACTION_EXCEPTION)
		return;
	/* First, while the event's record is still the last line appended. */
	if (d->runner) {
		size_t len;
		const char *line = audit_log_last_line(d->log, &len);

		ir.action = "exec-on-violation";
		exec_runner_reap(d->runner);
		ir.error = exec_runner_start(d->runner, line, len, NULL);
		if (ir.error == -EBUSY)
			ir.detail = "skipped: --exec-max commands already running";
	}
	if (v->on_violation == NOJIT_ON_VIOLATION_KILL) {
		r.action = "kill";
		r.detail = "SIGKILL sent by the kernel before the system call returned";
	} else {
		response_cgroup_apply(d->names, target, v->on_violation, &r);
	}
	if (r.action && audit_log_append_response(d->log, &r, NULL, &err))
		d->error = -EIO;
	if (ir.action && audit_log_append_response(d->log, &ir, NULL, &err))
		d->error = -EIO;
}

/*
 * The container id the OCI hook recorded when it enrolled the governing
 * cgroup (the runtime's own id, whatever the cgroup is called), or NULL:
 * the log then derives one from the cgroup path where it can.
 */
static const char *enrolled_container_id(struct daemon *d, __u64 enrolled_id)
{
	struct nojit_enrollment *rec = &d->enr;

	if (!enrolled_id)
		return NULL;
	if (d->enr_batch != d->batch_no || d->enr_id != enrolled_id) {
		d->enr_found = !bpf_map_lookup_elem(d->maps.enrollments, &enrolled_id, rec);
		d->enr_batch = d->batch_no;
		d->enr_id = enrolled_id;
	}
	if (!d->enr_found)
		return NULL;
	if (rec->origin != NOJIT_ORIGIN_CONTAINER || !rec->container_id[0])
		return NULL;
	rec->container_id[sizeof(rec->container_id) - 1] = '\0';
	return rec->container_id;
}

static int handle_event(void *ctx, void *data, size_t size)
{
	const struct nojit_violation *v = data;
	char path[NOJIT_EVENT_PATH_MAX + 1];
	char cgroup_name[NOJIT_CGROUP_NAME_MAX + 1];
	struct daemon *d = ctx;
	struct audit_event ev;
	struct nojit_err err;
	const char *cgroup_path;
	__u64 seq = 0;
	int r;

	if (size < sizeof(v->hdr) || v->hdr.type != NOJIT_EVENT_VIOLATION ||
	    v->hdr.version != NOJIT_EVENT_VERSION || size < sizeof(*v)) {
		audit_log_append_drops(d->log, "daemon", 1, 0, false, NULL, &err);
		return 0;
	}
	audit_event_from_violation(v, d->boot_to_real_ns, &ev);
	memcpy(cgroup_name, v->cgroup_name, sizeof(v->cgroup_name));
	cgroup_name[sizeof(v->cgroup_name)] = '\0';
	cgroup_path = cgroup_names_path_of(d->names, v->cgroup_id, v->cgroup_parent_id,
					   cgroup_name);
	ev.cgroup_path = cgroup_path;
	/* The kernel terminates it; a copy makes sure of it. */
	memcpy(path, v->path, sizeof(v->path));
	path[sizeof(v->path)] = '\0';
	if (path[0])
		ev.path = path;
	fill_exe(d, v, &ev);
	ev.container_id = enrolled_container_id(d, v->enrolled_id);
	r = audit_log_append_event(d->log, &ev, &seq, &err);
	/*
	 * Accounted either way: a failed append or batch is already a
	 * "writer" drops record. Counted once the batch is written
	 * (drain_batch()), so a crash in between over-reports the gap rather
	 * than hiding lost events.
	 */
	d->batch_events++;
	d->batch_attempts += v->count ? v->count : 1;
	if (r) {
		d->error = -EIO;
		return 0;
	}
	metrics_count_event(d->metrics, v->route, v->hook, v->action);
	respond(d, v, cgroup_path, seq);
	return 0;
}

/* Events the kernel could not queue, since the log last accounted for them. */
static int log_kernel_drops(struct daemon *d)
{
	__u64 stats[NOJIT_STAT_MAX], total, logged;
	struct audit_drop_reasons reasons;
	struct nojit_err err;
	int r;

	r = policy_stats(d->maps.stats, stats);
	if (r)
		return r;
	total = stats[NOJIT_STAT_EVENTS_DROPPED];
	logged = __atomic_load_n(&d->state->kernel_drops_logged, __ATOMIC_RELAXED);
	if (total <= logged)
		return 0;
	reasons = (struct audit_drop_reasons){
		.ring_buffer_full = stats[NOJIT_STAT_DROP_RING_FULL],
		.evicted = stats[NOJIT_STAT_DROP_EVICTED],
		.exit = stats[NOJIT_STAT_DROP_EXIT],
		.exec = stats[NOJIT_STAT_DROP_EXEC],
	};
	r = audit_log_append_kernel_drops(d->log, total - logged, total, &reasons, &err);
	if (r)
		return r;
	__atomic_store_n(&d->state->kernel_drops_logged, total, __ATOMIC_RELAXED);
	return 0;
}

/*
 * The records still in the ring buffer (RET_RECORDS) and the attempts
 * they stand for (RET_ATTEMPTS), read through a read-only mapping of its
 * data. -EAGAIN if the producer moved meanwhile or a record is still
 * being written: the caller reads again.
 */
static int ring_pending(int fd, __u64 *ret_records, __u64 *ret_attempts)
{
	const size_t size = NOJIT_RINGBUF_BYTES;
	long page = sysconf(_SC_PAGESIZE);
	unsigned long *cons, cpos, ppos;
	__u64 records = 0, attempts = 0;
	unsigned char *prod;
	int r = 0;

	cons = mmap(NULL, page, PROT_READ, MAP_SHARED, fd, 0);
	/* The producer page, then the data, mapped twice over so records never wrap. */
	prod = mmap(NULL, page + 2 * size, PROT_READ, MAP_SHARED, fd, page);
	if (cons == MAP_FAILED || prod == MAP_FAILED) {
		r = -errno;
		goto out;
	}
	cpos = __atomic_load_n(cons, __ATOMIC_ACQUIRE);
	ppos = __atomic_load_n((unsigned long *)prod, __ATOMIC_ACQUIRE);
	while (cpos < ppos) {
		const unsigned char *rec = prod + page + (cpos & (size - 1));
		__u32 len = __atomic_load_n((const __u32 *)rec, __ATOMIC_ACQUIRE);
		const struct nojit_violation *v = (const void *)(rec + BPF_RINGBUF_HDR_SZ);

		if (len & BPF_RINGBUF_BUSY_BIT) {
			r = -EAGAIN;
			goto out;
		}
		if (!(len & BPF_RINGBUF_DISCARD_BIT)) {
			records++;
			attempts += (len & ~BPF_RINGBUF_DISCARD_BIT) >= sizeof(*v) && v->count ?
				    v->count : 1;
		}
		len &= ~BPF_RINGBUF_DISCARD_BIT;
		cpos += (BPF_RINGBUF_HDR_SZ + len + 7) & ~7ul;
	}
	if (__atomic_load_n((unsigned long *)prod, __ATOMIC_ACQUIRE) != ppos)
		r = -EAGAIN;
	*ret_records = records;
	*ret_attempts = attempts;
out:
	if (cons != MAP_FAILED)
		munmap(cons, page);
	if (prod != MAP_FAILED)
		munmap(prod, page + 2 * size);
	return r;
}

/*
 * Attempts a previous daemon took from the ring buffer but never wrote (it
 * was killed): the kernel's count of attempts its records stand for, less
 * those the log holds, less those still waiting in the ring buffer (read
 * between two identical readings of the counters). If the kernel never
 * holds still that long, the counters are read last, so a record queued
 * meanwhile makes the figure too high, never too low: a gap is never hidden.
 */
static int log_daemon_gap(struct daemon *d)
{
	__u64 stats[NOJIT_STAT_MAX], emitted, logged, attempts, attempts_logged;
	__u64 pending = 0, pending_attempts = 0;
	struct nojit_err err;
	int r, tries = 0;

	/* Counters and ring buffer read while neither moved, if that happens in 100 tries. */
	do {
		__u64 before[2];

		r = policy_stats(d->maps.stats, stats);
		if (r)
			return r;
		before[0] = stats[NOJIT_STAT_EVENTS_EMITTED];
		before[1] = stats[NOJIT_STAT_ATTEMPTS_EMITTED];
		r = ring_pending(d->maps.events, &pending, &pending_attempts);
		if (r && r != -EAGAIN)
			return r;
		if (policy_stats(d->maps.stats, stats))
			return -EIO;
		if (!r && (before[0] != stats[NOJIT_STAT_EVENTS_EMITTED] ||
			   before[1] != stats[NOJIT_STAT_ATTEMPTS_EMITTED]))
			r = -EAGAIN;
	} while (r == -EAGAIN && ++tries < 100);
	emitted = stats[NOJIT_STAT_EVENTS_EMITTED];
	attempts = stats[NOJIT_STAT_ATTEMPTS_EMITTED];
	logged = __atomic_load_n(&d->state->events_logged, __ATOMIC_RELAXED);
	attempts_logged = __atomic_load_n(&d->state->attempts_logged, __ATOMIC_RELAXED);
	if (emitted <= logged + pending || attempts <= attempts_logged + pending_attempts)
		return 0;
	r = audit_log_append_drops(d->log, "daemon", attempts - attempts_logged - pending_attempts,
				   0, false, NULL, &err);
	if (r)
		return r;
	__atomic_store_n(&d->state->events_logged, emitted - pending, __ATOMIC_RELAXED);
	__atomic_store_n(&d->state->attempts_logged, attempts - pending_attempts, __ATOMIC_RELAXED);
	return 0;
}

static void log_exception_kill(void *ctx, const struct exception_sweep_kill *k)
{
	struct daemon *d = ctx;
	char detail[160], hex[65];
	struct audit_response r = {
		.action = "kill", .pid = (__u32)k->pid, .cgroup_id = k->cgroup_id,
		.cgroup_path = cgroup_names_path(d->names, k->cgroup_id), .error = k->error,
		.detail = detail,
	};
	struct nojit_err err;

	hex_encode(k->sha256, sizeof(k->sha256), hex);
	snprintf(detail, sizeof(detail),
		 "JIT exception for %.16s %s: the process may hold code made under it", hex, k->why);
	if (audit_log_append_response(d->log, &r, NULL, &err))
		d->error = -EIO;
}

/* An "exceptions" record whenever the set of JIT exceptions in force changes. */
static void log_exception_state(struct daemon *d)
{
	struct audit_policy_event p = { .action = "exceptions" };
	_cleanup_free_ char *text = NULL;
	struct nojit_err err;
	__u8 digest[32];
	size_t n;

	if (exception_state(&d->maps, d->names, &text, &n, digest))
		return;
	if (d->exc_known ? !memcmp(digest, d->exc_digest, 32) : !n) {
		memcpy(d->exc_digest, digest, 32);
		d->exc_known = true;
		return;
	}
	p.policies = n;
	p.changes_text = text;
	if (audit_log_append_policy(d->log, &p, NULL, &err)) {
		d->error = -EIO;
		return;
	}
	memcpy(d->exc_digest, digest, 32);
	d->exc_known = true;
}

/*
 * Once a second: log a change of the JIT exceptions in force, and while
 * the kernel has marked any task, end the processes whose exception
 * expired or was revoked (exception_sweep.h).
 */
static void maybe_sweep_exceptions(struct daemon *d)
{
	__s64 now = clock_ns(CLOCK_MONOTONIC);
	__u64 stats[NOJIT_STAT_MAX];
	size_t marked;

	if (now < d->next_sweep_ns)
		return;
	d->next_sweep_ns = now + 1000000000ll;
	log_exception_state(d);
	if (policy_stats(d->maps.stats, stats) || !stats[NOJIT_STAT_EXC_MARKS])
		return;
	exception_sweep(&d->maps, d->names, log_exception_kill, d, &marked);
}

/* The periodic scan, when due. Only a log that cannot be written is fatal. */
static int maybe_scan(struct daemon *d)
{
	struct scan_audit_result res;
	struct nojit_err err;
	__s64 now = clock_ns(CLOCK_MONOTONIC);
	int r;

	if (!d->scan || now < d->next_scan_ns)
		return 0;
	r = scan_audit_run(d->scan, &res, &err);
	/* From the end of this scan: a slow scan never runs back to back. */
	d->next_scan_ns = clock_ns(CLOCK_MONOTONIC) + d->scan_every_ns;
	if (r == -EIO)
		return r;
	if (r)
		fprintf(stderr, "nojit: daemon: %s\n", err.msg);
	else if (res.unreadable)
		fprintf(stderr, "nojit: daemon: scan: the memory of %u task%s could not be read\n",
			res.unreadable, res.unreadable == 1 ? "" : "s");
	return 0;
}

struct daemon_args {
	const char *log;
	const char *key;
	const char *exec_cmd;
	unsigned int exec_timeout_ms, exec_max;
	unsigned int scan_every_s;	/* 0: no periodic scan */
	const char *policy_dir;
	const char *syslog_socket;	/* --syslog: where to */
	unsigned int reapply_every_s;
	struct audit_log_config cfg;
	struct metrics_config metrics;	/* with --listen */
	bool to_stdout, to_syslog, listen, ocsf;
};

static int parse_args(int argc, char **argv, struct daemon_args *a)
{
	static const struct option opts[] = {
		{ "log", required_argument, NULL, 'l' },
		{ "key", required_argument, NULL, 'k' },
		{ "stdout", no_argument, NULL, 'S' },
		{ "syslog", no_argument, NULL, 'Y' },
		{ "syslog-socket", required_argument, NULL, 'U' },
		{ "format", required_argument, NULL, 'F' },
		{ "seal-every", required_argument, NULL, 'n' },
		{ "seal-every-ms", required_argument, NULL, 't' },
		{ "exec-on-violation", required_argument, NULL, 'x' },
		{ "exec-timeout", required_argument, NULL, 'T' },
		{ "exec-max", required_argument, NULL, 'M' },
		{ "scan-every", required_argument, NULL, 'C' },
		{ "policy-dir", required_argument, NULL, 'P' },
		{ "reapply-every", required_argument, NULL, 'R' },
		{ "listen", required_argument, NULL, 'L' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct nojit_err err;
	unsigned long v;
	char *end;
	int c;

	*a = (struct daemon_args){ .log = DEFAULT_LOG, .key = DEFAULT_KEY, .syslog_socket = "/dev/log",
				   .exec_timeout_ms = 10000, .exec_max = 4,
				   .reapply_every_s = 60 };
	optind = 1;
	while ((c = getopt_long(argc, argv, "l:k:h", opts, NULL)) != -1) {
		switch (c) {
		case 'l': a->log = optarg; break;
		case 'k': a->key = optarg; break;
		case 'S': a->to_stdout = true; break;
		case 'Y': a->to_syslog = true; break;
		case 'U':
			if (strlen(optarg) >= sizeof(((struct sockaddr_un *)0)->sun_path))
				return cli_usage_error(daemon_usage, "--syslog-socket: path too long: '%s'",
						       optarg);
			a->syslog_socket = optarg;
			a->to_syslog = true;
			break;
		case 'F':
			if (strcmp(optarg, "audit") && strcmp(optarg, "ocsf"))
				return cli_usage_error(daemon_usage, "--format: 'audit' or 'ocsf', not '%s'",
						       optarg);
			a->ocsf = !strcmp(optarg, "ocsf");
			break;
		case 'x': a->exec_cmd = optarg; break;
		case 'P': a->policy_dir = optarg; break;
		case 'R':
			errno = 0;
			v = strtoul(optarg, &end, 10);
			if (errno || *end || !*optarg || v > 86400)
				return cli_usage_error(daemon_usage,
						       "--reapply-every: not a number of seconds (0-86400): '%s'",
						       optarg);
			a->reapply_every_s = v;
			break;
		case 'L':
			if (metrics_parse_listen(optarg, &a->metrics, &err))
				return cli_usage_error(daemon_usage, "%s", err.msg);
			a->listen = true;
			break;
		case 'n': case 't': case 'T': case 'M': case 'C':
			errno = 0;
			v = strtoul(optarg, &end, 10);
			if (errno || *end || !*optarg || v == 0 || v > AUDIT_SEAL_EVERY_MS_MAX)
				return cli_usage_error(daemon_usage, "%s: not a positive number: '%s'",
						       c == 'n' ? "--seal-every" : c == 't' ? "--seal-every-ms" :
						       c == 'T' ? "--exec-timeout" : c == 'M' ? "--exec-max" :
						       "--scan-every", optarg);
			if (c == 'n')
				a->cfg.seal_every = v;
			else if (c == 't')
				a->cfg.seal_every_ms = v;
			else if (c == 'T')
				a->exec_timeout_ms = v;
			else if (c == 'C')
				a->scan_every_s = v;
			else
				a->exec_max = v;
			break;
		case 'h':
			printf("%s", daemon_usage);
			return -1;
		default:
			fprintf(stderr, "%s", daemon_usage);
			return EXIT_USAGE;
		}
	}
	if (optind < argc)
		return cli_usage_error(daemon_usage, "unexpected argument '%s'", argv[optind]);
	return 0;
}

/* SIGTERM and SIGINT end the run with a final seal; SIGHUP is ignored. */
static int signal_fd(void)
{
	sigset_t set;
	int fd;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL))
		return -errno;
	fd = signalfd(-1, &set, SFD_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/* The last policy apply, for /healthz and nojit_policy_applied. */
static void publish_policy_state(struct daemon *d)
{
	const char *error = NULL;
	__u8 digest[32] = {};
	char hex[65];
	int r;

	if (!d->policy || !d->metrics)
		return;
	r = daemon_policy_state(d->policy, digest, &error);
	hex_encode(digest, sizeof(digest), hex);
	metrics_set_policy_state(d->metrics, r == 0, r ? NULL : hex,
				 r ? (error ? error : strerror(-r)) : NULL);
}

/*
 * Drain what the ring buffer holds as one batch: one write(2) for all its
 * records (audit_log_batch_begin()), the chain still per record. Then the
 * daemon's accounting moves on by what reached the file.
 */
static int drain_batch(struct daemon *d, struct ring_buffer *rb)
{
	struct nojit_err err;
	int n, r;

	d->batch_no++;
	audit_log_batch_begin(d->log);
	n = ring_buffer__consume(rb);
	r = audit_log_batch_end(d->log, &err);
	if (r)
		d->error = -EIO;
	__atomic_fetch_add(&d->state->events_logged, d->batch_events, __ATOMIC_RELAXED);
	__atomic_fetch_add(&d->state->attempts_logged, d->batch_attempts, __ATOMIC_RELAXED);
	if (d->batch_events)
		d->last_record_ns = clock_ns(CLOCK_MONOTONIC);
	d->batch_events = d->batch_attempts = 0;
	if (d->to_stdout)
		fflush(stdout);
	return n < 0 ? -EIO : 0;
}

/*
 * A burst is over when the ring buffer has been quiet for this long: its
 * records are sealed then, not only at the --seal-every cadence, so a
 * burst is covered by a seal within BURST_QUIET_MS + POLL_MS of its last
 * record (docs/audit-log.md).
 */
#define BURST_QUIET_MS 250

static int seal_after_burst(struct daemon *d)
{
	struct nojit_err err;

	if (!d->last_record_ns ||
	    clock_ns(CLOCK_MONOTONIC) - d->last_record_ns < BURST_QUIET_MS * 1000000ll)
		return 0;
	d->last_record_ns = 0;
	return audit_log_seal(d->log, &err) < 0 ? -EIO : 0;
}

static int run(struct daemon *d, struct ring_buffer *rb, int sfd)
{
	struct pollfd pfd[3] = {
		{ .fd = ring_buffer__epoll_fd(rb), .events = POLLIN },
		{ .fd = sfd, .events = POLLIN },
		{ .fd = d->policy ? daemon_policy_fd(d->policy) : -1, .events = POLLIN },
	};
	struct nojit_err err;

	for (;;) {
		long due = audit_log_seal_due_ms(d->log);
		long pdue = d->policy ? daemon_policy_due_ms(d->policy) : -1;
		int timeout;

		if (pdue >= 0 && (due < 0 || pdue < due))
			due = pdue;
		timeout = due < 0 || due > POLL_MS ? POLL_MS : (int)due;
		if (poll(pfd, 3, timeout) < 0 && errno != EINTR)
			return -errno;
		if (drain_batch(d, rb))
			return -EIO;
		metrics_drained(d->metrics);
		if (log_kernel_drops(d) || d->error)
			return d->error ? d->error : -EIO;
		if (maybe_scan(d))
			return -EIO;
		maybe_sweep_exceptions(d);
		if (d->policy && daemon_policy_tick(d->policy, d->log))
			return -EIO;
		publish_policy_state(d);
		if (audit_log_maybe_seal(d->log, &err) < 0 || seal_after_burst(d))
			return -EIO;
		if (d->runner)
			exec_runner_reap(d->runner);
		if (pfd[1].revents & POLLIN) {
			struct signalfd_siginfo si;

			if (read(sfd, &si, sizeof(si)) == sizeof(si) && si.ssi_signo != SIGHUP) {
				notify_stopping();
				break;
			}
		}
	}
	/* Whatever the kernel queued before the signal still goes in. */
	if (drain_batch(d, rb))
		return -EIO;
	return log_kernel_drops(d);
}

/*
 * --policy-dir: the first apply, before anything else. With nothing loaded
 * (a boot) the daemon does not start on a policy directory with problems:
 * a unit ordered before the workloads then keeps them from starting
 * ungoverned. With a policy already pinned (a restart) it starts anyway,
 * keeping that policy and saying why: refusing would only stop the audit
 * drain while the kernel enforces the old policy regardless. Then the
 * kernel policy is loaded whatever the directory enrolled, so the daemon
 * always has its ring buffer.
 */
static int start_policy(struct daemon *d, const struct daemon_args *a)
{
	struct policy_problems pr = {};
	struct nojit_err err;
	bool pinned;
	int r;

	d->policy = daemon_policy_new(a->policy_dir, a->reapply_every_s);
	if (!d->policy) {
		cli_error("--policy-dir %s: %s", a->policy_dir, strerror(errno));
		return EXIT_FAILED;
	}
	r = daemon_policy_apply(d->policy, NULL, &pr, &err);
	pinned = r && !policy_open_pinned(&d->maps, &err);
	nojit_maps_close(&d->maps);
	if (r == -EINVAL && pr.n) {
		for (size_t i = 0; i < pr.n; i++)
			cli_error("policy: %s", pr.msgs[i]);
		cli_error("policy %s: %zu problem%s: %s", a->policy_dir, pr.n, pr.n == 1 ? "" : "s",
			  pinned ? "keeping the policy pinned in the kernel" : "not starting");
	} else if (r) {
		cli_error("policy %s: %s: %s", a->policy_dir, err.msg,
			  pinned ? "keeping the policy pinned in the kernel" : "not starting");
	}
	policy_problems_free(&pr);
	if (r && !pinned)
		return EXIT_FAILED;
	if (policy_load(&d->maps, &err)) {
		cli_error("%s", err.msg);
		return EXIT_FAILED;
	}
	return 0;
}

int do_daemon(int argc, char **argv)
{
	struct daemon d = { .maps = NOJIT_MAPS_INIT, .syslog_fd = -1 };
	struct audit_log_open_info info;
	struct ring_buffer *rb = NULL;
	struct nojit_seckey key;
	struct daemon_args a;
	struct nojit_err err;
	int ret, sfd = -1;

	ret = parse_args(argc, argv, &a);
	if (ret)
		return ret < 0 ? EXIT_OK : ret;
	ret = cli_require_root();
	if (ret)
		return ret;
	if (keys_init() || key_load_secret(a.key, &key, &err)) {
		cli_error("audit key %s: %s", a.key, keys_init() ? "libsodium failed" : err.msg);
		return EXIT_FAILED;
	}
	if (bpffs_check(&err)) {
		cli_error("%s", err.msg);
		key_secret_wipe(&key);
		return EXIT_FAILED;
	}
	if (a.policy_dir) {
		ret = start_policy(&d, &a);
		if (ret) {
			key_secret_wipe(&key);
			daemon_policy_free(d.policy);
			return ret;
		}
	} else if (policy_open_pinned(&d.maps, &err)) {
		cli_error("%s", err.msg);
		key_secret_wipe(&key);
		return EXIT_FAILED;
	}
	d.names = cgroup_names_new();
	d.to_stdout = a.to_stdout;
	d.ocsf = a.ocsf;
	d.boot_to_real_ns = clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_BOOTTIME);
	gethostname(d.hostname, sizeof(d.hostname) - 1);
	if (a.to_syslog) {
		struct sockaddr_un sun = { .sun_family = AF_UNIX };

		strcpy(sun.sun_path, a.syslog_socket);
		d.syslog_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (d.syslog_fd < 0 || connect(d.syslog_fd, (struct sockaddr *)&sun, sizeof(sun))) {
			cli_error("--syslog: %s: %s", a.syslog_socket, strerror(errno));
			ret = EXIT_FAILED;
			goto out;
		}
	}
	if (a.exec_cmd && !(d.runner = exec_runner_new(a.exec_cmd, a.exec_max, a.exec_timeout_ms))) {
		cli_error("--exec-on-violation: %s", strerror(errno));
		ret = EXIT_FAILED;
		goto out;
	}
	a.cfg.on_line = on_line;
	a.cfg.on_line_ctx = &d;
	if (!d.names || audit_log_open(a.log, &key, &a.cfg, &d.log, &info, &err)) {
		cli_error("audit log %s: %s", a.log, d.names ? err.msg : strerror(errno));
		ret = EXIT_FAILED;
		goto out;
	}
	if (d.policy && daemon_policy_tick(d.policy, d.log)) {
		cli_error("audit log %s: cannot write the policy record", a.log);
		ret = EXIT_FAILED;
		goto out;
	}
	if (info.how == AUDIT_OPEN_RECOVERED || info.how == AUDIT_OPEN_REPLACED)
		fprintf(stderr, "nojit: audit log %s: %s; the old file is %s\n", a.log, info.detail,
			info.rotated_to);
	d.state = mmap(NULL, sysconf(_SC_PAGESIZE), PROT_READ | PROT_WRITE, MAP_SHARED,
		       d.maps.daemon_state, 0);
	if (d.state == MAP_FAILED) {
		d.state = NULL;
		cli_error("nojit_daemon_state: %s", strerror(errno));
		ret = EXIT_FAILED;
		goto out;
	}
	ret = log_daemon_gap(&d);
	if (ret) {
		cli_error("audit log %s: %s", a.log, strerror(-ret));
		ret = EXIT_FAILED;
		goto out;
	}
	if (a.scan_every_s) {
		d.scan = scan_audit_new(&d.maps, d.log, d.names);
		if (!d.scan) {
			cli_error("--scan-every: %s", strerror(errno));
			ret = EXIT_FAILED;
			goto out;
		}
		d.scan_every_ns = (__s64)a.scan_every_s * 1000000000;
		d.next_scan_ns = clock_ns(CLOCK_MONOTONIC);
	}
	rb = ring_buffer__new(d.maps.events, handle_event, &d, NULL);
	sfd = signal_fd();
	if (!rb || sfd < 0) {
		cli_error("ring buffer: %s", strerror(rb ? -sfd : errno));
		ret = EXIT_FAILED;
		goto out;
	}
	if (a.listen) {
		a.metrics.maps = &d.maps;
		a.metrics.log = d.log;
		a.metrics.drain_max_age_ms = HEALTH_DRAIN_MAX_MS;
		if (metrics_start(&a.metrics, &d.metrics, &err)) {
			cli_error("--listen: %s", err.msg);
			ret = EXIT_FAILED;
			goto out;
		}
	}
	fprintf(stderr, "nojit: daemon draining events into %s\n", a.log);
	/*
	 * The policy is applied (--policy-dir) and the drain loop starts: the
	 * service is up, units ordered after it may start (notify.h).
	 */
	notify_ready("%s%s%sdraining violations into %s", a.policy_dir ? "policy " : "",
		     a.policy_dir ? a.policy_dir : "", a.policy_dir ? " applied; " : "", a.log);
	ret = run(&d, rb, sfd);
	if (ret)
		cli_error("audit log %s: %s", a.log, strerror(-ret));
	ret = ret ? EXIT_FAILED : EXIT_OK;
out:
	metrics_stop(d.metrics);
	if (d.log && audit_log_close(d.log, &err)) {
		cli_error("audit log %s: final seal: %s", a.log, err.msg);
		ret = EXIT_FAILED;
	}
	ring_buffer__free(rb);
	if (sfd >= 0)
		close(sfd);
	if (d.syslog_fd >= 0)
		close(d.syslog_fd);
	exec_runner_free(d.runner);
	scan_audit_free(d.scan);
	daemon_policy_free(d.policy);
	cgroup_names_free(d.names);
	if (d.state)
		munmap(d.state, sysconf(_SC_PAGESIZE));
	nojit_maps_close(&d.maps);
	key_secret_wipe(&key);
	return ret;
}
