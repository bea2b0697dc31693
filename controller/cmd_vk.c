// SPDX-License-Identifier: GPL-2.0
/* nojit vk: build, verify and run vkernel megabinaries (docs/vkernel.md). */
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <linux/fsverity.h>

#include "cli.h"
#include "cmd.h"
#include "verity.h"
#include "vk_build.h"

#ifndef NOJIT_VK_RUNTIME_DIR
#define NOJIT_VK_RUNTIME_DIR "/usr/lib/nojit/vkernel"
#endif

static const char vk_usage[] =
	"Usage: nojit vk { build | verify | seal | run | help } ...\n"
	"\n"
	"  build   compile wasm modules into one signed megabinary\n"
	"  verify  check a megabinary's signed trailer and image hash\n"
	"  seal    make a verified megabinary immutable (fs-verity) and sign it\n"
	"  run     run a module of a verified megabinary, confined\n"
	"\n"
	"`nojit vk VERB --help` for each verb's options.\n";

static const char build_usage[] =
	"Usage: nojit vk build --key KEY -o APP [--name NAME=MODULE.wasm]...\n"
	"                      [--trust PUB|DIR] [--runtime DIR] [--keep-temp]\n"
	"                      [--script FILE]... [--object-cache DIR]\n"
	"                      [MODULE.wasm]...\n"
	"\n"
	"Translate each WASI command module with wasm2c, compile and link them\n"
	"with the vkernel runtime into one static ELF, and append a trailer\n"
	"signed with KEY listing each module's name and SHA-256 and the image's.\n"
	"\n"
	"  -k, --key KEY          secret key file that signs the trailer\n"
	"  -o, --output APP       the megabinary to write\n"
	"  -n, --name NAME=FILE   add FILE under NAME (default name: the file's\n"
	"                         base name without .wasm)\n"
	"  -t, --trust PUB|DIR    public keys compiled in, which the megabinary\n"
	"                         accepts when run directly (default: KEY's own)\n"
	"  -r, --runtime DIR      the vkernel runtime (libvkernel.a and headers;\n"
	"                         default " NOJIT_VK_RUNTIME_DIR ")\n"
	"  -s, --script FILE      list FILE's SHA-256 in the trailer: an interpreter\n"
	"                         module (lua) may run that script (exactly those\n"
	"                         bytes), and no other code\n"
	"      --keep-temp        keep the generated C and say where\n"
	"      --object-cache DIR reuse a module's object when the compiler, flags\n"
	"                         and preprocessed C are the same (DIR must be\n"
	"                         ours and writable by nobody else)\n"
	"  -h, --help             show this help\n";

static const char verify_usage[] =
	"Usage: nojit vk verify --trust PUB|DIR [--list] APP\n"
	"\n"
	"Check that APP's trailer is signed by a trusted key and that the image\n"
	"hashes to what the trailer lists. Exit 0 valid, 1 not.\n"
	"\n"
	"  -t, --trust PUB|DIR  trusted public key file or directory\n"
	"  -l, --list           list the modules\n"
	"  -h, --help           show this help\n";

static const char seal_usage[] =
	"Usage: nojit vk seal --key KEY [--trust PUB|DIR] APP\n"
	"       nojit vk seal --key KEY [--trust PUB|DIR] -o SEAL APP\n"
	"       nojit vk seal --seal SEAL --trust PUB|DIR APP\n"
	"\n"
	"Verify APP in full (trailer signature and image hash), enable fs-verity\n"
	"on it (the file becomes read-only for good and the kernel checks every\n"
	"page read from it), and store in its xattr " VK_SEAL_XATTR " KEY's\n"
	"signature over the file's verity digest. A megabinary so sealed by a\n"
	"key compiled into it skips hashing its image at start (docs/vkernel.md).\n"
	"With -o, on the build machine: write that signature to SEAL instead,\n"
	"the digest computed here, APP left as it is (no fs-verity needed).\n"
	"With --seal, on a node, no key: check that SEAL is a seal of APP by a\n"
	"--trust key, then enable fs-verity and store it.\n"
	"Enabling needs a file system with fs-verity (ext4/f2fs made with it,\n"
	"btrfs) and the right to (the file's owner or root). Exit 0 done, 1 not.\n"
	"\n"
	"  -k, --key KEY        the vk signing key\n"
	"  -t, --trust PUB|DIR  keys APP's trailer (and SEAL) may be signed by\n"
	"                       (default KEY's own)\n"
	"  -o, --output SEAL    write the seal to SEAL, leave APP alone\n"
	"  -s, --seal SEAL      store SEAL, made with -o elsewhere\n"
	"  -h, --help           show this help\n";

