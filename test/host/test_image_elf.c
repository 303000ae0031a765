/* SPDX-License-Identifier: MIT */
/*
 * Host tests of the program loader (disk-format/image_elf.c): the real
 * domain ELFs of the build load, with their pages equal to the file's
 * bytes; and copies of hello.elf broken one field at a time are refused
 * with a "PATH: message" line. argv[1] is the directory of the built
 * apps (build/apps), given by meson.
 *
 * The expectations are computed from the file with <elf.h> structures
 * overlaid (fine in a test on a little-endian host), independently of
 * the loader's own byte-by-byte reading.
 */
#include <elf.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cairn/keytab.h"
#include "format_args.h"
#include "image_elf.h"

static const char *apps_dir;
static char err[512];

static uint8_t *slurp(const char *name, size_t *len)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", apps_dir, name);
	FILE *f = fopen(path, "rb");
	if (!f)
		fail_msg("%s: %s", path, strerror(errno));
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	uint8_t *buf = malloc((size_t)n);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static Elf64_Ehdr *ehdr(uint8_t *b)
{
	return (Elf64_Ehdr *)b;
}

static Elf64_Phdr *phdr(uint8_t *b, unsigned i)
{
	return (Elf64_Phdr *)(b + ehdr(b)->e_phoff) + i;
}

/* The i-th PT_LOAD's program header index. */
static unsigned load_index(uint8_t *b, unsigned n)
{
	for (unsigned i = 0; i < ehdr(b)->e_phnum; i++)
		if (phdr(b, i)->p_type == PT_LOAD && n-- == 0)
			return i;
	fail_msg("no PT_LOAD %u", n);
	return 0;
}

static bool find_symbol(uint8_t *b, const char *name, uint64_t *value)
{
	Elf64_Shdr *sh = (Elf64_Shdr *)(b + ehdr(b)->e_shoff);
	for (unsigned i = 0; i < ehdr(b)->e_shnum; i++) {
		if (sh[i].sh_type != SHT_SYMTAB)
			continue;
		Elf64_Sym *sym = (Elf64_Sym *)(b + sh[i].sh_offset);
		const char *str = (const char *)b + sh[sh[i].sh_link].sh_offset;
		for (size_t s = 0; s < sh[i].sh_size / sizeof(*sym); s++)
			if (strcmp(str + sym[s].st_name, name) == 0) {
				*value = sym[s].st_value;
				return true;
			}
	}
	return false;
}

static const struct image_page *page_at(const struct image_elf *elf, uint64_t va)
{
	for (size_t i = 0; i < elf->npages; i++)
		if (elf->pages[i].va == va)
			return &elf->pages[i];
	return NULL;
}

