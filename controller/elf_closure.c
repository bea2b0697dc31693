// SPDX-License-Identifier: GPL-2.0
/*
 * Interpreter + DT_NEEDED closure of ELF files, found the way glibc 2.36's
 * ld.so (Debian 12, x86-64) finds them, by reading headers with pread():
 * nothing is executed, no file is read whole.
 *
 * Each input is simulated as its own process (own link namespace):
 *
 *  - PT_INTERP is taken as is (the kernel opens it; it must be absolute
 *    here, a relative one would depend on the working directory). Its
 *    DT_NEEDED are not followed (ld.so has none and never loads any).
 *  - Objects are loaded breadth-first, as _dl_map_object_deps() does. A
 *    DT_NEEDED name first matches an object already loaded in that process
 *    under that name or DT_SONAME (the interpreter's included), then:
 *  - a name containing '/' is a path (after $ORIGIN/$LIB/$PLATFORM
 *    expansion; a path that stays relative is reported, not guessed);
 *  - otherwise, if the requester has no DT_RUNPATH: the DT_RPATH of the
 *    requester, then of the object that loaded it, and so on up to the
 *    input itself (glibc's l_loader chain, complete: every ancestor's RPATH,
 *    each with its own $ORIGIN; an ancestor with a RUNPATH contributes
 *    nothing because glibc drops RPATH when RUNPATH is present). The input
 *    plays the main executable; for an input that is a library, the RPATH
 *    of whatever executable will dlopen it cannot be known.
 *  - LD_LIBRARY_PATH is ignored on purpose: a manifest must not depend on
 *    the environment of whoever builds it.
 *  - the requester's own DT_RUNPATH (never inherited);
 *  - /etc/ld.so.cache ("glibc-ld.so.cache1.1"), only entries whose flags
 *    name the requester's ABI (0x0303 for x86-64);
 *  - the trusted directories: /lib/x86_64-linux-gnu, /usr/lib/x86_64-linux-gnu,
 *    /lib, /usr/lib (what ld.so --help prints on Debian 12). DF_1_NODEFLIB
 *    skips them and cache entries inside them.
 *  In every directory the glibc-hwcaps/x86-64-v{4,3,2} subdirectories come
 *  first; which one ld.so takes depends on the CPU it runs on, so every
 *  variant that exists ahead of the baseline copy is added to the closure
 *  (and so are hwcaps variants listed in the cache). Legacy hwcap
 *  subdirectories (tls/, x86_64/, haswell/, ...; gone in glibc 2.37, none
 *  installed by Debian 12) are not searched.
 *  $ORIGIN is the directory the object was found in, as ld.so computes it:
 *  the directory part of the path it opened (symlinked directories resolve
 *  when that path is used, a symlinked file name does not), and for the
 *  input the directory of its realpath (ld.so reads /proc/self/exe).
 *  $LIB is "lib/x86_64-linux-gnu", $PLATFORM "x86_64". Secure (setuid)
 *  mode restrictions on $ORIGIN are not modelled. dlopen() is invisible.
 *
 * A candidate of another ELF class, byte order or machine is skipped and
 * the search goes on (as glibc does), so a 32-bit requester only ever
 * gets 32-bit objects, searched in the 32-bit directories and cache
 * entries. A candidate that is not ELF at all stops the search (ld.so
 * fails there too): it is reported missing, with a note.
 *
 * Result paths are realpaths; objects are deduplicated by device+inode
 * (ld.so does the same, so /lib/x86_64-linux-gnu/libc.so.6 and
 * /usr/lib/x86_64-linux-gnu/libc.so.6 are one object through the /lib
 * symlink); the path recorded is the realpath of the first name seen.
 *
 * Hostile input: every offset and size read from a file is checked against
 * the file size before use, strings against their segment and DT_STRSZ,
 * counts are capped (program headers, dynamic entries, DT_NEEDED per
 * object, objects overall), and nothing recurses: each process is a queue
 * over a set, each object is parsed once.
 */
#include <ctype.h>
#include <elf.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>

#include "elf_closure.h"
#include "util.h"

#define LDSO_CACHE	"/etc/ld.so.cache"
#define MAX_NEEDED	4096		/* DT_NEEDED followed per object */
#define MAX_OBJECTS	65536		/* distinct files over one call */
#define MAX_PHNUM	65536
#define MAX_DYN		65536		/* dynamic entries read per object */
#define MAX_NAME	PATH_MAX	/* DT_NEEDED, DT_SONAME, PT_INTERP */
#define MAX_PATHLIST	65536		/* DT_RPATH, DT_RUNPATH */
#define MAX_CACHE_SIZE	(64u << 20)
#define NO_ENTRY	SIZE_MAX

/* ---- small containers ------------------------------------------------ */

struct strv {
	char **v;
	size_t n, cap;
};

/* Append STR, which the vector then owns (freed here on failure). */
static int strv_take(struct strv *s, char *str)
{
	if (!str)
		return -ENOMEM;
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		char **v = realloc(s->v, cap * sizeof(*v));

		if (!v) {
			free(str);
			return -ENOMEM;
		}
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = str;
	return 0;
}

static void strv_free(struct strv *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	*s = (struct strv){ 0 };
}

/* Open-addressing map from strings (copied) to indexes. */
struct strmap {
	char **keys;
	size_t *vals;
	size_t cap, n;
};

static size_t str_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
	return (size_t)h;
}

static bool strmap_get(const struct strmap *m, const char *key, size_t *ret_val)
{
	if (!m->cap)
		return false;
	for (size_t i = str_hash(key) & (m->cap - 1); m->keys[i]; i = (i + 1) & (m->cap - 1))
		if (!strcmp(m->keys[i], key)) {
			if (ret_val)
				*ret_val = m->vals[i];
			return true;
		}
	return false;
}

static void strmap_place(char **keys, size_t *vals, size_t cap, char *key, size_t val)
{
	size_t i = str_hash(key) & (cap - 1);

	while (keys[i])
		i = (i + 1) & (cap - 1);
	keys[i] = key;
	vals[i] = val;
}

