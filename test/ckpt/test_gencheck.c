/* SPDX-License-Identifier: MIT */
/*
 * Host tests of the validation of one generation (ckpt/gencheck.c), the
 * check recovery makes of every generation and the kernel's log writer of
 * every generation before its header: a valid generation of two directory
 * blocks passes; a thread listed twice, a block listed twice, an index
 * outside its pool, a data position outside the generation and counts
 * that disagree with the header each give their named error, stop the
 * check, and explain themselves in the detail line. The generations are
 * built as decoded structs, the way the writer holds them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "gencheck.h"
#include "testvol.h"

#define MAP_CAP     512u
#define MAX_ENTRIES 200u
#define GEN         7u
#define GEN_START   40u

/* A generation as the writer holds it: entries in order, then the header. */
struct gen {
	struct ckpt_entry e[MAX_ENTRIES];
	unsigned n;
	struct ckpt_header hdr;
};

static struct cairn_superblock sb;
static struct ckpt_dirent slots[MAP_CAP];
static struct ckpt_dirmap map;
static struct ckpt_gen_check gc;
static char text[CKPT_DETAIL_SIZE];

/* 130 objects (pages 0..99 with data, node pots 0..9 and pages 100..119
 * zero) and 3 threads: two directory blocks. */
static void valid_gen(struct gen *g)
{
	memset(g, 0, sizeof(*g));
	for (unsigned i = 0; i < 100; i++)
		g->e[g->n++] = (struct ckpt_entry){
			.index = i, .pos = GEN_START + i, .sum = 1000 + i, .kind = CKPT_KIND_PAGE
		};
	for (unsigned i = 0; i < 10; i++)
		g->e[g->n++] = (struct ckpt_entry){ .index = i,
						    .kind = CKPT_KIND_NODEPOT,
						    .flags = CKPT_ENTRY_ZERO };
	for (unsigned i = 100; i < 120; i++)
		g->e[g->n++] = (struct ckpt_entry){ .index = i,
						    .kind = CKPT_KIND_PAGE,
						    .flags = CKPT_ENTRY_ZERO };
	g->e[g->n++] = (struct ckpt_entry){
		.index = 0, .kind = CKPT_KIND_TAGPOT, .pos = GEN_START + 100, .sum = 5
	};
	for (unsigned i = 0; i < 3; i++)
		g->e[g->n++] = (struct ckpt_entry){ .index = 7 * i, .kind = CKPT_KIND_THREAD };
	g->hdr = (struct ckpt_header){
		.version = CKPT_FORMAT_VERSION,
		.sequence = GEN,
		.tail = GEN_START,
		.gen_start = GEN_START,
		.dir_pos = GEN_START + 101,
		.dir_blocks = 2,
		.head = GEN_START + 103,
		.objects = 131,
		.threads = 3,
	};
	memcpy(g->hdr.uuid, sb.uuid, CAIRN_UUID_SIZE);
}

/* Check g block by block as the writer does; the first failure, with its
 * text in `text`. */
static enum ckpt_err check(const struct gen *g)
{
	struct ckpt_gen_link l = { g->hdr.sequence, g->hdr.dir_pos, g->hdr.dir_blocks };
	struct ckpt_detail d;
	enum ckpt_err err = ckpt_header_check(&g->hdr, &sb);
	unsigned next = 0;

	ckpt_detail_begin(&d, text, sizeof(text));
	ckpt_dirmap_clear(&map);
	if (err != CKPT_OK)
		return err;
	ckpt_gen_begin(&gc, &sb, &map, &g->hdr, &l, 1);
	for (uint32_t b = 0; b < l.dir_blocks; b++) {
		unsigned left = g->n - next;
		struct ckpt_dir_info info = {
			.sequence = GEN,
			.index = b,
			.dir_blocks = l.dir_blocks,
			.count = left < CKPT_DIR_ENTRIES_PER_BLOCK ? left
								   : CKPT_DIR_ENTRIES_PER_BLOCK,
			.gen_start = GEN_START,
			.prev_dir_pos = CKPT_NO_DIR,
		};

		err = ckpt_gen_block(&gc, &info);
		for (unsigned i = 0; err == CKPT_OK && i < info.count; i++)
			err = ckpt_gen_entry(&gc, &g->e[next++]);
		if (err != CKPT_OK)
			break;
	}
	if (err == CKPT_OK)
		err = ckpt_gen_end(&gc, NULL);
	if (err != CKPT_OK)
		ckpt_gen_explain(&gc, err, &d);
	return err;
}

