// SPDX-License-Identifier: GPL-2.0
/* nojit manifest build|sign|verify: signed lists of allowed file hashes. */
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli.h"
#include "cmd.h"
#include "elf_closure.h"
#include "jit_detect.h"
#include "keys.h"
#include "manifest.h"
#include "manifest_exception.h"

static const char manifest_usage[] =
	"Usage: nojit manifest COMMAND [OPTIONS] ...\n"
	"\n"
	"Signed manifests: the SHA-256 digests of the files an enrolled cgroup may\n"
	"execute or map executable (format: docs/manifest.md).\n"
	"\n"
	"Commands:\n"
	"  build [--closure] [--allow-jit-engine E] [-o FILE] PATH...   hash files into a manifest\n"
	"  sign --key KEY FILE                write FILE.sig\n"
	"  verify --trust PUB|DIR FILE        check signature, schema and validity time\n"
	"  approve --key APPROVER.key FILE    approve its JIT exceptions (docs/exceptions.md)\n"
	"  help                               show this help\n"
	"\n"
	"'nojit manifest COMMAND --help' for a command's options.\n";

static const char build_usage[] =
	"Usage: nojit manifest build [OPTIONS] PATH...\n"
	"\n"
	"Hash the regular files at PATH (directories recursively) into a manifest.\n"
	"Symbolic links to files are followed and listed under their target's path;\n"
	"links to directories are not followed. Whatever is skipped (other file\n"
	"types, unreadable files, symlink loops) gets a one-line note on stderr.\n"
	"Entries are sorted by path; the output is unsigned: see 'manifest sign'.\n"
	"\n"
	"  -c, --closure        also add, for every ELF, its interpreter (PT_INTERP)\n"
	"                       and DT_NEEDED libraries, transitively, resolved as the\n"
	"                       dynamic loader would; lists what could not be resolved\n"
	"  -J, --allow-jit-engine ENGINE[:PATH]\n"
	"                       list the JIT engine ENGINE (in any file, or only in\n"
	"                       the file at PATH) and record it in the manifest\n"
	"                       (schema 2). Without it a JIT engine among the files\n"
	"                       is refused (exit 1) with what gave it away. Repeatable.\n"
	"                       Engines: %s\n"
	"  -n, --name NAME      manifest name (default: FILE without .json, or the\n"
	"                       first PATH's base name)\n"
	"  -k, --kind KIND      auto (default), exec, lib or any for the files at PATH.\n"
	"                       auto: ELF executables exec; ELF shared objects lib, or\n"
	"                       any with an execute bit (PIE programs, ld.so, libc);\n"
	"                       other files exec with an execute bit, else lib.\n"
	"                       Closure files are always lib (plus what auto gives).\n"
	"  -o, --output FILE    write to FILE (atomically) instead of stdout\n"
	"  -s, --serial N       serial number (default: the current unix time); a node\n"
	"                       refuses a manifest older than the one in force\n"
	"  -V, --valid-for DAYS validity from now (default 365)\n"
	"  -m, --mode MODE      enforce (default) or audit\n"
	"  -j, --jobs N         hashing threads (default: one per CPU, at most 8)\n"
	"  -h, --help           show this help\n";

/* build_usage has a %s for the engine names. */
static const char *build_help(void)
{
	static char buf[sizeof(build_usage) + 256];
	char names[256] = "";
	size_t off = 0;

	for (size_t i = 0; i < jit_engine_count() && off < sizeof(names); i++)
		off += (size_t)snprintf(names + off, sizeof(names) - off, "%s%s", i ? ", " : "",
					jit_engine_name(i));
	snprintf(buf, sizeof(buf), build_usage, names);
	return buf;
}

static const char sign_usage[] =
	"Usage: nojit manifest sign --key KEY FILE\n"
	"\n"
	"Check that FILE is a valid, unexpired manifest, sign its exact bytes with\n"
	"the Ed25519 secret key KEY (from 'nojit keygen') and write FILE.sig.\n"
	"\n"
	"  -k, --key KEY   secret key file (mode 0600)\n"
	"  -h, --help      show this help\n";

static const char verify_usage[] =
	"Usage: nojit manifest verify --trust PUB|DIR [--approvers PUB|DIR] [--at TIME]\n"
	"                             [--list] FILE\n"
	"\n"
	"Check FILE.sig against the trusted public keys (one .pub file, or a\n"
	"directory of them), then FILE's format and validity time, exactly as\n"
	"'nojit enforce --manifest' does. Exit 0 if valid, 1 saying why not.\n"
	"\n"
	"  -t, --trust PUB|DIR  trusted public key(s)\n"
	"      --approvers P|D  approver keys for the manifest's JIT exceptions\n"
	"                       (default " NOJIT_DEFAULT_APPROVERS ")\n"
	"  -a, --at TIME        check validity at TIME (YYYY-MM-DDTHH:MM:SSZ or @UNIX)\n"
	"                       instead of now\n"
	"  -l, --list           also list the entries\n"
	"  -h, --help           show this help\n";

