/* SPDX-License-Identifier: MIT */
/*
 * Host tests of recovery (ckpt/recover.c) over logs the real writer
 * (ckpt/writer.c) wrote to a test volume in a file: first boot, one and
 * several generations, newest-wins, threads, ring wrap-around, the tail
 * (what recovery never reads), read errors, the map and the data check.
 * The damaged headers are test_recover_slots.c's, the damaged
 * directories test_recover_dir.c's; the fixture is recfix.h.
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

/* --- the basic cases ------------------------------------------------------ */

static void test_first_boot(void **state)
{
	(void)state;
	assert_int_equal(run(), CKPT_OK);
	assert_false(r->out.found);
	assert_int_equal(r->out.slot_err[0], CKPT_ERR_EMPTY);
	assert_int_equal(r->out.slot_err[1], CKPT_ERR_EMPTY);
	assert_int_equal(r->out.generations, 0);
	assert_int_equal(ckpt_dirmap_count(&r->map), 0);
	assert_int_equal(r->nthreads, 0);
	assert_string_equal(r->out.detail, "");
}

static void test_one_generation(void **state)
{
	(void)state;
	assert_int_equal(gen(objs_a, NA, threads_a, 3), 0);
	assert_int_equal(run(), CKPT_OK);
	assert_true(r->out.found);
	assert_int_equal(r->out.slot, 1);
	assert_int_equal(r->out.hdr.sequence, 1);
	assert_int_equal(r->out.hdr.objects, NA);
	assert_int_equal(r->out.hdr.threads, 3);
	assert_int_equal(r->out.hdr.interval_ms, 100);
	assert_int_equal(r->out.slot_err[0], CKPT_ERR_EMPTY);
	assert_int_equal(r->out.slot_err[1], CKPT_OK);
	assert_int_equal(r->out.slot_seq[1], 1);
	assert_int_equal(r->out.generations, 1);
	assert_int_equal(r->out.dir_blocks, 1);
	assert_int_equal(r->out.entries, NA + 3);
	assert_int_equal(r->out.threads, 3);
	check_map_against_model();

	/* The threads, each once (order is the map's). */
	assert_int_equal(r->nthreads, 3);
	unsigned mask = 0;
	for (unsigned i = 0; i < r->nthreads; i++)
		mask |= r->threads[i] == 0    ? 1
			: r->threads[i] == 5  ? 2
			: r->threads[i] == 69 ? 4
					      : 8;
	assert_int_equal(mask, 7);
	/* THREAD entries are gone from the map. */
	assert_null(ckpt_dirmap_lookup(&r->map, CKPT_KIND_THREAD, 5));
}

static void test_generations_newest_wins(void **state)
{
	static const struct obj c[] = { { CKPT_KIND_PAGE, 0, 31 }, { CKPT_KIND_TAGPOT, 0, 0 } };

	(void)state;
	assert_int_equal(gen(objs_a, NA, threads_a, 3), 0);
	assert_int_equal(gen(objs_b, NB, threads_b, 2), 0);
	assert_int_equal(gen(c, 2, NULL, 0), 0);
	assert_int_equal(gen(NULL, 0, threads_a, 1), 0); /* only a thread */
	assert_int_equal(run(), CKPT_OK);
	assert_int_equal(r->out.hdr.sequence, 4);
	assert_int_equal(r->out.slot, 0);
	assert_int_equal(r->out.slot_seq[0], 4);
	assert_int_equal(r->out.slot_seq[1], 3);
	assert_int_equal(r->out.generations, 4);
	assert_int_equal(r->out.entries, NA + 3 + NB + 2 + 2 + 1);
	check_map_against_model();
	assert_int_equal(ckpt_dirmap_lookup(&r->map, CKPT_KIND_PAGE, 0)->seq, 3);
	assert_int_equal(ckpt_dirmap_lookup(&r->map, CKPT_KIND_PAGE, 42)->flags, 0);
	assert_int_equal(ckpt_dirmap_lookup(&r->map, CKPT_KIND_NODEPOT, 0)->flags, CKPT_ENTRY_ZERO);
	/* Threads of the newest generation only. */
	assert_int_equal(r->nthreads, 1);
	assert_int_equal(r->threads[0], 0);
}