static struct json_object *trailer_json(const char *file, const struct vk_trailer *t)
{
	struct json_object *o = json_object_new_object(), *mods = json_object_new_array();
	char h[65];

	json_object_object_add(o, "file", json_object_new_string(file));
	json_object_object_add(o, "valid", json_object_new_boolean(true));
	json_object_object_add(o, "key_id", json_object_new_string(t->key_id));
	hex_encode(t->image_sha256, 32, h);
	json_object_object_add(o, "image_sha256", json_object_new_string(h));
	json_object_object_add(o, "image_len", json_object_new_int64(t->image_len));
	for (uint32_t i = 0; i < t->n_modules; i++) {
		struct json_object *m = json_object_new_object();

		json_object_object_add(m, "name", json_object_new_string(t->modules[i].name));
		hex_encode(t->modules[i].wasm_sha256, 32, h);
		json_object_object_add(m, "wasm_sha256", json_object_new_string(h));
		json_object_array_add(mods, m);
	}
	json_object_object_add(o, "modules", mods);
	if (t->version == VK_TRAILER_VERSION_CODES) {
		struct json_object *codes = json_object_new_array();

		for (uint32_t i = 0; i < t->n_codes; i++) {
			hex_encode(t->codes[i], 32, h);
			json_object_array_add(codes, json_object_new_string(h));
		}
		json_object_object_add(o, "code_sha256", codes);
	}
	return o;
}

static void trailer_text(const char *file, const struct vk_trailer *t, bool list)
{
	char h[65];

	hex_encode(t->image_sha256, 32, h);
	printf("%s: OK, %u module%s, ", file, t->n_modules, t->n_modules == 1 ? "" : "s");
	if (t->version == VK_TRAILER_VERSION_CODES)
		printf("%u listed script%s, ", t->n_codes, t->n_codes == 1 ? "" : "s");
	printf("image sha256 %s, signed by key %s\n", h, t->key_id);
	for (uint32_t i = 0; list && i < t->n_modules; i++) {
		hex_encode(t->modules[i].wasm_sha256, 32, h);
		printf("%s %s\n", h, t->modules[i].name);
	}
	for (uint32_t i = 0; list && i < t->n_codes; i++) {
		hex_encode(t->codes[i], 32, h);
		printf("%s (script)\n", h);
	}
}

/* "NAME=FILE", or FILE whose base name minus ".wasm" is the name. */
/* The keys in TRUST_PATH, or when none is given KEY's own public key. */
static int trust_or_own_key(const char *trust_path, const struct nojit_seckey *key,
			    struct nojit_trust *trust, struct nojit_err *err)
{
	if (trust_path)
		return trust_load(trust_path, trust, err);
	trust->keys = malloc(sizeof(*trust->keys));
	if (!trust->keys)
		return nojit_err_set(err, -ENOMEM, "out of memory");
	trust->keys[0] = key->pub;
	trust->n_keys = 1;
	return 0;
}

