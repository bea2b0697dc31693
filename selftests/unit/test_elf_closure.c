// SPDX-License-Identifier: GPL-2.0
/*
 * ELF closure: the real system (bash, ld.so.cache), programs built here
 * with gcc, and ELF files written byte by byte into a temporary directory
 * (search-order cases, other classes, hostile headers). Nothing is
 * committed as a binary and nothing resolved is ever executed.
 */
#include <criterion/criterion.h>
#include <elf.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>

#include "elf_closure.h"
#include "util.h"

static char tmp[PATH_MAX];

static void mktmp(void)
{
	snprintf(tmp, sizeof(tmp), "%s/nojit-elf-XXXXXX", getenv("TMPDIR") ?: "/tmp");
	cr_assert_not_null(mkdtemp(tmp), "mkdtemp: %s", strerror(errno));
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(p);
}

static void rmtmp(void)
{
	if (tmp[0])
		nftw(tmp, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

TestSuite(elf_closure, .init = mktmp, .fini = rmtmp);

/* ---- helpers ----------------------------------------------------------- */

/* TMP/REL, in one of a few rotating buffers. */
static const char *at(const char *rel)
{
	static char p[8][PATH_MAX + 64];
	static int slot;

	slot = (slot + 1) % 8;
	snprintf(p[slot], sizeof(p[slot]), "%s/%s", tmp, rel);
	return p[slot];
}

static void mkdirs(const char *rel)
{
	char p[PATH_MAX + 64];

	snprintf(p, sizeof(p), "%s/%s", tmp, rel);
	for (char *s = p + strlen(tmp) + 1; *s; s++)
		if (*s == '/') {
			*s = '\0';
			mkdir(p, 0755);
			*s = '/';
		}
	mkdir(p, 0755);
}

static void write_file(const char *path, const void *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);

	cr_assert_geq(fd, 0, "open %s: %s", path, strerror(errno));
	cr_assert_eq(write(fd, buf, len), (ssize_t)len);
	close(fd);
}

static void write_str(const char *path, const char *s)
{
	write_file(path, s, strlen(s));
}

static const char *real(const char *path)
{
	static char p[4][PATH_MAX];
	static int slot;

	slot = (slot + 1) % 4;
	cr_assert_not_null(realpath(path, p[slot]), "realpath %s: %s", path, strerror(errno));
	return p[slot];
}

static struct elf_closure resolve(const char *a, const char *b)
{
	const char *files[] = { a, b };
	struct elf_closure c;

	cr_assert_eq(elf_closure_resolve(files, b ? 2 : 1, &c), 0);
	return c;
}

static bool has_path(const struct elf_closure *c, const char *path)
{
	for (size_t i = 0; i < c->n; i++)
		if (!strcmp(c->paths[i], path))
			return true;
	return false;
}

/* A path whose file name starts with PREFIX. */
static bool has_base(const struct elf_closure *c, const char *prefix)
{
	for (size_t i = 0; i < c->n; i++) {
		const char *b = strrchr(c->paths[i], '/');

		if (b && !strncmp(b + 1, prefix, strlen(prefix)))
			return true;
	}
	return false;
}

static bool has_missing(const struct elf_closure *c, const char *name, const char *needer)
{
	char want[PATH_MAX * 2];

	snprintf(want, sizeof(want), "%s (needed by %s)", name, needer);
	for (size_t i = 0; i < c->n_missing; i++)
		if (!strcmp(c->missing[i], want))
			return true;
	return false;
}

static bool has_note(const struct elf_closure *c, const char *sub)
{
	for (size_t i = 0; i < c->n_notes; i++)
		if (strstr(c->notes[i], sub))
			return true;
	return false;
}

static void dump(const struct elf_closure *c)
{
	for (size_t i = 0; i < c->n; i++)
		cr_log_info("path %s", c->paths[i]);
	for (size_t i = 0; i < c->n_missing; i++)
		cr_log_info("missing %s", c->missing[i]);
	for (size_t i = 0; i < c->n_notes; i++)
		cr_log_info("note %s", c->notes[i]);
}

/* Run a shell command (gcc); false when it fails. */
static bool sh(const char *fmt, ...)
{
	char cmd[4 * PATH_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd) == 0;
}

static void need_gcc(void)
{
	if (!sh("gcc --version >/dev/null 2>&1"))
		cr_skip_test("no gcc");
}

/* ---- writing ELF files byte by byte ------------------------------------- */

struct elf_spec {
	unsigned char cls;		/* default ELFCLASS64 */
	uint16_t machine;		/* default EM_X86_64 */
	const char *interp, *soname, *rpath, *runpath;
	const char *needed[8];		/* NULL-terminated */
	size_t extra_needed;		/* that many more DT_NEEDED "libextra%zu.so" */
	uint64_t flags_1;
	bool no_dynamic;
};

/* Where the pieces of a written image are, for hostile patching. */
struct elf_img {
	unsigned char *buf;
	size_t len;
	bool is64;
	size_t ph_interp, ph_dyn;	/* offsets of those program headers */
	size_t interp_off, str_off, dyn_off;
	size_t n_dyn;
};

static void put(unsigned char *p, uint64_t v, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static void img_free(struct elf_img *img)
{
	free(img->buf);
}

/*
 * One ET_DYN image: Ehdr, Phdrs (PT_LOAD of the whole file at vaddr 0,
 * PT_INTERP, PT_DYNAMIC), the interpreter string, .dynstr, .dynamic.
 */
static struct elf_img elf_build(const struct elf_spec *s)
{
	struct elf_img img = { .is64 = s->cls != ELFCLASS32 };
	unsigned int w = img.is64 ? 8 : 4;
	size_t ehsize = img.is64 ? 64 : 52, phent = img.is64 ? 56 : 32, dynsz = 2 * w;
	size_t nph = 1 + !!s->interp + !s->no_dynamic, n_needed = 0, strsz = 1, k = 0;
	size_t idx_needed[8] = { 0 }, idx_soname = 0, idx_rpath = 0, idx_runpath = 0, idx_extra;
	unsigned char *b, *ph;
	char name[32];

	while (n_needed < 8 && s->needed[n_needed])
		n_needed++;
	img.interp_off = ehsize + nph * phent;
	img.str_off = img.interp_off + (s->interp ? strlen(s->interp) + 1 : 0);
#define STR(idx, str) do { if (str) { idx = strsz; strsz += strlen(str) + 1; } } while (0)
	for (size_t i = 0; i < n_needed; i++)
		STR(idx_needed[i], s->needed[i]);
	STR(idx_soname, s->soname);
	STR(idx_rpath, s->rpath);
	STR(idx_runpath, s->runpath);
	idx_extra = strsz;
	strsz += s->extra_needed * 24;
	img.dyn_off = (img.str_off + strsz + 7) & ~(size_t)7;
	img.n_dyn = s->no_dynamic ? 0 : n_needed + s->extra_needed + 7;
	img.len = img.dyn_off + img.n_dyn * dynsz;
	b = img.buf = calloc(1, img.len);
	cr_assert_not_null(b);

	memcpy(b, ELFMAG, SELFMAG);
	b[EI_CLASS] = img.is64 ? ELFCLASS64 : ELFCLASS32;
	b[EI_DATA] = ELFDATA2LSB;
	b[EI_VERSION] = EV_CURRENT;
	put(b + 16, ET_DYN, 2);
	put(b + 18, s->machine ?: (img.is64 ? EM_X86_64 : EM_386), 2);
	put(b + 20, EV_CURRENT, 4);
	put(b + (img.is64 ? 32 : 28), ehsize, w);		/* e_phoff */
	put(b + (img.is64 ? 52 : 40), ehsize, 2);		/* e_ehsize */
	put(b + (img.is64 ? 54 : 42), phent, 2);		/* e_phentsize */
	put(b + (img.is64 ? 56 : 44), nph, 2);			/* e_phnum */

	ph = b + ehsize;
	/* PT_LOAD: offset 0, vaddr 0, the whole file */
	put(ph, PT_LOAD, 4);
	put(ph + (img.is64 ? 32 : 16), img.len, w);
	put(ph + (img.is64 ? 40 : 20), img.len, w);
	ph += phent;
	if (s->interp) {
		img.ph_interp = (size_t)(ph - b);
		put(ph, PT_INTERP, 4);
		put(ph + (img.is64 ? 8 : 4), img.interp_off, w);
		put(ph + (img.is64 ? 16 : 8), img.interp_off, w);
		put(ph + (img.is64 ? 32 : 16), strlen(s->interp) + 1, w);
		memcpy(b + img.interp_off, s->interp, strlen(s->interp) + 1);
		ph += phent;
	}
	if (!s->no_dynamic) {
		img.ph_dyn = (size_t)(ph - b);
		put(ph, PT_DYNAMIC, 4);
		put(ph + (img.is64 ? 8 : 4), img.dyn_off, w);
		put(ph + (img.is64 ? 16 : 8), img.dyn_off, w);
		put(ph + (img.is64 ? 32 : 16), img.n_dyn * dynsz, w);
	}

	/* .dynstr */
	for (size_t i = 0; i < n_needed; i++)
		strcpy((char *)b + img.str_off + idx_needed[i], s->needed[i]);
#define CPY(idx, str) do { if (str) strcpy((char *)b + img.str_off + idx, str); } while (0)
	CPY(idx_soname, s->soname);
	CPY(idx_rpath, s->rpath);
	CPY(idx_runpath, s->runpath);

	/* .dynamic */
#define DYN(tag, val) do { put(b + img.dyn_off + k * dynsz, tag, w); \
			   put(b + img.dyn_off + k * dynsz + w, val, w); k++; } while (0)
	if (!s->no_dynamic) {
		for (size_t i = 0; i < n_needed; i++)
			DYN(DT_NEEDED, idx_needed[i]);
		for (size_t i = 0; i < s->extra_needed; i++) {
			size_t at_ = idx_extra + i * 24;

			snprintf(name, sizeof(name), "libextra%zu.so", i);
			strcpy((char *)b + img.str_off + at_, name);
			DYN(DT_NEEDED, at_);
		}
		if (s->soname)
			DYN(DT_SONAME, idx_soname);
		if (s->rpath)
			DYN(DT_RPATH, idx_rpath);
		if (s->runpath)
			DYN(DT_RUNPATH, idx_runpath);
		if (s->flags_1)
			DYN(DT_FLAGS_1, s->flags_1);
		DYN(DT_STRTAB, img.str_off);
		DYN(DT_STRSZ, strsz);
		DYN(DT_NULL, 0);
	}
	return img;
}

static void elf_write(const char *rel, const struct elf_spec *s)
{
	struct elf_img img = elf_build(s);

	write_file(at(rel), img.buf, img.len);
	img_free(&img);
}

/* ---- the real system ----------------------------------------------------- */

Test(elf_closure, bash_interp_libc_tinfo)
{
	struct elf_closure c;

	if (access("/bin/bash", R_OK))
		cr_skip_test("no /bin/bash");
	c = resolve("/bin/bash", NULL);
	dump(&c);
	cr_assert(has_path(&c, real("/lib64/ld-linux-x86-64.so.2")), "PT_INTERP, resolved");
	cr_assert(has_base(&c, "libc.so.6"));
	cr_assert(has_base(&c, "libtinfo.so"));
	cr_assert_eq(c.n_missing, 0);
	cr_assert_eq(c.n_notes, 0);
	cr_assert_not(has_path(&c, real("/bin/bash")), "inputs are not listed");
	for (size_t i = 0; i < c.n; i++)
		cr_assert_eq(c.paths[i][0], '/');
	elf_closure_free(&c);
}

Test(elf_closure, dedup_by_inode)
{
	struct elf_closure one, two;

	if (access("/bin/bash", R_OK) || access("/usr/bin/bash", R_OK))
		cr_skip_test("no bash");
	one = resolve("/bin/bash", NULL);
	/* /bin is a symlink on Debian 12: the same file twice, and libc as an input */
	two = resolve("/usr/bin/bash", real("/lib/x86_64-linux-gnu/libc.so.6"));
	cr_assert_eq(two.n, one.n);
	for (size_t i = 0; i < one.n; i++)
		cr_assert(has_path(&two, one.paths[i]), "%s", one.paths[i]);
	elf_closure_free(&one);
	elf_closure_free(&two);
	elf_closure_free(&two);	/* zeroed: freeing again is harmless */
	elf_closure_free(NULL);
}

Test(elf_closure, ldcache_finds_libc)
{
	char *p = NULL;
	int r;

	if (access("/etc/ld.so.cache", R_OK))
		cr_skip_test("no /etc/ld.so.cache");
	r = elf_ldcache_lookup("/etc/ld.so.cache", "libc.so.6", ELFCLASS64, EM_X86_64, &p);
	cr_assert_eq(r, 0, "%s", strerror(-r));
	cr_assert_not_null(p);
	cr_assert_eq(p[0], '/');
	cr_assert_str_eq(strrchr(p, '/'), "/libc.so.6");
	cr_assert_eq(access(p, R_OK), 0, "%s", p);
	free(p);
	cr_assert_eq(elf_ldcache_lookup("/etc/ld.so.cache", "libnojit-none.so.9", ELFCLASS64,
					EM_X86_64, &p), -ENOENT);
	cr_assert_eq(elf_ldcache_lookup(at("none"), "libc.so.6", ELFCLASS64, EM_X86_64, &p), -ENOENT);
}

/* ---- built with gcc ------------------------------------------------------- */

static void build_origin_prog(const char *dtags)
{
	write_str(at("foo.c"), "int foo(void) { return 42; }\n");
	write_str(at("main.c"), "int foo(void);\nint main(void) { return foo() != 42; }\n");
	mkdirs("bin/lib");
	cr_assert(sh("cd %s && gcc -shared -fPIC -Wl,-soname,libfoo.so.1 -o bin/lib/libfoo.so.1 foo.c && "
		     "ln -s libfoo.so.1 bin/lib/libfoo.so && "
		     "gcc -o bin/prog main.c -Lbin/lib -lfoo -Wl,%s -Wl,-rpath,'$ORIGIN/lib'",
		     tmp, dtags), "gcc failed");
}

Test(elf_closure, gcc_origin_rpath)
{
	struct elf_closure c;

	need_gcc();
	build_origin_prog("--disable-new-dtags");
	c = resolve(at("bin/prog"), NULL);
	dump(&c);
	cr_assert(has_path(&c, real(at("bin/lib/libfoo.so.1"))));
	cr_assert(has_base(&c, "libc.so.6"));
	cr_assert(has_path(&c, real("/lib64/ld-linux-x86-64.so.2")));
	cr_assert_eq(c.n_missing, 0);
	cr_assert_not(has_path(&c, real(at("bin/prog"))));
	elf_closure_free(&c);
}

Test(elf_closure, gcc_origin_runpath_through_symlink)
{
	struct elf_closure c;

	need_gcc();
	build_origin_prog("--enable-new-dtags");
	/* $ORIGIN of the program is the directory of its realpath */
	cr_assert_eq(symlink(at("bin/prog"), at("link")), 0);
	c = resolve(at("link"), NULL);
	dump(&c);
	cr_assert(has_path(&c, real(at("bin/lib/libfoo.so.1"))));
	cr_assert_eq(c.n_missing, 0);
	elf_closure_free(&c);
}

Test(elf_closure, gcc_static_adds_nothing)
{
	struct elf_closure c;

	need_gcc();
	write_str(at("s.c"), "int main(void) { return 0; }\n");
	if (!sh("cd %s && gcc -static -o s s.c 2>/dev/null", tmp))
		cr_skip_test("gcc -static does not work here (no libc.a?)");
	c = resolve(at("s"), NULL);
	dump(&c);
	cr_assert_eq(c.n, 0);
	cr_assert_eq(c.n_missing, 0);
	cr_assert_eq(c.n_notes, 0);
	elf_closure_free(&c);
}

/* ---- search order (written ELF files) ---------------------------------- */

/* a/libpick.so and b/libpick.so (same soname), m/libmid.so needing it */
static void pick_libs(void)
{
	mkdirs("a");
	mkdirs("b");
	mkdirs("m");
	elf_write("a/libpick.so", &(struct elf_spec){ .soname = "libpick.so" });
	elf_write("b/libpick.so", &(struct elf_spec){ .soname = "libpick.so" });
	elf_write("m/libmid.so", &(struct elf_spec){ .soname = "libmid.so", .needed = { "libpick.so" } });
}

Test(elf_closure, rpath_inherited_from_loader)
{
	struct elf_closure c;

	pick_libs();
	elf_write("exe", &(struct elf_spec){ .rpath = "$ORIGIN/m:$ORIGIN/a", .needed = { "libmid.so" } });
	c = resolve(at("exe"), NULL);
	dump(&c);
	cr_assert(has_path(&c, real(at("m/libmid.so"))));
	cr_assert(has_path(&c, real(at("a/libpick.so"))), "the executable's DT_RPATH serves libmid");
	cr_assert_eq(c.n, 2);
	cr_assert_eq(c.n_missing, 0);
	elf_closure_free(&c);
}

Test(elf_closure, own_rpath_before_loaders)
{
	struct elf_closure c;

	pick_libs();
	mkdirs("m2");
	elf_write("m2/libmid.so", &(struct elf_spec){ .needed = { "libpick.so" }, .rpath = "$ORIGIN/../b" });
	elf_write("exe", &(struct elf_spec){ .rpath = "$ORIGIN/m2:$ORIGIN/a", .needed = { "libmid.so" } });
	c = resolve(at("exe"), NULL);
	dump(&c);
	cr_assert(has_path(&c, real(at("b/libpick.so"))));
	cr_assert_not(has_path(&c, real(at("a/libpick.so"))));
	elf_closure_free(&c);
}

Test(elf_closure, runpath_stops_rpath_inheritance)
{
	struct elf_closure c;

	pick_libs();
	mkdirs("m2");
	elf_write("m2/libmid.so", &(struct elf_spec){ .needed = { "libpick.so" }, .runpath = "$ORIGIN/../b" });
	elf_write("exe", &(struct elf_spec){ .rpath = "$ORIGIN/m2:$ORIGIN/a", .needed = { "libmid.so" } });
	c = resolve(at("exe"), NULL);
	dump(&c);
	cr_assert(has_path(&c, real(at("b/libpick.so"))));
	cr_assert_not(has_path(&c, real(at("a/libpick.so"))));
	elf_closure_free(&c);
}

Test(elf_closure, runpath_not_inherited)
{
	struct elf_closure c;

	pick_libs();
	elf_write("exe", &(struct elf_spec){ .runpath = "$ORIGIN/m:$ORIGIN/a", .needed = { "libmid.so" } });
	c = resolve(at("exe"), NULL);
	dump(&c);
	cr_assert(has_path(&c, real(at("m/libmid.so"))));
	cr_assert_not(has_base(&c, "libpick.so"));
	cr_assert(has_missing(&c, "libpick.so", real(at("m/libmid.so"))));
	cr_assert_eq(c.n_missing, 1);
	elf_closure_free(&c);
}

Test(elf_closure, runpath_wins_over_rpath_in_one_object)
{
	struct elf_closure c;

	pick_libs();
	elf_write("exe", &(struct elf_spec){ .rpath = "$ORIGIN/a", .runpath = "$ORIGIN/b",
					     .needed = { "libpick.so" } });
	c = resolve(at("exe"), NULL);
	dump(&c);
	cr_assert(has_path(&c, real(at("b/libpick.so"))));
	cr_assert_eq(c.n, 1);
	elf_closure_free(&c);
}

Test(elf_closure, loaded_soname_satisfies_later_needed)
{
	struct elf_closure c;

	pick_libs();
	/* libmid finds nothing itself, but libpick.so is already loaded */
	elf_write("exe", &(struct elf_spec){ .runpath = "$ORIGIN/a:$ORIGIN/m",
					     .needed = { "libpick.so", "libmid.so" } });
	c = resolve(at("exe"), NULL);
	dump(&c);
	cr_assert_eq(c.n_missing, 0);
	cr_assert_eq(c.n, 2);
	elf_closure_free(&c);
}

Test(elf_closure, missing_names_needer)
{
	struct elf_closure c;

	elf_write("exe", &(struct elf_spec){ .needed = { "libnojit-absent.so.7" } });
	c = resolve(at("exe"), NULL);
	dump(&c);
	cr_assert_eq(c.n, 0);
	cr_assert_eq(c.n_missing, 1);
	cr_assert(has_missing(&c, "libnojit-absent.so.7", real(at("exe"))), "%s", c.missing[0]);
	elf_closure_free(&c);
}

Test(elf_closure, cycle_terminates)
{
	struct elf_closure c;

	mkdirs("l");
	elf_write("l/libA.so", &(struct elf_spec){ .soname = "libA.so", .needed = { "libB.so" }, .rpath = "$ORIGIN" });
	/* no sonames here: the cycle closes by device+inode */
	elf_write("l/libB.so", &(struct elf_spec){ .needed = { "libA.so", "libB.so" }, .runpath = "$ORIGIN" });
	elf_write("exe", &(struct elf_spec){ .needed = { "libA.so" }, .runpath = "$ORIGIN/l" });
	c = resolve(at("exe"), NULL);
	dump(&c);
	cr_assert_eq(c.n, 2);
	cr_assert_eq(c.n_missing, 0);
	elf_closure_free(&c);

	/* an input reached from itself is listed */
	c = resolve(at("l/libA.so"), NULL);
	cr_assert(has_path(&c, real(at("l/libA.so"))));
	cr_assert(has_path(&c, real(at("l/libB.so"))));
	elf_closure_free(&c);
}

Test(elf_closure, needed_paths_and_dsts)
{
	struct elf_closure c;

	mkdirs("sub");
	mkdirs("lib/x86_64-linux-gnu");
	mkdirs("x86_64x");
	elf_write("sub/libs.so", &(struct elf_spec){ 0 });
	elf_write("sub/libabs.so", &(struct elf_spec){ 0 });
	elf_write("lib/x86_64-linux-gnu/libl.so", &(struct elf_spec){ 0 });
	elf_write("x86_64x/libp.so", &(struct elf_spec){ 0 });
	elf_write("exe", &(struct elf_spec){
		.runpath = "relative/dir:$ORIGIN/$LIB:${ORIGIN}/${PLATFORM}x",
		.needed = { "$ORIGIN/sub/libs.so", at("sub/libabs.so"), "sub/librel.so", "libl.so", "libp.so" } });
	c = resolve(at("exe"), NULL);
	dump(&c);
	cr_assert(has_path(&c, real(at("sub/libs.so"))));
	cr_assert(has_path(&c, real(at("sub/libabs.so"))));
	cr_assert(has_path(&c, real(at("lib/x86_64-linux-gnu/libl.so"))), "$LIB");
	cr_assert(has_path(&c, real(at("x86_64x/libp.so"))), "$PLATFORM");
	cr_assert(has_missing(&c, "sub/librel.so", real(at("exe"))));
	cr_assert(has_note(&c, "relative DT_NEEDED"));
	cr_assert(has_note(&c, "relative DT_RUNPATH element \"relative/dir\""));
	cr_assert_eq(c.n, 4);
	elf_closure_free(&c);
}

Test(elf_closure, interpreter)
{
	struct elf_closure c;

	elf_write("ld.so", &(struct elf_spec){ .soname = "ld-test.so" });
	mkdirs("l");
	elf_write("l/libx.so", &(struct elf_spec){ .needed = { "ld-test.so" } });
	elf_write("exe", &(struct elf_spec){ .interp = at("ld.so"), .needed = { "libx.so" }, .rpath = "$ORIGIN/l" });
	c = resolve(at("exe"), NULL);
	dump(&c);
	cr_assert(has_path(&c, real(at("ld.so"))));
	cr_assert(has_path(&c, real(at("l/libx.so"))));
	cr_assert_eq(c.n_missing, 0, "ld-test.so is the loaded interpreter's soname");
	elf_closure_free(&c);

	elf_write("exe2", &(struct elf_spec){ .interp = at("nope-ld.so") });
	c = resolve(at("exe2"), NULL);
	cr_assert_eq(c.n, 0);
	cr_assert(has_missing(&c, at("nope-ld.so"), real(at("exe2"))));
	elf_closure_free(&c);
}

Test(elf_closure, hwcaps_variants)
{
	struct elf_closure c;

	mkdirs("h/glibc-hwcaps/x86-64-v3");
	elf_write("h/libhw.so", &(struct elf_spec){ 0 });
	elf_write("h/glibc-hwcaps/x86-64-v3/libhw.so",
		  &(struct elf_spec){ .needed = { "libv3dep.so" }, .runpath = "$ORIGIN/../.." });
	elf_write("h/libv3dep.so", &(struct elf_spec){ 0 });
	elf_write("exe", &(struct elf_spec){ .runpath = "$ORIGIN/h", .needed = { "libhw.so" } });
	c = resolve(at("exe"), NULL);
	dump(&c);
	cr_assert(has_path(&c, real(at("h/libhw.so"))));
	cr_assert(has_path(&c, real(at("h/glibc-hwcaps/x86-64-v3/libhw.so"))));
	cr_assert(has_path(&c, real(at("h/libv3dep.so"))), "a variant's dependencies are followed");
	cr_assert_eq(c.n, 3);
	elf_closure_free(&c);
}

Test(elf_closure, nodeflib)
{
	struct elf_closure c;

	if (access("/lib/x86_64-linux-gnu/libc.so.6", R_OK))
		cr_skip_test("no x86-64 libc.so.6");
	elf_write("exe", &(struct elf_spec){ .needed = { "libc.so.6" } });
	c = resolve(at("exe"), NULL);
	cr_assert(has_base(&c, "libc.so.6"));
	elf_closure_free(&c);

	elf_write("exe", &(struct elf_spec){ .needed = { "libc.so.6" }, .flags_1 = DF_1_NODEFLIB });
	c = resolve(at("exe"), NULL);
	dump(&c);
	cr_assert_eq(c.n, 0);
	cr_assert(has_missing(&c, "libc.so.6", real(at("exe"))));
	elf_closure_free(&c);
}

Test(elf_closure, non_elf_candidate_stops_search)
{
	struct elf_closure c;

	pick_libs();
	mkdirs("t");
	write_str(at("t/libpick.so"), "INPUT(-lc)\n");
	elf_write("exe", &(struct elf_spec){ .runpath = "$ORIGIN/t:$ORIGIN/a", .needed = { "libpick.so" } });
	c = resolve(at("exe"), NULL);
	dump(&c);
	cr_assert_eq(c.n, 0);
	cr_assert(has_missing(&c, "libpick.so", real(at("exe"))));
	cr_assert(has_note(&c, "not an ELF object"));
	elf_closure_free(&c);
}

/* ---- other classes --------------------------------------------------------- */

Test(elf_closure, elf32_gets_32bit_objects_only)
{
	static const char *const libc32[] = {
		"/lib/i386-linux-gnu/libc.so.6", "/usr/lib/i386-linux-gnu/libc.so.6",
		"/lib32/libc.so.6", "/usr/lib32/libc.so.6", "/lib/libc.so.6", "/usr/lib/libc.so.6",
	};
	bool have32 = false;
	struct elf_closure c;

	for (size_t i = 0; i < ARRAY_SIZE(libc32); i++)
		have32 |= access(libc32[i], R_OK) == 0;
	mkdirs("d64");
	mkdirs("d32");
	elf_write("d64/libx.so", &(struct elf_spec){ 0 });			/* x86-64: skipped */
	elf_write("d32/libx.so", &(struct elf_spec){ .cls = ELFCLASS32 });
	elf_write("exe32", &(struct elf_spec){ .cls = ELFCLASS32, .interp = "/lib/ld-linux.so.2",
					       .runpath = "$ORIGIN/d64:$ORIGIN/d32",
					       .needed = { "libx.so", "libc.so.6" } });
	c = resolve(at("exe32"), NULL);
	dump(&c);
	cr_assert(has_path(&c, real(at("d32/libx.so"))));
	cr_assert_not(has_path(&c, real(at("d64/libx.so"))));
	if (!access("/lib/x86_64-linux-gnu/libc.so.6", R_OK))
		cr_assert_not(has_path(&c, real("/lib/x86_64-linux-gnu/libc.so.6")));
	if (!have32) {
		cr_assert(has_missing(&c, "libc.so.6", real(at("exe32"))));
	} else {
		/* libc6-i386 or libc6:i386: found through the 32-bit cache entries or directories */
		cr_assert(has_base(&c, "libc.so.6"));
		cr_assert_eq(c.n_missing, 0);
	}
	if (!access("/lib/ld-linux.so.2", R_OK))
		cr_assert(has_path(&c, real("/lib/ld-linux.so.2")));
	elf_closure_free(&c);
}

Test(elf_closure, elf32_header_only)
{
	unsigned char h[52] = { 0x7f, 'E', 'L', 'F', ELFCLASS32, ELFDATA2LSB, EV_CURRENT };
	struct elf_closure c;

	put(h + 16, ET_EXEC, 2);
	put(h + 18, EM_386, 2);
	put(h + 20, EV_CURRENT, 4);
	put(h + 40, 52, 2);
	put(h + 42, 32, 2);
	write_file(at("e32"), h, sizeof(h));
	c = resolve(at("e32"), NULL);
	cr_assert_eq(c.n + c.n_missing + c.n_notes, 0);
	elf_closure_free(&c);
}

Test(elf_closure, big_endian_and_foreign_machine)
{
	struct elf_closure c;
	struct elf_img img = elf_build(&(struct elf_spec){ .machine = EM_AARCH64,
							   .needed = { "libnojit-arm.so" } });

	write_file(at("arm"), img.buf, img.len);
	img_free(&img);
	c = resolve(at("arm"), NULL);
	cr_assert(has_missing(&c, "libnojit-arm.so", real(at("arm"))));
	elf_closure_free(&c);

	/* EI_DATA says big-endian: the little-endian fields make nonsense */
	img = elf_build(&(struct elf_spec){ .needed = { "libc.so.6" } });
	img.buf[EI_DATA] = ELFDATA2MSB;
	write_file(at("be"), img.buf, img.len);
	img_free(&img);
	c = resolve(at("be"), NULL);
	cr_assert_eq(c.n, 0);
	elf_closure_free(&c);
}

/* ---- hostile input --------------------------------------------------------- */

/* Nothing listed, and at most a note (which must mention SUB when given). */
static void expect_note_or_nothing(const char *rel, const char *sub)
{
	struct elf_closure c = resolve(at(rel), NULL);

	dump(&c);
	cr_assert_eq(c.n, 0, "%s", rel);
	if (sub)
		cr_assert(has_note(&c, sub), "%s: no note with \"%s\"", rel, sub);
	elf_closure_free(&c);
}

static void write_patched(const char *rel, struct elf_img *img, size_t off, uint64_t v, unsigned int n)
{
	put(img->buf + off, v, n);
	write_file(at(rel), img->buf, img->len);
	img_free(img);
}

static struct elf_img hostile_base(void)
{
	return elf_build(&(struct elf_spec){ .interp = "/lib64/ld-linux-x86-64.so.2",
					     .needed = { "libc.so.6" } });
}

Test(elf_closure, hostile_files)
{
	struct elf_img img;
	struct elf_closure c;
	const char *files[] = { at("empty"), at("dir"), "/dev/null", at("script"), at("nonexistent") };

	write_file(at("empty"), "", 0);
	mkdirs("dir");
	write_str(at("script"), "#!/bin/sh\necho hi\n");
	write_file(at("magic"), ELFMAG, 4);
	cr_assert_eq(elf_closure_resolve(files, ARRAY_SIZE(files), &c), 0);
	cr_assert_eq(c.n + c.n_missing, 0);
	cr_assert_eq(c.n_notes, 1);
	cr_assert(has_note(&c, "nonexistent: cannot open"));
	elf_closure_free(&c);

	expect_note_or_nothing("magic", "truncated ELF header");
	img = hostile_base();
	write_file(at("trunc"), img.buf, 40);
	img_free(&img);
	expect_note_or_nothing("trunc", "malformed ELF (truncated ELF header)");
}

Test(elf_closure, hostile_program_headers)
{
	struct elf_img img;

	img = hostile_base();
	write_patched("phoff", &img, 32, 1ull << 40, 8);
	expect_note_or_nothing("phoff", "program headers beyond end of file");

	img = hostile_base();
	write_patched("phoff_wrap", &img, 32, UINT64_MAX - 8, 8);
	expect_note_or_nothing("phoff_wrap", "program headers beyond end of file");

	img = hostile_base();
	write_patched("phnum", &img, 56, 0xfffe, 2);
	expect_note_or_nothing("phnum", "program headers beyond end of file");

	img = hostile_base();
	write_patched("xnum", &img, 56, PN_XNUM, 2);
	expect_note_or_nothing("xnum", "PN_XNUM");

	/* PN_XNUM done right: the count in section header 0's sh_info */
	img = hostile_base();
	{
		unsigned char *x = calloc(1, img.len + 64);
		struct elf_closure c;

		cr_assert_not_null(x);
		memcpy(x, img.buf, img.len);
		put(x + 56, PN_XNUM, 2);
		put(x + 40, img.len, 8);			/* e_shoff */
		put(x + 58, 64, 2);				/* e_shentsize */
		put(x + img.len + 44, 3, 4);			/* sh_info: PT_LOAD, PT_INTERP, PT_DYNAMIC */
		write_file(at("xnum_ok"), x, img.len + 64);
		free(x);
		c = resolve(at("xnum_ok"), NULL);
		dump(&c);
		cr_assert_eq(c.n_notes, 0);
		cr_assert(has_path(&c, real("/lib64/ld-linux-x86-64.so.2")));
		elf_closure_free(&c);
	}
	img_free(&img);

	img = hostile_base();
	write_patched("phentsize", &img, 54, 8, 2);
	expect_note_or_nothing("phentsize", "e_phentsize");

	img = hostile_base();
	write_patched("interp_off", &img, img.ph_interp + 8, 1ull << 62, 8);
	expect_note_or_nothing("interp_off", "PT_INTERP");

	img = hostile_base();
	write_patched("interp_len", &img, img.ph_interp + 32, UINT64_MAX, 8);
	expect_note_or_nothing("interp_len", "PT_INTERP");

	img = hostile_base();
	write_patched("interp_nul", &img, img.interp_off + strlen("/lib64/ld-linux-x86-64.so.2"), 'x', 1);
	expect_note_or_nothing("interp_nul", "PT_INTERP not NUL-terminated");
}

Test(elf_closure, hostile_dynamic)
{
	struct elf_img img;
	unsigned char *big;
	size_t w = 8;

	img = hostile_base();
	write_patched("dyn_off", &img, img.ph_dyn + 8, img.len + 4096, 8);
	expect_note_or_nothing("dyn_off", "PT_DYNAMIC beyond end of file");

	img = hostile_base();
	write_patched("dyn_len", &img, img.ph_dyn + 32, UINT64_MAX, 8);
	expect_note_or_nothing("dyn_len", "PT_DYNAMIC beyond end of file");

	/* DT_NEEDED's string offset (entry 0) far beyond DT_STRSZ */
	img = hostile_base();
	write_patched("stroff", &img, img.dyn_off + w, 0xffffffffull, 8);
	expect_note_or_nothing("stroff", "dynamic string offset out of range");

	/* DT_STRSZ 3: the first name no longer ends inside the table */
	img = hostile_base();
	for (size_t k = 0; k < img.n_dyn; k++)
		if (img.buf[img.dyn_off + k * 16] == DT_STRSZ)
			put(img.buf + img.dyn_off + k * 16 + w, 3, 8);
	write_file(at("strsz"), img.buf, img.len);
	img_free(&img);
	expect_note_or_nothing("strsz", "unterminated dynamic string");

	/* DT_STRTAB outside every PT_LOAD */
	img = hostile_base();
	for (size_t k = 0; k < img.n_dyn; k++)
		if (img.buf[img.dyn_off + k * 16] == DT_STRTAB)
			put(img.buf + img.dyn_off + k * 16 + w, 1ull << 50, 8);
	write_file(at("strtab"), img.buf, img.len);
	img_free(&img);
	expect_note_or_nothing("strtab", "DT_STRTAB outside");

	/* PT_LOAD and DT_STRSZ claiming more file than there is: the string
	 * table starts 4 bytes before EOF and its first name never ends */
	img = hostile_base();
	big = calloc(1, img.len + 4);
	cr_assert_not_null(big);
	for (size_t k = 0; k < img.n_dyn; k++) {
		if (img.buf[img.dyn_off + k * 16] == DT_STRSZ)
			put(img.buf + img.dyn_off + k * 16 + w, 1ull << 40, 8);
		if (img.buf[img.dyn_off + k * 16] == DT_STRTAB)
			put(img.buf + img.dyn_off + k * 16 + w, img.len, 8);
	}
	put(img.buf + 64 + 32, 1ull << 40, 8);	/* PT_LOAD p_filesz */
	memcpy(big, img.buf, img.len);
	memset(big + img.len, 'A', 4);
	write_file(at("load"), big, img.len + 4);
	free(big);
	img_free(&img);
	expect_note_or_nothing("load", "unterminated dynamic string");

	/* dynamic entries without DT_NULL: stop at the segment end */
	img = hostile_base();
	for (size_t k = 0; k < img.n_dyn; k++)
		if (img.buf[img.dyn_off + k * 16] == DT_NULL)
			put(img.buf + img.dyn_off + k * 16, DT_DEBUG, 8);
	write_file(at("nonull"), img.buf, img.len);
	img_free(&img);
	{
		struct elf_closure c = resolve(at("nonull"), NULL);

		cr_assert_eq(c.n_notes, 0);
		elf_closure_free(&c);
	}
}

Test(elf_closure, too_many_needed_capped)
{
	struct elf_closure c;

	elf_write("many", &(struct elf_spec){ .extra_needed = 5000 });
	c = resolve(at("many"), NULL);
	cr_assert_eq(c.n, 0);
	cr_assert_eq(c.n_missing, 4096);
	cr_assert(has_note(&c, "more than 4096 DT_NEEDED"));
	elf_closure_free(&c);
}

/* Every prefix and a few thousand single-byte corruptions: no crash, no leak. */
Test(elf_closure, fuzz_truncate_and_flip, .timeout = 120)
{
	struct elf_img img = elf_build(&(struct elf_spec){
		.interp = "/nonexistent/ld.so", .soname = "libfz.so", .rpath = "$ORIGIN/x:$LIB",
		.needed = { "libnojit-fz1.so", "$ORIGIN/fz2.so" } });
	unsigned char *copy = malloc(img.len);
	uint64_t seed = 0x9e3779b97f4a7c15ull;
	struct elf_closure c;

	cr_assert_not_null(copy);
	for (size_t len = 0; len <= img.len; len++) {
		write_file(at("fz"), img.buf, len);
		c = resolve(at("fz"), NULL);
		cr_assert_eq(c.n, 0);
		elf_closure_free(&c);
	}
	for (int i = 0; i < 3000; i++) {
		memcpy(copy, img.buf, img.len);
		for (int k = 0; k < 1 + i % 4; k++) {
			seed ^= seed << 13;
			seed ^= seed >> 7;
			seed ^= seed << 17;
			copy[seed % img.len] = (unsigned char)(seed >> 32);
		}
		write_file(at("fz"), copy, img.len);
		c = resolve(at("fz"), NULL);
		elf_closure_free(&c);
	}
	free(copy);
	img_free(&img);
}

/* ---- ld.so.cache parsing, on written caches -------------------------------- */

struct cache_ent {
	uint32_t flags;
	const char *key, *value;
	uint64_t hwcap;
};

/* A "glibc-ld.so.cache1.1" file, after an old-format table of NOLD entries when NOLD >= 0. */
static size_t cache_build(unsigned char *b, size_t cap, const struct cache_ent *e, size_t n, int nold)
{
	size_t base = 0, str;

	memset(b, 0, cap);
	if (nold >= 0) {
		memcpy(b, "ld.so-1.7.0", 11);
		put(b + 12, (uint64_t)nold, 4);
		base = (16 + (size_t)nold * 12 + 7) & ~(size_t)7;
	}
	memcpy(b + base, "glibc-ld.so.cache1.1", 20);
	put(b + base + 20, n, 4);
	b[base + 28] = 2;
	str = 48 + n * 24;
	for (size_t i = 0; i < n; i++) {
		unsigned char *p = b + base + 48 + i * 24;

		put(p, e[i].flags, 4);
		put(p + 4, str, 4);
		strcpy((char *)b + base + str, e[i].key);
		str += strlen(e[i].key) + 1;
		put(p + 8, str, 4);
		strcpy((char *)b + base + str, e[i].value);
		str += strlen(e[i].value) + 1;
		put(p + 16, e[i].hwcap, 8);
	}
	put(b + base + 24, str - 48 - n * 24, 4);
	return base + str;
}

Test(elf_closure, ldcache_written)
{
	static const struct cache_ent ents[] = {
		{ 0x0303, "libq.so.1", "/v3/libq.so.1", (1ull << 62) | 0 },	/* hwcaps variant */
		{ 0x0003, "libq.so.1", "/i386/libq.so.1", 0 },
		{ 0x0803, "libq.so.1", "/x32/libq.so.1", 0 },
		{ 0x0303, "libq.so.1", "/x86_64/libq.so.1", 0 },
		{ 0x0303, "librel.so", "relative/librel.so", 0 },
	};
	unsigned char b[4096];
	size_t len;
	char *p;

	for (int nold = -1; nold <= 3; nold += 4) {
		len = cache_build(b, sizeof(b), ents, ARRAY_SIZE(ents), nold);
		write_file(at("cache"), b, len);
		cr_assert_eq(elf_ldcache_lookup(at("cache"), "libq.so.1", ELFCLASS64, EM_X86_64, &p), 0);
		cr_assert_str_eq(p, "/x86_64/libq.so.1");
		free(p);
		cr_assert_eq(elf_ldcache_lookup(at("cache"), "libq.so.1", ELFCLASS32, EM_386, &p), 0);
		cr_assert_str_eq(p, "/i386/libq.so.1");
		free(p);
		cr_assert_eq(elf_ldcache_lookup(at("cache"), "libq.so.1", ELFCLASS32, EM_X86_64, &p), 0);
		cr_assert_str_eq(p, "/x32/libq.so.1");
		free(p);
		cr_assert_eq(elf_ldcache_lookup(at("cache"), "libq.so.1", ELFCLASS64, EM_AARCH64, &p), -ENOENT);
		cr_assert_eq(elf_ldcache_lookup(at("cache"), "librel.so", ELFCLASS64, EM_X86_64, &p), -ENOENT);
	}
}

Test(elf_closure, ldcache_hostile)
{
	static const struct cache_ent ents[] = {
		{ 0x0303, "libq.so.1", "/x86_64/libq.so.1", 0 },
	};
	unsigned char b[4096];
	size_t len = cache_build(b, sizeof(b), ents, 1, -1);
	char *p;

	write_file(at("c"), b, 20);
	cr_assert_eq(elf_ldcache_lookup(at("c"), "libq.so.1", ELFCLASS64, EM_X86_64, &p), -EBADMSG);

	put(b + 20, 0xffffffff, 4);	/* nlibs */
	write_file(at("c"), b, len);
	cr_assert_eq(elf_ldcache_lookup(at("c"), "libq.so.1", ELFCLASS64, EM_X86_64, &p), -EBADMSG);

	len = cache_build(b, sizeof(b), ents, 1, -1);
	put(b + 48 + 4, 0x7fffffff, 4);	/* key beyond the file */
	write_file(at("c"), b, len);
	cr_assert_eq(elf_ldcache_lookup(at("c"), "libq.so.1", ELFCLASS64, EM_X86_64, &p), -ENOENT);

	memset(b, 0, 64);	/* an old table bigger than the file */
	memcpy(b, "ld.so-1.7.0", 11);
	put(b + 12, 0x7fffffff, 4);
	write_file(at("c"), b, 64);
	cr_assert_eq(elf_ldcache_lookup(at("c"), "libq.so.1", ELFCLASS64, EM_X86_64, &p), -EBADMSG);

	len = cache_build(b, sizeof(b), ents, 1, -1);
	b[28] = 3;	/* big-endian cache */
	write_file(at("c"), b, len);
	cr_assert_eq(elf_ldcache_lookup(at("c"), "libq.so.1", ELFCLASS64, EM_X86_64, &p), -EBADMSG);

	/* a string running to the end of the file stays inside the buffer */
	len = cache_build(b, sizeof(b), ents, 1, -1);
	write_file(at("c"), b, len - 2);
	cr_assert_eq(elf_ldcache_lookup(at("c"), "libq.so.1", ELFCLASS64, EM_X86_64, &p), 0);
	cr_assert_str_eq(p, "/x86_64/libq.so.");
	free(p);

	cr_assert_eq(elf_ldcache_lookup(tmp, "libq.so.1", ELFCLASS64, EM_X86_64, &p), -EBADMSG);
	cr_assert_eq(elf_ldcache_lookup(NULL, "x", ELFCLASS64, EM_X86_64, &p), -EINVAL);
}

Test(elf_closure, bad_arguments)
{
	struct elf_closure c = { 0 };
	const char *files[] = { NULL };

	cr_assert_eq(elf_closure_resolve(NULL, 1, &c), -EINVAL);
	cr_assert_eq(elf_closure_resolve(files, 1, &c), -EINVAL);
	cr_assert_eq(elf_closure_resolve(files, 0, NULL), -EINVAL);
	cr_assert_eq(elf_closure_resolve(NULL, 0, &c), 0);
	cr_assert_eq(c.n + c.n_missing + c.n_notes, 0);
	elf_closure_free(&c);
}
