/* SPDX-License-Identifier: MIT */
/*
 * The program loader of the image builder: see image_elf.h for what is
 * accepted. The order is: identification, header, program header table,
 * each PT_LOAD on its own, the PT_LOADs against each other, the entry
 * point, the symbol table; then the pages are cut. Nothing is allocated
 * until everything is checked, except the page array itself.
 */
#include <elf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cairn/endian.h"
#include "cairn/keytab.h"
#include "format_args.h"
#include "image_elf.h"

#define MAX_LOADS 64u /* a domain has three; anything near this is not one */

/* A little-endian field of `size` bytes at p. */
static uint64_t rd(const uint8_t *p, size_t size)
{
	/* clang-format off */
	switch (size) {
	case 1: return p[0];
	case 2: return cairn_get_le16(p);
	case 4: return cairn_get_le32(p);
	default: return cairn_get_le64(p);
	}
	/* clang-format on */
}

#define FIELD(type, base, f) rd((base) + offsetof(type, f), sizeof(((type *)0)->f))
#define EHDR(b, f)           FIELD(Elf64_Ehdr, b, f)
#define PHDR(b, f)           FIELD(Elf64_Phdr, b, f)
#define SHDR(b, f)           FIELD(Elf64_Shdr, b, f)
#define SYM(b, f)            FIELD(Elf64_Sym, b, f)

struct load {
	unsigned index; /* in the program header table, for messages */
	uint64_t vaddr, memsz, offset, filesz;
	uint32_t flags;
};

