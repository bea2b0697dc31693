// SPDX-License-Identifier: GPL-2.0
/* nojit vk build: wasm -> C -> one signed static megabinary (vk_build.h). */
#include <ctype.h>
#include <elf.h>
#include <fcntl.h>
#include <ftw.h>
#include <spawn.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sodium.h>

#include "vk_build.h"
#include "vk_wasm.h"

extern char **environ;

#define WASM_MAX_SIZE	(256u << 20)
#define SCRIPT_MAX_SIZE	(256u << 20)
/* The import modules the vkernel runtime implements. */
static const char *const provided_imports[] = { "wasi_snapshot_preview1", "nojit" };

struct work {
	char dir[4096];
	const struct vk_build_opts *o;
	uint8_t (*wasm_sha256)[32];
	/* Per module: which provided import modules its instantiate takes, in order. */
	int (*imports)[ARRAY_SIZE(provided_imports)];
	int *n_imports;
	/* The SHA-256 of every --script, ascending, no duplicates. */
	uint8_t (*codes)[32];
	uint32_t n_codes;
};

static int path_fmt(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int path_fmt(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

/* Start ARGV; its stdout/stderr are the user's, so tool errors show as they are. */
static int spawn_tool(char *const argv[], pid_t *pid, struct nojit_err *err)
{
	int r = posix_spawnp(pid, argv[0], NULL, NULL, argv, environ);

	if (r)
		return nojit_err_set(err, -r, "cannot run %s: %s", argv[0], strerror(r));
	return 0;
}

static int wait_tool(pid_t pid, const char *what, struct nojit_err *err)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return nojit_err_set(err, -errno, "waiting for %s: %s", what, strerror(errno));
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFEXITED(status))
		return nojit_err_set(err, -EINVAL, "%s failed (exit %d)", what, WEXITSTATUS(status));
	return nojit_err_set(err, -EINTR, "%s killed by signal %d", what, WTERMSIG(status));
}

static int run_tool(char *const argv[], const char *what, struct nojit_err *err)
{
	pid_t pid;
	int r = spawn_tool(argv, &pid, err);

	return r ? r : wait_tool(pid, what, err);
}

static int read_all(int fd, uint8_t **buf, size_t *len, size_t max, const char *name,
		    struct nojit_err *err)
{
	struct stat st;
	size_t off = 0;

