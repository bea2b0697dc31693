// SPDX-License-Identifier: GPL-2.0
/* Command dispatch, names and small helpers. */
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <fcntl.h>
#include <string.h>

#include "cli.h"
#include "lsm_probe.h"
#include "nojit.h"

static int last;

static int cmd_enforce(int argc, char **argv) { (void)argc; (void)argv; return last = 10; }
static int cmd_enroll(int argc, char **argv) { (void)argc; (void)argv; return last = 11; }
static int cmd_status(int argc, char **argv) { (void)argc; (void)argv; return last = 12; }

static const struct cli_cmd cmds[] = {
	{ "enforce", cmd_enforce, "" },
	{ "enroll", cmd_enroll, "" },
	{ "status", cmd_status, "" },
	{}
};

static int dispatch(const char *word)
{
	char *argv[] = { (char *)word, NULL };

	last = 0;
	return cli_dispatch(cmds, NULL, 1, argv);
}

Test(cli, exact_and_unique_prefixes)
{
	cr_assert_eq(dispatch("status"), 12);
	cr_assert_eq(dispatch("st"), 12);
	cr_assert_eq(dispatch("enf"), 10);
	cr_assert_eq(dispatch("enr"), 11);
}

Test(cli, ambiguous_and_unknown_are_usage_errors, .init = cr_redirect_stderr)
{
	cr_assert_eq(dispatch("en"), EXIT_USAGE);
	cr_assert_eq(last, 0, "no handler may run on an ambiguous prefix");
	cr_assert_eq(dispatch("frobnicate"), EXIT_USAGE);
	cr_assert_eq(dispatch("statusx"), EXIT_USAGE);
	cr_assert_eq(last, 0);
}

Test(cli, exact_name_beats_longer_names)
{
	static const struct cli_cmd c2[] = {
		{ "run", cmd_enforce, "" },
		{ "runx", cmd_enroll, "" },
		{}
	};
	char *argv[] = { "run", NULL };

	cr_assert_eq(cli_dispatch(c2, NULL, 1, argv), 10);
}

Test(cli, json_errors_are_one_document, .init = cr_redirect_stdout)
{
	arg_json = true;
	cli_error("cgroup %s: %s", "/x\"y", "broken");
	arg_json = false;
	fflush(stdout);
	cr_assert_stdout_eq_str("{\"error\":\"cgroup /x\\\"y: broken\"}\n");
}

Test(names, every_route_has_a_name)
{
	for (unsigned int r = 1; r < NOJIT_ROUTE_MAX; r++)
		cr_assert_str_neq(route_name(r), "unknown", "route %u", r);
	cr_assert_str_eq(route_name(0), "unknown");
	cr_assert_str_eq(route_name(NOJIT_ROUTE_MAX), "unknown");
	cr_assert_str_eq(route_name(~0u), "unknown");
}

Test(lsm, list_membership_is_by_whole_entry)
{
	cr_assert(lsm_list_has("lockdown,capability,landlock,yama,bpf", "bpf"));
	cr_assert(lsm_list_has("bpf,ima,evm", "bpf"));
	cr_assert(lsm_list_has("capability,bpf,ima", "bpf"));
	cr_assert(lsm_list_has("capability,bpf\n", "bpf"));
	cr_assert_not(lsm_list_has("capability,bpfx,ima", "bpf"));
	cr_assert_not(lsm_list_has("capability,xbpf", "bpf"));
	cr_assert_not(lsm_list_has("", "bpf"));
	cr_assert_not(lsm_list_has("lockdown,capability,landlock,yama", "bpf"));
}

Test(util, err_set_formats_and_returns_the_errno)
{
	struct nojit_err err;

	cr_assert_eq(nojit_err_set(&err, -ENOENT, "cgroup %s: %d", "/a", 7), -ENOENT);
	cr_assert_str_eq(err.msg, "cgroup /a: 7");
	cr_assert_eq(nojit_err_set(NULL, -EINVAL, "ignored"), -EINVAL);
}

Test(util, err_set_truncates_long_messages)
{
	struct nojit_err err;
	char big[2048];

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	nojit_err_set(&err, -E2BIG, "%s", big);
	cr_assert_eq(strlen(err.msg), sizeof(err.msg) - 1);
}

Test(util, read_small_file_terminates_and_bounds)
{
	char path[] = "/tmp/nojit-unit-XXXXXX", buf[8];
	int fd = mkstemp(path);

	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, "0123456789", 10), 10);
	close(fd);
	cr_assert_eq(read_small_file(path, buf, sizeof(buf)), 7);
	cr_assert_str_eq(buf, "0123456");
	unlink(path);
	cr_assert_eq(read_small_file(path, buf, sizeof(buf)), -ENOENT);
	cr_assert_eq(read_small_file(path, buf, 0), -EINVAL);
}
