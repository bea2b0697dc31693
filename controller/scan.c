// SPDX-License-Identifier: GPL-2.0
#include <ctype.h>
#include <elf.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <linux/openat2.h>

#include "scan.h"
#include "sha256.h"

/* ---- pure parsers ------------------------------------------------------- */

int scan_parse_maps_line(const char *line, struct scan_map *ret)
{
	unsigned long long start, end, off, ino;
	unsigned int maj, min;
	char perms[8];
	const char *p;
	size_t len;
	int n = -1;

	/* "START-END PERMS OFFSET MAJ:MIN INODE   PATH" (fs/proc/task_mmu.c) */
	if (sscanf(line, "%llx-%llx %7s %llx %x:%x %llu%n", &start, &end, perms, &off, &maj, &min,
		   &ino, &n) != 7 || n < 0)
		return -EINVAL;
	if (strlen(perms) != 4 || end <= start)
		return -EINVAL;
	for (int i = 0; i < 4; i++)
		if (perms[i] != "rwxp"[i] && perms[i] != '-' && !(i == 3 && perms[i] == 's'))
			return -EINVAL;
	p = line + n;
	if (*p && *p != ' ' && *p != '\n')
		return -EINVAL;
	while (*p == ' ')
		p++;
	len = strcspn(p, "\n");
	if (len >= sizeof(ret->path))
		return -ENAMETOOLONG;
	ret->start = start;
	ret->end = end;
	ret->offset = off;
	memcpy(ret->perms, perms, 5);
	ret->dev_major = maj;
	ret->dev_minor = min;
	ret->ino = ino;
	memcpy(ret->path, p, len);
	ret->path[len] = '\0';
	return 0;
}

static bool has_prefix(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

static bool has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && !strcmp(s + n - k, suffix);
}

#define DELETED_SUFFIX " (deleted)"

enum scan_backing scan_classify(const struct scan_map *m)
{
	const char *p = m->path;

	if (!*p)
		return SCAN_BACKING_ANON;
	if (*p == '[') {
		/*
		 * vdso and vsyscall hold code the kernel itself provides to
		 * every process; nothing in user space wrote them.
		 */
		if (!strcmp(p, "[vdso]") || !strcmp(p, "[vsyscall]"))
			return SCAN_BACKING_KERNEL;
		if (!strcmp(p, "[heap]") || has_prefix(p, "[stack") || has_prefix(p, "[anon:"))
			return SCAN_BACKING_ANON;
		if (has_prefix(p, "[anon_shmem:"))
			return SCAN_BACKING_SHARED_ANON;
		return SCAN_BACKING_PSEUDO;
	}
	if (*p != '/')	/* anon_inode:..., names no file */
		return SCAN_BACKING_PSEUDO;
	if (!has_suffix(p, DELETED_SUFFIX))
		return SCAN_BACKING_FILE;
	if (has_prefix(p, "/memfd:"))
		return SCAN_BACKING_MEMFD;
	/* shmem's names: shmem_zero_setup() and SysV shm (ipc/shm.c). */
	if (!strcmp(p, "/dev/zero" DELETED_SUFFIX))
		return SCAN_BACKING_SHARED_ANON;
	if (has_prefix(p, "/SYSV") && strlen(p) == strlen("/SYSV") + 8 + strlen(DELETED_SUFFIX)) {
		bool hex = true;

		for (int i = 5; i < 13; i++)
			hex = hex && isxdigit((unsigned char)p[i]);
		if (hex)
			return SCAN_BACKING_SYSV_SHM;
	}
	return SCAN_BACKING_DELETED;
}

void scan_pagemap_decode(__u64 raw, struct scan_pagemap_entry *ret)
{
	ret->present = raw >> 63 & 1;
	ret->swapped = raw >> 62 & 1;
	ret->file_or_shared = raw >> 61 & 1;
}

static void add_zone(struct scan_elf_zones *z, __u64 offset, __u64 filesz, __u64 memsz, long page)
{
	__u64 start = offset + filesz, end;

	if (memsz <= filesz || z->n >= SCAN_ELF_MAX_ZONES || start < offset)
		return;
	end = (start + (__u64)page - 1) & ~((__u64)page - 1);
	if (end <= start)
		return;
	z->z[z->n].start = start;
	z->z[z->n].end = end;
	z->n++;
}

