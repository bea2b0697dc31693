/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Rollback protection that outlives the kernel state: the highest serial
 * accepted per manifest name, kept in STATE_DIR/rollback.state (default
 * /var/lib/nojit; NOJIT_STATE_DIR overrides) and signed with a node key
 * made beside it on first use, so a changed, removed or swapped state file
 * is detected and every manifest is refused until an admin resets it
 * (nojit rollback reset), which the state itself records. docs/policy.md.
 */
#ifndef NOJIT_ROLLBACK_H
#define NOJIT_ROLLBACK_H

#include <linux/types.h>
#include <stdbool.h>

#include "manifest.h"
#include "util.h"

#define NOJIT_DEFAULT_STATE_DIR "/var/lib/nojit"

/* STATE_DIR from the environment or the default. */
const char *rollback_state_dir(void);

/*
 * 0 if MAN may be put in force: its serial is above the highest accepted
 * for its name, or equal with the same bytes. -ESTALE (rollback), -EBADMSG
 * (state tampered with or missing beside its key), other -errno. Changes
 * nothing.
 */
int rollback_check(const struct nojit_manifest *man, struct nojit_err *err);

/* rollback_check(), then remember MAN's serial (creating the state on first use). */
int rollback_accept(const struct nojit_manifest *man, struct nojit_err *err);

struct rollback_entry {
	char name[64];
	__u64 serial;
	__u8 sha256[32];
	__s64 accepted;		/* unix seconds */
};

struct rollback_reset {
	char name[64];		/* "*" for all */
	__u64 old_serial;
	__s64 when;
	__u32 uid;
	char reason[128];
};

struct rollback_state {
	bool exists;
	char key_id[17];
	__u64 generation;	/* bumped on every change */
	struct rollback_entry *entries;
	size_t n;
	struct rollback_reset *resets;	/* every reset ever made, oldest first */
	size_t n_resets;
	__u8 digest[32];	/* of the state file's bytes */
};

/* Read and verify the state; exists = false when there is none yet. */
int rollback_read(struct rollback_state *ret, struct nojit_err *err);
void rollback_state_free(struct rollback_state *s);

/* rollback_check() against a state read before (rollback_read()), for many manifests. */
int rollback_check_state(const struct rollback_state *s, const struct nojit_manifest *man,
			 struct nojit_err *err);

/*
 * Forget NAME's serial (NULL: all), recording who, when and why in the
 * state; also the way out after tampering was detected (the state is then
 * rebuilt empty, with the reset recorded).
 */
int rollback_reset(const char *name, const char *reason, struct nojit_err *err);

#endif /* NOJIT_ROLLBACK_H */