static int module_arg(char *arg, bool named, struct vk_build_module *m)
{
	char *eq = named ? strchr(arg, '=') : NULL, *base, *dot;

	if (named) {
		if (!eq || eq == arg || !eq[1])
			return -EINVAL;
		*eq = '\0';
		m->name = arg;
		m->path = eq + 1;
		return 0;
	}
	m->path = arg;
	base = strrchr(arg, '/');
	base = strdup(base ? base + 1 : arg);
	if (!base)
		return -ENOMEM;
	dot = strrchr(base, '.');
	if (dot && !strcmp(dot, ".wasm"))
		*dot = '\0';
	m->name = base;
	return 0;
}

static int do_build(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "key", required_argument, NULL, 'k' },
		{ "output", required_argument, NULL, 'o' },
		{ "name", required_argument, NULL, 'n' },
		{ "trust", required_argument, NULL, 't' },
		{ "runtime", required_argument, NULL, 'r' },
		{ "script", required_argument, NULL, 's' },
		{ "keep-temp", no_argument, NULL, 'K' },
		{ "object-cache", required_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	_cleanup_free_ struct vk_build_module *mods = calloc(argc, sizeof(*mods));
	_cleanup_free_ const char **scripts = calloc(argc, sizeof(*scripts));
	const char *key_path = NULL, *trust_path = NULL;
	struct vk_build_opts o = { .runtime_dir = NOJIT_VK_RUNTIME_DIR };
	_cleanup_seckey_ struct nojit_seckey key = {};
	struct nojit_trust trust = {};
	static struct vk_trailer t;
	struct nojit_err err;
	size_t n = 0, n_scripts = 0;
	int c, r;

	if (!mods || !scripts) {
		cli_error("out of memory");
		return EXIT_FAILED;
	}
	optind = 0;
	while ((c = getopt_long(argc, argv, "k:o:n:t:r:s:h", opts, NULL)) != -1) {
		switch (c) {
		case 'k':
			key_path = optarg;
			break;
		case 'o':
			o.output = optarg;
			break;
		case 'n':
			if (module_arg(optarg, true, &mods[n++]))
				return cli_usage_error(build_usage, "--name '%s': want NAME=MODULE.wasm",
						       optarg);
			break;
		case 't':
			trust_path = optarg;
			break;
		case 'r':
			o.runtime_dir = optarg;
			break;
		case 's':
			scripts[n_scripts++] = optarg;
			break;
		case 'C':
			o.object_cache = optarg;
			break;
		case 'K':
			o.keep_temp = true;
			break;
		case 'h':
			printf("%s", build_usage);
			return EXIT_OK;
		default:
			fprintf(stderr, "%s", build_usage);
			return EXIT_USAGE;
		}
	}
	for (; optind < argc; optind++)
		if (module_arg(argv[optind], false, &mods[n++])) {
			cli_error("out of memory");
			return EXIT_FAILED;
		}
	if (!key_path)
		return cli_usage_error(build_usage, "--key KEY is required");
	if (!o.output)
		return cli_usage_error(build_usage, "-o APP is required");
	if (!n)
		return cli_usage_error(build_usage, "no MODULE.wasm given");

	r = key_load_secret(key_path, &key, &err);
	if (!r)
		r = trust_or_own_key(trust_path, &key, &trust, &err);
	if (r) {
		cli_error("%s", err.msg);
		return EXIT_FAILED;
	}
	o.modules = mods;
	o.n_modules = n;
	o.scripts = scripts;
	o.n_scripts = n_scripts;
	o.key = &key;
	o.embed = &trust;
	r = vk_build(&o, &t, &err);
	trust_free(&trust);
	if (r) {
		cli_error("vk build: %s", err.msg);
		return EXIT_FAILED;
	}
	if (arg_json)
		cli_json_print(trailer_json(o.output, &t));
	else
		trailer_text(o.output, &t, true);
	return EXIT_OK;
}

