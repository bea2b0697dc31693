// SPDX-License-Identifier: GPL-2.0
/*
 * loader - keep the bench reference programs attached while a command runs,
 * and measure what BPF programs cost while it does.
 *
 *   loader {b0|b1|none} [--cgroup DIR]... [--run-in DIR] [--stats FILE]
 *          -- CMD [ARGS...]
 *
 * b0 and b1 load and attach one set of empty.bpf.c (b0: empty programs,
 * b1: cgroup id + one hash lookup; each --cgroup DIR is put into b1's map,
 * so tasks there take the lookup's hit path); none attaches nothing. Then
 * CMD runs, moved first into the cgroup2 directory --run-in DIR if given,
 * and the programs are detached. With --stats, FILE receives, for every
 * BPF program loaded on the system, what CMD's lifetime added to its
 * kernel.bpf_stats_enabled counters: "ID NAME RUN_CNT RUN_TIME_NS TARGET"
 * lines, TARGET being the kernel function the program is attached to
 * (bpf_lsm_<hook> for an LSM program; "-" if none): the kernel keeps only
 * 15 characters of a name, too few to tell nojit_socket_sendmsg from
 * nojit_socket_setsockopt. The snapshots only make bpf() calls (the
 * kernel's BTF is read before the first), so they add no runs to the file
 * and memory hooks they measure.
 *
 * Nothing is pinned: the links live in this process's fds, so however it
 * ends, the programs go with it (all libbpf fds are O_CLOEXEC: CMD holds
 * none). Exit status: CMD's (128 + signal if it was killed); 1 if the
 * programs or the statistics could not be set up; 2 usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "empty.skel.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

#define MAX_LINKS 64
#define MAX_CGROUPS 16

struct bench_policy {		/* empty.bpf.c */
	__u32 deny;
	__u32 pad;
};

struct attached {
	struct empty_bpf *skel;
	struct bpf_link *links[MAX_LINKS];
	size_t nlinks;
};

struct prog_stat {
	__u32 id;
	__u32 attach_btf_obj_id;	/* the BTF object attach_btf_id is in */
	__u32 attach_btf_id;
	char name[BPF_OBJ_NAME_LEN];
	__u64 run_cnt;
	__u64 run_time_ns;
};

struct stats {
	struct prog_stat *progs;
	size_t n;
};

static const char usage[] =
	"Usage: loader {b0|b1|none} [--cgroup DIR]... [--run-in DIR] [--stats FILE]\n"
	"              -- CMD [ARGS...]\n"
	"\n"
	"Attach the bench reference programs (b0 empty, b1 cgroup id + one hash\n"
	"lookup; none: nothing) to nojit's hooks, run CMD, detach.\n"
	"\n"
	"  -c, --cgroup DIR   put cgroup DIR into b1's map (repeatable)\n"
	"  -r, --run-in DIR   run CMD in cgroup DIR\n"
	"  -s, --stats FILE   write every BPF program's run_cnt and run_time_ns\n"
	"                     added while CMD ran to FILE (needs\n"
	"                     kernel.bpf_stats_enabled=1 to count anything)\n"
	"\n"
	"Exit status: CMD's; 1 set-up failed; 2 usage.\n";

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level != LIBBPF_WARN)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static void attached_destroy(struct attached *a)
{
	for (size_t i = 0; i < a->nlinks; i++)
		bpf_link__destroy(a->links[i]);
	a->nlinks = 0;
	empty_bpf__destroy(a->skel);	/* accepts NULL */
	a->skel = NULL;
}

/* A cgroup2 directory's inode number is its cgroup id. */
static int cgroup_id(const char *dir, __u64 *ret_id)
{
	struct statfs sfs;
	struct stat st;

	if (statfs(dir, &sfs) < 0 || stat(dir, &st) < 0)
		return -errno;
	if (sfs.f_type != CGROUP2_SUPER_MAGIC || !S_ISDIR(st.st_mode))
		return -ENOTDIR;
	*ret_id = st.st_ino;
	return 0;
}

