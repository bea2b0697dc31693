// SPDX-License-Identifier: GPL-2.0
/*
 * JIT engine detection (controller/jit_detect.c): Debian's real binaries
 * (node, luajit, the JDK are engines; coreutils, bash, python3, gcc, grep,
 * git are not), small libraries made with gcc for the rules no installed
 * package exercises, and malformed ELF files, which must give a clear
 * error or "nothing found", never a crash (this runs under ASan/UBSan).
 */
#include <criterion/criterion.h>
#include <elf.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>

#include "elf_closure.h"
#include "jit_detect.h"
#include "scratch.h"
#include "util.h"

static void setup(void)
{
	scratch_make("jit");
}

static void teardown(void)
{
	scratch_remove();
}

TestSuite(jit_detect, .init = setup, .fini = teardown, .timeout = 120);

/* The one finding for PATH, which must be ENGINE with NEEDLE in its evidence. */
static void expect_engine(const char *path, const char *engine, const char *needle)
{
	struct jit_report rep;
	const char *why = "";
	int r = jit_detect_path(path, &rep, &why);

	cr_assert_eq(r, 1, "%s: expected 1 engine, got %d (%s)", path, r, r < 0 ? why : "");
	cr_assert_str_eq(rep.found[0].engine, engine, "%s", path);
	cr_assert(strstr(rep.found[0].evidence, needle), "%s: evidence '%s' lacks '%s'", path,
		  rep.found[0].evidence, needle);
}

static void expect_none(const char *path)
{
	struct jit_report rep;
	const char *why = "";
	int r = jit_detect_path(path, &rep, &why);

	cr_assert_eq(r, 0, "%s: expected no engine, got %d: %s", path, r,
		     r > 0 ? rep.found[0].evidence : why);
}

static void sh(const char *cmd)
{
	int rc = system(cmd);

	cr_assert_eq(rc, 0, "failed (%d): %s", rc, cmd);
}

/* A line of a command's output. */
static void sh_out(const char *cmd, char *buf, size_t size)
{
	FILE *p = popen(cmd, "r");

	cr_assert_not_null(p);
	cr_assert_not_null(fgets(buf, (int)size, p), "no output from %s", cmd);
	buf[strcspn(buf, "\n")] = '\0';
	pclose(p);
}

/* ---- Debian's real binaries --------------------------------------------- */

Test(jit_detect, node_luajit_and_java_are_engines)
{
	char java[PATH_MAX], jdk[PATH_MAX], jvm[PATH_MAX + 32];

	expect_engine("/usr/bin/node", "v8", "defines _ZN2v82V8");
	expect_engine("/usr/bin/luajit", "luajit", "defines luaJIT_setmode");
	cr_assert_not_null(realpath("/usr/bin/java", java), "java is installed (default-jre-headless)");
	expect_engine(java, "jvm", "has DT_NEEDED libjli.so");
	/* JDK/bin/java -> JDK/lib/server/libjvm.so */
	snprintf(jdk, sizeof(jdk), "%s", java);
	*strrchr(jdk, '/') = '\0';
	*strrchr(jdk, '/') = '\0';
	snprintf(jvm, sizeof(jvm), "%s/lib/server/libjvm.so", jdk);
	expect_engine(jvm, "jvm", "is DT_SONAME libjvm.so");
}

Test(jit_detect, java_closure_reaches_the_launcher_library)
{
	char java[PATH_MAX];
	const char *files[1] = { java };
	struct elf_closure c = {};
	bool seen = false;

	cr_assert_not_null(realpath("/usr/bin/java", java));
	cr_assert_eq(elf_closure_resolve(files, 1, &c), 0);
	for (size_t i = 0; i < c.n; i++) {
		if (!strstr(c.paths[i], "/libjli.so"))
			continue;
		expect_engine(c.paths[i], "jvm", "is DT_SONAME libjli.so");
		seen = true;
	}
	elf_closure_free(&c);
	cr_assert(seen, "the closure of %s has libjli.so", java);
}