static void test_threads_only_newest(void **state)
{
	(void)state;
	assert_int_equal(gen(objs_a, NA, threads_a, 3), 0);
	assert_int_equal(gen(objs_b, NB, threads_b, 2), 0);
	assert_int_equal(run(), CKPT_OK);
	assert_int_equal(r->nthreads, 2);
	assert_true((r->threads[0] == 5 && r->threads[1] == 33) ||
		    (r->threads[0] == 33 && r->threads[1] == 5));
	assert_int_equal(r->out.threads, 2);

	/* A generation with no threads: nothing runs. */
	assert_int_equal(gen(objs_b, 1, NULL, 0), 0);
	assert_int_equal(run(), CKPT_OK);
	assert_int_equal(r->nthreads, 0);
	/* on_thread may be NULL. */
	assert_int_equal(ckpt_recover(&v->sb, testvol_read, v, r->scratch, &r->map, NULL, NULL,
				      &r->out),
			 CKPT_OK);
}

static void test_multiblock_directory(void **state)
{
	static struct obj many[290];
	static uint64_t th[40];

	(void)state;
	for (unsigned i = 0; i < 290; i++)
		many[i] = (struct obj){ CKPT_KIND_PAGE, i, i % 5 ? 0 : 1000 + i };
	for (unsigned i = 0; i < 40; i++)
		th[i] = i;
	assert_int_equal(gen(many, 290, th, 40), 0); /* 330 entries: 3 blocks */
	assert_int_equal(v->g.last.dir_blocks, 3);
	assert_int_equal(run(), CKPT_OK);
	assert_int_equal(r->out.dir_blocks, 3);
	assert_int_equal(r->out.entries, 330);
	assert_int_equal(r->nthreads, 40);
	check_map_against_model();
}

static void test_empty_generation(void **state)
{
	(void)state;
	assert_int_equal(gen(NULL, 0, NULL, 0), 0);
	assert_int_equal(v->g.last.gen_start, v->g.last.dir_pos);
	assert_int_equal(run(), CKPT_OK);
	assert_true(r->out.found);
	assert_int_equal(r->out.entries, 0);
	assert_int_equal(ckpt_dirmap_count(&r->map), 0);
}

/* Many generations through a small ring: positions wrap many times, the
 * tail keeps the newest 3, and recovery sees exactly those. */
static void test_ring_wraparound(void **state)
{
	uint64_t s = 99;

	(void)state;
	reopen(&(struct testlog_opts){ .keep = 3, .start_pos = 5 * TESTVOL_RING - 7 });
	for (unsigned g = 0; g < 60; g++) {
		struct obj o[12];
		unsigned n = 1 + (unsigned)(testvol_rand(&s) % 12);

		for (unsigned i = 0; i < n; i++)
			o[i] = (struct obj){ CKPT_KIND_PAGE, (g * 12 + i) % 300,
					     testvol_rand(&s) % 4 ? 1 + g * 100 + i : 0 };
		assert_int_equal(gen(o, n, NULL, 0), 0);
	}
	assert_int_equal(run(), CKPT_OK);
	assert_int_equal(r->out.hdr.sequence, 60);
	assert_int_equal(r->out.generations, 3);
	assert_true(r->out.hdr.head > 5 * TESTVOL_RING);
	/* Every object in the map verifies against its data. */
	struct ckpt_dirmap_cursor c;
	struct ckpt_dirent e;
	ckpt_dirmap_first(&r->map, &c);
	while (ckpt_dirmap_next(&r->map, &c, &e)) {
		assert_true(e.seq >= 58);
		assert_int_equal(ckpt_verify_object(&v->sb, testvol_read, v, r->scratch, &e),
				 CKPT_OK);
	}
}

/* --- the tail ------------------------------------------------------------ */

/* Generations before the tail are never read: garbage there is harmless. */
static void test_tail_not_read(void **state)
{
	uint64_t old_dir, old_data;

	(void)state;
	reopen(&(struct testlog_opts){ .keep = 1 });
	assert_int_equal(gen(objs_a, NA, threads_a, 3), 0);
	old_dir = v->g.last.dir_pos;
	old_data = v->g.last.gen_start;
	memset(mdl, 0, sizeof(*mdl));
	assert_int_equal(gen(objs_b, NB, threads_b, 2), 0);
	assert_int_equal(v->g.last.tail, v->g.last.gen_start);

	memset(testvol_pos(v, old_dir), 0xa5, CKPT_BLOCK_SIZE);
	memset(testvol_pos(v, old_data), 0xa5, CKPT_BLOCK_SIZE);
	v->file.fail_block = ckpt_pos_block(&v->sb, old_dir); /* and unreadable */
	assert_int_equal(run(), CKPT_OK);
	assert_int_equal(r->out.generations, 1);
	check_map_against_model();
	assert_null(ckpt_dirmap_lookup(&r->map, CKPT_KIND_PAGE, 299)); /* only in gen 1 */
}

/* With keep 2 the tail moves one generation behind: generation 1 is cut
 * off once generation 3 is committed, though generation 2 links to it. */
