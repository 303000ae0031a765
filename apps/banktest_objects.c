/* SPDX-License-Identifier: MIT */
/*
 * banktest: buying and selling, limits, destroy and remove (docs/bank.md
 * "Buying and selling", "Limits and usage", "Destroy", "Remove"). Each
 * case works in banks it makes under the prime bank and destroys them at
 * its end (apps/banktest.h).
 */
#include <inttypes.h>
#include <stdio.h>

#include "banktest.h"

static const cap_t objs[10] = { CAP_OBJ(0), CAP_OBJ(1), CAP_OBJ(2), CAP_OBJ(3), CAP_OBJ(4),
				CAP_OBJ(5), CAP_OBJ(6), CAP_OBJ(7), CAP_OBJ(8), CAP_OBJ(9) };

static unsigned pages_in(unsigned n, uint64_t kinds)
{
	unsigned p = 0;
	for (unsigned i = 0; i < n; i++)
		p += kinds >> i & 1;
	return p;
}

/* Each key bought is a read-write key of its kind, distinct from the
 * others, and writable (its mark reads back). */
static void check_bought(const char *what, unsigned n, uint64_t kinds, const cap_t *keys)
{
	for (unsigned i = 0; i < n; i++) {
		unsigned pool = kinds >> i & 1;
		uint64_t rights = ~0ull, v;
		if (!type_is(what, keys[i], pool ? CAIRN_KEY_PAGE : CAIRN_KEY_NODE))
			return;
		key_type(keys[i], &rights);
		if (rights != 0)
			failf("%s: key %u has rights %#" PRIx64 ", want read-write", what, i,
			      rights);
		if (ok("mark", mark(keys[i], pool, 0xbac0 + i)) &&
		    ok("read", mark_of(keys[i], pool, &v)) && v != 0xbac0 + i)
			failf("%s: object %u reads %#" PRIx64 " after its mark", what, i, v);
		for (unsigned j = 0; j < i; j++) {
			int same = 0;
			cairn_discrim_compare(CAP_DISCRIM, keys[i], keys[j], &same);
			if (same)
				failf("%s: objects %u and %u are the same", what, j, i);
		}
	}
}

static void buy_sell_once(cap_t bank, unsigned n, uint64_t kinds, uint64_t prime_n,
			  uint64_t prime_p)
{
	char what[48];
	unsigned pages = pages_in(n, kinds), nodes = n - pages;
	snprintf(what, sizeof what, "BUY %u kinds %#" PRIx64, n, kinds);
	if (!rc_is(what, cairn_bank_buy(bank, n, kinds, objs), CAIRN_OK))
		return;
	check_bought(what, n, kinds, objs);
	usage_is(what, bank, nodes, pages);
	usage_is("the prime bank after the buy", CAP_PRIME, prime_n + nodes, prime_p + pages);
	snprintf(what, sizeof what, "SELL %u kinds %#" PRIx64, n, kinds);
	if (!rc_is(what, cairn_bank_sell(bank, n, objs), CAIRN_OK))
		return;
	all_void(what, objs, n);
	usage_is(what, bank, 0, 0);
	usage_is("the prime bank after the sell", CAP_PRIME, prime_n, prime_p);
}

void case_buy_sell(void)
{
	const cap_t a = CAP_BANK(0);
	if (!sub_bank(CAP_PRIME, CAIRN_BANK_TRANSPARENT, a, CAP_BANK(1)))
		return;
	uint64_t pn = usage(CAP_PRIME, CAIRN_BANK_NODE), pp = usage(CAP_PRIME, CAIRN_BANK_PAGE);
	for (unsigned n = 1; n <= 3 && !failed_yet(); n++)
		for (uint64_t kinds = 0; kinds < (1u << n) && !failed_yet(); kinds++)
			buy_sell_once(a, n, kinds, pn, pp);
	drop_banks(a, 0, 0);
}

/* A sold object is rescinded (its RO copy dies too) and cleared, and the
 * next buy of its kind reuses it (LIST shows the same objects again). */
