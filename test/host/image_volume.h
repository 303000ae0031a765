/* SPDX-License-Identifier: MIT */
/*
 * What test_image_cli.c's cmocka tests share (image_volume.c), beside
 * tool_run.h's scratch directory and runner: reading a volume back with
 * nothing but the format headers (cairn/volume.h, cairn/node.h): the
 * superblock, nodes and their keys, the boot chain's domains, the page a
 * domain maps at an address, and the ELF the page must equal. Every reader asserts what it reads,
 * so a volume that does not have the expected shape fails the test that reads it.
 */
#ifndef CAIRN_TEST_IMAGE_VOLUME_H
#define CAIRN_TEST_IMAGE_VOLUME_H

#include <elf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cairn/node.h"
#include "cairn/volume.h"

#define UUID_TEXT "5ca1ab1e-0000-4000-8000-00000000c0de"

/* build/apps (main's argv[2]) and the running test's volume path. */
extern const char *apps;
extern char vol[4200];
/* The volume's superblock, after load_sb(). */
extern struct cairn_superblock sb;

/* cmocka setup: tool_run.h's setup, and vol in the scratch directory. */
int image_setup(void **state);

void app_path(char *buf, size_t len, const char *name);
/* cairn-format --image desc into vol, at this size, with UUID_TEXT. */
int format_image(const char *desc, const char *size);

/* --- reading the volume back ------------------------------------------ */

void read_block(uint64_t block, uint8_t *buf);
void write_block(uint64_t block, const uint8_t *buf);
void load_sb(void);

/* Node oid, a copy (slots via cairn_node_slot). */
struct node {
	uint8_t b[CAIRN_NODE_SIZE];
};

struct node get_node(uint64_t oid);
const uint8_t *key(const struct node *n, unsigned s);
/* Slot s holds a number key / a node key (asserted): its value / its OID. */
uint64_t num(const struct node *n, unsigned s);
uint64_t node_key(const struct node *n, unsigned s);
/* The page key that maps va in the domain rooted at root. */
void page_key(uint64_t root, uint64_t va, uint8_t out[16]);

struct domain_info {
	char name[16];
	uint64_t root;
	bool run;
};

/* Every domain of the boot chain, in order. */
size_t boot_domains(struct domain_info *d, size_t max);

/* --- the ELF, read here with <elf.h> overlaid --------------------------- */

struct elf_file {
	uint8_t *b;
	size_t len;
};

struct elf_file read_elf(const char *name);
const Elf64_Phdr *first_load(const struct elf_file *e);
/* The domain's first page is the ELF's first PT_LOAD, byte for byte. */
void check_text_page(uint64_t root, const char *elf_name);

#endif
