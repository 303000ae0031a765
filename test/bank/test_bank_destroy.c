/* SPDX-License-Identifier: MIT */
/*
 * Host tests of the space bank's books, second half (fixture.h): destroy
 * of a three-level tree and of 100,000 objects in bounded steps with an
 * audit after each and other clients served between them; remove handing
 * objects and sub-banks to the parent with usage unchanged; inspect
 * listing and subtree ownership; the ensure hook failing mid-buy; the
 * table's limits; the audit noticing planted corruption; a random
 * workload against a model.
 */
#include "fixture.h"

/* Run destroy steps of `budget` until done, auditing after each; every
 * object reclaimed is marked in seen[pool][offset], exactly once. */
static unsigned reclaim_all(unsigned budget, uint8_t *seen[BANK_POOLS], uint64_t *freed)
{
	struct bank_object *out = calloc(budget, sizeof(*out));
	unsigned steps = 0;
	bool more;
	do {
		unsigned n = 99999;
		more = bank_destroy_step(&books, budget, out, &n);
		assert_true(n <= budget);
		for (unsigned i = 0; i < n; i++) {
			assert_true(out[i].pool < BANK_POOLS);
			assert_int_equal(seen[out[i].pool][out[i].offset], 1);
			seen[out[i].pool][out[i].offset] = 2;
			assert_int_equal(books.objs[out[i].pool][out[i].offset].owner, BANK_NONE);
		}
		*freed += n;
		steps++;
		audit_ok();
	} while (more);
	free(out);
	return steps;
}

static void test_destroy_cascade(void **state)
{
	(void)state;
	/* prime - a - b - c, a - b2, prime - keep. */
	bank_id_t a = create(BANK_PRIME, BANK_TRANSPARENT), keep = create(BANK_PRIME, BANK_OPAQUE);
	bank_id_t b = create(a, BANK_OPAQUE), b2 = create(a, BANK_TRANSPARENT);
	bank_id_t c = create(b, BANK_TRANSPARENT);
	uint8_t *seen[BANK_POOLS] = { calloc(POOL_MAX, 1), calloc(POOL_MAX, 1) };
	const bank_id_t dying[] = { a, b, b2, c };
	uint64_t bought = 0;
	for (unsigned i = 0; i < 4; i++) {
		for (unsigned j = 0; j <= i * 3; j++) {
			uint32_t pool = (i + j) % 2;
			seen[pool][buy1(dying[i], pool)] = 1;
			bought++;
		}
	}
	uint32_t kept = buy1(keep, BANK_POOL_PAGE), mine = buy1(BANK_PRIME, BANK_POOL_NODE);
	assert_int_equal(usage(BANK_PRIME, 0) + usage(BANK_PRIME, 1), bought + 2);
	assert_int_equal(bank_destroy(&books, a), BANK_OK);
	/* At once: the whole subtree is dead, its usage off the prime. */
	for (unsigned i = 0; i < 4; i++) {
		uint32_t pool = BANK_POOL_PAGE, off;
		bank_id_t child;
		struct bank_info info;
		assert_int_equal(bank_buy(&books, dying[i], &pool, 1, &off, NULL), BANK_E_DEAD);
		assert_int_equal(bank_query(&books, dying[i], &info), BANK_E_DEAD);
		assert_int_equal(bank_create(&books, dying[i], BANK_OPAQUE, &child), BANK_E_DEAD);
		assert_int_equal(bank_destroy(&books, dying[i]), BANK_E_DEAD);
		assert_int_equal(bank_remove(&books, dying[i]), BANK_E_DEAD);
		assert_int_equal(bank_set_limit(&books, dying[i], 0, 1), BANK_E_DEAD);
		assert_int_equal(bank_lookup(&books, dying[i], NULL), BANK_E_DEAD);
	}
	assert_int_equal(usage(BANK_PRIME, BANK_POOL_PAGE), 1);
	assert_int_equal(usage(BANK_PRIME, BANK_POOL_NODE), 1);
	audit_ok();
	/* One unit at a time: an object, or a bank entered or finished. */
	uint64_t freed = 0;
	unsigned steps = reclaim_all(1, seen, &freed);
	assert_int_equal(freed, bought);
	assert_int_equal(steps, bought + 3 /* entered */ + 4 /* finished */);
	for (uint32_t p = 0; p < BANK_POOLS; p++) {
		for (uint32_t off = 0; off < books.fresh[p]; off++)
			assert_int_not_equal(seen[p][off], 1);
	}
	assert_int_equal(bank_pool_left(&books, 0) + bank_pool_left(&books, 1), 2 * POOL_MAX - 2);
	for (unsigned i = 0; i < 4; i++)
		assert_int_equal(books.banks[dying[i]].state, BANK_DESTROYED);
	/* Nothing else was touched, and ids are not reused. */
	assert_int_equal(books.objs[BANK_POOL_PAGE][kept].owner, keep);
	assert_int_equal(books.objs[BANK_POOL_NODE][mine].owner, BANK_PRIME);
	bank_id_t fresh = create(BANK_PRIME, BANK_TRANSPARENT);
	assert_true(fresh > c && fresh > keep);
	assert_int_equal(bank_lookup(&books, a, NULL), BANK_E_DEAD);
	unsigned n = 5;
	assert_false(bank_destroy_step(&books, 10, NULL, &n));
	assert_int_equal(n, 0);
	assert_int_equal(bank_destroy(&books, BANK_PRIME), BANK_E_PRIME);
	assert_int_equal(bank_remove(&books, BANK_PRIME), BANK_E_PRIME);
	free(seen[0]);
	free(seen[1]);
	audit_ok();
}

