/* SPDX-License-Identifier: MIT */
/*
 * Loading a domain's program (host only): a riscv64 ELF executable cut
 * into the 4 KiB pages the formatter puts in a domain's address space
 * (docs/image-format.md, "program NAME PATH").
 *
 * What is accepted: ELFCLASS64, ELFDATA2LSB, EV_CURRENT, ET_EXEC,
 * EM_RISCV; a program header table of Elf64_Phdr entries inside the file;
 * PT_LOAD segments with p_filesz <= p_memsz, their file bytes inside the
 * file, lying in [IMAGE_LOAD_LOW, IMAGE_LOAD_HIGH), no two of them
 * touching the same page, and the entry point inside an executable one.
 * Other program headers are ignored, and so are PT_LOADs with p_memsz 0.
 * The section headers are read only to find `__global_pointer$` in
 * .symtab; a program without them (stripped) simply has no gp.
 *
 * The ELF is read through little-endian accessors at the offsets of the
 * <elf.h> structures, never by overlaying them, so the host's byte order
 * and alignment do not matter. Every offset and size is checked against
 * the file without overflow.
 */
#ifndef CAIRN_IMAGE_ELF_H
#define CAIRN_IMAGE_ELF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IMAGE_PAGE_SIZE     4096u
#define IMAGE_LOAD_LOW      0x10000ull   /* below: unmapped, null pointers fault */
#define IMAGE_LOAD_HIGH     0x7000000ull /* programs end below; the stack is above */
#define IMAGE_MAX_ELF_BYTES (256ull << 20)

/* One page of the program, in ascending va order. */
struct image_page {
	uint64_t va;         /* page-aligned */
	const uint8_t *data; /* IMAGE_PAGE_SIZE bytes, or NULL: all zero */
	uint8_t rights;      /* CAIRN_RIGHT_RO (no PF_W), CAIRN_RIGHT_NX (no PF_X) */
};

struct image_elf {
	uint64_t entry;
	bool has_gp;
	uint64_t gp;  /* value of __global_pointer$ */
	uint64_t end; /* end of the highest PT_LOAD, rounded up to a page:
		       * where the heap starts */
	struct image_page *pages;
	size_t npages;
	uint8_t *page_data; /* backing store of the non-zero pages */
};

/*
 * Load the ELF in buf[0..len). Returns FORMAT_EXIT_OK with *elf filled
 * (image_elf_free it), or FORMAT_EXIT_FAILURE with "PATH: message" in err
 * and *elf empty. buf is not kept.
 */
int image_elf_parse(const char *path, const uint8_t *buf, size_t len, struct image_elf *elf,
		    char *err, size_t errlen);

/* Read the file at path, then image_elf_parse(). */
int image_elf_load(const char *path, struct image_elf *elf, char *err, size_t errlen);

void image_elf_free(struct image_elf *elf);

#endif /* CAIRN_IMAGE_ELF_H */
