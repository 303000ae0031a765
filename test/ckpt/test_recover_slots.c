/* SPDX-License-Identifier: MIT */
/*
 * Host tests of recovery's header slots (ckpt/recover.c, docs/checkpoint.md
 * "Recovery" step 1): the fall back to the older slot for a torn newest
 * header and for every kind of invalid one, and both slots bad; and step
 * 2's reading back of a one-FLUSH generation, with its fall back when a
 * block or the directory did not land. The logs are the real writer's
 * (recfix.h).
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

/* Recovery fell back to generation 1 in slot 1, slot 0 reported `why`. */
static void assert_fell_back(enum ckpt_err why)
{
	assert_int_equal(run(), CKPT_OK);
	assert_true(r->out.found);
	assert_int_equal(r->out.slot, 1);
	assert_int_equal(r->out.hdr.sequence, 1);
	assert_int_equal(r->out.slot_err[0], why);
	assert_int_equal(r->out.slot_err[1], CKPT_OK);
	assert_int_equal(r->out.generations, 1);
	assert_int_equal(r->nthreads, 3); /* generation 1's threads */
	assert_non_null(ckpt_dirmap_lookup(&r->map, CKPT_KIND_PAGE, 299));
	assert_null(ckpt_dirmap_lookup(&r->map, CKPT_KIND_PAGE, 7)); /* only in gen 2 */
}

static void test_torn_newest_header(void **state)
{
	uint8_t *slot0;

	(void)state;
	two_gens();
	slot0 = testvol_block(v, ckpt_header_block(&v->sb, 0));
	/* Torn: only the first 512-byte sector of the new header made it
	 * over an older header of the same slot (here: zeros). */
	memset(slot0 + 512, 0, CKPT_BLOCK_SIZE - 512);
	assert_fell_back(CKPT_ERR_CHECKSUM);
}

static void test_invalid_newest_header_kinds(void **state)
{
	struct ckpt_header h, good;
	uint8_t *slot0;

	(void)state;
	two_gens();
	hdr_load(0, &good);
	slot0 = testvol_block(v, ckpt_header_block(&v->sb, 0));

	h = good;
	h.tail = h.gen_start + 1; /* positions out of range: invalid */
	hdr_store(0, &h);
	assert_fell_back(CKPT_ERR_POSITIONS);

	h = good;
	h.head = h.tail + TESTVOL_RING + 1;
	h.dir_pos = h.head - h.dir_blocks;
	hdr_store(0, &h);
	assert_fell_back(CKPT_ERR_POSITIONS);

	h = good;
	h.uuid[0] ^= 1;
	hdr_store(0, &h);
	assert_fell_back(CKPT_ERR_UUID);

	h = good;
	h.version = 99;
	hdr_store(0, &h);
	assert_fell_back(CKPT_ERR_VERSION);

	h = good;
	h.sequence = 3; /* odd sequence in slot 0 */
	hdr_store(0, &h);
	assert_fell_back(CKPT_ERR_SLOT);

	memset(slot0, 0x5a, CKPT_BLOCK_SIZE);
	assert_fell_back(CKPT_ERR_MAGIC);

	hdr_store(0, &good);
	assert_int_equal(run(), CKPT_OK);
	assert_int_equal(r->out.hdr.sequence, 2);
}

static void test_both_slots_bad(void **state)
{
	uint8_t *slot0, *slot1;

	(void)state;
	two_gens();
	slot0 = testvol_block(v, ckpt_header_block(&v->sb, 0));
	slot1 = testvol_block(v, ckpt_header_block(&v->sb, 1));
	slot0[100] ^= 1;
	slot1[0] = 0;
	assert_int_equal(run(), CKPT_ERR_CHECKSUM);
	assert_false(r->out.found);
	assert_int_equal(r->out.slot_err[0], CKPT_ERR_CHECKSUM);
	assert_int_equal(r->out.slot_err[1], CKPT_ERR_MAGIC);
	assert_non_null(strstr(r->out.detail, "slot 1 CKPT_ERR_MAGIC"));

	/* A torn first header and an empty slot: no checkpoint was ever
	 * committed, so this is a first boot (with the damage reported). */
	memset(slot0, 0, CKPT_BLOCK_SIZE);
	assert_int_equal(run(), CKPT_OK);
	assert_false(r->out.found);
	assert_int_equal(r->out.slot_err[0], CKPT_ERR_EMPTY);
	assert_int_equal(r->out.slot_err[1], CKPT_ERR_MAGIC);
}

/* --- one-FLUSH generations ("Committing with one FLUSH") --------------- */

/* Generations 1 and 2 as the kernel writes them: each committed with one
 * FLUSH, the second's header keeping the first. */
static void one_flush_gens(void)
{
	const struct testlog_opts o = { .keep = 1, .one_flush_max = 64 };

	reopen(&o);
	two_gens();
}

/* Where generation 2 put page 7 (tag 23, only in generation 2). */
static uint64_t gen2_page7_pos(void)
{
	const struct ckpt_dirent *e;

	assert_int_equal(run(), CKPT_OK);
	e = ckpt_dirmap_lookup(&r->map, CKPT_KIND_PAGE, 7);
	assert_non_null(e);
	return e->pos;
}

