// SPDX-License-Identifier: GPL-2.0
/*
 * Audit events as JSON lines, escaped by hand (the runtime links
 * statically and needs only this much JSON). A guest chooses most of the
 * strings we log: nothing it sends can end the string or the line.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#include "audit.h"

static int audit_fd = -1;	/* private: in no guest's fd table */
static unsigned long audit_lost;

int vk_audit_set_fd(int fd)
{
	/* A copy above 0-2: a guest that frees its fd 2 never gets this one. */
	int copy = fcntl(fd, F_DUPFD_CLOEXEC, 3);

	if (copy < 0)
		return -errno;
	if (audit_fd >= 0)
		close(audit_fd);
	audit_fd = copy;
	return 0;
}

unsigned long vk_audit_lost(void)
{
	return audit_lost;
}

size_t vk_json_escape(char *out, size_t outlen, const char *s, size_t len, size_t cap)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0, i;
	int capped = len > cap;

	if (outlen == 0)
		return 0;
	if (capped)
		len = cap;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		char buf[7];
		size_t n;

		if (c == '"' || c == '\\') {
			buf[0] = '\\';
			buf[1] = (char)c;
			n = 2;
		} else if (c < 0x20 || c >= 0x7f) {
			memcpy(buf, "\\u00", 4);
			buf[4] = hex[c >> 4];
			buf[5] = hex[c & 15];
			n = 6;
		} else {
			buf[0] = (char)c;
			n = 1;
		}
		if (o + n + 4 >= outlen)	/* room for "..." and NUL */
			break;
		memcpy(out + o, buf, n);
		o += n;
	}
	/* The loop kept o + 4 < outlen, except with nothing copied into an
	 * out shorter than "...": the mark is then left out. */
	if ((capped || i < len) && o + 4 <= outlen) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
	return o;
}

/*
 * The event is built with memcpy only (no stdio, no malloc, no locks):
 * it is also written on the trap path, after wasm-rt's signal handler
 * jumped out of whatever the process was doing.
 */
struct line {
	char buf[8192];
	size_t off;
	bool full;
};

static void put(struct line *l, const char *s, size_t n)
{
	if (l->full || n >= sizeof(l->buf) - l->off) {
		l->full = true;
		return;
	}
	memcpy(l->buf + l->off, s, n);
	l->off += n;
}

static void put_str(struct line *l, const char *key, const char *val, size_t len)
{
	char esc[VK_AUDIT_MAX_STR * 6 + 8];
	size_t n = vk_json_escape(esc, sizeof(esc), val, len, VK_AUDIT_MAX_STR);

	put(l, ",\"", 2);
	put(l, key, strlen(key));
	put(l, "\":\"", 3);
	put(l, esc, n);
	put(l, "\"", 1);
}

static void put_ulong(struct line *l, const char *key, unsigned long v)
{
	char digits[24];
	size_t n = sizeof(digits);

	do
		digits[--n] = (char)('0' + v % 10);
	while ((v /= 10) && n > 0);
	put(l, ",\"", 2);
	put(l, key, strlen(key));
	put(l, "\":", 2);
	put(l, digits + n, sizeof(digits) - n);
}

int vk_audit_emit(const struct vk_audit_event *ev)
{
	static const char head[] = "{\"source\":\"vkernel\"";
	struct line l = { .off = 0 };
	ssize_t w;

	put(&l, head, sizeof(head) - 1);
	put_str(&l, "event", ev->event, strlen(ev->event));
	put_str(&l, "module", ev->module ? ev->module : "", ev->module ? strlen(ev->module) : 0);
	put_ulong(&l, "pid", (unsigned long)getpid());
	if (ev->reason)
		put_str(&l, "reason", ev->reason, strlen(ev->reason));
	if (ev->target)
		put_str(&l, "target", ev->target, ev->target_len);
	if (ev->sha256)
		put_str(&l, "sha256", ev->sha256, strlen(ev->sha256));
	if (ev->kind)
		put_str(&l, "kind", ev->kind, strlen(ev->kind));
	put(&l, "}\n", 2);
	if (l.full) {
		audit_lost++;
		return -ENOSPC;
	}
	do
		w = write(audit_fd, l.buf, l.off);
	while (w < 0 && errno == EINTR);
	if (w != (ssize_t)l.off) {
		audit_lost++;
		return w < 0 ? -errno : -EIO;
	}
	return 0;
}
