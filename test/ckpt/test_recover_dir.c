/* SPDX-License-Identifier: MIT */
/*
 * Host tests of damaged directories named by a valid newest header
 * (ckpt/recover.c, docs/checkpoint.md "Recovery" steps 2 and 3): one test
 * per way a directory can be damaged, each asserting the named error and
 * no fall back, and a fuzz. The logs are the real writer's (recfix.h);
 * each damage is made after it wrote them, since the writer itself
 * refuses a directory recovery would refuse (test_writer_rebuilds_threads).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "recfix.h"

/* --- damaged directories of the valid newest header: named errors --------- */

static void test_dir_checksum(void **state)
{
	(void)state;
	two_gens();
	testvol_pos(v, v->g.last.dir_pos)[700] ^= 0x10;
	assert_int_equal(run(), CKPT_ERR_CHECKSUM);
	assert_true(r->out.found); /* the header was fine; no fall back */
	assert_int_equal(r->out.hdr.sequence, 2);
	assert_non_null(strstr(r->out.detail, "generation 2 directory block 0/1"));
	assert_int_equal(r->nthreads, 0);
}

static void test_dir_magic(void **state)
{
	(void)state;
	two_gens();
	memset(testvol_pos(v, v->g.last.dir_pos), 0, CKPT_BLOCK_SIZE); /* never written */
	assert_int_equal(run(), CKPT_ERR_MAGIC);
}

static void test_dir_wrong_sequence(void **state)
{
	struct ckpt_dir_info d;
	struct ckpt_entry e[CKPT_DIR_ENTRIES_PER_BLOCK];

	(void)state;
	two_gens();
	dir_load(v->g.last.dir_pos, &d, e);
	d.sequence = 5; /* a directory of another generation */
	dir_store(v->g.last.dir_pos, &d, e);
	assert_int_equal(run(), CKPT_ERR_SEQUENCE);
	assert_non_null(strstr(r->out.detail, "sequence 5"));
}

/* The chain must go strictly backwards: a previous link naming a
 * directory whose sequence is not the one the link promises. */
static void test_chain_sequence(void **state)
{
	struct ckpt_dir_info d;
	struct ckpt_entry e[CKPT_DIR_ENTRIES_PER_BLOCK];
	uint64_t dir2;

	(void)state;
	two_gens();
	assert_int_equal(gen(objs_b, 1, NULL, 0), 0); /* generation 3 */
	dir2 = v->g.gen[2].dir_pos;
	dir_load(v->g.last.dir_pos, &d, e);
	assert_int_equal(d.prev_dir_pos, dir2);
	d.prev_sequence = 1; /* generation 2's directory says 2 */
	dir_store(v->g.last.dir_pos, &d, e);
	assert_int_equal(run(), CKPT_ERR_SEQUENCE);
	assert_non_null(strstr(r->out.detail, "generation 1 directory"));

	/* A link that does not go backwards at all. */
	d.prev_sequence = 3;
	dir_store(v->g.last.dir_pos, &d, e);
	assert_int_equal(run(), CKPT_ERR_SEQUENCE);

	/* Older generation's block claims a newer sequence than its link. */
	d.prev_sequence = 2;
	dir_store(v->g.last.dir_pos, &d, e);
	dir_load(dir2, &d, e);
	d.sequence = 7;
	d.prev_sequence = 1;
	dir_store(dir2, &d, e);
	assert_int_equal(run(), CKPT_ERR_SEQUENCE);
}

static void test_dir_link_fields(void **state)
{
	struct ckpt_dir_info d, orig;
	struct ckpt_entry e[CKPT_DIR_ENTRIES_PER_BLOCK];
	uint64_t pos;

	(void)state;
	two_gens();
	pos = v->g.last.dir_pos;
	dir_load(pos, &orig, e);

	d = orig;
	d.gen_start++; /* disagrees with the header */
	dir_store(pos, &d, e);
	assert_int_equal(run(), CKPT_ERR_LINK);

	d = orig;
	d.dir_blocks = 2;
	dir_store(pos, &d, e);
	assert_int_equal(run(), CKPT_ERR_LINK);

	/* A previous link running into this generation. */
	d = orig;
	d.prev_dir_blocks = (uint32_t)(d.gen_start - d.prev_dir_pos + 1);
	dir_store(pos, &d, e);
	assert_int_equal(run(), CKPT_ERR_POSITIONS);
}