/* Recovery fell back from torn generation 2 to generation 1. */
static void assert_fell_back_to_gen1(void)
{
	struct ckpt_header h2;

	hdr_load(0, &h2);
	assert_true(r->out.found);
	assert_true(r->out.fell_back);
	assert_int_equal(r->out.torn_sequence, 2);
	assert_int_equal(r->out.torn_head, h2.head);
	assert_int_equal(r->out.slot, 1);
	assert_int_equal(r->out.hdr.sequence, 1);
	assert_int_equal(r->nthreads, 3); /* generation 1's, reported once */
	assert_non_null(ckpt_dirmap_lookup(&r->map, CKPT_KIND_PAGE, 299));
	assert_null(ckpt_dirmap_lookup(&r->map, CKPT_KIND_PAGE, 7));
}

static void test_one_flush_whole_generation_recovered(void **state)
{
	(void)state;
	one_flush_gens();
	assert_int_equal(run(), CKPT_OK);
	assert_int_equal(r->out.hdr.sequence, 2);
	assert_int_equal(r->out.hdr.flags, CKPT_HDR_ONE_FLUSH);
	assert_false(r->out.fell_back);
	assert_int_equal(r->out.verified, 3); /* tags 21, 22, 23; one zero block */
	assert_int_equal(r->nthreads, 2);
	assert_int_equal(r->out.generations, 2); /* its header keeps generation 1 */
	assert_non_null(ckpt_dirmap_lookup(&r->map, CKPT_KIND_PAGE, 299));
}

/* The header landed, one data block did not (whole, or one sector). */
static void test_one_flush_missing_block_falls_back(void **state)
{
	uint64_t pos;

	(void)state;
	one_flush_gens();
	pos = gen2_page7_pos();
	memset(testvol_pos(v, pos) + 1024, 0, 512); /* a torn write */
	r->nthreads = 0;
	assert_int_equal(run(), CKPT_OK);
	assert_fell_back_to_gen1();
	assert_non_null(strstr(r->out.detail, "CKPT_ERR_DATA"));
}

/* The header landed, its directory block did not: whatever the ring held
 * there before (zeros here, or a block of another generation). */
static void test_one_flush_missing_directory_falls_back(void **state)
{
	(void)state;
	one_flush_gens();
	memset(testvol_pos(v, v->g.last.dir_pos), 0, CKPT_BLOCK_SIZE);
	assert_int_equal(run(), CKPT_OK);
	assert_fell_back_to_gen1();
}

/* A torn first generation with the other slot empty: a first boot, and
 * the writer is told where the torn one ended. */
static void test_one_flush_torn_first_generation_is_a_first_boot(void **state)
{
	const struct testlog_opts o = { .keep = 1, .one_flush_max = 64 };
	struct ckpt_header h1;

	(void)state;
	reopen(&o);
	assert_int_equal(gen(objs_a, NA, threads_a, 3), 0);
	hdr_load(1, &h1);
	assert_int_equal(h1.flags, CKPT_HDR_ONE_FLUSH);
	memset(testvol_pos(v, h1.dir_pos), 0, CKPT_BLOCK_SIZE);
	assert_int_equal(run(), CKPT_OK);
	assert_false(r->out.found);
	assert_true(r->out.fell_back);
	assert_int_equal(r->out.torn_head, h1.head);
	assert_int_equal(r->nthreads, 0);
}

/* Both generations torn (corruption, not a crash: the older one was
 * durable): an error, not a first boot; a read error is no fall back. */
static void test_one_flush_both_torn_or_unreadable(void **state)
{
	uint64_t pos, pos299;

	(void)state;
	one_flush_gens();
	pos = gen2_page7_pos();
	pos299 = ckpt_dirmap_lookup(&r->map, CKPT_KIND_PAGE, 299)->pos; /* generation 1's */
	v->file.fail_block = ckpt_pos_block(&v->sb, pos);
	assert_int_equal(run(), CKPT_ERR_IO);
	v->file.fail_block = UINT64_MAX;
	memset(testvol_pos(v, pos), 0, CKPT_BLOCK_SIZE);
	memset(testvol_pos(v, pos299), 0, CKPT_BLOCK_SIZE);
	r->nthreads = 0;
	assert_int_equal(run(), CKPT_ERR_TORN);
	assert_int_equal(r->nthreads, 0);
}

/* A two-FLUSH header is not read back: a damaged block under it is found
 * when it is fetched (the writer's durable order makes it corruption). */
static void test_two_flush_header_not_verified(void **state)
{
	(void)state;
	two_gens(); /* keep 8, no one-FLUSH */
	assert_int_equal(run(), CKPT_OK);
	assert_int_equal(r->out.hdr.flags, 0);
	assert_int_equal(r->out.verified, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_torn_newest_header),
		T(test_invalid_newest_header_kinds),
		T(test_both_slots_bad),
		T(test_one_flush_whole_generation_recovered),
		T(test_one_flush_missing_block_falls_back),
		T(test_one_flush_missing_directory_falls_back),
		T(test_one_flush_torn_first_generation_is_a_first_boot),
		T(test_one_flush_both_torn_or_unreadable),
		T(test_two_flush_header_not_verified),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
