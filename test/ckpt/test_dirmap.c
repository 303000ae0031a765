/* SPDX-License-Identifier: MIT */
/*
 * Host tests of the in-memory directory map (ckpt/dirmap.c): the basic
 * operations, clusters that wrap around the end of the table, a full map,
 * removal of the current entry during iteration (what migration does), and
 * a long randomized run against a plain reference array with a fixed seed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dirmap.h"
#include "testvol.h"

static struct ckpt_dirent ent(uint8_t kind, uint64_t index, uint64_t pos)
{
	struct ckpt_dirent e;

	memset(&e, 0, sizeof(e));
	e.kind = kind;
	e.index = index;
	e.pos = pos;
	e.sum = pos * 3 + 1;
	e.seq = pos / 2 + 1;
	return e;
}

static void test_init(void **state)
{
	struct ckpt_dirent slots[16];
	struct ckpt_dirmap m;

	(void)state;
	assert_int_equal(ckpt_dirmap_init(&m, slots, 0), CKPT_ERR_ARGUMENT);
	assert_int_equal(ckpt_dirmap_init(&m, slots, 12), CKPT_ERR_ARGUMENT);
	assert_int_equal(ckpt_dirmap_init(&m, NULL, 16), CKPT_ERR_ARGUMENT);
	assert_null(ckpt_dirmap_lookup(&m, CKPT_KIND_PAGE, 1));

	memset(slots, 0xff, sizeof(slots)); /* init clears whatever was there */
	assert_int_equal(ckpt_dirmap_init(&m, slots, 16), CKPT_OK);
	assert_int_equal(ckpt_dirmap_count(&m), 0);
	assert_int_equal(ckpt_dirmap_capacity(&m), 16);
	assert_int_equal(ckpt_dirmap_limit(&m), 14);
	assert_null(ckpt_dirmap_lookup(&m, CKPT_KIND_PAGE, 1));

	assert_int_equal(ckpt_dirmap_init(&m, slots, 1), CKPT_OK);
	assert_int_equal(ckpt_dirmap_limit(&m), 0);
	assert_int_equal(ckpt_dirmap_init(&m, slots, 2), CKPT_OK);
	assert_int_equal(ckpt_dirmap_limit(&m), 1);
	assert_int_equal(ckpt_dirmap_init(&m, slots, 8), CKPT_OK);
	assert_int_equal(ckpt_dirmap_limit(&m), 7);
}

static void test_insert_lookup_replace(void **state)
{
	struct ckpt_dirent slots[64], e;
	struct ckpt_dirmap m;
	struct ckpt_dirent *p;

	(void)state;
	assert_int_equal(ckpt_dirmap_init(&m, slots, 64), CKPT_OK);
	/* The same index in different kinds are different keys. */
	for (uint8_t k = 1; k <= 4; k++) {
		e = ent(k, 7, 100 + k);
		assert_int_equal(ckpt_dirmap_insert(&m, &e), CKPT_OK);
	}
	assert_int_equal(ckpt_dirmap_count(&m), 4);
	for (uint8_t k = 1; k <= 4; k++) {
		p = ckpt_dirmap_lookup(&m, k, 7);
		assert_non_null(p);
		assert_int_equal(p->pos, 100 + k);
		assert_int_equal(p->sum, (100 + k) * 3 + 1);
	}
	assert_null(ckpt_dirmap_lookup(&m, CKPT_KIND_PAGE, 8));
	assert_null(ckpt_dirmap_lookup(&m, 0, 7));

	/* Replace keeps the count and changes the value. */
	e = ent(CKPT_KIND_PAGE, 7, 999);
	e.flags = CKPT_ENTRY_ZERO;
	assert_int_equal(ckpt_dirmap_insert(&m, &e), CKPT_OK);
	assert_int_equal(ckpt_dirmap_count(&m), 4);
	p = ckpt_dirmap_lookup(&m, CKPT_KIND_PAGE, 7);
	assert_int_equal(p->pos, 999);
	assert_int_equal(p->flags, CKPT_ENTRY_ZERO);

	/* Values may be changed through the pointer. */
	p->seq = 77;
	assert_int_equal(ckpt_dirmap_lookup(&m, CKPT_KIND_PAGE, 7)->seq, 77);

	e = ent(0, 1, 1);
	assert_int_equal(ckpt_dirmap_insert(&m, &e), CKPT_ERR_ARGUMENT);

	ckpt_dirmap_clear(&m);
	assert_int_equal(ckpt_dirmap_count(&m), 0);
	assert_null(ckpt_dirmap_lookup(&m, CKPT_KIND_NODEPOT, 7));
}