static int do_verify(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "trust", required_argument, NULL, 't' },
		{ "list", no_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	const char *trust_path = NULL, *file;
	static struct vk_trailer t;
	struct nojit_err err;
	bool list = false;
	int c, r;

	optind = 0;
	while ((c = getopt_long(argc, argv, "t:lh", opts, NULL)) != -1) {
		switch (c) {
		case 't':
			trust_path = optarg;
			break;
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
	if (!trust_path)
		return cli_usage_error(verify_usage, "--trust PUB|DIR is required");
	if (optind + 1 != argc)
		return cli_usage_error(verify_usage, "want exactly one APP");
	file = argv[optind];
	r = vk_verify_path(file, trust_path, &t, &err);
	if (r) {
		if (arg_json) {
			struct json_object *o = json_object_new_object();

			json_object_object_add(o, "file", json_object_new_string(file));
			json_object_object_add(o, "valid", json_object_new_boolean(false));
			json_object_object_add(o, "error", json_object_new_string(err.msg));
			cli_json_print(o);
		} else {
			cli_error("%s", err.msg);
		}
		return EXIT_FAILED;
	}
	if (arg_json)
		cli_json_print(trailer_json(file, &t));
	else
		trailer_text(file, &t, list);
	return EXIT_OK;
}

/*
 * Enable fs-verity on FD (read-only: the kernel refuses while anyone has
 * the file open for writing), with the parameters vk_verity_compute()
 * assumes, so a seal made elsewhere fits. Already enabled is fine: what
 * counts is the digest measured next.
 */
static int verity_enable(int fd, const char *file, struct nojit_err *err)
{
	struct fsverity_enable_arg arg = {
		.version = 1,
		.hash_algorithm = FS_VERITY_HASH_ALG_SHA256,
		.block_size = VK_VERITY_BLOCK,
	};

	if (ioctl(fd, FS_IOC_ENABLE_VERITY, &arg) && errno != EEXIST)
		return nojit_err_set(err, -errno, "%s: cannot enable fs-verity: %s%s", file,
				     strerror(errno),
				     errno == EOPNOTSUPP || errno == ENOTTY ?
				     " (the file system has no fs-verity: ext4 needs mkfs/tune2fs -O verity)" :
				     errno == EINVAL ? " (fs-verity with 4 KiB blocks: is the file system's block smaller?)" :
				     "");
	return 0;
}

/*
 * A new inode in FILE's directory holding SNAP's bytes, not linked yet,
 * never open for writing by anyone else, with a page cache only we have
 * touched: returned read-only (the writer closed), ready for fs-verity.
 * Sealing FILE's own inode in place would trust its page cache, and a
 * page someone pinned earlier (a direct-I/O read into a shared writable
 * mapping, still in flight) can change after fs-verity is on, which
 * verifies pages only when they come from disk. *DIRFD is FILE's
 * directory, for replace_with().
 */
static int fresh_copy(int snap, const char *file, int *dirfd, struct nojit_err *err)
{
	_cleanup_free_ char *dir = strdup(file);
	char self[64], *slash;
	struct stat st;
	off_t off = 0;
	int w, ro, r;

	if (!dir)
		return nojit_err_set(err, -ENOMEM, "out of memory");
	if (fstat(snap, &st))
		return nojit_err_set(err, -errno, "snapshot: %s", strerror(errno));
	slash = strrchr(dir, '/');
	if (slash)
		slash[1] = '\0';
	*dirfd = open(slash ? dir : ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (*dirfd < 0)
		return nojit_err_set(err, -errno, "%s: its directory: %s", file, strerror(errno));
	w = openat(*dirfd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0700);
	if (w < 0)
		return nojit_err_set(err, -errno, "%s: a new file beside it (O_TMPFILE): %s", file,
				     strerror(errno));
	while (off < st.st_size) {
		ssize_t n = sendfile(w, snap, &off, (size_t)(st.st_size - off));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			r = n < 0 ? -errno : -EIO;
			close(w);
			return nojit_err_set(err, r, "%s: writing the new copy: %s", file, strerror(-r));
		}
	}
	snprintf(self, sizeof(self), "/proc/self/fd/%d", w);
	ro = fsync(w) ? -1 : open(self, O_RDONLY | O_CLOEXEC);
	r = ro < 0 ? -errno : 0;
	close(w);
	if (r)
		return nojit_err_set(err, r, "%s: the new copy: %s", file, strerror(-r));
	return ro;
}

/*
 * FILE (in DIRFD) becomes the sealed new inode RO, atomically, with MODE's
 * permission bits but never set-user-ID or set-group-ID: the new inode is
 * the sealer's (root's), not FILE's owner's.
 */
static int replace_with(int ro, int dirfd, const char *file, mode_t mode, struct nojit_err *err)
{
	const char *base = strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
	char self[64], tmp[NAME_MAX + 1];
	struct stat want, got;

	if (fchmod(ro, mode & 0755) || fstat(ro, &want))
		return nojit_err_set(err, -errno, "%s: chmod of the new copy: %s", file, strerror(errno));
	snprintf(self, sizeof(self), "/proc/self/fd/%d", ro);
	if ((size_t)snprintf(tmp, sizeof(tmp), ".%.200s.nojit-seal.%d", base, (int)getpid()) >= sizeof(tmp))
		return nojit_err_set(err, -ENAMETOOLONG, "%s: name too long", file);
	if (linkat(AT_FDCWD, self, dirfd, tmp, AT_SYMLINK_FOLLOW))
		return nojit_err_set(err, -errno, "%s: linking the new copy: %s", file, strerror(errno));
	if (renameat(dirfd, tmp, dirfd, base)) {
		int r = -errno;

		unlinkat(dirfd, tmp, 0);
		return nojit_err_set(err, r, "%s: replacing it with the sealed copy: %s", file,
				     strerror(-r));
	}
	/* Someone who may write the directory could have renamed over it since. */
	if (fstatat(dirfd, base, &got, AT_SYMLINK_NOFOLLOW) || got.st_dev != want.st_dev ||
	    got.st_ino != want.st_ino)
		return nojit_err_set(err, -EAGAIN, "%s: replaced by another file right after sealing", file);
	return 0;
}

static int read_seal(const char *path, uint8_t *seal, struct nojit_err *err)
{
	uint8_t buf[VK_SEAL_LEN + 1];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return nojit_err_set(err, -errno, "%s: %s", path, strerror(errno));
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n != VK_SEAL_LEN)
		return nojit_err_set(err, -EBADMSG, "%s: not a seal (%d bytes)", path, (int)n);
	memcpy(seal, buf, VK_SEAL_LEN);
	return 0;
}

static int write_seal(const char *path, const uint8_t *seal, struct nojit_err *err)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644), r = 0;

	if (fd < 0)
		return nojit_err_set(err, -errno, "%s: %s", path, strerror(errno));
	if (write(fd, seal, VK_SEAL_LEN) != VK_SEAL_LEN || fsync(fd))
		r = nojit_err_set(err, -EIO, "%s: cannot write the seal", path);
	if (close(fd) && !r)
		r = nojit_err_set(err, -EIO, "%s: cannot write the seal", path);
	return r;
}

