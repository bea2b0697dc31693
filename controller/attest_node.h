/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The node statement (nojit attest, docs/attestation.md): what this node
 * enforces, read from the kernel's pinned maps and programs at the moment
 * of the request, as an in-toto Statement with ATTEST_PREDICATE_NODE.
 */
#ifndef NOJIT_ATTEST_NODE_H
#define NOJIT_ATTEST_NODE_H
#include <json-c/json.h>

#include "attest.h"

struct attest_node_opts {
	const struct attest_nonce *nonce;
	const char *audit_log;	/* the daemon's log, whose head binds the statement */
};

/*
 * Build the statement into *RET. A node with nothing loaded still gets
 * one (bpf.loaded false, no enrollments): that is the answer a verifier
 * needs. Fails only when the pinned policy is there but unreadable.
 */
int attest_node_statement(const struct attest_node_opts *o, struct json_object **ret,
			  struct nojit_err *err);

#endif /* NOJIT_ATTEST_NODE_H */