static void test_insert_if_absent(void **state)
{
	struct ckpt_dirent slots[8], e;
	struct ckpt_dirmap m;
	struct ckpt_dirent *p;
	bool ins;

	(void)state;
	ckpt_dirmap_init(&m, slots, 8);
	e = ent(CKPT_KIND_TAGPOT, 3, 10);
	p = ckpt_dirmap_insert_if_absent(&m, &e, &ins);
	assert_non_null(p);
	assert_true(ins);
	assert_int_equal(p->pos, 10);

	e = ent(CKPT_KIND_TAGPOT, 3, 20);
	p = ckpt_dirmap_insert_if_absent(&m, &e, &ins);
	assert_non_null(p);
	assert_false(ins);
	assert_int_equal(p->pos, 10); /* the existing entry, untouched */
	assert_int_equal(ckpt_dirmap_count(&m), 1);

	e = ent(0, 3, 20);
	assert_null(ckpt_dirmap_insert_if_absent(&m, &e, &ins));
	assert_false(ins);
}

static void test_remove(void **state)
{
	struct ckpt_dirent slots[32], e;
	struct ckpt_dirmap m;

	(void)state;
	ckpt_dirmap_init(&m, slots, 32);
	for (uint64_t i = 0; i < 20; i++) {
		e = ent(CKPT_KIND_PAGE, i, i);
		assert_int_equal(ckpt_dirmap_insert(&m, &e), CKPT_OK);
	}
	assert_false(ckpt_dirmap_remove(&m, CKPT_KIND_PAGE, 20));
	assert_false(ckpt_dirmap_remove(&m, CKPT_KIND_NODEPOT, 3));
	for (uint64_t i = 0; i < 20; i += 2)
		assert_true(ckpt_dirmap_remove(&m, CKPT_KIND_PAGE, i));
	assert_false(ckpt_dirmap_remove(&m, CKPT_KIND_PAGE, 0));
	assert_int_equal(ckpt_dirmap_count(&m), 10);
	for (uint64_t i = 0; i < 20; i++) {
		struct ckpt_dirent *p = ckpt_dirmap_lookup(&m, CKPT_KIND_PAGE, i);

		if (i % 2) {
			assert_non_null(p);
			assert_int_equal(p->pos, i);
		} else {
			assert_null(p);
		}
	}
}

/* The slot a key lands in when inserted alone: its home slot. */
static size_t home_of(struct ckpt_dirmap *m, uint8_t kind, uint64_t index)
{
	struct ckpt_dirent e = ent(kind, index, 0);
	size_t h;

	ckpt_dirmap_clear(m);
	ckpt_dirmap_insert(m, &e);
	h = (size_t)(ckpt_dirmap_lookup(m, kind, index) - m->slots);
	ckpt_dirmap_clear(m);
	return h;
}

/* A cluster that starts in the last slot and wraps to slot 0, then loses
 * members: everything left must still be found, in the right places. */