static int parse_u64(const char *s, __u64 max, __u64 *ret)
{
	unsigned long long v;
	char *end;

	if (!*s || *s == '-' || *s == '+')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v > max)
		return -EINVAL;
	*ret = v;
	return 0;
}

static double elapsed_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

/* ---- build ------------------------------------------------------------ */

struct progress {
	struct timespec start;
	bool tty, shown;
};

/* On a terminal, once the work has taken over a second. */
static void show_progress(void *ctx, size_t done, size_t n, __u64 done_bytes, __u64 total_bytes)
{
	struct progress *p = ctx;

	if (!p->tty)
		return;
	if (done == n) {
		if (p->shown)
			fprintf(stderr, "\r\033[K");
		return;
	}
	if (!p->shown && elapsed_since(&p->start) < 1.0)
		return;
	p->shown = true;
	fprintf(stderr, "\r\033[Khashing: %zu/%zu files, %.0f/%.0f MB (%.0f%%)", done, n,
		(double)done_bytes / 1e6, (double)total_bytes / 1e6,
		total_bytes ? 100.0 * (double)done_bytes / (double)total_bytes : 100.0);
}

/* Default name: FILE's base name without ".json", else the first PATH's. */
static void default_name(const char *out, const char *first, char *buf, size_t size)
{
	const char *src = out ? out : first, *base;
	size_t len;

	len = strlen(src);
	while (len > 1 && src[len - 1] == '/')
		len--;
	base = memrchr(src, '/', len);
	base = base && len > 1 ? base + 1 : src;
	len -= (size_t)(base - src);
	if (out && len > 5 && !memcmp(base + len - 5, ".json", 5))
		len -= 5;
	snprintf(buf, size, "%.*s", (int)len, base);
	manifest_text_sanitize(buf);
	if (!*buf)
		snprintf(buf, size, "manifest");
}

static int add_closure(struct manifest_scan *scan, struct elf_closure *cl, struct nojit_err *err)
{
	_cleanup_free_ const char **paths = NULL;
	size_t n;
	int r;

	r = manifest_scan_paths(scan, &paths, &n);
	if (r)
		return nojit_err_set(err, r, "out of memory");
	r = elf_closure_resolve(paths, n, cl);
	if (r)
		return nojit_err_set(err, r, "resolving the ELF closure: %s", strerror(-r));
	for (size_t i = 0; i < cl->n; i++) {
		r = manifest_scan_add(scan, cl->paths[i], MANIFEST_KIND_CLOSURE, err);
		if (r == -ENOENT)
			r = manifest_scan_note(scan, err->msg);
		if (r)
			return r;
	}
	for (size_t i = 0; i < cl->n_notes; i++) {
		r = manifest_scan_note(scan, cl->notes[i]);
		if (r)
			return nojit_err_set(err, r, "out of memory");
	}
	return 0;
}

/* --allow-jit-engine ENGINE[:PATH] */
struct jit_allow {
	const char *engine;	/* static, from jit_detect */
	char *path;		/* realpath, or NULL: the engine in any file */
	bool used;
};

#define MAX_ALLOWS	64

struct jit_allows {
	struct jit_allow v[MAX_ALLOWS];
	size_t n;
};

static void jit_allows_free(struct jit_allows *a)
{
	for (size_t i = 0; i < a->n; i++)
		free(a->v[i].path);
}

#define _cleanup_allows_ __attribute__((cleanup(jit_allows_free)))

/* A JIT engine found among the files, allowed or not. */
struct jit_found {
	const char *raw_path;	/* the scan's */
	__u8 sha256[32];
	struct jit_finding f;
	bool allowed;
};

struct jit_scan {
	struct jit_found *found;
	size_t n, cap;
	char **notes;		/* files that could not be checked */
	size_t n_notes;
};

static void jit_scan_free(struct jit_scan *j)
{
	for (size_t i = 0; i < j->n_notes; i++)
		free(j->notes[i]);
	free(j->notes);
	free(j->found);
}

static int parse_allow(const char *arg, struct jit_allow *ret)
{
	const char *colon = strchr(arg, ':');
	size_t len = colon ? (size_t)(colon - arg) : strlen(arg);
	char real[PATH_MAX];

	ret->engine = jit_engine_lookup(arg, len);
	if (!ret->engine)
		return cli_usage_error(build_help(), "--allow-jit-engine: '%.*s' is not an engine nojit knows",
				       (int)len, arg);
	ret->path = NULL;
	if (colon) {
		if (!realpath(colon + 1, real))
			return cli_usage_error(build_help(), "--allow-jit-engine: %s: %s", colon + 1, strerror(errno));
		ret->path = strdup(real);
		if (!ret->path) {
			cli_error("out of memory");
			return EXIT_FAILED;
		}
	}
	return 0;
}