void case_sold_cleared(void)
{
	const cap_t a = CAP_BANK(0), ctl = CAP_BANK(1);
	uint64_t before[2], after[2], v;
	unsigned nb, na;
	if (!sub_bank(CAP_PRIME, CAIRN_BANK_TRANSPARENT, a, ctl) ||
	    !ok("BUY node and page", cairn_bank_buy(a, 2, 0x2, objs)) ||
	    !ok("mark node", mark(objs[0], CAIRN_BANK_NODE, 0x5eed)) ||
	    !ok("mark page", mark(objs[1], CAIRN_BANK_PAGE, 0xfeed)) ||
	    !ok("PAGE WEAKEN",
		cairn_inv_PAGE_WEAKEN(objs[1], &(struct cairn_io){ .rkeys = { CAP_TMP(0) } })) ||
	    !ok("NODE WEAKEN", cairn_node_weaken(objs[0], CAIRN_RIGHT_RO, CAP_TMP(1))) ||
	    !list_objects(ctl, before, 2, &nb))
		goto out;
	if (!rc_is("SELL", cairn_bank_sell(a, 2, objs), CAIRN_OK))
		goto out;
	const cap_t copies[2] = { CAP_TMP(0), CAP_TMP(1) };
	all_void("read-only copies after SELL", copies, 2);
	if (!ok("BUY again", cairn_bank_buy(a, 2, 0x2, objs)) || !list_objects(ctl, after, 2, &na))
		goto out;
	if (ok("read node", mark_of(objs[0], CAIRN_BANK_NODE, &v)) && v != 0)
		failf("a reused node reads %#" PRIx64 " in slot 0, want it cleared", v);
	if (ok("read page", mark_of(objs[1], CAIRN_BANK_PAGE, &v)) && v != 0)
		failf("a reused page reads %#" PRIx64 ", want it cleared", v);
	if (nb != 2 || na != 2 ||
	    !((before[0] == after[0] && before[1] == after[1]) ||
	      (before[0] == after[1] && before[1] == after[0])))
		failf("sold objects were not reused: listed %#" PRIx64 " %#" PRIx64
		      " before, %#" PRIx64 " %#" PRIx64 " after",
		      before[0], before[1], after[0], after[1]);
out:
	drop_banks(a, 0, 0);
}

void case_limit_own(void)
{
	const cap_t a = CAP_BANK(0);
	struct cairn_bank_usage u;
	if (!sub_bank(CAP_PRIME, CAIRN_BANK_TRANSPARENT, a, CAP_BANK(1)) ||
	    !ok("SET_LIMIT pages 2", cairn_bank_set_limit(a, CAIRN_BANK_PAGE, 2)) ||
	    !rc_is("BUY 2 pages of 2", cairn_bank_buy(a, 2, 0x3, objs), CAIRN_OK))
		goto out;
	rc_is("BUY a third page", cairn_bank_buy1(a, CAIRN_BANK_PAGE, objs[2]), CAIRN_BANK_LIMIT);
	if (!ok("SELL one", cairn_bank_sell(a, 1, objs)))
		goto out;
	rc_is("BUY 3 pages with 1 left", cairn_bank_buy(a, 3, 0x7, objs + 2), CAIRN_BANK_LIMIT);
	usage_is("after the refused buy (all or nothing)", a, 0, 1);
	if (ok("QUERY", cairn_bank_query(a, CAIRN_BANK_PAGE, &u)) &&
	    (u.limit != 2 || u.usage != 1 || u.available != 1))
		failf("QUERY pages: limit %" PRIu64 " usage %" PRIu64 " available %" PRIu64
		      ", want 2, 1, 1",
		      u.limit, u.usage, u.available);
	rc_is("BUY a node (no node limit)", cairn_bank_buy1(a, CAIRN_BANK_NODE, objs[3]), CAIRN_OK);
	rc_is("BUY the last page", cairn_bank_buy1(a, CAIRN_BANK_PAGE, objs[4]), CAIRN_OK);
	rc_is("BUY past it", cairn_bank_buy1(a, CAIRN_BANK_PAGE, objs[5]), CAIRN_BANK_LIMIT);
	usage_is("at the limit", a, 1, 2);
out:
	drop_banks(a, 0, 0);
}