/* Every byte of every page is what the ELF says: file bytes, then zero. */
static void check_program(const char *name)
{
	size_t len;
	uint8_t *b = slurp(name, &len);
	struct image_elf elf;

	int rc = image_elf_parse(name, b, len, &elf, err, sizeof(err));
	if (rc)
		print_error("%s\n", err);
	assert_int_equal(rc, FORMAT_EXIT_OK);
	assert_true(elf.entry == ehdr(b)->e_entry);
	uint64_t gp;
	assert_true(find_symbol(b, "__global_pointer$", &gp));
	assert_true(elf.has_gp);
	assert_true(elf.gp == gp);
	uint64_t heap;
	if (find_symbol(b, "__heap_start", &heap))
		assert_true(elf.end == heap); /* lib/domain.ld: heap at the next page */

	size_t expect_pages = 0;
	uint64_t top = 0;
	for (unsigned i = 0; i < ehdr(b)->e_phnum; i++) {
		Elf64_Phdr *ph = phdr(b, i);
		if (ph->p_type != PT_LOAD || ph->p_memsz == 0)
			continue;
		uint8_t rights = (uint8_t)(((ph->p_flags & PF_W) ? 0 : CAIRN_RIGHT_RO) |
					   ((ph->p_flags & PF_X) ? 0 : CAIRN_RIGHT_NX));
		uint64_t first = ph->p_vaddr & ~0xfffull;
		for (uint64_t va = first; va < ph->p_vaddr + ph->p_memsz; va += 4096) {
			const struct image_page *pg = page_at(&elf, va);
			assert_non_null(pg);
			assert_int_equal(pg->rights, rights);
			uint8_t want[4096];
			memset(want, 0, sizeof(want));
			for (unsigned o = 0; o < 4096; o++) {
				uint64_t a = va + o;
				if (a >= ph->p_vaddr && a < ph->p_vaddr + ph->p_filesz)
					want[o] = b[ph->p_offset + (a - ph->p_vaddr)];
			}
			if (pg->data)
				assert_memory_equal(pg->data, want, 4096);
			else
				for (unsigned o = 0; o < 4096; o++)
					assert_int_equal(want[o], 0);
			expect_pages++;
		}
		if (ph->p_vaddr + ph->p_memsz > top)
			top = ph->p_vaddr + ph->p_memsz;
	}
	assert_int_equal(elf.npages, expect_pages);
	assert_true(elf.end == ((top + 4095) & ~0xfffull));
	for (size_t i = 1; i < elf.npages; i++)
		assert_true(elf.pages[i - 1].va < elf.pages[i].va);
	/* The text page really is code: the first bytes at the entry. */
	const struct image_page *text = page_at(&elf, elf.entry & ~0xfffull);
	assert_non_null(text);
	assert_non_null(text->data);
	assert_int_equal(text->rights, CAIRN_RIGHT_RO);
	image_elf_free(&elf);
	free(b);
}

static void test_real_programs(void **state)
{
	(void)state;
	static const char *const names[] = { "hello.elf",   "counter.elf",   "pingpong.elf",
					     "hostile.elf", "nodetouch.elf", "bench.elf" };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		check_program(names[i]);
}

/* A copy of hello.elf, changed by `mutate`, must fail with needle. */
static void expect_bad(const char *needle, void (*mutate)(uint8_t *b, size_t *len))
{
	size_t len;
	uint8_t *b = slurp("hello.elf", &len);
	struct image_elf elf;

	mutate(b, &len);
	int rc = image_elf_parse("bad.elf", b, len, &elf, err, sizeof(err));
	if (rc != FORMAT_EXIT_FAILURE || !strstr(err, needle))
		print_error("rc=%d err='%s' (wanted '%s')\n", rc, err, needle);
	assert_int_equal(rc, FORMAT_EXIT_FAILURE);
	assert_memory_equal(err, "bad.elf: ", 9);
	assert_non_null(strstr(err, needle));
	assert_null(strchr(err, '\n'));
	assert_null(elf.pages);
	free(b);
}