void scan_elf_zones_parse(const __u8 *buf, size_t len, long page, struct scan_elf_zones *ret)
{
	ret->n = 0;
	if (len < EI_NIDENT || memcmp(buf, ELFMAG, SELFMAG))
		return;
	if (buf[EI_CLASS] == ELFCLASS64 && len >= sizeof(Elf64_Ehdr)) {
		Elf64_Ehdr eh;

		memcpy(&eh, buf, sizeof(eh));
		if (eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phoff > len ||
		    (len - eh.e_phoff) / sizeof(Elf64_Phdr) < eh.e_phnum)
			return;
		for (unsigned int i = 0; i < eh.e_phnum; i++) {
			Elf64_Phdr ph;

			memcpy(&ph, buf + eh.e_phoff + i * sizeof(ph), sizeof(ph));
			if (ph.p_type == PT_LOAD && (ph.p_flags & PF_X))
				add_zone(ret, ph.p_offset, ph.p_filesz, ph.p_memsz, page);
		}
	} else if (buf[EI_CLASS] == ELFCLASS32 && len >= sizeof(Elf32_Ehdr)) {
		Elf32_Ehdr eh;

		memcpy(&eh, buf, sizeof(eh));
		if (eh.e_phentsize != sizeof(Elf32_Phdr) || eh.e_phoff > len ||
		    (len - eh.e_phoff) / sizeof(Elf32_Phdr) < eh.e_phnum)
			return;
		for (unsigned int i = 0; i < eh.e_phnum; i++) {
			Elf32_Phdr ph;

			memcpy(&ph, buf + eh.e_phoff + i * sizeof(ph), sizeof(ph));
			if (ph.p_type == PT_LOAD && (ph.p_flags & PF_X))
				add_zone(ret, ph.p_offset, ph.p_filesz, ph.p_memsz, page);
		}
	}
}

/* Differences between MEM and the file's bytes (zero past FILE_LEN) in [a, b). */
static size_t count_diff(const __u8 *mem, const __u8 *file, size_t file_len, size_t a, size_t b,
			 size_t *first)
{
	size_t n = 0;

	for (size_t i = a; i < b; i++) {
		__u8 f = i < file_len ? file[i] : 0;

		if (mem[i] != f) {
			if (!n && i < *first)
				*first = i;
			n++;
		}
	}
	return n;
}

size_t scan_page_compare(const __u8 *mem, const __u8 *file, size_t file_len, size_t page_size,
			 __u64 file_off, const struct scan_elf_zones *zones, size_t *ret_first)
{
	size_t first = SIZE_MAX, n = 0, pos = 0;

	*ret_first = 0;
	if (file_len > page_size)
		file_len = page_size;
	/* The common case: a whole page of file, no zone, identical. */
	if (file_len == page_size && !memcmp(mem, file, page_size)) {
		bool in_zone = false;

		for (size_t i = 0; zones && i < zones->n; i++)
			in_zone |= zones->z[i].start < file_off + page_size && zones->z[i].end > file_off;
		if (!in_zone)
			return 0;
	}
	for (size_t i = 0; zones && i < zones->n; i++) {
		__u64 zs = zones->z[i].start, ze = zones->z[i].end;
		size_t a, b;
		bool zero = true;

		if (zs >= file_off + page_size || ze <= file_off)
			continue;
		a = zs > file_off ? zs - file_off : 0;
		b = ze - file_off < page_size ? ze - file_off : page_size;
		if (a < pos)	/* overlapping zones: the first one decides */
			a = pos;
		n += count_diff(mem, file, file_len, pos, a, &first);
		for (size_t j = a; j < b && zero; j++)
			zero = !mem[j];
		if (!zero)
			n += count_diff(mem, file, file_len, a, b, &first);
		pos = b > pos ? b : pos;
	}
	n += count_diff(mem, file, file_len, pos, page_size, &first);
	*ret_first = n ? first : 0;
	return n;
}

/* ---- scanning ------------------------------------------------------------ */

const char *scan_reason_name(enum scan_reason r)
{
	static const char *const names[] = {
		[SCAN_REASON_ANONYMOUS] = "anonymous",
		[SCAN_REASON_SHARED_ANON] = "shared-anonymous",
		[SCAN_REASON_MEMFD] = "memfd",
		[SCAN_REASON_SYSV_SHM] = "sysv-shm",
		[SCAN_REASON_DELETED] = "deleted",
		[SCAN_REASON_PSEUDO] = "pseudo",
		[SCAN_REASON_NOT_REGULAR] = "not-regular",
		[SCAN_REASON_UNREACHABLE] = "unreachable",
		[SCAN_REASON_UNLISTED] = "unlisted",
		[SCAN_REASON_MODIFIED] = "modified",
	};

	return (unsigned int)r < ARRAY_SIZE(names) && names[r] ? names[r] : "unknown";
}

