// SPDX-License-Identifier: GPL-2.0
/*
 * The audit log's record format: the time format, the canonical JSON a
 * record is written in, the record bodies, and the parsing of a record's
 * fixed prefix that the writer (restart) and the verifier share. The
 * format is specified in docs/audit-log.md; keep the two in step.
 */
#include <json-c/json.h>
#include <openssl/evp.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "audit_internal.h"
#include "cli.h"	/* route_name() */

/* ---- hex and time -------------------------------------------------------- */

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

/*
 * Every record is hashed as it is written and again when it is verified:
 * libcrypto's SHA-256 uses the CPU's SHA extensions where it has them
 * (several times libsodium's portable code, which is what limited a
 * drain's throughput). One context per thread, set up once; libsodium
 * if libcrypto has no SHA-256 to give.
 */
void sha256(const void *p, size_t n, __u8 out[32])
{
	static __thread EVP_MD_CTX *ctx;
	static __thread EVP_MD *md;

	if (!md) {
		md = EVP_MD_fetch(NULL, "SHA256", NULL);
		ctx = md ? EVP_MD_CTX_new() : NULL;
		if (!ctx) {
			EVP_MD_free(md);
			md = NULL;
		}
	}
	if (!md || !EVP_DigestInit_ex(ctx, md, NULL) || !EVP_DigestUpdate(ctx, p, n) ||
	    !EVP_DigestFinal_ex(ctx, out, NULL))
		crypto_hash_sha256(out, p, n);
}

/* The digits of V, right-aligned in exactly N characters of P. */
static void put_digits(char *p, size_t n, __u64 v)
{
	while (n--) {
		p[n] = (char)('0' + v % 10);
		v /= 10;
	}
}

void audit_time_format(__u64 ns, char buf[AUDIT_TIME_LEN + 1])
{
	/* A drain formats many times a second: the date part is made once a second. */
	static __thread time_t cached_s = -1;
	static __thread char cached[AUDIT_TIME_LEN + 1];
	time_t s = (time_t)(ns / 1000000000u);
	struct tm tm;

	if (s != cached_s) {
		if (!gmtime_r(&s, &tm) || tm.tm_year + 1900 > 9999 ||
		    snprintf(cached, TIME_LEN + 1, "%04d-%02d-%02dT%02d:%02d:%02d.000000000Z",
			     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
			     tm.tm_sec) != TIME_LEN) {
			snprintf(buf, TIME_LEN + 1, "9999-12-31T23:59:59.999999999Z");
			return;
		}
		cached_s = s;
	}
	memcpy(buf, cached, TIME_LEN + 1);
	put_digits(buf + TIME_LEN - 10, 9, ns % 1000000000u);
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

void sb_reserve(struct sbuf *b, size_t more)
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

void sb_raw(struct sbuf *b, const char *s, size_t n)
{
	sb_reserve(b, n);
	if (b->oom)
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void sb_s(struct sbuf *b, const char *s)
{
	sb_raw(b, s, strlen(s));
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
		size_t l, run = 0;

		/* Printable ASCII needs no escape: copied a run at a time. */
		while (i + run < n && s[i + run] >= 0x20 && s[i + run] < 0x7f &&
		       s[i + run] != '"' && s[i + run] != '\\')
			run++;
		if (run) {
			sb_raw(b, str + i, run);
			i += run;
			continue;
		}
		l = utf8_len(s + i, n - i);
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
void sb_field_str(struct sbuf *b, const char *key, const char *v)
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

static void sb_u64(struct sbuf *b, __u64 v)
{
	char tmp[20];
	size_t n = 0;

	do {
		tmp[sizeof(tmp) - ++n] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	sb_raw(b, tmp + sizeof(tmp) - n, n);
}

void sb_field_u64(struct sbuf *b, const char *key, __u64 v)
{
	sb_key(b, key);
	sb_u64(b, v);
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
void sb_prefix(struct sbuf *b, __u64 seq, const __u8 prev[32], const char *type, __u64 now)
{
	char hex[65], t[TIME_LEN + 1];

	b->len = 0;
	b->oom = false;
	hex_encode(prev, 32, hex);
	audit_time_format(now, t);
	sb_s(b, "{\"seq\":");
	sb_u64(b, seq);
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

/* ---- record bodies --------------------------------------------------------------- */

void body_event(struct sbuf *b, const void *arg)
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
	/*
	 * Which JIT exception allowed it (null for a refusal), and the
	 * attempts or uses the record stands for: the kernel aggregates
	 * repeats, so every event has a count and the time of its first.
	 */
	sb_field_str(b, "exception", ev->exception);
	sb_field_u64(b, "count", ev->count ? ev->count : 1);
	sb_field_time(b, "first_time", ev->first_ns ? ev->first_ns : ev->time_ns,
		      ev->first_ns != 0 || ev->time_ns != 0);
	sb_raw(b, "}", 1);
}

void body_drops(struct sbuf *b, const void *arg)
{
	const struct drops_arg *d = arg;

	sb_field_str(b, "source", d->source);
	sb_field_u64(b, "dropped", d->dropped);
	sb_field_u64_or_null(b, "total", d->total, d->has_total);
	sb_key(b, "reasons");
	if (d->reasons) {
		sb_s(b, "{\"ring_buffer_full\":");
		sb_u64(b, d->reasons->ring_buffer_full);
		sb_field_u64(b, "evicted", d->reasons->evicted);
		sb_field_u64(b, "exit", d->reasons->exit);
		sb_field_u64(b, "exec", d->reasons->exec);
		sb_raw(b, "}", 1);
	} else {
		sb_raw(b, "null", 4);
	}
	sb_raw(b, "}", 1);
}

void body_response(struct sbuf *b, const void *arg)
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

void body_node_policy(struct sbuf *b, const void *arg)
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

void body_vkernel(struct sbuf *b, const void *arg)
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

void body_scan(struct sbuf *b, const void *arg)
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

/* ---- parsing lines ------------------------------------------------------------------- */

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
const char *prefix_parse(const char *line, size_t len, struct rec_prefix *r)
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

struct json_object *json_parse_line(struct json_tokener *tok, const char *p, size_t len)
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

const char *jstr(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

bool ju64(struct json_object *o, const char *key, __u64 *ret)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_int))
		return false;
	*ret = json_object_get_uint64(v);
	return json_object_get_int64(v) >= 0;
}

bool seg_fields(struct json_object *o, char log_id[AUDIT_LOG_ID_LEN + 1], __u32 *segment)
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