static int fail(char *err, size_t errlen, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(char *err, size_t errlen, const char *path, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(err, errlen, "%s: ", path);

	if (n >= 0 && (size_t)n < errlen) {
		va_start(ap, fmt);
		vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return FORMAT_EXIT_FAILURE;
}

/* [off, off + size) inside a file of len bytes, without overflow. */
static bool in_file(uint64_t off, uint64_t size, size_t len)
{
	return off <= len && size <= len - off;
}

static int check_header(const char *path, const uint8_t *b, size_t len, char *err, size_t errlen)
{
	if (len < SELFMAG || memcmp(b, ELFMAG, SELFMAG) != 0)
		return fail(err, errlen, path, "not an ELF file");
	if (len < sizeof(Elf64_Ehdr))
		return fail(err, errlen, path, "truncated ELF header (%zu bytes)", len);
	if (b[EI_CLASS] != ELFCLASS64)
		return fail(err, errlen, path, "not a 64-bit ELF file (class %u)", b[EI_CLASS]);
	if (b[EI_DATA] != ELFDATA2LSB)
		return fail(err, errlen, path, "not a little-endian ELF file (data encoding %u)",
			    b[EI_DATA]);
	if (b[EI_VERSION] != EV_CURRENT || EHDR(b, e_version) != EV_CURRENT)
		return fail(err, errlen, path, "unknown ELF version");
	if (EHDR(b, e_machine) != EM_RISCV)
		return fail(err, errlen, path, "not a RISC-V program (machine %u, want %u)",
			    (unsigned)EHDR(b, e_machine), EM_RISCV);
	if (EHDR(b, e_type) != ET_EXEC)
		return fail(err, errlen, path, "not an executable (ELF type %u, want ET_EXEC)",
			    (unsigned)EHDR(b, e_type));
	uint64_t phoff = EHDR(b, e_phoff), phnum = EHDR(b, e_phnum);
	if (phnum == 0)
		return fail(err, errlen, path, "no program headers");
	if (EHDR(b, e_phentsize) != sizeof(Elf64_Phdr))
		return fail(err, errlen, path, "program header entries of %u bytes (want %zu)",
			    (unsigned)EHDR(b, e_phentsize), sizeof(Elf64_Phdr));
	if (phnum == PN_XNUM)
		return fail(err, errlen, path, "too many program headers (extended numbering)");
	if (!in_file(phoff, phnum * sizeof(Elf64_Phdr), len))
		return fail(err, errlen, path, "program header table outside the file");
	return FORMAT_EXIT_OK;
}

/* The non-empty PT_LOADs, checked one by one, sorted by address. */
static int collect_loads(const char *path, const uint8_t *b, size_t len, struct load *loads,
			 size_t *nloads, char *err, size_t errlen)
{
	uint64_t phoff = EHDR(b, e_phoff), phnum = EHDR(b, e_phnum);

	*nloads = 0;
	for (unsigned i = 0; i < phnum; i++) {
		const uint8_t *ph = b + phoff + (size_t)i * sizeof(Elf64_Phdr);
		if (PHDR(ph, p_type) != PT_LOAD)
			continue;
		struct load l = {
			.index = i,
			.vaddr = PHDR(ph, p_vaddr),
			.memsz = PHDR(ph, p_memsz),
			.offset = PHDR(ph, p_offset),
			.filesz = PHDR(ph, p_filesz),
			.flags = (uint32_t)PHDR(ph, p_flags),
		};
		if (l.filesz > l.memsz)
			return fail(err, errlen, path,
				    "segment %u: p_filesz 0x%llx larger than p_memsz 0x%llx", i,
				    (unsigned long long)l.filesz, (unsigned long long)l.memsz);
		if (!in_file(l.offset, l.filesz, len))
			return fail(err, errlen, path, "segment %u: its bytes lie outside the file",
				    i);
		if (l.memsz == 0)
			continue;
		if (l.vaddr < IMAGE_LOAD_LOW || l.vaddr > IMAGE_LOAD_HIGH ||
		    l.memsz > IMAGE_LOAD_HIGH - l.vaddr)
			return fail(err, errlen, path,
				    "segment %u at 0x%llx (0x%llx bytes) is outside [0x%llx, 0x%llx)",
				    i, (unsigned long long)l.vaddr, (unsigned long long)l.memsz,
				    IMAGE_LOAD_LOW, IMAGE_LOAD_HIGH);
		if (*nloads == MAX_LOADS)
			return fail(err, errlen, path, "more than %u PT_LOAD segments", MAX_LOADS);
		/* Insertion sort by address: there are only a few. */
		size_t j = (*nloads)++;
		for (; j > 0 && loads[j - 1].vaddr > l.vaddr; j--)
			loads[j] = loads[j - 1];
		loads[j] = l;
	}
	if (*nloads == 0)
		return fail(err, errlen, path, "no PT_LOAD segment");
	for (size_t i = 1; i < *nloads; i++) {
		const struct load *a = &loads[i - 1], *c = &loads[i];
		uint64_t a_last = (a->vaddr + a->memsz - 1) / IMAGE_PAGE_SIZE;
		if (c->vaddr / IMAGE_PAGE_SIZE <= a_last)
			return fail(err, errlen, path,
				    "segments %u and %u share the page at 0x%llx (each PT_LOAD "
				    "needs pages of its own)",
				    a->index, c->index,
				    (unsigned long long)(c->vaddr / IMAGE_PAGE_SIZE *
							 IMAGE_PAGE_SIZE));
	}
	return FORMAT_EXIT_OK;
}

static int check_entry(const char *path, uint64_t entry, const struct load *loads, size_t nloads,
		       char *err, size_t errlen)
{
	for (size_t i = 0; i < nloads; i++)
		if ((loads[i].flags & PF_X) && entry >= loads[i].vaddr &&
		    entry - loads[i].vaddr < loads[i].memsz) {
			if (entry % 2 != 0)
				return fail(err, errlen, path, "entry point 0x%llx is misaligned",
					    (unsigned long long)entry);
			return FORMAT_EXIT_OK;
		}
	return fail(err, errlen, path, "entry point 0x%llx is not in an executable segment",
		    (unsigned long long)entry);
}

/* __global_pointer$ from the first SHT_SYMTAB, if there is one. */
static int find_gp(const char *path, const uint8_t *b, size_t len, struct image_elf *elf, char *err,
		   size_t errlen)
{
	static const char gp_name[] = "__global_pointer$";
	uint64_t shoff = EHDR(b, e_shoff), shnum = EHDR(b, e_shnum);

	if (shoff == 0 || shnum == 0)
		return FORMAT_EXIT_OK; /* no section headers: no symbols */
	if (EHDR(b, e_shentsize) != sizeof(Elf64_Shdr))
		return fail(err, errlen, path, "section header entries of %u bytes (want %zu)",
			    (unsigned)EHDR(b, e_shentsize), sizeof(Elf64_Shdr));
	if (!in_file(shoff, shnum * sizeof(Elf64_Shdr), len))
		return fail(err, errlen, path, "section header table outside the file");
	for (uint64_t i = 0; i < shnum; i++) {
		const uint8_t *sh = b + shoff + i * sizeof(Elf64_Shdr);
		if (SHDR(sh, sh_type) != SHT_SYMTAB)
			continue;
		uint64_t off = SHDR(sh, sh_offset), size = SHDR(sh, sh_size);
		uint64_t link = SHDR(sh, sh_link);
		if (SHDR(sh, sh_entsize) != sizeof(Elf64_Sym) || !in_file(off, size, len) ||
		    link >= shnum)
			return fail(err, errlen, path, "malformed symbol table (section %llu)",
				    (unsigned long long)i);
		const uint8_t *st = b + shoff + link * sizeof(Elf64_Shdr);
		uint64_t stroff = SHDR(st, sh_offset), strsize = SHDR(st, sh_size);
		if (SHDR(st, sh_type) != SHT_STRTAB || !in_file(stroff, strsize, len))
			return fail(err, errlen, path, "malformed string table (section %llu)",
				    (unsigned long long)link);
		for (uint64_t s = 0; s < size / sizeof(Elf64_Sym); s++) {
			const uint8_t *sym = b + off + s * sizeof(Elf64_Sym);
			uint64_t name = SYM(sym, st_name);
			if (name >= strsize || strsize - name < sizeof(gp_name) ||
			    memcmp(b + stroff + name, gp_name, sizeof(gp_name)) != 0 ||
			    SYM(sym, st_shndx) == SHN_UNDEF)
				continue;
			elf->has_gp = true;
			elf->gp = SYM(sym, st_value);
			return FORMAT_EXIT_OK;
		}
		return FORMAT_EXIT_OK; /* one symbol table is all an executable has */
	}
	return FORMAT_EXIT_OK;
}

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

/* Cut the checked segments into pages. */
static int cut_pages(const char *path, const uint8_t *b, const struct load *loads, size_t nloads,
		     struct image_elf *elf, char *err, size_t errlen)
{
	size_t npages = 0, ndata = 0;

	for (size_t i = 0; i < nloads; i++) {
		const struct load *l = &loads[i];
		uint64_t first = l->vaddr / IMAGE_PAGE_SIZE;
		npages += (size_t)((l->vaddr + l->memsz - 1) / IMAGE_PAGE_SIZE - first + 1);
		if (l->filesz)
			ndata += (size_t)((l->vaddr + l->filesz - 1) / IMAGE_PAGE_SIZE - first + 1);
	}
	elf->pages = calloc(npages, sizeof(*elf->pages));
	elf->page_data = ndata ? calloc(ndata, IMAGE_PAGE_SIZE) : NULL;
	if (!elf->pages || (ndata && !elf->page_data))
		return fail(err, errlen, path, "out of memory");
	size_t used = 0;
	for (size_t i = 0; i < nloads; i++) {
		const struct load *l = &loads[i];
		uint8_t rights = (uint8_t)(((l->flags & PF_W) ? 0 : CAIRN_RIGHT_RO) |
					   ((l->flags & PF_X) ? 0 : CAIRN_RIGHT_NX));
		uint64_t va = l->vaddr / IMAGE_PAGE_SIZE * IMAGE_PAGE_SIZE;
		for (; va < l->vaddr + l->memsz; va += IMAGE_PAGE_SIZE) {
			struct image_page *pg = &elf->pages[elf->npages++];
			pg->va = va;
			pg->rights = rights;
			/* The file bytes of this page: [lo, hi) in addresses. */
			uint64_t lo = va > l->vaddr ? va : l->vaddr;
			uint64_t hi = va + IMAGE_PAGE_SIZE;
			if (hi > l->vaddr + l->filesz)
				hi = l->vaddr + l->filesz;
			if (lo >= hi)
				continue; /* only p_memsz beyond p_filesz: zero */
			uint8_t *data = elf->page_data + used * IMAGE_PAGE_SIZE;
			memcpy(data + (lo - va), b + l->offset + (lo - l->vaddr),
			       (size_t)(hi - lo));
			if (all_zero(data, IMAGE_PAGE_SIZE))
				continue; /* the buffer is left zero for reuse */
			pg->data = data;
			used++;
		}
	}
	const struct load *top = &loads[nloads - 1];
	uint64_t end = top->vaddr + top->memsz;
	elf->end = (end + IMAGE_PAGE_SIZE - 1) / IMAGE_PAGE_SIZE * IMAGE_PAGE_SIZE;
	return FORMAT_EXIT_OK;
}

void image_elf_free(struct image_elf *elf)
{
	free(elf->pages);
	free(elf->page_data);
	memset(elf, 0, sizeof(*elf));
}

int image_elf_parse(const char *path, const uint8_t *b, size_t len, struct image_elf *elf,
		    char *err, size_t errlen)
{
	struct load loads[MAX_LOADS];
	size_t nloads;

	memset(elf, 0, sizeof(*elf));
	if (check_header(path, b, len, err, errlen) ||
	    collect_loads(path, b, len, loads, &nloads, err, errlen))
		return FORMAT_EXIT_FAILURE;
	elf->entry = EHDR(b, e_entry);
	if (check_entry(path, elf->entry, loads, nloads, err, errlen) ||
	    find_gp(path, b, len, elf, err, errlen) ||
	    cut_pages(path, b, loads, nloads, elf, err, errlen)) {
		image_elf_free(elf);
		return FORMAT_EXIT_FAILURE;
	}
	return FORMAT_EXIT_OK;
}

int image_elf_load(const char *path, struct image_elf *elf, char *err, size_t errlen)
{
	memset(elf, 0, sizeof(*elf));
	FILE *f = fopen(path, "rb");
	if (!f)
		return fail(err, errlen, path, "%s", strerror(errno));
	uint8_t *buf = NULL;
	size_t len = 0, cap = 0;
	int rc = FORMAT_EXIT_OK;
	for (;;) {
		if (len == cap) {
			if (cap >= IMAGE_MAX_ELF_BYTES) {
				rc = fail(err, errlen, path, "larger than %llu MiB: not a domain",
					  IMAGE_MAX_ELF_BYTES >> 20);
				break;
			}
			size_t ncap = cap ? cap * 2 : 65536;
			uint8_t *q = realloc(buf, ncap);
			if (!q) {
				rc = fail(err, errlen, path, "out of memory");
				break;
			}
			buf = q;
			cap = ncap;
		}
		size_t n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (n == 0) {
			if (ferror(f))
				rc = fail(err, errlen, path, "%s", strerror(errno));
			break;
		}
	}
	fclose(f);
	if (rc == FORMAT_EXIT_OK)
		rc = image_elf_parse(path, buf, len, elf, err, errlen);
	free(buf);
	return rc;
}
