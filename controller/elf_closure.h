/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The shared objects a program needs: its ELF interpreter and the
 * transitive DT_NEEDED closure, found as glibc's ld.so on Debian x86-64
 * would find them, without running anything. Used by
 * `nojit manifest build --closure`. See elf_closure.c for exactly which
 * loader rules are followed and where this deliberately differs.
 */
#ifndef NOJIT_ELF_CLOSURE_H
#define NOJIT_ELF_CLOSURE_H

#include <stddef.h>
#include <stdint.h>

struct elf_closure {
	char **paths;		/* absolute, symlink-free, one per file (device+inode) */
	size_t n;
	char **missing;		/* "libfoo.so.1 (needed by /path)" */
	size_t n_missing;
	char **notes;		/* "path: malformed ELF (reason)" and similar, one line each */
	size_t n_notes;
};

/*
 * FILES: absolute or relative paths of files to analyse (non-ELF files,
 * directories and devices are skipped silently; an input that cannot be
 * opened gets a note). Fills OUT with the transitive interpreter +
 * DT_NEEDED closure (absolute, deduplicated, NOT including FILES
 * themselves unless reached as a dependency), the unresolved
 * "libfoo.so.1 (needed by /path)" strings, and one-line notes about
 * malformed ELFs. Paths are in discovery order (inputs in order, each
 * breadth-first as ld.so loads them).
 *
 * Returns 0, or -ENOMEM / -EINVAL; OUT is only written on success and
 * must then be released with elf_closure_free().
 */
int elf_closure_resolve(const char *const *files, size_t n_files, struct elf_closure *out);

/* Free what elf_closure_resolve() filled in and zero C; accepts NULL. */
void elf_closure_free(struct elf_closure *c);

/*
 * Look NAME up in the ld.so.cache file CACHE_PATH ("glibc-ld.so.cache1.1"
 * format, alone or after an old "ld.so-1.7.0" table) as ld.so does for a
 * requester of ELF class ELF_CLASS (ELFCLASS32/64) and machine MACHINE
 * (EM_*): only entries whose flags name that ABI, and only the baseline
 * entry (not a glibc-hwcaps variant). On success *ret_path is the
 * malloc'ed path stored in the cache. Returns -ENOENT when no entry
 * matches, -EBADMSG for a malformed cache, -errno when unreadable.
 */
int elf_ldcache_lookup(const char *cache_path, const char *name, unsigned int elf_class,
		       unsigned int machine, char **ret_path);

#endif /* NOJIT_ELF_CLOSURE_H */