/* A limits nodes to 3; B under A and C under B are unlimited themselves. */
void case_limit_ancestor(void)
{
	const cap_t a = CAP_BANK(0), b = CAP_BANK(2), c = CAP_BANK(4);
	struct cairn_bank_usage u;
	if (!sub_bank(CAP_PRIME, CAIRN_BANK_TRANSPARENT, a, CAP_BANK(1)) ||
	    !sub_bank(a, CAIRN_BANK_TRANSPARENT, b, CAP_BANK(3)) ||
	    !sub_bank(b, CAIRN_BANK_TRANSPARENT, c, CAP_BANK(5)) ||
	    !ok("SET_LIMIT A nodes 3", cairn_bank_set_limit(a, CAIRN_BANK_NODE, 3)) ||
	    !ok("C buys 2 nodes", cairn_bank_buy(c, 2, 0, objs)) ||
	    !ok("B buys a node", cairn_bank_buy1(b, CAIRN_BANK_NODE, objs[2])))
		goto out;
	rc_is("C buys past A's limit", cairn_bank_buy1(c, CAIRN_BANK_NODE, objs[3]),
	      CAIRN_BANK_LIMIT);
	rc_is("B buys past A's limit", cairn_bank_buy1(b, CAIRN_BANK_NODE, objs[3]),
	      CAIRN_BANK_LIMIT);
	if (ok("QUERY C", cairn_bank_query(c, CAIRN_BANK_NODE, &u)) &&
	    (u.limit != ~0ull || u.usage != 2 || u.available != 0))
		failf("QUERY C nodes: limit %#" PRIx64 " usage %" PRIu64 " available %" PRIu64
		      ", want none, 2, 0 (A's limit)",
		      u.limit, u.usage, u.available);
	usage_is("A", a, 3, 0);
	if (ok("C sells one", cairn_bank_sell(c, 1, objs)))
		rc_is("C buys again under the limit", cairn_bank_buy1(c, CAIRN_BANK_NODE, objs[3]),
		      CAIRN_OK);
	/* The tightest limit on the way up applies: B's own, below A's none. */
	if (ok("SET_LIMIT B pages 1", cairn_bank_set_limit(b, CAIRN_BANK_PAGE, 1)) &&
	    ok("C buys a page", cairn_bank_buy1(c, CAIRN_BANK_PAGE, objs[4])))
		rc_is("C buys past B's limit", cairn_bank_buy1(c, CAIRN_BANK_PAGE, objs[5]),
		      CAIRN_BANK_LIMIT);
out:
	drop_banks(a, 0, 0);
}

/* A, B under A, C under B, each holding objects: destroying A kills all
 * three at once and every key to their objects goes void. */