static int cmp_path_index(const void *a, const void *b, void *arg)
{
	const char *const *paths = arg;

	return strcmp(paths[*(const size_t *)a], paths[*(const size_t *)b]);
}

/*
 * Look for JIT engines in every hashed file (closure included), in path
 * order, and decide each against the --allow-jit-engine list.
 */
static int detect_jit_engines(struct manifest_scan *scan, struct jit_allow *allows, size_t n_allows,
			      struct jit_scan *js, struct nojit_err *err)
{
	_cleanup_free_ const char **paths = NULL;
	_cleanup_free_ size_t *order = NULL;
	size_t n;
	int r;

	r = manifest_scan_paths(scan, &paths, &n);
	if (r)
		return nojit_err_set(err, r, "out of memory");
	order = malloc((n + 1) * sizeof(*order));
	js->notes = calloc(n + 1, sizeof(*js->notes));
	if (!order || !js->notes)
		return nojit_err_set(err, -ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++)
		order[i] = i;
	qsort_r(order, n, sizeof(*order), cmp_path_index, paths);
	for (size_t k = 0; k < n; k++) {
		struct jit_report rep;
		const char *path, *why = "unreadable";
		__u8 sha[32];
		char note[PATH_MAX + 160];

		if (manifest_scan_file(scan, order[k], &path, sha))
			continue;	/* not hashed: already a note, not listed */
		r = jit_detect_path(path, &rep, &why);
		if (r == -ENOMEM)
			return nojit_err_set(err, r, "out of memory");
		if (r < 0) {
			snprintf(note, sizeof(note), "%s: not checked for JIT engines: %s", path,
				 r == -EBADMSG || r == -ENOTSUP || r == -EFBIG ? why : strerror(-r));
			manifest_text_sanitize(note);
			js->notes[js->n_notes] = strdup(note);
			if (!js->notes[js->n_notes++])
				return nojit_err_set(err, -ENOMEM, "out of memory");
			continue;
		}
		for (size_t i = 0; i < rep.n; i++) {
			struct jit_found *f;

			if (js->n == js->cap) {
				size_t cap = js->cap ? js->cap * 2 : 16;
				struct jit_found *p = realloc(js->found, cap * sizeof(*p));

				if (!p)
					return nojit_err_set(err, -ENOMEM, "out of memory");
				js->found = p, js->cap = cap;
			}
			f = &js->found[js->n++];
			f->raw_path = path;
			memcpy(f->sha256, sha, 32);
			f->f = rep.found[i];
			manifest_text_sanitize(f->f.evidence);
			f->allowed = false;
			for (size_t a = 0; a < n_allows; a++) {
				if (strcmp(allows[a].engine, f->f.engine) ||
				    (allows[a].path && strcmp(allows[a].path, path)))
					continue;
				allows[a].used = true;
				f->allowed = true;
			}
		}
	}
	return 0;
}

/* The allowed engines as manifest records (schema 2), in path order. */
static int jit_records(const struct jit_scan *js, struct nojit_manifest *m, struct nojit_err *err)
{
	size_t n = 0;

	for (size_t i = 0; i < js->n; i++)
		n += js->found[i].allowed;
	if (!n)
		return 0;
	m->jit_engines = calloc(n, sizeof(*m->jit_engines));
	if (!m->jit_engines)
		return nojit_err_set(err, -ENOMEM, "out of memory");
	for (size_t i = 0; i < js->n; i++) {
		const struct jit_found *f = &js->found[i];
		struct nojit_manifest_jit_engine *j;

		if (!f->allowed)
			continue;
		j = &m->jit_engines[m->n_jit_engines++];
		memcpy(j->sha256, f->sha256, 32);
		j->engine = strdup(f->f.engine);
		j->path = strdup(f->raw_path);
		j->evidence = strdup(f->f.evidence);
		if (!j->engine || !j->path || !j->evidence)
			return nojit_err_set(err, -ENOMEM, "out of memory");
		manifest_text_sanitize(j->path);
	}
	m->schema = 2;
	return 0;
}

static struct json_object *json_jit_found(const struct jit_found *f)
{
	struct json_object *o = json_object_new_object();
	char hex[65], *path = strdup(f->raw_path);

