/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Attestation (docs/attestation.md): signed, fresh statements of what a
 * node enforces (nojit attest) and of what a vkernel run starts (nojit vk
 * run --attest-key). A statement is an in-toto Statement v1
 *   {"_type": ATTEST_STATEMENT_TYPE, "subject": [...],
 *    "predicateType": ATTEST_PREDICATE_*, "predicate": {...}}
 * carried in a DSSE envelope (dsse.h, payloadType
 * application/vnd.in-toto+json) signed by an attestation key
 * (KEY_PURPOSE_ATTEST). Where the node has a TPM, the envelope also has a
 * "tpmQuote" member (an extension DSSE verifiers ignore): the statement's
 * digest extended into a PCR and a TPM 2.0 quote over it, the verifier's
 * nonce as qualifying data (tpm_quote.h). Nothing here prints.
 */
#ifndef NOJIT_ATTEST_H
#define NOJIT_ATTEST_H
#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "keys.h"
#include "util.h"

#define ATTEST_STATEMENT_TYPE	"https://in-toto.io/Statement/v1"
#define ATTEST_PREDICATE_NODE	"https://nojit.dev/attestation/node/v1"
#define ATTEST_PREDICATE_VK_RUN	"https://nojit.dev/attestation/vk-run/v1"
#define ATTEST_NONCE_MIN	8	/* bytes: 16 hex digits */
#define ATTEST_NONCE_MAX	64	/* bytes: what a TPM quote's qualifying data holds */
#define ATTEST_MAX_AGE_DEFAULT	300	/* seconds, attest verify --max-age */
#define ATTEST_CLOCK_SKEW	60	/* seconds a statement may come from the future */
/* A statement's JSON: nesting, and values (~30 an enrollment: room for 10,000). */
#define ATTEST_JSON_DEPTH	16
#define ATTEST_JSON_MAX_VALUES	(1u << 19)
#define ATTEST_TPM_DEVICE	"/dev/tpmrm0"
#define ATTEST_TPM_PCR_DEFAULT	23	/* the application PCR (TCG PC Client spec) */

/* Subject names: "<kind>:<name>" so a verifier can select by kind. */
#define ATTEST_SUBJECT_MANIFEST		"manifest:"
#define ATTEST_SUBJECT_BPF_OBJECT	"bpf-object:"
#define ATTEST_SUBJECT_BPF_PROGRAM	"bpf-program:"
#define ATTEST_SUBJECT_NOJIT		"nojit:"
#define ATTEST_SUBJECT_MEGABINARY	"megabinary:"
#define ATTEST_SUBJECT_MODULE		"module:"

struct attest_nonce {
	__u8 bytes[ATTEST_NONCE_MAX];
	size_t len;
	char hex[2 * ATTEST_NONCE_MAX + 1];	/* lowercase, as in the statement */
};

/* HEX (upper or lower case) of ATTEST_NONCE_MIN..MAX bytes; -EINVAL with why. */
int attest_nonce_parse(const char *hex, struct attest_nonce *ret, struct nojit_err *err);

/*
 * Append the in-toto ResourceDescriptor {"name": KIND NAME, "digest":
 * {ALG: HEX}} to the array SUBJECTS. ALG is "sha256", or "bpfTag" for a
 * BPF program's kernel tag.
 */
int attest_subject_add(struct json_object *subjects, const char *kind, const char *name,
		       const char *alg, const char *hex);

/* The same, for a SHA-256 digest. */
int attest_subject_add_sha256(struct json_object *subjects, const char *kind, const char *name,
			      const __u8 digest[32]);

/*
 * The predicate's "host" member: hostname, machineId, bootId,
 * kernelRelease, lsm (the active list), bpfLsm (usable: bool) and
 * bpfLsmDetail (why not, or null). Fields this host cannot tell are null.
 * BPF_LSM_ATTACHED: the caller saw nojit's LSM programs attached, which
 * proves BPF LSM usable without a trial load (as nojit status reasons).
 */
struct json_object *attest_host_json(bool bpf_lsm_attached);

/* NS (CLOCK_REALTIME) as a statement's time string (audit_time_format()). */
struct json_object *attest_json_time(__u64 ns);

/*
 * The Statement: takes ownership of SUBJECTS and PREDICATE (also on
 * error). NULL on ENOMEM.
 */
struct json_object *attest_statement_new(const char *predicate_type, struct json_object *subjects,
					 struct json_object *predicate);

struct attest_emit_opts {
	const char *out;		/* NULL or "-": stdout; else written atomically, mode 0644 */
	const struct attest_nonce *nonce;
	const char *tpm_device;		/* NULL: no TPM binding */
	unsigned int tpm_pcr;
};

