// SPDX-License-Identifier: GPL-2.0
/*
 * Route 11: run a modified copy of ourselves through the dynamic loader
 * ("ld.so ./prog"): the exec is of ld.so, an allowed file; the program
 * itself is only ever mmap'ed PROT_EXEC by ld.so.
 */
#define ATTACK_NAME "ldso_modified_copy"
#include "file.h"

extern char **environ;

#define LDSO "/lib64/ld-linux-x86-64.so.2"

int main(int argc, char **argv)
{
	char path[PATH_MAX + 16];
	struct attack_spawn r;
	const char *dir;

	attack_file_reexec_check(argc, argv);
	attack_init();
	dir = attack_scratch_create();
	snprintf(path, sizeof(path), "%s/copy", dir);
	/* Not even executable: ld.so only needs to read and map it. */
	attack_copy_modified("/proc/self/exe", path, 0600);
	attack_spawn_run(LDSO,
			 (char *[]){ LDSO, path, ATTACK_FILE_MARKER, (char *)dir, NULL },
			 environ, &r);
	if (r.exec_errno) {
		attack_scratch_remove(dir);
		attack_error("execve %s: %s", LDSO, strerror(r.exec_errno));
	}
	if (WIFEXITED(r.status) && WEXITSTATUS(r.status) == REEXEC_MAPPED) {
		attack_scratch_remove(dir);
		attack_worked("ld.so run of a modified copy succeeded");
	}
	attack_spawn_show(&r);
	/*
	 * ld.so refuses with exit 127 and no errno ("failed to map segment
	 * from shared object"): repeat its mapping here to learn the errno.
	 */
	if (WIFEXITED(r.status) && WEXITSTATUS(r.status) == 127) {
		int err = -attack_probe_exec_mmap(path);

		attack_scratch_remove(dir);
		if (err)
			attack_step_failed("ld.so mmap(PROT_EXEC) of the modified copy",
					   err);
	} else {
		attack_scratch_remove(dir);
	}
	attack_error("ld.so did not run the copy (status %#x)", r.status);
}
