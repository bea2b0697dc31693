// SPDX-License-Identifier: GPL-2.0
/*
 * JIT engines among ELF files (see jit_detect.h, docs/manifest.md).
 *
 * What is read: the ELF header, the section headers, the dynamic symbol
 * table (SHT_DYNSYM) with its string table, and the dynamic section
 * (DT_NEEDED, DT_SONAME). These are what a JIT engine cannot hide while
 * still being usable: a program brings an engine in by naming its library
 * in DT_NEEDED, a library is the engine when its DT_SONAME says so, and an
 * engine linked statically into a program still exports its embedding API
 * there (node exports V8's for native addons, luajit LuaJIT's for C
 * modules). Only ET_EXEC and ET_DYN files are looked at: nothing else is
 * executed or mapped by ld.so. Static symbol tables and debug information
 * are not read: stripping removes them and they cost far more.
 *
 * The evidence kinds, per rule:
 *  - DT_SONAME / DT_NEEDED matching a library name pattern (fnmatch);
 *  - "defines": a defined, non-local dynamic symbol (the file exports it);
 *  - "imports": an undefined dynamic symbol (the file calls it from one of
 *    its libraries). LLVM's JIT is only found this way: libLLVM contains
 *    MCJIT and ORC, but so do the many users of libLLVM that never JIT
 *    (clang, mesa's shader compilers); the file that asks for a JIT is
 *    the one that imports the function creating it.
 *  Some rules are weak: they count only together with another weak rule of
 *  the same engine (wasm_engine_new is the standard WebAssembly C API: the
 *  runtime is named by its own wasmtime_* / wasmer_* symbols beside it).
 *
 * PCRE2's JIT is an engine only "when it is the only path": the file
 * imports pcre2_jit_match_W (which runs JIT-compiled code and nothing
 * else) and neither pcre2_match_W nor pcre2_dfa_match_W for the same code
 * unit width W. pcre2_match() runs the JIT code when the pattern was
 * compiled by pcre2_jit_compile() and the interpreter otherwise, so a
 * file importing it has a way to match without JIT; whether it takes it
 * is decided by its own code, which symbols do not show (GNU grep falls
 * back; git 2.39 imports both and still dies when the JIT compile fails:
 * a compatibility matter, not an engine).
 *
 * Out of reach, by design: engines loaded with dlopen() by name (they are
 * found when their library is listed too), engines linked statically
 * without exporting anything (Rust binaries embedding wasmtime), and ELF
 * files without section headers (reported as -ENOTSUP, not guessed).
 *
 * Hostile input: every offset and size read from the file is checked
 * against the file's size before use, sizes are capped, strings are
 * checked against their table, and the symbol table is read in chunks.
 */
#include <elf.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>

#include "jit_detect.h"
#include "util.h"

#define MAX_SHNUM	(1u << 18)	/* section headers (16 MiB at 64 bytes each) */
#define MAX_STRTAB	(256u << 20)	/* the dynamic string table */
#define MAX_DYN		65536		/* dynamic entries */
#define SYM_CHUNK	4096		/* symbols read at a time */

/* ---- engines and rules -------------------------------------------------- */

enum engine {
	E_V8, E_LUAJIT, E_JVM, E_SPIDERMONKEY, E_CORECLR, E_PYPY, E_WASMTIME, E_WASMER, E_LLVM,
	E_PCRE2, E_COUNT
};

static const struct {
	const char *name, *description;
} engines[E_COUNT] = {
	[E_V8] = { "v8", "V8, the JavaScript engine of Node.js" },
	[E_LUAJIT] = { "luajit", "LuaJIT" },
	[E_JVM] = { "jvm", "a Java virtual machine (HotSpot or OpenJ9)" },
	[E_SPIDERMONKEY] = { "spidermonkey", "SpiderMonkey, Mozilla's JavaScript engine" },
	[E_CORECLR] = { "coreclr", ".NET CoreCLR and its RyuJIT" },
	[E_PYPY] = { "pypy", "PyPy, a Python with a tracing JIT" },
	[E_WASMTIME] = { "wasmtime", "Wasmtime, a WebAssembly runtime (Cranelift)" },
	[E_WASMER] = { "wasmer", "Wasmer, a WebAssembly runtime" },
	[E_LLVM] = { "llvm-jit", "LLVM's MCJIT or ORC JIT" },
	[E_PCRE2] = { "pcre2-jit", "PCRE2's JIT, with no interpreter path" },
};

