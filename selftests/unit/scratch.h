/* SPDX-License-Identifier: GPL-2.0 */
/* A scratch directory for a test suite, removed with all it holds afterwards. */
#ifndef NOJIT_UNIT_SCRATCH_H
#define NOJIT_UNIT_SCRATCH_H

#include <criterion/criterion.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>

static char scratch_dir[64];

/* Create /tmp/nojit-NAME-XXXXXX as scratch_dir (a suite's .init). */
static inline void scratch_make(const char *name)
{
	snprintf(scratch_dir, sizeof(scratch_dir), "/tmp/nojit-%s-XXXXXX", name);
	cr_assert_not_null(mkdtemp(scratch_dir), "mkdtemp %s", scratch_dir);
}

static int scratch_rm_entry(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st; (void)flag; (void)ftw;
	return remove(p);
}

/* Remove scratch_dir and everything below it (a suite's .fini). */
static inline void scratch_remove(void)
{
	nftw(scratch_dir, scratch_rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* scratch_dir/REL; the last 8 results stay valid. */
static inline char *scratch_path(const char *rel)
{
	static char p[8][256];
	static int i;

	i = (i + 1) % 8;
	snprintf(p[i], sizeof(p[i]), "%s/%s", scratch_dir, rel);
	return p[i];
}

#endif /* NOJIT_UNIT_SCRATCH_H */
