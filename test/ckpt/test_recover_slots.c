/* SPDX-License-Identifier: MIT */
/*
 * Host tests of recovery's header slots (ckpt/recover.c, docs/checkpoint.md
 * "Recovery" step 1): the fall back to the older slot for a torn newest
 * header and for every kind of invalid one, and both slots bad. The logs
 * are the real writer's (recfix.h).
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_torn_newest_header),
		T(test_invalid_newest_header_kinds),
		T(test_both_slots_bad),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
