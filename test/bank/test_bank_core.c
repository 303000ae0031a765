/* SPDX-License-Identifier: MIT */
/*
 * Host tests of the space bank's books (bank/, docs/bank.md
 * "Bookkeeping"): the C the bank domain runs, compiled natively.
 *
 * The arrays are mapped PROT_NONE, and the ensure hook makes a page
 * readable and writable (and fills it with garbage) the first time it is
 * asked to, as the bank domain's lazy mapping will: a record the core
 * touches without ensuring it first crashes the test, and a core that
 * relied on zeroed memory would read garbage. The hook can be told to
 * fail after a number of calls.
 *
 * What is checked here (the rest is test_bank_destroy.c): init touches
 * no object record; limits of the bank and of each ancestor, the lowest
 * one named; exact exhaustion of a limit and of a pool; sold objects
 * reused before fresh ones; all-or-nothing buy and sell (the books byte
 * for byte unchanged after a refusal); restriction narrowing; badges
 * round trip and malformed ones refused.
 */
#include "fixture.h"

static void test_init(void **state)
{
	(void)state;
	/* Only the prime's bank record was ensured: no object record. */
	assert_int_equal(fake.calls, 1);
	assert_int_equal(fake.pages, 1);
	assert_false(fake.objs[0].mapped[0] || fake.objs[1].mapped[0]);
	struct bank_info info;
	assert_int_equal(bank_query(&books, BANK_PRIME, &info), BANK_OK);
	assert_int_equal(info.parent, BANK_NONE);
	assert_true(info.limit[0] == BANK_UNLIMITED && info.available[1] == BANK_UNLIMITED);
	assert_int_equal(bank_pool_left(&books, BANK_POOL_PAGE), POOL_MAX);
	assert_int_equal(bank_lookup(&books, 2, NULL), BANK_E_NO_BANK);
	assert_int_equal(bank_lookup(&books, 0, NULL), BANK_E_NO_BANK);
	assert_string_equal(bank_err_name(BANK_E_LIMIT), "BANK_E_LIMIT");
	assert_string_equal(bank_err_name((enum bank_err)999), "BANK_E_?");
	audit_ok();
}

static void test_ancestor_limits(void **state)
{
	(void)state;
	bank_id_t a = create(BANK_PRIME, BANK_TRANSPARENT);
	bank_id_t b = create(a, BANK_TRANSPARENT);
	bank_id_t c = create(b, BANK_OPAQUE);
	assert_int_equal(bank_set_limit(&books, a, BANK_POOL_PAGE, 10), BANK_OK);
	assert_int_equal(bank_set_limit(&books, b, BANK_POOL_PAGE, 100), BANK_OK);
	for (int i = 0; i < 10; i++)
		buy1(c, BANK_POOL_PAGE);
	/* The grandparent's limit is the tightest and is the one named. */
	uint32_t pool = BANK_POOL_PAGE, off;
	struct bank_refusal why = { 0 };
	assert_int_equal(bank_buy(&books, c, &pool, 1, &off, &why), BANK_E_LIMIT);
	assert_int_equal(why.bank, a);
	assert_int_equal(why.pool, BANK_POOL_PAGE);
	/* Nodes have no limit below the prime: still fine. */
	buy1(c, BANK_POOL_NODE);
	assert_int_equal(usage(a, BANK_POOL_PAGE), 10);
	assert_int_equal(usage(BANK_PRIME, BANK_POOL_PAGE), 10);
	assert_int_equal(usage(c, BANK_POOL_NODE), 1);
	/* Raise a's limit and lower b's: now b is the one that refuses. */
	assert_int_equal(bank_set_limit(&books, a, BANK_POOL_PAGE, 50), BANK_OK);
	assert_int_equal(bank_set_limit(&books, b, BANK_POOL_PAGE, 12), BANK_OK);
	buy1(c, BANK_POOL_PAGE);
	buy1(b, BANK_POOL_PAGE);
	assert_int_equal(bank_buy(&books, c, &pool, 1, &off, &why), BANK_E_LIMIT);
	assert_int_equal(why.bank, b);
	struct bank_info info;
	assert_int_equal(bank_query(&books, c, &info), BANK_OK);
	assert_int_equal(info.available[BANK_POOL_PAGE], 0);
	assert_int_equal(info.usage[BANK_POOL_PAGE], 11);
	assert_true(info.limit[BANK_POOL_PAGE] == BANK_UNLIMITED);
	assert_int_equal(info.parent, b);
	assert_int_equal(info.kind, BANK_OPAQUE);
	/* A limit below usage is allowed: nothing more is bought, and the
	 * available count says 0, not a negative number. */
	assert_int_equal(bank_set_limit(&books, b, BANK_POOL_PAGE, 3), BANK_OK);
	assert_int_equal(bank_query(&books, c, &info), BANK_OK);
	assert_int_equal(info.available[BANK_POOL_PAGE], 0);
	assert_int_equal(bank_buy(&books, b, &pool, 1, &off, &why), BANK_E_LIMIT);
	assert_int_equal(bank_set_limit(&books, b, BANK_POOL_PAGE, 20), BANK_OK);
	assert_int_equal(bank_query(&books, c, &info), BANK_OK);
	assert_int_equal(info.available[BANK_POOL_PAGE], 8);
	assert_int_equal(bank_set_limit(&books, b, 2, 20), BANK_E_ARG);
	audit_ok();
}