static void test_wraparound(void **state)
{
	struct ckpt_dirent slots[8], e;
	struct ckpt_dirmap m;
	uint64_t at7[3], at0 = UINT64_MAX;
	unsigned n7 = 0;

	(void)state;
	ckpt_dirmap_init(&m, slots, 8);
	for (uint64_t i = 0; n7 < 3 || at0 == UINT64_MAX; i++) {
		size_t h = home_of(&m, CKPT_KIND_PAGE, i);

		if (h == 7 && n7 < 3)
			at7[n7++] = i;
		else if (h == 0 && at0 == UINT64_MAX)
			at0 = i;
	}
	/* at7[0] -> 7, at7[1] -> 0, at7[2] -> 1, at0 -> 2 (home 0, displaced). */
	for (unsigned k = 0; k < 3; k++) {
		e = ent(CKPT_KIND_PAGE, at7[k], k);
		ckpt_dirmap_insert(&m, &e);
	}
	e = ent(CKPT_KIND_PAGE, at0, 3);
	ckpt_dirmap_insert(&m, &e);
	assert_int_equal(ckpt_dirmap_lookup(&m, CKPT_KIND_PAGE, at7[0]) - slots, 7);
	assert_int_equal(ckpt_dirmap_lookup(&m, CKPT_KIND_PAGE, at7[1]) - slots, 0);
	assert_int_equal(ckpt_dirmap_lookup(&m, CKPT_KIND_PAGE, at7[2]) - slots, 1);
	assert_int_equal(ckpt_dirmap_lookup(&m, CKPT_KIND_PAGE, at0) - slots, 2);

	/* Removing the head of the cluster shifts every member back across
	 * the wrap; the home-0 key moves to its home. */
	assert_true(ckpt_dirmap_remove(&m, CKPT_KIND_PAGE, at7[0]));
	assert_int_equal(ckpt_dirmap_lookup(&m, CKPT_KIND_PAGE, at7[1]) - slots, 7);
	assert_int_equal(ckpt_dirmap_lookup(&m, CKPT_KIND_PAGE, at7[2]) - slots, 0);
	assert_int_equal(ckpt_dirmap_lookup(&m, CKPT_KIND_PAGE, at0) - slots, 1);
	assert_int_equal(slots[2].kind, 0);

	/* Removing from the middle: at0 may not move before its home 0. */
	assert_true(ckpt_dirmap_remove(&m, CKPT_KIND_PAGE, at7[2]));
	assert_int_equal(ckpt_dirmap_lookup(&m, CKPT_KIND_PAGE, at0) - slots, 0);
	assert_int_equal(ckpt_dirmap_lookup(&m, CKPT_KIND_PAGE, at7[1]) - slots, 7);
	assert_int_equal(ckpt_dirmap_count(&m), 2);
}

static void test_full(void **state)
{
	struct ckpt_dirent slots[16], e;
	struct ckpt_dirmap m;
	bool ins;

	(void)state;
	ckpt_dirmap_init(&m, slots, 16);
	for (uint64_t i = 0; i < 14; i++) {
		e = ent(CKPT_KIND_NODEPOT, i, i);
		assert_int_equal(ckpt_dirmap_insert(&m, &e), CKPT_OK);
	}
	e = ent(CKPT_KIND_NODEPOT, 14, 14);
	assert_int_equal(ckpt_dirmap_insert(&m, &e), CKPT_ERR_MAP_FULL);
	assert_null(ckpt_dirmap_insert_if_absent(&m, &e, &ins));
	assert_null(ckpt_dirmap_lookup(&m, CKPT_KIND_NODEPOT, 14));
	/* Replacing and finding still work when full. */
	e = ent(CKPT_KIND_NODEPOT, 5, 55);
	assert_int_equal(ckpt_dirmap_insert(&m, &e), CKPT_OK);
	assert_int_equal(ckpt_dirmap_lookup(&m, CKPT_KIND_NODEPOT, 5)->pos, 55);
	assert_non_null(ckpt_dirmap_insert_if_absent(&m, &e, &ins));
	assert_false(ins);
	assert_int_equal(ckpt_dirmap_count(&m), 14);
	/* A removal makes room again. */
	assert_true(ckpt_dirmap_remove(&m, CKPT_KIND_NODEPOT, 0));
	e = ent(CKPT_KIND_NODEPOT, 14, 14);
	assert_int_equal(ckpt_dirmap_insert(&m, &e), CKPT_OK);

	/* Capacity 1 holds nothing, and iterating it is fine. */
	struct ckpt_dirmap_cursor c;
	struct ckpt_dirent out;
	ckpt_dirmap_init(&m, slots, 1);
	assert_int_equal(ckpt_dirmap_insert(&m, &e), CKPT_ERR_MAP_FULL);
	ckpt_dirmap_first(&m, &c);
	assert_false(ckpt_dirmap_next(&m, &c, &out));
}