/* The seal SEAL checked for V against TRUST's keys: 0, or why not in ERR. */
static int seal_check(const struct vk_verity *v, const uint8_t *seal,
		      const struct nojit_trust *trust, const char *file, struct nojit_err *err)
{
	_cleanup_free_ uint8_t (*keys)[32] = calloc(trust->n_keys, 32);
	char id[NOJIT_KEY_ID_LEN + 1];
	int r;

	if (!keys)
		return nojit_err_set(err, -ENOMEM, "out of memory");
	for (size_t i = 0; i < trust->n_keys; i++)
		memcpy(keys[i], trust->keys[i].pk, 32);
	r = vk_seal_verify(v, seal, VK_SEAL_LEN, (const uint8_t (*)[32])keys, trust->n_keys, id);
	if (r == -EBADMSG)
		return nojit_err_set(err, r, "not a seal");
	if (r == -ENOKEY)
		return nojit_err_set(err, r, "the seal is by key %s, which is not trusted", id);
	if (r)
		return nojit_err_set(err, r, "the seal is not for %s (another file's, or it changed)", file);
	return 0;
}

/*
 * In place: the full check, fs-verity, the kernel's digest (which must be
 * WANT when given: the digest a seal made elsewhere is of), the full
 * check again (the bytes are fixed now, so the digest is of exactly what
 * this check read), then SEAL (made from the digest by KEY when not given)
 * stored. Fills V.
 */