/* Insert KEY → VAL unless KEY is there: 1 added, 0 already present. */
static int strmap_add(struct strmap *m, const char *key, size_t val)
{
	char *dup;

	if (strmap_get(m, key, NULL))
		return 0;
	if ((m->n + 1) * 4 > m->cap * 3) {
		size_t cap = m->cap ? m->cap * 2 : 64;
		char **keys = calloc(cap, sizeof(*keys));
		size_t *vals = calloc(cap, sizeof(*vals));

		if (!keys || !vals) {
			free(keys);
			free(vals);
			return -ENOMEM;
		}
		for (size_t i = 0; i < m->cap; i++)
			if (m->keys[i])
				strmap_place(keys, vals, cap, m->keys[i], m->vals[i]);
		free(m->keys);
		free(m->vals);
		m->keys = keys;
		m->vals = vals;
		m->cap = cap;
	}
	dup = strdup(key);
	if (!dup)
		return -ENOMEM;
	strmap_place(m->keys, m->vals, m->cap, dup, val);
	m->n++;
	return 1;
}

static void strmap_free(struct strmap *m)
{
	for (size_t i = 0; i < m->cap; i++)
		free(m->keys[i]);
	free(m->keys);
	free(m->vals);
	*m = (struct strmap){ 0 };
}

/* ---- ABIs ------------------------------------------------------------ */

struct abi {
	unsigned char cls, data;
	uint16_t machine;
};

struct abi_desc {
	unsigned char cls;
	uint16_t machine;
	uint32_t cache_flags;	/* ld.so.cache entry flags; 0: cache not used */
	bool cache_flag_elf;	/* generic FLAG_ELF (1) accepted as well */
	bool hwcaps;		/* glibc-hwcaps/x86-64-v{4,3,2} */
	const char *lib, *platform;	/* $LIB, $PLATFORM; NULL drops the element */
	const char *dirs[7];	/* trusted directories, NULL-terminated */
};

/*
 * 32-bit x86 gets the union of the multiarch (libc6:i386) and biarch
 * (libc6-i386, /lib32) loaders' directories: which one runs depends on
 * which package provides /lib/ld-linux.so.2.
 */
static const struct abi_desc abi_descs[] = {
	{ ELFCLASS64, EM_X86_64, 0x0303, false, true, "lib/x86_64-linux-gnu", "x86_64",
	  { "/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib", "/usr/lib" } },
	{ ELFCLASS32, EM_386, 0x0003, true, false, "lib/i386-linux-gnu", "i686",
	  { "/lib/i386-linux-gnu", "/usr/lib/i386-linux-gnu", "/lib32", "/usr/lib32",
	    "/lib", "/usr/lib" } },
	{ ELFCLASS32, EM_X86_64, 0x0803, false, false, "lib/x86_64-linux-gnux32", "x86_64",
	  { "/lib/x86_64-linux-gnux32", "/usr/lib/x86_64-linux-gnux32", "/libx32",
	    "/usr/libx32", "/lib", "/usr/lib" } },
	{ ELFCLASS64, EM_AARCH64, 0x0a03, false, false, "lib/aarch64-linux-gnu", "aarch64",
	  { "/lib/aarch64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/lib", "/usr/lib" } },
};

static const struct abi_desc abi_other = {
	.lib = "lib", .dirs = { "/lib", "/usr/lib" },
};

static const struct abi_desc *abi_desc_of(unsigned int cls, unsigned int machine)
{
	for (size_t i = 0; i < ARRAY_SIZE(abi_descs); i++)
		if (abi_descs[i].cls == cls && abi_descs[i].machine == machine)
			return &abi_descs[i];
	return &abi_other;
}

static bool abi_eq(const struct abi *a, const struct abi *b)
{
	return a->cls == b->cls && a->data == b->data && a->machine == b->machine;
}

static bool cache_flags_ok(const struct abi_desc *d, uint32_t flags)
{
	return d->cache_flags && (flags == d->cache_flags || (d->cache_flag_elf && flags == 1));
}

/* ---- reading ELF ------------------------------------------------------- */

/* Read exactly LEN bytes at OFF: 0, -EBADMSG when the file ends first, -errno. */
static int pread_all(int fd, void *buf, size_t len, uint64_t off)
{
	unsigned char *p = buf;

	while (len) {
		ssize_t r;

		if (off > (uint64_t)INT64_MAX - len)
			return -EBADMSG;
		r = pread(fd, p, len, (off_t)off);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (r == 0)
			return -EBADMSG;
		p += r;
		len -= (size_t)r;
		off += (uint64_t)r;
	}
	return 0;
}

static uint64_t get_uint(const unsigned char *p, unsigned int n, bool msb)
{
	uint64_t v = 0;

	for (unsigned int i = 0; i < n; i++)
		v = (v << 8) | p[msb ? i : n - 1 - i];
	return v;
}

/* True when [off, off + len) lies inside a file of SIZE bytes. */
static bool in_file(uint64_t off, uint64_t len, uint64_t size)
{
	return off <= size && len <= size - off;
}

/* Field offsets of the two ELF classes. */
struct elf_layout {
	unsigned int word;	/* Addr/Off size */
	size_t ehsize, phentsize, dynsize, shentsize;
	size_t e_phoff, e_shoff, e_phentsize, e_phnum, e_shentsize;
	size_t p_offset, p_vaddr, p_filesz, sh_info;
};

static const struct elf_layout layout32 = {
	.word = 4, .ehsize = 52, .phentsize = 32, .dynsize = 8, .shentsize = 40,
	.e_phoff = 28, .e_shoff = 32, .e_phentsize = 42, .e_phnum = 44, .e_shentsize = 46,
	.p_offset = 4, .p_vaddr = 8, .p_filesz = 16, .sh_info = 28,
};

static const struct elf_layout layout64 = {
	.word = 8, .ehsize = 64, .phentsize = 56, .dynsize = 16, .shentsize = 64,
	.e_phoff = 32, .e_shoff = 40, .e_phentsize = 54, .e_phnum = 56, .e_shentsize = 58,
	.p_offset = 8, .p_vaddr = 16, .p_filesz = 32, .sh_info = 44,
};

struct elf_file {
	int fd;
	uint64_t size;
	struct abi abi;
	const struct elf_layout *l;
	bool msb;
	unsigned char eh[64];
};

/* What the closure needs from one object. */
struct elf_info {
	struct abi abi;
	char *interp, *soname, *rpath, *runpath;
	char **needed;
	size_t n_needed;
	bool nodeflib;
	bool needed_capped;	/* more than MAX_NEEDED, the rest ignored */
};

static void elf_info_free(struct elf_info *in)
{
	free(in->interp);
	free(in->soname);
	free(in->rpath);
	free(in->runpath);
	for (size_t i = 0; i < in->n_needed; i++)
		free(in->needed[i]);
	free(in->needed);
	*in = (struct elf_info){ 0 };
}