_Static_assert(E_COUNT <= JIT_FINDINGS_MAX, "one finding per engine");

enum how { BY_SONAME, BY_NEEDED, BY_DEFINES, BY_IMPORTS };

struct rule {
	unsigned char engine;	/* enum engine */
	unsigned char how;	/* enum how */
	bool prefix;		/* symbols: NAME is a prefix (libraries: always an fnmatch pattern) */
	bool weak;		/* counts only with another weak rule of the engine */
	const char *name;
	const char *why;
};

#define LIB(e, pat, why) \
	{ e, BY_SONAME, false, false, pat, why }, { e, BY_NEEDED, false, false, pat, why }
#define DEFINES(e, sym, why) { e, BY_DEFINES, false, false, sym, why }
#define DEFINES_PREFIX(e, sym, why) { e, BY_DEFINES, true, false, sym, why }
#define IMPORTS(e, sym, why) { e, BY_IMPORTS, false, false, sym, why }
#define IMPORTS_PREFIX(e, sym, why) { e, BY_IMPORTS, true, false, sym, why }
#define WEAK_DEFINES(e, sym, pre, why) { e, BY_DEFINES, pre, true, sym, why }

/* In order of strength: the first rule that matches gives the evidence shown. */
static const struct rule rules[] = {
	LIB(E_V8, "libnode.so*", "Node.js as a library, with V8 inside"),
	LIB(E_V8, "libv8.so*", "V8"),
	DEFINES_PREFIX(E_V8, "_ZN2v82V8", "v8::V8::, V8's embedding API"),
	DEFINES_PREFIX(E_V8, "_ZN2v87Isolate", "v8::Isolate::"),
	DEFINES_PREFIX(E_V8, "_ZN2v88internal8Compiler", "v8::internal::Compiler::"),

	LIB(E_LUAJIT, "libluajit-5.1.so*", "LuaJIT"),
	DEFINES(E_LUAJIT, "luaJIT_setmode", "LuaJIT's JIT control API"),

	LIB(E_JVM, "libjvm.so", "the Java virtual machine"),
	LIB(E_JVM, "libj9vm*.so", "OpenJ9's virtual machine"),
	LIB(E_JVM, "libjli.so", "the Java launcher library, which loads libjvm.so"),
	DEFINES(E_JVM, "JNI_CreateJavaVM", "the JNI invocation API: a JVM is inside"),
	DEFINES(E_JVM, "JLI_Launch", "the Java launcher, which loads libjvm.so"),

	LIB(E_SPIDERMONKEY, "libmozjs-*.so*", "SpiderMonkey"),
	DEFINES_PREFIX(E_SPIDERMONKEY, "_ZN2js3jit", "js::jit::, SpiderMonkey's JIT"),
	DEFINES_PREFIX(E_SPIDERMONKEY, "_Z13JS_NewContext", "JS_NewContext, SpiderMonkey's embedding API"),

	LIB(E_CORECLR, "libcoreclr.so", ".NET's CoreCLR"),
	LIB(E_CORECLR, "libclrjit.so", ".NET's RyuJIT"),
	DEFINES(E_CORECLR, "coreclr_initialize", "CoreCLR's hosting API"),

	LIB(E_PYPY, "libpypy*-c.so*", "PyPy"),
	DEFINES(E_PYPY, "pypy_setup_home", "PyPy's embedding API"),

	LIB(E_WASMTIME, "libwasmtime.so*", "Wasmtime"),
	WEAK_DEFINES(E_WASMTIME, "wasm_engine_new", false, "the WebAssembly C API"),
	WEAK_DEFINES(E_WASMTIME, "wasmtime_", true, "Wasmtime's C API"),

	LIB(E_WASMER, "libwasmer.so*", "Wasmer"),
	WEAK_DEFINES(E_WASMER, "wasm_engine_new", false, "the WebAssembly C API"),
	WEAK_DEFINES(E_WASMER, "wasmer_", true, "Wasmer's C API"),

	IMPORTS(E_LLVM, "LLVMCreateMCJITCompilerForModule", "creates an LLVM MCJIT"),
	IMPORTS(E_LLVM, "LLVMCreateJITCompilerForModule", "creates an LLVM JIT"),
	IMPORTS_PREFIX(E_LLVM, "LLVMOrc", "LLVM's ORC JIT C API"),
	IMPORTS_PREFIX(E_LLVM, "_ZN4llvm3orc", "llvm::orc::, LLVM's ORC JIT"),
	IMPORTS_PREFIX(E_LLVM, "_ZN4llvm13EngineBuilder", "llvm::EngineBuilder, which creates MCJIT"),
};