static void test_tail_moves(void **state)
{
	uint64_t dir1;

	(void)state;
	reopen(&(struct testlog_opts){ .keep = 2 });
	assert_int_equal(gen(objs_a, NA, NULL, 0), 0);
	dir1 = v->g.last.dir_pos;
	assert_int_equal(gen(objs_b, NB, NULL, 0), 0);
	assert_int_equal(run(), CKPT_OK);
	assert_int_equal(r->out.generations, 2);

	assert_int_equal(gen(objs_b, 1, NULL, 0), 0);
	memset(testvol_pos(v, dir1), 0xff, CKPT_BLOCK_SIZE);
	assert_int_equal(run(), CKPT_OK);
	assert_int_equal(r->out.generations, 2);
	assert_null(ckpt_dirmap_lookup(&r->map, CKPT_KIND_PAGE, 299));
}

/* The tail must be a generation boundary: a previous directory at or after
 * the tail whose generation starts before it is an error. */
static void test_tail_inside_generation(void **state)
{
	struct ckpt_header h;

	(void)state;
	two_gens();
	hdr_load(0, &h);
	assert_int_equal(h.tail, v->g.gen[1].gen_start);
	h.tail = v->g.gen[1].gen_start + 1;
	assert_true(h.tail <= v->g.gen[1].dir_pos);
	hdr_store(0, &h);
	assert_int_equal(run(), CKPT_ERR_POSITIONS);
	assert_non_null(strstr(r->out.detail, "generation 1"));
}

/* --- I/O, the map, data -------------------------------------------------- */

static void test_read_errors(void **state)
{
	(void)state;
	two_gens();
	v->file.fail_block = ckpt_header_block(&v->sb, 1); /* the OLDER slot */
	assert_int_equal(run(), CKPT_ERR_IO);
	assert_int_equal(r->out.slot_err[1], CKPT_ERR_IO);
	assert_non_null(strstr(r->out.detail, "header slot 1"));

	v->file.fail_block = ckpt_pos_block(&v->sb, v->g.gen[1].dir_pos); /* gen 1's dir */
	assert_int_equal(run(), CKPT_ERR_IO);
	assert_non_null(strstr(r->out.detail, "generation 1 directory block 0/1"));
	assert_non_null(strstr(r->out.detail, "read failed"));

	v->file.fail_block = UINT64_MAX;
	assert_int_equal(run(), CKPT_OK);
}

static void test_map_full(void **state)
{
	static struct obj many[100];
	struct ckpt_dirent small[64];

	(void)state;
	for (unsigned i = 0; i < 100; i++)
		many[i] = (struct obj){ CKPT_KIND_PAGE, i, 0 };
	assert_int_equal(gen(many, 100, NULL, 0), 0);
	ckpt_dirmap_init(&r->map, small, 64);
	assert_int_equal(run(), CKPT_ERR_MAP_FULL);
	ckpt_dirmap_init(&r->map, r->slots, MAP_CAP);
	assert_int_equal(run(), CKPT_OK);

	r->map.slots = NULL;
	assert_int_equal(run(), CKPT_ERR_ARGUMENT);
	ckpt_dirmap_init(&r->map, r->slots, MAP_CAP);
}

static void test_verify_object(void **state)
{
	struct ckpt_dirent *e;

	(void)state;
	two_gens();
	assert_int_equal(run(), CKPT_OK);
	e = ckpt_dirmap_lookup(&r->map, CKPT_KIND_PAGE, 7);
	assert_non_null(e);
	testvol_pos(v, e->pos)[4095] ^= 1;
	assert_int_equal(ckpt_verify_object(&v->sb, testvol_read, v, r->scratch, e), CKPT_ERR_DATA);
	v->file.fail_block = ckpt_pos_block(&v->sb, e->pos);
	assert_int_equal(ckpt_verify_object(&v->sb, testvol_read, v, r->scratch, e), CKPT_ERR_IO);
	e = ckpt_dirmap_lookup(&r->map, CKPT_KIND_NODEPOT, 0); /* ZERO: nothing to read */
	assert_int_equal(ckpt_verify_object(&v->sb, testvol_read, v, r->scratch, e), CKPT_OK);
	struct ckpt_dirent t = { .kind = CKPT_KIND_THREAD };
	assert_int_equal(ckpt_verify_object(&v->sb, testvol_read, v, r->scratch, &t),
			 CKPT_ERR_KIND);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_first_boot),
		T(test_one_generation),
		T(test_generations_newest_wins),
		T(test_threads_only_newest),
		T(test_multiblock_directory),
		T(test_empty_generation),
		T(test_ring_wraparound),
		T(test_tail_not_read),
		T(test_tail_moves),
		T(test_tail_inside_generation),
		T(test_read_errors),
		T(test_map_full),
		T(test_verify_object),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