/* Load the programs named "<set>_*", attach them, fill b1's map. */
static int attached_setup(struct attached *a, const char *set,
			  char **cgroups, size_t ncgroups)
{
	struct bench_policy pol = {};
	struct bpf_program *prog;
	size_t setlen = strlen(set);
	int err;

	a->skel = empty_bpf__open();
	if (!a->skel)
		return -errno;
	bpf_object__for_each_program(prog, a->skel->obj) {
		const char *name = bpf_program__name(prog);
		bool mine = !strncmp(name, set, setlen) && name[setlen] == '_';

		err = bpf_program__set_autoload(prog, mine);
		if (err)
			return err;
	}
	err = empty_bpf__load(a->skel);
	if (err)
		return err;

	for (size_t i = 0; i < ncgroups; i++) {
		__u64 id;

		err = cgroup_id(cgroups[i], &id);
		if (err) {
			fprintf(stderr, "loader: --cgroup %s: %s\n", cgroups[i],
				err == -ENOTDIR ? "not a cgroup2 directory" : strerror(-err));
			return err;
		}
		if (bpf_map__update_elem(a->skel->maps.bench_cgroups, &id, sizeof(id),
					 &pol, sizeof(pol), BPF_ANY))
			return -errno;
	}

	bpf_object__for_each_program(prog, a->skel->obj) {
		struct bpf_link *link;

		if (!bpf_program__autoload(prog))
			continue;
		if (a->nlinks == MAX_LINKS)
			return -E2BIG;
		link = bpf_program__attach(prog);
		if (!link) {
			err = -errno;
			fprintf(stderr, "loader: attach %s: %s\n",
				bpf_program__name(prog), strerror(-err));
			return err;
		}
		a->links[a->nlinks++] = link;
	}
	return a->nlinks ? 0 : -ENOENT;
}

static void stats_free(struct stats *s)
{
	free(s->progs);
	s->progs = NULL;
	s->n = 0;
}

/* Every loaded program's counters. Only bpf() calls, nothing else. */
static int stats_snapshot(struct stats *s)
{
	size_t cap = 0;
	__u32 id = 0;

	stats_free(s);
	while (!bpf_prog_get_next_id(id, &id)) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);
		int fd, err;

		fd = bpf_prog_get_fd_by_id(id);
		if (fd < 0) {
			if (errno == ENOENT)	/* unloaded meanwhile */
				continue;
			return -errno;
		}
		err = bpf_obj_get_info_by_fd(fd, &info, &len);
		err = err ? -errno : 0;
		close(fd);
		if (err)
			return err;
		if (s->n == cap) {
			struct prog_stat *p;

			cap = cap ? 2 * cap : 64;
			p = realloc(s->progs, cap * sizeof(*p));
			if (!p)
				return -ENOMEM;
			s->progs = p;
		}
		s->progs[s->n].id = id;
		s->progs[s->n].attach_btf_obj_id = info.attach_btf_obj_id;
		s->progs[s->n].attach_btf_id = info.attach_btf_id;
		memcpy(s->progs[s->n].name, info.name, sizeof(info.name));
		s->progs[s->n].name[BPF_OBJ_NAME_LEN - 1] = '\0';
		s->progs[s->n].run_cnt = info.run_cnt;
		s->progs[s->n].run_time_ns = info.run_time_ns;
		s->n++;
	}
	return errno == ENOENT ? 0 : -errno;
}

static void btf_freep(struct btf **btf)
{
	btf__free(*btf);	/* accepts NULL */
}

/* The kernel's own BTF object's ID in *RET_ID (modules have their own). */
static int vmlinux_btf_obj_id(__u32 *ret_id)
{
	__u32 id = 0;

	while (!bpf_btf_get_next_id(id, &id)) {
		struct bpf_btf_info info = {};
		__u32 len = sizeof(info);
		char name[16] = "";
		int fd, err;

		fd = bpf_btf_get_fd_by_id(id);
		if (fd < 0) {
			if (errno == ENOENT)
				continue;
			return -errno;
		}
		info.name = (__u64)(unsigned long)name;
		info.name_len = sizeof(name);
		err = bpf_obj_get_info_by_fd(fd, &info, &len);
		err = err ? -errno : 0;
		close(fd);
		if (err)
			return err;
		if (info.kernel_btf && !strcmp(name, "vmlinux")) {
			*ret_id = id;
			return 0;
		}
	}
	return errno == ENOENT ? -ENOENT : -errno;
}

/* What P is attached to, if a kernel function (VMLINUX is object OBJ_ID), or "-". */
static const char *attach_target(const struct btf *vmlinux, __u32 obj_id,
				 const struct prog_stat *p)
{
	const struct btf_type *t = p->attach_btf_obj_id == obj_id && p->attach_btf_id ?
				   btf__type_by_id(vmlinux, p->attach_btf_id) : NULL;
	const char *name = t ? btf__name_by_offset(vmlinux, t->name_off) : NULL;

	return name && name[0] ? name : "-";
}