Test(jit_detect, ordinary_programs_are_not_engines)
{
	static const char *const plain[] = {
		"/usr/bin/ls", "/usr/bin/cat", "/usr/bin/bash", "/usr/bin/python3.11", "/usr/bin/grep",
		"/usr/bin/git", "/usr/lib/x86_64-linux-gnu/libc.so.6",
		"/usr/lib/x86_64-linux-gnu/libpcre2-8.so.0",
	};
	char gcc[PATH_MAX], cc1[PATH_MAX];

	for (size_t i = 0; i < ARRAY_SIZE(plain); i++)
		expect_none(plain[i]);
	cr_assert_not_null(realpath("/usr/bin/gcc", gcc));
	expect_none(gcc);
	sh_out("gcc -print-prog-name=cc1", cc1, sizeof(cc1));
	cr_assert_eq(cc1[0], '/', "cc1 at %s", cc1);
	expect_none(cc1);
	/* Not ELF at all: scripts and data. */
	expect_none("/usr/bin/ldd");
	expect_none("/etc/passwd");
}

/* ---- rules no installed package exercises, on libraries made here ------- */

/* Build scratch/NAME.so from C SOURCE with extra gcc FLAGS. */
static const char *make_so(const char *name, const char *source, const char *flags)
{
	char cmd[2048];
	static char out[256];

	snprintf(out, sizeof(out), "%s/%s", scratch_dir, name);
	snprintf(cmd, sizeof(cmd), "printf '%%s\\n' '%s' | gcc -shared -fPIC -x c -o '%s' %s - 2>&1",
		 source, out, flags);
	sh(cmd);
	return out;
}

Test(jit_detect, pcre2_jit_only_when_it_is_the_only_path)
{
	/* jit_match alone: every match is JIT code. */
	expect_engine(make_so("jit-only.so", "int pcre2_jit_match_8(void); int f(void) { return pcre2_jit_match_8(); }", ""),
		      "pcre2-jit", "imports pcre2_jit_match_8 and neither pcre2_match_8");
	/* With pcre2_match (git, GLib) or pcre2_dfa_match: an interpreter path exists. */
	expect_none(make_so("both.so", "int pcre2_jit_match_8(void); int pcre2_match_8(void);"
			    " int f(void) { return pcre2_jit_match_8() + pcre2_match_8(); }", ""));
	expect_none(make_so("dfa.so", "int pcre2_jit_match_16(void); int pcre2_dfa_match_16(void);"
			    " int f(void) { return pcre2_jit_match_16() + pcre2_dfa_match_16(); }", ""));
	/* The widths are separate libraries: a 16-bit interpreter does not serve 8-bit matches. */
	expect_engine(make_so("widths.so", "int pcre2_jit_match_8(void); int pcre2_match_16(void);"
			      " int f(void) { return pcre2_jit_match_8() + pcre2_match_16(); }", ""),
		      "pcre2-jit", "pcre2_jit_match_8");
	/* jit_compile + match (GNU grep): falls back. */
	expect_none(make_so("grep.so", "int pcre2_jit_compile_8(void); int pcre2_match_8(void);"
			    " int f(void) { return pcre2_jit_compile_8() + pcre2_match_8(); }", ""));
}

Test(jit_detect, llvm_jit_only_where_it_is_imported)
{
	expect_engine(make_so("mcjit.so", "int LLVMCreateMCJITCompilerForModule(void); int f(void) { return LLVMCreateMCJITCompilerForModule(); }", ""),
		      "llvm-jit", "imports LLVMCreateMCJITCompilerForModule");
	expect_engine(make_so("orc.so", "int LLVMOrcCreateLLJIT(void); int f(void) { return LLVMOrcCreateLLJIT(); }", ""),
		      "llvm-jit", "imports LLVMOrcCreateLLJIT");
	/* Defining it (libLLVM itself) is not asking for a JIT. */
	expect_none(make_so("libllvm.so", "int LLVMCreateMCJITCompilerForModule(void) { return 0; }", ""));
	/* The real libLLVM and a compiler linked to it. */
	expect_none("/usr/lib/x86_64-linux-gnu/libLLVM-15.so.1");
}

