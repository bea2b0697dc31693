/* SPDX-License-Identifier: GPL-2.0 */
/* Top-level command handlers, one source file per CLI object. */
#ifndef NOJIT_CMD_H
#define NOJIT_CMD_H

int do_enforce(int argc, char **argv);
int do_apply(int argc, char **argv);
int do_rollback(int argc, char **argv);
int do_thaw(int argc, char **argv);
int do_release(int argc, char **argv);
int do_status(int argc, char **argv);
int do_scan(int argc, char **argv);
int do_daemon(int argc, char **argv);
int do_unload(int argc, char **argv);
int do_keygen(int argc, char **argv);
int do_manifest(int argc, char **argv);
int do_manifest_approve(int argc, char **argv);

struct nojit_manifest;
struct json_object;
/* Print M's JIT exceptions, or with O add them to O as "exceptions". */
void manifest_exceptions_show(const struct nojit_manifest *m, struct json_object *o);
int do_audit(int argc, char **argv);
int do_audit_ocsf(int argc, char **argv);
int do_run(int argc, char **argv);
int do_vk(int argc, char **argv);
int do_vk_run(int argc, char **argv);
int do_oci_hook(int argc, char **argv);
int do_node(int argc, char **argv);
int do_attest(int argc, char **argv);
int do_attest_tpm_ak(int argc, char **argv);
int do_attest_verify(int argc, char **argv);

#endif /* NOJIT_CMD_H */