static void test_exact_exhaustion(void **state)
{
	teardown(state);
	books_with(7, 8, 16);
	bank_id_t a = create(BANK_PRIME, BANK_TRANSPARENT);
	assert_int_equal(bank_set_limit(&books, a, BANK_POOL_NODE, 5), BANK_OK);
	/* The limit: exactly 5 nodes, 3 then 2; the sixth is refused. */
	uint32_t three[3] = { BANK_POOL_NODE, BANK_POOL_NODE, BANK_POOL_NODE }, off[3];
	struct bank_refusal why;
	assert_int_equal(bank_buy(&books, a, three, 3, off, NULL), BANK_OK);
	assert_int_equal(bank_buy(&books, a, three, 2, off, NULL), BANK_OK);
	assert_int_equal(bank_buy(&books, a, three, 1, off, &why), BANK_E_LIMIT);
	assert_int_equal(why.bank, a);
	/* The pool: exactly 8 pages; the ninth is refused. */
	uint32_t pages[3] = { BANK_POOL_PAGE, BANK_POOL_PAGE, BANK_POOL_PAGE };
	assert_int_equal(bank_buy(&books, BANK_PRIME, pages, 3, off, NULL), BANK_OK);
	assert_int_equal(bank_buy(&books, a, pages, 3, off, NULL), BANK_OK);
	struct snapshot s;
	snap_take(&s);
	assert_int_equal(bank_buy(&books, a, pages, 3, off, &why), BANK_E_EXHAUSTED);
	assert_int_equal(why.pool, BANK_POOL_PAGE);
	snap_unchanged(&s);
	assert_int_equal(bank_buy(&books, a, pages, 2, off, NULL), BANK_OK);
	assert_int_equal(bank_pool_left(&books, BANK_POOL_PAGE), 0);
	assert_int_equal(bank_buy(&books, BANK_PRIME, pages, 1, off, &why), BANK_E_EXHAUSTED);
	/* The node pool: 2 left, so the prime gets 2 of 3 never. */
	assert_int_equal(bank_buy(&books, BANK_PRIME, three, 3, off, &why), BANK_E_EXHAUSTED);
	assert_int_equal(bank_buy(&books, BANK_PRIME, three, 2, off, NULL), BANK_OK);
	assert_int_equal(usage(BANK_PRIME, BANK_POOL_NODE), 7);
	assert_int_equal(usage(BANK_PRIME, BANK_POOL_PAGE), 8);
	/* Bad counts and pools. */
	assert_int_equal(bank_buy(&books, a, pages, 0, off, NULL), BANK_E_ARG);
	assert_int_equal(bank_buy(&books, a, pages, 4, off, NULL), BANK_E_ARG);
	uint32_t bad = 2;
	assert_int_equal(bank_buy(&books, a, &bad, 1, off, NULL), BANK_E_ARG);
	assert_int_equal(bank_buy(&books, 99, pages, 1, off, NULL), BANK_E_NO_BANK);
	audit_ok();
}