/* What is known about one file, for as long as its size and times stay. */
struct file_info {
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime, ctime;
	bool hashed;
	__u8 sha256[32];
	struct scan_elf_zones zones;
};

struct scan_ctx {
	scan_manifest_fn manifest;
	void *manifest_ctx;
	long page;
	struct file_info *files;
	size_t n_files, cap_files;
	__u8 *mem_buf, *file_buf;	/* RUN_PAGES pages each */
	__u64 *pm_buf;			/* RUN_PAGES pagemap entries */
	/* This process's own [vdso]: the kernel's image, as a reference. */
	bool vdso_loaded;
	__u8 *vdso;
	size_t vdso_len;		/* 0: none (not compared) */
};

/* Pages read with one pread of /proc/PID/mem and of the file. */
#define RUN_PAGES 64
/* pagemap entries read at once */
#define PAGEMAP_CHUNK 1024
#define ELF_HEAD_BYTES 65536

struct scan_ctx *scan_ctx_new(scan_manifest_fn manifest, void *manifest_ctx)
{
	struct scan_ctx *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->manifest = manifest;
	s->manifest_ctx = manifest_ctx;
	s->page = sysconf(_SC_PAGESIZE);
	s->mem_buf = malloc(RUN_PAGES * (size_t)s->page);
	s->file_buf = malloc(RUN_PAGES * (size_t)s->page);
	s->pm_buf = malloc(PAGEMAP_CHUNK * sizeof(__u64));
	if (!s->mem_buf || !s->file_buf || !s->pm_buf) {
		scan_ctx_free(s);
		errno = ENOMEM;
		return NULL;
	}
	return s;
}

void scan_ctx_free(struct scan_ctx *s)
{
	if (!s)
		return;
	free(s->files);
	free(s->mem_buf);
	free(s->file_buf);
	free(s->pm_buf);
	free(s->vdso);
	free(s);
}

static bool same_time(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec == b->tv_sec && a->tv_nsec == b->tv_nsec;
}

/* The cache entry for FD's file, (re)filled when the file changed. */
static int file_info_get(struct scan_ctx *s, int fd, const struct stat *st, struct file_info **ret)
{
	struct file_info *fi = NULL;
	ssize_t n;

	for (size_t i = 0; i < s->n_files; i++)
		if (s->files[i].dev == st->st_dev && s->files[i].ino == st->st_ino) {
			fi = &s->files[i];
			break;
		}
	if (fi && fi->size == st->st_size && same_time(&fi->mtime, &st->st_mtim) &&
	    same_time(&fi->ctime, &st->st_ctim)) {
		*ret = fi;
		return 0;
	}
	if (!fi) {
		if (s->n_files == s->cap_files) {
			size_t cap = s->cap_files ? 2 * s->cap_files : 64;
			struct file_info *f = realloc(s->files, cap * sizeof(*f));

			if (!f)
				return -ENOMEM;
			s->files = f;
			s->cap_files = cap;
		}
		fi = &s->files[s->n_files++];
	}
	*fi = (struct file_info){ .dev = st->st_dev, .ino = st->st_ino, .size = st->st_size,
				  .mtime = st->st_mtim, .ctime = st->st_ctim };
	/* The ELF header and program headers sit at the start of the file. */
	n = pread(fd, s->file_buf, RUN_PAGES * (size_t)s->page < ELF_HEAD_BYTES ?
		  RUN_PAGES * (size_t)s->page : ELF_HEAD_BYTES, 0);
	if (n < 0) {
		/* Never matches a file: filled again next time it is asked for. */
		fi->size = -1;
		return -errno;
	}
	scan_elf_zones_parse(s->file_buf, (size_t)n, s->page, &fi->zones);
	*ret = fi;
	return 0;
}

static int file_info_hash(struct scan_ctx *s, int fd, struct file_info *fi,
			  struct scan_stats *stats)
{
	int r;

	if (fi->hashed)
		return 0;
	if (lseek(fd, 0, SEEK_SET) < 0)
		return -errno;
	r = sha256_fd(fd, fi->sha256, s->file_buf, RUN_PAGES * (size_t)s->page, NULL, NULL);
	if (r)
		return r;
	fi->hashed = true;
	stats->files_hashed++;
	return 0;
}

/* Everything scan_task() keeps about the task and the mapping at hand. */
struct task {
	struct scan_ctx *s;
	pid_t pid, tgid;
	bool manifest;		/* a manifest is in force for its enrollment */
	char comm[32];
	char cgroup[SCAN_PATH_MAX];
	const struct scan_task_info *info;
	int pagemap_fd, mem_fd, root_fd;
	scan_finding_fn fn;
	void *fn_ctx;
	struct scan_stats *stats;
	struct nojit_err *err;
};

