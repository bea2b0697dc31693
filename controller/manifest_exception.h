/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Signed JIT exceptions in a manifest (schema 2, docs/exceptions.md). An
 * exception names an executable the manifest lists, what it may do with
 * anonymous memory, why, until when, and where it may write; it counts
 * only with the signature of an approver key, a key of its own purpose
 * that is not the manifest's signer. This module never prints.
 */
#ifndef NOJIT_MANIFEST_EXCEPTION_H
#define NOJIT_MANIFEST_EXCEPTION_H

#include <stdbool.h>
#include <json-c/json.h>

#include "keys.h"
#include "manifest.h"

#define NOJIT_DEFAULT_APPROVERS		"/etc/nojit/approvers"
#define NOJIT_EXC_JUSTIFICATION_MAX	1000	/* characters */
#define NOJIT_EXC_MAX			64	/* per manifest */
#define NOJIT_APPROVAL_TAG		"nojit-exception-approval-v1"
/*
 * The approved message starts with this line, so an approval can pass for
 * no other signature nojit makes, nor the reverse.
 */
#define NOJIT_EXC_SIG_CONTEXT		"nojit-exception-v1\n"

struct nojit_manifest_exception {
	char *id;			/* 1..31 of [A-Za-z0-9._-] */
	__u8 sha256[32];		/* the executable; listed by the manifest as exec */
	__u32 allow;			/* enum nojit_exception_allow */
	char *justification;
	__s64 expires;			/* unix seconds */
	char *write_paths[NOJIT_EXC_MAX_PATHS];	/* absolute, normalised */
	size_t n_write_paths;
	bool approved;			/* an approval is present (not yet checked) */
	char approver[NOJIT_KEY_ID_LEN + 1];
	__u8 approval[NOJIT_SIG_LEN];
};

/* Parse the manifest's "exceptions" array into M (after its entries). -EBADMSG/-ENOMEM. */
int manifest_exceptions_parse(struct json_object *arr, struct nojit_manifest *m,
			      struct nojit_err *err);

void manifest_exceptions_free(struct nojit_manifest_exception *e, size_t n);

/*
 * The exact bytes an approver signs for exception E of manifest M, to be
 * signed by manifest key SIGNER (a key id): NOJIT_EXC_SIG_CONTEXT, then
 * one "field value" line each for the manifest's name, the signer and
 * every field of E but the approval, in a fixed order. Naming the signer
 * keeps another trusted signer from reusing the approval. *RET is malloc'd.
 */
int manifest_exception_message(const struct nojit_manifest *m, const char *signer,
			       const struct nojit_manifest_exception *e, char **ret, size_t *ret_len);

/*
 * Check every exception of M (loaded and verified, so M->key_id is its
 * signer) at NOW: approved by a key in APPROVERS (a .pub or a directory of
 * approver keys), that key not the manifest's signer, not expired.
 * -ENOKEY unapproved or unknown approver, -EKEYREJECTED bad approval,
 * -EPERM approved by the manifest's own signer, -EKEYEXPIRED expired.
 * 0 for a manifest without exceptions, whatever APPROVERS is. Only then
 * may M's exceptions go into the kernel (policy_set_install() refuses
 * them otherwise).
 */
int manifest_exceptions_verify(struct nojit_manifest *m, const char *approvers, __s64 now,
			       struct nojit_err *err);

/*
 * Approve FILE's exceptions (all, or only ID's) with approver KEY, for a
 * manifest that key SIGNER (a key id) will sign: the approvals are written
 * into FILE (atomically, as manifest_format() lays it out), whose
 * signature is then stale. *RET_N: exceptions approved.
 */
int manifest_exceptions_approve(const char *file, const struct nojit_seckey *key,
				const char *signer, const char *id, size_t *ret_n,
				struct nojit_err *err);

/* "anon-exec", "wx-flip" and back (0 if unknown). */
const char *manifest_exception_allow_name(__u32 bit);
__u32 manifest_exception_allow_from_name(const char *s);

#endif /* NOJIT_MANIFEST_EXCEPTION_H */