static void test_destroy_100k(void **state)
{
	(void)state;
	enum { OBJECTS = 100000, BUDGET = 1000 };
	bank_id_t a = create(BANK_PRIME, BANK_TRANSPARENT), sub = create(a, BANK_OPAQUE);
	bank_id_t other = create(BANK_PRIME, BANK_TRANSPARENT);
	assert_int_equal(bank_set_limit(&books, other, BANK_POOL_PAGE, 2), BANK_OK);
	uint8_t *seen[BANK_POOLS] = { calloc(POOL_MAX, 1), calloc(POOL_MAX, 1) };
	const uint32_t pools[3] = { BANK_POOL_PAGE, BANK_POOL_NODE, BANK_POOL_PAGE };
	for (unsigned i = 0; i < OBJECTS; i += 3) {
		uint32_t off[3];
		unsigned n = OBJECTS - i < 3 ? OBJECTS - i : 3;
		assert_int_equal(bank_buy(&books, i % 10 ? a : sub, pools, n, off, NULL), BANK_OK);
		for (unsigned j = 0; j < n; j++)
			seen[pools[j]][off[j]] = 1;
	}
	assert_int_equal(usage(a, 0) + usage(a, 1), OBJECTS);
	audit_ok();
	assert_int_equal(bank_destroy(&books, a), BANK_OK);
	assert_int_equal(usage(BANK_PRIME, 0) + usage(BANK_PRIME, 1), 0);
	/* Steps of at most BUDGET, with another client served between them. */
	struct bank_object out[BUDGET];
	uint64_t freed = 0;
	unsigned steps = 0;
	bool more;
	do {
		unsigned n;
		more = bank_destroy_step(&books, BUDGET, out, &n);
		assert_true(n <= BUDGET);
		for (unsigned i = 0; i < n; i++) {
			assert_int_equal(seen[out[i].pool][out[i].offset], 1);
			seen[out[i].pool][out[i].offset] = 2;
		}
		freed += n;
		steps++;
		uint32_t got = buy1(other, BANK_POOL_PAGE);
		assert_int_equal(sell1(other, BANK_POOL_PAGE, got), BANK_OK);
		audit_ok();
	} while (more);
	assert_int_equal(freed, OBJECTS);
	assert_true(steps >= OBJECTS / BUDGET && steps <= OBJECTS / BUDGET + 2);
	assert_int_equal(bank_lookup(&books, sub, NULL), BANK_E_DEAD);
	assert_int_equal(books.banks[sub].state, BANK_DESTROYED);
	assert_int_equal(bank_pool_left(&books, BANK_POOL_PAGE), POOL_MAX);
	free(seen[0]);
	free(seen[1]);
}

