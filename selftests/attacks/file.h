// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers for the attacks that put code into ordinary files (routes 4,
 * 6, 10, 11): a private scratch directory, copies of allowed binaries
 * with one byte changed, and the check a re-executed image runs.
 */
#ifndef NOJIT_SELFTESTS_ATTACK_FILE_H
#define NOJIT_SELFTESTS_ATTACK_FILE_H

#include "attack.h"
#include <limits.h>
#include <sys/stat.h>
#include <sys/wait.h>

/* argv[1] of a re-executed image; argv[2] is the scratch dir to remove. */
#define ATTACK_FILE_MARKER "--nojit-ran-new-file"

static char attack_scratch[PATH_MAX];

/* Where the workload itself could write: $TMPDIR, else /tmp. */
static inline const char *attack_scratch_create(void)
{
	const char *t = getenv("TMPDIR");

	if (!t || !*t)
		t = "/tmp";
	if ((size_t)snprintf(attack_scratch, sizeof(attack_scratch),
			     "%s/nojit-attack.XXXXXX", t) >= sizeof(attack_scratch))
		attack_error("TMPDIR too long");
	if (!mkdtemp(attack_scratch))
		attack_error("mkdtemp %s: %s", attack_scratch, strerror(errno));
	return attack_scratch;
}

/* Removes the scratch dir and its plain files (it has no subdirectories). */
static inline void attack_scratch_remove(const char *dir)
{
	char cmd[PATH_MAX + 32];
	const char *p;

	/* Only ever a directory we created: refuse anything else. */
	p = strrchr(dir, '/');
	if (!p || strncmp(p, "/nojit-attack.", 14) || strchr(dir, '\''))
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf -- '%s'", dir);
	if (system(cmd))
		fprintf(stderr, "attack %s: warning: could not remove %s\n",
			ATTACK_NAME, dir);
}

/*
 * Writes a copy of src to dst with mode; with extra_byte, one byte more at
 * the end: still a valid ELF, but not the file (or the hash) that was
 * allowed.
 */
static inline void attack_copy_file(const char *src, const char *dst,
				    mode_t mode, int extra_byte)
{
	char buf[65536];
	ssize_t n;
	int in, out;

	in = open(src, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		attack_error("open %s: %s", src, strerror(errno));
	out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (out < 0)
		attack_error("create %s: %s", dst, strerror(errno));
	while ((n = read(in, buf, sizeof(buf))) != 0) {
		if (n < 0)
			attack_error("read %s: %s", src, strerror(errno));
		if (write(out, buf, n) != n)
			attack_error("write %s: %s", dst, strerror(errno));
	}
	if (extra_byte && write(out, "", 1) != 1)
		attack_error("write %s: %s", dst, strerror(errno));
	close(in);
	if (close(out))
		attack_error("close %s: %s", dst, strerror(errno));
}

static inline void attack_copy_modified(const char *src, const char *dst,
					mode_t mode)
{
	attack_copy_file(src, dst, mode, 1);
}

static inline void attack_write_file(const char *path, const void *buf,
				     size_t len, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);

	if (fd < 0)
		attack_error("create %s: %s", path, strerror(errno));
	if (write(fd, buf, len) != (ssize_t)len)
		attack_error("write %s: %s", path, strerror(errno));
	if (close(fd))
		attack_error("close %s: %s", path, strerror(errno));
}

/* 1 if a file whose path starts with prefix is mapped executable here. */
static inline int attack_file_mapped_exec(const char *prefix)
{
	char line[PATH_MAX + 256];
	size_t len = strlen(prefix);
	int found = 0;
	FILE *f;

	f = fopen("/proc/self/maps", "re");
	if (!f)
		return -errno;
	while (!found && fgets(line, sizeof(line), f)) {
		char perms[5];
		const char *path = strchr(line, '/');

		if (sscanf(line, "%*x-%*x %4s", perms) != 1 || !path)
			continue;
		found = perms[2] == 'x' && !strncmp(path, prefix, len);
	}
	fclose(f);
	return found;
}

