/* SPDX-License-Identifier: MIT */
/*
 * Corrupt logs beyond test_recover*.c (the real writer writes them,
 * testvol.h): the cases it does not reach, each of
 * which recovery must refuse by name (falling back to the older header
 * slot when only the newest header is bad, or stopping with a detail
 * line), and a fuzz of whole headers that must never crash it.
 *
 *   - a header with sequence 0 (and a good CRC) in the newest slot;
 *   - a header whose positions all lie one lap of the ring later (every
 *     range check passes; only the directory's gen_start gives it away);
 *   - a previous link that names a data block instead of a directory;
 *   - an older generation's directory whose size disagrees with the link;
 *   - a block listed twice in two different blocks of one directory;
 *   - random headers with valid CRCs in the newest slot.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "recover.h"
#include "testvol.h"

#define MAP_CAP 4096u

static struct testvol *v;
static struct ckpt_dirent slots[MAP_CAP];
static struct ckpt_dirmap map;
static struct ckpt_recovery out;
static uint8_t scratch[CKPT_BLOCK_SIZE];
static uint8_t data[300][CKPT_BLOCK_SIZE];

static int setup(void **state)
{
	(void)state;
	v = testvol_new(&(struct testlog_opts){ .keep = 8 });
	ckpt_dirmap_init(&map, slots, MAP_CAP);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	testvol_free(v);
	return 0;
}

static enum ckpt_err run(void)
{
	return ckpt_recover(&v->sb, testvol_read, v, scratch, &map, NULL, NULL, &out);
}

/* A generation of n pages first..first+n-1, every other one with data. */
static void gen(unsigned first, unsigned n)
{
	struct testlog_obj o[140];

	assert_true(n <= 140);
	for (unsigned i = 0; i < n; i++) {
		o[i] = (struct testlog_obj){ CKPT_KIND_PAGE, first + i, NULL };
		if (i % 2 == 0) {
			testvol_fill(data[i], first * 1000 + i + 1);
			o[i].data = data[i];
		}
	}
	assert_int_equal(testvol_commit(v, o, n, NULL, 0), 0);
}

static void three_gens(void)
{
	gen(0, 6);
	gen(10, 4);
	gen(20, 5);
}

static void hdr_rw(unsigned slot, struct ckpt_header *h, bool store)
{
	uint8_t *b = testvol_block(v, ckpt_header_block(&v->sb, slot));

	if (store)
		ckpt_header_encode(h, b);
	else
		assert_int_equal(ckpt_header_decode(b, &v->sb, h), CKPT_OK);
}

/* Generation 3 is in slot 1; generation 2 in slot 0 is the fall back. */
static void assert_fell_back_to_2(enum ckpt_err why)
{
	assert_int_equal(run(), CKPT_OK);
	assert_true(out.found);
	assert_int_equal(out.hdr.sequence, 2);
	assert_int_equal(out.slot_err[1], why);
}

static void test_header_sequence_zero(void **state)
{
	struct ckpt_header h;

	(void)state;
	three_gens();
	hdr_rw(1, &h, false);
	h.sequence = 0;
	hdr_rw(1, &h, true);
	assert_fell_back_to_2(CKPT_ERR_SEQUENCE);
}

/* Every position one lap later: the header alone is valid, and its
 * directory position is the same ring block; the directory says the
 * generation starts a lap earlier. */
static void test_header_other_lap(void **state)
{
	struct ckpt_header h;

	(void)state;
	three_gens();
	hdr_rw(1, &h, false);
	h.tail += TESTVOL_RING;
	h.gen_start += TESTVOL_RING;
	h.dir_pos += TESTVOL_RING;
	h.head += TESTVOL_RING;
	hdr_rw(1, &h, true);
	assert_int_equal(run(), CKPT_ERR_LINK);
	assert_non_null(strstr(out.detail, "generation 3 directory block 0/1"));
}

/* Generation 3's link names a data block of generation 2. */
static void test_link_to_data_block(void **state)
{
	struct ckpt_dir_info d;
	struct ckpt_entry e[CKPT_DIR_ENTRIES_PER_BLOCK];
	uint64_t dir3;

	(void)state;
	three_gens();
	dir3 = v->g.last.dir_pos;
	assert_int_equal(ckpt_dir_decode(testvol_pos(v, dir3), &d, e), CKPT_OK);
	d.prev_dir_pos = v->g.gen[2].gen_start; /* generation 2's first data block */
	ckpt_dir_encode(&d, e, testvol_pos(v, dir3));
	assert_int_equal(run(), CKPT_ERR_MAGIC);
	assert_non_null(strstr(out.detail, "generation 2 directory block 0/1"));
}