static void test_remove(void **state)
{
	(void)state;
	/* prime - a - b - {c, d}; b and a own objects. */
	bank_id_t a = create(BANK_PRIME, BANK_TRANSPARENT), b = create(a, BANK_OPAQUE);
	bank_id_t c = create(b, BANK_TRANSPARENT), d = create(b, BANK_TRANSPARENT);
	uint32_t a1 = buy1(a, BANK_POOL_PAGE), b1 = buy1(b, BANK_POOL_PAGE);
	uint32_t b2 = buy1(b, BANK_POOL_NODE), c1 = buy1(c, BANK_POOL_NODE);
	assert_int_equal(bank_set_limit(&books, a, BANK_POOL_PAGE, 2), BANK_OK);
	uint64_t before[BANK_POOLS] = { usage(a, 0), usage(a, 1) };
	unsigned calls = fake.calls;
	assert_int_equal(bank_remove(&books, b), BANK_OK);
	assert_int_equal(fake.calls, calls); /* O(1): nothing new touched */
	/* b is dead; its usage stays counted in a, and a's limit still holds. */
	assert_int_equal(bank_lookup(&books, b, NULL), BANK_E_DEAD);
	assert_int_equal(usage(a, 0), before[0]);
	assert_int_equal(usage(a, 1), before[1]);
	uint32_t pool = BANK_POOL_PAGE, off;
	assert_int_equal(bank_buy(&books, a, &pool, 1, &off, NULL), BANK_E_LIMIT);
	audit_ok();
	/* c and d are a's children now. */
	struct bank_info info;
	assert_int_equal(bank_query(&books, c, &info), BANK_OK);
	assert_int_equal(info.parent, a);
	assert_int_equal(bank_query(&books, d, &info), BANK_OK);
	assert_int_equal(info.parent, a);
	/* b's objects are a's: a can sell them, b cannot. */
	assert_int_equal(sell1(b, BANK_POOL_PAGE, b1), BANK_E_DEAD);
	assert_int_equal(sell1(a, BANK_POOL_PAGE, b1), BANK_OK);
	assert_int_equal(usage(a, BANK_POOL_PAGE), 1);
	audit_ok();
	/* Remove a as well: everything reaches the prime through two hops. */
	assert_int_equal(bank_remove(&books, a), BANK_OK);
	assert_int_equal(bank_query(&books, c, &info), BANK_OK);
	assert_int_equal(info.parent, BANK_PRIME);
	assert_int_equal(usage(BANK_PRIME, BANK_POOL_NODE), 2);
	assert_int_equal(usage(BANK_PRIME, BANK_POOL_PAGE), 1);
	assert_int_equal(bank_owns_within(&books, BANK_PRIME, (struct bank_object){ 0, c1 }),
			 BANK_OK);
	struct bank_object two[2] = { { BANK_POOL_NODE, b2 }, { BANK_POOL_PAGE, a1 } };
	assert_int_equal(bank_sell(&books, BANK_PRIME, two, 2), BANK_OK);
	/* c's object is still c's, and a destroy of c after the removes works. */
	assert_int_equal(sell1(BANK_PRIME, BANK_POOL_NODE, c1), BANK_E_NOT_OWNER);
	audit_ok();
	assert_int_equal(bank_destroy(&books, c), BANK_OK);
	uint8_t *seen[BANK_POOLS] = { calloc(POOL_MAX, 1), calloc(POOL_MAX, 1) };
	seen[BANK_POOL_NODE][c1] = 1;
	uint64_t freed = 0;
	reclaim_all(2, seen, &freed);
	assert_int_equal(freed, 1);
	assert_int_equal(usage(BANK_PRIME, 0) + usage(BANK_PRIME, 1), 0);
	assert_int_equal(bank_query(&books, d, &info), BANK_OK);
	assert_int_equal(info.parent, BANK_PRIME);
	free(seen[0]);
	free(seen[1]);
	audit_ok();
}