size_t jit_engine_count(void)
{
	return E_COUNT;
}

const char *jit_engine_name(size_t i)
{
	return i < E_COUNT ? engines[i].name : NULL;
}

const char *jit_engine_description(size_t i)
{
	return i < E_COUNT ? engines[i].description : NULL;
}

const char *jit_engine_lookup(const char *name, size_t len)
{
	for (size_t i = 0; i < E_COUNT; i++)
		if (strlen(engines[i].name) == len && !memcmp(engines[i].name, name, len))
			return engines[i].name;
	return NULL;
}

/* What matched, per rule: the first item (in file order) and how many. */
struct matches {
	const char *first[ARRAY_SIZE(rules)];	/* points into the string table */
	size_t count[ARRAY_SIZE(rules)];
	/* PCRE2 imports by code unit width (8, 16, 32 → 0, 1, 2) */
	bool pcre2_jit_match[3], pcre2_match[3];
};

static void match_library(struct matches *m, enum how how, const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(rules); i++) {
		if (rules[i].how != how || fnmatch(rules[i].name, name, 0))
			continue;
		if (!m->count[i]++)
			m->first[i] = name;
	}
}

static int pcre2_width(const char *suffix)
{
	if (!strcmp(suffix, "8"))
		return 0;
	if (!strcmp(suffix, "16"))
		return 1;
	if (!strcmp(suffix, "32"))
		return 2;
	return -1;
}

static void match_symbol(struct matches *m, const char *name, bool defined)
{
	enum how how = defined ? BY_DEFINES : BY_IMPORTS;

	/* Cheap first: almost every symbol is none of ours. */
	if (!strchr("_LJlwcpJ", name[0]))
		return;
	for (size_t i = 0; i < ARRAY_SIZE(rules); i++) {
		const struct rule *r = &rules[i];

		if (r->how != how || r->name[0] != name[0])
			continue;
		if (r->prefix ? strncmp(name, r->name, strlen(r->name)) : strcmp(name, r->name))
			continue;
		if (!m->count[i]++)
			m->first[i] = name;
	}
	if (!defined && !strncmp(name, "pcre2_", 6)) {
		int w;

		if (!strncmp(name, "pcre2_jit_match_", 16) && (w = pcre2_width(name + 16)) >= 0)
			m->pcre2_jit_match[w] = true;
		else if (!strncmp(name, "pcre2_match_", 12) && (w = pcre2_width(name + 12)) >= 0)
			m->pcre2_match[w] = true;
		else if (!strncmp(name, "pcre2_dfa_match_", 16) && (w = pcre2_width(name + 16)) >= 0)
			m->pcre2_match[w] = true;
	}
}

static const char *how_verb(enum how how)
{
	switch (how) {
	case BY_SONAME:
		return "is DT_SONAME";
	case BY_NEEDED:
		return "has DT_NEEDED";
	case BY_DEFINES:
		return "defines";
	case BY_IMPORTS:
		return "imports";
	}
	return "?";
}

/* Turn the matches into at most one finding per engine, in engine order. */
static void report(const struct matches *m, struct jit_report *ret)
{
	static const unsigned int widths[] = { 8, 16, 32 };

	ret->n = 0;
	for (unsigned int e = 0; e < E_COUNT; e++) {
		size_t best = SIZE_MAX, total = 0, weak = 0;
		struct jit_finding *f;
		int len;

		for (size_t i = 0; i < ARRAY_SIZE(rules); i++) {
			if (rules[i].engine != e || !m->count[i])
				continue;
			total += m->count[i];
			if (rules[i].weak) {
				weak++;
				continue;
			}
			if (best == SIZE_MAX)
				best = i;
		}
		if (best == SIZE_MAX && weak >= 2)
			for (size_t i = 0; i < ARRAY_SIZE(rules) && best == SIZE_MAX; i++)
				if (rules[i].engine == e && m->count[i])
					best = i;
		if (best == SIZE_MAX)
			continue;
		f = &ret->found[ret->n++];
		f->engine = engines[e].name;
		len = snprintf(f->evidence, sizeof(f->evidence), "%s %s (%s)", how_verb(rules[best].how),
			       m->first[best], rules[best].why);
		if (total > 1 && len > 0 && (size_t)len < sizeof(f->evidence))
			snprintf(f->evidence + len, sizeof(f->evidence) - (size_t)len,
				 ", and %zu more matching name%s", total - 1, total > 2 ? "s" : "");
	}
	for (unsigned int w = 0; w < ARRAY_SIZE(widths); w++) {
		struct jit_finding *f;

		if (!m->pcre2_jit_match[w] || m->pcre2_match[w])
			continue;
		f = &ret->found[ret->n++];
		f->engine = engines[E_PCRE2].name;
		snprintf(f->evidence, sizeof(f->evidence),
			 "imports pcre2_jit_match_%u and neither pcre2_match_%u nor pcre2_dfa_match_%u "
			 "(every match runs JIT-compiled code, with no interpreter to fall back on)",
			 widths[w], widths[w], widths[w]);
		break;
	}
}