/* Iterate the map, removing the entries `drop` selects as they are
 * returned; check every entry is returned exactly once. */
static void iterate_removing(struct ckpt_dirmap *m, uint64_t nkeys, bool (*drop)(uint64_t))
{
	uint8_t *seen = calloc(nkeys, 1);
	struct ckpt_dirmap_cursor c;
	struct ckpt_dirent e;
	size_t before = ckpt_dirmap_count(m), visits = 0, dropped = 0;

	ckpt_dirmap_first(m, &c);
	while (ckpt_dirmap_next(m, &c, &e)) {
		assert_true(e.index < nkeys);
		assert_int_equal(seen[e.index], 0);
		seen[e.index] = 1;
		visits++;
		if (drop(e.index)) {
			assert_true(ckpt_dirmap_remove(m, e.kind, e.index));
			dropped++;
		}
	}
	assert_int_equal(visits, before);
	assert_int_equal(ckpt_dirmap_count(m), before - dropped);
	for (uint64_t i = 0; i < nkeys; i++) {
		struct ckpt_dirent *p = ckpt_dirmap_lookup(m, CKPT_KIND_PAGE, i);

		if (seen[i] && !drop(i))
			assert_non_null(p);
		else
			assert_null(p);
	}
	free(seen);
}

static bool drop_odd(uint64_t i)
{
	return i & 1;
}

static bool drop_all(uint64_t i)
{
	(void)i;
	return true;
}

static bool drop_none(uint64_t i)
{
	(void)i;
	return false;
}

static bool drop_third(uint64_t i)
{
	return i % 3 == 0;
}

static void test_remove_during_iteration(void **state)
{
	static struct ckpt_dirent slots[2048];
	struct ckpt_dirmap m;
	struct ckpt_dirent e;
	bool (*drops[])(uint64_t) = { drop_none, drop_odd, drop_third, drop_all };

	(void)state;
	for (unsigned d = 0; d < 4; d++) {
		ckpt_dirmap_init(&m, slots, 2048);
		for (uint64_t i = 0; i < 1000; i++) {
			e = ent(CKPT_KIND_PAGE, i, i);
			assert_int_equal(ckpt_dirmap_insert(&m, &e), CKPT_OK);
		}
		iterate_removing(&m, 1000, drops[d]);
	}
}

/* At the load limit clusters are long and some wrap around the end: the
 * case where a naive iterator would skip entries shifted into a slot it
 * already passed. Many fillings, each emptied entirely while iterating. */
static void test_remove_during_iteration_full(void **state)
{
	struct ckpt_dirent slots[64], e;
	struct ckpt_dirmap m;
	uint64_t s = 7;
	unsigned wrapped = 0;

	(void)state;
	for (unsigned round = 0; round < 300; round++) {
		ckpt_dirmap_init(&m, slots, 64);
		while (ckpt_dirmap_count(&m) < ckpt_dirmap_limit(&m)) {
			uint64_t key = testvol_rand(&s) % 4096;

			e = ent(CKPT_KIND_PAGE, key, key);
			assert_int_equal(ckpt_dirmap_insert(&m, &e), CKPT_OK);
		}
		if (slots[63].kind && slots[0].kind)
			wrapped++;
		iterate_removing(&m, 4096, round % 2 ? drop_all : drop_odd);
	}
	assert_true(wrapped > 10); /* the interesting case did happen */
}

