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
 * What is checked: init touches no object record; limits of the bank and
 * of each ancestor, the lowest one named; exact exhaustion of a limit and
 * of a pool; sold objects reused before fresh ones; all-or-nothing buy and
 * sell (the books byte for byte unchanged after a refusal); restriction
 * narrowing; badges round trip and malformed ones refused; destroy of a
 * three-level tree and of 100,000 objects in bounded steps with an audit
 * after each and other clients served between them; remove handing
 * objects and sub-banks to the parent with usage unchanged; inspect
 * listing and subtree ownership; the ensure hook failing mid-buy; the
 * audit noticing planted corruption; a random workload against a model.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <cmocka.h>
#include "bank.h"
#include "bank_key.h"

#define POOL_MAX  (1u << 17)
#define BANKS_MAX 4096u

/* One lazily mapped array: its pages become usable through ensure. */
struct region {
	uint8_t *base;
	size_t bytes;
	bool *mapped;
};

static struct {
	struct region objs[BANK_POOLS];
	struct region banks;
	long fail_in; /* successful calls left before ensure fails; < 0: never */
	unsigned calls;
	unsigned pages; /* pages mapped so far */
	size_t page;
} fake;

static struct bank_books books;

static void region_map(struct region *r, size_t bytes)
{
	r->bytes = (bytes + fake.page - 1) / fake.page * fake.page;
	r->base = mmap(NULL, r->bytes, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(r->base != MAP_FAILED);
	r->mapped = calloc(r->bytes / fake.page, sizeof(bool));
	assert_non_null(r->mapped);
}

static void region_unmap(struct region *r)
{
	munmap(r->base, r->bytes);
	free(r->mapped);
}

static struct region *region_of(uint8_t *addr, size_t len)
{
	for (uint32_t p = 0; p < BANK_POOLS; p++) {
		struct region *r = &fake.objs[p];
		if (addr >= r->base && addr + len <= r->base + r->bytes)
			return r;
	}
	if (addr >= fake.banks.base && addr + len <= fake.banks.base + fake.banks.bytes)
		return &fake.banks;
	return NULL;
}

static bool fake_ensure(void *ctx, void *addr, size_t len)
{
	assert_ptr_equal(ctx, &fake);
	struct region *r = region_of(addr, len);
	assert_non_null(r); /* the core only ever asks for its own arrays */
	fake.calls++;
	if (fake.fail_in == 0)
		return false;
	if (fake.fail_in > 0)
		fake.fail_in--;
	size_t first = ((uint8_t *)addr - r->base) / fake.page;
	size_t last = ((uint8_t *)addr + len - 1 - r->base) / fake.page;
	for (size_t i = first; i <= last; i++) {
		if (r->mapped[i])
			continue;
		assert_int_equal(mprotect(r->base + i * fake.page, fake.page,
					  PROT_READ | PROT_WRITE),
				 0);
		memset(r->base + i * fake.page, 0xa5, fake.page);
		r->mapped[i] = true;
		fake.pages++;
	}
	return true;
}

/* Fresh books over fresh arrays: pools of `nodes` and `pages` objects. */
static void books_with(uint32_t nodes, uint32_t pages, uint32_t bank_capacity)
{
	fake.page = (size_t)sysconf(_SC_PAGESIZE);
	region_map(&fake.objs[BANK_POOL_NODE], POOL_MAX * sizeof(struct bank_obj));
	region_map(&fake.objs[BANK_POOL_PAGE], POOL_MAX * sizeof(struct bank_obj));
	region_map(&fake.banks, BANKS_MAX * sizeof(struct bank_rec));
	fake.fail_in = -1;
	fake.calls = fake.pages = 0;
	struct bank_books_config cfg = {
		.objs = { (struct bank_obj *)fake.objs[0].base,
			  (struct bank_obj *)fake.objs[1].base },
		.count = { nodes, pages },
		.banks = (struct bank_rec *)fake.banks.base,
		.bank_capacity = bank_capacity,
		.ensure = fake_ensure,
		.ensure_ctx = &fake,
	};
	memset(&books, 0x5a, sizeof(books));
	assert_int_equal(bank_books_init(&books, &cfg), BANK_OK);
}

static int setup(void **state)
{
	(void)state;
	books_with(POOL_MAX, POOL_MAX, BANKS_MAX);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	region_unmap(&fake.objs[0]);
	region_unmap(&fake.objs[1]);
	region_unmap(&fake.banks);
	return 0;
}

static void audit_ok(void)
{
	struct bank_audit_report rep;
	enum bank_err err = bank_audit(&books, &rep);
	if (err != BANK_OK)
		fail_msg("audit: %s (bank %u pool %u offset %u expected %llu found %llu)", rep.what,
			 rep.bank, rep.pool, rep.offset, (unsigned long long)rep.expected,
			 (unsigned long long)rep.found);
}

static bank_id_t create(bank_id_t parent, enum bank_kind kind)
{
	bank_id_t id = 0;
	assert_int_equal(bank_create(&books, parent, kind, &id), BANK_OK);
	return id;
}

static uint32_t buy1(bank_id_t bank, uint32_t pool)
{
	uint32_t off = BANK_NIL;
	assert_int_equal(bank_buy(&books, bank, &pool, 1, &off, NULL), BANK_OK);
	return off;
}

static enum bank_err sell1(bank_id_t bank, uint32_t pool, uint32_t off)
{
	struct bank_object o = { .pool = pool, .offset = off };
	return bank_sell(&books, bank, &o, 1);
}

static uint64_t usage(bank_id_t bank, uint32_t pool)
{
	struct bank_info info;
	assert_int_equal(bank_query(&books, bank, &info), BANK_OK);
	return info.usage[pool];
}

/* A copy of everything the books hold, to show a refusal changed nothing. */
struct snapshot {
	struct bank_books books;
	struct bank_obj *objs[BANK_POOLS];
	struct bank_rec *banks;
};

static void snap_take(struct snapshot *s)
{
	s->books = books;
	for (uint32_t p = 0; p < BANK_POOLS; p++) {
		s->objs[p] = malloc((books.fresh[p] + 1) * sizeof(struct bank_obj));
		memcpy(s->objs[p], books.objs[p], books.fresh[p] * sizeof(struct bank_obj));
	}
	s->banks = malloc(books.next_id * sizeof(struct bank_rec));
	memcpy(s->banks, books.banks, books.next_id * sizeof(struct bank_rec));
}

static void snap_unchanged(struct snapshot *s)
{
	assert_memory_equal(&s->books, &books, sizeof(books));
	for (uint32_t p = 0; p < BANK_POOLS; p++) {
		assert_memory_equal(s->objs[p], books.objs[p],
				    books.fresh[p] * sizeof(struct bank_obj));
		free(s->objs[p]);
	}
	assert_memory_equal(s->banks, books.banks, books.next_id * sizeof(struct bank_rec));
	free(s->banks);
}

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
		cmocka_unit_test_setup_teardown(test_init, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ancestor_limits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exact_exhaustion, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reuse, setup, teardown),
		cmocka_unit_test_setup_teardown(test_buy_all_or_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sell_all_or_nothing, setup, teardown),
		cmocka_unit_test(test_restrictions),
		cmocka_unit_test(test_badges),
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