void case_destroy_cascades(void)
{
	const cap_t a = CAP_BANK(0), b = CAP_BANK(2), c = CAP_BANK(4), reduced = CAP_TMP(1);
	uint64_t pn, pp, word;
	struct cairn_io io = { .w = { 0, sizeof word }, .buf = &word, .max = sizeof word };
	if (!sub_bank(CAP_PRIME, CAIRN_BANK_TRANSPARENT, a, CAP_BANK(1)) ||
	    !sub_bank(a, CAIRN_BANK_TRANSPARENT, b, CAP_BANK(3)) ||
	    !sub_bank(b, CAIRN_BANK_OPAQUE, c, CAP_BANK(5)))
		goto out;
	/* After the creates: a create may buy a page of the bank table from
	 * the prime bank (docs/bank.md "The books' memory"). */
	pn = usage(CAP_PRIME, CAIRN_BANK_NODE);
	pp = usage(CAP_PRIME, CAIRN_BANK_PAGE);
	if (!ok("A buys", cairn_bank_buy(a, 2, 0x2, objs)) ||
	    !ok("B buys", cairn_bank_buy(b, 3, 0x3, objs + 2)) ||
	    !ok("C buys", cairn_bank_buy(c, 2, 0x1, objs + 5)) ||
	    !ok("PAGE WEAKEN",
		cairn_inv_PAGE_WEAKEN(objs[1], &(struct cairn_io){ .rkeys = { CAP_TMP(0) } })) ||
	    !ok("REDUCE C", cairn_bank_reduce(c, CAIRN_BANK_MAY_NOT_DESTROY, reduced)))
		goto out;
	if (!rc_is("DESTROY A", cairn_bank_destroy(a), CAIRN_OK))
		goto out;
	usage_is("the prime bank at once", CAP_PRIME, pn, pp);
	rc_is("B buys", cairn_bank_buy1(b, CAIRN_BANK_PAGE, objs[7]), CAIRN_BANK_DEAD);
	rc_is("C buys", cairn_bank_buy1(c, CAIRN_BANK_PAGE, objs[7]), CAIRN_BANK_DEAD);
	rc_is("C's reduced key buys", cairn_bank_buy1(reduced, CAIRN_BANK_NODE, objs[7]),
	      CAIRN_BANK_DEAD);
	rc_is("DESTROY A again", cairn_bank_destroy(a), CAIRN_BANK_DEAD);
	if (!reclaimed(10000))
		goto out;
	all_void("A's, B's and C's objects", objs, 7);
	all_void("an RO copy", (const cap_t[]){ CAP_TMP(0) }, 1);
	rc_is("PAGE READ of B's page", cairn_inv_PAGE_READ(objs[2], &io), CAIRN_VOID);
out:
	drop_banks(a, 0, 0);
}

/* B under A, C under B: removing B gives A its objects and C. */
void case_remove(void)
{
	const cap_t a = CAP_BANK(0), b = CAP_BANK(2), c = CAP_BANK(4);
	uint64_t v;
	if (!sub_bank(CAP_PRIME, CAIRN_BANK_TRANSPARENT, a, CAP_BANK(1)) ||
	    !sub_bank(a, CAIRN_BANK_TRANSPARENT, b, CAP_BANK(3)) ||
	    !sub_bank(b, CAIRN_BANK_TRANSPARENT, c, CAP_BANK(5)) ||
	    !ok("B buys a page and a node", cairn_bank_buy(b, 2, 0x1, objs)) ||
	    !ok("mark", mark(objs[0], CAIRN_BANK_PAGE, 0x7e57)) ||
	    !ok("C buys a node", cairn_bank_buy1(c, CAIRN_BANK_NODE, objs[2])))
		goto out;
	rc_is("A sells B's page before the remove", cairn_bank_sell(a, 1, objs), CAIRN_NOT_OWNER);
	if (!rc_is("REMOVE B", cairn_bank_remove(b), CAIRN_OK))
		goto out;
	usage_is("A after the remove", a, 2, 1);
	rc_is("B buys", cairn_bank_buy1(b, CAIRN_BANK_PAGE, objs[3]), CAIRN_BANK_DEAD);
	rc_is("B sells its page", cairn_bank_sell(b, 1, objs), CAIRN_BANK_DEAD);
	if (ok("read B's page", mark_of(objs[0], CAIRN_BANK_PAGE, &v)) && v != 0x7e57)
		failf("B's page reads %#" PRIx64 " after the remove", v);
	if (rc_is("A sells B's page", cairn_bank_sell(a, 1, objs), CAIRN_OK)) {
		all_void("the page sold", objs, 1);
		usage_is("A after selling it", a, 2, 0);
	}
	rc_is("A sells B's node", cairn_bank_sell(a, 1, objs + 1), CAIRN_OK);
	type_is("C's node", objs[2], CAIRN_KEY_NODE);
	rc_is("C buys, now A's child", cairn_bank_buy1(c, CAIRN_BANK_PAGE, objs[3]), CAIRN_OK);
	usage_is("A with C's objects", a, 1, 1);
	/* C is A's child now: destroying A takes it. */
	if (rc_is("DESTROY A", cairn_bank_destroy(a), CAIRN_OK))
		rc_is("C buys after A's destroy", cairn_bank_buy1(c, CAIRN_BANK_PAGE, objs[4]),
		      CAIRN_BANK_DEAD);
	return;
out:
	drop_banks(a, 0, 0);
}
