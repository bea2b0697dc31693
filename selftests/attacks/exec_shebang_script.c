// SPDX-License-Identifier: GPL-2.0
/*
 * Route 10: exec a "#!" script the workload just wrote. The interpreter
 * is allowed; the script is new. (Running "sh script" instead is not an
 * exec at all: the documented known limit.)
 */
#define ATTACK_NAME "exec_shebang_script"
#include "file.h"

extern char **environ;

/* The script proves it ran by printing a line the parent looks for. */
#define SCRIPT_RAN "nojit-new-script-ran"

int main(void)
{
	static const char script[] = "#!/bin/sh\necho " SCRIPT_RAN "\n";
	char path[PATH_MAX + 16];
	struct attack_spawn r;
	const char *dir;

	attack_init();
	dir = attack_scratch_create();
	snprintf(path, sizeof(path), "%s/script.sh", dir);
	attack_write_file(path, script, sizeof(script) - 1, 0700);
	attack_spawn_run(path, (char *[]){ path, NULL }, environ, &r);
	attack_scratch_remove(dir);
	if (r.exec_errno)
		/* execve(2) documents EACCES for a refused executable. */
		attack_step_failed_ex("execve(#! script)", r.exec_errno, 1);
	if (WIFEXITED(r.status) && !WEXITSTATUS(r.status) &&
	    strstr(r.output, SCRIPT_RAN))
		attack_worked("exec of a new #! script succeeded");
	attack_spawn_show(&r);
	attack_error("the script was exec'd but did not run (status %#x)",
		     r.status);
}