static void report(struct task *t, const struct scan_map *m, __u64 start, __u64 end,
		   enum scan_reason reason, const struct file_info *fi, const char *detail)
{
	struct scan_finding f = {
		.pid = t->pid, .tgid = t->tgid, .comm = t->comm,
		.cgroup = t->cgroup[0] ? t->cgroup : NULL,
		.cgroup_id = t->info->cgroup_id,
		.enrolled_id = t->info->enrolled_id,
		.start = start, .end = end, .perms = m->perms,
		.offset = m->offset + (start - m->start),
		.file = m->path[0] ? m->path : NULL,
		.dev = makedev(m->dev_major, m->dev_minor), .ino = m->ino,
		.reason = reason, .detail = detail,
	};

	if (fi && fi->hashed) {
		f.has_sha256 = true;
		memcpy(f.sha256, fi->sha256, sizeof(f.sha256));
	}
	t->fn(t->fn_ctx, &f);
}

static int task_open(struct task *t, int *fd, const char *what, int flags)
{
	char p[64];

	if (*fd >= 0)
		return 0;
	snprintf(p, sizeof(p), "/proc/%d/%s", t->pid, what);
	*fd = open(p, flags | O_CLOEXEC);
	if (*fd < 0) {
		int r = errno == ENOENT ? -ESRCH : -errno;

		return nojit_err_set(t->err, r, "pid %d: %s: %s", t->pid, p, strerror(errno));
	}
	return 0;
}

/* A run of differing pages, reported as one finding. */
struct diff_run {
	__u64 start, end;
	__u64 bytes, pages, first_addr;
	__u64 private_pages;	/* of those, private copies (COW): the task wrote them */
};

/* REF: what the pages should have held, for the detail. */
static void diff_flush(struct task *t, const struct scan_map *m, const struct file_info *fi,
		       const char *ref, struct diff_run *d)
{
	char detail[256];

	if (!d->pages)
		return;
	snprintf(detail, sizeof(detail),
		 "%" PRIu64 " byte%s in %" PRIu64 " resident page%s (%" PRIu64 " private cop%s) differ%s "
		 "from %s, the first at 0x%" PRIx64,
		 (uint64_t)d->bytes, d->bytes == 1 ? "" : "s", (uint64_t)d->pages,
		 d->pages == 1 ? "" : "s", (uint64_t)d->private_pages,
		 d->private_pages == 1 ? "y" : "ies", d->bytes == 1 ? "s" : "", ref,
		 (uint64_t)d->first_addr);
	report(t, m, d->start, d->end, SCAN_REASON_MODIFIED, fi, detail);
	*d = (struct diff_run){};
}

/*
 * Pages [first, first + n) of mapping M, all resident or swapped: read
 * them through /proc/PID/mem and from the file, compare page by page.
 */
static int compare_run(struct task *t, const struct scan_map *m, int fd, const struct file_info *fi,
		       __u64 addr, size_t n, const __u64 *pagemap, struct diff_run *d)
{
	struct scan_ctx *s = t->s;
	size_t page = (size_t)s->page, len = n * page;
	__u64 foff = m->offset + (addr - m->start);
	ssize_t got, flen;

	got = pread_upto(t->mem_fd, s->mem_buf, len, (off_t)addr);
	if (got < 0 || (size_t)got < len) {
		int r = got < 0 ? (int)got : -EIO;

		return nojit_err_set(t->err, r, "pid %d: reading 0x%" PRIx64 "-0x%" PRIx64
				     " through /proc/%d/mem: %s", t->pid, (uint64_t)addr,
				     (uint64_t)(addr + len), t->pid, strerror(-r));
	}
	flen = pread_upto(fd, s->file_buf, len, (off_t)foff);
	if (flen < 0)
		return nojit_err_set(t->err, (int)flen, "pid %d: reading %s at offset %" PRIu64 ": %s",
				     t->pid, m->path, (uint64_t)foff, strerror((int)-flen));
	for (size_t i = 0; i < n; i++) {
		size_t off = i * page, first, avail, diff;
		struct scan_pagemap_entry e;

		avail = (size_t)flen > off ? (size_t)flen - off : 0;
		diff = scan_page_compare(s->mem_buf + off, s->file_buf + off, avail, page,
					 foff + off, &fi->zones, &first);
		t->stats->pages++;
		t->stats->bytes += page;
		if (!diff) {
			diff_flush(t, m, fi, "the file", d);
			continue;
		}
		if (d->pages && d->end != addr + off)
			diff_flush(t, m, fi, "the file", d);
		if (!d->pages) {
			d->start = addr + off;
			d->first_addr = addr + off + first;
		}
		d->end = addr + off + page;
		d->pages++;
		d->bytes += diff;
		scan_pagemap_decode(pagemap[i], &e);
		d->private_pages += !e.file_or_shared;
	}
	return 0;
}