static int setup(void **state)
{
	(void)state;
	sb = testvol_sb();
	return ckpt_dirmap_init(&map, slots, MAP_CAP) == CKPT_OK ? 0 : -1;
}

static void valid_generation_passes(void **state)
{
	struct gen g;

	(void)state;
	valid_gen(&g);
	assert_int_equal(check(&g), CKPT_OK);
	assert_string_equal(text, "");
	assert_int_equal(gc.objects, 131);
	assert_int_equal(gc.threads, 3);
	assert_int_equal(gc.blocks, 2);
	assert_int_equal(ckpt_dirmap_count(&map), 134);
	assert_non_null(ckpt_dirmap_lookup(&map, CKPT_KIND_THREAD, 14));
}

static void duplicate_thread(void **state)
{
	struct gen g;

	(void)state;
	valid_gen(&g);
	g.e[g.n - 1].index = 7; /* the last thread is the second again */
	assert_int_equal(check(&g), CKPT_ERR_DUPLICATE);
	assert_int_equal(gc.failed_at, CKPT_GEN_AT_ENTRY);
	assert_int_equal(gc.bad.kind, CKPT_KIND_THREAD);
	/* entry 133 of the generation is entry 8 of block 1 */
	assert_non_null(strstr(text, "generation 7 directory block 1/2"));
	assert_non_null(strstr(text, "entry 8 (thread 7): listed twice"));
}

static void duplicate_block(void **state)
{
	struct gen g;

	(void)state;
	valid_gen(&g);
	g.e[120].index = 3; /* zero page 120 becomes page 3 again */
	assert_int_equal(check(&g), CKPT_ERR_DUPLICATE);
	assert_int_equal(gc.bad.kind, CKPT_KIND_PAGE);
	assert_non_null(strstr(text, "block 0/2"));
	assert_non_null(strstr(text, "entry 120 (page 3)"));
}

/* The same block index in two pools is not a duplicate, nor a thread whose
 * root OID is a page's index. */
static void same_index_other_kind_passes(void **state)
{
	struct gen g;

	(void)state;
	valid_gen(&g);
	g.e[g.n - 1].index = 3; /* thread 3 beside page 3 and node pot 3 */
	assert_int_equal(check(&g), CKPT_OK);
}

static void index_outside_pool(void **state)
{
	struct gen g;

	(void)state;
	valid_gen(&g);
	g.e[105].index = 10; /* node pots are 0..9 */
	assert_int_equal(check(&g), CKPT_ERR_INDEX);
	assert_non_null(strstr(text, "entry 105 (nodepot 10): pool holds 10"));

	valid_gen(&g);
	g.e[g.n - 2].index = 70; /* node OIDs are 0..69 */
	assert_int_equal(check(&g), CKPT_ERR_INDEX);
	assert_non_null(strstr(text, "(thread 70): pool holds 70"));
}

static void position_outside_generation(void **state)
{
	struct gen g;

	(void)state;
	valid_gen(&g);
	g.e[4].pos = GEN_START + 101; /* the directory's own position */
	assert_int_equal(check(&g), CKPT_ERR_RANGE);
	assert_non_null(strstr(text, "entry 4 (page 4): position 141 outside [40, 141)"));

	valid_gen(&g);
	g.e[5].pos = GEN_START - 1; /* the previous generation's */
	assert_int_equal(check(&g), CKPT_ERR_RANGE);
}