static void test_reuse(void **state)
{
	(void)state;
	bank_id_t a = create(BANK_PRIME, BANK_TRANSPARENT);
	uint32_t pools[3] = { BANK_POOL_PAGE, BANK_POOL_NODE, BANK_POOL_PAGE }, off[3], again[3];
	assert_int_equal(bank_buy(&books, a, pools, 3, off, NULL), BANK_OK);
	assert_int_equal(off[0], 0);
	assert_int_equal(off[1], 0);
	assert_int_equal(off[2], 1);
	struct bank_object objs[3] = { { BANK_POOL_PAGE, off[0] },
				       { BANK_POOL_NODE, off[1] },
				       { BANK_POOL_PAGE, off[2] } };
	assert_int_equal(bank_sell(&books, a, objs, 3), BANK_OK);
	assert_int_equal(usage(a, BANK_POOL_PAGE), 0);
	assert_int_equal(usage(BANK_PRIME, BANK_POOL_NODE), 0);
	audit_ok();
	unsigned calls = fake.calls;
	/* Sold objects come back before fresh ones, and need no ensure. */
	assert_int_equal(bank_buy(&books, BANK_PRIME, pools, 3, again, NULL), BANK_OK);
	assert_int_equal(books.fresh[BANK_POOL_PAGE], 2);
	assert_int_equal(books.fresh[BANK_POOL_NODE], 1);
	assert_int_equal(fake.calls, calls);
	assert_true((again[0] == 0 && again[2] == 1) || (again[0] == 1 && again[2] == 0));
	assert_int_equal(again[1], 0);
	assert_int_equal(bank_pool_left(&books, BANK_POOL_PAGE), POOL_MAX - 2);
	/* Then fresh ones. */
	assert_int_equal(buy1(a, BANK_POOL_PAGE), 2);
	audit_ok();
}

static void test_buy_all_or_nothing(void **state)
{
	(void)state;
	bank_id_t a = create(BANK_PRIME, BANK_TRANSPARENT);
	bank_id_t b = create(a, BANK_TRANSPARENT);
	buy1(b, BANK_POOL_PAGE);
	uint32_t off = buy1(b, BANK_POOL_PAGE);
	assert_int_equal(sell1(b, BANK_POOL_PAGE, off), BANK_OK); /* one on the free list */
	assert_int_equal(bank_set_limit(&books, a, BANK_POOL_PAGE, 2), BANK_OK);
	/* node, page, page: the third object is over a's limit. */
	uint32_t pools[3] = { BANK_POOL_NODE, BANK_POOL_PAGE, BANK_POOL_PAGE }, offs[3];
	struct snapshot s;
	snap_take(&s);
	struct bank_refusal why;
	assert_int_equal(bank_buy(&books, b, pools, 3, offs, &why), BANK_E_LIMIT);
	assert_int_equal(why.bank, a);
	snap_unchanged(&s);
	audit_ok();
	/* With room for it the same buy works; and buying into a destroyed
	 * bank changes nothing either. */
	assert_int_equal(bank_set_limit(&books, a, BANK_POOL_PAGE, 3), BANK_OK);
	assert_int_equal(bank_buy(&books, b, pools, 3, offs, NULL), BANK_OK);
	assert_int_equal(usage(a, BANK_POOL_PAGE), 3);
	assert_int_equal(usage(a, BANK_POOL_NODE), 1);
	assert_int_equal(bank_destroy(&books, b), BANK_OK);
	snap_take(&s);
	assert_int_equal(bank_buy(&books, b, pools, 3, offs, NULL), BANK_E_DEAD);
	snap_unchanged(&s);
	audit_ok();
}