/* The resident (or swapped) pages of file mapping M against the file FD. */
static int compare_mapping(struct task *t, const struct scan_map *m, int fd,
			   const struct file_info *fi)
{
	struct scan_ctx *s = t->s;
	size_t page = (size_t)s->page;
	__u64 end = m->end, file_end;
	struct diff_run d = {};
	int r;

	r = task_open(t, &t->pagemap_fd, "pagemap", O_RDONLY);
	if (!r)
		r = task_open(t, &t->mem_fd, "mem", O_RDONLY);
	if (r)
		return r;
	/*
	 * Pages past the file's last page cannot be present: touching them
	 * raises SIGBUS, and a truncation removes even private copies. Not
	 * even looked up (a mapping may reserve far more than its file).
	 */
	file_end = ((__u64)fi->size + page - 1) / page * page;
	if (file_end <= m->offset)
		end = m->start;
	else if (file_end - m->offset < end - m->start)
		end = m->start + (file_end - m->offset);
	for (__u64 addr = m->start; addr < end;) {
		size_t n = (size_t)((end - addr) / page), run = 0, run_first = 0;
		ssize_t got;

		if (n > PAGEMAP_CHUNK)
			n = PAGEMAP_CHUNK;
		got = pread_upto(t->pagemap_fd, (__u8 *)s->pm_buf, n * sizeof(__u64),
				 (off_t)(addr / page * sizeof(__u64)));
		if (got < 0 || (size_t)got < n * sizeof(__u64)) {
			r = got < 0 ? (int)got : -EIO;
			return nojit_err_set(t->err, r, "pid %d: /proc/%d/pagemap at 0x%" PRIx64 ": %s",
					     t->pid, t->pid, (uint64_t)addr, strerror(-r));
		}
		/* Runs of pages to read, at most RUN_PAGES each; i == n closes the last. */
		for (size_t i = 0; i <= n; i++) {
			struct scan_pagemap_entry e = {};

			if (i < n)
				scan_pagemap_decode(s->pm_buf[i], &e);
			if (i < n && scan_pagemap_must_compare(&e)) {
				if (!run++)
					run_first = i;
				if (run < RUN_PAGES)
					continue;
			}
			if (run) {
				r = compare_run(t, m, fd, fi, addr + run_first * page, run,
						s->pm_buf + run_first, &d);
				if (r)
					return r;
				run = 0;
			}
		}
		addr += n * page;
	}
	diff_flush(t, m, fi, "the file", &d);
	return 0;
}

static void report_whole(struct task *t, const struct scan_map *m, enum scan_reason reason,
			 const struct file_info *fi, const char *detail)
{
	report(t, m, m->start, m->end, reason, fi, detail);
}

/*
 * Does ST (what the path opens) name the file mapped at M? maps gives the
 * inode the kernel shows for the mapping; on overlayfs that can be the
 * backing (real) inode rather than the one the path opens, so the mapped
 * file itself (map_files, root only) settles it then.
 */
static bool same_file_as_mapped(pid_t pid, const struct scan_map *m, const struct stat *st)
{
	char p[96];
	struct stat mst;

	if (major(st->st_dev) == m->dev_major && minor(st->st_dev) == m->dev_minor &&
	    st->st_ino == m->ino)
		return true;
	snprintf(p, sizeof(p), "/proc/%d/map_files/%llx-%llx", pid, (unsigned long long)m->start,
		 (unsigned long long)m->end);
	return stat(p, &mst) == 0 && mst.st_dev == st->st_dev && mst.st_ino == st->st_ino;
}

/*
 * PATH as the task sees it: resolved inside its root (a container's files
 * in its own mount namespace; its absolute symlinks stay inside it too),
 * without following magic links. An O_PATH descriptor: nothing is opened
 * for reading before the file is known to be the mapped regular file.
 */