static void test_destroy_after_remove(void **state)
{
	(void)state;
	/* a - b - c; remove b, then destroy a: b's objects and c go with a. */
	bank_id_t a = create(BANK_PRIME, BANK_TRANSPARENT), b = create(a, BANK_TRANSPARENT);
	bank_id_t c = create(b, BANK_TRANSPARENT);
	uint8_t *seen[BANK_POOLS] = { calloc(POOL_MAX, 1), calloc(POOL_MAX, 1) };
	seen[0][buy1(b, 0)] = 1;
	seen[1][buy1(c, 1)] = 1;
	seen[1][buy1(a, 1)] = 1;
	assert_int_equal(bank_remove(&books, b), BANK_OK);
	assert_int_equal(bank_destroy(&books, a), BANK_OK);
	assert_int_equal(bank_lookup(&books, c, NULL), BANK_E_DEAD);
	uint64_t freed = 0;
	reclaim_all(1, seen, &freed);
	assert_int_equal(freed, 3);
	assert_int_equal(books.banks[c].state, BANK_DESTROYED);
	assert_int_equal(books.banks[b].state, BANK_REMOVED);
	free(seen[0]);
	free(seen[1]);
}

static void test_inspect(void **state)
{
	(void)state;
	/* a owns 3, its child b 2, b's child c 1, a's second child d none. */
	bank_id_t a = create(BANK_PRIME, BANK_TRANSPARENT), b = create(a, BANK_OPAQUE);
	bank_id_t c = create(b, BANK_TRANSPARENT), d = create(a, BANK_TRANSPARENT);
	(void)d;
	uint8_t want[BANK_POOLS][16] = { { 0 } };
	const struct {
		bank_id_t bank;
		uint32_t pool;
	} buys[] = { { a, 0 }, { a, 1 }, { b, 1 }, { a, 1 }, { c, 0 }, { b, 0 } };
	for (unsigned i = 0; i < 6; i++)
		want[buys[i].pool][buy1(buys[i].bank, buys[i].pool)]++;
	uint32_t outside = buy1(BANK_PRIME, BANK_POOL_PAGE);
	/* Pages of two units: every object exactly once, then done. */
	struct bank_cursor cur = bank_cursor_start(a);
	unsigned listed = 0, calls = 0;
	while (!cur.done) {
		struct bank_object out[2];
		unsigned n;
		assert_int_equal(bank_list(&books, a, &cur, out, 2, &n), BANK_OK);
		assert_true(n <= 2);
		for (unsigned i = 0; i < n; i++) {
			assert_int_equal(want[out[i].pool][out[i].offset], 1);
			want[out[i].pool][out[i].offset] = 0;
		}
		listed += n;
		assert_true(++calls < 20);
	}
	assert_int_equal(listed, 6);
	/* Ownership within a subtree, not outside it. */
	assert_int_equal(bank_owns_within(&books, a, (struct bank_object){ 0, 1 }), BANK_OK);
	assert_int_equal(bank_owns_within(&books, b, (struct bank_object){ 0, 1 }), BANK_OK);
	assert_int_equal(bank_owns_within(&books, c, (struct bank_object){ 0, 2 }),
			 BANK_E_NOT_OWNER);
	assert_int_equal(bank_owns_within(&books, a, (struct bank_object){ 1, outside }),
			 BANK_E_NOT_OWNER);
	assert_int_equal(bank_owns_within(&books, a, (struct bank_object){ 1, 1000 }),
			 BANK_E_NOT_OWNER);
	assert_int_equal(bank_owns_within(&books, a, (struct bank_object){ 2, 0 }), BANK_E_ARG);
	/* A cursor whose object was sold between pages is stale. */
	cur = bank_cursor_start(a);
	struct bank_object out[1];
	unsigned n;
	do
		assert_int_equal(bank_list(&books, a, &cur, out, 1, &n), BANK_OK);
	while (cur.offset == BANK_NIL && !cur.done);
	assert_false(cur.done);
	assert_int_equal(sell1(a, cur.pool, cur.offset), BANK_OK);
	assert_int_equal(bank_list(&books, a, &cur, out, 1, &n), BANK_E_STALE);
	/* A cursor into another subtree is stale; one past the pools is bad. */
	struct bank_cursor other = bank_cursor_start(BANK_PRIME);
	assert_int_equal(bank_list(&books, a, &other, out, 1, &n), BANK_E_STALE);
	other.bank = a;
	other.pool = 3;
	assert_int_equal(bank_list(&books, a, &other, out, 1, &n), BANK_E_ARG);
	/* Objects of a dying sub-bank are no longer within a. */
	assert_int_equal(bank_destroy(&books, b), BANK_OK);
	assert_int_equal(bank_owns_within(&books, a, (struct bank_object){ 0, 1 }),
			 BANK_E_NOT_OWNER);
	audit_ok();
}