static void count_mismatch(void **state)
{
	struct gen g;

	(void)state;
	valid_gen(&g);
	g.hdr.threads = 4;
	assert_int_equal(check(&g), CKPT_ERR_COUNT);
	assert_int_equal(gc.failed_at, CKPT_GEN_AT_END);
	assert_non_null(strstr(text, "lists 131 objects and 3 threads, header says 131 and 4"));

	/* An object entry that claims to be a thread: both counts are off. */
	valid_gen(&g);
	g.e[0] = (struct ckpt_entry){ .index = 60, .kind = CKPT_KIND_THREAD };
	assert_int_equal(check(&g), CKPT_ERR_COUNT);
	assert_non_null(strstr(text, "lists 130 objects and 4 threads"));
}

static void bad_kind_and_flags(void **state)
{
	struct gen g;

	(void)state;
	valid_gen(&g);
	g.e[7].kind = 9;
	assert_int_equal(check(&g), CKPT_ERR_KIND);
	valid_gen(&g);
	g.e[g.n - 1].flags = CKPT_ENTRY_ZERO;
	assert_int_equal(check(&g), CKPT_ERR_FLAGS);
}

/* A header recovery would refuse is refused before any entry. */
static void bad_header(void **state)
{
	struct gen g;

	(void)state;
	valid_gen(&g);
	g.hdr.head = g.hdr.dir_pos + 3;
	assert_int_equal(check(&g), CKPT_ERR_POSITIONS);
	valid_gen(&g);
	g.hdr.tail = 0;
	g.hdr.head = TESTVOL_RING + 1; /* more than the ring */
	g.hdr.dir_pos = g.hdr.head - 2;
	assert_int_equal(check(&g), CKPT_ERR_POSITIONS);
}

/* After a failure nothing more is accepted, and a block out of order or an
 * entry beyond the block's count is refused. */
static void misuse_is_refused(void **state)
{
	struct gen g;
	struct ckpt_gen_link l = { GEN, GEN_START + 101, 2 };
	struct ckpt_dir_info info = { .sequence = GEN,
				      .index = 1,
				      .dir_blocks = 2,
				      .count = 1,
				      .gen_start = GEN_START,
				      .prev_dir_pos = CKPT_NO_DIR };

	(void)state;
	valid_gen(&g);
	ckpt_dirmap_clear(&map);
	ckpt_gen_begin(&gc, &sb, &map, &g.hdr, &l, 1);
	assert_int_equal(ckpt_gen_block(&gc, &info), CKPT_ERR_LINK); /* block 1 first */
	assert_int_equal(ckpt_gen_entry(&gc, &g.e[0]), CKPT_ERR_ARGUMENT);

	ckpt_gen_begin(&gc, &sb, &map, &g.hdr, &l, 1);
	info.index = 0;
	assert_int_equal(ckpt_gen_block(&gc, &info), CKPT_OK);
	assert_int_equal(ckpt_gen_entry(&gc, &g.e[0]), CKPT_OK);
	assert_int_equal(ckpt_gen_entry(&gc, &g.e[1]), CKPT_ERR_COUNT);
	ckpt_gen_begin(&gc, &sb, &map, &g.hdr, &l, 2);
	assert_int_equal(ckpt_gen_block(&gc, &info), CKPT_OK);
	assert_int_equal(ckpt_gen_end(&gc, NULL), CKPT_ERR_COUNT); /* block 1 missing */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(valid_generation_passes, setup),
		cmocka_unit_test_setup(duplicate_thread, setup),
		cmocka_unit_test_setup(duplicate_block, setup),
		cmocka_unit_test_setup(same_index_other_kind_passes, setup),
		cmocka_unit_test_setup(index_outside_pool, setup),
		cmocka_unit_test_setup(position_outside_generation, setup),
		cmocka_unit_test_setup(count_mismatch, setup),
		cmocka_unit_test_setup(bad_kind_and_flags, setup),
		cmocka_unit_test_setup(bad_header, setup),
		cmocka_unit_test_setup(misuse_is_refused, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