static int open_in_root(struct task *t, const char *path, int *ret)
{
	struct open_how how = { .flags = O_PATH | O_CLOEXEC,
				.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
	long fd;
	int r;

	r = task_open(t, &t->root_fd, "root", O_PATH | O_DIRECTORY);
	if (r)
		return r;
	fd = syscall(SYS_openat2, t->root_fd, path, &how, sizeof(how));
	if (fd < 0)
		return -errno;
	*ret = (int)fd;
	return 0;
}

static int check_file_mapping(struct task *t, const struct scan_map *m)
{
	struct scan_ctx *s = t->s;
	char path[64], detail[SCAN_PATH_MAX + 128];
	_cleanup_close_ int opath = -1, fd = -1;
	struct file_info *fi = NULL;
	struct stat st;
	int r;

	r = open_in_root(t, m->path, &opath);
	if (r == -ESRCH)
		return r;
	if (r || fstat(opath, &st) < 0) {
		snprintf(detail, sizeof(detail), "%s in the task's root: %s", m->path,
			 strerror(r ? -r : errno));
		report_whole(t, m, SCAN_REASON_UNREACHABLE, NULL, detail);
		return 0;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(detail, sizeof(detail), "%s is not a regular file (mode 0%o)", m->path,
			 (unsigned int)st.st_mode);
		report_whole(t, m, SCAN_REASON_NOT_REGULAR, NULL, detail);
		return 0;
	}
	if (!same_file_as_mapped(t->pid, m, &st)) {
		snprintf(detail, sizeof(detail),
			 "%s now names another file (%u:%u inode %llu; mapped: %u:%u inode %llu)",
			 m->path, major(st.st_dev), minor(st.st_dev), (unsigned long long)st.st_ino,
			 m->dev_major, m->dev_minor, (unsigned long long)m->ino);
		report_whole(t, m, SCAN_REASON_UNREACHABLE, NULL, detail);
		return 0;
	}
	/* Only now opened for reading: never a device or FIFO the task planted. */
	snprintf(path, sizeof(path), "/proc/self/fd/%d", opath);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return nojit_err_set(t->err, -errno, "pid %d: opening %s: %s", t->pid, m->path,
				     strerror(errno));
	r = file_info_get(s, fd, &st, &fi);
	if (r)
		return nojit_err_set(t->err, r, "pid %d: reading %s: %s", t->pid, m->path, strerror(-r));
	if (t->manifest) {
		r = file_info_hash(s, fd, fi, t->stats);
		if (r)
			return nojit_err_set(t->err, r, "pid %d: hashing %s: %s", t->pid, m->path,
					     strerror(-r));
		r = s->manifest(s->manifest_ctx, t->info->enrolled_id, fi->sha256);
		if (r == 0) {
			char hex[65];

			hex_encode(fi->sha256, 32, hex);
			snprintf(detail, sizeof(detail),
				 "sha256 %s is not in the manifest in force for enrollment %llu", hex,
				 (unsigned long long)t->info->enrolled_id);
			report_whole(t, m, SCAN_REASON_UNLISTED, fi, detail);
		} else if (r < 0 && r != -ENOENT) {
			return nojit_err_set(t->err, r, "pid %d: looking up %s in the manifest: %s",
					     t->pid, m->path, strerror(-r));
		}
	}
	return compare_mapping(t, m, fd, fi);
}

/*
 * The kernel maps the same vdso image into every task of an ABI, but a
 * debugger (or an injector) can patch a task's copy through /proc/PID/mem
 * like any private page. Our own vdso is the reference: same kernel,
 * same image. 0 with nothing loaded when we have none.
 */
static int own_vdso(struct scan_ctx *s)
{
	_cleanup_fclose_ FILE *f = NULL;
	_cleanup_free_ char *line = NULL;
	size_t cap = 0;
	struct scan_map m;

	if (s->vdso_loaded)
		return 0;
	s->vdso_loaded = true;
	f = fopen("/proc/self/maps", "re");
	if (!f)
		return -errno;
	while (getline(&line, &cap, f) > 0) {
		if (scan_parse_maps_line(line, &m) || strcmp(m.path, "[vdso]"))
			continue;
		s->vdso = malloc(m.end - m.start);
		if (!s->vdso)
			return -ENOMEM;
		memcpy(s->vdso, (const void *)(uintptr_t)m.start, m.end - m.start);
		s->vdso_len = m.end - m.start;
		break;
	}
	return 0;
}

static int check_vdso(struct task *t, const struct scan_map *m)
{
	struct scan_ctx *s = t->s;
	size_t page = (size_t)s->page, len = m->end - m->start;
	struct diff_run d = {};
	int r;

	r = own_vdso(s);
	if (r)
		return nojit_err_set(t->err, r, "reading this process's own vdso: %s", strerror(-r));
	/* Another ABI's image (a 32-bit task) has another size: not compared. */
	if (len != s->vdso_len)
		return 0;
	r = task_open(t, &t->mem_fd, "mem", O_RDONLY);
	if (r)
		return r;
	for (size_t off = 0; off < len; off += page) {
		size_t first, diff;
		ssize_t got = pread_upto(t->mem_fd, s->mem_buf, page, (off_t)(m->start + off));

		if (got != (ssize_t)page) {
			r = got < 0 ? (int)got : -EIO;
			return nojit_err_set(t->err, r, "pid %d: reading its vdso at 0x%" PRIx64 ": %s",
					     t->pid, (uint64_t)(m->start + off), strerror(-r));
		}
		diff = scan_page_compare(s->mem_buf, s->vdso + off, page, page, off, NULL, &first);
		t->stats->pages++;
		t->stats->bytes += page;
		if (!diff) {
			diff_flush(t, m, NULL, "the kernel's vdso image", &d);
			continue;
		}
		if (!d.pages) {
			d.start = m->start + off;
			d.first_addr = m->start + off + first;
		}
		d.end = m->start + off + page;
		d.pages++;
		d.bytes += diff;
		d.private_pages++;	/* the kernel's pages never change: a copy */
	}
	diff_flush(t, m, NULL, "the kernel's vdso image", &d);
	return 0;
}

static int check_mapping(struct task *t, const struct scan_map *m)
{
	static const struct {
		enum scan_reason reason;
		const char *detail;
	} why[] = {
		[SCAN_BACKING_ANON] = { SCAN_REASON_ANONYMOUS, "executable memory no file backs" },
		[SCAN_BACKING_SHARED_ANON] = { SCAN_REASON_SHARED_ANON,
			"executable shared anonymous memory (shmem, no file)" },
		[SCAN_BACKING_MEMFD] = { SCAN_REASON_MEMFD, "executable memfd: no path reaches it" },
		[SCAN_BACKING_SYSV_SHM] = { SCAN_REASON_SYSV_SHM, "executable SysV shared memory" },
		[SCAN_BACKING_DELETED] = { SCAN_REASON_DELETED,
			"the mapped file was deleted or replaced: no path reaches it" },
		[SCAN_BACKING_PSEUDO] = { SCAN_REASON_PSEUDO,
			"executable pseudo-mapping that is not the kernel's vdso or vsyscall" },
	};
	enum scan_backing b = scan_classify(m);

	t->stats->mappings++;
	t->stats->exec_bytes += m->end - m->start;
	/*
	 * vsyscall is execute-only (emulated) or the kernel's own text: not
	 * readable, not writable, nothing of the task's in it.
	 */
	if (b == SCAN_BACKING_KERNEL)
		return strcmp(m->path, "[vdso]") ? 0 : check_vdso(t, m);
	if (b == SCAN_BACKING_FILE)
		return check_file_mapping(t, m);
	report_whole(t, m, why[b].reason, NULL, why[b].detail);
	return 0;
}

int scan_task_cgroup(pid_t pid, char *buf, size_t size)
{
	_cleanup_fclose_ FILE *f = NULL;
	_cleanup_free_ char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	char p[64];

	snprintf(p, sizeof(p), "/proc/%d/cgroup", pid);
	f = fopen(p, "re");
	if (!f)
		return errno == ENOENT ? -ESRCH : -errno;
	/* cgroup2: the one line "0::PATH". */
	while ((n = getline(&line, &cap, f)) > 0) {
		if (strncmp(line, "0::", 3))
			continue;
		line[strcspn(line, "\n")] = '\0';
		if (strlen(line + 3) >= size)
			return -ENAMETOOLONG;
		strcpy(buf, line + 3);
		return 0;
	}
	return -ENOENT;
}

int scan_task_starttime(pid_t pid, __u64 *ret)
{
	char p[64], buf[1024], *s;
	unsigned long long v;
	int n;

	snprintf(p, sizeof(p), "/proc/%d/stat", pid);
	n = read_small_file(p, buf, sizeof(buf));
	if (n < 0)
		return n == -ENOENT ? -ESRCH : n;
	/* comm may hold anything, ')' included: fields resume after the last one. */
	s = strrchr(buf, ')');
	if (!s || sscanf(s + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d"
			 " %*d %*d %*d %llu", &v) != 1)
		return -EINVAL;
	*ret = v;
	return 0;
}

/* comm and tgid of the task (PID may name a thread). */
static int read_ids(struct task *t)
{
	char p[64], buf[4096];
	const char *tg;
	int n;

	snprintf(p, sizeof(p), "/proc/%d/comm", t->pid);
	n = read_small_file(p, t->comm, sizeof(t->comm));
	if (n < 0)
		return n == -ENOENT ? -ESRCH : n;
	t->comm[strcspn(t->comm, "\n")] = '\0';
	snprintf(p, sizeof(p), "/proc/%d/status", t->pid);
	n = read_small_file(p, buf, sizeof(buf));
	if (n < 0)
		return n == -ENOENT ? -ESRCH : n;
	tg = strstr(buf, "\nTgid:");
	if (!tg || sscanf(tg + 6, "%d", &t->tgid) != 1)
		return -EBADMSG;
	return 0;
}

/* Gone, or a zombie whose memory is gone: its pages can no longer be read. */
static bool task_gone(pid_t pid)
{
	char p[64], buf[1024], *s;
	int n;

	snprintf(p, sizeof(p), "/proc/%d/stat", pid);
	n = read_small_file(p, buf, sizeof(buf));
	if (n < 0)
		return n == -ENOENT || n == -ESRCH;
	s = strrchr(buf, ')');
	return s && (s[2] == 'Z' || s[2] == 'X');
}

int scan_task(struct scan_ctx *s, pid_t pid, const struct scan_task_info *info,
	      scan_finding_fn fn, void *fn_ctx, struct scan_stats *stats, struct nojit_err *err)
{
	struct task t = { .s = s, .pid = pid, .info = info, .pagemap_fd = -1, .mem_fd = -1, .root_fd = -1,
			  .fn = fn, .fn_ctx = fn_ctx, .stats = stats, .err = err };
	_cleanup_free_ char *all = NULL;
	_cleanup_fclose_ FILE *maps = NULL;
	_cleanup_free_ char *line = NULL;
	struct scan_map *m = NULL;
	size_t cap = 0;
	char p[64];
	int r;

	snprintf(p, sizeof(p), "/proc/%d/maps", pid);
	maps = fopen(p, "re");
	if (!maps) {
		r = errno == ENOENT ? -ESRCH : -errno;
		goto out;
	}
	if (err)
		err->msg[0] = '\0';
	r = read_ids(&t);
	if (r)
		goto out;
	if (info->cgroup)
		snprintf(t.cgroup, sizeof(t.cgroup), "%s", info->cgroup);
	if (info->enrolled_id && s->manifest) {
		r = s->manifest(s->manifest_ctx, info->enrolled_id, NULL);
		if (r < 0 && r != -ENOENT) {
			nojit_err_set(err, r, "pid %d: looking up the manifest of enrollment %llu: %s",
				      pid, (unsigned long long)info->enrolled_id, strerror(-r));
			goto out;
		}
		t.manifest = r == 1;
		r = 0;
	}
	m = malloc(sizeof(*m));
	if (!m) {
		r = -ENOMEM;
		goto out;
	}
	/*
	 * A snapshot of the whole map list first: compare_mapping() reads
	 * the task's memory between lines, which must not shift the file.
	 */
	{
		size_t len = 0;
		FILE *mf = open_memstream(&all, &len);
		ssize_t n;

		if (!mf) {
			r = -ENOMEM;
			goto out;
		}
		while ((n = getline(&line, &cap, maps)) > 0)
			fwrite(line, 1, (size_t)n, mf);
		if (ferror(maps) || fclose(mf)) {
			r = ferror(maps) ? -EIO : -ENOMEM;
			goto out;
		}
	}
	stats->tasks++;
	for (char *l = all, *nl; l && *l; l = nl) {
		nl = strchr(l, '\n');
		if (nl)
			*nl++ = '\0';
		if (scan_parse_maps_line(l, m)) {
			r = nojit_err_set(err, -EBADMSG, "pid %d: /proc/%d/maps: cannot parse '%.200s'",
					  pid, pid, l);
			break;
		}
		if (!scan_map_exec(m))
			continue;
		r = check_mapping(&t, m);
		if (r)
			break;
	}
	/* An error while the task exits is its exit, not a failure to scan it. */
	if (r && task_gone(pid))
		r = -ESRCH;
out:
	if (t.pagemap_fd >= 0)
		close(t.pagemap_fd);
	if (t.mem_fd >= 0)
		close(t.mem_fd);
	if (t.root_fd >= 0)
		close(t.root_fd);
	free(m);
	if (r == -ESRCH) {
		stats->vanished++;
		return -ESRCH;
	}
	if (r && err && !err->msg[0])
		nojit_err_set(err, r, "pid %d: %s", pid, strerror(-r));
	return r;
}