/* ---- reading ELF -------------------------------------------------------- */

struct elf {
	int fd;
	__u64 size;
	bool is64, msb;
};

/* Exactly LEN bytes at OFF, which the caller checked lie inside the file. */
static int pread_all(const struct elf *f, void *buf, size_t len, __u64 off)
{
	unsigned char *p = buf;

	while (len) {
		ssize_t r = pread(f->fd, p, len, (off_t)off);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return -EBADMSG;	/* the file shrank under us */
		p += r;
		len -= (size_t)r;
		off += (__u64)r;
	}
	return 0;
}

static __u64 get(const struct elf *f, const unsigned char *p, unsigned int n)
{
	__u64 v = 0;

	for (unsigned int i = 0; i < n; i++)
		v = (v << 8) | p[f->msb ? i : n - 1 - i];
	return v;
}

static bool in_file(const struct elf *f, __u64 off, __u64 len)
{
	return off <= f->size && len <= f->size - off;
}

struct shdr {
	__u32 type, link;
	__u64 offset, size, entsize;
};

static void shdr_decode(const struct elf *f, const unsigned char *p, struct shdr *s)
{
	s->type = (__u32)get(f, p + 4, 4);
	if (f->is64) {
		s->offset = get(f, p + 24, 8);
		s->size = get(f, p + 32, 8);
		s->link = (__u32)get(f, p + 40, 4);
		s->entsize = get(f, p + 56, 8);
	} else {
		s->offset = get(f, p + 16, 4);
		s->size = get(f, p + 20, 4);
		s->link = (__u32)get(f, p + 24, 4);
		s->entsize = get(f, p + 36, 4);
	}
}

/* A string table, whole: section IDX, which must be SHT_STRTAB inside the file. */
static int read_strtab(const struct elf *f, const unsigned char *shdrs, size_t shentsize,
		       size_t shnum, __u32 idx, char **ret, size_t *ret_len, const char **why)
{
	struct shdr s;
	char *buf;
	int r;

	if (idx == 0 || idx >= shnum) {
		*why = "a dynamic table links to a section that does not exist";
		return -EBADMSG;
	}
	shdr_decode(f, shdrs + (size_t)idx * shentsize, &s);
	if (s.type != SHT_STRTAB) {
		*why = "a dynamic table links to a section that is not a string table";
		return -EBADMSG;
	}
	if (!in_file(f, s.offset, s.size)) {
		*why = "the dynamic string table lies past the end of the file";
		return -EBADMSG;
	}
	if (s.size > MAX_STRTAB) {
		*why = "the dynamic string table is over 256 MiB";
		return -EFBIG;
	}
	buf = malloc(s.size + 1);
	if (!buf)
		return -ENOMEM;
	r = pread_all(f, buf, s.size, s.offset);
	if (r) {
		free(buf);
		*why = "the file changed while it was read";
		return r;
	}
	buf[s.size] = '\0';	/* a last string without its NUL ends here */
	*ret = buf;
	*ret_len = s.size;
	return 0;
}

/* The string at OFF of a table of LEN bytes (NUL-terminated by read_strtab), or NULL. */
static const char *str_at(const char *tab, size_t len, __u64 off)
{
	return off < len ? tab + off : NULL;
}