/*
 * Serialize STATEMENT (compact JSON), sign it into a DSSE envelope with K
 * (an attestation key), bind it to the TPM when O->tpm_device is set, and
 * write the envelope (one line and a newline). *RET_DIGEST, if not NULL,
 * is the SHA-256 of the payload.
 */
int attest_emit(const struct nojit_seckey *k, struct json_object *statement,
		const struct attest_emit_opts *o, __u8 ret_digest[32], struct nojit_err *err);

/* ---- verification (attest_verify.c) ----------------------------------- */

#define ATTEST_MAX_AGE_MAX	(10 * 366 * 86400)	/* seconds: --max-age at most ten years */

struct attest_expect {
	const struct attest_nonce *nonce;	/* required */
	__s64 max_age_s;			/* 0: ATTEST_MAX_AGE_DEFAULT; at most ATTEST_MAX_AGE_MAX */
	__s64 now_ns;				/* 0: CLOCK_REALTIME (tests set it) */
	/*
	 * Each must be a subject "manifest:NAME" with this SHA-256 (of the
	 * signed manifest file's exact bytes) and in force: the predicate's
	 * "bpf" is loaded from an object it names, and some element of its
	 * "enrollments" has "manifest": {"sha256": it}, "exists": true and
	 * "mode": "enforce" (audit mode denies nothing), is, where
	 * MANIFEST_CGROUPS[i] is not NULL, that cgroup (its "cgroupPath", or
	 * a path ending in "/" MANIFEST_CGROUPS[i] when that is relative),
	 * and has no existing enrollment below it with another manifest,
	 * none, or audit mode (which would take part of its subtree).
	 */
	const __u8 (*manifests)[32];
	const char *const *manifest_cgroups;	/* NULL, or N_MANIFESTS entries (each may be NULL) */
	size_t n_manifests;
	/* Every "bpf-object:" subject (at least one) must have this SHA-256. */
	bool has_bpf_object;
	__u8 bpf_object[32];
	const char *predicate_type;		/* NULL: either of ours */
	/* The TPM's attestation key (PEM public key): the quote must verify. */
	const char *tpm_ak_pem;
	size_t tpm_ak_pem_len;
};

/*
 * The checks of attest_verify(), in the order they run: a refusal names
 * the first one that failed.
 */
enum attest_check {
	ATTEST_CHECK_CALL	= 0,	/* the caller's expectations are invalid (no nonce, max age) */
	ATTEST_CHECK_ENVELOPE	= 1,	/* DSSE envelope well-formed, in-toto payloadType */
	ATTEST_CHECK_SIGNATURE	= 2,	/* by a trusted attestation key, over PAE */
	ATTEST_CHECK_STATEMENT	= 3,	/* strict JSON, in-toto Statement v1, our predicate */
	ATTEST_CHECK_NONCE	= 4,	/* the verifier's nonce */
	ATTEST_CHECK_FRESHNESS	= 5,	/* not older than max_age, not from the future */
	ATTEST_CHECK_MANIFEST	= 6,	/* each expected manifest a subject and in force */
	ATTEST_CHECK_BPF_OBJECT	= 7,	/* the expected BPF object */
	ATTEST_CHECK_TPM	= 8,	/* the TPM quote */
};

/* "envelope", "signature", ...: the check's name in messages and JSON. */
const char *attest_check_name(enum attest_check c);

struct attest_verified {
	char signer[NOJIT_KEY_ID_LEN + 1];
	const char *predicate_type;		/* points into STATEMENT */
	__u8 digest[32];			/* SHA-256 of the payload (the statement's bytes) */
	__s64 time_ns;
	bool tpm_checked;
	unsigned int tpm_pcr;
	struct json_object *statement;		/* the verified payload; put by attest_verified_free() */
};

/*
 * Check ENVELOPE (the file's bytes) in this order: a well-formed envelope;
 * a signature by a key of TRUST over DSSE's PAE; an in-toto Statement v1
 * with one of our predicate types; the nonce; freshness; each expectation;
 * the TPM quote when X->tpm_ak_pem is set. 0 and *RET, or -errno with the
 * first failed check in *FAILED (if not NULL) and named in ERR ("nonce:
 * ..."), never a later one. The signature is checked before the payload is
 * parsed: nothing an untrusted party wrote is interpreted beyond the
 * envelope.
 */
int attest_verify(const char *envelope, size_t len, const struct nojit_trust *trust,
		  const struct attest_expect *x, struct attest_verified *ret,
		  enum attest_check *failed, struct nojit_err *err);

void attest_verified_free(struct attest_verified *v);

#endif /* NOJIT_ATTEST_H */