static int seal_in_place(int fd, const char *file, const struct nojit_trust *trust,
			 const struct nojit_seckey *key, const struct vk_verity *want,
			 uint8_t *seal, struct vk_verity *v, struct nojit_err *err)
{
	static struct vk_trailer t;
	int r;

	r = verity_enable(fd, file, err);
	if (r)
		return r;
	r = vk_verity_measure(fd, v);
	if (r)
		return nojit_err_set(err, r, "%s: cannot measure fs-verity: %s", file, strerror(-r));
	if (want && (v->alg != want->alg || memcmp(v->digest, want->digest, v->len)))
		return nojit_err_set(err, -EBADMSG,
				     "%s: the kernel's fs-verity digest is not the one the seal is of",
				     file);
	r = vk_verify_fd(fd, file, trust, NULL, 0, &t, NULL, err);
	if (r)
		return r;
	if (key) {
		r = vk_seal_sign(v, key, seal);
		if (r)
			return nojit_err_set(err, r, "signing: %s", strerror(-r));
	}
	if (fsetxattr(fd, VK_SEAL_XATTR, seal, VK_SEAL_LEN, 0))
		return nojit_err_set(err, -errno, "%s: cannot set %s: %s", file, VK_SEAL_XATTR,
				     strerror(errno));
	return 0;
}