static void test_dir_block_order(void **state)
{
	static struct obj many[200];
	struct ckpt_dir_info d0, d1;
	struct ckpt_entry e0[CKPT_DIR_ENTRIES_PER_BLOCK], e1[CKPT_DIR_ENTRIES_PER_BLOCK];
	uint64_t pos;

	(void)state;
	for (unsigned i = 0; i < 200; i++)
		many[i] = (struct obj){ CKPT_KIND_PAGE, i, 0 };
	assert_int_equal(gen(many, 200, NULL, 0), 0);
	pos = v->g.last.dir_pos;
	dir_load(pos, &d0, e0);
	dir_load(pos + 1, &d1, e1);
	/* Blocks swapped: block at dir_pos + 0 says index 1. */
	dir_store(pos, &d1, e1);
	dir_store(pos + 1, &d0, e0);
	assert_int_equal(run(), CKPT_ERR_LINK);
	/* Second block disagreeing with the first about the previous link
	 * (a field the decoder ignores here, as nothing is kept before). */
	dir_store(pos, &d0, e0);
	assert_int_equal(d1.prev_dir_pos, CKPT_NO_DIR);
	d1.prev_dir_blocks = 5;
	dir_store(pos + 1, &d1, e1);
	assert_int_equal(run(), CKPT_ERR_LINK);
	assert_non_null(strstr(r->out.detail, "directory block 1/2"));
}

static void test_entry_positions(void **state)
{
	struct ckpt_entry e;
	const struct ckpt_header *h;

	(void)state;
	two_gens();
	h = &v->g.last;
	e = (struct ckpt_entry){ .kind = CKPT_KIND_PAGE, .index = 0, .pos = h->dir_pos };
	assert_int_equal(with_entry(0, &e), CKPT_ERR_RANGE);
	assert_non_null(strstr(r->out.detail, "entry 0 (page 0)"));
	e.pos = h->gen_start - 1; /* generation 1's data */
	assert_int_equal(with_entry(0, &e), CKPT_ERR_RANGE);
	e.pos = h->gen_start + 1000 * TESTVOL_RING; /* same ring block, wrong lap */
	assert_int_equal(with_entry(0, &e), CKPT_ERR_RANGE);
	e.pos = h->gen_start; /* in range (the sum is then wrong, not checked here) */
	assert_int_equal(with_entry(0, &e), CKPT_OK);
}

static void test_entry_index_outside_pool(void **state)
{
	struct ckpt_entry e;

	(void)state;
	two_gens();
	e = (struct ckpt_entry){ .kind = CKPT_KIND_NODEPOT, .index = 10, .flags = CKPT_ENTRY_ZERO };
	assert_int_equal(with_entry(1, &e), CKPT_ERR_INDEX);
	assert_non_null(strstr(r->out.detail, "entry 1 (nodepot 10): pool holds 10"));
	e.kind = CKPT_KIND_TAGPOT;
	e.index = 1;
	assert_int_equal(with_entry(1, &e), CKPT_ERR_INDEX);
	e.kind = CKPT_KIND_PAGE;
	e.index = 300;
	assert_int_equal(with_entry(1, &e), CKPT_ERR_INDEX);
	e = (struct ckpt_entry){ .kind = CKPT_KIND_THREAD, .index = 70 };
	assert_int_equal(with_entry(1, &e), CKPT_ERR_INDEX);
	e.index = UINT64_MAX;
	assert_int_equal(with_entry(1, &e), CKPT_ERR_INDEX);
}

static void test_entry_kind_and_flags(void **state)
{
	struct ckpt_entry e;

	(void)state;
	two_gens();
	e = (struct ckpt_entry){ .kind = 0, .index = 1 };
	assert_int_equal(with_entry(2, &e), CKPT_ERR_KIND);
	e.kind = 7;
	assert_int_equal(with_entry(2, &e), CKPT_ERR_KIND);
	e = (struct ckpt_entry){ .kind = CKPT_KIND_PAGE, .index = 1, .flags = 0x10 };
	assert_int_equal(with_entry(2, &e), CKPT_ERR_FLAGS);
}

static void test_duplicates(void **state)
{
	struct ckpt_entry e;

	(void)state;
	two_gens();
	/* Entry 1 names the same block as entry 0 (page 0). */
	e = (struct ckpt_entry){ .kind = CKPT_KIND_PAGE, .index = 0, .flags = CKPT_ENTRY_ZERO };
	assert_int_equal(with_entry(1, &e), CKPT_ERR_DUPLICATE);
	assert_non_null(strstr(r->out.detail, "entry 1 (page 0)"));
}

/* A thread listed twice. The writer never writes one (it rebuilds the
 * list, test_writer_rebuilds_threads), so the directory is damaged after. */
static void test_duplicate_threads(void **state)
{
	static const uint64_t th[] = { 8, 9, 10 };

	(void)state;
	assert_int_equal(gen(objs_a, 2, th, 3), 0);
	assert_int_equal(run(), CKPT_OK);
	/* Entries: the two objects, then threads 8, 9, 10: 10 becomes 8. */
	assert_int_equal(with_entry(4,
				    &(struct ckpt_entry){ .kind = CKPT_KIND_THREAD, .index = 8 }),
			 CKPT_ERR_DUPLICATE);
	assert_int_equal(r->nthreads, 0);
}

/* The writer checks a directory as recovery will before it writes the
 * header: a thread list with a root twice is rebuilt (one line), and the
 * generation commits with each root once. */
static void test_writer_rebuilds_threads(void **state)
{
	static const uint64_t th[] = { 8, 9, 8 };

	(void)state;
	assert_int_equal(gen(objs_a, 2, th, 3), 0);
	assert_int_equal(v->g.reports[CKPT_REPORT_REFUSED_RETRY], 1);
	assert_int_equal(v->g.last.threads, 2);
	assert_int_equal(run(), CKPT_OK);
	assert_int_equal(r->nthreads, 2);
	assert_true(r->threads[0] + r->threads[1] == 17);
}

