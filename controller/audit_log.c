// SPDX-License-Identifier: GPL-2.0
/*
 * The signed, hash-chained audit log: canonical records, the writer with
 * its restart and rotation rules, and the offline verifier. The format
 * and every rule here are specified in docs/audit-log.md; keep the two in
 * step.
 */
#include <fcntl.h>
#include <json-c/json.h>
#include <limits.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>

#include "audit_log.h"
#include "cli.h"	/* route_name() */

#define TIME_LEN	AUDIT_TIME_LEN
#define SIG_B64_LEN	AUDIT_SIG_B64_LEN
#define SIG_SUFFIX	",\"sig\":\""
/* ,"sig":"<88>"} : what is cut off a seal line to get the signed part */
#define SIG_TAIL_LEN	(sizeof(SIG_SUFFIX) - 1 + SIG_B64_LEN + 2)
#define TAIL_WINDOW	(64u * 1024)

/* ---- small helpers ------------------------------------------------------ */

static int hex_val(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;	/* lowercase only: the canonical form */
}

static bool hex_decode(const char *s, size_t n, __u8 *out)
{
	for (size_t i = 0; i < n; i++) {
		int hi = hex_val(s[2 * i]), lo = hex_val(s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return false;
		out[i] = (__u8)(hi << 4 | lo);
	}
	return true;
}

static bool is_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (hex_val(s[i]) < 0)
			return false;
	return true;
}

static void sha256(const void *p, size_t n, __u8 out[32])
{
	crypto_hash_sha256(out, p, n);
}

void audit_time_format(__u64 ns, char buf[AUDIT_TIME_LEN + 1])
{
	time_t s = (time_t)(ns / 1000000000u);
	struct tm tm;

	if (!gmtime_r(&s, &tm) || tm.tm_year + 1900 > 9999 ||
	    snprintf(buf, TIME_LEN + 1, "%04d-%02d-%02dT%02d:%02d:%02d.%09uZ", tm.tm_year + 1900,
		     tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		     (unsigned int)(ns % 1000000000u)) != TIME_LEN)
		snprintf(buf, TIME_LEN + 1, "9999-12-31T23:59:59.999999999Z");
}

static __s64 days_from_civil(int y, unsigned int m, unsigned int d)
{
	unsigned int yoe, doy, doe;
	int era;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned int)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (__s64)era * 146097 + (__s64)doe - 719468;
}

static bool digits(const char *s, size_t n, unsigned int *ret)
{
	unsigned int v = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (unsigned int)(s[i] - '0');
	}
	*ret = v;
	return true;
}

bool audit_time_parse(const char *s, __u64 *ret)
{
	static const unsigned char mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	unsigned int y, mo, d, h, mi, sec, frac;
	__s64 days;
	__u64 secs;

	if (s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' ||
	    s[19] != '.' || s[29] != 'Z')
		return false;
	if (!digits(s, 4, &y) || !digits(s + 5, 2, &mo) || !digits(s + 8, 2, &d) ||
	    !digits(s + 11, 2, &h) || !digits(s + 14, 2, &mi) || !digits(s + 17, 2, &sec) ||
	    !digits(s + 20, 9, &frac))
		return false;
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 || mi > 59 || sec > 59)
		return false;
	if (mo == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
		return false;
	days = days_from_civil((int)y, mo, d);
	secs = (__u64)days * 86400 + h * 3600u + mi * 60u + sec;
	/* Past 2554 the nanoseconds wrap around to a time that could look current: refuse. */
	if (secs > (UINT64_MAX - frac) / 1000000000u)
		return false;
	*ret = secs * 1000000000u + frac;
	return true;
}

/* ---- canonical serialisation -------------------------------------------- */

struct sbuf {
	char *p;
	size_t len, cap;
	bool oom;
};

static void sb_reserve(struct sbuf *b, size_t more)
{
	size_t cap;
	char *p;

	if (b->oom || b->len + more + 1 <= b->cap)
		return;
	cap = b->cap ? b->cap : 1024;
	while (cap < b->len + more + 1)
		cap *= 2;
	p = realloc(b->p, cap);
	if (!p) {
		b->oom = true;
		return;
	}
	b->p = p;
	b->cap = cap;
}

static void sb_raw(struct sbuf *b, const char *s, size_t n)
{
	sb_reserve(b, n);
	if (b->oom)
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void sb_s(struct sbuf *b, const char *s)
{
	sb_raw(b, s, strlen(s));
}

__attribute__((format(printf, 2, 3)))
static void sb_printf(struct sbuf *b, const char *fmt, ...)
{
	char tmp[128];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n > 0)
		sb_raw(b, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

static void sb_key(struct sbuf *b, const char *key)
{
	sb_s(b, ",\"");
	sb_s(b, key);
	sb_s(b, "\":");
}

/* Length of the valid UTF-8 sequence at S (N bytes left), 0 if invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	size_t len;
	unsigned char lo = 0x80, hi = 0xbf;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;	/* no surrogates */
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;	/* nothing above U+10FFFF */
	} else {
		return 0;
	}
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return len;
}

/*
 * A JSON string in canonical form: '"' and '\' escaped with a backslash,
 * other bytes below 0x20 and 0x7f as \u00xx (lowercase hex), valid UTF-8
 * as is, each byte of invalid UTF-8 as U+FFFD. True when lossy.
 */
static bool sb_json_string(struct sbuf *b, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	bool lossy = false;
	char esc[8];

	sb_raw(b, "\"", 1);
	for (size_t i = 0; i < n;) {
		size_t l = utf8_len(s + i, n - i);

		if (l == 0) {
			sb_raw(b, "\xef\xbf\xbd", 3);
			lossy = true;
			i++;
		} else if (l > 1) {
			sb_raw(b, str + i, l);
			i += l;
		} else {
			if (s[i] == '"' || s[i] == '\\') {
				esc[0] = '\\';
				esc[1] = (char)s[i];
				sb_raw(b, esc, 2);
			} else if (s[i] < 0x20 || s[i] == 0x7f) {
				snprintf(esc, sizeof(esc), "\\u%04x", s[i]);
				sb_raw(b, esc, 6);
			} else {
				sb_raw(b, str + i, 1);
			}
			i++;
		}
	}
	sb_raw(b, "\"", 1);
	return lossy;
}

/* ,"KEY":"VALUE" or null; when VALUE is not valid UTF-8 also ,"KEY_hex":"..." */
static void sb_field_str(struct sbuf *b, const char *key, const char *v)
{
	size_t n;

	sb_key(b, key);
	if (!v) {
		sb_s(b, "null");
		return;
	}
	n = strnlen(v, AUDIT_STRING_MAX);
	if (sb_json_string(b, v, n)) {
		sb_raw(b, ",\"", 2);
		sb_s(b, key);
		sb_s(b, "_hex\":\"");
		sb_reserve(b, 2 * n);
		if (!b->oom) {
			hex_encode((const __u8 *)v, n, b->p + b->len);
			b->len += 2 * n;
		}
		sb_raw(b, "\"", 1);
	}
}

static void sb_field_u64(struct sbuf *b, const char *key, __u64 v)
{
	sb_key(b, key);
	sb_printf(b, "%llu", (unsigned long long)v);
}

static void sb_field_u64_or_null(struct sbuf *b, const char *key, __u64 v, bool known)
{
	if (known)
		sb_field_u64(b, key, v);
	else
		sb_field_str(b, key, NULL);
}

static void sb_field_hash(struct sbuf *b, const char *key, const __u8 *h, bool known)
{
	char hex[65];

	if (!known) {
		sb_field_str(b, key, NULL);
		return;
	}
	hex_encode(h, 32, hex);
	sb_key(b, key);
	sb_raw(b, "\"", 1);
	sb_raw(b, hex, 64);
	sb_raw(b, "\"", 1);
}

static void sb_field_time(struct sbuf *b, const char *key, __u64 ns, bool known)
{
	char t[TIME_LEN + 1];

	if (!known) {
		sb_field_str(b, key, NULL);
		return;
	}
	audit_time_format(ns, t);
	sb_field_str(b, key, t);
}

/* {"seq":N,"prev":"HEX","type":"TYPE","time":"TIME" */
static void sb_prefix(struct sbuf *b, __u64 seq, const __u8 prev[32], const char *type, __u64 now)
{
	char hex[65], t[TIME_LEN + 1];

	b->len = 0;
	b->oom = false;
	hex_encode(prev, 32, hex);
	audit_time_format(now, t);
	sb_printf(b, "{\"seq\":%llu", (unsigned long long)seq);
	sb_s(b, ",\"prev\":\"");
	sb_raw(b, hex, 64);
	sb_s(b, "\",\"type\":\"");
	sb_s(b, type);
	sb_s(b, "\",\"time\":\"");
	sb_raw(b, t, TIME_LEN);
	sb_raw(b, "\"", 1);
}

/* ---- names ---------------------------------------------------------------- */

const char *audit_hook_name(__u32 hook)
{
	static const char *const names[] = {
		[NOJIT_HOOK_MMAP_FILE] = "mmap_file",
		[NOJIT_HOOK_FILE_MPROTECT] = "file_mprotect",
		[NOJIT_HOOK_SHM_SHMAT] = "shm_shmat",
		[NOJIT_HOOK_BPRM_CHECK] = "bprm_check_security",
		[NOJIT_HOOK_FILE_OPEN] = "file_open",
		[NOJIT_HOOK_FILE_PERMISSION] = "file_permission",
		[NOJIT_HOOK_PTRACE_ACCESS] = "ptrace_access_check",
		[NOJIT_HOOK_PTRACE_TRACEME] = "ptrace_traceme",
		[NOJIT_HOOK_BPF] = "bpf",
		[NOJIT_HOOK_INODE_PERMISSION] = "inode_permission",
		[NOJIT_HOOK_KERNFS_INIT] = "kernfs_init_security",
		[NOJIT_HOOK_BRK] = "brk",
		[NOJIT_HOOK_PATH_TRUNCATE] = "path_truncate",
		[NOJIT_HOOK_ANON_INODE] = "inode_init_security_anon",
		[NOJIT_HOOK_FILE_IOCTL] = "file_ioctl",
		[NOJIT_HOOK_SOCKET_SETSOCKOPT] = "socket_setsockopt",
		[NOJIT_HOOK_CBPF_PREPARE] = "bpf_prepare_filter",
		[NOJIT_HOOK_FILE_TRUNCATE] = "file_truncate",
		[NOJIT_HOOK_EXEC_STACK] = "setup_arg_pages",
		[NOJIT_HOOK_DEVICE_OPEN] = "file_open",
		[NOJIT_HOOK_SOCKET_CREATE] = "socket_create",
		[NOJIT_HOOK_SOCKET_CONNECT] = "socket_connect",
		[NOJIT_HOOK_SOCKET_BIND] = "socket_bind",
		[NOJIT_HOOK_SOCKET_LISTEN] = "socket_listen",
		[NOJIT_HOOK_SOCKET_ACCEPT] = "socket_accept",
		[NOJIT_HOOK_SOCKET_SENDMSG] = "socket_sendmsg",
		[NOJIT_HOOK_SOCKET_RECVMSG] = "socket_recvmsg",
		[NOJIT_HOOK_PATH_CHANGE] = "path_change",
		[NOJIT_HOOK_VIEW_CHANGE] = "view_change",
		[NOJIT_HOOK_SOCKET_GETSOCKOPT] = "socket_getsockopt",
		[NOJIT_HOOK_FILE_RECEIVE] = "file_receive",
		[NOJIT_HOOK_CAPABLE] = "capable",
		[NOJIT_HOOK_TASK_KILL] = "task_kill",
	};

	return hook < ARRAY_SIZE(names) ? names[hook] : NULL;
}

