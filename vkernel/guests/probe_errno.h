/* SPDX-License-Identifier: GPL-2.0 */
/* probe errno (probe_errno.c): the WASI error-case table. */
#ifndef NOJIT_PROBE_ERRNO_H
#define NOJIT_PROBE_ERRNO_H

/* Print one line per case; 0, or 2 when the scratch files cannot be made. */
int probe_errno(void);

#endif