Test(jit_detect, weak_rules_need_each_other)
{
	expect_none(make_so("wasm-api.so", "int wasm_engine_new(void) { return 0; }", ""));
	expect_engine(make_so("wasmtime.so", "int wasm_engine_new(void) { return 0; } int wasmtime_store_new(void) { return 0; }", ""),
		      "wasmtime", "wasm_engine_new");
	expect_engine(make_so("wasmer.so", "int wasm_engine_new(void) { return 0; } int wasmer_last_error_length(void) { return 0; }", ""),
		      "wasmer", "defines");
}

Test(jit_detect, soname_and_needed_name_the_engine)
{
	char flags[512];

	expect_engine(make_so("libnode.so.108", "int f(void) { return 0; }", "-Wl,-soname,libnode.so.108"),
		      "v8", "is DT_SONAME libnode.so.108");
	expect_engine(make_so("libcoreclr.so", "int coreclr_initialize(void) { return 0; }", "-Wl,-soname,libcoreclr.so"),
		      "coreclr", "is DT_SONAME libcoreclr.so");
	expect_engine(make_so("libpypy3.9-c.so", "int f(void) { return 0; }", "-Wl,-soname,libpypy3.9-c.so"),
		      "pypy", "libpypy3.9-c.so");
	snprintf(flags, sizeof(flags), "-Wl,--no-as-needed -L%s -l:libnode.so.108", scratch_dir);
	expect_engine(make_so("uses-node.so", "int g(void) { return 0; }", flags), "v8",
		      "has DT_NEEDED libnode.so.108");
	/* A v8 import (a native addon) is not an engine: node is. */
	expect_none(make_so("addon.node", "int _ZN2v87Isolate10GetCurrentEv(void); int f(void) { return _ZN2v87Isolate10GetCurrentEv(); }", ""));
}

Test(jit_detect, two_engines_in_one_file_are_two_findings)
{
	struct jit_report rep;
	const char *why = "";
	const char *p = make_so("two.so", "int luaJIT_setmode(void) { return 0; } int JNI_CreateJavaVM(void) { return 0; }", "");

	cr_assert_eq(jit_detect_path(p, &rep, &why), 2, "%s", why);
	cr_assert_str_eq(rep.found[0].engine, "luajit");
	cr_assert_str_eq(rep.found[1].engine, "jvm");
}

Test(jit_detect, engine_names)
{
	cr_assert_geq(jit_engine_count(), 10);
	cr_assert_leq(jit_engine_count(), JIT_FINDINGS_MAX);
	for (size_t i = 0; i < jit_engine_count(); i++) {
		const char *n = jit_engine_name(i);

		cr_assert_not_null(jit_engine_description(i));
		cr_assert_eq(jit_engine_lookup(n, strlen(n)), n);
		cr_assert_leq(strlen(n), 32);
		cr_assert_eq(strspn(n, "abcdefghijklmnopqrstuvwxyz0123456789-"), strlen(n), "%s", n);
	}
	cr_assert_null(jit_engine_lookup("v8x", 3));
	cr_assert_not_null(jit_engine_lookup("v8x", 2));
	cr_assert_null(jit_engine_lookup("", 0));
	cr_assert_null(jit_engine_name(jit_engine_count()));
}

/* ---- malformed input ------------------------------------------------------ */

static size_t slurp(const char *path, unsigned char **ret)
{
	int fd = open(path, O_RDONLY);
	struct stat st;
	unsigned char *buf;

	cr_assert_geq(fd, 0, "%s", path);
	cr_assert_eq(fstat(fd, &st), 0);
	buf = malloc((size_t)st.st_size);
	cr_assert_not_null(buf);
	cr_assert_eq(read(fd, buf, (size_t)st.st_size), st.st_size);
	close(fd);
	*ret = buf;
	return (size_t)st.st_size;
}

static void put(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, data, len), (ssize_t)len);
	close(fd);
}

