// SPDX-License-Identifier: GPL-2.0
/* What a module may import and export, read from the wasm binary itself (vk_wasm.h). */
#include <stdbool.h>
#include <string.h>

#include "vk_wasm.h"

/*
 * Every function the vkernel runtime provides, with its wasm signature:
 * 'i' i32, 'I' i64 (vkernel/wasi_imports.h and vkernel/spawn.c declare the
 * C side; gate.h for nojit.gate_code). Nothing else may be imported: no memory, table or global, no
 * function of another module or with another type.
 */
static const struct {
	const char *module, *name, *params, *results;
} provided[] = {
	{ "wasi_snapshot_preview1", "args_get", "ii", "i" },
	{ "wasi_snapshot_preview1", "args_sizes_get", "ii", "i" },
	{ "wasi_snapshot_preview1", "clock_res_get", "ii", "i" },
	{ "wasi_snapshot_preview1", "clock_time_get", "iIi", "i" },
	{ "wasi_snapshot_preview1", "environ_get", "ii", "i" },
	{ "wasi_snapshot_preview1", "environ_sizes_get", "ii", "i" },
	{ "wasi_snapshot_preview1", "fd_advise", "iIIi", "i" },
	{ "wasi_snapshot_preview1", "fd_allocate", "iII", "i" },
	{ "wasi_snapshot_preview1", "fd_close", "i", "i" },
	{ "wasi_snapshot_preview1", "fd_datasync", "i", "i" },
	{ "wasi_snapshot_preview1", "fd_fdstat_get", "ii", "i" },
	{ "wasi_snapshot_preview1", "fd_fdstat_set_flags", "ii", "i" },
	{ "wasi_snapshot_preview1", "fd_fdstat_set_rights", "iII", "i" },
	{ "wasi_snapshot_preview1", "fd_filestat_get", "ii", "i" },
	{ "wasi_snapshot_preview1", "fd_filestat_set_size", "iI", "i" },
	{ "wasi_snapshot_preview1", "fd_filestat_set_times", "iIIi", "i" },
	{ "wasi_snapshot_preview1", "fd_pread", "iiiIi", "i" },
	{ "wasi_snapshot_preview1", "fd_prestat_dir_name", "iii", "i" },
	{ "wasi_snapshot_preview1", "fd_prestat_get", "ii", "i" },
	{ "wasi_snapshot_preview1", "fd_pwrite", "iiiIi", "i" },
	{ "wasi_snapshot_preview1", "fd_read", "iiii", "i" },
	{ "wasi_snapshot_preview1", "fd_readdir", "iiiIi", "i" },
	{ "wasi_snapshot_preview1", "fd_renumber", "ii", "i" },
	{ "wasi_snapshot_preview1", "fd_seek", "iIii", "i" },
	{ "wasi_snapshot_preview1", "fd_sync", "i", "i" },
	{ "wasi_snapshot_preview1", "fd_tell", "ii", "i" },
	{ "wasi_snapshot_preview1", "fd_write", "iiii", "i" },
	{ "wasi_snapshot_preview1", "path_create_directory", "iii", "i" },
	{ "wasi_snapshot_preview1", "path_filestat_get", "iiiii", "i" },
	{ "wasi_snapshot_preview1", "path_filestat_set_times", "iiiiIIi", "i" },
	{ "wasi_snapshot_preview1", "path_link", "iiiiiii", "i" },
	{ "wasi_snapshot_preview1", "path_open", "iiiiiIIii", "i" },
	{ "wasi_snapshot_preview1", "path_readlink", "iiiiii", "i" },
	{ "wasi_snapshot_preview1", "path_remove_directory", "iii", "i" },
	{ "wasi_snapshot_preview1", "path_rename", "iiiiii", "i" },
	{ "wasi_snapshot_preview1", "path_symlink", "iiiii", "i" },
	{ "wasi_snapshot_preview1", "path_unlink_file", "iii", "i" },
	{ "wasi_snapshot_preview1", "poll_oneoff", "iiii", "i" },
	{ "wasi_snapshot_preview1", "proc_exit", "i", "" },
	{ "wasi_snapshot_preview1", "random_get", "ii", "i" },
	{ "wasi_snapshot_preview1", "sched_yield", "", "i" },
	{ "wasi_snapshot_preview1", "sock_accept", "iii", "i" },
	{ "wasi_snapshot_preview1", "sock_recv", "iiiiii", "i" },
	{ "wasi_snapshot_preview1", "sock_send", "iiiii", "i" },
	{ "wasi_snapshot_preview1", "sock_shutdown", "ii", "i" },
	{ "wasi_snapshot_preview1", "proc_raise", "i", "i" },
	{ "nojit", "spawn", "iiii", "i" },
	{ "nojit", "spawn_bytes", "iiii", "i" },
	{ "nojit", "gate_code", "iiiii", "i" },
};