/* A duplicate in an older generation is found even when a newer
 * generation also names that block (the newer copy must not hide it). */
static void test_duplicate_in_older_generation(void **state)
{
	static const struct obj pair[] = { { CKPT_KIND_PAGE, 5, 1 }, { CKPT_KIND_PAGE, 6, 2 } };
	static const struct obj newer[] = { { CKPT_KIND_PAGE, 5, 3 } };
	struct ckpt_dir_info d;
	struct ckpt_entry e[CKPT_DIR_ENTRIES_PER_BLOCK];

	(void)state;
	assert_int_equal(gen(pair, 2, NULL, 0), 0);
	assert_int_equal(gen(newer, 1, NULL, 0), 0);
	/* Generation 1 lists page 5 twice (the writer would have refused it). */
	dir_load(v->g.gen[1].dir_pos, &d, e);
	e[1].index = 5;
	dir_store(v->g.gen[1].dir_pos, &d, e);
	assert_int_equal(run(), CKPT_ERR_DUPLICATE);
	assert_non_null(strstr(r->out.detail, "generation 1 directory"));
}

static void test_counts(void **state)
{
	struct ckpt_header h;
	struct ckpt_dir_info d;
	struct ckpt_entry e[CKPT_DIR_ENTRIES_PER_BLOCK];

	(void)state;
	two_gens();
	hdr_load(0, &h);
	h.objects++;
	hdr_store(0, &h);
	assert_int_equal(run(), CKPT_ERR_COUNT);
	assert_non_null(strstr(r->out.detail, "header says 5 and 2"));
	h.objects--;
	h.threads = 0;
	hdr_store(0, &h);
	assert_int_equal(run(), CKPT_ERR_COUNT);
	h.threads = 2;
	hdr_store(0, &h);

	/* Too many entries in a block. */
	dir_load(v->g.last.dir_pos, &d, e);
	d.count = 126;
	dir_store(v->g.last.dir_pos, &d, e);
	assert_int_equal(run(), CKPT_ERR_COUNT);
}

/* Garbage anywhere in the newest directory never crashes recovery: flip
 * every byte of it in turn (the CRC catches each), then rewrite random
 * contents with a valid CRC and accept any named result. */
static void test_directory_fuzz(void **state)
{
	uint8_t *dir, saved[CKPT_BLOCK_SIZE];
	uint64_t s = 1234;

	(void)state;
	two_gens();
	dir = testvol_pos(v, v->g.last.dir_pos);
	memcpy(saved, dir, CKPT_BLOCK_SIZE);
	for (unsigned i = 0; i < CKPT_BLOCK_SIZE; i += 7) {
		dir[i] ^= 0x21;
		enum ckpt_err err = run();
		assert_true(err == CKPT_ERR_CHECKSUM || (i < 8 && err == CKPT_ERR_MAGIC));
		dir[i] ^= 0x21;
	}
	for (unsigned n = 0; n < 2000; n++) {
		struct ckpt_dir_info d;
		struct ckpt_entry e[CKPT_DIR_ENTRIES_PER_BLOCK];
		enum ckpt_err err;

		memcpy(dir, saved, CKPT_BLOCK_SIZE);
		dir_load(v->g.last.dir_pos, &d, e);
		for (unsigned k = 0; k < d.count; k++) {
			uint64_t x = testvol_rand(&s);

			switch (x % 5) {
			case 0:
				e[k].index = testvol_rand(&s) % 400;
				break;
			case 1:
				e[k].kind = (uint8_t)(testvol_rand(&s) % 6);
				break;
			case 2:
				e[k].pos = v->g.last.gen_start + testvol_rand(&s) % 12 - 3;
				break;
			case 3:
				e[k].flags = (uint8_t)(testvol_rand(&s) % 3);
				break;
			default:
				break;
			}
		}
		if (testvol_rand(&s) % 4 == 0)
			d.count = (uint32_t)(testvol_rand(&s) % 130);
		dir_store(v->g.last.dir_pos, &d, e);
		err = run();
		assert_true((unsigned)err < CKPT_NERRORS);
		if (err != CKPT_OK)
			assert_true(strlen(r->out.detail) > 0);
	}
	memcpy(dir, saved, CKPT_BLOCK_SIZE);
	assert_int_equal(run(), CKPT_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_dir_checksum),
		T(test_dir_magic),
		T(test_dir_wrong_sequence),
		T(test_chain_sequence),
		T(test_dir_link_fields),
		T(test_dir_block_order),
		T(test_entry_positions),
		T(test_entry_index_outside_pool),
		T(test_entry_kind_and_flags),
		T(test_duplicates),
		T(test_duplicate_threads),
		T(test_writer_rebuilds_threads),
		T(test_duplicate_in_older_generation),
		T(test_counts),
		T(test_directory_fuzz),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
