// SPDX-License-Identifier: GPL-2.0
/*
 * Route 16, stacked file systems. On overlayfs a shared writable mapping
 * holds the upper file, not the overlay one: after close() the overlay
 * inode's writer count is 0 while the page cache under every executable
 * mapping of the file can still be changed through the mapping. The file
 * is a copy of this program (listed by a manifest listing this program),
 * in $TMPDIR, which the suite puts on an overlay.
 *
 *   overlay_shared_writer            map RX after the writer, patch code
 *                                    through the writer, call it
 *   overlay_shared_writer exec       exec the copy, patch a marker string
 *                                    through the writer, exec it again: the
 *                                    second exec must not run the change
 *   overlay_shared_writer hold FILE  (the cooperating process) copy to FILE,
 *                                    hold a shared writable mapping, print
 *                                    "ready"; on a line on stdin patch the
 *                                    marker, print "patched"; exit at EOF
 *   overlay_shared_writer run FILE   exec FILE: exit 0 if it ran the patched
 *                                    marker, 1 if the exec was refused, 3 if
 *                                    it ran the original
 * On a file system that does not stack, the kernel's own ETXTBSY rule
 * already refuses the exec variants: they report an error there.
 */
#define ATTACK_NAME "overlay_shared_writer"
#include "file.h"

/* The marker a re-executed copy prints; the writer changes its last letter. */
static const char marker[] = "nojit-overlay-marker-A";
#define MARKER_PATCHED 'B'

static unsigned char *map_shared_writer(const char *file, size_t *ret_len)
{
	unsigned char *rw;
	struct stat st;
	int fd;

	fd = open(file, O_RDWR | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st))
		attack_error("open %s: %s", file, strerror(errno));
	rw = mmap(NULL, st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (rw == MAP_FAILED)
		attack_error("mmap shared writable: %s", strerror(errno));
	/* The overlay file goes; the mapping keeps the upper file open for writing. */
	close(fd);
	*ret_len = st.st_size;
	return rw;
}

static void patch_marker(unsigned char *rw, size_t len)
{
	unsigned char *p = memmem(rw, len, marker, sizeof(marker) - 1);

	if (!p)
		attack_error("marker not found in the copy");
	p[sizeof(marker) - 2] = MARKER_PATCHED;
}

/* Exec FILE; returns 1 if it printed the patched marker, 0 if the original, -EPERM if refused. */
static int run_copy(const char *file)
{
	char *argv[] = { (char *)file, "marker", NULL };
	char out[64] = "";
	int pipefd[2], status;
	ssize_t n;
	pid_t pid;

	if (pipe2(pipefd, O_CLOEXEC))
		attack_error("pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		attack_error("fork: %s", strerror(errno));
	if (pid == 0) {
		dup2(pipefd[1], 1);
		execv(file, argv);
		_exit(errno == EPERM ? 100 : errno == ETXTBSY ? 102 : 101);
	}
	close(pipefd[1]);
	n = read(pipefd[0], out, sizeof(out) - 1);
	close(pipefd[0]);
	if (waitpid(pid, &status, 0) != pid)
		attack_error("waitpid: %s", strerror(errno));
	if (WIFEXITED(status) && WEXITSTATUS(status) == 100)
		return -EPERM;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 102)
		attack_error("execve: ETXTBSY: the kernel sees the writer itself (is $TMPDIR on overlayfs?)");
	/* nojit kills an exec it refuses past the point of no return. */
	if (WIFSIGNALED(status) && (WTERMSIG(status) == SIGKILL || WTERMSIG(status) == SIGSEGV))
		return -EPERM;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || n <= 0)
		attack_error("%s ended with status %#x", file, status);
	out[n] = '\0';
	return out[sizeof(marker) - 2] == MARKER_PATCHED;
}

static int mode_run(const char *file)
{
	int r = run_copy(file);

	if (r == -EPERM)
		attack_step_failed("execve of the copy with a writer below the overlay", EPERM);
	if (r == 1)
		attack_worked("the exec ran content changed through the upper file");
	printf("attack %s: the copy ran its original content\n", ATTACK_NAME);
	return 3;
}

static int mode_hold(const char *file)
{
	unsigned char *rw;
	char line[16];
	size_t len;

	attack_copy_file("/proc/self/exe", file, 0700, 0);
	rw = map_shared_writer(file, &len);
	printf("ready\n");
	while (fgets(line, sizeof(line), stdin)) {
		patch_marker(rw, len);
		printf("patched\n");
	}
	return 0;
}

static int mode_exec(void)
{
	char file[PATH_MAX + 16];
	unsigned char *rw;
	size_t len;
	int r;

	snprintf(file, sizeof(file), "%s/copy", attack_scratch_create());
	attack_copy_file("/proc/self/exe", file, 0700, 0);
	rw = map_shared_writer(file, &len);
	r = run_copy(file);
	if (r == 0) {
		patch_marker(rw, len);
		r = run_copy(file);
	}
	attack_scratch_remove(attack_scratch);
	if (r == -EPERM)
		attack_step_failed("execve of the copy with a writer below the overlay", EPERM);
	if (r == 1)
		attack_worked("the exec ran content changed through the upper file");
	attack_error("the copy ran its original content");
}

static int mode_map(void)
{
	char file[PATH_MAX + 16];
	unsigned char *rw, *rx;
	size_t len;
	int fd, err;

	snprintf(file, sizeof(file), "%s/copy", attack_scratch_create());
	attack_copy_file("/proc/self/exe", file, 0700, 0);
	rw = map_shared_writer(file, &len);
	fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		attack_error("open %s: %s", file, strerror(errno));
	rx = mmap(NULL, len, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);
	err = errno;
	close(fd);
	attack_scratch_remove(attack_scratch);
	if (rx == MAP_FAILED)
		attack_step_failed("mmap RX of a file with a shared writer below the overlay", err);
	attack_write_payload(rw + ATTACK_PAGE);
	attack_run_payload(rx + ATTACK_PAGE);
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "marker")) {
		/* A re-executed copy: say which content ran. */
		printf("%s\n", marker);
		return 0;
	}
	attack_init();
	if (argc > 2 && !strcmp(argv[1], "hold"))
		return mode_hold(argv[2]);
	if (argc > 2 && !strcmp(argv[1], "run"))
		return mode_run(argv[2]);
	if (argc > 1 && !strcmp(argv[1], "exec"))
		return mode_exec();
	return mode_map();
}
