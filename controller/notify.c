// SPDX-License-Identifier: GPL-2.0
/*
 * notify.h over libsystemd's sd_notify(3), or no-ops (NOJIT_NO_SYSTEMD).
 */
#include <stdarg.h>
#include <stdio.h>

#include "notify.h"

#ifdef NOJIT_NO_SYSTEMD

void notify_ready(const char *fmt, ...)
{
	(void)fmt;
}

void notify_status(const char *fmt, ...)
{
	(void)fmt;
}

void notify_stopping(void)
{
}

#else

#include <systemd/sd-daemon.h>

/*
 * unset_environment = 0: children the daemon starts (--exec-on-violation)
 * keep $NOTIFY_SOCKET, but systemd accepts messages from the main PID
 * only (NotifyAccess=main, the default), so they cannot speak for it.
 */
/* One datagram: systemd sees READY=1 and the status together. */
static void notify_send(const char *prefix, const char *fmt, va_list ap)
{
	char line[512];

	vsnprintf(line, sizeof(line), fmt, ap);
	sd_notifyf(0, "%sSTATUS=%s", prefix, line);
}

void notify_ready(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	notify_send("READY=1\n", fmt, ap);
	va_end(ap);
}

void notify_status(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	notify_send("", fmt, ap);
	va_end(ap);
}

void notify_stopping(void)
{
	sd_notify(0, "STOPPING=1\nSTATUS=stopping: sealing the audit log");
}

#endif
