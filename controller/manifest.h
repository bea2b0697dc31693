/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Signed manifests: the SHA-256 digests of the files a governed cgroup may
 * execute or map executable. JSON (json-c), signed with Ed25519 over the
 * exact file bytes in a detached FILE.sig. Format, limits and trust
 * model: docs/manifest.md; schema: manifests/nojit-manifest.schema.json.
 * This module never prints.
 */
#ifndef NOJIT_MANIFEST_H
#define NOJIT_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "keys.h"
#include "nojit.h"
#include "util.h"

/*
 * Schema versions this nojit reads: 1, and 2, which may add "jit_engines"
 * and "exceptions". A field of schema 2 in a schema 1 file is refused, so
 * a schema 1 file means what it always meant.
 */
#define NOJIT_MANIFEST_SCHEMA_MIN	1
#define NOJIT_MANIFEST_SCHEMA		2	/* the newest */
#define NOJIT_MANIFEST_MAX_BYTES	(64u << 20)	/* 64 MiB */
#define NOJIT_MANIFEST_NAME_MAX		255		/* characters */
#define NOJIT_MANIFEST_PATH_MAX		4096		/* characters */
#define NOJIT_MANIFEST_ENGINE_MAX	32		/* characters of a jit_engines[].engine */
#define NOJIT_MANIFEST_EVIDENCE_MAX	1024		/* characters of a jit_engines[].evidence */
#define NOJIT_MANIFEST_SERIAL_MAX	9007199254740991ull	/* 2^53 - 1: exact in every JSON reader */
#define NOJIT_MANIFEST_TIME_MAX		253402300799ll	/* 9999-12-31T23:59:59Z */
#define NOJIT_MANIFEST_CLOCK_SKEW	300		/* seconds "issued" may lie ahead of now */
#define NOJIT_SIG_SUFFIX		".sig"
#define NOJIT_SIG_TAG			"nojit-ed25519-signature-v1"
#define NOJIT_SIG_FILE_MAX		512
/*
 * Prepended to the manifest bytes before signing, so that a manifest
 * signature can never pass for a signature over anything else nojit signs
 * with the same key (audit seals, module trailers), nor the reverse.
 */
#define NOJIT_MANIFEST_SIG_CONTEXT	"nojit-manifest-v1\n"

struct nojit_manifest_entry {
	__u8 sha256[32];
	__u32 kind;		/* enum nojit_kind */
	char *path;		/* informational only: the hash decides */
};

/*
 * Schema 2: a JIT engine the builder found among the entries and was
 * told to list (nojit manifest build --allow-jit-engine), recorded for
 * whoever reviews and signs the manifest. It grants nothing: the entry
 * with the same sha256 is what allows the file, and the kernel still
 * refuses the engine's JIT unless an exception allows that.
 */
struct nojit_manifest_jit_engine {
	__u8 sha256[32];	/* one of the entries */
	char *engine;		/* "v8", "luajit", ...: [a-z0-9][a-z0-9-]*, see jit_detect.h */
	char *path;		/* informational, as entries[].path */
	char *evidence;		/* what gave it away, for people */
};
struct nojit_manifest_exception;

struct nojit_manifest {
	unsigned int schema;
	char *name;
	__u64 serial;
	__s64 issued, expires;		/* unix seconds, UTC */
	__u32 mode;			/* enum nojit_mode */
	struct nojit_manifest_entry *entries;	/* parsed: one per sha256, sorted by sha256 */
	size_t n_entries;
	struct nojit_manifest_jit_engine *jit_engines;	/* parsed: sorted by sha256, then engine */
	size_t n_jit_engines;
	struct nojit_manifest_exception *exceptions;	/* schema 2 (manifest_exception.h) */
	size_t n_exceptions;
	bool exceptions_verified;	/* manifest_exceptions_verify() passed: they may be loaded */
	__u8 file_sha256[32];		/* SHA-256 of the exact manifest bytes */
	char key_id[17];		/* key that signed it (set by the verified loader) */
};

/*
 * Read FILE and FILE.sig, check the signature against TRUST (a .pub file
 * or a directory of them), then parse and validate; NOW is the time to
 * check issued/expires against. The signature is checked over the exact
 * bytes before any JSON parsing. On failure -errno, and ERR says which:
 *   -EFBIG		too large (over NOJIT_MANIFEST_MAX_BYTES; refused before reading)
 *   -ENOKEY		signed by a key that is not in TRUST (names the key id)
 *   -EKEYREJECTED	bad signature
 *   -EKEYEXPIRED	expired (says when)
 *   -ETIME		not yet valid ("issued" more than the clock skew after NOW)
 *   -EBADMSG		malformed manifest or signature file
 *   -EPROTONOSUPPORT	unsupported schema version or signature format
 *   other -errno	FILE, FILE.sig or TRUST could not be read
 */
int manifest_load_verified(const char *file, const char *trust, __s64 now,
			   struct nojit_manifest **ret, struct nojit_err *err);
/*
 * manifest_load_verified() against keys already loaded: T (named TRUST in
 * messages), e.g. the keys compiled into a vkernel megabinary.
 */
int manifest_load_verified_by(const char *file, const struct nojit_trust *t, const char *trust,
			      __s64 now, struct nojit_manifest **ret, struct nojit_err *err);
/*
 * manifest_load_verified_by() with the signature read from SIGFILE instead
 * of FILE.sig, e.g. when both are snapshots held open by descriptor.
 */