/* The link promises a two-block directory where there is one block. */
static void test_link_size_disagrees(void **state)
{
	struct ckpt_dir_info d;
	struct ckpt_entry e[CKPT_DIR_ENTRIES_PER_BLOCK];
	uint64_t dir3;

	(void)state;
	three_gens();
	dir3 = v->g.last.dir_pos;
	assert_int_equal(ckpt_dir_decode(testvol_pos(v, dir3), &d, e), CKPT_OK);
	d.prev_dir_pos--; /* still ends at generation 3's start */
	d.prev_dir_blocks = 2;
	ckpt_dir_encode(&d, e, testvol_pos(v, dir3));
	assert_int_equal(run(), CKPT_ERR_MAGIC); /* the block before is data */
	assert_non_null(strstr(out.detail, "generation 2 directory block 0/2"));

	/* Now with a real directory block there, saying it is 1 of 1. */
	memcpy(testvol_pos(v, d.prev_dir_pos), testvol_pos(v, d.prev_dir_pos + 1), CKPT_BLOCK_SIZE);
	assert_int_equal(run(), CKPT_ERR_LINK);
}

/* Page 3 in directory block 0 and again in block 1 of one generation
 * (made after the writer wrote it: the writer refuses such a directory). */
static void test_duplicate_across_blocks(void **state)
{
	struct testlog_obj o[130];
	struct ckpt_dir_info d;
	struct ckpt_entry e[CKPT_DIR_ENTRIES_PER_BLOCK];

	(void)state;
	for (unsigned i = 0; i < 130; i++)
		o[i] = (struct testlog_obj){ CKPT_KIND_PAGE, i, NULL };
	assert_int_equal(testvol_commit(v, o, 130, NULL, 0), 0);
	assert_int_equal(v->g.last.dir_blocks, 2);
	assert_int_equal(ckpt_dir_decode(testvol_pos(v, v->g.last.dir_pos + 1), &d, e), CKPT_OK);
	e[2].index = 3; /* entry 127: page 127 */
	ckpt_dir_encode(&d, e, testvol_pos(v, v->g.last.dir_pos + 1));
	assert_int_equal(run(), CKPT_ERR_DUPLICATE);
	assert_non_null(strstr(out.detail, "generation 1 directory block 1/2"));
	assert_non_null(strstr(out.detail, "entry 2 (page 3)"));
}

/* Random headers with good CRCs in the newest slot: recovery either falls
 * back (the header is refused by name), or takes it and then succeeds or
 * stops with a named error and a detail line. */
static void test_header_fuzz(void **state)
{
	uint64_t s = 42;
	struct ckpt_header good;
	unsigned fell_back = 0, refused = 0;

	(void)state;
	three_gens();
	hdr_rw(1, &good, false);
	for (unsigned n = 0; n < 4000; n++) {
		struct ckpt_header h = good;
		uint64_t *f[] = {
			&h.tail, &h.gen_start, &h.dir_pos, &h.head, &h.objects, &h.threads
		};
		unsigned changes = 1 + (unsigned)(testvol_rand(&s) % 3);
		enum ckpt_err err;

		for (unsigned c = 0; c < changes; c++) {
			uint64_t r = testvol_rand(&s), pick = testvol_rand(&s) % 8;

			if (pick < 6) {
				switch (r % 4) {
				case 0:
					*f[pick] += r % 7;
					break;
				case 1:
					*f[pick] -= r % 7;
					break;
				case 2:
					*f[pick] = r;
					break;
				default:
					*f[pick] = UINT64_MAX - r % 3;
					break;
				}
			} else if (pick == 6) {
				h.dir_blocks = (uint32_t)(r % 4);
			} else {
				h.sequence = r % 5 == 0 ? r : 1 + r % 6;
			}
		}
		hdr_rw(1, &h, true);
		err = run();
		assert_true((unsigned)err < CKPT_NERRORS);
		if (err == CKPT_OK) {
			assert_true(out.found);
			fell_back += out.hdr.sequence == 2;
		} else {
			assert_true(out.found);
			assert_true(strlen(out.detail) > 0);
			refused++;
		}
	}
	assert_true(fell_back > 0 && refused > 0);
	hdr_rw(1, &good, true);
	assert_int_equal(run(), CKPT_OK);
	assert_int_equal(out.hdr.sequence, 3);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_header_sequence_zero),    T(test_header_other_lap),
		T(test_link_to_data_block),      T(test_link_size_disagrees),
		T(test_duplicate_across_blocks), T(test_header_fuzz),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