/* Exit statuses of a re-executed image (see attack_file_reexec_check). */
enum {
	REEXEC_MAPPED = 0,
	REEXEC_NOT_MAPPED = 3,
	REEXEC_CANNOT_TELL = 4,
};

/*
 * In a re-executed image (argv: prog MARKER DIR): exit REEXEC_MAPPED only
 * if code from a file in DIR really is mapped executable in this process.
 * The parent turns that into the verdict.
 */
static inline void attack_file_reexec_check(int argc, char **argv)
{
	char prefix[PATH_MAX + 2];
	int r;

	if (argc < 3 || strcmp(argv[1], ATTACK_FILE_MARKER))
		return;
	snprintf(prefix, sizeof(prefix), "%s/", argv[2]);
	r = attack_file_mapped_exec(prefix);
	if (r < 0)
		fprintf(stderr, "re-executed image: /proc/self/maps: %s\n",
			strerror(-r));
	exit(r < 0 ? REEXEC_CANNOT_TELL : r ? REEXEC_MAPPED : REEXEC_NOT_MAPPED);
}

struct attack_spawn {
	int exec_errno;		/* the execve in the child failed with this */
	int status;		/* wait status, when it did not */
	char output[4096];	/* the child's stdout and stderr, truncated */
};

/*
 * fork + execve, reporting an exec failure's errno through a close-on-exec
 * pipe (so "exec refused" is told apart from "ran and failed") and
 * collecting the program's output.
 */
static inline void attack_spawn_run(const char *path, char *const argv[],
				    char *const envp[], struct attack_spawn *r)
{
	int errp[2], outp[2], st;
	size_t len = 0;
	ssize_t n;
	pid_t pid;

	memset(r, 0, sizeof(*r));
	if (pipe2(errp, O_CLOEXEC) || pipe2(outp, O_CLOEXEC))
		attack_error("pipe2: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		attack_error("fork: %s", strerror(errno));
	if (pid == 0) {
		int e;

		if (dup2(outp[1], 1) < 0 || dup2(outp[1], 2) < 0)
			_exit(125);
		execve(path, argv, envp);
		e = errno;
		if (write(errp[1], &e, sizeof(e)) != sizeof(e))
			_exit(125);
		_exit(126);
	}
	close(errp[1]);
	close(outp[1]);
	while ((n = read(outp[0], r->output + len,
			 sizeof(r->output) - 1 - len)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		len += n;
		if (len == sizeof(r->output) - 1) {
			/* Keep draining so the child never blocks on a full pipe. */
			char sink[512];

			while (read(outp[0], sink, sizeof(sink)) > 0)
				;
			break;
		}
	}
	r->output[len] = '\0';
	if (read(errp[0], &r->exec_errno, sizeof(r->exec_errno)) !=
	    sizeof(r->exec_errno))
		r->exec_errno = 0;
	close(errp[0]);
	close(outp[0]);
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			attack_error("waitpid: %s", strerror(errno));
	r->status = st;
}

/*
 * ld.so reports a refused mmap without its errno ("failed to map segment
 * from shared object"). This repeats the mapping it makes, PROT_EXEC and
 * private, from this process (same cgroup, same verdict) to learn why.
 * Returns 0 if it maps, -errno if not.
 */
static inline int attack_probe_exec_mmap(const char *path)
{
	void *p;
	int fd, err = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	p = mmap(NULL, ATTACK_PAGE, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED)
		err = -errno;
	else
		munmap(p, ATTACK_PAGE);
	close(fd);
	return err;
}

/* Passes the child's output on as diagnostics (stderr, never stdout). */
static inline void attack_spawn_show(const struct attack_spawn *r)
{
	if (r->output[0])
		fprintf(stderr, "child output:\n%s", r->output);
}

#endif /* NOJIT_SELFTESTS_ATTACK_FILE_H */