static void test_ensure_fails_mid_buy(void **state)
{
	(void)state;
	bank_id_t a = create(BANK_PRIME, BANK_TRANSPARENT);
	uint32_t pools[3] = { BANK_POOL_PAGE, BANK_POOL_PAGE, BANK_POOL_NODE }, off[3];
	struct snapshot s;
	snap_take(&s);
	/* The first record is ensured, the second is refused. */
	fake.fail_in = 1;
	assert_int_equal(bank_buy(&books, a, pools, 3, off, NULL), BANK_E_BOOKS);
	snap_unchanged(&s);
	audit_ok();
	/* Three fresh pages, the ensure refusing the first, second or third. */
	const uint32_t pages[3] = { BANK_POOL_PAGE, BANK_POOL_PAGE, BANK_POOL_PAGE };
	for (long ok = 0; ok < 3; ok++) {
		unsigned calls = fake.calls;
		snap_take(&s);
		fake.fail_in = ok;
		assert_int_equal(bank_buy(&books, a, pages, 3, off, NULL), BANK_E_BOOKS);
		assert_int_equal(fake.calls, calls + ok + 1);
		snap_unchanged(&s);
	}
	/* The books' storage comes back: the same buy works. */
	fake.fail_in = -1;
	assert_int_equal(bank_buy(&books, a, pools, 3, off, NULL), BANK_OK);
	assert_int_equal(usage(a, BANK_POOL_PAGE), 2);
	/* Bank records too. */
	bank_id_t id = 0;
	fake.fail_in = 0;
	snap_take(&s);
	assert_int_equal(bank_create(&books, a, BANK_OPAQUE, &id), BANK_E_BOOKS);
	snap_unchanged(&s);
	assert_int_equal(id, 0);
	/* Sells, reuse and destroys need no new storage. */
	struct bank_object o = { BANK_POOL_PAGE, off[0] };
	assert_int_equal(bank_sell(&books, a, &o, 1), BANK_OK);
	assert_int_equal(bank_buy(&books, a, pools, 1, off, NULL), BANK_OK);
	assert_int_equal(bank_destroy(&books, a), BANK_OK);
	struct bank_object out[8];
	unsigned n;
	assert_false(bank_destroy_step(&books, 8, out, &n));
	assert_int_equal(n, 3);
	fake.fail_in = -1;
	audit_ok();
}