/* clang-format off */
static void cut_3(uint8_t *b, size_t *len) { (void)b; *len = 3; }
static void cut_40(uint8_t *b, size_t *len) { (void)b; *len = 40; }
static void cut_header(uint8_t *b, size_t *len) { (void)b; *len = sizeof(Elf64_Ehdr); }
static void cut_in_segment(uint8_t *b, size_t *len)
{
	Elf64_Phdr *ph = phdr(b, load_index(b, 1));
	*len = ph->p_offset + 10;
}
static void not_elf(uint8_t *b, size_t *len) { (void)len; memcpy(b, "#!/bin", 6); }
static void class32(uint8_t *b, size_t *len) { (void)len; b[EI_CLASS] = ELFCLASS32; }
static void big_endian(uint8_t *b, size_t *len) { (void)len; b[EI_DATA] = ELFDATA2MSB; }
static void bad_version(uint8_t *b, size_t *len) { (void)len; b[EI_VERSION] = 2; }
static void x86(uint8_t *b, size_t *len) { (void)len; ehdr(b)->e_machine = EM_X86_64; }
static void dyn(uint8_t *b, size_t *len) { (void)len; ehdr(b)->e_type = ET_DYN; }
static void rel(uint8_t *b, size_t *len) { (void)len; ehdr(b)->e_type = ET_REL; }
static void phentsize(uint8_t *b, size_t *len) { (void)len; ehdr(b)->e_phentsize = 32; }
static void phoff_out(uint8_t *b, size_t *len) { ehdr(b)->e_phoff = *len - 8; }
static void phoff_wrap(uint8_t *b, size_t *len) { (void)len; ehdr(b)->e_phoff = UINT64_MAX - 8; }
static void no_phdrs(uint8_t *b, size_t *len) { (void)len; ehdr(b)->e_phnum = 0; }
/* clang-format on */
static void no_loads(uint8_t *b, size_t *len)
{
	(void)len;
	for (unsigned i = 0; i < ehdr(b)->e_phnum; i++)
		if (phdr(b, i)->p_type == PT_LOAD)
			phdr(b, i)->p_type = PT_NULL;
}
static void overlap(uint8_t *b, size_t *len)
{
	(void)len;
	/* The rodata segment moved into the text segment's last page. */
	Elf64_Phdr *text = phdr(b, load_index(b, 0)), *ro = phdr(b, load_index(b, 1));
	ro->p_vaddr = text->p_vaddr + text->p_memsz + 8;
}
static void same_start(uint8_t *b, size_t *len)
{
	(void)len;
	phdr(b, load_index(b, 2))->p_vaddr = phdr(b, load_index(b, 0))->p_vaddr;
}
static void filesz_big(uint8_t *b, size_t *len)
{
	(void)len;
	Elf64_Phdr *ph = phdr(b, load_index(b, 2));
	ph->p_filesz = ph->p_memsz + 1;
}
static void offset_out(uint8_t *b, size_t *len)
{
	phdr(b, load_index(b, 1))->p_offset = *len - 4;
}
static void offset_wrap(uint8_t *b, size_t *len)
{
	(void)len;
	phdr(b, load_index(b, 1))->p_offset = UINT64_MAX - 2;
}
static void low(uint8_t *b, size_t *len)
{
	(void)len;
	phdr(b, load_index(b, 0))->p_vaddr = 0x1000;
}
static void high(uint8_t *b, size_t *len)
{
	(void)len;
	Elf64_Phdr *ph = phdr(b, load_index(b, 2));
	ph->p_vaddr = 0x7000000 - 0x1000;
	ph->p_memsz = 0x2000;
}
static void wraps(uint8_t *b, size_t *len)
{
	(void)len;
	Elf64_Phdr *ph = phdr(b, load_index(b, 2));
	ph->p_memsz = UINT64_MAX - ph->p_vaddr + 2;
}
static void entry_in_rodata(uint8_t *b, size_t *len)
{
	(void)len;
	ehdr(b)->e_entry = phdr(b, load_index(b, 1))->p_vaddr;
}
/* clang-format off */
static void entry_nowhere(uint8_t *b, size_t *len) { (void)len; ehdr(b)->e_entry = 0x6000000; }
static void entry_odd(uint8_t *b, size_t *len) { (void)len; ehdr(b)->e_entry += 1; }
static void shoff_out(uint8_t *b, size_t *len) { ehdr(b)->e_shoff = *len - 16; }
static void shentsize(uint8_t *b, size_t *len) { (void)len; ehdr(b)->e_shentsize = 8; }
/* clang-format on */
static void symtab_out(uint8_t *b, size_t *len)
{
	Elf64_Shdr *sh = (Elf64_Shdr *)(b + ehdr(b)->e_shoff);
	for (unsigned i = 0; i < ehdr(b)->e_shnum; i++)
		if (sh[i].sh_type == SHT_SYMTAB)
			sh[i].sh_size = *len;
}
static void strtab_link(uint8_t *b, size_t *len)
{
	(void)len;
	Elf64_Shdr *sh = (Elf64_Shdr *)(b + ehdr(b)->e_shoff);
	for (unsigned i = 0; i < ehdr(b)->e_shnum; i++)
		if (sh[i].sh_type == SHT_SYMTAB)
			sh[i].sh_link = ehdr(b)->e_shnum;
}