static int do_seal(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "key", required_argument, NULL, 'k' },
		{ "trust", required_argument, NULL, 't' },
		{ "output", required_argument, NULL, 'o' },
		{ "seal", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	const char *key_path = NULL, *trust_path = NULL, *out = NULL, *in = NULL, *file;
	_cleanup_seckey_ struct nojit_seckey key = {};
	struct nojit_trust trust = {};
	static struct vk_trailer t;
	uint8_t seal[VK_SEAL_LEN];
	char d[8 + 2 * VK_VERITY_MAX_DIGEST + 1], id[NOJIT_KEY_ID_LEN + 1];
	struct nojit_err err;
	struct vk_verity v, want;
	int c, fd, snap = -1, copy = -1, dirfd = -1, r;

	optind = 0;
	while ((c = getopt_long(argc, argv, "k:t:o:s:h", opts, NULL)) != -1) {
		switch (c) {
		case 'k':
			key_path = optarg;
			break;
		case 't':
			trust_path = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		case 's':
			in = optarg;
			break;
		case 'h':
			printf("%s", seal_usage);
			return EXIT_OK;
		default:
			fprintf(stderr, "%s", seal_usage);
			return EXIT_USAGE;
		}
	}
	if (!key_path == !in)
		return cli_usage_error(seal_usage, "want --key KEY or --seal SEAL");
	if (in && (out || !trust_path))
		return cli_usage_error(seal_usage, "--seal SEAL wants --trust and no -o");
	if (optind + 1 != argc)
		return cli_usage_error(seal_usage, "want exactly one APP");
	file = argv[optind];
	r = key_path ? key_load_secret(key_path, &key, &err) : read_seal(in, seal, &err);
	if (!r)
		r = trust_or_own_key(trust_path, &key, &trust, &err);
	if (r) {
		cli_error("%s", err.msg);
		return EXIT_FAILED;
	}
	fd = open(file, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		cli_error("%s: %s", file, strerror(errno));
		trust_free(&trust);
		return EXIT_FAILED;
	}
	if (out) {
		/* Build machine: verified and digested from one snapshot. */
		snap = r = sealed_copy(fd, file, SIZE_MAX, false, &err);
		if (r >= 0)
			r = vk_verify_fd(snap, file, &trust, NULL, 0, &t, NULL, &err);
		if (!r && (r = vk_verity_compute(snap, &v)))
			nojit_err_set(&err, r, "%s: %s", file, strerror(-r));
		if (!r && (r = vk_seal_sign(&v, &key, seal)))
			nojit_err_set(&err, r, "signing: %s", strerror(-r));
		if (!r)
			r = write_seal(out, seal, &err);
	} else {
		/*
		 * On the node: what is checked is a snapshot, what is sealed
		 * a new inode made from it (fresh_copy() says why), which
		 * then replaces FILE. With --seal, the seal must fit before
		 * anything is made immutable (the full check, then the digest
		 * computed here), and the kernel's digest must be that one
		 * after.
		 */
		struct stat st;

		r = fstat(fd, &st) ? nojit_err_set(&err, -errno, "%s: %s", file, strerror(errno)) : 0;
		if (!r)
			snap = r = sealed_copy(fd, file, SIZE_MAX, false, &err);
		if (r >= 0)
			r = vk_verify_fd(snap, file, &trust, NULL, 0, &t, NULL, &err);
		if (!r && in && (r = vk_verity_compute(snap, &want)))
			nojit_err_set(&err, r, "%s: %s", file, strerror(-r));
		if (!r && in)
			r = seal_check(&want, seal, &trust, file, &err);
		if (!r)
			copy = r = fresh_copy(snap, file, &dirfd, &err);
		if (r >= 0)
			r = seal_in_place(copy, file, &trust, in ? NULL : &key, in ? &want : NULL, seal,
					  &v, &err);
		if (!r)
			r = replace_with(copy, dirfd, file, st.st_mode, &err);
	}
	if (copy >= 0)
		close(copy);
	if (dirfd >= 0)
		close(dirfd);
	if (snap >= 0)
		close(snap);
	close(fd);
	trust_free(&trust);
	if (r < 0) {
		cli_error("vk seal: %s", err.msg);
		return EXIT_FAILED;
	}
	vk_verity_format(&v, d);
	memcpy(id, seal + 8, NOJIT_KEY_ID_LEN);
	id[NOJIT_KEY_ID_LEN] = '\0';
	if (arg_json) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "file", json_object_new_string(file));
		json_object_object_add(o, "sealed", json_object_new_boolean(!out));
		if (out)
			json_object_object_add(o, "seal", json_object_new_string(out));
		json_object_object_add(o, "verity_digest", json_object_new_string(d));
		json_object_object_add(o, "key_id", json_object_new_string(id));
		cli_json_print(o);
	} else if (out) {
		printf("%s: seal written to %s, fs-verity %s, signed by key %s\n", file, out, d, id);
	} else {
		printf("%s: sealed, fs-verity %s, signed by key %s\n", file, d, id);
	}
	return EXIT_OK;
}

int do_vk(int argc, char **argv)
{
	static const struct cli_cmd cmds[] = {
		{ "build", do_build, "compile wasm modules into one signed megabinary" },
		{ "verify", do_verify, "check a megabinary's signed trailer" },
		{ "seal", do_seal, "make a verified megabinary immutable (fs-verity) and sign it" },
		{ "run", do_vk_run, "run a module of a verified megabinary, confined" },
		{ "help", NULL, "show this help" },
		{}
	};

	return cli_object(cmds, "vk", vk_usage, argc, argv);
}
