// SPDX-License-Identifier: GPL-2.0
/*
 * Route 10: exec a copy of an allowed binary (ourselves) with one byte
 * appended: same code, different file and hash, written by the workload.
 */
#define ATTACK_NAME "exec_modified_copy"
#include "file.h"

extern char **environ;

int main(int argc, char **argv)
{
	char path[PATH_MAX + 16];
	struct attack_spawn r;
	const char *dir;

	attack_file_reexec_check(argc, argv);
	attack_init();
	dir = attack_scratch_create();
	snprintf(path, sizeof(path), "%s/copy", dir);
	attack_copy_modified("/proc/self/exe", path, 0700);
	attack_spawn_run(path,
			 (char *[]){ path, ATTACK_FILE_MARKER, (char *)dir, NULL },
			 environ, &r);
	attack_scratch_remove(dir);
	if (r.exec_errno)
		/* execve(2) documents EACCES for a refused executable. */
		attack_step_failed_ex("execve(modified copy)", r.exec_errno, 1);
	if (WIFEXITED(r.status) && WEXITSTATUS(r.status) == REEXEC_MAPPED)
		attack_worked("exec of a modified copy succeeded");
	attack_spawn_show(&r);
	attack_error("the copy was exec'd but did not confirm (status %#x)",
		     r.status);
}