static void test_limits_of_the_table(void **state)
{
	teardown(state);
	books_with(16, 16, 40);
	/* Depth: a chain down to BANK_MAX_DEPTH, and no deeper. */
	bank_id_t x = BANK_PRIME, child;
	for (int i = 0; i < BANK_MAX_DEPTH; i++)
		x = create(x, BANK_TRANSPARENT);
	assert_int_equal(bank_create(&books, x, BANK_TRANSPARENT, &child), BANK_E_DEPTH);
	assert_int_equal(bank_create(&books, BANK_PRIME, 2, &child), BANK_E_ARG);
	buy1(x, BANK_POOL_NODE);
	assert_int_equal(usage(BANK_PRIME, BANK_POOL_NODE), 1);
	/* The table: ids 1 .. 39, never reused. */
	while (books.next_id < 40)
		create(BANK_PRIME, BANK_OPAQUE);
	assert_int_equal(bank_create(&books, BANK_PRIME, BANK_OPAQUE, &child), BANK_E_BANKS);
	assert_int_equal(bank_destroy(&books, 39), BANK_OK);
	assert_int_equal(bank_create(&books, BANK_PRIME, BANK_OPAQUE, &child), BANK_E_BANKS);
	audit_ok();
}

static void test_audit_catches(void **state)
{
	(void)state;
	bank_id_t a = create(BANK_PRIME, BANK_TRANSPARENT);
	uint32_t o1 = buy1(a, BANK_POOL_PAGE);
	buy1(a, BANK_POOL_PAGE);
	uint32_t f = buy1(a, BANK_POOL_NODE);
	assert_int_equal(sell1(a, BANK_POOL_NODE, f), BANK_OK);
	audit_ok();
	struct bank_audit_report rep;
	/* Each corruption on its own, then put back. */
	/* a counts one page too many, and the prime agrees with a: a is wrong. */
	books.banks[a].usage[BANK_POOL_PAGE]++;
	books.banks[BANK_PRIME].usage[BANK_POOL_PAGE]++;
	assert_int_equal(bank_audit(&books, &rep), BANK_E_AUDIT);
	assert_non_null(rep.what);
	assert_int_equal(rep.bank, a);
	assert_int_equal(rep.pool, BANK_POOL_PAGE);
	assert_int_equal(rep.expected, 2);
	assert_int_equal(rep.found, 3);
	books.banks[a].usage[BANK_POOL_PAGE]--;
	books.banks[BANK_PRIME].usage[BANK_POOL_PAGE]--;
	/* The prime counts one too few. */
	books.banks[BANK_PRIME].usage[BANK_POOL_PAGE]--;
	assert_int_equal(bank_audit(&books, &rep), BANK_E_AUDIT);
	assert_int_equal(rep.bank, BANK_PRIME);
	books.banks[BANK_PRIME].usage[BANK_POOL_PAGE]++;
	books.objs[BANK_POOL_PAGE][o1].owner = BANK_PRIME;
	assert_int_equal(bank_audit(&books, &rep), BANK_E_AUDIT);
	books.objs[BANK_POOL_PAGE][o1].owner = a;
	books.objs[BANK_POOL_NODE][f].owner = a; /* free and in use */
	assert_int_equal(bank_audit(&books, &rep), BANK_E_AUDIT);
	books.objs[BANK_POOL_NODE][f].owner = BANK_NONE;
	books.free_count[BANK_POOL_NODE]++;
	assert_int_equal(bank_audit(&books, NULL), BANK_E_AUDIT);
	books.free_count[BANK_POOL_NODE]--;
	books.fresh[BANK_POOL_PAGE]++; /* a touched object on no list */
	assert_int_equal(bank_audit(&books, &rep), BANK_E_AUDIT);
	books.fresh[BANK_POOL_PAGE]--;
	books.banks[a].state = BANK_DESTROYING; /* not on the reclaim queue */
	assert_int_equal(bank_audit(&books, &rep), BANK_E_AUDIT);
	books.banks[a].state = BANK_LIVE;
	audit_ok();
}