	if (fstat(fd, &st))
		return nojit_err_set(err, -errno, "%s: %s", name, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return nojit_err_set(err, -EINVAL, "%s: not a regular file", name);
	if ((uint64_t)st.st_size > max)
		return nojit_err_set(err, -EFBIG, "%s: %lld bytes, more than the %zu allowed", name,
				     (long long)st.st_size, max);
	*buf = malloc(st.st_size ? st.st_size : 1);
	if (!*buf)
		return nojit_err_set(err, -ENOMEM, "out of memory");
	while (off < (size_t)st.st_size) {
		ssize_t n = read(fd, *buf + off, st.st_size - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			free(*buf);
			*buf = NULL;
			return nojit_err_set(err, n < 0 ? -errno : -EIO, "%s: read failed", name);
		}
		off += n;
	}
	*len = off;
	return 0;
}

/*
 * Copy module I into the work directory and hash the copy's bytes: the
 * hash in the trailer is then of exactly what wasm2c translates, even if
 * the source file changes while we build.
 */
static int stage_module(struct work *w, size_t i, struct nojit_err *err)
{
	const struct vk_build_module *m = &w->o->modules[i];
	static const uint8_t magic[8] = { 0, 'a', 's', 'm', 1, 0, 0, 0 };
	_cleanup_close_ int fd = -1;
	_cleanup_free_ uint8_t *buf = NULL;
	char path[4096];
	size_t len;
	int r;

	fd = open(m->path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return nojit_err_set(err, -errno, "%s: %s", m->path, strerror(errno));
	r = read_all(fd, &buf, &len, WASM_MAX_SIZE, m->path, err);
	if (r)
		return r;
	if (len < sizeof(magic) || memcmp(buf, magic, sizeof(magic)))
		return nojit_err_set(err, -ENOEXEC, "%s: not a WebAssembly binary module (version 1)",
				     m->path);
	r = vk_wasm_check_interface(buf, len, m->path, err);
	if (r)
		return r;
	crypto_hash_sha256(w->wasm_sha256[i], buf, len);
	if (path_fmt(path, sizeof(path), "%s/m%zu.wasm", w->dir, i))
		return nojit_err_set(err, -ENAMETOOLONG, "work directory path too long");
	return write_file_atomic(path, buf, len, 0600, err);
}

static int cmp_hash(const void *a, const void *b)
{
	return memcmp(a, b, 32);
}

/*
 * Hash every script given (read once, the hash is of the bytes read),
 * sorted and without duplicates, as the trailer's code list wants it.
 */
static int hash_scripts(struct work *w, struct nojit_err *err)
{
	const struct vk_build_opts *o = w->o;
	uint32_t n = 0;

	if (o->n_scripts > VK_MAX_CODES)
		return nojit_err_set(err, -E2BIG, "%zu scripts; a megabinary lists at most %d",
				     o->n_scripts, VK_MAX_CODES);
	for (size_t i = 0; i < o->n_scripts; i++) {
		_cleanup_close_ int fd = -1;
		_cleanup_free_ uint8_t *buf = NULL;
		size_t len;
		int r;

		fd = open(o->scripts[i], O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
		if (fd < 0)
			return nojit_err_set(err, -errno, "%s: %s", o->scripts[i], strerror(errno));
		r = read_all(fd, &buf, &len, SCRIPT_MAX_SIZE, o->scripts[i], err);
		if (r)
			return r;
		crypto_hash_sha256(w->codes[i], buf, len);
	}
	qsort(w->codes, o->n_scripts, 32, cmp_hash);
	for (size_t i = 0; i < o->n_scripts; i++)
		if (!n || memcmp(w->codes[n - 1], w->codes[i], 32))
			memmove(w->codes[n++], w->codes[i], 32);
	w->n_codes = n;
	return 0;
}

/* A wasm2c import or export comment naming plain identifiers and nothing else. */
static bool plain_comment(const char *line)
{
	const char *p = line + 10;
	int quoted = 0;

	while (*p == ' ' || *p == '\'') {
		const char *q;

		if (*p++ == ' ')
			continue;
		for (q = p; (*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') ||
			    (*q >= '0' && *q <= '9') || *q == '_'; q++)
			;
		if (q == p || *q != '\'')
			return false;
		p = q + 1;
		quoted++;
	}
	return quoted == (line[3] == 'i' ? 2 : 1) && !strcmp(p, "*/\n");
}

static int find_import(const char *mangled)
{
	for (size_t k = 0; k < ARRAY_SIZE(provided_imports); k++) {
		char want[128];

		snprintf(want, sizeof(want), "struct Z_%s_instance_t*", provided_imports[k]);
		if (!strcmp(mangled, want))
			return k;
	}
	return -1;
}

/*
 * Read what wasm2c declared for module I: the import modules its
 * instantiate function takes (each must be one the runtime provides), the
 * two exports a WASI command has, and MEM, the instance member wasm2c
 * named the module's memory (after the memory's name in the name section,
 * or its first export).
 */
static int scan_header(struct work *w, size_t i, char mem[256], struct nojit_err *err)
{
	static const char mem_decl[] = "  wasm_rt_memory_t ";
	const char *name = w->o->modules[i].path;
	char path[4096], line[1024], proto[64], start[64], memory[64];
	bool have_start = false, have_memory = false, have_inst = false, unknown_instance = false;
	_cleanup_fclose_ FILE *f = NULL;
	char bad_import[520] = "";
	size_t mems = 0;

	snprintf(proto, sizeof(proto), "void Z_m%zu_instantiate(", i);
	snprintf(start, sizeof(start), "void Z_m%zuZ__start(", i);
	snprintf(memory, sizeof(memory), "wasm_rt_memory_t* Z_m%zuZ_memory(", i);
	if (path_fmt(path, sizeof(path), "%s/m%zu.h", w->dir, i))
		return nojit_err_set(err, -ENAMETOOLONG, "work directory path too long");
	f = fopen(path, "re");
	if (!f)
		return nojit_err_set(err, -errno, "%s: %s", path, strerror(errno));
	mem[0] = '\0';
	while (fgets(line, sizeof(line), f)) {
		const char *id = line + strlen(mem_decl);
		char mod[256], fn[256];
		size_t len;

		if (!strncmp(line, "/* import:", 10) || !strncmp(line, "/* export:", 10)) {
			/* The names were checked in the wasm; this is the second look. */
			if (!plain_comment(line))
				return nojit_err_set(err, -EINVAL, "%s: unexpected wasm2c output: %.80s",
						     name, line);
		}
		if (sscanf(line, "/* import: '%255[^']' '%255[^']' */", mod, fn) == 2) {
			bool ok = false;

			for (size_t k = 0; k < ARRAY_SIZE(provided_imports); k++)
				ok |= !strcmp(mod, provided_imports[k]);
			if (!ok && !bad_import[0])
				snprintf(bad_import, sizeof(bad_import), "%s.%s", mod, fn);
		} else if (!strncmp(line, proto, strlen(proto))) {
			char *p = line + strlen(proto), *end = strchr(p, ')'), *arg;

			if (!end)
				return nojit_err_set(err, -EINVAL, "%s: cannot parse %s", path, line);
			*end = '\0';
			strsep(&p, ",");	/* the module's own instance */
			while ((arg = strsep(&p, ","))) {
				int k;

				while (*arg == ' ')
					arg++;
				k = find_import(arg);
				if (k < 0 || w->n_imports[i] >= (int)ARRAY_SIZE(provided_imports))
					unknown_instance = true;
				else
					w->imports[i][w->n_imports[i]++] = k;
			}
			if (have_inst)
				return nojit_err_set(err, -EINVAL, "%s: two instantiate functions in wasm2c's output",
						     name);
			have_inst = true;
		} else if (!strncmp(line, start, strlen(start))) {
			have_start = true;
		} else if (!strncmp(line, memory, strlen(memory))) {
			have_memory = true;
		} else if (!strncmp(line, mem_decl, strlen(mem_decl)) &&
			   (len = strspn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")) &&
			   len < 256 && !strcmp(id + len, ";\n")) {
			memcpy(mem, id, len);
			mem[len] = '\0';
			mems++;
		}
	}
	if (mems > 1)
		return nojit_err_set(err, -EINVAL, "%s: more than one memory", name);
	/* Named by the import itself, which wasm2c declares after instantiate. */
	if (bad_import[0] || unknown_instance)
		return nojit_err_set(err, -ENOENT,
				     "%s imports %s; the vkernel provides only wasi_snapshot_preview1 and nojit",
				     name, bad_import[0] ? bad_import : "from an unknown module");
	if (!have_inst)
		return nojit_err_set(err, -EINVAL, "%s: no instantiate function in wasm2c's output", name);
	if (!have_start || !have_memory)
		return nojit_err_set(err, -ENOEXEC,
				     "%s: not a WASI command module (it must export \"_start\" and \"memory\")",
				     name);
	return 0;
}

static int write_registry(struct work *w, struct nojit_err *err)
{
	const struct vk_build_opts *o = w->o;
	_cleanup_fclose_ FILE *f = NULL;
	char path[4096];

	if (path_fmt(path, sizeof(path), "%s/vk_registry.c", w->dir))
		return nojit_err_set(err, -ENAMETOOLONG, "work directory path too long");
	f = fopen(path, "we");
	if (!f)
		return nojit_err_set(err, -errno, "%s: %s", path, strerror(errno));
	fprintf(f, "/* Generated by nojit vk build. */\n#include \"vk_module.h\"\n"
		   "#include \"self_check.h\"\n");
	for (size_t i = 0; i < o->n_modules; i++)
		fprintf(f, "#include \"m%zu.h\"\n", i);
	for (size_t i = 0; i < o->n_modules; i++) {
		fprintf(f, "static void m%zu_init(void) { Z_m%zu_init_module(); }\n", i, i);
		fprintf(f, "static void m%zu_inst(void *i, struct vk_guest *g) { (void)g; Z_m%zu_instantiate(i",
			i, i);
		for (int k = 0; k < w->n_imports[i]; k++)
			fprintf(f, ", (struct Z_%s_instance_t *)g", provided_imports[w->imports[i][k]]);
		fprintf(f, "); }\n");
		fprintf(f, "static void m%zu_start(void *i) { Z_m%zuZ__start(i); }\n", i, i);
		fprintf(f, "static void m%zu_free(void *i) { Z_m%zu_free(i); }\n", i, i);
		fprintf(f, "static wasm_rt_memory_t *m%zu_mem(void *i) { return Z_m%zuZ_memory(i); }\n",
			i, i);
	}
	fprintf(f, "const struct vk_module vk_modules[] = {\n");
	for (size_t i = 0; i < o->n_modules; i++) {
		fprintf(f, "\t{ \"%s\", {", o->modules[i].name);
		for (int b = 0; b < 32; b++)
			fprintf(f, "%s0x%02x", b ? "," : "", w->wasm_sha256[i][b]);
		fprintf(f, "}, sizeof(Z_m%zu_instance_t), m%zu_init, m%zu_inst, m%zu_start, m%zu_free, m%zu_mem },\n",
			i, i, i, i, i, i);
	}
	fprintf(f, "};\nconst size_t vk_n_modules = %zu;\n", o->n_modules);
	fprintf(f, "const uint8_t vk_trusted_keys[][32] = {\n");
	for (size_t k = 0; k < o->embed->n_keys; k++) {
		fprintf(f, "\t{");
		for (int b = 0; b < 32; b++)
			fprintf(f, "%s0x%02x", b ? "," : "", o->embed->keys[k].pk[b]);
		fprintf(f, "}, /* key %s */\n", o->embed->keys[k].id);
	}
	fprintf(f, "};\nconst size_t vk_n_trusted_keys = %zu;\n", o->embed->n_keys);
	if (fflush(f) || ferror(f))
		return nojit_err_set(err, -EIO, "%s: write failed", path);
	return 0;
}

/*
 * The rewrites wasm2c 1.0.32's output gets, line by line:
 *
 * - It writes the label at the end of a try as "$T<n>:;" but a branch to
 *   it as "goto w2c_T<n>;" (clang's setjmp lowering branches there), so
 *   the C does not compile. Rename exactly those label lines; anything
 *   else that is wrong still fails in cc.
 * - Its loads and stores take the memory object and read its data
 *   pointer at every access; they take that pointer instead, read once
 *   per function (vk_mem.h says why and why it cannot move).
 */
static const char prologue[] = "  FUNC_PROLOGUE;\n";
static const char first_load[] = "DEFINE_LOAD(i32_load, u32, u32, u32)\n";

/* Whether the identifier that ends at P in LINE is one of wasm2c's loads or stores. */
static bool names_access(const char *line, const char *p)
{
	const char *q = p;

	while (q > line && (isalnum((unsigned char)q[-1]) || q[-1] == '_'))
		q--;
	if (p - q < 8 || (strncmp(q, "i32_", 4) && strncmp(q, "i64_", 4) &&
			  strncmp(q, "f32_", 4) && strncmp(q, "f64_", 4)))
		return false;
	return !strncmp(q + 4, "load", 4) || !strncmp(q + 4, "store", 5);
}

static void put_accesses(FILE *out, const char *line, const char *mem_arg, size_t *n)
{
	const char *p;

	while ((p = strstr(line, mem_arg))) {
		bool access = names_access(line, p);

		fwrite(line, 1, (size_t)(p - line), out);
		fputs(access ? "(vk_base, " : mem_arg, out);
		*n += access;
		line = p + strlen(mem_arg);
	}
	fputs(line, out);
}

/* MEM: the memory's instance member (scan_header()), empty if none. */
static int rewrite_c(struct work *w, size_t i, const char *mem, struct nojit_err *err)
{
	_cleanup_fclose_ FILE *in = NULL, *out = NULL;
	_cleanup_free_ char *line = NULL;
	char path[4096], tmp[4096], mem_arg[300];
	size_t cap = 0, prologues = 0, accesses = 0, defines = 0;
	ssize_t n;

	snprintf(mem_arg, sizeof(mem_arg), "(&instance->%s, ", mem);
	if (path_fmt(path, sizeof(path), "%s/m%zu.c", w->dir, i) ||
	    path_fmt(tmp, sizeof(tmp), "%s/m%zu.c.tmp", w->dir, i))
		return nojit_err_set(err, -ENAMETOOLONG, "work directory path too long");
	in = fopen(path, "re");
	out = fopen(tmp, "we");
	if (!in || !out)
		return nojit_err_set(err, -errno, "%s: %s", in ? tmp : path, strerror(errno));
	while ((n = getline(&line, &cap, in)) > 0) {
		size_t sp = strspn(line, " "), d = 0;

		if (!strncmp(line + sp, "$T", 2))
			d = strspn(line + sp + 2, "0123456789");
		if (d && !strcmp(line + sp + 2 + d, ":;\n")) {
			fprintf(out, "%.*sw2c_T%s", (int)sp, line, line + sp + 2);
		} else if (mem[0] && !strcmp(line, prologue)) {
			fprintf(out, "%s  const vk_base_t vk_base = { instance->%s.data };\n", line, mem);
			prologues++;
		} else if (!strcmp(line, first_load)) {
			fputs("#undef DEFINE_LOAD\n#undef DEFINE_STORE\n"
			      "#define DEFINE_LOAD VK_DEFINE_LOAD\n#define DEFINE_STORE VK_DEFINE_STORE\n",
			      out);
			fputs(line, out);
			defines++;
		} else {
			put_accesses(out, line, mem_arg, &accesses);
		}
	}
	if (ferror(in) || fflush(out) || ferror(out))
		return nojit_err_set(err, -EIO, "%s: rewriting failed", path);
	if (defines != 1 || (accesses && !prologues))
		return nojit_err_set(err, -EPROTO,
				     "%s: wasm2c's output is not of the form nojit rewrites (%zu load definitions, %zu accesses, %zu functions; wabt 1.0.32 expected)",
				     w->o->modules[i].path, defines, accesses, prologues);
	if (rename(tmp, path))
		return nojit_err_set(err, -errno, "%s: %s", path, strerror(errno));
	return 0;
}

/* wasm2c every module; at most two translations or compilations run at once. */
static int translate(struct work *w, struct nojit_err *err)
{
	for (size_t i = 0; i < w->o->n_modules; i++) {
		char in[4096], out[4096], modname[32], what[512], mem[256];
		char *argv[] = { "wasm2c", "--enable-exceptions", in, "-n", modname, "-o", out, NULL };
		int r;

		snprintf(modname, sizeof(modname), "m%zu", i);
		if (path_fmt(in, sizeof(in), "%s/m%zu.wasm", w->dir, i) ||
		    path_fmt(out, sizeof(out), "%s/m%zu.c", w->dir, i))
			return nojit_err_set(err, -ENAMETOOLONG, "work directory path too long");
		snprintf(what, sizeof(what), "wasm2c on %s (invalid module?)", w->o->modules[i].path);
		r = run_tool(argv, what, err);
		if (!r)
			r = scan_header(w, i, mem, err);
		if (!r)
			r = rewrite_c(w, i, mem, err);
		if (r)
			return r;
	}
	return 0;
}

/* The flags every module's C is compiled with (part of the object cache's key). */
#define CC_FLAGS "-O2", "-std=gnu11", "-fPIE", "-w"

/* Run ARGV with its stdout into the file OUT. */
static int run_tool_to(char *const argv[], const char *out, const char *what,
		       struct nojit_err *err)
{
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int r;

	r = posix_spawn_file_actions_init(&fa);
	if (!r)
		r = posix_spawn_file_actions_addopen(&fa, 1, out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (!r)
		r = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (r)
		return nojit_err_set(err, -r, "cannot run %s: %s", argv[0], strerror(r));
	return wait_tool(pid, what, err);
}

static int read_path(const char *path, uint8_t **buf, size_t *len, struct nojit_err *err)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return nojit_err_set(err, -errno, "%s: %s", path, strerror(errno));
	return read_all(fd, buf, len, SIZE_MAX, path, err);
}

/*
 * The object cache (--object-cache): a module's object is reused when the
 * compiler (its --version), the flags and the preprocessed C are the same,
 * and that preprocessed C is exactly what a miss compiles, so the key is
 * of everything the object depends on. Whoever can write the cache can
 * put native code into every image signed afterwards, so the directory and
 * each object must belong to us and be writable by nobody else.
 */
static int cache_key(struct work *w, size_t i, char key[65], struct nojit_err *err)
{
	char in[4096], pre[4096], ver[4096], inc[4096], map[4200];
	/* assert() names the file: the random work directory must not reach the key. */
	char *cpp[] = { "cc", "-E", "-P", "-std=gnu11", map, "-I", (char *)w->o->runtime_dir,
			"-I", inc, "-include", "vk_eh.h", "-include", "vk_mem.h", in, "-o", pre, NULL };
	char *version[] = { "cc", "--version", NULL };
	static const char *const flags[] = { CC_FLAGS };
	crypto_hash_sha256_state st;
	_cleanup_free_ uint8_t *v = NULL, *c = NULL;
	uint8_t digest[32];
	size_t vlen, clen;
	int r;

	if (path_fmt(in, sizeof(in), "%s/m%zu.c", w->dir, i) ||
	    path_fmt(pre, sizeof(pre), "%s/m%zu.i", w->dir, i) ||
	    path_fmt(ver, sizeof(ver), "%s/cc-version", w->dir) ||
	    path_fmt(inc, sizeof(inc), "%s", w->dir) ||
	    path_fmt(map, sizeof(map), "-fmacro-prefix-map=%s=vk", w->dir))
		return nojit_err_set(err, -ENAMETOOLONG, "work directory path too long");
	r = run_tool(cpp, "cc -E on a module's C", err);
	if (!r)
		r = run_tool_to(version, ver, "cc --version", err);
	if (!r)
		r = read_path(ver, &v, &vlen, err);
	if (!r)
		r = read_path(pre, &c, &clen, err);
	if (r)
		return r;
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const uint8_t *)"nojit-vk-object-v1\n", 19);
	crypto_hash_sha256_update(&st, v, vlen);
	for (size_t f = 0; f < ARRAY_SIZE(flags); f++)
		crypto_hash_sha256_update(&st, (const uint8_t *)flags[f], strlen(flags[f]) + 1);
	crypto_hash_sha256_update(&st, c, clen);
	crypto_hash_sha256_final(&st, digest);
	hex_encode(digest, sizeof(digest), key);
	return 0;
}

static int cache_entry_trusted(int fd, const char *name, struct nojit_err *err)
{
	struct stat st;

	if (fstat(fd, &st))
		return nojit_err_set(err, -errno, "%s: %s", name, strerror(errno));
	if (st.st_uid != geteuid() || (st.st_mode & 022))
		return nojit_err_set(err, -EPERM,
				     "%s: not ours or writable by others; its objects would be linked into signed images",
				     name);
	return 0;
}

/* 1 and the object in place when the cache has it, 0 on a miss, or -errno. */
static int cache_fetch(struct work *w, size_t i, const char *key, struct nojit_err *err)
{
	_cleanup_close_ int dfd = -1, fd = -1;
	_cleanup_free_ uint8_t *obj = NULL;
	char name[80], out[4096];
	size_t len;
	int r;

	dfd = open(w->o->object_cache, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (dfd < 0)
		return nojit_err_set(err, -errno, "object cache %s: %s", w->o->object_cache,
				     strerror(errno));
	r = cache_entry_trusted(dfd, w->o->object_cache, err);
	if (r)
		return r;
	snprintf(name, sizeof(name), "%s.o", key);
	fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0)
		return errno == ENOENT ? 0 : nojit_err_set(err, -errno, "object cache %s/%s: %s",
							   w->o->object_cache, name, strerror(errno));
	r = cache_entry_trusted(fd, name, err);
	if (!r)
		r = read_all(fd, &obj, &len, SIZE_MAX, name, err);
	if (!r && path_fmt(out, sizeof(out), "%s/m%zu.o", w->dir, i))
		r = nojit_err_set(err, -ENAMETOOLONG, "work directory path too long");
	if (!r)
		r = write_file_atomic(out, obj, len, 0600, err);
	return r ? r : 1;
}

static int cache_store(struct work *w, size_t i, const char *key, struct nojit_err *err)
{
	_cleanup_free_ uint8_t *obj = NULL;
	char in[4096], out[4096];
	size_t len;
	int r;

	if (path_fmt(in, sizeof(in), "%s/m%zu.o", w->dir, i) ||
	    path_fmt(out, sizeof(out), "%s/%s.o", w->o->object_cache, key))
		return nojit_err_set(err, -ENAMETOOLONG, "object cache path too long");
	r = read_path(in, &obj, &len, err);
	return r ? r : write_file_atomic(out, obj, len, 0600, err);
}

/* SRC.c, or SRC.i when the object cache preprocessed it (the bytes keyed). */
static int compile_one(struct work *w, const char *src, bool pre, pid_t *pid,
		       struct nojit_err *err)
{
	char in[4096], out[4096], inc[4096];
	static char *const flags[] = { CC_FLAGS };
	char *argv[ARRAY_SIZE(flags) + 14];
	size_t a = 0;

	argv[a++] = "cc";
	for (size_t f = 0; f < ARRAY_SIZE(flags); f++)
		argv[a++] = flags[f];
	argv[a++] = "-I";
	argv[a++] = (char *)w->o->runtime_dir;
	argv[a++] = "-I";
	argv[a++] = inc;
	/* vk_eh.h replaces wasm2c's unwind targets (wabt 1.0.32's are unsafe),
	 * vk_mem.h its memory accessors; a preprocessed file has both already. */
	if (!pre) {
		argv[a++] = "-include";
		argv[a++] = "vk_eh.h";
		argv[a++] = "-include";
		argv[a++] = "vk_mem.h";
	}
	argv[a++] = "-c";
	argv[a++] = in;
	argv[a++] = "-o";
	argv[a++] = out;
	argv[a] = NULL;

	if (path_fmt(in, sizeof(in), "%s/%s.%s", w->dir, src, pre ? "i" : "c") ||
	    path_fmt(out, sizeof(out), "%s/%s.o", w->dir, src) ||
	    path_fmt(inc, sizeof(inc), "%s", w->dir))
		return nojit_err_set(err, -ENAMETOOLONG, "work directory path too long");
	return spawn_tool(argv, pid, err);
}

static int compile(struct work *w, struct nojit_err *err)
{
	size_t n = w->o->n_modules + 1;
	pid_t running[2] = { 0, 0 };
	char what[2][64];
	_cleanup_free_ char (*keys)[65] = calloc(n, 65);
	_cleanup_free_ int *cached = calloc(n, sizeof(int));
	int r = 0;

	if (!keys || !cached)
		return nojit_err_set(err, -ENOMEM, "out of memory");
	for (size_t i = 0; w->o->object_cache && i < n - 1 && !r; i++) {
		r = cache_key(w, i, keys[i], err);
		if (!r)
			r = cached[i] = cache_fetch(w, i, keys[i], err);
		r = r < 0 ? r : 0;
	}
	for (size_t i = 0; i <= n && !r; i++) {
		size_t slot = i % 2;
		char src[32];

		if (running[slot]) {
			r = wait_tool(running[slot], what[slot], err);
			running[slot] = 0;
		}
		if (r || i == n || (i < n - 1 && cached[i] > 0))
			continue;
		if (i == n - 1)
			snprintf(src, sizeof(src), "vk_registry");
		else
			snprintf(src, sizeof(src), "m%zu", i);
		snprintf(what[slot], sizeof(what[slot]), "cc on the C of %s",
			 i == n - 1 ? "the module registry" : w->o->modules[i].name);
		r = compile_one(w, src, i < n - 1 && w->o->object_cache, &running[slot], err);
	}
	for (size_t s = 0; s < 2; s++)
		if (running[s]) {
			struct nojit_err ignored;

			if (r)
				wait_tool(running[s], what[s], &ignored);
			else
				r = wait_tool(running[s], what[s], err);
		}
	for (size_t i = 0; w->o->object_cache && i < n - 1 && !r; i++)
		if (!cached[i])
			r = cache_store(w, i, keys[i], err);
	return r;
}

static int link_image(struct work *w, struct nojit_err *err)
{
	size_t n = w->o->n_modules, argc = 0;
	_cleanup_free_ char **argv = calloc(n + 24, sizeof(*argv));
	_cleanup_free_ char *objs = calloc(n + 1, 4096);
	char out[4096], lib[4096];

	if (!argv || !objs)
		return nojit_err_set(err, -ENOMEM, "out of memory");
	if (path_fmt(out, sizeof(out), "%s/app", w->dir) ||
	    path_fmt(lib, sizeof(lib), "%s/libvkernel.a", w->o->runtime_dir))
		return nojit_err_set(err, -ENAMETOOLONG, "path too long");
	if (access(lib, R_OK))
		return nojit_err_set(err, -errno, "vkernel runtime %s: %s (see --runtime)", lib,
				     strerror(errno));
	argv[argc++] = "cc";
	argv[argc++] = "-static-pie";
	argv[argc++] = "-Wl,-z,noexecstack,-z,relro,-z,now";
	argv[argc++] = "-o";
	argv[argc++] = out;
	for (size_t i = 0; i <= n; i++) {
		char *o = objs + i * 4096;

		if (i < n ? path_fmt(o, 4096, "%s/m%zu.o", w->dir, i) :
			    path_fmt(o, 4096, "%s/vk_registry.o", w->dir))
			return nojit_err_set(err, -ENAMETOOLONG, "work directory path too long");
		argv[argc++] = o;
	}
	argv[argc++] = lib;
	argv[argc++] = "-lwasm-rt-impl";
	argv[argc++] = "-ljson-c";	/* the runtime's manifest parser (--manifest) */
	argv[argc++] = "-lsodium";
	argv[argc++] = "-lm";
	return run_tool(argv, "linking the megabinary (does a module use an import the vkernel lacks?)",
			err);
}

int vk_check_segments(int fd, const char *name, struct nojit_err *err)
{
	Elf64_Ehdr eh;
	bool stack_seen = false;

	if (pread(fd, &eh, sizeof(eh), 0) != sizeof(eh) || memcmp(eh.e_ident, ELFMAG, SELFMAG) ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_phentsize != sizeof(Elf64_Phdr))
		return nojit_err_set(err, -ENOEXEC, "%s: not a 64-bit ELF", name);
	for (unsigned int i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;

		if (pread(fd, &ph, sizeof(ph), eh.e_phoff + (off_t)i * sizeof(ph)) != sizeof(ph))
			return nojit_err_set(err, -ENOEXEC, "%s: truncated program headers", name);
		if (ph.p_type == PT_GNU_STACK) {
			stack_seen = true;
			if (ph.p_flags & PF_X)
				return nojit_err_set(err, -EPERM, "%s: asks for an executable stack", name);
		}
		if (ph.p_type == PT_LOAD && (ph.p_flags & PF_W) && (ph.p_flags & PF_X))
			return nojit_err_set(err, -EPERM,
					     "%s: segment %u is writable and executable", name, i);
	}
	/* Without PT_GNU_STACK the kernel gives an executable stack on x86-64. */
	if (!stack_seen)
		return nojit_err_set(err, -EPERM, "%s: no PT_GNU_STACK (executable stack)", name);
	return 0;
}

static int seal(struct work *w, struct vk_trailer *t, struct nojit_err *err)
{
	const struct vk_build_opts *o = w->o;
	_cleanup_free_ uint8_t *img = NULL;
	_cleanup_close_ int fd = -1;
	char path[4096];
	size_t len;
	int r;

	if (path_fmt(path, sizeof(path), "%s/app", w->dir))
		return nojit_err_set(err, -ENAMETOOLONG, "work directory path too long");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return nojit_err_set(err, -errno, "%s: %s", path, strerror(errno));
	r = vk_check_segments(fd, "linked megabinary", err);
	if (r)
		return r;
	r = read_all(fd, &img, &len, SIZE_MAX, path, err);
	if (r)
		return r;
	memset(t, 0, sizeof(*t));
	/* Without listed code, version 1: what every verifier reads. */
	t->version = w->n_codes ? VK_TRAILER_VERSION_CODES : VK_TRAILER_VERSION;
	t->n_modules = o->n_modules;
	t->n_codes = w->n_codes;
	memcpy(t->codes, w->codes, (size_t)w->n_codes * 32);
	t->image_len = len;
	crypto_hash_sha256(t->image_sha256, img, len);
	for (size_t i = 0; i < o->n_modules; i++) {
		snprintf(t->modules[i].name, VK_NAME_MAX, "%s", o->modules[i].name);
		memcpy(t->modules[i].wasm_sha256, w->wasm_sha256[i], 32);
	}
	r = vk_trailer_sign(t, o->key);
	if (r)
		return nojit_err_set(err, r, "signing the trailer failed");
	{
		_cleanup_free_ uint8_t *all = malloc(len + vk_trailer_len(t) + VK_FOOTER_LEN);

		if (!all)
			return nojit_err_set(err, -ENOMEM, "out of memory");
		memcpy(all, img, len);
		len += vk_trailer_encode(t, all + len);
		return write_file_atomic(o->output, all, len, 0755, err);
	}
}

static int rm_entry(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(p);
}

int vk_build(const struct vk_build_opts *o, struct vk_trailer *t, struct nojit_err *err)
{
	uint8_t (*hashes)[32] = calloc(o->n_modules, 32);
	int (*imports)[ARRAY_SIZE(provided_imports)] = calloc(o->n_modules, sizeof(*imports));
	int *n_imports = calloc(o->n_modules, sizeof(int));
	uint8_t (*codes)[32] = calloc(o->n_scripts ? o->n_scripts : 1, 32);
	struct work w = { .o = o, .wasm_sha256 = hashes, .imports = imports, .n_imports = n_imports,
			  .codes = codes };
	const char *tmp = getenv("TMPDIR");
	bool signer_embedded = false;
	int r = 0;

	if (!hashes || !imports || !n_imports || !codes) {
		r = nojit_err_set(err, -ENOMEM, "out of memory");
		goto out_free;
	}
	if (o->n_modules < 1 || o->n_modules > VK_MAX_MODULES) {
		r = nojit_err_set(err, -EINVAL, "%zu modules; a megabinary holds 1 to %d",
				  o->n_modules, VK_MAX_MODULES);
		goto out_free;
	}
	for (size_t i = 0; i < o->n_modules; i++) {
		if (!vk_name_valid(o->modules[i].name)) {
			r = nojit_err_set(err, -EINVAL,
					  "module name '%s' (from %s): use 1-63 of [A-Za-z0-9._-], not starting with . or -",
					  o->modules[i].name, o->modules[i].path);
			goto out_free;
		}
		for (size_t j = 0; j < i; j++)
			if (!strcmp(o->modules[i].name, o->modules[j].name)) {
				r = nojit_err_set(err, -EEXIST, "module name '%s' given twice (%s, %s)",
						  o->modules[i].name, o->modules[j].path,
						  o->modules[i].path);
				goto out_free;
			}
	}
	for (size_t k = 0; k < o->embed->n_keys; k++)
		signer_embedded |= !strcmp(o->embed->keys[k].id, o->key->pub.id);
	if (!signer_embedded) {
		r = nojit_err_set(err, -EKEYREJECTED,
				  "the signing key %s is not among the keys the megabinary will trust",
				  o->key->pub.id);
		goto out_free;
	}
	r = hash_scripts(&w, err);
	if (r)
		goto out_free;
	if (path_fmt(w.dir, sizeof(w.dir), "%s/nojit-vk.XXXXXX", tmp && *tmp ? tmp : "/tmp") ||
	    !mkdtemp(w.dir)) {
		r = nojit_err_set(err, -errno, "cannot create a work directory: %s", strerror(errno));
		goto out_free;
	}
	for (size_t i = 0; i < o->n_modules && !r; i++)
		r = stage_module(&w, i, err);
	if (!r)
		r = translate(&w, err);
	if (!r)
		r = write_registry(&w, err);
	if (!r)
		r = compile(&w, err);
	if (!r)
		r = link_image(&w, err);
	if (!r)
		r = seal(&w, t, err);
	if (o->keep_temp)
		fprintf(stderr, "nojit: generated sources kept in %s\n", w.dir);
	else
		nftw(w.dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
out_free:
	free(hashes);
	free(imports);
	free(n_imports);
	free(codes);
	return r;
}