/*
 * The ELF header: 0, -ENOEXEC when the file is not ELF at all (no magic),
 * -EBADMSG with *reason when it is ELF but the header is unusable.
 */
static int elf_read_header(struct elf_file *f, const char **reason)
{
	size_t n = f->size < sizeof(f->eh) ? (size_t)f->size : sizeof(f->eh);
	int r;

	if (n < SELFMAG)
		return -ENOEXEC;
	r = pread_all(f->fd, f->eh, n, 0);
	if (r < 0)
		return r == -EBADMSG ? -ENOEXEC : r;
	if (memcmp(f->eh, ELFMAG, SELFMAG))
		return -ENOEXEC;
	if (n < EI_NIDENT) {
		*reason = "truncated ELF header";
		return -EBADMSG;
	}
	switch (f->eh[EI_CLASS]) {
	case ELFCLASS32:
		f->l = &layout32;
		break;
	case ELFCLASS64:
		f->l = &layout64;
		break;
	default:
		*reason = "unknown ELF class";
		return -EBADMSG;
	}
	if (f->eh[EI_DATA] != ELFDATA2LSB && f->eh[EI_DATA] != ELFDATA2MSB) {
		*reason = "unknown ELF data encoding";
		return -EBADMSG;
	}
	if (n < f->l->ehsize) {
		*reason = "truncated ELF header";
		return -EBADMSG;
	}
	f->msb = f->eh[EI_DATA] == ELFDATA2MSB;
	f->abi.cls = f->eh[EI_CLASS];
	f->abi.data = f->eh[EI_DATA];
	f->abi.machine = (uint16_t)get_uint(f->eh + 18, 2, f->msb);
	return 0;
}

/* File range [*ret_off, *ret_off + *ret_len) backing virtual address ADDR. */
static bool elf_map_vaddr(const struct elf_file *f, const unsigned char *ph, size_t phnum,
			  uint64_t addr, uint64_t *ret_off, uint64_t *ret_len)
{
	const struct elf_layout *l = f->l;

	for (size_t i = 0; i < phnum; i++) {
		const unsigned char *p = ph + i * l->phentsize;
		uint64_t off, vaddr, filesz, delta;

		if (get_uint(p, 4, f->msb) != PT_LOAD)
			continue;
		off = get_uint(p + l->p_offset, l->word, f->msb);
		vaddr = get_uint(p + l->p_vaddr, l->word, f->msb);
		filesz = get_uint(p + l->p_filesz, l->word, f->msb);
		if (addr < vaddr || addr - vaddr >= filesz)
			continue;
		delta = addr - vaddr;
		if (off > UINT64_MAX - delta || off + delta >= f->size)
			continue;
		*ret_off = off + delta;
		*ret_len = filesz - delta;
		if (*ret_len > f->size - *ret_off)
			*ret_len = f->size - *ret_off;
		return true;
	}
	return false;
}

/*
 * The NUL-terminated string at IDX of the string table at file offset BASE,
 * LIMIT bytes long, at most MAXLEN characters.
 */
static int elf_read_str(const struct elf_file *f, uint64_t base, uint64_t limit, uint64_t idx,
			size_t maxlen, char **ret, const char **reason)
{
	_cleanup_free_ char *buf = NULL;
	uint64_t cap;
	size_t have = 0;

	if (idx >= limit) {
		*reason = "dynamic string offset out of range";
		return -EBADMSG;
	}
	cap = limit - idx;
	if (cap > maxlen + 1)
		cap = maxlen + 1;
	while (have < cap) {
		size_t chunk = have ? have : 256;
		char *nb;
		int r;

		if (chunk > cap - have)
			chunk = (size_t)(cap - have);
		nb = realloc(buf, have + chunk);
		if (!nb)
			return -ENOMEM;
		buf = nb;
		r = pread_all(f->fd, buf + have, chunk, base + idx + have);
		if (r < 0) {
			*reason = "string table beyond end of file";
			return r;
		}
		if (memchr(buf + have, '\0', chunk)) {
			*ret = TAKE_PTR(buf);
			return 0;
		}
		have += chunk;
	}
	*reason = cap <= maxlen ? "unterminated dynamic string" : "dynamic string too long";
	return -EBADMSG;
}

struct dyn_refs {
	uint64_t strtab, strsz, soname, rpath, runpath, flags1;
	bool has_strtab, has_strsz, has_soname, has_rpath, has_runpath;
	uint64_t *needed;
	size_t n_needed;
};

static int elf_read_dynamic(const struct elf_file *f, uint64_t off, uint64_t len,
			    struct dyn_refs *d, bool *ret_capped, const char **reason)
{
	const struct elf_layout *l = f->l;
	_cleanup_free_ unsigned char *buf = NULL;
	uint64_t n = len / l->dynsize;
	int r;

	if (!in_file(off, len, f->size)) {
		*reason = "PT_DYNAMIC beyond end of file";
		return -EBADMSG;
	}
	if (n > MAX_DYN)
		n = MAX_DYN;
	if (!n)
		return 0;
	buf = malloc((size_t)n * l->dynsize);
	if (!buf)
		return -ENOMEM;
	r = pread_all(f->fd, buf, (size_t)n * l->dynsize, off);
	if (r < 0) {
		*reason = "PT_DYNAMIC beyond end of file";
		return r;
	}
	for (uint64_t i = 0; i < n; i++) {
		const unsigned char *e = buf + i * l->dynsize;
		uint64_t tag = get_uint(e, l->word, f->msb);
		uint64_t val = get_uint(e + l->word, l->word, f->msb);

		/* Last one wins, as in glibc's l_info[]. */
		switch (tag) {
		case DT_NULL:
			return 0;
		case DT_NEEDED:
			if (d->n_needed == MAX_NEEDED) {
				*ret_capped = true;
				break;
			}
			if (!d->needed) {
				d->needed = calloc(MAX_NEEDED, sizeof(*d->needed));
				if (!d->needed)
					return -ENOMEM;
			}
			d->needed[d->n_needed++] = val;
			break;
		case DT_STRTAB:
			d->strtab = val;
			d->has_strtab = true;
			break;
		case DT_STRSZ:
			d->strsz = val;
			d->has_strsz = true;
			break;
		case DT_SONAME:
			d->soname = val;
			d->has_soname = true;
			break;
		case DT_RPATH:
			d->rpath = val;
			d->has_rpath = true;
			break;
		case DT_RUNPATH:
			d->runpath = val;
			d->has_runpath = true;
			break;
		case DT_FLAGS_1:
			d->flags1 = val;
			break;
		}
	}
	return 0;
}