/* Any answer but a crash: a count, or one of the documented errors with a reason. */
static int detect_bytes(const void *data, size_t len, const char **why)
{
	const char *p = scratch_path("bad");
	struct jit_report rep;
	int r;

	put(p, data, len);
	*why = NULL;
	r = jit_detect_path(p, &rep, why);
	cr_assert(r >= 0 || r == -EBADMSG || r == -ENOTSUP || r == -EFBIG, "got %d", r);
	if (r < 0)
		cr_assert(*why && **why, "an error says why");
	for (int i = 0; i < r; i++)
		cr_assert(memchr(rep.found[i].evidence, '\0', sizeof(rep.found[i].evidence)));
	return r;
}

Test(jit_detect, truncated_copies_never_crash)
{
	unsigned char *elf;
	size_t len = slurp("/usr/bin/luajit", &elf);
	const char *why;
	size_t step = len / 400;

	/* Every prefix near the start, then every STEP bytes, then the last bytes. */
	for (size_t n = 0; n < len; n += n < 256 ? 1 : n > len - 256 ? 1 : step)
		detect_bytes(elf, n, &why);
	/* Without its section headers (at the end): said, not guessed. */
	cr_assert_eq(detect_bytes(elf, len - 1, &why), -EBADMSG);
	cr_assert(strstr(why, "section headers past the end"), "%s", why);
	cr_assert_eq(detect_bytes(elf, len, &why), 1);
	free(elf);
}

Test(jit_detect, non_elf_and_odd_headers)
{
	static const unsigned char text[] = "#!/bin/sh\necho hi\n";
	unsigned char h[sizeof(Elf64_Ehdr)] = { 0x7f, 'E', 'L', 'F', ELFCLASS64, ELFDATA2LSB, EV_CURRENT };
	const char *why;

	cr_assert_eq(detect_bytes("", 0, &why), 0);
	cr_assert_eq(detect_bytes(text, sizeof(text) - 1, &why), 0);
	cr_assert_eq(detect_bytes("\x7f" "ELF", 4, &why), 0);	/* shorter than e_ident */
	/* A bad class. */
	h[EI_CLASS] = 9;
	cr_assert_eq(detect_bytes(h, sizeof(h), &why), -EBADMSG);
	cr_assert(strstr(why, "class"), "%s", why);
	h[EI_CLASS] = ELFCLASS64;
	/* e_ident only. */
	cr_assert_eq(detect_bytes(h, EI_NIDENT + 2, &why), -EBADMSG);
	cr_assert(strstr(why, "truncated header"), "%s", why);
	/* ET_REL and core files are not looked at. */
	h[16] = ET_REL;
	cr_assert_eq(detect_bytes(h, sizeof(h), &why), 0);
	h[16] = ET_DYN;
	/* No section headers. */
	cr_assert_eq(detect_bytes(h, sizeof(h), &why), -ENOTSUP);
	cr_assert(strstr(why, "without section headers"), "%s", why);
}

/* luajit with its ELF header's section fields changed. */
Test(jit_detect, huge_and_lying_section_tables)
{
	unsigned char *elf;
	size_t len = slurp("/usr/bin/luajit", &elf);
	Elf64_Ehdr *eh = (Elf64_Ehdr *)elf;
	Elf64_Shdr *sh = (Elf64_Shdr *)(elf + eh->e_shoff), saved0 = sh[0];
	const char *why;

	eh->e_shnum = 0xffff;
	cr_assert_eq(detect_bytes(elf, len, &why), -EBADMSG);
	cr_assert(strstr(why, "past the end"), "%s", why);
	/* Extended numbering: the count in section 0, here 2^40. */
	eh->e_shnum = 0;
	sh[0].sh_size = 1ull << 40;
	cr_assert_eq(detect_bytes(elf, len, &why), -EFBIG);
	cr_assert(strstr(why, "section headers"), "%s", why);
	sh[0] = saved0;
	eh->e_shnum = (Elf64_Half)((len - eh->e_shoff) / sizeof(Elf64_Shdr));
	eh->e_shentsize = 12;
	cr_assert_eq(detect_bytes(elf, len, &why), -EBADMSG);
	cr_assert(strstr(why, "section header size"), "%s", why);
	eh->e_shentsize = sizeof(Elf64_Shdr);
	eh->e_shoff = ~0ull;
	cr_assert_eq(detect_bytes(elf, len, &why), -EBADMSG);
	free(elf);
}