static void test_bad_elves(void **state)
{
	(void)state;
	expect_bad("not an ELF file", cut_3);
	expect_bad("truncated ELF header", cut_40);
	expect_bad("program header table outside the file", cut_header);
	expect_bad("segment", cut_in_segment);
	expect_bad("not an ELF file", not_elf);
	expect_bad("not a 64-bit ELF file", class32);
	expect_bad("not a little-endian ELF file", big_endian);
	expect_bad("unknown ELF version", bad_version);
	expect_bad("not a RISC-V program (machine 62, want 243)", x86);
	expect_bad("not an executable", dyn);
	expect_bad("not an executable", rel);
	expect_bad("program header entries of 32 bytes", phentsize);
	expect_bad("program header table outside the file", phoff_out);
	expect_bad("program header table outside the file", phoff_wrap);
	expect_bad("no program headers", no_phdrs);
	expect_bad("no PT_LOAD segment", no_loads);
	expect_bad("share the page", overlap);
	expect_bad("share the page", same_start);
	expect_bad("larger than p_memsz", filesz_big);
	expect_bad("its bytes lie outside the file", offset_out);
	expect_bad("its bytes lie outside the file", offset_wrap);
	expect_bad("is outside [0x10000, 0x7000000)", low);
	expect_bad("is outside [0x10000, 0x7000000)", high);
	expect_bad("is outside [0x10000, 0x7000000)", wraps);
	expect_bad("is not in an executable segment", entry_in_rodata);
	expect_bad("entry point 0x6000000 is not in an executable segment", entry_nowhere);
	expect_bad("is misaligned", entry_odd);
	expect_bad("section header table outside the file", shoff_out);
	expect_bad("section header entries of 8 bytes", shentsize);
	expect_bad("malformed symbol table", symtab_out);
	expect_bad("malformed symbol table", strtab_link);
}

static void stripped(uint8_t *b, size_t *len)
{
	(void)len;
	ehdr(b)->e_shoff = 0;
	ehdr(b)->e_shnum = 0;
}

static void test_stripped_has_no_gp(void **state)
{
	(void)state;
	size_t len;
	uint8_t *b = slurp("hello.elf", &len);
	struct image_elf elf;
	stripped(b, &len);
	assert_int_equal(image_elf_parse("s.elf", b, len, &elf, err, sizeof(err)), FORMAT_EXIT_OK);
	assert_false(elf.has_gp);
	assert_true(elf.npages > 0);
	image_elf_free(&elf);
	free(b);
}

static void test_load_files(void **state)
{
	(void)state;
	char path[4096];
	struct image_elf elf;

	snprintf(path, sizeof(path), "%s/hello.elf", apps_dir);
	assert_int_equal(image_elf_load(path, &elf, err, sizeof(err)), FORMAT_EXIT_OK);
	assert_true(elf.npages > 0);
	image_elf_free(&elf);

	snprintf(path, sizeof(path), "%s/no-such.elf", apps_dir);
	assert_int_equal(image_elf_load(path, &elf, err, sizeof(err)), FORMAT_EXIT_FAILURE);
	assert_non_null(strstr(err, "no-such.elf: No such file or directory"));

	snprintf(path, sizeof(path), "%s/default.image", apps_dir);
	assert_int_equal(image_elf_load(path, &elf, err, sizeof(err)), FORMAT_EXIT_FAILURE);
	assert_non_null(strstr(err, "default.image: not an ELF file"));

	assert_int_equal(image_elf_load(apps_dir, &elf, err, sizeof(err)), FORMAT_EXIT_FAILURE);
	assert_non_null(strstr(err, "Is a directory"));
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s APPS_DIR\n", argv[0]);
		return 2;
	}
	apps_dir = argv[1];
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_real_programs),
		cmocka_unit_test(test_bad_elves),
		cmocka_unit_test(test_stripped_has_no_gp),
		cmocka_unit_test(test_load_files),
	};
	return cmocka_run_group_tests_name("image_elf", tests, NULL, NULL);
}