/* Program headers, PT_INTERP and the dynamic section, after elf_read_header(). */
static int elf_parse(const struct elf_file *f, struct elf_info *in, const char **reason)
{
	const struct elf_layout *l = f->l;
	_cleanup_free_ unsigned char *ph = NULL;
	_cleanup_free_ uint64_t *needed = NULL;
	struct dyn_refs d = { 0 };
	uint64_t phoff = get_uint(f->eh + l->e_phoff, l->word, f->msb);
	uint64_t phnum = get_uint(f->eh + l->e_phnum, 2, f->msb);
	uint64_t phentsize = get_uint(f->eh + l->e_phentsize, 2, f->msb);
	uint64_t interp_off = 0, interp_len = 0, dyn_off = 0, dyn_len = 0;
	uint64_t str_off = 0, str_len = 0;
	bool has_interp = false, has_dyn = false;
	int r;

	in->abi = f->abi;
	if (phnum == 0)
		return 0;	/* relocatable object, or no segments: nothing to load */
	if (phnum == PN_XNUM) {
		/* The real count is in section header 0's sh_info. */
		uint64_t shoff = get_uint(f->eh + l->e_shoff, l->word, f->msb);
		uint64_t shentsize = get_uint(f->eh + l->e_shentsize, 2, f->msb);
		unsigned char sh[64];

		if (shoff == 0 || shentsize < l->shentsize || !in_file(shoff, l->shentsize, f->size)) {
			*reason = "e_phnum is PN_XNUM but section header 0 is missing";
			return -EBADMSG;
		}
		r = pread_all(f->fd, sh, l->shentsize, shoff);
		if (r < 0)
			return r;
		phnum = get_uint(sh + l->sh_info, 4, f->msb);
		if (phnum == 0)
			return 0;
	}
	if (phentsize != l->phentsize) {
		*reason = "bad e_phentsize";
		return -EBADMSG;
	}
	if (phnum > MAX_PHNUM) {
		*reason = "too many program headers";
		return -EBADMSG;
	}
	if (!in_file(phoff, phnum * phentsize, f->size)) {
		*reason = "program headers beyond end of file";
		return -EBADMSG;
	}
	ph = malloc((size_t)(phnum * phentsize));
	if (!ph)
		return -ENOMEM;
	r = pread_all(f->fd, ph, (size_t)(phnum * phentsize), phoff);
	if (r < 0) {
		*reason = "program headers beyond end of file";
		return r;
	}

	for (uint64_t i = 0; i < phnum; i++) {
		const unsigned char *p = ph + i * phentsize;
		uint32_t type = (uint32_t)get_uint(p, 4, f->msb);

		if (type == PT_INTERP && !has_interp) {	/* the kernel takes the first */
			interp_off = get_uint(p + l->p_offset, l->word, f->msb);
			interp_len = get_uint(p + l->p_filesz, l->word, f->msb);
			has_interp = true;
		} else if (type == PT_DYNAMIC) {		/* ld.so keeps the last */
			dyn_off = get_uint(p + l->p_offset, l->word, f->msb);
			dyn_len = get_uint(p + l->p_filesz, l->word, f->msb);
			has_dyn = true;
		}
	}

	if (has_interp) {
		/* binfmt_elf: 2..PATH_MAX bytes, the last one NUL. */
		if (interp_len < 2 || interp_len > MAX_NAME) {
			*reason = "bad PT_INTERP size";
			return -EBADMSG;
		}
		if (!in_file(interp_off, interp_len, f->size)) {
			*reason = "PT_INTERP beyond end of file";
			return -EBADMSG;
		}
		in->interp = malloc((size_t)interp_len);
		if (!in->interp)
			return -ENOMEM;
		r = pread_all(f->fd, in->interp, (size_t)interp_len, interp_off);
		if (r < 0)
			return r;
		if (in->interp[interp_len - 1] != '\0') {
			*reason = "PT_INTERP not NUL-terminated";
			return -EBADMSG;
		}
		if (!in->interp[0]) {
			*reason = "empty PT_INTERP";
			return -EBADMSG;
		}
	}

	if (!has_dyn)
		return 0;	/* statically linked */
	r = elf_read_dynamic(f, dyn_off, dyn_len, &d, &in->needed_capped, reason);
	needed = d.needed;
	if (r < 0)
		return r;
	in->nodeflib = d.flags1 & DF_1_NODEFLIB;
	if (!d.n_needed && !d.has_soname && !d.has_rpath && !d.has_runpath)
		return 0;
	if (!d.has_strtab) {
		*reason = "dynamic strings without DT_STRTAB";
		return -EBADMSG;
	}
	if (!elf_map_vaddr(f, ph, (size_t)phnum, d.strtab, &str_off, &str_len)) {
		*reason = "DT_STRTAB outside the file-backed PT_LOAD segments";
		return -EBADMSG;
	}
	if (d.has_strsz && d.strsz < str_len)
		str_len = d.strsz;

	if (d.has_soname) {
		r = elf_read_str(f, str_off, str_len, d.soname, MAX_NAME, &in->soname, reason);
		if (r < 0)
			return r;
	}
	/* glibc ignores DT_RPATH when DT_RUNPATH is present. */
	if (d.has_runpath) {
		r = elf_read_str(f, str_off, str_len, d.runpath, MAX_PATHLIST, &in->runpath, reason);
		if (r < 0)
			return r;
	} else if (d.has_rpath) {
		r = elf_read_str(f, str_off, str_len, d.rpath, MAX_PATHLIST, &in->rpath, reason);
		if (r < 0)
			return r;
	}
	if (d.n_needed) {
		in->needed = calloc(d.n_needed, sizeof(*in->needed));
		if (!in->needed)
			return -ENOMEM;
	}
	for (size_t i = 0; i < d.n_needed; i++) {
		r = elf_read_str(f, str_off, str_len, needed[i], MAX_NAME, &in->needed[i], reason);
		if (r < 0)
			return r;
		in->n_needed++;
	}
	return 0;
}

/* ---- ld.so.cache ------------------------------------------------------ */

#define CACHE_MAGIC_OLD		"ld.so-1.7.0"
#define CACHE_MAGIC_NEW		"glibc-ld.so.cache1.1"
#define CACHE_HDR_NEW		48	/* struct cache_file_new */
#define CACHE_ENTRY_NEW		24	/* struct file_entry_new */

