// SPDX-License-Identifier: GPL-2.0
/* Enroll one cgroup with a response and, optionally, a manifest (enforce_cgroup.h). */
#include <string.h>

#include "enforce_cgroup.h"
#include "enroll.h"
#include "hash_attach.h"
#include "policy_set.h"
#include "rollback.h"

int enforce_cgroup(const struct enforce_args *a, int fd, __u64 id,
		   const struct nojit_manifest *man, bool *ret_already, struct nojit_err *err)
{
	struct nojit_maps maps = NOJIT_MAPS_INIT;
	struct hash_attach_report attach;
	unsigned int removed;
	int ret;

	/*
	 * The node-wide, persistent rollback check comes first, and the serial
	 * is remembered before the kernel sees the manifest, so a crash in
	 * between cannot reopen a rollback.
	 */
	if (man && (ret = rollback_accept(man, err)))
		return ret;
	ret = policy_load(&maps, err);
	if (ret)
		goto out;
	/*
	 * The response and the allow set go in before the cgroup entries: a
	 * new enrollment answers violations as asked, and is hash-gated, from
	 * its first governed moment.
	 */
	if (a->mode || a->on_violation || man) {
		struct nojit_response cur;

		enroll_get_response(&maps, id, &cur);
		ret = enroll_set_response(&maps, id,
					  a->mode ? a->mode : man ? man->mode : cur.mode,
					  a->on_violation ? a->on_violation : cur.on_violation);
		if (ret) {
			nojit_err_set(err, ret, "cgroup %s: setting its response: %s",
				      a->cgroup, strerror(-ret));
			goto out;
		}
	}
	if (man) {
		ret = enroll_check_serial(&maps, id, man, err);
		if (!ret && a->hash_source == NOJIT_HASH_SOURCE_CONTROLLER) {
			ret = hash_attach_manifest(&maps, man, &attach);
			if (ret)
				nojit_err_set(err, ret, "attaching digests: %s", strerror(-ret));
			else if (a->verbose)
				fprintf(stderr,
					"nojit: digests attached for %zu files; %zu missing, %zu changed since the manifest, %zu busy (open for writing)\n",
					attach.attached, attach.missing, attach.changed, attach.busy);
		}
		if (!ret)
			ret = policy_set_install(&maps, id, man, a->hash_source, err);
		if (ret)
			goto out;
	}
	ret = enroll_cgroup(&maps, fd, id, a->cgroup, ret_already, err);
	if (!ret && man) {
		ret = enroll_set_manifest(&maps, id, man);
		if (ret)
			nojit_err_set(err, ret, "cgroup %s: recording the manifest: %s",
				      a->cgroup, strerror(-ret));
	}
	/* Housekeeping: entries of cgroups removed since the last run. */
	if (!ret)
		enroll_gc(&maps, &removed);
out:
	nojit_maps_close(&maps);
	return ret;
}