#define MAX_TYPES	100000
#define MAX_NAME	128
/* Tag payload bytes; vkernel/vk_eh.h's VK_EH_PAYLOAD_MAX, which the rethrow copy has. */
#define MAX_TAG_PAYLOAD	64

struct rd {
	const uint8_t *p, *end;
};

static bool u8(struct rd *r, uint8_t *v)
{
	if (r->p >= r->end)
		return false;
	*v = *r->p++;
	return true;
}

/* Unsigned LEB128 of at most 32 bits, as the format requires. */
static bool leb32(struct rd *r, uint32_t *v)
{
	uint64_t x = 0;

	for (int shift = 0; shift < 35; shift += 7) {
		uint8_t b;

		if (!u8(r, &b))
			return false;
		x |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			if (x > UINT32_MAX)
				return false;
			*v = (uint32_t)x;
			return true;
		}
	}
	return false;
}

static bool bytes(struct rd *r, const uint8_t **s, uint32_t *len)
{
	if (!leb32(r, len) || *len > (size_t)(r->end - r->p))
		return false;
	*s = r->p;
	r->p += *len;
	return true;
}

/* A name wasm2c may copy into C comments: a C identifier, short. */
static bool plain_name(const uint8_t *s, uint32_t len)
{
	if (!len || len > MAX_NAME || (s[0] >= '0' && s[0] <= '9'))
		return false;
	for (uint32_t i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return false;
	return true;
}

/* The signature of one function type: "ii" -> "i", in our letters. */
struct sig {
	char params[32], results[4];
	bool other;	/* a type our letters cannot say (f32, f64, v128, refs, too long) */
};

static bool read_valtypes(struct rd *r, char *out, size_t cap, bool *other)
{
	uint32_t n;
	size_t k = 0;

	if (!leb32(r, &n))
		return false;
	for (uint32_t i = 0; i < n; i++) {
		uint8_t t;

		if (!u8(r, &t))
			return false;
		if ((t != 0x7f && t != 0x7e) || k + 1 >= cap)
			*other = true;
		else
			out[k++] = t == 0x7f ? 'i' : 'I';
	}
	out[k] = '\0';
	return true;
}

int vk_wasm_check_interface(const uint8_t *buf, size_t len, const char *name,
			    struct nojit_err *err)
{
	struct rd r = { buf + 8, buf + len };
	struct sig *types = NULL;
	uint32_t n_types = 0;
	int ret = 0;

	if (len < 8)
		return nojit_err_set(err, -ENOEXEC, "%s: too short for a wasm module", name);
	while (!ret && r.p < r.end) {
		uint8_t id;
		uint32_t size, n;
		struct rd s;

		if (!u8(&r, &id) || !leb32(&r, &size) || size > (size_t)(r.end - r.p)) {
			ret = nojit_err_set(err, -EBADMSG, "%s: malformed section header", name);
			break;
		}
		s = (struct rd){ r.p, r.p + size };
		r.p += size;
		if (id == 1) {		/* types */
			if (types || !leb32(&s, &n) || n > MAX_TYPES) {
				ret = nojit_err_set(err, -EBADMSG, "%s: malformed type section", name);
				break;
			}
			types = calloc(n ? n : 1, sizeof(*types));
			if (!types) {
				ret = nojit_err_set(err, -ENOMEM, "out of memory");
				break;
			}
			n_types = n;
			for (uint32_t i = 0; i < n; i++) {
				uint8_t form;

				if (!u8(&s, &form) || form != 0x60 ||
				    !read_valtypes(&s, types[i].params, sizeof(types[i].params), &types[i].other) ||
				    !read_valtypes(&s, types[i].results, sizeof(types[i].results), &types[i].other)) {
					ret = nojit_err_set(err, -EBADMSG, "%s: malformed function type %u", name, i);
					break;
				}
			}
		} else if (id == 2) {	/* imports */
			if (!leb32(&s, &n)) {
				ret = nojit_err_set(err, -EBADMSG, "%s: malformed import section", name);
				break;
			}
			for (uint32_t i = 0; i < n && !ret; i++) {
				const uint8_t *mod, *fn;
				uint32_t mod_len, fn_len, type;
				uint8_t kind;
				size_t k;

				if (!bytes(&s, &mod, &mod_len) || !bytes(&s, &fn, &fn_len) || !u8(&s, &kind)) {
					ret = nojit_err_set(err, -EBADMSG, "%s: malformed import %u", name, i);
					break;
				}
				if (!plain_name(mod, mod_len) || !plain_name(fn, fn_len)) {
					ret = nojit_err_set(err, -EINVAL,
							    "%s: import %u has a name that is not a plain identifier",
							    name, i);
					break;
				}
				for (k = 0; k < ARRAY_SIZE(provided); k++)
					if (strlen(provided[k].module) == mod_len &&
					    !memcmp(provided[k].module, mod, mod_len) &&
					    strlen(provided[k].name) == fn_len &&
					    !memcmp(provided[k].name, fn, fn_len))
						break;
				if (k == ARRAY_SIZE(provided) || kind != 0) {
					ret = nojit_err_set(err, -ENOENT,
							    "%s imports %.*s.%.*s%s; the vkernel provides only the functions of wasi_snapshot_preview1 and nojit",
							    name, (int)mod_len, mod, (int)fn_len, fn,
							    kind != 0 ? " (not a function)" : "");
					break;
				}
				if (!leb32(&s, &type) || type >= n_types || types[type].other ||
				    strcmp(types[type].params, provided[k].params) ||
				    strcmp(types[type].results, provided[k].results)) {
					ret = nojit_err_set(err, -EINVAL,
							    "%s imports %s.%s with the wrong signature",
							    name, provided[k].module, provided[k].name);
					break;
				}
			}
		} else if (id == 13) {	/* tags (exception handling) */
			/*
			 * A tag's payload is its type's parameters; the runtime
			 * copies it for a rethrow into a fixed buffer, so only
			 * i32/i64 parameters up to MAX_TAG_PAYLOAD bytes. Imported
			 * tags are refused with the imports (not a function).
			 */
			if (!leb32(&s, &n)) {
				ret = nojit_err_set(err, -EBADMSG, "%s: malformed tag section", name);
				break;
			}
			for (uint32_t i = 0; i < n && !ret; i++) {
				uint8_t attr;
				uint32_t type;
				size_t payload = 0;

				if (!u8(&s, &attr) || attr != 0 || !leb32(&s, &type) || type >= n_types) {
					ret = nojit_err_set(err, -EBADMSG, "%s: malformed tag %u", name, i);
					break;
				}
				for (const char *t = types[type].params; *t; t++)
					payload += *t == 'I' ? 8 : 4;
				if (types[type].other || types[type].results[0] || payload > MAX_TAG_PAYLOAD)
					ret = nojit_err_set(err, -EINVAL,
							    "%s: tag %u carries more than %d bytes of i32/i64 or another type",
							    name, i, MAX_TAG_PAYLOAD);
			}
		} else if (id == 7) {	/* exports */
			if (!leb32(&s, &n)) {
				ret = nojit_err_set(err, -EBADMSG, "%s: malformed export section", name);
				break;
			}
			for (uint32_t i = 0; i < n && !ret; i++) {
				const uint8_t *e;
				uint32_t e_len, idx;
				uint8_t kind;

				if (!bytes(&s, &e, &e_len) || !u8(&s, &kind) || !leb32(&s, &idx)) {
					ret = nojit_err_set(err, -EBADMSG, "%s: malformed export %u", name, i);
					break;
				}
				if (!plain_name(e, e_len))
					ret = nojit_err_set(err, -EINVAL,
							    "%s: export %u has a name that is not a plain identifier",
							    name, i);
			}
		}
	}
	free(types);
	return ret;
}