struct ldcache_entry {
	const char *name, *path;
	uint32_t flags;
	uint64_t hwcap;		/* 0: baseline; otherwise a hwcaps variant */
};

struct ldcache {
	char *buf;
	struct ldcache_entry *e;
	size_t n;
};

static void ldcache_free(struct ldcache *c)
{
	free(c->buf);
	free(c->e);
	*c = (struct ldcache){ 0 };
}

/*
 * Load and check a cache file. Strings are offsets from the start of the
 * new-format header; entries pointing outside the file, or to a relative
 * path, are dropped. Only little-endian caches (the host's) are accepted.
 */
static int ldcache_load(const char *path, struct ldcache *ret)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *buf = NULL;
	struct ldcache c = { 0 };
	struct stat st;
	uint64_t base = 0, avail, nlibs;
	const unsigned char *h;
	int r;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode) || st.st_size < CACHE_HDR_NEW ||
	    (uint64_t)st.st_size > MAX_CACHE_SIZE)
		return -EBADMSG;
	buf = malloc((size_t)st.st_size + 1);
	if (!buf)
		return -ENOMEM;
	r = pread_all(fd, buf, (size_t)st.st_size, 0);
	if (r < 0)
		return r;
	buf[st.st_size] = '\0';	/* every string ends inside the buffer */

	if (!memcmp(buf, CACHE_MAGIC_OLD, strlen(CACHE_MAGIC_OLD))) {
		/* Old table (12-byte entries) first, new header 8-aligned after it. */
		uint64_t nold = get_uint((const unsigned char *)buf + 12, 4, false);

		base = (16 + nold * 12 + 7) & ~(uint64_t)7;
	}
	if (!in_file(base, CACHE_HDR_NEW, (uint64_t)st.st_size) ||
	    memcmp(buf + base, CACHE_MAGIC_NEW, strlen(CACHE_MAGIC_NEW)))
		return -EBADMSG;
	h = (const unsigned char *)buf + base;
	if (h[28] != 0 && h[28] != 2)	/* endianness: unset or little */
		return -EBADMSG;
	avail = (uint64_t)st.st_size - base;
	nlibs = get_uint(h + 20, 4, false);
	if (nlibs > (avail - CACHE_HDR_NEW) / CACHE_ENTRY_NEW)
		return -EBADMSG;
	c.e = calloc(nlibs ? (size_t)nlibs : 1, sizeof(*c.e));
	if (!c.e)
		return -ENOMEM;
	for (uint64_t i = 0; i < nlibs; i++) {
		const unsigned char *e = h + CACHE_HDR_NEW + i * CACHE_ENTRY_NEW;
		uint64_t key = get_uint(e + 4, 4, false), value = get_uint(e + 8, 4, false);

		if (key >= avail || value >= avail || h[value] != '/')
			continue;
		c.e[c.n++] = (struct ldcache_entry){
			.name = (const char *)h + key,
			.path = (const char *)h + value,
			.flags = (uint32_t)get_uint(e, 4, false),
			.hwcap = get_uint(e + 16, 8, false),
		};
	}
	c.buf = TAKE_PTR(buf);
	*ret = c;
	return 0;
}

int elf_ldcache_lookup(const char *cache_path, const char *name, unsigned int elf_class,
		       unsigned int machine, char **ret_path)
{
	const struct abi_desc *d = abi_desc_of(elf_class, machine);
	struct ldcache c;
	char *p = NULL;
	int r;

	if (!cache_path || !name || !ret_path)
		return -EINVAL;
	r = ldcache_load(cache_path, &c);
	if (r < 0)
		return r;
	r = -ENOENT;
	for (size_t i = 0; i < c.n; i++) {
		if (c.e[i].hwcap || !cache_flags_ok(d, c.e[i].flags) || strcmp(c.e[i].name, name))
			continue;
		p = strdup(c.e[i].path);
		r = p ? 0 : -ENOMEM;
		break;
	}
	ldcache_free(&c);
	if (r == 0)
		*ret_path = p;
	return r;
}

/* ---- the closure ------------------------------------------------------ */

struct object {
	char *path;		/* realpath */
	struct elf_info info;
	bool usable;		/* parsed: its DT_NEEDED can be followed */
	bool listed;		/* in the result */
	size_t gen, entry;	/* its entry in the current process, when gen matches */
};

/* One object loaded in the simulated process of the current input. */
struct entry {
	size_t obj;
	size_t loader;		/* entry whose DT_NEEDED loaded it (glibc's l_loader) */
	char *origin;		/* $ORIGIN */
	bool follow;		/* process its DT_NEEDED */
};

struct ctx {
	struct object *objs;
	size_t n_objs, cap_objs;
	struct strmap by_id;		/* "dev:ino" → object */
	struct strv paths, missing, notes;
	struct strmap missing_set, notes_set;
	struct strmap hwcaps_dirs;	/* directory → has a glibc-hwcaps subdirectory */
	struct ldcache cache;
	int cache_state;		/* 0 not loaded yet, 1 loaded, -errno unusable */

	/* the current input's process */
	size_t gen;
	struct entry *ents;
	size_t n_ents, cap_ents;
	struct strmap names;		/* DT_NEEDED names and sonames → entry */
};

static void ctx_reset_process(struct ctx *c)
{
	for (size_t i = 0; i < c->n_ents; i++)
		free(c->ents[i].origin);
	c->n_ents = 0;
	strmap_free(&c->names);
}

static void ctx_free(struct ctx *c)
{
	ctx_reset_process(c);
	free(c->ents);
	for (size_t i = 0; i < c->n_objs; i++) {
		free(c->objs[i].path);
		elf_info_free(&c->objs[i].info);
	}
	free(c->objs);
	strmap_free(&c->by_id);
	strv_free(&c->paths);
	strv_free(&c->missing);
	strv_free(&c->notes);
	strmap_free(&c->missing_set);
	strmap_free(&c->notes_set);
	strmap_free(&c->hwcaps_dirs);
	ldcache_free(&c->cache);
}

/* Add a line to a deduplicated list (notes, missing). */
static int add_unique(struct strv *v, struct strmap *set, char *line)
{
	int r;

	if (!line)
		return -ENOMEM;
	r = strmap_add(set, line, 0);
	if (r <= 0) {
		free(line);
		return r;
	}
	return strv_take(v, line);
}