static void test_sell_all_or_nothing(void **state)
{
	(void)state;
	bank_id_t a = create(BANK_PRIME, BANK_TRANSPARENT);
	bank_id_t b = create(a, BANK_TRANSPARENT);
	uint32_t a1 = buy1(a, BANK_POOL_PAGE), a2 = buy1(a, BANK_POOL_NODE);
	uint32_t b1 = buy1(b, BANK_POOL_PAGE);
	struct bank_object foreign[3] = { { BANK_POOL_PAGE, a1 },
					  { BANK_POOL_NODE, a2 },
					  { BANK_POOL_PAGE, b1 } };
	struct snapshot s;
	snap_take(&s);
	/* b1 is b's, not a's: a parent may not sell its child's objects. */
	assert_int_equal(bank_sell(&books, a, foreign, 3), BANK_E_NOT_OWNER);
	struct bank_object dup[2] = { { BANK_POOL_PAGE, a1 }, { BANK_POOL_PAGE, a1 } };
	assert_int_equal(bank_sell(&books, a, dup, 2), BANK_E_DUPLICATE);
	/* Never handed out, past the pool, a bad pool, bad counts. */
	assert_int_equal(sell1(a, BANK_POOL_PAGE, 77), BANK_E_NOT_OWNER);
	assert_int_equal(sell1(a, BANK_POOL_PAGE, POOL_MAX), BANK_E_ARG);
	assert_int_equal(sell1(a, 2, 0), BANK_E_ARG);
	assert_int_equal(bank_sell(&books, a, foreign, 0), BANK_E_ARG);
	assert_int_equal(bank_sell(&books, a, foreign, 4), BANK_E_ARG);
	assert_int_equal(sell1(99, BANK_POOL_PAGE, a1), BANK_E_NO_BANK);
	snap_unchanged(&s);
	/* Sell twice: the second finds the object free. */
	assert_int_equal(sell1(a, BANK_POOL_PAGE, a1), BANK_OK);
	assert_int_equal(sell1(a, BANK_POOL_PAGE, a1), BANK_E_NOT_OWNER);
	/* Once bought again by someone else, still not a's. */
	assert_int_equal(buy1(b, BANK_POOL_PAGE), a1);
	assert_int_equal(sell1(a, BANK_POOL_PAGE, a1), BANK_E_NOT_OWNER);
	assert_int_equal(usage(a, BANK_POOL_PAGE), 2);
	assert_int_equal(usage(b, BANK_POOL_PAGE), 2);
	audit_ok();
}

