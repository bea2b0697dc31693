// SPDX-License-Identifier: GPL-2.0
/*
 * Hand-made ELF images for the route 13 attacks: an executable PT_LOAD
 * segment with nothing (or almost nothing) in the file and the rest of
 * it zero-filled. The ELF loader maps that tail with vm_brk_flags(VM_EXEC),
 * which always adds read and write: anonymous RWX memory that no mmap or
 * mprotect hook sees.
 */
#ifndef NOJIT_SELFTESTS_ATTACK_ELF_CRAFT_H
#define NOJIT_SELFTESTS_ATTACK_ELF_CRAFT_H

#include "attack.h"
#include <elf.h>
#include <stddef.h>

/* Where the crafted images live; far from anything a normal process maps. */
#define ELF_CRAFT_BASE	0x20000000UL
#define ELF_CRAFT_TAIL	(ELF_CRAFT_BASE + ATTACK_PAGE)

struct elf_craft {
	Elf64_Ehdr eh;
	Elf64_Phdr ph;
	unsigned char code[96];
};

/*
 * Entry code of the executable image: copy "mov eax, 60; xor edi, edi;
 * syscall" (exit(0)) into the zero-filled tail and call it; if the call
 * returns, or the tail cannot be written or run, the process does not
 * exit 0. Hand-assembled; only absolute addresses, no relocations.
 */
static const unsigned char elf_craft_entry[] = {
	0x48, 0xc7, 0xc7, 0x00, 0x10, 0x00, 0x20,	/* mov rdi, ELF_CRAFT_TAIL */
	0xc7, 0x07, 0xb8, 0x3c, 0x00, 0x00,		/* mov dword [rdi], b8 3c 00 00 */
	0xc7, 0x47, 0x04, 0x00, 0x31, 0xff, 0x0f,	/* mov dword [rdi+4], 00 31 ff 0f */
	0xc7, 0x47, 0x08, 0x05, 0x90, 0x90, 0x90,	/* mov dword [rdi+8], 05 90 90 90 */
	0xff, 0xd7,					/* call rdi */
	0xb8, 0x3c, 0x00, 0x00, 0x00,			/* mov eax, 60 */
	0xbf, 0x03, 0x00, 0x00, 0x00,			/* mov edi, 3 */
	0x0f, 0x05,					/* syscall: exit(3) */
};

/*
 * FILE_BYTES of the image are in the file (0: the whole segment is
 * zero-fill, as uselib() needs for a tail with no mmap at all); the
 * segment spans three pages from ELF_CRAFT_BASE, readable and executable.
 */
static inline void elf_craft_build(struct elf_craft *img, Elf64_Half type,
				   size_t file_bytes)
{
	memset(img, 0, sizeof(*img));
	memcpy(img->eh.e_ident, ELFMAG, SELFMAG);
	img->eh.e_ident[EI_CLASS] = ELFCLASS64;
	img->eh.e_ident[EI_DATA] = ELFDATA2LSB;
	img->eh.e_ident[EI_VERSION] = EV_CURRENT;
	img->eh.e_type = type;
	img->eh.e_machine = EM_X86_64;
	img->eh.e_version = EV_CURRENT;
	img->eh.e_entry = ELF_CRAFT_BASE + offsetof(struct elf_craft, code);
	img->eh.e_phoff = offsetof(struct elf_craft, ph);
	img->eh.e_ehsize = sizeof(Elf64_Ehdr);
	img->eh.e_phentsize = sizeof(Elf64_Phdr);
	img->eh.e_phnum = 1;
	img->ph.p_type = PT_LOAD;
	img->ph.p_flags = PF_R | PF_X;
	img->ph.p_offset = 0;
	img->ph.p_vaddr = ELF_CRAFT_BASE;
	img->ph.p_paddr = ELF_CRAFT_BASE;
	img->ph.p_filesz = file_bytes;
	img->ph.p_memsz = 3 * ATTACK_PAGE;
	img->ph.p_align = ATTACK_PAGE;
	memcpy(img->code, elf_craft_entry, sizeof(elf_craft_entry));
}

#endif /* NOJIT_SELFTESTS_ATTACK_ELF_CRAFT_H */
