// SPDX-License-Identifier: GPL-2.0
#include <stdbool.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include "lsm_probe.h"

static char lsm_list[512];

const char *bpf_lsm_list(void)
{
	if (!lsm_list[0] && read_small_file(LSM_LIST_PATH, lsm_list, sizeof(lsm_list)) > 0)
		lsm_list[strcspn(lsm_list, "\n")] = '\0';
	return lsm_list;
}

bool lsm_list_has(const char *list, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = list; (p = strstr(p, name)); p += n)
		if ((p == list || p[-1] == ',') && (p[n] == ',' || p[n] == '\0' || p[n] == '\n'))
			return true;
	return false;
}

/* The smallest LSM program: attached nowhere, it only asks the verifier. */
static int trial_load(struct nojit_err *err)
{
	const struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	LIBBPF_OPTS(bpf_prog_load_opts, opts,
		    .expected_attach_type = BPF_LSM_MAC);
	int btf_id, fd;

	btf_id = libbpf_find_vmlinux_btf_id("file_mprotect", BPF_LSM_MAC);
	if (btf_id < 0)
		return nojit_err_set(err, btf_id,
				     "kernel BTF has no bpf_lsm_file_mprotect (%s): BPF LSM or BTF not built in",
				     strerror(-btf_id));
	opts.attach_btf_id = btf_id;
	fd = bpf_prog_load(BPF_PROG_TYPE_LSM, "nojit_probe", "GPL", insns,
			   ARRAY_SIZE(insns), &opts);
	if (fd < 0) {
		int e = errno;

		return nojit_err_set(err, -e,
				     "the kernel refused to load a BPF LSM program: %s (%s)",
				     strerror(e), e == EPERM ? "EPERM" : "see dmesg");
	}
	close(fd);
	return 0;
}

int bpf_lsm_probe(struct nojit_err *err)
{
	static int cached = 1;
	static struct nojit_err cached_err;
	int n;

	if (cached <= 0)
		goto out;
	n = read_small_file(LSM_LIST_PATH, lsm_list, sizeof(lsm_list));
	if (n < 0) {
		cached = nojit_err_set(&cached_err, n,
				       "cannot read %s: %s%s", LSM_LIST_PATH, strerror(-n),
				       n == -ENOENT ? " (is securityfs mounted at /sys/kernel/security?)" : "");
		goto out;
	}
	lsm_list[strcspn(lsm_list, "\n")] = '\0';
	if (!lsm_list_has(lsm_list, "bpf")) {
		cached = nojit_err_set(&cached_err, -EOPNOTSUPP,
				       "bpf is missing from %s (\"%s\"): boot with lsm=...,bpf",
				       LSM_LIST_PATH, lsm_list);
		goto out;
	}
	cached = trial_load(&cached_err);
out:
	if (cached < 0 && err)
		*err = cached_err;
	return cached;
}