/*
 * "ID NAME RUN_CNT RUN_TIME_NS TARGET", after minus before, one line a
 * program.
 */
static int stats_write(const char *path, const struct stats *before,
		       const struct stats *after, const struct btf *vmlinux,
		       __u32 vmlinux_obj_id)
{
	FILE *f = fopen(path, "we");

	if (!f)
		return -errno;
	for (size_t i = 0; i < after->n; i++) {
		const struct prog_stat *a = &after->progs[i];
		__u64 cnt = a->run_cnt, ns = a->run_time_ns;

		for (size_t j = 0; j < before->n; j++) {
			if (before->progs[j].id != a->id)
				continue;
			cnt -= before->progs[j].run_cnt;
			ns -= before->progs[j].run_time_ns;
			break;
		}
		fprintf(f, "%u %s %llu %llu %s\n", a->id, a->name[0] ? a->name : "-",
			(unsigned long long)cnt, (unsigned long long)ns,
			attach_target(vmlinux, vmlinux_obj_id, a));
	}
	if (fclose(f))
		return -errno;
	return 0;
}

/* Run CMD (in cgroup run_in if not NULL); its status as a shell reports it. */
static int run_command(char **argv, const char *run_in)
{
	int status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		if (run_in) {
			char path[4096];
			int fd;

			snprintf(path, sizeof(path), "%s/cgroup.procs", run_in);
			fd = open(path, O_WRONLY | O_CLOEXEC);
			if (fd < 0 || write(fd, "0", 1) != 1) {
				fprintf(stderr, "loader: cannot move into %s: %s\n",
					run_in, strerror(errno));
				_exit(126);
			}
			close(fd);
		}
		execvp(argv[0], argv);
		fprintf(stderr, "loader: %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "cgroup", required_argument, NULL, 'c' },
		{ "run-in", required_argument, NULL, 'r' },
		{ "stats", required_argument, NULL, 's' },
		{}
	};
	struct attached a __attribute__((cleanup(attached_destroy))) = {};
	struct stats before __attribute__((cleanup(stats_free))) = {};
	struct stats after __attribute__((cleanup(stats_free))) = {};
	struct btf *vmlinux __attribute__((cleanup(btf_freep))) = NULL;
	__u32 vmlinux_obj_id = 0;
	const char *set, *run_in = NULL, *stats_path = NULL;
	char *cgroups[MAX_CGROUPS];
	size_t ncgroups = 0;
	int c, err, rc;

	if (argc > 1 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		printf("%s", usage);
		return 0;
	}
	set = argc > 1 ? argv[1] : "";
	if (strcmp(set, "b0") && strcmp(set, "b1") && strcmp(set, "none")) {
		fprintf(stderr, "loader: expected b0, b1 or none\n%s", usage);
		return 2;
	}
	optind = 2;
	while ((c = getopt_long(argc, argv, "+c:r:s:", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			if (ncgroups == MAX_CGROUPS) {
				fprintf(stderr, "loader: at most %d --cgroup\n", MAX_CGROUPS);
				return 2;
			}
			cgroups[ncgroups++] = optarg;
			break;
		case 'r':
			run_in = optarg;
			break;
		case 's':
			stats_path = optarg;
			break;
		default:
			fprintf(stderr, "%s", usage);
			return 2;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "loader: no command given\n%s", usage);
		return 2;
	}

	libbpf_set_print(libbpf_print);
	if (strcmp(set, "none")) {
		err = attached_setup(&a, set, cgroups, ncgroups);
		if (err) {
			fprintf(stderr, "loader: cannot attach the %s programs: %s\n",
				set, strerror(-err));
			return 1;
		}
	}
	if (stats_path) {
		vmlinux = btf__load_vmlinux_btf();
		err = vmlinux ? vmlinux_btf_obj_id(&vmlinux_obj_id) : -errno;
		if (!err)
			err = stats_snapshot(&before);
		if (err) {
			fprintf(stderr, "loader: cannot read program statistics: %s\n",
				strerror(-err));
			return 1;
		}
	}
	rc = run_command(argv + optind, run_in);
	if (rc < 0) {
		fprintf(stderr, "loader: %s: %s\n", argv[optind], strerror(-rc));
		return 1;
	}
	if (stats_path) {
		err = stats_snapshot(&after);
		if (!err)
			err = stats_write(stats_path, &before, &after, vmlinux,
					  vmlinux_obj_id);
		if (err) {
			fprintf(stderr, "loader: --stats %s: %s\n", stats_path,
				strerror(-err));
			return 1;
		}
	}
	return rc;
}
