/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Is this file a JIT engine, or does it bring one in? Read from the ELF
 * file's dynamic symbols, DT_NEEDED and DT_SONAME only (nothing runs,
 * nothing is read whole), for `nojit manifest build` to refuse listing an
 * engine nobody approved. The rules, what counts as evidence and what is
 * out of reach are in jit_detect.c and docs/manifest.md ("JIT engines").
 * This module never prints.
 */
#ifndef NOJIT_JIT_DETECT_H
#define NOJIT_JIT_DETECT_H

#include <stdbool.h>
#include <stddef.h>

#define JIT_EVIDENCE_MAX	320	/* bytes, with the NUL */

struct jit_finding {
	const char *engine;			/* static: "v8", "luajit", ... */
	char evidence[JIT_EVIDENCE_MAX];	/* "defines _ZN2v82V810InitializeEi (v8::V8::...) and 41 more ..." */
};

#define JIT_FINDINGS_MAX	16	/* at least the number of engines */

struct jit_report {
	size_t n;				/* engines found: at most one finding each */
	struct jit_finding found[JIT_FINDINGS_MAX];
};

/*
 * Look at the file open at FD (read with pread(), the offset is left
 * alone). Returns the number of engines found (0 for a file that is not
 * ELF, or is ELF without dynamic symbols or any sign of an engine) and
 * fills *RET; or -errno: -EBADMSG for a malformed ELF file, -ENOTSUP for
 * an ELF file whose dynamic section cannot be found without section
 * headers, -EFBIG for tables over the limits, with *RET_REASON (static
 * text) saying why; other -errno when the file cannot be read.
 */
int jit_detect_fd(int fd, struct jit_report *ret, const char **ret_reason);

/* The same for PATH (symbolic links followed). */
int jit_detect_path(const char *path, struct jit_report *ret, const char **ret_reason);

/* The engine names, in a fixed order, and what each one is. */
size_t jit_engine_count(void);
const char *jit_engine_name(size_t i);
const char *jit_engine_description(size_t i);

/* The static name of engine NAME (LEN bytes), or NULL if there is no such engine. */
const char *jit_engine_lookup(const char *name, size_t len);

#endif /* NOJIT_JIT_DETECT_H */