int manifest_load_verified_sig(const char *file, const char *sigfile, const struct nojit_trust *t,
			       const char *trust, __s64 now, struct nojit_manifest **ret,
			       struct nojit_err *err);

/*
 * Parse and validate (no signature, no time check), for tests and tools:
 * -EBADMSG, -EPROTONOSUPPORT, -EFBIG or -ENOMEM. Duplicate sha256 entries
 * are merged (kinds OR'ed, the smallest path kept).
 */
int manifest_parse(const char *buf, size_t len, struct nojit_manifest **ret, struct nojit_err *err);

/* 0, or -EKEYEXPIRED / -ETIME with a message when M is not valid at NOW. */
int manifest_check_time(const struct nojit_manifest *m, __s64 now, struct nojit_err *err);

void manifest_free(struct nojit_manifest *m);
static inline void manifest_freep(struct nojit_manifest **m)
{
	manifest_free(*m);
}
#define _cleanup_manifest_ __attribute__((cleanup(manifest_freep)))
void manifest_jit_engines_free(struct nojit_manifest_jit_engine *j, size_t n);

/*
 * Validate FILE as a manifest (refusing one already expired at NOW), sign
 * its exact bytes with KEY and write FILE.sig (atomically). On success
 * *RET (if RET) holds the parsed manifest, for reporting.
 */
int manifest_sign_file(const char *file, const struct nojit_seckey *key, __s64 now,
		       struct nojit_manifest **ret, struct nojit_err *err);

/*
 * Serialise M as manifest JSON, entries (then jit_engines, which need
 * schema 2) in the order given, one per line.
 * The result is parsed back before it is returned, so it never holds what
 * manifest_parse() would refuse. *RET_BUF is malloc'd.
 */
int manifest_format(const struct nojit_manifest *m, char **ret_buf, size_t *ret_len,
		    struct nojit_err *err);

/* "exec", "lib", "any" (NULL for other values) and back (0 if unknown). */
const char *manifest_kind_name(__u32 kind);
__u32 manifest_kind_from_name(const char *s);
const char *manifest_mode_name(__u32 mode);
__u32 manifest_mode_from_name(const char *s);

/* NULL if S (LEN bytes) is acceptable text of MIN..MAX characters, else why not. */
const char *manifest_text_problem(const char *s, size_t len, size_t min, size_t max);

/* Exactly 64 lowercase hex digits into OUT: 0, or -EINVAL. */
int manifest_sha256_parse(const char *s, size_t len, __u8 out[32]);

/* Strict "YYYY-MM-DDTHH:MM:SSZ" (UTC, 1970..9999) to unix seconds and back. */
int manifest_time_parse(const char *s, size_t len, __s64 *ret);
void manifest_time_format(__s64 t, char buf[32]);

/*
 * Make S (in place) a string the parser accepts as a path: invalid UTF-8
 * bytes and control characters become '?'. For informational paths taken
 * from the file system, and for printing them.
 */
void manifest_text_sanitize(char *s);

/* ---- building: collect files, hash them ---------------------------- */

#define MANIFEST_KIND_AUTO	0	/* decide from the file (docs/manifest.md) */
#define MANIFEST_KIND_CLOSURE	0x100	/* reached as a dependency: lib, plus auto */

struct manifest_scan;

struct manifest_scan *manifest_scan_new(void);
void manifest_scan_free(struct manifest_scan *s);

/*
 * Add PATH: a regular file, or a directory walked recursively (symbolic
 * links to files are followed and recorded under their resolved path;
 * links to directories are not followed). Everything skipped gets a
 * one-line note. KIND: enum nojit_kind, MANIFEST_KIND_AUTO or
 * MANIFEST_KIND_CLOSURE. Fails only if PATH does not exist (-ENOENT) or
 * memory runs out.
 */
int manifest_scan_add(struct manifest_scan *s, const char *path, unsigned int kind,
		      struct nojit_err *err);

/* The absolute paths of the regular files added so far (free() the array only). */
int manifest_scan_paths(const struct manifest_scan *s, const char ***ret, size_t *ret_n);
size_t manifest_scan_notes(const struct manifest_scan *s, const char *const **ret);
/* Add a note of the caller's (e.g. from ELF closure resolution). */
int manifest_scan_note(struct manifest_scan *s, const char *note);

typedef void (*manifest_progress_fn)(void *ctx, size_t done_files, size_t n_files,
				     __u64 done_bytes, __u64 total_bytes);

/*
 * Hash every added file on JOBS threads (0: one per CPU, at most 8).
 * PROGRESS, if set, is called about every 200 ms from the calling thread.
 * A file that cannot be read becomes a note, not an error.
 */
int manifest_scan_hash(struct manifest_scan *s, unsigned int jobs, manifest_progress_fn progress,
		       void *ctx, struct nojit_err *err);

/*
 * After hashing: file I (0 <= I < the count manifest_scan_paths() gives)
 * as hashed, its path (not sanitised: it opens the file) and SHA-256.
 * -ENOENT if it could not be hashed (it is then not among the entries).
 */
int manifest_scan_file(const struct manifest_scan *s, size_t i, const char **ret_path,
		       __u8 ret_sha256[32]);

/* The hashed files as entries sorted by path (paths sanitised); caller frees. */
int manifest_scan_entries(const struct manifest_scan *s, struct nojit_manifest_entry **ret,
			  size_t *ret_n, __u64 *ret_bytes);
void manifest_entries_free(struct nojit_manifest_entry *e, size_t n);

#endif /* NOJIT_MANIFEST_H */