static int scan_dynsym(const struct elf *f, const struct shdr *sym, const char *strtab,
		       size_t strlen_, struct matches *m, const char **why)
{
	size_t esz = f->is64 ? sizeof(Elf64_Sym) : sizeof(Elf32_Sym);
	_cleanup_free_ unsigned char *buf = NULL;
	__u64 n;

	if (sym->entsize != esz) {
		*why = "the dynamic symbol table has a wrong entry size";
		return -EBADMSG;
	}
	if (!in_file(f, sym->offset, sym->size)) {
		*why = "the dynamic symbol table lies past the end of the file";
		return -EBADMSG;
	}
	n = sym->size / esz;
	buf = malloc(SYM_CHUNK * esz);
	if (!buf)
		return -ENOMEM;
	for (__u64 i = 0; i < n; i += SYM_CHUNK) {
		size_t k = n - i < SYM_CHUNK ? (size_t)(n - i) : SYM_CHUNK;
		int r = pread_all(f, buf, k * esz, sym->offset + i * esz);

		if (r) {
			*why = "the file changed while it was read";
			return r;
		}
		for (size_t j = 0; j < k; j++) {
			const unsigned char *p = buf + j * esz;
			__u64 name = get(f, p, 4);
			unsigned char info = f->is64 ? p[4] : p[12];
			__u16 shndx = (__u16)(f->is64 ? get(f, p + 6, 2) : get(f, p + 14, 2));
			const char *s = str_at(strtab, strlen_, name);

			if (!s || !*s || ELF64_ST_BIND(info) == STB_LOCAL)
				continue;
			match_symbol(m, s, shndx != SHN_UNDEF);
		}
	}
	return 0;
}

static int scan_dynamic(const struct elf *f, const struct shdr *dyn, const char *strtab,
			size_t strlen_, struct matches *m, const char **why)
{
	size_t esz = f->is64 ? sizeof(Elf64_Dyn) : sizeof(Elf32_Dyn), half = esz / 2;
	_cleanup_free_ unsigned char *buf = NULL;
	__u64 n;
	int r;

	if (!in_file(f, dyn->offset, dyn->size)) {
		*why = "the dynamic section lies past the end of the file";
		return -EBADMSG;
	}
	n = dyn->size / esz;
	if (n > MAX_DYN)
		n = MAX_DYN;	/* ld.so stops at DT_NULL long before */
	if (!n)
		return 0;
	buf = malloc((size_t)n * esz);
	if (!buf)
		return -ENOMEM;
	r = pread_all(f, buf, (size_t)n * esz, dyn->offset);
	if (r) {
		*why = "the file changed while it was read";
		return r;
	}
	for (size_t i = 0; i < n; i++) {
		__u64 tag = get(f, buf + i * esz, (unsigned int)half);
		__u64 val = get(f, buf + i * esz + half, (unsigned int)half);
		const char *s;

		if (tag == DT_NULL)
			break;
		if (tag != DT_NEEDED && tag != DT_SONAME)
			continue;
		s = str_at(strtab, strlen_, val);
		if (!s) {
			*why = "a DT_NEEDED or DT_SONAME string lies outside the string table";
			return -EBADMSG;
		}
		match_library(m, tag == DT_SONAME ? BY_SONAME : BY_NEEDED, s);
	}
	return 0;
}

