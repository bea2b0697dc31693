// SPDX-License-Identifier: GPL-2.0
/* The incident-response runner: bounded in concurrency and in time. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "responses.h"

Test(responses, runs_the_command_with_the_input_on_stdin)
{
	char path[] = "/tmp/nojit-ir-XXXXXX", cmd[128], buf[64] = "";
	struct exec_runner *r;
	FILE *f;
	int fd = mkstemp(path);

	cr_assert_geq(fd, 0);
	close(fd);
	snprintf(cmd, sizeof(cmd), "cat > %s", path);
	r = exec_runner_new(cmd, 1, 5000);
	cr_assert_not_null(r);
	cr_assert_eq(exec_runner_start(r, "{\"seq\":1}", 9, NULL), 0);
	for (int i = 0; i < 100 && exec_runner_reap(r) == 0; i++) {
		f = fopen(path, "r");
		if (f && fgets(buf, sizeof(buf), f) && strlen(buf) == 9) {
			fclose(f);
			break;
		}
		if (f)
			fclose(f);
		usleep(50000);
	}
	exec_runner_free(r);
	unlink(path);
	cr_assert_str_eq(buf, "{\"seq\":1}");
}

Test(responses, more_than_max_running_is_refused_and_timeouts_kill)
{
	struct exec_runner *r = exec_runner_new("sleep 30", 1, 200);

	cr_assert_not_null(r);
	cr_assert_eq(exec_runner_start(r, "", 0, NULL), 0);
	cr_assert_eq(exec_runner_start(r, "", 0, NULL), -EBUSY,
		     "a second command while the first runs must be refused");
	usleep(400000);
	cr_assert_eq(exec_runner_reap(r), 1, "the command past its timeout is killed");
	cr_assert_eq(exec_runner_start(r, "", 0, NULL), 0, "its slot is free again");
	exec_runner_free(r);
}

Test(responses, cgroup_knob_errors_name_the_errno)
{
	cr_assert_eq(cgroup_write_knob("/nonexistent/nojit", "cgroup.kill", "1"), -ENOENT);
	cr_assert_lt(cgroup_write_knob("/tmp", "no-such-knob", "1"), 0);
}
