/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Exit statuses of a megabinary (and of a guest it runs). Shared by the
 * runtime, the guests' tests and the controller; numbers are never reused.
 *
 * A guest's own proc_exit status passes through unchanged, 120 and 121
 * included: a status alone cannot tell "denied" or "trapped" from a
 * guest that chose to exit so. The audit events ("spawn_denied",
 * "trap", ...) are authoritative; read the status together with them.
 */
#ifndef NOJIT_VK_EXIT_H
#define NOJIT_VK_EXIT_H

#define VK_EXIT_OK		0	/* the guest returned 0 (else: its status) */
#define VK_EXIT_REFUSED		1	/* self check failed, module not listed */
#define VK_EXIT_USAGE		2	/* bad command line */
#define VK_EXIT_DENIED		120	/* the guest asked to run unlisted code */
#define VK_EXIT_TRAP		121	/* the guest trapped (OOB, unreachable, stack) */

#endif
