// SPDX-License-Identifier: GPL-2.0
/*
 * Audit events as JSON lines, escaped by hand (the runtime links
 * statically and needs only this much JSON). A guest chooses most of the
 * strings we log: nothing it sends can end the string or the line.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "audit.h"

static int audit_fd = 2;
static unsigned long audit_lost;

void vk_audit_set_fd(int fd)
{
	audit_fd = fd;
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
	if (capped || i < len) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
	return o;
}

static int append(char *buf, size_t size, size_t *off, const char *key,
		  const char *val, size_t len)
{
	char esc[VK_AUDIT_MAX_STR * 6 + 8];
	int n;

	vk_json_escape(esc, sizeof(esc), val, len, VK_AUDIT_MAX_STR);
	n = snprintf(buf + *off, size - *off, ",\"%s\":\"%s\"", key, esc);
	if (n < 0 || (size_t)n >= size - *off)
		return -ENOSPC;
	*off += (size_t)n;
	return 0;
}

int vk_audit_emit(const struct vk_audit_event *ev)
{
	char buf[8192];
	size_t off = 0;
	int n, r = 0;
	ssize_t w;

	n = snprintf(buf, sizeof(buf), "{\"source\":\"vkernel\"");
	off = (size_t)n;
	r |= append(buf, sizeof(buf), &off, "event", ev->event, strlen(ev->event));
	r |= append(buf, sizeof(buf), &off, "module", ev->module ? ev->module : "",
		    ev->module ? strlen(ev->module) : 0);
	n = snprintf(buf + off, sizeof(buf) - off, ",\"pid\":%ld", (long)getpid());
	off += (size_t)n;
	if (ev->reason)
		r |= append(buf, sizeof(buf), &off, "reason", ev->reason, strlen(ev->reason));
	if (ev->target)
		r |= append(buf, sizeof(buf), &off, "target", ev->target, ev->target_len);
	if (ev->sha256)
		r |= append(buf, sizeof(buf), &off, "sha256", ev->sha256, strlen(ev->sha256));
	if (ev->kind)
		r |= append(buf, sizeof(buf), &off, "kind", ev->kind, strlen(ev->kind));
	if (r || off + 3 > sizeof(buf)) {
		audit_lost++;
		return -ENOSPC;
	}
	memcpy(buf + off, "}\n", 3);
	off += 2;
	do
		w = write(audit_fd, buf, off);
	while (w < 0 && errno == EINTR);
	if (w != (ssize_t)off) {
		audit_lost++;
		return w < 0 ? -errno : -EIO;
	}
	return 0;
}
