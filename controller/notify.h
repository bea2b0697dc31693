/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Service readiness for the supervisor: systemd's sd_notify protocol
 * (libsystemd), so a Type=notify unit is "started" only once the daemon
 * governs what it should. Every call is a no-op when the daemon was not
 * started by a service manager ($NOTIFY_SOCKET unset), and in a build with
 * NOJIT_NO_SYSTEMD=1 (static binaries: Debian ships no libsystemd.a).
 * Nothing here prints: a notification that cannot be sent is not an error
 * of the daemon's (the manager then times the start out on its own).
 */
#ifndef NOJIT_NOTIFY_H
#define NOJIT_NOTIFY_H

/* READY=1 with a STATUS= line: setup is done, the main loop starts. */
__attribute__((format(printf, 1, 2)))
void notify_ready(const char *fmt, ...);

/* STATUS=...: one line an operator sees in `systemctl status`. */
__attribute__((format(printf, 1, 2)))
void notify_status(const char *fmt, ...);

/* STOPPING=1: a shutdown was asked for (SIGTERM/SIGINT), final seal follows. */
void notify_stopping(void);

#endif /* NOJIT_NOTIFY_H */