/*
 * Randomized against a reference: a plain array indexed by key. Keys come
 * from a space larger than the map's limit, so MAP_FULL happens and must
 * agree with the reference count.
 */
#define R_KEYS 1400u
#define R_CAP  1024u

struct ref {
	bool present[5][R_KEYS];
	uint64_t pos[5][R_KEYS];
	size_t count;
};

static void check_all(struct ckpt_dirmap *m, struct ref *r)
{
	struct ckpt_dirmap_cursor c;
	struct ckpt_dirent e;
	size_t n = 0;

	assert_int_equal(ckpt_dirmap_count(m), r->count);
	ckpt_dirmap_first(m, &c);
	while (ckpt_dirmap_next(m, &c, &e)) {
		assert_true(e.kind >= 1 && e.kind <= 4 && e.index < R_KEYS);
		assert_true(r->present[e.kind][e.index]);
		assert_int_equal(e.pos, r->pos[e.kind][e.index]);
		n++;
	}
	assert_int_equal(n, r->count);
}

static void test_randomized(void **state)
{
	static struct ckpt_dirent slots[R_CAP];
	static struct ref r;
	struct ckpt_dirmap m;
	uint64_t s = 0x5eed;

	(void)state;
	memset(&r, 0, sizeof(r));
	ckpt_dirmap_init(&m, slots, R_CAP);
	for (unsigned op = 0; op < 200000; op++) {
		uint64_t x = testvol_rand(&s);
		uint8_t kind = (uint8_t)(1 + x % 4);
		uint64_t index = (x >> 8) % R_KEYS;
		uint64_t pos = x >> 20;
		unsigned what = (unsigned)((x >> 4) % 10);
		struct ckpt_dirent e = ent(kind, index, pos);
		struct ckpt_dirent *p;
		bool ins;

		/* Bias towards removal when nearly full so the map cycles. */
		if (r.count > ckpt_dirmap_limit(&m) - 20 && what < 6)
			what = 9;
		switch (what) {
		case 0:
		case 1:
		case 2: /* insert or replace */
			if (!r.present[kind][index] && r.count == ckpt_dirmap_limit(&m)) {
				assert_int_equal(ckpt_dirmap_insert(&m, &e), CKPT_ERR_MAP_FULL);
				break;
			}
			assert_int_equal(ckpt_dirmap_insert(&m, &e), CKPT_OK);
			if (!r.present[kind][index])
				r.count++;
			r.present[kind][index] = true;
			r.pos[kind][index] = pos;
			break;
		case 3:
		case 4: /* insert if absent */
			p = ckpt_dirmap_insert_if_absent(&m, &e, &ins);
			if (r.present[kind][index]) {
				assert_non_null(p);
				assert_false(ins);
				assert_int_equal(p->pos, r.pos[kind][index]);
			} else if (r.count == ckpt_dirmap_limit(&m)) {
				assert_null(p);
			} else {
				assert_non_null(p);
				assert_true(ins);
				r.present[kind][index] = true;
				r.pos[kind][index] = pos;
				r.count++;
			}
			break;
		case 5:
		case 6: /* lookup */
			p = ckpt_dirmap_lookup(&m, kind, index);
			if (r.present[kind][index]) {
				assert_non_null(p);
				assert_int_equal(p->pos, r.pos[kind][index]);
			} else {
				assert_null(p);
			}
			break;
		default: /* remove */
			assert_int_equal(ckpt_dirmap_remove(&m, kind, index),
					 r.present[kind][index]);
			if (r.present[kind][index])
				r.count--;
			r.present[kind][index] = false;
			break;
		}
		if (op % 5000 == 0)
			check_all(&m, &r);
	}
	check_all(&m, &r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init),
		cmocka_unit_test(test_insert_lookup_replace),
		cmocka_unit_test(test_insert_if_absent),
		cmocka_unit_test(test_remove),
		cmocka_unit_test(test_wraparound),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_remove_during_iteration),
		cmocka_unit_test(test_remove_during_iteration_full),
		cmocka_unit_test(test_randomized),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