int jit_detect_fd(int fd, struct jit_report *ret, const char **ret_reason)
{
	_cleanup_free_ unsigned char *shdrs = NULL;
	_cleanup_free_ char *symstr = NULL, *dynstr = NULL;
	_cleanup_free_ struct matches *m = NULL;
	unsigned char eh[sizeof(Elf64_Ehdr)];
	struct elf f = { .fd = fd };
	struct shdr sym = {}, dyn = {};
	size_t symstr_len = 0, dynstr_len = 0, shentsize, want;
	const char *why = NULL;
	__u64 shoff, shnum;
	struct stat st;
	__u16 type;
	int r;

	ret->n = 0;
	if (fstat(fd, &st))
		return -errno;
	if (!S_ISREG(st.st_mode))
		return 0;
	f.size = (__u64)st.st_size;
	if (f.size < EI_NIDENT)
		return 0;
	r = pread_all(&f, eh, EI_NIDENT, 0);
	if (r)
		return r;
	if (memcmp(eh, ELFMAG, SELFMAG))
		return 0;	/* not ELF: scripts, data */
	if ((eh[EI_CLASS] != ELFCLASS32 && eh[EI_CLASS] != ELFCLASS64) ||
	    (eh[EI_DATA] != ELFDATA2LSB && eh[EI_DATA] != ELFDATA2MSB)) {
		*ret_reason = "malformed ELF (unknown class or byte order)";
		return -EBADMSG;
	}
	f.is64 = eh[EI_CLASS] == ELFCLASS64;
	f.msb = eh[EI_DATA] == ELFDATA2MSB;
	want = f.is64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr);
	if (!in_file(&f, 0, want)) {
		*ret_reason = "malformed ELF (truncated header)";
		return -EBADMSG;
	}
	r = pread_all(&f, eh, want, 0);
	if (r)
		return r;
	type = (__u16)get(&f, eh + 16, 2);
	if (type != ET_EXEC && type != ET_DYN)
		return 0;	/* object files, core dumps: never run or mapped by ld.so */
	shoff = f.is64 ? get(&f, eh + 40, 8) : get(&f, eh + 32, 4);
	shentsize = (size_t)get(&f, eh + (f.is64 ? 58 : 46), 2);
	shnum = get(&f, eh + (f.is64 ? 60 : 48), 2);
	if (!shoff) {
		*ret_reason = "ELF file without section headers: its dynamic symbols were not read";
		return -ENOTSUP;
	}
	if (shentsize != (f.is64 ? sizeof(Elf64_Shdr) : sizeof(Elf32_Shdr))) {
		*ret_reason = "malformed ELF (wrong section header size)";
		return -EBADMSG;
	}
	if (!in_file(&f, shoff, shentsize)) {
		*ret_reason = "malformed ELF (section headers past the end of the file)";
		return -EBADMSG;
	}
	if (shnum == 0) {
		/* Extended numbering: the count is in section 0's sh_size. */
		unsigned char s0[sizeof(Elf64_Shdr)];
		struct shdr s;

		r = pread_all(&f, s0, shentsize, shoff);
		if (r)
			return r;
		shdr_decode(&f, s0, &s);
		shnum = s.size;
	}
	if (shnum > MAX_SHNUM) {
		*ret_reason = "malformed ELF (over 262144 section headers)";
		return -EFBIG;
	}
	if (!in_file(&f, shoff, shnum * shentsize)) {
		*ret_reason = "malformed ELF (section headers past the end of the file)";
		return -EBADMSG;
	}
	shdrs = malloc((size_t)shnum * shentsize);
	m = calloc(1, sizeof(*m));
	if (!shdrs || !m)
		return -ENOMEM;
	r = pread_all(&f, shdrs, (size_t)shnum * shentsize, shoff);
	if (r)
		return r;
	for (size_t i = 0; i < shnum; i++) {
		struct shdr s;

		shdr_decode(&f, shdrs + i * shentsize, &s);
		if (s.type == SHT_DYNSYM && !sym.type)
			sym = s;
		else if (s.type == SHT_DYNAMIC && !dyn.type)
			dyn = s;
	}
	if (sym.type) {
		r = read_strtab(&f, shdrs, shentsize, (size_t)shnum, sym.link, &symstr, &symstr_len, &why);
		if (!r)
			r = scan_dynsym(&f, &sym, symstr, symstr_len, m, &why);
		if (r)
			goto fail;
	}
	/*
	 * A dynamic section linked to no string table has no names to give
	 * (Guile's .go files are ELF with such a section, for Guile's own
	 * loader): nothing to match, and nothing ld.so would load.
	 */
	if (dyn.type && dyn.link) {
		if (sym.type && dyn.link == sym.link) {
			r = scan_dynamic(&f, &dyn, symstr, symstr_len, m, &why);
		} else {
			r = read_strtab(&f, shdrs, shentsize, (size_t)shnum, dyn.link, &dynstr, &dynstr_len, &why);
			if (!r)
				r = scan_dynamic(&f, &dyn, dynstr, dynstr_len, m, &why);
		}
		if (r)
			goto fail;
	}
	report(m, ret);
	return (int)ret->n;
fail:
	if (why)
		*ret_reason = why;
	else if (r == -ENOMEM)
		*ret_reason = "out of memory";
	else
		*ret_reason = "unreadable";
	return r;
}

int jit_detect_path(const char *path, struct jit_report *ret, const char **ret_reason)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);

	if (fd < 0)
		return -errno;
	return jit_detect_fd(fd, ret, ret_reason);
}
