// SPDX-License-Identifier: GPL-2.0
/*
 * Route 11: LD_PRELOAD a library the workload wrote: a copy of libm with
 * one byte appended. The exec (of ourselves) is allowed; ld.so then maps
 * the unlisted library PROT_EXEC.
 */
#define ATTACK_NAME "ld_preload_modified_lib"
#include "file.h"

static const char *const libm_paths[] = {
	"/lib/x86_64-linux-gnu/libm.so.6",
	"/usr/lib/x86_64-linux-gnu/libm.so.6",
	"/lib64/libm.so.6",
	"/usr/lib64/libm.so.6",
};

int main(int argc, char **argv)
{
	char path[PATH_MAX + 16], env[PATH_MAX + 32], exe[PATH_MAX];
	const char *dir, *libm = NULL;
	struct attack_spawn r;
	ssize_t n;
	int err;

	attack_file_reexec_check(argc, argv);
	attack_init();
	for (size_t i = 0; i < sizeof(libm_paths) / sizeof(libm_paths[0]); i++)
		if (!access(libm_paths[i], R_OK)) {
			libm = libm_paths[i];
			break;
		}
	if (!libm)
		attack_error("no libm.so.6 found to copy");
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n < 0)
		attack_error("readlink /proc/self/exe: %s", strerror(errno));
	exe[n] = '\0';
	dir = attack_scratch_create();
	snprintf(path, sizeof(path), "%s/libcopy.so", dir);
	attack_copy_modified(libm, path, 0600);
	snprintf(env, sizeof(env), "LD_PRELOAD=%s", path);
	attack_spawn_run(exe,
			 (char *[]){ exe, ATTACK_FILE_MARKER, (char *)dir, NULL },
			 (char *[]){ env, NULL }, &r);
	if (r.exec_errno) {
		attack_scratch_remove(dir);
		attack_error("re-exec of ourselves: %s", strerror(r.exec_errno));
	}
	if (WIFEXITED(r.status) && WEXITSTATUS(r.status) == REEXEC_MAPPED) {
		attack_scratch_remove(dir);
		attack_worked("LD_PRELOAD of a modified library succeeded");
	}
	attack_spawn_show(&r);
	if (!WIFEXITED(r.status) || WEXITSTATUS(r.status) != REEXEC_NOT_MAPPED) {
		attack_scratch_remove(dir);
		attack_error("re-executed image failed (status %#x)", r.status);
	}
	/*
	 * ld.so ignores a preload it cannot map and prints no errno: repeat
	 * its mapping here (same cgroup, same verdict) to learn why.
	 */
	err = -attack_probe_exec_mmap(path);
	attack_scratch_remove(dir);
	if (err)
		attack_step_failed("mmap(PROT_EXEC) of the LD_PRELOAD library", err);
	attack_error("ld.so ignored the preload, yet the library maps fine");
}
