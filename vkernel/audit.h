/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vkernel audit events: one JSON object per line, written with a single
 * write(2) to the audit fd (default 2, `--audit-fd N`):
 *
 *   {"source":"vkernel","event":EVENT,"module":NAME,"pid":PID,
 *    "reason":R,"target":T,"sha256":HEX,"kind":K}
 *
 * "source", "event", "module" and "pid" are always present; the others
 * only when the event has them. Strings are escaped (quotes, backslash,
 * control characters and bytes >= 0x7f as \u00XX) and capped at
 * VK_AUDIT_MAX_STR input bytes (a capped string ends in "...").
 */
#ifndef NOJIT_VK_AUDIT_H
#define NOJIT_VK_AUDIT_H

#include <stddef.h>

#define VK_AUDIT_MAX_STR	256

struct vk_audit_event {
	const char *event;	/* e.g. "spawn_denied" */
	const char *module;	/* the guest's module name */
	const char *reason;	/* NULL: left out */
	const char *target;	/* guest-controlled: escaped and capped */
	size_t target_len;	/* bytes of target (it may hold NUL) */
	const char *sha256;	/* hex, NULL: left out */
	const char *kind;	/* NULL: left out */
};

/*
 * Where events go: a private copy of fd (F_DUPFD_CLOEXEC, >= 3), kept
 * out of every guest's fd table, so a guest can neither close it nor
 * have a file of its own take its number. fd is the caller's (2 by
 * default: then the guest's stderr shares the file, see main.c).
 * 0 or -errno; until it succeeds, events are lost (counted).
 */
int vk_audit_set_fd(int fd);
/* Write one event. 0 or -errno; a failure is counted, never fatal. */
int vk_audit_emit(const struct vk_audit_event *ev);
/* Events that could not be written. */
unsigned long vk_audit_lost(void);
/* Escape s[0..len) as JSON string content into out (size outlen, NUL-terminated). */
size_t vk_json_escape(char *out, size_t outlen, const char *s, size_t len, size_t cap);

#endif