static void test_restrictions(void **state)
{
	(void)state;
	uint32_t r = 0;
	for (int op = BANK_OP_BUY; op <= BANK_OP_CREATE; op++)
		assert_int_equal(bank_restrict_check(0, (enum bank_op)op), BANK_OK);
	assert_int_equal(bank_restrict_reduce(0, BANK_MAY_NOT_SELL, &r), BANK_OK);
	assert_int_equal(bank_restrict_check(r, BANK_OP_SELL), BANK_E_RESTRICTED);
	assert_int_equal(bank_restrict_check(r, BANK_OP_BUY), BANK_OK);
	/* Narrowing only: reducing by nothing, or by what is already there,
	 * keeps the set; nothing clears a bit. */
	uint32_t r2;
	assert_int_equal(bank_restrict_reduce(r, 0, &r2), BANK_OK);
	assert_int_equal(r2, r);
	assert_int_equal(bank_restrict_reduce(r, BANK_MAY_NOT_SELL, &r2), BANK_OK);
	assert_int_equal(r2, r);
	assert_int_equal(bank_restrict_reduce(r, BANK_MAY_NOT_DESTROY | BANK_MAY_NOT_REMOVE, &r2),
			 BANK_OK);
	assert_int_equal(r2, BANK_MAY_NOT_SELL | BANK_MAY_NOT_DESTROY | BANK_MAY_NOT_REMOVE);
	for (uint32_t all = 0; all <= BANK_RESTRICTIONS_ALL; all++) {
		for (uint32_t more = 0; more <= BANK_RESTRICTIONS_ALL; more += 5) {
			uint32_t out;
			assert_int_equal(bank_restrict_reduce(all, more, &out), BANK_OK);
			assert_int_equal(out & all, all);
			for (int op = BANK_OP_BUY; op <= BANK_OP_CREATE; op++) {
				if (bank_restrict_check(all, (enum bank_op)op) != BANK_OK)
					assert_int_equal(bank_restrict_check(out, (enum bank_op)op),
							 BANK_E_RESTRICTED);
			}
		}
	}
	/* An unknown bit is refused and nothing is written. */
	r2 = 12345;
	assert_int_equal(bank_restrict_reduce(r, 0x80, &r2), BANK_E_ARG);
	assert_int_equal(r2, 12345);
	assert_int_equal(BANK_MAY_NOT_CREATE, 0x40);
}

static void test_badges(void **state)
{
	(void)state;
	const bank_id_t ids[] = { 1, 2, 0x1234567, UINT32_MAX };
	for (unsigned i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		for (uint32_t kind = 0; kind < 3; kind++) {
			for (uint32_t r = 0; r <= BANK_RESTRICTIONS_ALL; r++) {
				struct bank_key k = { ids[i], r, kind }, back;
				uint64_t badge = 0;
				enum bank_err want = kind == BANK_KEY_BANK || r == 0 ? BANK_OK
										     : BANK_E_BADGE;
				assert_int_equal(bank_badge_encode(&k, &badge), want);
				if (want != BANK_OK)
					continue;
				assert_true(badge < (1ull << BANK_BADGE_BITS));
				assert_int_equal(bank_badge_decode(badge, &back), BANK_OK);
				assert_memory_equal(&k, &back, sizeof(k));
			}
		}
	}
	struct bank_key k = { 7, BANK_MAY_NOT_BUY, BANK_KEY_BANK }, out = { 9, 9, 9 };
	uint64_t good;
	assert_int_equal(bank_badge_encode(&k, &good), BANK_OK);
	assert_int_equal(good, 7 | 1ull << 32);
	/* Everything no encode writes is refused, and nothing is written. */
	const uint64_t bad[] = {
		0,                 /* bank 0 */
		good | 1ull << 48, /* past 48 bits */
		good | 1ull << 63,
		good | 1ull << 41, /* reserved */
		good | 1ull << 47,
		good | 3ull << 39,                                 /* kind 3 */
		(uint64_t)BANK_KEY_INSPECT << 39 | 1ull << 32 | 7, /* inspect, restricted */
		(uint64_t)BANK_KEY_DESTROY << 39 | 1ull << 38 | 7, /* destroy, restricted */
	};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(bank_badge_decode(bad[i], &out), BANK_E_BADGE);
		assert_int_equal(out.bank, 9);
	}
	struct bank_key zero = { 0, 0, BANK_KEY_BANK }, kind3 = { 1, 0, 3 }, wide = { 1, 0x80, 0 };
	assert_int_equal(bank_badge_encode(&zero, &good), BANK_E_BADGE);
	assert_int_equal(bank_badge_encode(&kind3, &good), BANK_E_BADGE);
	assert_int_equal(bank_badge_encode(&wide, &good), BANK_E_BADGE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_init, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ancestor_limits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exact_exhaustion, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reuse, setup, teardown),
		cmocka_unit_test_setup_teardown(test_buy_all_or_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sell_all_or_nothing, setup, teardown),
		cmocka_unit_test(test_restrictions),
		cmocka_unit_test(test_badges),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