/* The dynamic symbol table and its strings pointing anywhere. */
Test(jit_detect, lying_dynamic_tables)
{
	unsigned char *elf;
	size_t len = slurp("/usr/bin/luajit", &elf);
	Elf64_Ehdr *eh = (Elf64_Ehdr *)elf;
	Elf64_Shdr *sh = (Elf64_Shdr *)(elf + eh->e_shoff);
	Elf64_Shdr *sym = NULL;
	const char *why;

	for (size_t i = 0; i < eh->e_shnum; i++)
		if (sh[i].sh_type == SHT_DYNSYM)
			sym = &sh[i];
	cr_assert_not_null(sym);
	{
		Elf64_Shdr saved = *sym, str = sh[sym->sh_link];

		sym->sh_offset = len - 8;
		cr_assert_eq(detect_bytes(elf, len, &why), -EBADMSG);
		*sym = saved;
		sym->sh_size = ~0ull - 100;
		cr_assert_eq(detect_bytes(elf, len, &why), -EBADMSG);
		*sym = saved;
		sym->sh_entsize = 7;
		cr_assert_eq(detect_bytes(elf, len, &why), -EBADMSG);
		cr_assert(strstr(why, "entry size"), "%s", why);
		*sym = saved;
		sym->sh_link = 60000;
		cr_assert_eq(detect_bytes(elf, len, &why), -EBADMSG);
		*sym = saved;
		sym->sh_link = 0;
		cr_assert_eq(detect_bytes(elf, len, &why), -EBADMSG);
		*sym = saved;
		/*
		 * Strings cut short: symbol names past the end are skipped; a
		 * DT_NEEDED past it (the same table) is an error.
		 */
		sh[sym->sh_link].sh_size = 3;
		cr_assert_eq(detect_bytes(elf, len, &why), -EBADMSG);
		cr_assert(strstr(why, "outside the string table"), "%s", why);
		sh[sym->sh_link] = str;
		sh[sym->sh_link].sh_offset = len;
		sh[sym->sh_link].sh_size = 1;
		cr_assert_eq(detect_bytes(elf, len, &why), -EBADMSG);
		sh[sym->sh_link] = str;
		cr_assert_eq(detect_bytes(elf, len, &why), 1);
	}
	free(elf);
}

/* Random bytes over the headers and tables of a real ELF file. */
Test(jit_detect, mutated_headers_never_crash)
{
	unsigned char *elf, *copy;
	size_t len = slurp("/usr/bin/luajit", &elf);
	Elf64_Ehdr *eh = (Elf64_Ehdr *)elf;
	size_t shoff = (size_t)eh->e_shoff;
	unsigned int seed = 14;

	copy = malloc(len);
	cr_assert_not_null(copy);
	for (int round = 0; round < 600; round++) {
		const char *why;

		memcpy(copy, elf, len);
		for (int k = 0; k < 4; k++) {
			size_t at;

			switch (rand_r(&seed) % 3) {
			case 0:		/* the ELF header */
				at = (size_t)rand_r(&seed) % sizeof(Elf64_Ehdr);
				break;
			case 1:		/* the section headers */
				at = shoff + (size_t)rand_r(&seed) % (len - shoff);
				break;
			default:	/* anywhere in the first 64 KiB: symbols, strings, dynamic */
				at = (size_t)rand_r(&seed) % (len < 65536 ? len : 65536);
			}
			copy[at] = (unsigned char)rand_r(&seed);
		}
		detect_bytes(copy, len, &why);
	}
	free(copy);
	free(elf);
}