__attribute__((format(printf, 2, 3)))
static int note(struct ctx *c, const char *fmt, ...)
{
	va_list ap;
	char *line;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&line, fmt, ap);
	va_end(ap);
	if (r < 0)
		return -ENOMEM;
	return add_unique(&c->notes, &c->notes_set, line);
}

static int add_missing(struct ctx *c, const char *name, size_t req_obj)
{
	char *line;

	if (asprintf(&line, "%s (needed by %s)", name, c->objs[req_obj].path) < 0)
		return -ENOMEM;
	return add_unique(&c->missing, &c->missing_set, line);
}

static int list_obj(struct ctx *c, size_t obj)
{
	int r;

	if (c->objs[obj].listed)
		return 0;
	r = strv_take(&c->paths, strdup(c->objs[obj].path));
	if (r == 0)
		c->objs[obj].listed = true;
	return r;
}

/*
 * Open PATH and return its object, parsed and registered on first sight.
 * WANT: the requester's ABI, or NULL for an input. Returns 0; -ENODEV not
 * a regular file; -ENOEXEC not ELF; -EXDEV another ABI; -EBADMSG an
 * unusable ELF header (noted); -E2BIG too many objects (noted); -ENOMEM;
 * or the -errno of stat()/open(). An object whose program headers or
 * dynamic section are malformed is returned (ld.so would open and map it)
 * but not usable, with a note.
 */
static int obj_open(struct ctx *c, const char *path, const struct abi *want, size_t *ret_obj)
{
	_cleanup_close_ int fd = -1;
	struct elf_file f = { 0 };
	const char *reason = NULL;
	struct object *o;
	struct stat st;
	char key[64];
	size_t idx;
	int r;

	if (stat(path, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -ENODEV;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -ENODEV;

	snprintf(key, sizeof(key), "%llx:%llx", (unsigned long long)st.st_dev,
		 (unsigned long long)st.st_ino);
	if (strmap_get(&c->by_id, key, &idx)) {
		if (want && !abi_eq(want, &c->objs[idx].info.abi))
			return -EXDEV;
		*ret_obj = idx;
		return 0;
	}

	f.fd = fd;
	f.size = (uint64_t)st.st_size;
	r = elf_read_header(&f, &reason);
	if (r == -EBADMSG) {
		r = note(c, "%s: malformed ELF (%s)", path, reason);
		return r < 0 ? r : -EBADMSG;
	}
	if (r < 0)
		return r;
	if (want && !abi_eq(want, &f.abi))
		return -EXDEV;
	if (c->n_objs >= MAX_OBJECTS) {
		r = note(c, "closure truncated at %d objects", MAX_OBJECTS);
		return r < 0 ? r : -E2BIG;
	}

	if (c->n_objs == c->cap_objs) {
		size_t cap = c->cap_objs ? c->cap_objs * 2 : 64;
		struct object *objs = realloc(c->objs, cap * sizeof(*objs));

		if (!objs)
			return -ENOMEM;
		c->objs = objs;
		c->cap_objs = cap;
	}
	o = &c->objs[c->n_objs];
	*o = (struct object){ .gen = 0 };
	o->path = realpath(path, NULL);
	if (!o->path)
		return -errno;
	r = elf_parse(&f, &o->info, &reason);
	if (r == -ENOMEM) {
		free(o->path);
		elf_info_free(&o->info);
		return r;
	}
	if (r < 0) {
		/* Keep the object (ld.so opens it), drop what was parsed. */
		elf_info_free(&o->info);
		o->info.abi = f.abi;
		r = reason ? note(c, "%s: malformed ELF (%s)", path, reason) :
			     note(c, "%s: cannot read: %s", path, strerror(-r));
	} else {
		o->usable = true;
		r = o->info.needed_capped ?
			note(c, "%s: malformed ELF (more than %d DT_NEEDED, the rest ignored)",
			     path, MAX_NEEDED) : 0;
	}
	if (r == 0)
		r = strmap_add(&c->by_id, key, c->n_objs);
	if (r < 0) {
		free(o->path);
		elf_info_free(&o->info);
		return r;
	}
	*ret_obj = c->n_objs++;
	return 0;
}

static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return strdup(".");
	if (slash == path)
		return strdup("/");
	return strndup(path, (size_t)(slash - path));
}

/*
 * OBJ becomes part of the current process, opened as FOUND, loaded for
 * NAME (NULL: not registered under a name) by entry LOADER.
 */
static int proc_load(struct ctx *c, size_t obj, const char *name, const char *found,
		     size_t loader, bool follow, size_t *ret_entry)
{
	size_t e;
	int r;

	if (c->objs[obj].gen == c->gen) {
		e = c->objs[obj].entry;
	} else {
		if (c->n_ents == c->cap_ents) {
			size_t cap = c->cap_ents ? c->cap_ents * 2 : 32;
			struct entry *ents = realloc(c->ents, cap * sizeof(*ents));

			if (!ents)
				return -ENOMEM;
			c->ents = ents;
			c->cap_ents = cap;
		}
		e = c->n_ents;
		c->ents[e] = (struct entry){
			.obj = obj,
			.loader = loader,
			.origin = dir_of(found),
			.follow = follow && c->objs[obj].usable,
		};
		if (!c->ents[e].origin)
			return -ENOMEM;
		c->n_ents++;
		c->objs[obj].gen = c->gen;
		c->objs[obj].entry = e;
		if (c->objs[obj].info.soname) {
			r = strmap_add(&c->names, c->objs[obj].info.soname, e);
			if (r < 0)
				return r;
		}
	}
	if (name) {
		r = strmap_add(&c->names, name, e);
		if (r < 0)
			return r;
	}
	if (ret_entry)
		*ret_entry = e;
	return 0;
}

/* One DT_NEEDED lookup in progress. */
struct search {
	struct ctx *c;
	size_t req;			/* requesting entry */
	struct abi abi;
	const struct abi_desc *d;
	const char *name;
	size_t found, variant;		/* entries, NO_ENTRY until found */
	bool failed;			/* ld.so would stop here with an error */
};

static bool search_done(const struct search *s)
{
	return s->found != NO_ENTRY || s->failed;
}

/* Try one candidate path. Returns 0 or a fatal -errno; see search_done(). */
static int search_try(struct search *s, const char *path, bool variant)
{
	struct ctx *c = s->c;
	size_t obj, e;
	int r;

	r = obj_open(c, path, &s->abi, &obj);
	switch (r) {
	case 0:
		r = proc_load(c, obj, variant ? NULL : s->name, path, s->req, true, &e);
		if (r < 0)
			return r;
		if (variant) {
			if (s->variant == NO_ENTRY)
				s->variant = e;
		} else {
			s->found = e;
		}
		return list_obj(c, obj);
	case -ENOEXEC:
		s->failed = true;
		return note(c, "%s: not an ELF object (needed by %s)", path,
			    c->objs[c->ents[s->req].obj].path);
	case -EBADMSG:
	case -E2BIG:
		s->failed = true;
		return 0;
	case -ENOMEM:
		return r;
	default:		/* absent, unreadable, not a file, other ABI: go on */
		return 0;
	}
}

static int dir_has_hwcaps(struct ctx *c, const char *dir, bool *ret)
{
	_cleanup_free_ char *p = NULL;
	struct stat st;
	size_t v;
	int r;

	if (strmap_get(&c->hwcaps_dirs, dir, &v)) {
		*ret = v;
		return 0;
	}
	if (asprintf(&p, "%s/glibc-hwcaps", dir) < 0)
		return -ENOMEM;
	*ret = stat(p, &st) == 0 && S_ISDIR(st.st_mode);
	r = strmap_add(&c->hwcaps_dirs, dir, *ret);
	return r < 0 ? r : 0;
}

/* Search directory DIR (no trailing slash, "" for "/"). */
static int search_dir(struct search *s, const char *dir)
{
	static const char *const levels[] = { "x86-64-v4", "x86-64-v3", "x86-64-v2" };
	_cleanup_free_ char *p = NULL;
	bool hw = false;
	int r;

	if (s->d->hwcaps) {
		r = dir_has_hwcaps(s->c, dir, &hw);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; hw && i < ARRAY_SIZE(levels); i++) {
		_cleanup_free_ char *v = NULL;

		if (asprintf(&v, "%s/glibc-hwcaps/%s/%s", dir, levels[i], s->name) < 0)
			return -ENOMEM;
		r = search_try(s, v, true);
		if (r < 0 || search_done(s))
			return r;
	}
	if (asprintf(&p, "%s/%s", dir, s->name) < 0)
		return -ENOMEM;
	return search_try(s, p, false);
}

/* Length of the dynamic string token REF at P (just after '$'), as glibc's is_dst(). */
static size_t dst_len(const char *p, const char *ref)
{
	size_t n = strlen(ref);
	bool curly = *p == '{';
	const char *q = p + curly;

	if (strncmp(q, ref, n))
		return 0;
	if (curly)
		return q[n] == '}' ? n + 2 : 0;
	return isalnum((unsigned char)q[n]) || q[n] == '_' ? 0 : n;
}

/*
 * Expand $ORIGIN, $LIB, $PLATFORM (and ${...}) in IN. *ret is NULL when a
 * known token has no value: ld.so then drops the whole element. Unknown
 * tokens stay as they are.
 */
static int dst_expand(const char *in, const char *origin, const struct abi_desc *d, char **ret)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	FILE *f;

	*ret = NULL;
	f = open_memstream(&buf, &len);
	if (!f)
		return -ENOMEM;
	for (const char *p = in; *p;) {
		const char *repl = NULL;
		size_t n;

		if (*p != '$') {
			fputc(*p++, f);
			continue;
		}
		p++;
		if ((n = dst_len(p, "ORIGIN")))
			repl = origin;
		else if ((n = dst_len(p, "PLATFORM")))
			repl = d->platform;
		else if ((n = dst_len(p, "LIB")))
			repl = d->lib;
		if (n && !repl) {
			fclose(f);
			return 0;
		}
		if (n) {
			fputs(repl, f);
			p += n;
		} else {
			fputc('$', f);
		}
	}
	if (fclose(f) != 0)
		return -ENOMEM;
	*ret = TAKE_PTR(buf);
	return 0;
}