	hex_encode(f->sha256, 32, hex);
	if (path)
		manifest_text_sanitize(path);
	json_object_object_add(o, "sha256", json_object_new_string(hex));
	json_object_object_add(o, "engine", json_object_new_string(f->f.engine));
	json_object_object_add(o, "path", json_object_new_string(path ? path : "?"));
	json_object_object_add(o, "evidence", json_object_new_string(f->f.evidence));
	json_object_object_add(o, "allowed", json_object_new_boolean(f->allowed));
	free(path);
	return o;
}

/* Refuse the build when an engine was found that no --allow-jit-engine names: 0 if none. */
static int refuse_jit_engines(const struct jit_scan *js)
{
	size_t refused = 0;
	struct json_object *a = arg_json ? json_object_new_array() : NULL;

	for (size_t i = 0; i < js->n; i++) {
		const struct jit_found *f = &js->found[i];
		char *path;

		/* In JSON, every engine found, allowed or not: the whole picture. */
		if (a)
			json_object_array_add(a, json_jit_found(f));
		if (f->allowed)
			continue;
		refused++;
		if (a)
			continue;
		path = strdup(f->raw_path);
		if (path)
			manifest_text_sanitize(path);
		fprintf(stderr, "nojit: manifest build: %s is a JIT engine, %s: %s\n", path ? path : "?",
			f->f.engine, f->f.evidence);
		free(path);
	}
	if (!refused) {
		json_object_put(a);
		return 0;
	}
	if (a) {
		struct json_object *o = json_object_new_object();
		char msg[256];

		snprintf(msg, sizeof(msg), "manifest build: refused: %zu JIT engine%s not allowed", refused,
			 refused > 1 ? "s" : "");
		json_object_object_add(o, "error", json_object_new_string(msg));
		json_object_object_add(o, "jit_engines", a);
		cli_json_print(o);
	} else {
		fprintf(stderr, "nojit: manifest build: refused: %zu JIT engine%s not allowed, nothing written. "
			"Review %s, then allow %s with --allow-jit-engine ENGINE or ENGINE:PATH\n",
			refused, refused > 1 ? "s" : "", refused > 1 ? "them" : "it", refused > 1 ? "each" : "it");
	}
	return -EPERM;
}

static struct json_object *json_strings(const char *const *s, size_t n)
{
	struct json_object *a = json_object_new_array();

	for (size_t i = 0; i < n; i++)
		json_object_array_add(a, json_object_new_string(s[i]));
	return a;
}