/* The system call or operation a hook stands for, for people. */
static const char *hook_operation(__u32 hook, __u32 route)
{
	static const char *const ops[] = {
		[NOJIT_HOOK_MMAP_FILE] = "mmap",
		[NOJIT_HOOK_FILE_MPROTECT] = "mprotect",
		[NOJIT_HOOK_SHM_SHMAT] = "shmat",
		[NOJIT_HOOK_BPRM_CHECK] = "execve",
		[NOJIT_HOOK_FILE_OPEN] = "open",
		[NOJIT_HOOK_FILE_PERMISSION] = "write",
		[NOJIT_HOOK_PTRACE_ACCESS] = "ptrace",
		[NOJIT_HOOK_PTRACE_TRACEME] = "ptrace",
		[NOJIT_HOOK_BPF] = "bpf",
		[NOJIT_HOOK_INODE_PERMISSION] = "write",
		[NOJIT_HOOK_KERNFS_INIT] = "mkdir",
		[NOJIT_HOOK_BRK] = "brk",
		[NOJIT_HOOK_PATH_TRUNCATE] = "truncate",
		[NOJIT_HOOK_ANON_INODE] = "userfaultfd/io_uring",
		[NOJIT_HOOK_FILE_IOCTL] = "ioctl",
		[NOJIT_HOOK_SOCKET_SETSOCKOPT] = "setsockopt",
		[NOJIT_HOOK_CBPF_PREPARE] = "classic bpf",
		[NOJIT_HOOK_FILE_TRUNCATE] = "truncate",
		[NOJIT_HOOK_EXEC_STACK] = "execve",
		[NOJIT_HOOK_DEVICE_OPEN] = "open",
		[NOJIT_HOOK_SOCKET_CREATE] = "socket",
		[NOJIT_HOOK_SOCKET_CONNECT] = "connect",
		[NOJIT_HOOK_SOCKET_BIND] = "bind",
		[NOJIT_HOOK_SOCKET_LISTEN] = "listen",
		[NOJIT_HOOK_SOCKET_ACCEPT] = "accept",
		[NOJIT_HOOK_SOCKET_SENDMSG] = "send",
		[NOJIT_HOOK_SOCKET_RECVMSG] = "receive",
		[NOJIT_HOOK_PATH_CHANGE] = "create/rename/unlink/chmod",
		[NOJIT_HOOK_VIEW_CHANGE] = "mount/chroot/unshare",
		[NOJIT_HOOK_SOCKET_GETSOCKOPT] = "getsockopt",
		[NOJIT_HOOK_FILE_RECEIVE] = "receive a descriptor",
		[NOJIT_HOOK_CAPABLE] = "use a capability",
		[NOJIT_HOOK_TASK_KILL] = "signal",
	};

	/* inode_permission refuses uselib()'s open as well as cgroup moves. */
	if (hook == NOJIT_HOOK_INODE_PERMISSION && route == NOJIT_ROUTE_KERNEL_EXEC_MEM)
		return "uselib";
	return hook < ARRAY_SIZE(ops) ? ops[hook] : NULL;
}

const char *audit_action_name(__u32 action)
{
	switch (action) {
	case NOJIT_ACTION_DENIED:
		return "denied";
	case NOJIT_ACTION_KILLED:
		return "killed";
	case NOJIT_ACTION_AUDITED:
		return "audited";
	case NOJIT_ACTION_EXCEPTION:
		return "exception";
	}
	return NULL;
}

const char *audit_reason_name(enum audit_reason r)
{
	static const char *const names[] = {
		[AUDIT_OK] = "ok",
		[AUDIT_MALFORMED] = "malformed",
		[AUDIT_ALTERED] = "altered",
		[AUDIT_REMOVED] = "removed",
		[AUDIT_INSERTED] = "inserted",
		[AUDIT_REORDERED] = "reordered",
		[AUDIT_TRUNCATED] = "truncated",
		[AUDIT_BAD_SEAL] = "bad-seal",
		[AUDIT_MISSING_SEAL] = "missing-seal",
		[AUDIT_WRONG_KEY] = "wrong-key",
	};

	return (unsigned int)r < ARRAY_SIZE(names) && names[r] ? names[r] : "unknown";
}

static void prot_names(__u32 prot, char *buf, size_t size)
{
	static const struct {
		__u32 bit;
		const char *name;
	} bits[] = {
		{ 1, "PROT_READ" }, { 2, "PROT_WRITE" }, { 4, "PROT_EXEC" }, { 8, "PROT_SEM" },
	};
	size_t len = 0;

	buf[0] = '\0';
	if (!prot) {
		snprintf(buf, size, "PROT_NONE");
		return;
	}
	for (size_t i = 0; i < ARRAY_SIZE(bits); i++) {
		if (!(prot & bits[i].bit))
			continue;
		len += (size_t)snprintf(buf + len, size - len, "%s%s", len ? "|" : "", bits[i].name);
		prot &= ~bits[i].bit;
	}
	if (prot && len < size)
		snprintf(buf + len, size - len, "%s0x%x", len ? "|" : "", prot);
}

/* ---- event helpers ------------------------------------------------------------ */

void audit_event_from_violation(const struct nojit_violation *v, __s64 boot_to_real_ns,
				struct audit_event *ev)
{
	memset(ev, 0, sizeof(*ev));
	if (v->time_ns)
		ev->time_ns = (__u64)((__s64)v->time_ns + boot_to_real_ns);
	ev->hook = v->hook;
	ev->route = v->route;
	ev->action = v->action;
	ev->prot = v->prot;
	ev->flags = v->flags;
	ev->pid = v->pid;
	ev->tgid = v->tgid;
	ev->uid = v->uid;
	memcpy(ev->comm, v->comm, sizeof(v->comm));
	ev->comm[sizeof(v->comm)] = '\0';
	ev->cgroup_id = v->cgroup_id;
	ev->enrolled_id = v->enrolled_id;
	ev->dev = v->dev;
	ev->ino = v->ino;
	ev->has_sha256 = v->has_sha256 != 0;
	memcpy(ev->sha256, v->sha256, sizeof(ev->sha256));
	ev->count = v->count ? v->count : 1;
	if (v->first_ns)
		ev->first_ns = (__u64)((__s64)v->first_ns + boot_to_real_ns);
	if (v->action == NOJIT_ACTION_EXCEPTION) {
		memcpy(ev->exception_buf, v->exception, sizeof(v->exception));
		ev->exception_buf[sizeof(v->exception)] = '\0';
		ev->exception = ev->exception_buf;
	}
}

int audit_container_id(const char *cgroup_path, char id[65])
{
	static const char *const prefixes[] = { "docker-", "cri-containerd-", "crio-", "libpod-", "" };
	const char *p = cgroup_path, *found = NULL;

	if (!p)
		return -ENOENT;
	/*
	 * The outermost id-shaped component: the runtime makes the container's
	 * cgroup, and whatever the workload can name (cgroups it makes in a
	 * delegated subtree) lies below it.
	 */
	while (*p && !found) {
		const char *end = strchrnul(p, '/');
		size_t len = (size_t)(end - p);

		if (len > 6 && !memcmp(end - 6, ".scope", 6))
			len -= 6;
		for (size_t i = 0; i < ARRAY_SIZE(prefixes); i++) {
			size_t pl = strlen(prefixes[i]);

			if (len == pl + 64 && !memcmp(p, prefixes[i], pl) && is_hex(p + pl, 64)) {
				found = p + pl;
				break;
			}
		}
		p = *end ? end + 1 : end;
	}
	if (!found)
		return -ENOENT;
	memcpy(id, found, 64);
	id[64] = '\0';
	return 0;
}

typedef void (*body_fn)(struct sbuf *b, const void *arg);

/* ---- record bodies --------------------------------------------------------------- */

static void body_event(struct sbuf *b, const void *arg)
{
	const struct audit_event *ev = arg;
	char buf[64], cid[65];
	const char *s;

	sb_field_time(b, "event_time", ev->time_ns, ev->time_ns != 0);
	s = audit_action_name(ev->action);
	if (!s)
		snprintf(buf, sizeof(buf), "action-%u", ev->action);
	sb_field_str(b, "action", s ? s : buf);
	s = audit_hook_name(ev->hook);
	if (!s)
		snprintf(buf, sizeof(buf), "hook-%u", ev->hook);
	sb_field_str(b, "hook", s ? s : buf);
	sb_field_u64(b, "route", ev->route);
	sb_field_str(b, "route_name", route_name(ev->route));
	s = ev->operation ? ev->operation : hook_operation(ev->hook, ev->route);
	sb_field_str(b, "operation", s);
	sb_field_u64(b, "prot", ev->prot);
	prot_names(ev->prot, buf, sizeof(buf));
	sb_field_str(b, "prot_names", buf);
	sb_field_u64(b, "flags", ev->flags);
	sb_field_u64(b, "pid", ev->pid);
	sb_field_u64(b, "tgid", ev->tgid);
	sb_field_u64(b, "uid", ev->uid);
	sb_field_str(b, "comm", ev->comm);
	sb_field_str(b, "exe", ev->exe);
	sb_field_hash(b, "exe_sha256", ev->exe_sha256, ev->has_exe_sha256);
	sb_field_u64(b, "cgroup_id", ev->cgroup_id);
	sb_field_u64_or_null(b, "enrolled_id", ev->enrolled_id, ev->enrolled_id != 0);
	sb_field_str(b, "cgroup", ev->cgroup_path);
	s = ev->container_id;
	if (!s && !audit_container_id(ev->cgroup_path, cid))
		s = cid;
	sb_field_str(b, "container_id", s);
	sb_field_str(b, "path", ev->path);
	if (ev->ino) {
		snprintf(buf, sizeof(buf), "%u:%u", ev->dev >> 20, ev->dev & 0xfffff);
		sb_field_str(b, "dev", buf);
	} else {
		sb_field_str(b, "dev", NULL);
	}
	sb_field_u64_or_null(b, "ino", ev->ino, ev->ino != 0);
	sb_field_hash(b, "sha256", ev->sha256, ev->has_sha256);
	/* Aggregated uses of a JIT exception: how many, since when, which. */
	if (ev->exception) {
		sb_field_str(b, "exception", ev->exception);
		sb_field_u64(b, "count", ev->count);
		sb_field_time(b, "first_time", ev->first_ns, ev->first_ns != 0);
	}
	sb_raw(b, "}", 1);
}

struct drops_arg {
	const char *source;
	__u64 dropped, total;
	bool has_total;
};

static void body_drops(struct sbuf *b, const void *arg)
{
	const struct drops_arg *d = arg;

	sb_field_str(b, "source", d->source);
	sb_field_u64(b, "dropped", d->dropped);
	sb_field_u64_or_null(b, "total", d->total, d->has_total);
	sb_raw(b, "}", 1);
}

static void body_response(struct sbuf *b, const void *arg)
{
	const struct audit_response *r = arg;

	sb_field_str(b, "action", r->action ? r->action : "unknown");
	sb_field_u64_or_null(b, "pid", r->pid, r->pid != 0);
	sb_field_u64_or_null(b, "cgroup_id", r->cgroup_id, r->cgroup_id != 0);
	sb_field_str(b, "cgroup", r->cgroup_path);
	sb_field_u64_or_null(b, "event_seq", r->event_seq, r->event_seq != 0);
	sb_field_str(b, "result", r->error ? "failed" : "ok");
	sb_field_str(b, "error", r->error ? strerror(-r->error) : NULL);
	sb_field_str(b, "detail", r->detail);
	sb_raw(b, "}", 1);
}

