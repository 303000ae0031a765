/* SPDX-License-Identifier: MIT */
/*
 * The scratch directories, the tool runner and the volume and ELF readers
 * that test_image_cli.c's tests share; image_volume.h says what each is.
 */
#define _GNU_SOURCE /* nftw, FTW_PHYS */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "cairn/abi.h"
#include "cairn/key.h"
#include "cairn/keytab.h"
#include "image_volume.h"
#include "tool_run.h"

const char *apps;
char vol[4200];

int image_setup(void **state)
{
	if (setup(state) != 0)
		return -1;
	snprintf(vol, sizeof(vol), "%s/vol.img", dir);
	return 0;
}

void app_path(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", apps, name);
}

int format_image(const char *desc, const char *size)
{
	return run("--size", size, "--uuid", UUID_TEXT, "--image", desc, vol, NULL);
}

struct cairn_superblock sb;

void read_block(uint64_t block, uint8_t *buf)
{
	int fd = open(vol, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(pread(fd, buf, 4096, (off_t)(block * 4096)), 4096);
	close(fd);
}

void write_block(uint64_t block, const uint8_t *buf)
{
	int fd = open(vol, O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, buf, 4096, (off_t)(block * 4096)), 4096);
	close(fd);
}

void load_sb(void)
{
	uint8_t b[4096];
	read_block(0, b);
	assert_int_equal(cairn_sb_decode(b, sizeof(b), &sb), CAIRN_VOL_OK);
}

struct node get_node(uint64_t oid)
{
	uint8_t pot[4096];
	struct node n;
	assert_true(oid < sb.image_node_count);
	read_block(cairn_node_pot_block(&sb, oid), pot);
	memcpy(n.b, pot + cairn_node_pot_offset(oid), CAIRN_NODE_SIZE);
	return n;
}

const uint8_t *key(const struct node *n, unsigned s)
{
	return cairn_node_slot_const(n->b, s);
}

uint64_t num(const struct node *n, unsigned s)
{
	assert_int_equal(cairn_key_type(key(n, s)), CAIRN_KEY_NUMBER);
	return cairn_key_number_low(key(n, s));
}

uint64_t node_key(const struct node *n, unsigned s)
{
	assert_int_equal(cairn_key_type(key(n, s)), CAIRN_KEY_NODE);
	return cairn_key_oid(key(n, s));
}

/* The page key that maps va in the domain rooted at root. */
void page_key(uint64_t root, uint64_t va, uint8_t out[16])
{
	struct node n = get_node(root);
	memcpy(out, key(&n, CAIRN_DOM_SLOT_SPACE), 16);
	if (cairn_key_rights(out) & CAIRN_RIGHT_KEEPER) {
		n = get_node(cairn_key_oid(out));
		memcpy(out, key(&n, 0), 16);
	}
	for (unsigned h = 3; h >= 1; h--) {
		assert_int_equal(cairn_key_type(out), CAIRN_KEY_SPACE);
		assert_int_equal(cairn_key_badge(out), h);
		n = get_node(cairn_key_oid(out));
		memcpy(out, key(&n, (unsigned)(va >> CAIRN_SPACE_SLOT_SHIFT(h)) % 32), 16);
	}
	assert_int_equal(cairn_key_type(out), CAIRN_KEY_PAGE);
	assert_true(cairn_key_oid(out) < sb.image_page_count);
}

/* Every domain of the boot chain, in order. */
size_t boot_domains(struct domain_info *d, size_t max)
{
	size_t n = 0;
	uint64_t boot = sb.boot_node_oid;
	while (boot != CAIRN_OID_NONE) {
		struct node b = get_node(boot);
		uint64_t mask = num(&b, 30);
		for (unsigned i = 0; i < 30; i++) {
			if (cairn_key_is_void(key(&b, i)))
				continue;
			assert_true(n < max);
			assert_int_equal(cairn_key_type(key(&b, i)), CAIRN_KEY_DOMAIN);
			d[n].root = cairn_key_oid(key(&b, i));
			d[n].run = (mask >> i) & 1;
			struct node r = get_node(d[n].root);
			uint8_t raw[14];
			assert_int_equal(cairn_key_type(key(&r, CAIRN_DOM_SLOT_BRAND)),
					 CAIRN_KEY_NUMBER);
			cairn_key_number_get(key(&r, CAIRN_DOM_SLOT_BRAND), raw);
			memcpy(d[n].name, raw, 14);
			d[n].name[14] = '\0';
			n++;
		}
		boot = cairn_key_is_void(key(&b, 31)) ? CAIRN_OID_NONE : node_key(&b, 31);
	}
	return n;
}

struct elf_file read_elf(const char *name)
{
	char path[4200];
	struct elf_file e;
	struct stat st;
	app_path(path, sizeof(path), name);
	int fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	e.len = (size_t)st.st_size;
	e.b = malloc(e.len);
	assert_int_equal(read(fd, e.b, e.len), (ssize_t)e.len);
	close(fd);
	return e;
}

const Elf64_Phdr *first_load(const struct elf_file *e)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)e->b;
	const Elf64_Phdr *ph = (const Elf64_Phdr *)(e->b + eh->e_phoff);
	for (unsigned i = 0; i < eh->e_phnum; i++)
		if (ph[i].p_type == PT_LOAD)
			return &ph[i];
	fail_msg("no PT_LOAD");
	return NULL;
}

/* The domain's first page is the ELF's first PT_LOAD, byte for byte. */
void check_text_page(uint64_t root, const char *elf_name)
{
	struct elf_file e = read_elf(elf_name);
	const Elf64_Phdr *ph = first_load(&e);
	uint8_t k[16], page[4096], want[4096];

	assert_int_equal(ph->p_vaddr % 4096, 0);
	page_key(root, ph->p_vaddr, k);
	assert_int_equal(cairn_key_rights(k), CAIRN_RIGHT_RO); /* R+X: read-only */
	read_block(cairn_page_block(&sb, cairn_key_oid(k)), page);
	memset(want, 0, sizeof(want));
	memcpy(want, e.b + ph->p_offset, ph->p_filesz < 4096 ? ph->p_filesz : 4096);
	assert_memory_equal(page, want, 4096);
	/* And the registers: pc at the entry. */
	struct node r = get_node(root);
	struct node regs = get_node(node_key(&r, CAIRN_DOM_SLOT_GPRS));
	assert_true(num(&regs, CAIRN_REG_PC) == ((const Elf64_Ehdr *)e.b)->e_entry);
	assert_true(num(&regs, CAIRN_REG_X(2)) == 0x8000000 - 16);
	free(e.b);
}