/* A random workload against a model of who owns what. */
static void test_random_workload(void **state)
{
	teardown(state);
	books_with(300, 400, 256);
	enum { MODEL_BANKS = 256 };
	static bank_id_t owner[BANK_POOLS][400]; /* the model: the owning bank, or 0 */
	memset(owner, 0, sizeof(owner));
	bank_id_t live[64] = { BANK_PRIME };
	unsigned nlive = 1;
	unsigned long seed = 12345;
	for (int round = 0; round < 6000; round++) {
		seed = seed * 6364136223846793005ul + 1442695040888963407ul;
		unsigned r = (unsigned)(seed >> 33);
		bank_id_t bank = live[r % nlive];
		uint32_t pool = (r >> 8) & 1;
		switch ((r >> 9) % 8) {
		case 0:
			if (nlive < 64 && books.next_id < MODEL_BANKS) {
				bank_id_t c;
				if (bank_create(&books, bank, r & 1, &c) == BANK_OK)
					live[nlive++] = c;
			}
			break;
		case 1: /* destroy or remove a bank, then reclaim a little */
			if (bank != BANK_PRIME && (r >> 12) % 4 == 0) {
				bool destroy = (r >> 14) & 1;
				struct bank_info info;
				assert_int_equal(bank_query(&books, bank, &info), BANK_OK);
				assert_int_equal(destroy ? bank_destroy(&books, bank)
							 : bank_remove(&books, bank),
						 BANK_OK);
				/* Forget the dead from the list of live banks. */
				for (unsigned i = 0; i < nlive;) {
					if (bank_lookup(&books, live[i], NULL) != BANK_OK)
						live[i] = live[--nlive];
					else
						i++;
				}
				for (uint32_t p = 0; p < BANK_POOLS; p++) {
					for (uint32_t o = 0; o < books.fresh[p]; o++) {
						if (owner[p][o] == bank && !destroy)
							owner[p][o] = info.parent;
					}
				}
			}
			break;
		case 2:
			bank_set_limit(&books, bank, pool, (r >> 12) % 40);
			break;
		case 3:
		case 4: {
			uint32_t pools[3] = { pool, (r >> 13) & 1, (r >> 14) & 1 }, off[3];
			unsigned n = 1 + (r >> 15) % 3;
			if (bank_buy(&books, bank, pools, n, off, NULL) == BANK_OK) {
				for (unsigned i = 0; i < n; i++) {
					assert_int_equal(owner[pools[i]][off[i]], 0);
					owner[pools[i]][off[i]] = bank;
				}
			}
			break;
		}
		case 5:
		case 6: {
			struct bank_object o = { pool, (r >> 12) % 400 };
			enum bank_err err = bank_sell(&books, bank, &o, 1);
			if (o.offset < books.count[pool] && owner[pool][o.offset] == bank)
				assert_int_equal(err, BANK_OK);
			else
				assert_int_not_equal(err, BANK_OK);
			if (err == BANK_OK)
				owner[pool][o.offset] = 0;
			break;
		}
		default: {
			struct bank_object out[4];
			unsigned n;
			bank_destroy_step(&books, 4, out, &n);
			for (unsigned i = 0; i < n; i++)
				owner[out[i].pool][out[i].offset] = 0;
		}
		}
		audit_ok();
	}
	/* The model and the books agree on every object a live bank owns. */
	for (uint32_t p = 0; p < BANK_POOLS; p++) {
		for (uint32_t o = 0; o < books.fresh[p]; o++) {
			bank_id_t m = owner[p][o];
			if (m != 0 && bank_lookup(&books, m, NULL) == BANK_OK)
				assert_int_equal(sell1(m, p, o), BANK_OK);
		}
	}
	audit_ok();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_destroy_cascade, setup, teardown),
		cmocka_unit_test_setup_teardown(test_destroy_100k, setup, teardown),
		cmocka_unit_test_setup_teardown(test_remove, setup, teardown),
		cmocka_unit_test_setup_teardown(test_destroy_after_remove, setup, teardown),
		cmocka_unit_test_setup_teardown(test_inspect, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ensure_fails_mid_buy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_limits_of_the_table, setup, teardown),
		cmocka_unit_test_setup_teardown(test_audit_catches, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random_workload, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