static void body_node_policy(struct sbuf *b, const void *arg)
{
	const struct audit_policy_event *p = arg;

	sb_field_str(b, "action", p->action);
	sb_field_str(b, "dir", p->dir);
	sb_field_hash(b, "digest", p->digest, p->has_digest);
	if (!strcmp(p->action, "exceptions")) {
		sb_field_u64(b, "in_force", p->policies);
		sb_field_str(b, "what", p->changes_text);
	} else if (!strncmp(p->action, "apply", 5)) {
		sb_field_u64(b, "policies", p->policies);
		sb_field_u64(b, "changes", p->changes);
		sb_field_u64(b, "done", p->done);
		sb_field_u64(b, "unchanged", p->unchanged);
		sb_field_str(b, "what", p->changes_text);
	} else {
		sb_field_str(b, "manifest", p->manifest);
		sb_field_u64(b, "old_serial", p->old_serial);
		sb_field_u64(b, "generation", p->generation);
		sb_field_u64(b, "resets", p->resets);
	}
	sb_field_str(b, "detail", p->detail);
	sb_raw(b, "}", 1);
}

static void body_vkernel(struct sbuf *b, const void *arg)
{
	const struct audit_vk_event *e = arg;

	sb_field_str(b, "source", "vkernel");
	sb_field_str(b, "event", e->event);
	sb_field_str(b, "reason", e->reason);
	sb_field_str(b, "module", e->module);
	sb_field_u64_or_null(b, "pid", e->pid, e->pid != 0);
	sb_field_str(b, "target", e->target);
	sb_field_hash(b, "sha256", e->sha256, e->has_sha256);
	sb_field_str(b, "app", e->app);
	sb_field_u64_or_null(b, "cgroup_id", e->cgroup_id, e->cgroup_id != 0);
	sb_raw(b, "}", 1);
}

static void sb_field_addr(struct sbuf *b, const char *key, __u64 v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "0x%llx", (unsigned long long)v);
	sb_field_str(b, key, buf);
}

static void body_scan(struct sbuf *b, const void *arg)
{
	const struct audit_scan_finding *f = arg;
	char cid[65], dev[32];
	const char *s = NULL;

	sb_field_str(b, "reason", f->reason);
	sb_field_u64_or_null(b, "pid", f->pid, f->pid != 0);
	sb_field_u64_or_null(b, "tgid", f->tgid, f->tgid != 0);
	sb_field_str(b, "comm", f->comm);
	sb_field_u64_or_null(b, "cgroup_id", f->cgroup_id, f->cgroup_id != 0);
	sb_field_u64_or_null(b, "enrolled_id", f->enrolled_id, f->enrolled_id != 0);
	sb_field_str(b, "cgroup", f->cgroup_path);
	if (!audit_container_id(f->cgroup_path, cid))
		s = cid;
	sb_field_str(b, "container_id", s);
	sb_field_addr(b, "start", f->start);
	sb_field_addr(b, "end", f->end);
	sb_field_str(b, "perms", f->perms);
	sb_field_addr(b, "offset", f->offset);
	sb_field_str(b, "file", f->file);
	snprintf(dev, sizeof(dev), "%u:%u", f->dev_major, f->dev_minor);
	sb_field_str(b, "dev", f->ino ? dev : NULL);
	sb_field_u64_or_null(b, "ino", f->ino, f->ino != 0);
	sb_field_hash(b, "sha256", f->sha256, f->has_sha256);
	sb_field_str(b, "detail", f->detail);
	sb_raw(b, "}", 1);
}

/* ---- writer ------------------------------------------------------------------------ */

struct audit_log {
	int fd;			/* the current file, O_APPEND */
	int dir_fd;
	int lock_fd;
	char *path;
	char *base;		/* PATH's last component */
	struct nojit_seckey key;
	struct audit_log_config cfg;
	char log_id[AUDIT_LOG_ID_LEN + 1];
	__u32 segment;
	__u64 seq;
	__u8 head[32];
	__u64 unsealed;
	__u64 t0;		/* time of the oldest unsealed record */
	__u64 lost;
	/* Read by audit_log_counters() from another thread: atomics. */
	__u64 last_seal_ns, daemon_dropped, writer_lost;
	off_t end;		/* bytes of whole records in the current file */
	struct sbuf line;
	char host[256];
};

static __u64 log_now(const struct audit_log *log)
{
	struct timespec ts;

	if (log->cfg.clock_ns)
		return log->cfg.clock_ns(log->cfg.clock_ctx);
	clock_gettime(CLOCK_REALTIME, &ts);
	return (__u64)ts.tv_sec * 1000000000u + (__u64)ts.tv_nsec;
}