static int do_build(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "closure", no_argument, NULL, 'c' },
		{ "name", required_argument, NULL, 'n' },
		{ "kind", required_argument, NULL, 'k' },
		{ "output", required_argument, NULL, 'o' },
		{ "serial", required_argument, NULL, 's' },
		{ "valid-for", required_argument, NULL, 'V' },
		{ "mode", required_argument, NULL, 'm' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "allow-jit-engine", required_argument, NULL, 'J' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	/* Schema 1 unless something only schema 2 can say is recorded. */
	struct nojit_manifest m = { .schema = 1, .mode = NOJIT_MODE_ENFORCE };
	_cleanup_allows_ struct jit_allows allows = {};
	struct jit_scan js = {};
	struct progress prog = { .tty = isatty(STDERR_FILENO) };
	struct elf_closure cl = {};
	struct manifest_scan *scan = NULL;
	const char *out = NULL, *name = NULL;
	const char *const *notes;
	char name_buf[256], issued[32], expires[32], hex[65];
	_cleanup_free_ char *text = NULL;
	unsigned int kind = MANIFEST_KIND_AUTO, jobs = 0;
	bool closure = false, have_serial = false;
	__u64 serial = 0, days = 365, v, bytes = 0;
	size_t len, n_notes, counts[4] = {};
	struct nojit_err err;
	__u8 sha[32];
	time_t now;
	int c, r, ret = EXIT_FAILED;

	optind = 0;	/* 0: full reset, so options may follow operands */
	while ((c = getopt_long(argc, argv, "cn:k:o:s:V:m:j:J:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			closure = true;
			break;
		case 'J':
			if (allows.n == MAX_ALLOWS)
				return cli_usage_error(build_help(), "--allow-jit-engine: more than %d", MAX_ALLOWS);
			r = parse_allow(optarg, &allows.v[allows.n]);
			if (r)
				return r;
			allows.n++;
			break;
		case 'n':
			name = optarg;
			break;
		case 'k':
			if (!strcmp(optarg, "auto"))
				kind = MANIFEST_KIND_AUTO;
			else if (!(kind = manifest_kind_from_name(optarg)))
				return cli_usage_error(build_help(), "--kind: '%s' is not auto, exec, lib or any", optarg);
			break;
		case 'o':
			out = optarg;
			break;
		case 's':
			if (parse_u64(optarg, NOJIT_MANIFEST_SERIAL_MAX, &serial))
				return cli_usage_error(build_help(), "--serial: '%s' is not a number from 0 to %llu",
						       optarg, NOJIT_MANIFEST_SERIAL_MAX);
			have_serial = true;
			break;
		case 'V':
			if (parse_u64(optarg, 36500, &days) || !days)
				return cli_usage_error(build_help(), "--valid-for: '%s' is not a number of days from 1 to 36500",
						       optarg);
			break;
		case 'm':
			if (!(m.mode = manifest_mode_from_name(optarg)))
				return cli_usage_error(build_help(), "--mode: '%s' is not enforce or audit", optarg);
			break;
		case 'j':
			if (parse_u64(optarg, 64, &v) || !v)
				return cli_usage_error(build_help(), "--jobs: '%s' is not a number from 1 to 64", optarg);
			jobs = (unsigned int)v;
			break;
		case 'h':
			printf("%s", build_help());
			return EXIT_OK;
		default:
			fprintf(stderr, "%s", build_help());
			return EXIT_USAGE;
		}
	}
	if (optind >= argc)
		return cli_usage_error(build_help(), "no PATH to hash");
	if (!name) {
		default_name(out, argv[optind], name_buf, sizeof(name_buf));
		name = name_buf;
	}
	m.name = (char *)name;
	now = time(NULL);
	m.serial = have_serial ? serial : (__u64)now;
	m.issued = now;
	m.expires = now + (__s64)days * 86400;

	clock_gettime(CLOCK_MONOTONIC, &prog.start);
	scan = manifest_scan_new();
	if (!scan) {
		cli_error("out of memory");
		return EXIT_FAILED;
	}
	if (prog.tty)
		fprintf(stderr, "collecting files...");
	for (int i = optind; i < argc; i++) {
		if (manifest_scan_add(scan, argv[i], kind, &err)) {
			if (prog.tty)
				fprintf(stderr, "\r\033[K");
			cli_error("manifest build: %s", err.msg);
			goto out;
		}
	}
	if (closure && add_closure(scan, &cl, &err)) {
		if (prog.tty)
			fprintf(stderr, "\r\033[K");
		cli_error("manifest build: %s", err.msg);
		goto out;
	}
	if (prog.tty)
		fprintf(stderr, "\r\033[K");
	r = manifest_scan_hash(scan, jobs, show_progress, &prog, &err);
	if (!r && (r = manifest_scan_entries(scan, &m.entries, &m.n_entries, &bytes)))
		nojit_err_set(&err, r, "out of memory");
	if (!r)
		r = detect_jit_engines(scan, allows.v, allows.n, &js, &err);
	if (!r && refuse_jit_engines(&js))
		goto out;
	if (!r)
		r = jit_records(&js, &m, &err);
	if (!r)
		r = manifest_format(&m, &text, &len, &err);
	if (r) {
		cli_error("manifest build: %s", err.msg);
		goto out;
	}
	crypto_hash_sha256(sha, (const unsigned char *)text, len);
	hex_encode(sha, 32, hex);
	if (out) {
		if (write_file_atomic(out, text, len, 0644, &err)) {
			cli_error("manifest build: %s", err.msg);
			goto out;
		}
	} else if (fwrite(text, 1, len, stdout) != len || fflush(stdout)) {
		cli_error("manifest build: writing to stdout: %s", strerror(errno));
		goto out;
	}
	for (size_t i = 0; i < m.n_entries; i++)
		counts[m.entries[i].kind & 3]++;
	n_notes = manifest_scan_notes(scan, &notes);
	manifest_time_format(m.issued, issued);
	manifest_time_format(m.expires, expires);

	if (arg_json && out) {
		struct json_object *o = json_object_new_object(), *k = json_object_new_object(), *a;

		json_object_object_add(o, "file", json_object_new_string(out));
		json_object_object_add(o, "name", json_object_new_string(m.name));
		json_object_object_add(o, "serial", json_object_new_uint64(m.serial));
		json_object_object_add(o, "issued", json_object_new_string(issued));
		json_object_object_add(o, "expires", json_object_new_string(expires));
		json_object_object_add(o, "mode", json_object_new_string(manifest_mode_name(m.mode)));
		json_object_object_add(o, "entries", json_object_new_uint64(m.n_entries));
		json_object_object_add(k, "exec", json_object_new_uint64(counts[NOJIT_KIND_EXEC]));
		json_object_object_add(k, "lib", json_object_new_uint64(counts[NOJIT_KIND_LIB]));
		json_object_object_add(k, "any", json_object_new_uint64(counts[NOJIT_KIND_ANY]));
		json_object_object_add(o, "kinds", k);
		json_object_object_add(o, "bytes_hashed", json_object_new_uint64(bytes));
		json_object_object_add(o, "seconds", json_object_new_double(elapsed_since(&prog.start)));
		json_object_object_add(o, "sha256", json_object_new_string(hex));
		json_object_object_add(o, "schema", json_object_new_int((int)m.schema));
		json_object_object_add(o, "notes", json_strings(notes, n_notes));
		json_object_object_add(o, "jit_notes", json_strings((const char *const *)js.notes, js.n_notes));
		a = json_object_new_array();
		for (size_t i = 0; i < js.n; i++)
			json_object_array_add(a, json_jit_found(&js.found[i]));
		json_object_object_add(o, "jit_engines", a);
		json_object_object_add(o, "unresolved",
				       json_strings((const char *const *)cl.missing, cl.n_missing));
		cli_json_print(o);
	} else {
		FILE *f = out && !arg_json ? stdout : stderr;
		struct stat st;
		char sig[PATH_MAX];

		for (size_t i = 0; i < n_notes; i++)
			fprintf(stderr, "nojit: note: %s\n", notes[i]);
		for (size_t i = 0; i < js.n_notes; i++)
			fprintf(stderr, "nojit: note: %s\n", js.notes[i]);
		for (size_t i = 0; i < allows.n; i++)
			if (!allows.v[i].used)
				fprintf(stderr, "nojit: note: --allow-jit-engine %s%s%s: no such engine among the files\n",
					allows.v[i].engine, allows.v[i].path ? ":" : "",
					allows.v[i].path ? allows.v[i].path : "");
		for (size_t i = 0; i < cl.n_missing; i++) {
			char *s = strdup(cl.missing[i]);

			if (s)
				manifest_text_sanitize(s);
			fprintf(stderr, "nojit: unresolved: %s\n", s ? s : cl.missing[i]);
			free(s);
		}
		fprintf(f, "%s: %zu entries (%zu exec, %zu lib, %zu any), %.1f MB hashed in %.1f s",
			out ? out : "manifest", m.n_entries, counts[NOJIT_KIND_EXEC], counts[NOJIT_KIND_LIB],
			counts[NOJIT_KIND_ANY], (double)bytes / 1e6, elapsed_since(&prog.start));
		if (n_notes || cl.n_missing)
			fprintf(f, "; %zu notes, %zu unresolved", n_notes, cl.n_missing);
		fprintf(f, "\n  name %s, serial %llu, valid %s to %s, mode %s, schema %u\n  sha256 %s\n", m.name,
			(unsigned long long)m.serial, issued, expires, manifest_mode_name(m.mode), m.schema, hex);
		for (size_t i = 0; i < m.n_jit_engines; i++)
			fprintf(f, "  JIT engine %s allowed and recorded: %s: %s\n", m.jit_engines[i].engine,
				m.jit_engines[i].path, m.jit_engines[i].evidence);
		if (out && (size_t)snprintf(sig, sizeof(sig), "%s%s", out, NOJIT_SIG_SUFFIX) < sizeof(sig) &&
		    !stat(sig, &st))
			fprintf(stderr, "nojit: note: %s signs the previous content of %s: sign again\n", sig, out);
		if (!out)
			fprintf(stderr, "  unsigned: save it and run 'nojit manifest sign --key KEY FILE'\n");
	}
	ret = EXIT_OK;
out:
	manifest_entries_free(m.entries, m.n_entries);
	manifest_jit_engines_free(m.jit_engines, m.n_jit_engines);
	jit_scan_free(&js);
	elf_closure_free(&cl);
	manifest_scan_free(scan);
	return ret;
}

/* ---- sign ------------------------------------------------------------- */

static int do_sign(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "key", required_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	_cleanup_seckey_ struct nojit_seckey key = {};
	struct nojit_manifest *m = NULL;
	const char *key_path = NULL, *file;
	struct nojit_err err;
	char hex[65];
	int c;

	optind = 0;	/* 0: full reset, so options may follow operands */
	while ((c = getopt_long(argc, argv, "k:h", opts, NULL)) != -1) {
		switch (c) {
		case 'k':
			key_path = optarg;
			break;
		case 'h':
			printf("%s", sign_usage);
			return EXIT_OK;
		default:
			fprintf(stderr, "%s", sign_usage);
			return EXIT_USAGE;
		}
	}
	if (!key_path)
		return cli_usage_error(sign_usage, "--key KEY is required");
	if (optind >= argc)
		return cli_usage_error(sign_usage, "no manifest FILE to sign");
	if (optind + 1 < argc)
		return cli_usage_error(sign_usage, "unexpected argument '%s'", argv[optind + 1]);
	file = argv[optind];
	if (key_load_secret(key_path, &key, &err)) {
		cli_error("%s", err.msg);
		return EXIT_FAILED;
	}
	if (manifest_sign_file(file, &key, time(NULL), &m, &err)) {
		cli_error("%s", err.msg);
		return EXIT_FAILED;
	}
	hex_encode(m->file_sha256, 32, hex);
	if (arg_json) {
		struct json_object *o = json_object_new_object();
		char sig[PATH_MAX];

		snprintf(sig, sizeof(sig), "%s%s", file, NOJIT_SIG_SUFFIX);
		json_object_object_add(o, "file", json_object_new_string(file));
		json_object_object_add(o, "signature", json_object_new_string(sig));
		json_object_object_add(o, "key_id", json_object_new_string(m->key_id));
		json_object_object_add(o, "name", json_object_new_string(m->name));
		json_object_object_add(o, "serial", json_object_new_uint64(m->serial));
		json_object_object_add(o, "sha256", json_object_new_string(hex));
		cli_json_print(o);
	} else {
		printf("signed %s with key %s: %s%s\n  name %s, serial %llu, %zu entries, sha256 %s\n",
		       file, m->key_id, file, NOJIT_SIG_SUFFIX, m->name, (unsigned long long)m->serial,
		       m->n_entries, hex);
	}
	manifest_free(m);
	return EXIT_OK;
}

/* ---- verify ----------------------------------------------------------- */

static const char *reason_of(int r)
{
	switch (r) {
	case -EFBIG:
		return "too-large";
	case -ENOKEY:
		return "unknown-key";
	case -EKEYREJECTED:
		return "bad-signature";
	case -EKEYEXPIRED:
		return "expired";
	case -ETIME:
		return "not-yet-valid";
	case -EBADMSG:
		return "malformed";
	case -EPROTONOSUPPORT:
		return "unsupported-version";
	case -ENOENT:
		return "missing";
	case -EPERM:
		return "exception-not-two-party";
	}
	return "unreadable";
}

/* Schema 2's records, as verify shows them. */
static struct json_object *json_jit_engines(const struct nojit_manifest *m)
{
	struct json_object *a = json_object_new_array();
	char hex[65];

	for (size_t i = 0; i < m->n_jit_engines; i++) {
		struct json_object *e = json_object_new_object();

		hex_encode(m->jit_engines[i].sha256, 32, hex);
		json_object_object_add(e, "sha256", json_object_new_string(hex));
		json_object_object_add(e, "engine", json_object_new_string(m->jit_engines[i].engine));
		json_object_object_add(e, "path", json_object_new_string(m->jit_engines[i].path));
		json_object_object_add(e, "evidence", json_object_new_string(m->jit_engines[i].evidence));
		json_object_array_add(a, e);
	}
	return a;
}

static int do_verify(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "trust", required_argument, NULL, 't' },
		{ "approvers", required_argument, NULL, 'A' },
		{ "at", required_argument, NULL, 'a' },
		{ "list", no_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct nojit_manifest *m = NULL;
	const char *trust = NULL, *approvers = NOJIT_DEFAULT_APPROVERS, *file;
	char issued[32], expires[32], hex[65];
	size_t counts[4] = {};
	struct nojit_err err;
	bool list = false;
	__s64 now = time(NULL);
	__u64 v;
	int c, r;

	optind = 0;	/* 0: full reset, so options may follow operands */
	while ((c = getopt_long(argc, argv, "t:a:lh", opts, NULL)) != -1) {
		switch (c) {
		case 't':
			trust = optarg;
			break;
		case 'A':
			approvers = optarg;
			break;
		case 'a':
			if (optarg[0] == '@' ? parse_u64(optarg + 1, NOJIT_MANIFEST_TIME_MAX, &v) == 0 :
			    manifest_time_parse(optarg, strlen(optarg), &now) == 0) {
				if (optarg[0] == '@')
					now = (__s64)v;
				break;
			}
			return cli_usage_error(verify_usage, "--at: '%s' is not YYYY-MM-DDTHH:MM:SSZ or @UNIXTIME",
					       optarg);
		case 'l':
			list = true;
			break;
		case 'h':
			printf("%s", verify_usage);
			return EXIT_OK;
		default:
			fprintf(stderr, "%s", verify_usage);
			return EXIT_USAGE;
		}
	}
	if (!trust)
		return cli_usage_error(verify_usage, "--trust PUB|DIR is required");
	if (optind >= argc)
		return cli_usage_error(verify_usage, "no manifest FILE to verify");
	if (optind + 1 < argc)
		return cli_usage_error(verify_usage, "unexpected argument '%s'", argv[optind + 1]);
	file = argv[optind];

	r = manifest_load_verified(file, trust, now, &m, &err);
	if (!r) {
		r = manifest_exceptions_verify(m, approvers, now, &err);
		if (r) {
			manifest_free(m);
			m = NULL;
		}
	}
	if (r) {
		if (arg_json) {
			struct json_object *o = json_object_new_object();

			json_object_object_add(o, "file", json_object_new_string(file));
			json_object_object_add(o, "valid", json_object_new_boolean(false));
			json_object_object_add(o, "reason", json_object_new_string(reason_of(r)));
			json_object_object_add(o, "error", json_object_new_string(err.msg));
			cli_json_print(o);
		} else {
			cli_error("%s", err.msg);
		}
		return EXIT_FAILED;
	}
	for (size_t i = 0; i < m->n_entries; i++)
		counts[m->entries[i].kind & 3]++;
	manifest_time_format(m->issued, issued);
	manifest_time_format(m->expires, expires);
	hex_encode(m->file_sha256, 32, hex);
	if (arg_json) {
		struct json_object *o = json_object_new_object(), *k = json_object_new_object();

		json_object_object_add(o, "file", json_object_new_string(file));
		json_object_object_add(o, "valid", json_object_new_boolean(true));
		json_object_object_add(o, "key_id", json_object_new_string(m->key_id));
		json_object_object_add(o, "schema", json_object_new_int(m->schema));
		json_object_object_add(o, "name", json_object_new_string(m->name));
		json_object_object_add(o, "serial", json_object_new_uint64(m->serial));
		json_object_object_add(o, "issued", json_object_new_string(issued));
		json_object_object_add(o, "expires", json_object_new_string(expires));
		json_object_object_add(o, "mode", json_object_new_string(manifest_mode_name(m->mode)));
		json_object_object_add(o, "sha256", json_object_new_string(hex));
		json_object_object_add(k, "exec", json_object_new_uint64(counts[NOJIT_KIND_EXEC]));
		json_object_object_add(k, "lib", json_object_new_uint64(counts[NOJIT_KIND_LIB]));
		json_object_object_add(k, "any", json_object_new_uint64(counts[NOJIT_KIND_ANY]));
		json_object_object_add(o, "kinds", k);
		json_object_object_add(o, "jit_engines", json_jit_engines(m));
		manifest_exceptions_show(m, o);
		if (list) {
			struct json_object *a = json_object_new_array();

			for (size_t i = 0; i < m->n_entries; i++) {
				struct json_object *e = json_object_new_object();

				hex_encode(m->entries[i].sha256, 32, hex);
				json_object_object_add(e, "sha256", json_object_new_string(hex));
				json_object_object_add(e, "kind",
						       json_object_new_string(manifest_kind_name(m->entries[i].kind)));
				json_object_object_add(e, "path", json_object_new_string(m->entries[i].path));
				json_object_array_add(a, e);
			}
			json_object_object_add(o, "entries", a);
		} else {
			json_object_object_add(o, "entries", json_object_new_uint64(m->n_entries));
		}
		cli_json_print(o);
	} else {
		printf("%s: OK, signed by key %s (trusted in %s)\n", file, m->key_id, trust);
		printf("  schema   %u\n  name     %s\n  serial   %llu\n  valid    %s to %s\n  mode     %s\n"
		       "  entries  %zu (%zu exec, %zu lib, %zu any)\n  sha256   %s\n",
		       m->schema, m->name, (unsigned long long)m->serial, issued, expires, manifest_mode_name(m->mode),
		       m->n_entries, counts[NOJIT_KIND_EXEC], counts[NOJIT_KIND_LIB], counts[NOJIT_KIND_ANY],
		       hex);
		for (size_t i = 0; i < m->n_jit_engines; i++) {
			hex_encode(m->jit_engines[i].sha256, 32, hex);
			printf("  JIT engine %s in %s (sha256 %s), allowed when built: %s\n", m->jit_engines[i].engine,
			       m->jit_engines[i].path, hex, m->jit_engines[i].evidence);
		}
		manifest_exceptions_show(m, NULL);
		for (size_t i = 0; list && i < m->n_entries; i++) {
			hex_encode(m->entries[i].sha256, 32, hex);
			printf("%s %-4s %s\n", hex, manifest_kind_name(m->entries[i].kind), m->entries[i].path);
		}
	}
	manifest_free(m);
	return EXIT_OK;
}

int do_manifest(int argc, char **argv)
{
	static const struct cli_cmd cmds[] = {
		{ "build", do_build, "hash files into a manifest" },
		{ "sign", do_sign, "sign a manifest" },
		{ "verify", do_verify, "verify a signed manifest" },
		{ "approve", do_manifest_approve, "approve a manifest's JIT exceptions" },
		{ "help", NULL, "show this help" },
		{}
	};

	return cli_object(cmds, "manifest", manifest_usage, argc, argv);
}