/* Search the colon-separated LIST (an RPATH or RUNPATH of OWNER_OBJ, whose $ORIGIN is ORIGIN). */
static int search_list(struct search *s, const char *list, const char *origin, size_t owner_obj,
		       const char *what)
{
	_cleanup_free_ char *copy = strdup(list);
	char *rest = copy, *elem;
	int r = 0;

	if (!copy)
		return -ENOMEM;
	while (!search_done(s) && (elem = strsep(&rest, ":"))) {
		_cleanup_free_ char *dir = NULL;
		size_t n;

		if (!*elem)
			continue;	/* empty elements are skipped in RPATH/RUNPATH */
		r = dst_expand(elem, origin, s->d, &dir);
		if (r < 0)
			return r;
		if (!dir || !*dir)
			continue;
		if (dir[0] != '/') {
			r = note(s->c, "%s: relative %s element \"%s\" ignored (depends on the working directory)",
				 s->c->objs[owner_obj].path, what, dir);
			if (r < 0)
				return r;
			continue;
		}
		n = strlen(dir);
		while (n > 0 && dir[n - 1] == '/')
			dir[--n] = '\0';
		r = search_dir(s, dir);
		if (r < 0)
			return r;
	}
	return 0;
}

static int cache_search(struct search *s)
{
	struct ctx *c = s->c;
	const struct ldcache_entry *base = NULL;
	bool nodeflib = c->objs[c->ents[s->req].obj].info.nodeflib;
	int r;

	if (!s->d->cache_flags)
		return 0;
	if (c->cache_state == 0) {
		r = ldcache_load(LDSO_CACHE, &c->cache);
		c->cache_state = r < 0 ? r : 1;
		if (r == -ENOMEM)
			return r;
		if (r < 0 && r != -ENOENT) {
			r = note(c, "%s: not used: %s", LDSO_CACHE, strerror(-r));
			if (r < 0)
				return r;
		}
	}
	if (c->cache_state < 0)
		return 0;
	for (size_t i = 0; i < c->cache.n && !search_done(s); i++) {
		const struct ldcache_entry *e = &c->cache.e[i];
		bool skip = false;

		if (!cache_flags_ok(s->d, e->flags) || strcmp(e->name, s->name))
			continue;
		/* DF_1_NODEFLIB: no cache entry inside a trusted directory. */
		for (size_t k = 0; nodeflib && s->d->dirs[k]; k++) {
			size_t n = strlen(s->d->dirs[k]);

			if (!strncmp(e->path, s->d->dirs[k], n) && e->path[n] == '/')
				skip = true;
		}
		if (skip)
			continue;
		if (!e->hwcap) {
			if (!base)
				base = e;
			continue;
		}
		r = search_try(s, e->path, true);
		if (r < 0)
			return r;
	}
	if (base && !search_done(s))
		return search_try(s, base->path, false);
	return 0;
}