static bool seal_due(const struct audit_log *log, __u64 now)
{
	if (!log->unsealed)
		return false;
	if (log->unsealed >= log->cfg.seal_every)
		return true;
	return now > log->t0 && now - log->t0 >= (__u64)log->cfg.seal_every_ms * 1000000u;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		if (w == 0)
			return -EIO;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/*
 * Write the record in log->line (without newline) as the next line. On
 * failure the file is cut back to its last whole record.
 */
static int write_line(struct audit_log *log, bool sync, struct nojit_err *err)
{
	struct sbuf *b = &log->line;
	int r;

	if (b->oom)
		return nojit_err_set(err, -ENOMEM, "%s: out of memory", log->path);
	sb_raw(b, "\n", 1);
	if (b->oom)
		return nojit_err_set(err, -ENOMEM, "%s: out of memory", log->path);
	r = write_all(log->fd, b->p, b->len);
	if (!r && (sync || log->cfg.sync_every_record) && fdatasync(log->fd))
		r = -errno;
	if (r) {
		/* Take back a partial line: a record is in the log whole or not at all. */
		if (ftruncate(log->fd, log->end) == 0)
			return nojit_err_set(err, r, "%s: %s", log->path, strerror(-r));
		return nojit_err_set(err, r, "%s: %s (and could not remove the partial record: %s)",
				     log->path, strerror(-r), strerror(errno));
	}
	b->len--;
	sha256(b->p, b->len, log->head);
	log->seq++;
	log->end += (off_t)b->len + 1;
	if (log->cfg.on_line)
		log->cfg.on_line(log->cfg.on_line_ctx, b->p, b->len);
	return 0;
}

/* CLOSE: NULL for a periodic seal, "rotate" or "shutdown" for the last seal of a file or run. */
static int write_seal(struct audit_log *log, __u64 now, const char *close, struct nojit_err *err)
{
	struct sbuf *b = &log->line;
	__u8 sig[NOJIT_SIG_LEN];
	char b64[SIG_B64_LEN + 1];
	size_t ctx_len = strlen(AUDIT_SEAL_CONTEXT), body;
	int r;

	/* The signed message: context, then the seal line up to its "sig" member, then "}". */
	sb_prefix(b, log->seq + 1, log->head, "seal", now);
	sb_field_str(b, "log", log->log_id);
	sb_field_str(b, "key_id", log->key.pub.id);
	sb_field_str(b, "close", close);
	body = b->len;
	sb_reserve(b, ctx_len + 1);
	if (b->oom)
		return nojit_err_set(err, -ENOMEM, "%s: out of memory", log->path);
	memmove(b->p + ctx_len, b->p, body);
	memcpy(b->p, AUDIT_SEAL_CONTEXT, ctx_len);
	b->p[ctx_len + body] = '}';
	r = key_sign(&log->key, b->p, ctx_len + body + 1, sig);
	memmove(b->p, b->p + ctx_len, body);
	b->len = body;
	if (r)
		return nojit_err_set(err, r, "%s: signing a seal: %s", log->path, strerror(-r));
	sodium_bin2base64(b64, sizeof(b64), sig, sizeof(sig), sodium_base64_VARIANT_ORIGINAL);
	sb_s(b, SIG_SUFFIX);
	sb_raw(b, b64, SIG_B64_LEN);
	sb_s(b, "\"}");
	r = write_line(log, true, err);
	if (r)
		return r;
	log->unsealed = 0;
	__atomic_store_n(&log->last_seal_ns, now, __ATOMIC_RELAXED);
	return 0;
}

/* One record; a due seal goes first, so no window ever exceeds the policy. */
static int append_one(struct audit_log *log, __u64 now, const char *type, body_fn body,
		      const void *arg, __u64 *ret_seq, struct nojit_err *err)
{
	int r;

	if (seal_due(log, now)) {
		r = write_seal(log, now, NULL, err);
		if (r)
			return r;
	}
	sb_prefix(&log->line, log->seq + 1, log->head, type, now);
	body(&log->line, arg);
	r = write_line(log, false, err);
	if (r)
		return r;
	if (log->unsealed++ == 0)
		log->t0 = now;
	if (ret_seq)
		*ret_seq = log->seq;
	return 0;
}

static int append_record(struct audit_log *log, const char *type, body_fn body, const void *arg,
			 __u64 *ret_seq, struct nojit_err *err)
{
	__u64 now = log_now(log);
	int r;

	if (log->lost) {
		struct drops_arg d = { .source = "writer", .dropped = log->lost };

		r = append_one(log, now, "drops", body_drops, &d, NULL, err);
		if (r) {
			log->lost++;
			__atomic_fetch_add(&log->writer_lost, 1, __ATOMIC_RELAXED);
			return r;
		}
		log->lost = 0;
	}
	r = append_one(log, now, type, body, arg, ret_seq, err);
	if (r) {
		log->lost++;
		__atomic_fetch_add(&log->writer_lost, 1, __ATOMIC_RELAXED);
		return r;
	}
	/* Seal at once when the count is reached; if that fails, the next append retries. */
	if (log->unsealed >= log->cfg.seal_every)
		(void)write_seal(log, now, NULL, NULL);
	return 0;
}

int audit_log_append_event(struct audit_log *log, const struct audit_event *ev, __u64 *ret_seq,
			   struct nojit_err *err)
{
	return append_record(log, "event", body_event, ev, ret_seq, err);
}

int audit_log_append_vkernel(struct audit_log *log, const struct audit_vk_event *e,
			     __u64 *ret_seq, struct nojit_err *err)
{
	return append_record(log, "vkernel", body_vkernel, e, ret_seq, err);
}

int audit_log_append_scan(struct audit_log *log, const struct audit_scan_finding *f,
			  __u64 *ret_seq, struct nojit_err *err)
{
	return append_record(log, "scan", body_scan, f, ret_seq, err);
}

int audit_log_append_drops(struct audit_log *log, const char *source, __u64 dropped,
			   __u64 total, bool has_total, __u64 *ret_seq, struct nojit_err *err)
{
	struct drops_arg d = { .source = source, .dropped = dropped, .total = total, .has_total = has_total };
	int r;

	r = append_record(log, "drops", body_drops, &d, ret_seq, err);
	if (!r && !strcmp(source, "daemon"))
		__atomic_fetch_add(&log->daemon_dropped, dropped, __ATOMIC_RELAXED);
	return r;
}

int audit_log_append_policy(struct audit_log *log, const struct audit_policy_event *p,
			    __u64 *ret_seq, struct nojit_err *err)
{
	return append_record(log, "policy", body_node_policy, p, ret_seq, err);
}

int audit_log_append_response(struct audit_log *log, const struct audit_response *resp,
			      __u64 *ret_seq, struct nojit_err *err)
{
	return append_record(log, "response", body_response, resp, ret_seq, err);
}

int audit_log_maybe_seal(struct audit_log *log, struct nojit_err *err)
{
	__u64 now = log_now(log);

	return seal_due(log, now) ? write_seal(log, now, NULL, err) : 0;
}

int audit_log_seal(struct audit_log *log, struct nojit_err *err)
{
	return log->unsealed ? write_seal(log, log_now(log), NULL, err) : 0;
}

long audit_log_seal_due_ms(const struct audit_log *log)
{
	__u64 now, elapsed, limit = (__u64)log->cfg.seal_every_ms * 1000000u;

	if (!log->unsealed)
		return -1;
	if (log->unsealed >= log->cfg.seal_every)
		return 0;
	now = log_now(log);
	elapsed = now > log->t0 ? now - log->t0 : 0;
	if (elapsed >= limit)
		return 0;
	return (long)((limit - elapsed + 999999u) / 1000000u);
}

void audit_log_state(const struct audit_log *log, struct audit_log_state *ret)
{
	memset(ret, 0, sizeof(*ret));
	memcpy(ret->log_id, log->log_id, sizeof(ret->log_id));
	ret->segment = log->segment;
	ret->seq = log->seq;
	memcpy(ret->head, log->head, 32);
	ret->unsealed = log->unsealed;
	ret->lost = log->lost;
}

void audit_log_counters(const struct audit_log *log, struct audit_log_counters *ret)
{
	ret->last_seal_ns = __atomic_load_n(&log->last_seal_ns, __ATOMIC_RELAXED);
	ret->daemon_dropped = __atomic_load_n(&log->daemon_dropped, __ATOMIC_RELAXED);
	ret->writer_lost = __atomic_load_n(&log->writer_lost, __ATOMIC_RELAXED);
}

/* ---- session start records ------------------------------------------------------ */

struct segment_arg {
	const struct audit_log *log;
	const char *reason;
	__u64 discarded;
};

static void body_policy(struct sbuf *b, const struct audit_log *log)
{
	sb_field_str(b, "host", log->host);
	sb_field_u64(b, "every_n", log->cfg.seal_every);
	sb_field_u64(b, "every_ms", log->cfg.seal_every_ms);
	sb_raw(b, "}", 1);
}

static void body_segment(struct sbuf *b, const void *arg)
{
	const struct segment_arg *a = arg;

	sb_field_u64(b, "format", AUDIT_FORMAT);
	sb_field_str(b, "log", a->log->log_id);
	sb_field_u64(b, "segment", a->log->segment);
	sb_field_str(b, "reason", a->reason);
	sb_field_u64(b, "discarded", a->discarded);
	body_policy(b, a->log);
}

static void body_restart(struct sbuf *b, const void *log)
{
	body_policy(b, log);
}

/* A session start opens a fresh window: the record itself is its first. */
static int write_session_start(struct audit_log *log, __u64 now, const char *type, body_fn body,
			       const void *arg, struct nojit_err *err)
{
	int r;

	sb_prefix(&log->line, log->seq + 1, log->head, type, now);
	body(&log->line, arg);
	r = write_line(log, true, err);
	if (r)
		return r;
	log->unsealed = 1;
	log->t0 = now;
	return 0;
}

/* ---- files ------------------------------------------------------------------------- */

static int fsync_dir(struct audit_log *log)
{
	return fsync(log->dir_fd) ? -errno : 0;
}

static void hidden_name(const struct audit_log *log, const char *suffix, char *buf, size_t size)
{
	snprintf(buf, size, ".%s.%s", log->base, suffix);
}

/* Move PATH aside to PATH.TAG (PATH.TAG.N if taken); never replaces a file. */
static int move_aside(struct audit_log *log, const char *tag, char *ret_path, struct nojit_err *err)
{
	char name[NAME_MAX + 1];

	for (unsigned int i = 0; i < 1000; i++) {
		int n = i ? snprintf(name, sizeof(name), "%s.%s.%u", log->base, tag, i)
			  : snprintf(name, sizeof(name), "%s.%s", log->base, tag);

		if (n < 0 || (size_t)n >= sizeof(name))
			return nojit_err_set(err, -ENAMETOOLONG, "%s: name too long to rotate", log->path);
		if (renameat2(log->dir_fd, log->base, log->dir_fd, name, RENAME_NOREPLACE) == 0) {
			if (ret_path) {
				const char *slash = strrchr(log->path, '/');

				snprintf(ret_path, PATH_MAX, "%.*s%s", slash ? (int)(slash - log->path + 1) : 0,
					 log->path, name);
			}
			return 0;
		}
		if (errno != EEXIST)
			return nojit_err_set(err, -errno, "%s: moving it to %s: %s", log->path, name,
					     strerror(errno));
	}
	return nojit_err_set(err, -EEXIST, "%s: no free name to rotate it to", log->path);
}

/*
 * Start the next segment file: its first record links to the current head
 * (log->seq, log->head). Written to a hidden temporary name first, so that
 * PATH is at every moment either the old file or the complete new one:
 * .PATH.next (segment record, synced) -> PATH moved to PATH.TAG -> rename.
 * A crash in between is completed (or undone) by the next open.
 */
static int start_segment(struct audit_log *log, const char *reason, __u64 discarded, __u64 now,
			 const char *tag, __u32 segment, char *ret_rotated, struct nojit_err *err)
{
	struct segment_arg a = { .log = log, .reason = reason, .discarded = discarded };
	/* The chain state, to go back to if the new segment cannot be put in place. */
	int old_fd = log->fd;
	off_t old_end = log->end;
	__u32 old_segment = log->segment;
	__u64 old_seq = log->seq, old_unsealed = log->unsealed, old_t0 = log->t0;
	__u8 old_head[32];
	char next[NAME_MAX + 1];
	int fd, r;

	memcpy(old_head, log->head, 32);
	hidden_name(log, "next", next, sizeof(next));
	unlinkat(log->dir_fd, next, 0);
	fd = openat(log->dir_fd, next, O_RDWR | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
	if (fd < 0)
		return nojit_err_set(err, -errno, "%s: creating %s: %s", log->path, next, strerror(errno));
	log->segment = segment;
	log->fd = fd;
	log->end = 0;
	r = write_session_start(log, now, "segment", body_segment, &a, err);
	if (!r)
		r = move_aside(log, tag, ret_rotated, err);
	if (r) {
		/* Nothing was moved: back to the old file as it was. */
		unlinkat(log->dir_fd, next, 0);
		close(fd);
		log->fd = old_fd;
		log->end = old_end;
		log->segment = old_segment;
		log->seq = old_seq;
		log->unsealed = old_unsealed;
		log->t0 = old_t0;
		memcpy(log->head, old_head, 32);
		return r;
	}
	if (old_fd >= 0)
		close(old_fd);
	if (renameat(log->dir_fd, next, log->dir_fd, log->base))
		/* Writing goes on in the new segment; the next open renames it to PATH. */
		return nojit_err_set(err, -errno, "%s: renaming %s to it: %s (done at the next start)",
				     log->path, next, strerror(errno));
	return fsync_dir(log);
}

static int new_log(struct audit_log *log, __u64 now, struct nojit_err *err)
{
	struct segment_arg a = { .log = log, .reason = "new" };
	__u8 id[AUDIT_LOG_ID_LEN / 2];
	int r;

	randombytes_buf(id, sizeof(id));
	hex_encode(id, sizeof(id), log->log_id);
	log->segment = 1;
	log->seq = 0;
	memset(log->head, 0, sizeof(log->head));
	log->end = 0;
	log->fd = openat(log->dir_fd, log->base, O_RDWR | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
	if (log->fd < 0)
		return nojit_err_set(err, -errno, "%s: %s", log->path, strerror(errno));
	r = write_session_start(log, now, "segment", body_segment, &a, err);
	if (r)
		return r;
	return fsync_dir(log);
}

/* ---- parsing lines ------------------------------------------------------------------- */

struct rec_prefix {
	__u64 seq;
	__u8 prev[32];
	char type[16];
	__u64 time_ns;
};

static bool expect(const char **p, const char *end, const char *lit)
{
	size_t n = strlen(lit);

	if ((size_t)(end - *p) < n || memcmp(*p, lit, n))
		return false;
	*p += n;
	return true;
}

/*
 * The fixed start every record has, in canonical order:
 * {"seq":N,"prev":"<64 hex>","type":"<a-z>","time":"<RFC 3339 ns>"
 * followed by ',' or '}', and a line ending in '}'.
 */
static const char *prefix_parse(const char *line, size_t len, struct rec_prefix *r)
{
	const char *p = line, *end = line + len, *s;
	__u64 seq = 0;
	size_t n;

	if (len < 2 || line[len - 1] != '}')
		return "not a JSON object on one line";
	if (!expect(&p, end, "{\"seq\":"))
		return "does not start with {\"seq\":";
	for (s = p; p < end && *p >= '0' && *p <= '9'; p++) {
		if (seq > (UINT64_MAX - 9) / 10)
			return "seq out of range";
		seq = seq * 10 + (__u64)(*p - '0');
	}
	if (p == s || (*s == '0' && p - s > 1) || seq == 0)
		return "seq is not a number from 1";
	if (!expect(&p, end, ",\"prev\":\"") || end - p < 64 || !hex_decode(p, 32, r->prev))
		return "prev is not 64 lowercase hex digits";
	p += 64;
	if (!expect(&p, end, "\",\"type\":\""))
		return "type missing or out of place";
	for (s = p; p < end && ((*p >= 'a' && *p <= 'z') || *p == '-'); p++)
		;
	n = (size_t)(p - s);
	if (!n || n >= sizeof(r->type))
		return "type is not a record type";
	memcpy(r->type, s, n);
	r->type[n] = '\0';
	if (!expect(&p, end, "\",\"time\":\"") || end - p < TIME_LEN + 2 || !audit_time_parse(p, &r->time_ns))
		return "time is not YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ";
	p += TIME_LEN;
	if (p[0] != '"' || (p[1] != ',' && p[1] != '}'))
		return "time is not YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ";
	r->seq = seq;
	return NULL;
}

static struct json_object *json_parse_line(struct json_tokener *tok, const char *p, size_t len)
{
	struct json_object *o;

	if (len > INT_MAX)
		return NULL;
	json_tokener_reset(tok);
	o = json_tokener_parse_ex(tok, p, (int)len);
	if (!o)
		return NULL;
	if (json_tokener_get_error(tok) != json_tokener_success || json_tokener_get_parse_end(tok) != len ||
	    !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

static const char *jstr(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static bool ju64(struct json_object *o, const char *key, __u64 *ret)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_int))
		return false;
	*ret = json_object_get_uint64(v);
	return json_object_get_int64(v) >= 0;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* ---- opening an existing log: the tail check --------------------------------------- */

struct tail {
	bool any;		/* a usable record was found */
	__u64 seq;		/* of the last good record */
	__u8 hash[32];
	off_t end;		/* where it ends (after its newline) */
	__u64 unsealed;		/* good records after the last seal */
	bool have_log_id, have_segment;
	char log_id[AUDIT_LOG_ID_LEN + 1];
	__u32 segment;
};

static bool seg_fields(struct json_object *o, char log_id[AUDIT_LOG_ID_LEN + 1], __u32 *segment)
{
	const char *id = jstr(o, "log");
	__u64 seg, fmt;

	if (!id || strlen(id) != AUDIT_LOG_ID_LEN || !is_hex(id, AUDIT_LOG_ID_LEN) ||
	    !ju64(o, "segment", &seg) || !seg || seg > UINT32_MAX || !ju64(o, "format", &fmt) ||
	    fmt != AUDIT_FORMAT)
		return false;
	memcpy(log_id, id, AUDIT_LOG_ID_LEN + 1);
	*segment = (__u32)seg;
	return true;
}

/* The first line: the segment record naming the log and the segment number. */
static void tail_read_first(int fd, off_t size, struct json_tokener *tok, struct tail *t)
{
	size_t n = size < (off_t)TAIL_WINDOW ? (size_t)size : TAIL_WINDOW;
	_cleanup_free_ char *buf = malloc(n ? n : 1);
	struct json_object *o;
	struct rec_prefix pr;
	char *nl;

	if (!buf || pread_full(fd, buf, n, 0) || !(nl = memchr(buf, '\n', n)))
		return;
	if (prefix_parse(buf, (size_t)(nl - buf), &pr) || strcmp(pr.type, "segment"))
		return;
	o = json_parse_line(tok, buf, (size_t)(nl - buf));
	if (o && seg_fields(o, t->log_id, &t->segment))
		t->have_log_id = t->have_segment = true;
	json_object_put(o);
}

/*
 * Find the last seal (reading backwards in growing windows), then follow
 * the chain forward from it: the tail is good up to the last record that
 * is complete, well-formed and linked (seq + 1, prev = hash).
 */
static int tail_scan(int fd, off_t size, struct tail *t)
{
	struct json_tokener *tok = json_tokener_new();
	size_t window = TAIL_WINDOW, n = 0, first = 0, base = SIZE_MAX;
	char *buf = NULL;
	off_t start = 0;
	int r = 0;

	if (!tok)
		return -ENOMEM;
	memset(t, 0, sizeof(*t));
	tail_read_first(fd, size, tok, t);
	for (;;) {
		char *nb;

		start = size > (off_t)window ? size - (off_t)window : 0;
		n = (size_t)(size - start);
		nb = realloc(buf, n ? n : 1);
		if (!nb) {
			r = -ENOMEM;
			goto out;
		}
		buf = nb;
		r = pread_full(fd, buf, n, start);
		if (r)
			goto out;
		if (start > 0) {
			char *nl = memchr(buf, '\n', n);

			first = nl ? (size_t)(nl - buf) + 1 : n;
		} else {
			first = 0;
		}
		/* The last complete line that is a seal. */
		for (size_t end = n; end > first;) {
			char *nl = memrchr(buf + first, '\n', end - first);
			size_t ls, le;
			struct rec_prefix pr;

			if (!nl)
				break;
			le = (size_t)(nl - buf);
			nl = le > first ? memrchr(buf + first, '\n', le - first) : NULL;
			ls = nl ? (size_t)(nl - buf) + 1 : first;
			if (!prefix_parse(buf + ls, le - ls, &pr) && !strcmp(pr.type, "seal")) {
				base = ls;
				break;
			}
			end = le;
			if (end == first)
				break;
		}
		if (base != SIZE_MAX || start == 0)
			break;
		window *= 4;
	}
	if (base == SIZE_MAX)
		base = first;	/* no seal: from the file's first line */

	/* Follow the chain from BASE. */
	for (size_t pos = base; pos < n;) {
		char *nl = memchr(buf + pos, '\n', n - pos);
		size_t len;
		struct rec_prefix pr;
		__u8 h[32];

		if (!nl)
			break;	/* partial line */
		len = (size_t)(nl - (buf + pos));
		if (prefix_parse(buf + pos, len, &pr))
			break;
		if (t->any && (pr.seq != t->seq + 1 || memcmp(pr.prev, t->hash, 32)))
			break;
		sha256(buf + pos, len, h);
		if (!strcmp(pr.type, "seal")) {
			struct json_object *o = json_parse_line(tok, buf + pos, len);
			const char *id = o ? jstr(o, "log") : NULL;

			if (id && strlen(id) == AUDIT_LOG_ID_LEN && is_hex(id, AUDIT_LOG_ID_LEN)) {
				memcpy(t->log_id, id, AUDIT_LOG_ID_LEN + 1);
				t->have_log_id = true;
			}
			json_object_put(o);
			t->unsealed = 0;
		} else {
			t->unsealed++;
		}
		t->any = true;
		t->seq = pr.seq;
		memcpy(t->hash, h, 32);
		pos += len + 1;
		t->end = start + (off_t)pos;
	}
out:
	free(buf);
	json_tokener_free(tok);
	return r;
}

/* ---- the head of a log --------------------------------------------------------------- */

#define HEAD_CHUNK	(64u * 1024)

/*
 * Complete lines of a file, last first. BUF[0..LEN) holds the file's
 * bytes at [START, START + LEN), which end with the newline of the next
 * line to return; at most one partial line plus one chunk is held.
 */
struct rlines {
	int fd;
	char *buf;
	off_t start;
	size_t len;
};

/*
 * Position R at the last newline of the file's first SIZE bytes; the
 * bytes after it are *RET_PARTIAL. -ENOENT when there is none.
 */
static int rlines_init(struct rlines *r, off_t size, __u64 *ret_partial)
{
	for (off_t end = size; end > 0;) {
		size_t n = end > (off_t)HEAD_CHUNK ? HEAD_CHUNK : (size_t)end;
		int e = pread_full(r->fd, r->buf, n, end - (off_t)n);
		char *nl;

		if (e)
			return e;
		nl = memrchr(r->buf, '\n', n);
		if (nl) {
			r->start = end - (off_t)n;
			r->len = (size_t)(nl - r->buf) + 1;
			*ret_partial = (__u64)(size - (r->start + (off_t)r->len));
			return 0;
		}
		end -= (off_t)n;
	}
	*ret_partial = (__u64)size;
	return -ENOENT;
}

/* The line before the ones returned so far, without its newline: 1; 0 at the file's start. */
static int rlines_prev(struct rlines *r, const char **ret, size_t *ret_len)
{
	for (;;) {
		char *nl = r->len > 1 ? memrchr(r->buf, '\n', r->len - 1) : NULL;
		size_t add;
		int e;

		if (!r->len)
			return 0;
		if (nl || r->start == 0) {
			size_t from = nl ? (size_t)(nl - r->buf) + 1 : 0;

			*ret = r->buf + from;
			*ret_len = r->len - 1 - from;
			r->len = from;
			return 1;
		}
		if (r->len - 1 > AUDIT_LINE_MAX)
			return -E2BIG;
		add = r->start > (off_t)HEAD_CHUNK ? HEAD_CHUNK : (size_t)r->start;
		memmove(r->buf + add, r->buf, r->len);
		e = pread_full(r->fd, r->buf, add, r->start - (off_t)add);
		if (e)
			return e;
		r->start -= (off_t)add;
		r->len += add;
	}
}

/* The fields of a seal (or, for a segment record, only the log id) into H. */
static const char *head_fields(struct json_tokener *tok, const char *line, size_t len, bool seal,
			       struct audit_log_head *h)
{
	struct json_object *o = json_parse_line(tok, line, len);
	const char *id = o ? jstr(o, "log") : NULL, *key = o ? jstr(o, "key_id") : NULL;
	const char *sig = o ? jstr(o, "sig") : NULL, *why = NULL;
	struct json_object *close = NULL;

	if (!o)
		why = "not a JSON object";
	else if (!id || strlen(id) != AUDIT_LOG_ID_LEN || !is_hex(id, AUDIT_LOG_ID_LEN))
		why = "its log id is not 32 hex digits";
	else if (seal && (!key || strlen(key) != NOJIT_KEY_ID_LEN || !is_hex(key, NOJIT_KEY_ID_LEN)))
		why = "its key_id is not 16 hex digits";
	else if (seal && (!sig || strlen(sig) != SIG_B64_LEN))
		why = "its sig is not 88 base64 characters";
	if (!why) {
		memcpy(h->log_id, id, AUDIT_LOG_ID_LEN + 1);
		if (seal) {
			memcpy(h->seal_key_id, key, NOJIT_KEY_ID_LEN + 1);
			memcpy(h->seal_sig, sig, SIG_B64_LEN + 1);
			h->seal_close = json_object_object_get_ex(o, "close", &close) && close;
		}
	}
	json_object_put(o);
	return why;
}

int audit_log_head(const char *path, struct audit_log_head *ret, struct nojit_err *err)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	struct rlines rl = { .fd = fd };
	struct audit_log_head h = {};
	struct json_tokener *tok = NULL;
	__u8 want_prev[32];
	__u64 want_seq = 0;
	const char *line = NULL;
	struct stat st;
	size_t len = 0;
	int r;

	if (fd < 0)
		return nojit_err_set(err, -errno, "audit log %s: %s", path, strerror(errno));
	if (fstat(fd, &st))
		return nojit_err_set(err, -errno, "audit log %s: %s", path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return nojit_err_set(err, -EINVAL, "audit log %s: not a regular file", path);
	if (st.st_size == 0)
		return nojit_err_set(err, -ENOENT, "audit log %s: empty, no record written yet", path);
	rl.buf = malloc(HEAD_CHUNK + AUDIT_LINE_MAX + 1);
	tok = json_tokener_new();
	if (!rl.buf || !tok) {
		r = nojit_err_set(err, -ENOMEM, "audit log %s: out of memory", path);
		goto out;
	}
	/* Bytes past the last newline are a record still being written: not part of the head. */
	r = rlines_init(&rl, st.st_size, &h.partial_bytes);
	if (r == -ENOENT) {
		r = nojit_err_set(err, -ENOENT, "audit log %s: no complete record (%llu bytes of a partial line)",
				  path, (unsigned long long)h.partial_bytes);
		goto out;
	}
	if (r) {
		r = nojit_err_set(err, r, "audit log %s: reading it: %s", path, strerror(-r));
		goto out;
	}
	while ((r = rlines_prev(&rl, &line, &len)) > 0) {
		off_t at = rl.start + (off_t)rl.len;
		struct rec_prefix pr;
		const char *why = prefix_parse(line, len, &pr);
		__u8 hash[32];

		if (why) {
			r = nojit_err_set(err, -EBADMSG, "audit log %s: the line at byte %lld: %s", path,
					  (long long)at, why);
			goto out;
		}
		sha256(line, len, hash);
		if (!want_seq) {
			h.last_seq = pr.seq;
			memcpy(h.last_sha256, hash, 32);
			memcpy(h.last_type, pr.type, sizeof(h.last_type));
			h.last_time_ns = pr.time_ns;
		} else if (pr.seq != want_seq || memcmp(hash, want_prev, 32)) {
			r = nojit_err_set(err, -EBADMSG,
					  "audit log %s: seq %llu does not link to the record after it (seq %llu): "
					  "nojit audit verify tells what is wrong", path,
					  (unsigned long long)pr.seq, (unsigned long long)want_seq + 1);
			goto out;
		}
		want_seq = pr.seq - 1;
		memcpy(want_prev, pr.prev, 32);
		if (!strcmp(pr.type, "seal") || !strcmp(pr.type, "segment")) {
			bool seal = !strcmp(pr.type, "seal");

			why = head_fields(tok, line, len, seal, &h);
			if (why) {
				r = nojit_err_set(err, -EBADMSG, "audit log %s: the %s at seq %llu: %s", path,
						  pr.type, (unsigned long long)pr.seq, why);
				goto out;
			}
			if (seal) {
				h.has_seal = true;
				h.seal_seq = pr.seq;
				h.seal_time_ns = pr.time_ns;
				break;
			}
		}
		h.unsealed++;
		/* Seq 1 ends the chain: nothing can come before it. */
		if (!want_seq)
			break;
	}
	if (r < 0) {
		r = nojit_err_set(err, r, "audit log %s: reading it backwards: %s%s", path, strerror(-r),
				  r == -E2BIG ? " (a line longer than the format allows)" : "");
		goto out;
	}
	*ret = h;
	r = 0;
out:
	free(rl.buf);
	if (tok)
		json_tokener_free(tok);
	return r;
}

/* Finish or discard a rotation a crash interrupted. */
static int finish_rotation(struct audit_log *log, struct nojit_err *err)
{
	char next[NAME_MAX + 1];

	hidden_name(log, "next", next, sizeof(next));
	if (faccessat(log->dir_fd, next, F_OK, AT_SYMLINK_NOFOLLOW))
		return 0;
	if (faccessat(log->dir_fd, log->base, F_OK, AT_SYMLINK_NOFOLLOW) == 0) {
		unlinkat(log->dir_fd, next, 0);	/* the old file was never moved: not started */
		return 0;
	}
	if (renameat(log->dir_fd, next, log->dir_fd, log->base))
		return nojit_err_set(err, -errno, "%s: completing an interrupted rotation: %s", log->path,
				     strerror(errno));
	return fsync_dir(log);
}

static int open_existing(struct audit_log *log, struct audit_log_open_info *info, struct nojit_err *err)
{
	struct stat st;
	struct tail t;
	char tag[48];
	__u64 now;
	int r;

	if (fstat(log->fd, &st))
		return nojit_err_set(err, -errno, "%s: %s", log->path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return nojit_err_set(err, -EINVAL, "%s: not a regular file", log->path);
	now = log_now(log);
	if (st.st_size == 0) {
		/* Nothing to continue: replace the empty file. */
		close_fd(&log->fd);
		if (unlinkat(log->dir_fd, log->base, 0))
			return nojit_err_set(err, -errno, "%s: %s", log->path, strerror(errno));
		info->how = AUDIT_OPEN_NEW;
		snprintf(info->detail, sizeof(info->detail), "the file was empty");
		return new_log(log, now, err);
	}
	r = tail_scan(log->fd, st.st_size, &t);
	if (r)
		return nojit_err_set(err, r, "%s: reading it: %s", log->path, strerror(-r));
	if (!t.any || !t.have_log_id) {
		snprintf(tag, sizeof(tag), "invalid-%llu", (unsigned long long)(now / 1000000000u));
		close_fd(&log->fd);
		r = move_aside(log, tag, info->rotated_to, err);
		if (r)
			return r;
		info->how = AUDIT_OPEN_REPLACED;
		snprintf(info->detail, sizeof(info->detail), "%s",
			 !t.any ? "no usable record in it" : "it names no log id (no segment record or seal)");
		return new_log(log, now, err);
	}
	memcpy(log->log_id, t.log_id, sizeof(log->log_id));
	log->segment = t.have_segment ? t.segment : 0;
	log->seq = t.seq;
	memcpy(log->head, t.hash, 32);
	log->end = t.end;
	info->unsealed = t.unsealed;
	if (t.end == st.st_size) {
		info->how = AUDIT_OPEN_CONTINUED;
		r = write_session_start(log, now, "restart", body_restart, log, err);
	} else {
		/* Never append after a broken tail: set it aside, link past it. */
		info->how = AUDIT_OPEN_RECOVERED;
		info->discarded = (__u64)(st.st_size - t.end);
		snprintf(info->detail, sizeof(info->detail),
			 "%llu bytes after seq %llu are not whole, linked records (crash while writing?)",
			 (unsigned long long)info->discarded, (unsigned long long)t.seq);
		if (t.have_segment)
			snprintf(tag, sizeof(tag), "%u", t.segment);
		else	/* the first line is broken: a name that cannot be confused with a segment */
			snprintf(tag, sizeof(tag), "invalid-%llu", (unsigned long long)(now / 1000000000u));
		r = start_segment(log, "recover", info->discarded, now, tag,
				  t.have_segment ? t.segment + 1 : 1, info->rotated_to, err);
	}
	if (r)
		return r;
	/* Seal what the previous run left unsealed, together with this start. */
	if (t.unsealed || info->how == AUDIT_OPEN_RECOVERED)
		r = write_seal(log, now, NULL, err);
	return r;
}

int audit_log_open(const char *path, const struct nojit_seckey *key,
		   const struct audit_log_config *cfg, struct audit_log **ret,
		   struct audit_log_open_info *ret_info, struct nojit_err *err)
{
	struct audit_log_open_info info_buf;
	struct audit_log_open_info *info = ret_info ? ret_info : &info_buf;
	struct audit_log *log;
	char lock[NAME_MAX + 1];
	const char *slash;
	int r;

	memset(info, 0, sizeof(*info));
	if (keys_init())
		return nojit_err_set(err, -EIO, "libsodium failed to initialise");
	log = calloc(1, sizeof(*log));
	if (!log)
		return nojit_err_set(err, -ENOMEM, "out of memory");
	log->fd = log->dir_fd = log->lock_fd = -1;
	if (cfg)
		log->cfg = *cfg;
	if (!log->cfg.seal_every)
		log->cfg.seal_every = AUDIT_SEAL_EVERY_DEFAULT;
	if (!log->cfg.seal_every_ms)
		log->cfg.seal_every_ms = AUDIT_SEAL_EVERY_MS_DEFAULT;
	if (log->cfg.seal_every > AUDIT_SEAL_EVERY_MAX || log->cfg.seal_every_ms > AUDIT_SEAL_EVERY_MS_MAX) {
		r = nojit_err_set(err, -EINVAL, "seal interval out of range (at most %u records, %u ms)",
				  AUDIT_SEAL_EVERY_MAX, AUDIT_SEAL_EVERY_MS_MAX);
		goto fail;
	}
	log->key = *key;
	log->path = strdup(path);
	slash = strrchr(path, '/');
	log->base = strdup(slash ? slash + 1 : path);
	if (!log->path || !log->base) {
		r = nojit_err_set(err, -ENOMEM, "out of memory");
		goto fail;
	}
	if (!*log->base || !strcmp(log->base, ".") || !strcmp(log->base, "..")) {
		r = nojit_err_set(err, -EINVAL, "%s: not a file name", path);
		goto fail;
	}
	if (gethostname(log->host, sizeof(log->host) - 1))
		snprintf(log->host, sizeof(log->host), "unknown");
	if (slash) {
		char dir[PATH_MAX];

		snprintf(dir, sizeof(dir), "%.*s", slash == path ? 1 : (int)(slash - path), path);
		log->dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	} else {
		log->dir_fd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	}
	if (log->dir_fd < 0) {
		r = nojit_err_set(err, -errno, "%s: its directory: %s", path, strerror(errno));
		goto fail;
	}
	hidden_name(log, "lock", lock, sizeof(lock));
	log->lock_fd = openat(log->dir_fd, lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (log->lock_fd < 0) {
		r = nojit_err_set(err, -errno, "%s: lock file %s: %s", path, lock, strerror(errno));
		goto fail;
	}
	if (flock(log->lock_fd, LOCK_EX | LOCK_NB)) {
		r = errno == EWOULDBLOCK ? nojit_err_set(err, -EBUSY, "%s: another writer has it open", path)
					 : nojit_err_set(err, -errno, "%s: lock: %s", path, strerror(errno));
		goto fail;
	}
	r = finish_rotation(log, err);
	if (r)
		goto fail;
	log->fd = openat(log->dir_fd, log->base, O_RDWR | O_APPEND | O_CLOEXEC | O_NOFOLLOW);
	if (log->fd < 0 && errno == ENOENT) {
		info->how = AUDIT_OPEN_NEW;
		r = new_log(log, log_now(log), err);
	} else if (log->fd < 0) {
		r = nojit_err_set(err, -errno, "%s: %s", path, strerror(errno));
	} else {
		r = open_existing(log, info, err);
	}
	if (r)
		goto fail;
	*ret = log;
	return 0;
fail:
	audit_log_free(log);
	return r;
}

int audit_log_rotate(struct audit_log *log, char *ret_path, struct nojit_err *err)
{
	__u64 now = log_now(log);
	char tag[16];
	int r;

	r = write_seal(log, now, "rotate", err);
	if (r)
		return r;
	snprintf(tag, sizeof(tag), "%u", log->segment);
	r = start_segment(log, "rotate", 0, now, tag, log->segment + 1, ret_path, err);
	if (r && log->fd >= 0 && faccessat(log->dir_fd, log->base, F_OK, AT_SYMLINK_NOFOLLOW) == 0) {
		/* Not rotated: the old file goes on, and a record after a closing seal must start a session. */
		struct nojit_err ignored;

		(void)write_session_start(log, now, "restart", body_restart, log, &ignored);
	}
	return r;
}

void audit_log_free(struct audit_log *log)
{
	if (!log)
		return;
	close_fd(&log->fd);
	close_fd(&log->dir_fd);
	close_fd(&log->lock_fd);	/* releases the lock */
	key_secret_wipe(&log->key);
	free(log->line.p);
	free(log->path);
	free(log->base);
	free(log);
}

int audit_log_close(struct audit_log *log, struct nojit_err *err)
{
	int r;

	if (!log)
		return 0;
	r = write_seal(log, log_now(log), "shutdown", err);
	if (!r && log->fd >= 0 && fsync(log->fd))
		r = nojit_err_set(err, -errno, "%s: %s", log->path, strerror(errno));
	audit_log_free(log);
	return r;
}

/* ---- verifier ---------------------------------------------------------------------- */

struct vfile {
	const char *path;
	size_t index;		/* in the caller's array */
	int fd;
	const char *map;
	size_t size;
	size_t region;		/* bytes that belong to the chain */
	struct rec_prefix first;
	char log_id[AUDIT_LOG_ID_LEN + 1];
	char reason[16];
	__u64 discarded;
};

struct vline {
	bool eof, partial, first_in_file;
	size_t f;		/* index into the sorted files */
	__u64 lineno;
	const char *p;
	size_t len;
	const char *perr;	/* why the prefix does not parse */
	struct rec_prefix r;
	__u8 hash[32];
};

struct viter {
	struct vfile *files;
	size_t n, f, off;
	__u64 lineno;
};

static void viter_next(struct viter *it, struct vline *l)
{
	memset(l, 0, sizeof(*l));
	while (it->f < it->n) {
		struct vfile *vf = &it->files[it->f];
		const char *nl;

		if (it->off >= vf->region) {
			it->f++;
			it->off = 0;
			it->lineno = 0;
			continue;
		}
		l->f = it->f;
		l->lineno = ++it->lineno;
		l->first_in_file = it->off == 0;
		l->p = vf->map + it->off;
		nl = memchr(l->p, '\n', vf->region - it->off);
		if (!nl) {
			l->partial = true;
			l->len = vf->region - it->off;
			it->off = vf->region;
			return;
		}
		l->len = (size_t)(nl - l->p);
		it->off += l->len + 1;
		if (l->len > AUDIT_LINE_MAX) {
			l->perr = "longer than the longest record allowed";
			return;
		}
		sha256(l->p, l->len, l->hash);
		l->perr = prefix_parse(l->p, l->len, &l->r);
		return;
	}
	l->eof = true;
}

struct verifier {
	const struct nojit_trust *trust;
	const struct audit_verify_opts *opts;
	struct audit_verify_result *res;
	struct vfile *files;
	size_t n;
	struct json_tokener *tok;

	bool have_last, have_last2, have_policy;
	enum { CLOSE_NONE, CLOSE_ROTATE, CLOSE_SHUTDOWN } last_close;	/* of the previous line */
	__u64 last_seq, last_lineno;
	size_t last_f;
	__u8 last_hash[32], last2_hash[32];
	char last_type[16];
	__u64 win_n, win_t0, pol_n, pol_ms;
};

__attribute__((format(printf, 6, 7)))
static void fail(struct verifier *v, enum audit_reason reason, size_t f, __u64 lineno, __u64 seq,
		 const char *fmt, ...)
{
	struct audit_verify_result *res = v->res;
	va_list ap;

	res->reason = reason;
	res->file_index = f < v->n ? v->files[f].index : 0;
	res->line = lineno;
	res->seq = seq;
	va_start(ap, fmt);
	vsnprintf(res->detail, sizeof(res->detail), fmt, ap);
	va_end(ap);
}

/* Blame the previous line, which had been counted as verified. */
__attribute__((format(printf, 3, 4)))
static void fail_last(struct verifier *v, enum audit_reason reason, const char *fmt, ...)
{
	struct audit_verify_result *res = v->res;
	va_list ap;

	res->reason = reason;
	res->file_index = v->files[v->last_f].index;
	res->line = v->last_lineno;
	res->seq = v->last_seq;
	va_start(ap, fmt);
	vsnprintf(res->detail, sizeof(res->detail), fmt, ap);
	va_end(ap);
	if (res->records)
		res->records--;
	if (!strcmp(v->last_type, "seal") && res->seals)
		res->seals--;
	else if (!strcmp(v->last_type, "event") && res->events)
		res->events--;
	else if (!strcmp(v->last_type, "response") && res->responses)
		res->responses--;
	else if (!strcmp(v->last_type, "scan") && res->scan_findings)
		res->scan_findings--;
}

static bool prev_is(const struct vline *l, const __u8 h[32])
{
	return !memcmp(l->r.prev, h, 32);
}

/* CUR does not continue the chain: say how, naming the first bad record. */
static void classify(struct verifier *v, const struct vline *cur, const struct vline *nxt)
{
	__u64 e = v->last_seq + 1, s = cur->r.seq;
	bool nxt_ok = !nxt->eof && !nxt->partial && !nxt->perr;
	bool link = prev_is(cur, v->last_hash);

	if (cur->first_in_file && cur->f > 0 && s > e) {
		fail(v, AUDIT_TRUNCATED, cur->f - 1, 0, e,
		     "%s ends at seq %llu, but %s continues from seq %llu: records %llu..%llu are missing "
		     "(a segment cut short, or a segment file not given)",
		     v->files[cur->f - 1].path, (unsigned long long)v->last_seq, v->files[cur->f].path,
		     (unsigned long long)s, (unsigned long long)e, (unsigned long long)(s - 1));
		return;
	}
	if (s == e) {
		if (nxt_ok && nxt->r.seq == e && prev_is(nxt, v->last_hash))
			fail(v, AUDIT_INSERTED, cur->f, cur->lineno, s,
			     "not part of the chain: the next record is the real seq %llu", (unsigned long long)e);
		else if (nxt_ok && nxt->r.seq == e + 1 && prev_is(nxt, cur->hash))
			fail_last(v, AUDIT_ALTERED,
				  "its content changed: its hash does not match the prev of seq %llu",
				  (unsigned long long)e);
		else
			fail(v, AUDIT_ALTERED, cur->f, cur->lineno, s,
			     "its content changed: its prev does not match the hash of seq %llu",
			     (unsigned long long)v->last_seq);
	} else if (s > e) {
		if (link && nxt_ok && nxt->r.seq == e && prev_is(nxt, v->last_hash))
			fail(v, AUDIT_INSERTED, cur->f, cur->lineno, s,
			     "not part of the chain: the next record is the real seq %llu", (unsigned long long)e);
		else if (link)
			fail(v, AUDIT_ALTERED, cur->f, cur->lineno, s,
			     "its seq changed: it follows seq %llu, so it must be seq %llu",
			     (unsigned long long)v->last_seq, (unsigned long long)e);
		else if (nxt_ok && nxt->r.seq < s)
			fail(v, AUDIT_REORDERED, cur->f, cur->lineno, s,
			     "seq %llu is out of order: seq %llu belongs here", (unsigned long long)s,
			     (unsigned long long)e);
		else if (s == e + 1)
			fail(v, AUDIT_REMOVED, cur->f, cur->lineno, e,
			     "record seq %llu is missing (between seq %llu and seq %llu)", (unsigned long long)e,
			     (unsigned long long)v->last_seq, (unsigned long long)s);
		else
			fail(v, AUDIT_REMOVED, cur->f, cur->lineno, e,
			     "records seq %llu..%llu are missing (between seq %llu and seq %llu)",
			     (unsigned long long)e, (unsigned long long)(s - 1),
			     (unsigned long long)v->last_seq, (unsigned long long)s);
	} else if (s == v->last_seq) {
		if (!memcmp(cur->hash, v->last_hash, 32))
			fail(v, AUDIT_INSERTED, cur->f, cur->lineno, s, "a copy of the record before it");
		else if (v->have_last2 && prev_is(cur, v->last2_hash) && nxt_ok && prev_is(nxt, cur->hash))
			fail_last(v, AUDIT_INSERTED,
				  "not part of the chain: the record after it is the real seq %llu",
				  (unsigned long long)s);
		else
			fail(v, AUDIT_INSERTED, cur->f, cur->lineno, s, "a second record with seq %llu",
			     (unsigned long long)s);
	} else {
		fail(v, AUDIT_REORDERED, cur->f, cur->lineno, s, "seq %llu comes after seq %llu",
		     (unsigned long long)s, (unsigned long long)v->last_seq);
	}
}

static void note_key(struct audit_verify_result *res, const char *id)
{
	for (size_t i = 0; i < res->n_key_ids; i++)
		if (!strcmp(res->key_ids[i], id))
			return;
	if (res->n_key_ids < AUDIT_VERIFY_MAX_KEYS)
		snprintf(res->key_ids[res->n_key_ids++], NOJIT_KEY_ID_LEN + 1, "%s", id);
}

/* A seal: well-formed, for this log, by a trusted key, signature valid. */
static bool check_seal(struct verifier *v, const struct vline *l, struct json_object *o, int *ret_close)
{
	const char *log_id = jstr(o, "log"), *key_id = jstr(o, "key_id"), *sig = jstr(o, "sig");
	size_t ctx_len = strlen(AUDIT_SEAL_CONTEXT), body;
	const struct nojit_pubkey *k;
	_cleanup_free_ char *msg = NULL;
	__u8 sig_bin[NOJIT_SIG_LEN];
	struct json_object *cl;
	const char *close;

	if (!log_id || !key_id || !sig || !json_object_object_get_ex(o, "close", &cl)) {
		fail(v, AUDIT_MALFORMED, l->f, l->lineno, l->r.seq, "seal without log, key_id, close or sig");
		return false;
	}
	close = json_object_is_type(cl, json_type_string) ? json_object_get_string(cl) : NULL;
	if (!json_object_is_type(cl, json_type_null) &&
	    (!close || (strcmp(close, "rotate") && strcmp(close, "shutdown")))) {
		fail(v, AUDIT_MALFORMED, l->f, l->lineno, l->r.seq, "seal whose close is not null, rotate or shutdown");
		return false;
	}
	if (strcmp(log_id, v->res->log_id)) {
		fail(v, AUDIT_MALFORMED, l->f, l->lineno, l->r.seq, "seal of another log (%s, this is %s)",
		     log_id, v->res->log_id);
		return false;
	}
	/* The signature must be the last member, so that everything before it is signed. */
	if (l->len < SIG_TAIL_LEN + 2 || memcmp(l->p + l->len - SIG_TAIL_LEN, SIG_SUFFIX, sizeof(SIG_SUFFIX) - 1) ||
	    memcmp(l->p + l->len - 2, "\"}", 2) || strlen(sig) != SIG_B64_LEN ||
	    memcmp(l->p + l->len - 2 - SIG_B64_LEN, sig, SIG_B64_LEN)) {
		fail(v, AUDIT_MALFORMED, l->f, l->lineno, l->r.seq, "seal whose sig is not its last member");
		return false;
	}
	k = trust_find(v->trust, key_id);
	if (!k) {
		fail(v, AUDIT_WRONG_KEY, l->f, l->lineno, l->r.seq,
		     "sealed with key %.*s, which is not a trusted key", NOJIT_KEY_ID_LEN, key_id);
		return false;
	}
	if (b64_decode_exact(sig, SIG_B64_LEN, sig_bin, sizeof(sig_bin))) {
		fail(v, AUDIT_BAD_SEAL, l->f, l->lineno, l->r.seq,
		     "its signature is not base64 of %d bytes", NOJIT_SIG_LEN);
		return false;
	}
	body = l->len - SIG_TAIL_LEN;
	msg = malloc(ctx_len + body + 1);
	if (!msg) {
		fail(v, AUDIT_MALFORMED, l->f, l->lineno, l->r.seq, "out of memory");
		return false;
	}
	memcpy(msg, AUDIT_SEAL_CONTEXT, ctx_len);
	memcpy(msg + ctx_len, l->p, body);
	msg[ctx_len + body] = '}';
	if (key_verify(k, msg, ctx_len + body + 1, sig_bin)) {
		fail(v, AUDIT_BAD_SEAL, l->f, l->lineno, l->r.seq,
		     "its signature does not verify with key %s", k->id);
		return false;
	}
	note_key(v->res, k->id);
	*ret_close = !close ? CLOSE_NONE : !strcmp(close, "rotate") ? CLOSE_ROTATE : CLOSE_SHUTDOWN;
	return true;
}

static bool get_policy(struct verifier *v, const struct vline *l, struct json_object *o)
{
	__u64 n, ms;

	if (!ju64(o, "every_n", &n) || !n || n > AUDIT_SEAL_EVERY_MAX || !ju64(o, "every_ms", &ms) || !ms ||
	    ms > AUDIT_SEAL_EVERY_MS_MAX) {
		fail(v, AUDIT_MALFORMED, l->f, l->lineno, l->r.seq, "%s record without a valid seal policy",
		     l->r.type);
		return false;
	}
	v->pol_n = n;
	v->pol_ms = ms;
	v->have_policy = true;
	return true;
}

/* A session start (segment or restart) ends the previous writer's session. */
static void session_start(struct verifier *v, const struct vline *l)
{
	struct audit_verify_result *res = v->res;

	res->sessions++;
	if (v->have_last && v->last_close == CLOSE_NONE) {
		res->recoveries++;
		res->recovered_unsealed += v->win_n;
	}
	v->win_n = 1;
	v->win_t0 = l->r.time_ns;
}

static bool check_line(struct verifier *v, const struct vline *l)
{
	struct audit_verify_result *res = v->res;
	bool is_seg = !strcmp(l->r.type, "segment"), ok = false;
	struct json_object *o;

	if (l->first_in_file && !is_seg) {
		fail(v, AUDIT_MALFORMED, l->f, l->lineno, l->r.seq,
		     "a file must start with a segment record, not %s", l->r.type);
		return false;
	}
	if (!l->first_in_file && is_seg) {
		fail(v, AUDIT_INSERTED, l->f, l->lineno, l->r.seq,
		     "a segment record inside a file: segments only start files");
		return false;
	}
	if (v->have_last && v->last_close != CLOSE_NONE && !is_seg && strcmp(l->r.type, "restart")) {
		fail(v, AUDIT_INSERTED, l->f, l->lineno, l->r.seq,
		     "a record of type %s after the %s seal at seq %llu, without a restart", l->r.type,
		     v->last_close == CLOSE_ROTATE ? "rotation" : "shutdown", (unsigned long long)v->last_seq);
		return false;
	}
	o = json_parse_line(v->tok, l->p, l->len);
	if (!o) {
		fail(v, AUDIT_MALFORMED, l->f, l->lineno, l->r.seq, "not a JSON object");
		return false;
	}
	if (is_seg) {
		char log_id[AUDIT_LOG_ID_LEN + 1];
		const char *reason = jstr(o, "reason");
		__u32 segment;
		__u64 discarded;

		if (!seg_fields(o, log_id, &segment) || !reason || !ju64(o, "discarded", &discarded)) {
			fail(v, AUDIT_MALFORMED, l->f, l->lineno, l->r.seq,
			     "segment record without format %d, log, segment, reason or discarded", AUDIT_FORMAT);
			goto out;
		}
		if ((l->r.seq == 1) != !strcmp(reason, "new") ||
		    (strcmp(reason, "new") && strcmp(reason, "rotate") && strcmp(reason, "recover"))) {
			fail(v, AUDIT_MALFORMED, l->f, l->lineno, l->r.seq, "segment reason '%s' at seq %llu",
			     reason, (unsigned long long)l->r.seq);
			goto out;
		}
		if (!get_policy(v, l, o))
			goto out;
		res->segments++;
		res->discarded_bytes += discarded;
		session_start(v, l);
	} else if (!strcmp(l->r.type, "restart")) {
		if (!get_policy(v, l, o))
			goto out;
		session_start(v, l);
	} else if (!strcmp(l->r.type, "seal")) {
		int close = CLOSE_NONE;

		if (!check_seal(v, l, o, &close))
			goto out;
		res->seals++;
		res->last_seal_seq = l->r.seq;
		v->win_n = 0;
		v->last_close = close;
	} else {
		/* A correct writer seals before a window exceeds its policy. */
		if (v->win_n >= v->pol_n) {
			fail(v, AUDIT_MISSING_SEAL, l->f, l->lineno, l->r.seq,
			     "%llu records without a seal before it, but the writer seals every %llu",
			     (unsigned long long)v->win_n, (unsigned long long)v->pol_n);
			goto out;
		}
		if (v->win_n && l->r.time_ns > v->win_t0 && l->r.time_ns - v->win_t0 >= v->pol_ms * 1000000u) {
			fail(v, AUDIT_MISSING_SEAL, l->f, l->lineno, l->r.seq,
			     "written %.3f s after the oldest unsealed record, but the writer seals every %.3f s",
			     (double)(l->r.time_ns - v->win_t0) / 1e9, (double)v->pol_ms / 1e3);
			goto out;
		}
		if (!v->win_n)
			v->win_t0 = l->r.time_ns;
		v->win_n++;
		if (!strcmp(l->r.type, "event") || !strcmp(l->r.type, "vkernel")) {
			res->events++;
		} else if (!strcmp(l->r.type, "drops")) {
			__u64 d;

			if (!ju64(o, "dropped", &d)) {
				fail(v, AUDIT_MALFORMED, l->f, l->lineno, l->r.seq, "drops record without dropped");
				goto out;
			}
			res->drops_records++;
			res->dropped += d;
		} else if (!strcmp(l->r.type, "response")) {
			res->responses++;
		} else if (!strcmp(l->r.type, "scan")) {
			res->scan_findings++;
		}
	}
	if (strcmp(l->r.type, "seal"))
		v->last_close = CLOSE_NONE;
	ok = true;
out:
	json_object_put(o);
	return ok;
}

static void verify_chain(struct verifier *v)
{
	struct audit_verify_result *res = v->res;
	const struct audit_verify_opts *opts = v->opts;
	struct viter it = { .files = v->files, .n = v->n };
	struct vline cur, nxt;
	static const __u8 zero[32];

	viter_next(&it, &cur);
	viter_next(&it, &nxt);
	for (; !cur.eof; cur = nxt, viter_next(&it, &nxt)) {
		if (cur.partial) {
			if (cur.f + 1 < v->n) {
				fail(v, AUDIT_TRUNCATED, cur.f, cur.lineno, v->last_seq + 1,
				     "%s ends inside a record, where the next segment expects a whole one",
				     v->files[cur.f].path);
				return;
			}
			res->partial_bytes = cur.len;
			break;
		}
		if (cur.perr) {
			fail(v, AUDIT_MALFORMED, cur.f, cur.lineno, 0, "%s", cur.perr);
			return;
		}
		if (!v->have_last) {
			if (cur.r.seq == 1 && memcmp(cur.r.prev, zero, 32)) {
				fail(v, AUDIT_ALTERED, cur.f, cur.lineno, 1, "the first record's prev is not all zero");
				return;
			}
			res->starts_mid_chain = cur.r.seq != 1;
			res->first_seq = cur.r.seq;
		} else if (cur.r.seq != v->last_seq + 1 || !prev_is(&cur, v->last_hash)) {
			classify(v, &cur, &nxt);
			return;
		}
		/* A record after the one the next segment links to is not part of the chain. */
		if (cur.f + 1 < v->n && cur.r.seq >= v->files[cur.f + 1].first.seq) {
			fail(v, AUDIT_INSERTED, cur.f, cur.lineno, cur.r.seq,
			     "after seq %llu, where the next segment (%s) continues the chain",
			     (unsigned long long)(v->files[cur.f + 1].first.seq - 1), v->files[cur.f + 1].path);
			return;
		}
		if (opts->anchor_seq && cur.r.seq == opts->anchor_seq && opts->has_anchor_hash &&
		    memcmp(cur.hash, opts->anchor_hash, 32)) {
			fail(v, AUDIT_ALTERED, cur.f, cur.lineno, cur.r.seq, "does not match the anchor's hash");
			return;
		}
		if (!check_line(v, &cur))
			return;
		res->records++;
		memcpy(v->last2_hash, v->last_hash, 32);
		v->have_last2 = v->have_last;
		v->have_last = true;
		v->last_seq = cur.r.seq;
		v->last_f = cur.f;
		v->last_lineno = cur.lineno;
		memcpy(v->last_hash, cur.hash, 32);
		snprintf(v->last_type, sizeof(v->last_type), "%s", cur.r.type);
	}
	if (!v->have_last) {
		fail(v, AUDIT_TRUNCATED, 0, 1, 0, "%s holds no whole record", v->files[0].path);
		return;
	}
	res->last_seq = v->last_seq;
	res->last_file_index = v->files[v->n - 1].index;
	memcpy(res->head, v->last_hash, 32);
	res->closed = v->last_close == CLOSE_SHUTDOWN;
	res->ends_rotated = v->last_close == CLOSE_ROTATE;
	res->unsealed = v->win_n;

	if (opts->anchor_seq && v->last_seq < opts->anchor_seq) {
		fail(v, AUDIT_TRUNCATED, v->last_f, v->last_lineno + 1, v->last_seq + 1,
		     "the log ends at seq %llu, before the anchor at seq %llu",
		     (unsigned long long)v->last_seq, (unsigned long long)opts->anchor_seq);
		return;
	}
	if (opts->anchor_seq && res->first_seq > opts->anchor_seq) {
		fail(v, AUDIT_TRUNCATED, 0, 1, opts->anchor_seq,
		     "the log given starts at seq %llu, after the anchor at seq %llu",
		     (unsigned long long)res->first_seq, (unsigned long long)opts->anchor_seq);
		return;
	}
	if (!opts->strict)
		return;
	if (res->starts_mid_chain)
		fail(v, AUDIT_TRUNCATED, 0, 1, 1, "the log starts at seq %llu: earlier segments are missing",
		     (unsigned long long)res->first_seq);
	else if (res->partial_bytes)
		fail(v, AUDIT_TRUNCATED, v->n - 1, v->last_lineno + 1, v->last_seq + 1,
		     "ends inside a record (%llu bytes): cut short, or the daemon crashed while writing",
		     (unsigned long long)res->partial_bytes);
	else if (res->unsealed && res->last_seal_seq)
		fail(v, AUDIT_MISSING_SEAL, v->last_f, v->last_lineno, v->last_seq,
		     "%llu records after the last seal (seq %llu) are not sealed: the shutdown seal is missing",
		     (unsigned long long)res->unsealed, (unsigned long long)res->last_seal_seq);
	else if (res->unsealed)
		fail(v, AUDIT_MISSING_SEAL, v->last_f, v->last_lineno, v->last_seq,
		     "no seal at all over its %llu records", (unsigned long long)res->unsealed);
	else if (res->ends_rotated)
		fail(v, AUDIT_TRUNCATED, v->last_f, v->last_lineno + 1, v->last_seq + 1,
		     "ends with a rotation seal: the segment file after it is missing");
	else if (!res->closed)
		fail(v, AUDIT_TRUNCATED, v->last_f, v->last_lineno, v->last_seq,
		     "ends with a periodic seal, not the shutdown seal");
}

static int vfile_cmp(const void *a, const void *b)
{
	const struct vfile *x = a, *y = b;

	return x->first.seq < y->first.seq ? -1 : x->first.seq > y->first.seq;
}

/* Map a file and read its first record: it says where the file goes in the chain. */
static int vfile_open(struct verifier *v, size_t i, struct nojit_err *err)
{
	struct vfile *vf = &v->files[i];
	struct json_object *o = NULL;
	const char *nl, *why, *reason;
	__u32 segment;
	struct stat st;

	vf->fd = open(vf->path, O_RDONLY | O_CLOEXEC);
	if (vf->fd < 0)
		return nojit_err_set(err, -errno, "%s: %s", vf->path, strerror(errno));
	if (fstat(vf->fd, &st))
		return nojit_err_set(err, -errno, "%s: %s", vf->path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return nojit_err_set(err, -EINVAL, "%s: not a regular file", vf->path);
	vf->size = vf->region = (size_t)st.st_size;
	if (!vf->size) {
		fail(v, AUDIT_TRUNCATED, i, 0, 0, "%s is empty", vf->path);
		return 1;
	}
	vf->map = mmap(NULL, vf->size, PROT_READ, MAP_PRIVATE, vf->fd, 0);
	if (vf->map == MAP_FAILED) {
		vf->map = NULL;
		return nojit_err_set(err, -errno, "%s: %s", vf->path, strerror(errno));
	}
	nl = memchr(vf->map, '\n', vf->size < AUDIT_LINE_MAX ? vf->size : AUDIT_LINE_MAX);
	if (!nl) {
		fail(v, AUDIT_TRUNCATED, i, 1, 0, "%s holds no whole record", vf->path);
		return 1;
	}
	why = prefix_parse(vf->map, (size_t)(nl - vf->map), &vf->first);
	if (why) {
		fail(v, AUDIT_MALFORMED, i, 1, 0, "%s", why);
		return 1;
	}
	o = json_parse_line(v->tok, vf->map, (size_t)(nl - vf->map));
	reason = o ? jstr(o, "reason") : NULL;
	if (!o || strcmp(vf->first.type, "segment") || !seg_fields(o, vf->log_id, &segment) || !reason ||
	    strlen(reason) >= sizeof(vf->reason) || !ju64(o, "discarded", &vf->discarded)) {
		json_object_put(o);
		fail(v, AUDIT_MALFORMED, i, 1, vf->first.seq, "the first line is not a segment record");
		return 1;
	}
	snprintf(vf->reason, sizeof(vf->reason), "%s", reason);
	json_object_put(o);
	return 0;
}

int audit_verify(const char *const *paths, size_t n, const struct nojit_trust *trust,
		 const struct audit_verify_opts *opts, struct audit_verify_result *res,
		 struct nojit_err *err)
{
	static const struct audit_verify_opts no_opts;
	struct verifier v = { .trust = trust, .opts = opts ? opts : &no_opts, .res = res, .n = n };
	int r = 0;

	memset(res, 0, sizeof(*res));
	if (!n)
		return nojit_err_set(err, -EINVAL, "no file to verify");
	v.files = calloc(n, sizeof(*v.files));
	v.tok = json_tokener_new_ex(JSON_TOKENER_DEFAULT_DEPTH);
	if (!v.files || !v.tok) {
		r = nojit_err_set(err, -ENOMEM, "out of memory");
		goto out;
	}
	json_tokener_set_flags(v.tok, JSON_TOKENER_STRICT);
	for (size_t i = 0; i < n; i++) {
		v.files[i].path = paths[i];
		v.files[i].index = i;
		v.files[i].fd = -1;
	}
	for (size_t i = 0; i < n; i++) {
		r = vfile_open(&v, i, err);
		if (r)
			goto out;
	}
	qsort(v.files, n, sizeof(*v.files), vfile_cmp);
	snprintf(res->log_id, sizeof(res->log_id), "%s", v.files[0].log_id);
	for (size_t i = 0; i < n; i++) {
		if (strcmp(v.files[i].log_id, res->log_id)) {
			r = nojit_err_set(err, -EINVAL, "%s belongs to log %s, %s to log %s: verify one log at a time",
					  v.files[0].path, res->log_id, v.files[i].path, v.files[i].log_id);
			goto out;
		}
		if (i && v.files[i].first.seq == v.files[i - 1].first.seq) {
			fail(&v, AUDIT_INSERTED, i, 1, v.files[i].first.seq, "%s and %s both start at seq %llu",
			     v.files[i - 1].path, v.files[i].path, (unsigned long long)v.files[i].first.seq);
			r = 1;
			goto out;
		}
		/* What the next segment set aside after a crash is not part of the chain. */
		if (i + 1 < n) {
			if (v.files[i + 1].discarded > v.files[i].size) {
				fail(&v, AUDIT_TRUNCATED, i, 0, v.files[i + 1].first.seq - 1,
				     "%s is shorter than %s says it was (%llu bytes set aside after a crash)",
				     v.files[i].path, v.files[i + 1].path,
				     (unsigned long long)v.files[i + 1].discarded);
				r = 1;
				goto out;
			}
			v.files[i].region = v.files[i].size - v.files[i + 1].discarded;
		}
	}
	verify_chain(&v);
out:
	if (r > 0)
		r = 0;	/* a verdict, in RES */
	for (size_t i = 0; v.files && i < n; i++) {
		if (v.files[i].map)
			munmap((void *)v.files[i].map, v.files[i].size);
		if (v.files[i].fd >= 0)
			close(v.files[i].fd);
	}
	free(v.files);
	if (v.tok)
		json_tokener_free(v.tok);
	return r;
}
