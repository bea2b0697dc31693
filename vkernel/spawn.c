// SPDX-License-Identifier: GPL-2.0
/* The "nojit" import module (see spawn.h). */
#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guest.h"
#include "self_check.h"
#include "spawn.h"
#include "wasi.h"

/* Spawns between the first guest and this process's (0: the first guest). */
static unsigned int spawn_depth;

static struct vk_guest *nojit_guest(nojit_instance_t *inst)
{
	return (struct vk_guest *)inst;
}

static void free_argv(char **argv, uint32_t argc)
{
	uint32_t i;

	if (!argv)
		return;
	for (i = 0; i < argc; i++)
		free(argv[i]);
	free(argv);
}

/*
 * Copy argc guest C strings (u32 pointers at argv_ptr; they may alias):
 * 0 or -WASI errno, -E2BIG past VK_SPAWN_MAX_ARGV_BYTES in all.
 */
static int argv_copy(struct vk_guest *g, uint32_t argv_ptr, uint32_t argc, char ***ret)
{
	size_t budget = VK_SPAWN_MAX_ARGV_BYTES;	/* string bytes + NULs left */
	char **argv;
	uint32_t i;

	if (argc > VK_SPAWN_MAX_ARGC)
		return -WASI_E2BIG;
	if (!vk_mem(g, argv_ptr, (uint64_t)argc * 4))
		return -WASI_EFAULT;
	argv = calloc((size_t)argc + 1, sizeof(*argv));
	if (!argv)
		return -WASI_ENOMEM;
	for (i = 0; i < argc; i++) {
		uint32_t p = 0, avail;
		const char *s, *nul;

		vk_load32(g, argv_ptr + 4 * i, &p);
		s = vk_mem(g, p, 0);
		if (!s || p >= g->mem->size) {
			free_argv(argv, i);
			return -WASI_EFAULT;
		}
		avail = g->mem->size - p;
		if (avail > budget)
			avail = (uint32_t)budget;
		nul = memchr(s, '\0', avail);
		if (!nul) {
			free_argv(argv, i);
			return avail == budget ? -WASI_E2BIG : -WASI_EFAULT;
		}
		budget -= (size_t)(nul - s) + 1;
		argv[i] = strndup(s, (size_t)(nul - s));
		if (!argv[i]) {
			free_argv(argv, i);
			return -WASI_ENOMEM;
		}
	}
	*ret = argv;
	return 0;
}

static const struct vk_module *module_find(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < vk_n_modules; i++)
		if (strlen(vk_modules[i].name) == len && !memcmp(vk_modules[i].name, name, len))
			return &vk_modules[i];
	return NULL;
}

static int wait_status(pid_t pid)
{
	int st;

	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -WASI_ECHILD;
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return -WASI_ECHILD;
}

uint32_t Z_nojitZ_spawn(nojit_instance_t *inst, uint32_t name_ptr, uint32_t name_len,
			uint32_t argv_ptr, uint32_t argc)
{
	struct vk_guest *g = nojit_guest(inst);
	const struct vk_module *m;
	const char *name;
	char **argv = NULL;
	pid_t pid;
	int r;

	name = vk_mem(g, name_ptr, name_len);
	if (!name)
		return (uint32_t)-WASI_EFAULT;
	/* Only a bare module name: a path, a script, anything with '/' is
	 * code from disk, which never runs. */
	if (memchr(name, '/', name_len))
		vk_guest_deny(g, "spawn_denied", "path_not_module", name, name_len, NULL, NULL);
	m = memchr(name, '\0', name_len) ? NULL : module_find(name, name_len);
	if (!m)
		vk_guest_deny(g, "spawn_denied", "not_in_megabinary", name, name_len, NULL, NULL);
	if (!vk_module_listed(m))
		vk_guest_deny(g, "spawn_denied", "not_in_trailer", name, name_len, NULL, NULL);

	/* Limits, not denials: the request is for listed code. */
	if (spawn_depth >= VK_SPAWN_MAX_DEPTH)
		return (uint32_t)-WASI_EAGAIN;
	r = argv_copy(g, argv_ptr, argc, &argv);
	if (r < 0)
		return (uint32_t)r;

	pid = fork();
	if (pid < 0) {
		r = -(int)wasi_errno_from_host(errno);
		free_argv(argv, argc);
		return (uint32_t)r;
	}
	if (pid == 0) {
		struct vk_guest child;

		spawn_depth++;
		vk_guest_init(&child, m);
		if (vk_fdtable_clone(&child, g) < 0)
			_exit(VK_EXIT_REFUSED);
		/* The guest's argv[0] is what it passed; none: the module name. */
		if (argc == 0) {
			free(argv);
			argv = calloc(2, sizeof(*argv));
			if (!argv || !(argv[0] = strdup(m->name)))
				_exit(VK_EXIT_REFUSED);
			argc = 1;
		}
		vk_guest_set_args(&child, argv, argc);
		vk_guest_set_env(&child, g->envp, g->envc);
		vk_guest_run(&child);
	}
	free_argv(argv, argc);
	return (uint32_t)wait_status(pid);
}

static const char *bytes_kind(const uint8_t *p, uint32_t len)
{
	if (len >= 4 && !memcmp(p, "\0asm", 4))
		return "wasm";
	if (len >= 4 && !memcmp(p, "\177ELF", 4))
		return "elf";
	if (len >= 2 && p[0] == '#' && p[1] == '!')
		return "script";
	return "unknown";
}

uint32_t Z_nojitZ_spawn_bytes(nojit_instance_t *inst, uint32_t ptr, uint32_t len,
			      uint32_t argv_ptr, uint32_t argc)
{
	struct vk_guest *g = nojit_guest(inst);
	const uint8_t *p = vk_mem(g, ptr, len);
	uint8_t digest[crypto_hash_sha256_BYTES];
	char hex[2 * crypto_hash_sha256_BYTES + 1];

	(void)argv_ptr;
	(void)argc;
	if (!p)
		vk_guest_deny(g, "spawn_bytes_denied", "bytes_out_of_bounds", NULL, 0, NULL, NULL);
	crypto_hash_sha256(digest, p, len);
	sodium_bin2hex(hex, sizeof(hex), digest, sizeof(digest));
	vk_guest_deny(g, "spawn_bytes_denied", "code_not_in_trailer", NULL, 0, hex, bytes_kind(p, len));
}