/* Resolve DT_NEEDED NAME of entry REQ in the current process. */
static int resolve_needed(struct ctx *c, size_t req, const char *name)
{
	size_t req_obj = c->ents[req].obj, e;
	struct search s = {
		.c = c, .req = req, .abi = c->objs[req_obj].info.abi, .name = name,
		.found = NO_ENTRY, .variant = NO_ENTRY,
	};
	int r;

	s.d = abi_desc_of(s.abi.cls, s.abi.machine);
	if (!*name)
		return note(c, "%s: empty DT_NEEDED ignored", c->objs[req_obj].path);
	if (strmap_get(&c->names, name, &e))
		return list_obj(c, c->ents[e].obj);

	if (strchr(name, '/')) {
		_cleanup_free_ char *path = NULL;

		r = dst_expand(name, c->ents[req].origin, s.d, &path);
		if (r < 0)
			return r;
		if (path && path[0] != '/') {
			r = note(c, "%s: relative DT_NEEDED \"%s\" not followed (depends on the working directory)",
				 c->objs[req_obj].path, name);
			if (r < 0)
				return r;
		} else if (path) {
			r = search_try(&s, path, false);
			if (r < 0)
				return r;
		}
		return s.found != NO_ENTRY ? 0 : add_missing(c, name, req_obj);
	}

	/* DT_RPATH of the requester and its loaders, unless it has DT_RUNPATH. */
	if (!c->objs[req_obj].info.runpath)
		for (size_t k = req; k != NO_ENTRY && !search_done(&s); k = c->ents[k].loader) {
			size_t o = c->ents[k].obj;

			if (!c->objs[o].info.rpath)
				continue;
			r = search_list(&s, c->objs[o].info.rpath, c->ents[k].origin, o, "DT_RPATH");
			if (r < 0)
				return r;
		}
	if (!search_done(&s) && c->objs[req_obj].info.runpath) {
		r = search_list(&s, c->objs[req_obj].info.runpath, c->ents[req].origin, req_obj,
				"DT_RUNPATH");
		if (r < 0)
			return r;
	}
	if (!search_done(&s)) {
		r = cache_search(&s);
		if (r < 0)
			return r;
	}
	for (size_t k = 0; !search_done(&s) && !c->objs[req_obj].info.nodeflib && s.d->dirs[k]; k++) {
		r = search_dir(&s, s.d->dirs[k]);
		if (r < 0)
			return r;
	}
	if (s.found != NO_ENTRY)
		return 0;
	if (!s.failed && s.variant != NO_ENTRY)	/* only a CPU-specific copy exists */
		return strmap_add(&c->names, name, s.variant) < 0 ? -ENOMEM : 0;
	return add_missing(c, name, req_obj);
}

static int resolve_interp(struct ctx *c, size_t root)
{
	size_t root_obj = c->ents[root].obj, obj;
	const char *interp = c->objs[root_obj].info.interp;
	int r;

	if (interp[0] != '/') {
		r = note(c, "%s: relative PT_INTERP \"%s\" not followed (depends on the working directory)",
			 c->objs[root_obj].path, interp);
		return r < 0 ? r : add_missing(c, interp, root_obj);
	}
	r = obj_open(c, interp, &c->objs[root_obj].info.abi, &obj);
	if (r == -ENOMEM)
		return r;
	if (r == -ENOEXEC)
		r = note(c, "%s: not an ELF object (interpreter of %s)", interp, c->objs[root_obj].path);
	else if (r == -EXDEV)
		r = note(c, "%s: not the ELF class or machine of %s", interp, c->objs[root_obj].path);
	else if (r == 0) {
		r = proc_load(c, obj, interp, interp, NO_ENTRY, false, NULL);
		return r < 0 ? r : list_obj(c, obj);
	} else
		r = 0;
	return r < 0 ? r : add_missing(c, interp, root_obj);
}

/* Simulate loading input FILE in a process of its own. */
static int closure_input(struct ctx *c, const char *file)
{
	size_t obj, root;
	int r;

	r = obj_open(c, file, NULL, &obj);
	if (r == -ENOEXEC || r == -ENODEV || r == -EBADMSG || r == -E2BIG)
		return 0;	/* not ELF, not a file, or already noted */
	if (r == -ENOMEM)
		return r;
	if (r < 0)
		return note(c, "%s: cannot open: %s", file, strerror(-r));
	if (!c->objs[obj].usable)
		return 0;

	ctx_reset_process(c);
	c->gen++;
	/* ld.so's $ORIGIN for the executable comes from /proc/self/exe. */
	r = proc_load(c, obj, NULL, c->objs[obj].path, NO_ENTRY, true, &root);
	if (r < 0)
		return r;
	if (c->objs[obj].info.interp) {
		r = resolve_interp(c, root);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < c->n_ents; i++) {
		size_t o = c->ents[i].obj;
		char **needed = c->objs[o].info.needed;
		size_t n = c->objs[o].info.n_needed;

		if (!c->ents[i].follow)
			continue;
		for (size_t k = 0; k < n; k++) {
			r = resolve_needed(c, i, needed[k]);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

int elf_closure_resolve(const char *const *files, size_t n_files, struct elf_closure *out)
{
	struct ctx c = { 0 };
	int r = 0;

	if (!out || (n_files && !files))
		return -EINVAL;
	for (size_t i = 0; i < n_files; i++)
		if (!files[i])
			return -EINVAL;
	for (size_t i = 0; i < n_files && r == 0; i++)
		r = closure_input(&c, files[i]);
	if (r < 0) {
		ctx_free(&c);
		return r;
	}
	*out = (struct elf_closure){
		.paths = TAKE_PTR(c.paths.v), .n = c.paths.n,
		.missing = TAKE_PTR(c.missing.v), .n_missing = c.missing.n,
		.notes = TAKE_PTR(c.notes.v), .n_notes = c.notes.n,
	};
	c.paths.n = c.missing.n = c.notes.n = 0;
	ctx_free(&c);
	return 0;
}

void elf_closure_free(struct elf_closure *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++)
		free(c->paths[i]);
	for (size_t i = 0; i < c->n_missing; i++)
		free(c->missing[i]);
	for (size_t i = 0; i < c->n_notes; i++)
		free(c->notes[i]);
	free(c->paths);
	free(c->missing);
	free(c->notes);
	*c = (struct elf_closure){ 0 };
}
