/* SPDX-License-Identifier: MIT */
/*
 * banktest: bad input (issue 10, "Bad input"). Each order gets its named
 * error and changes nothing, and the bank goes on serving; the last case
 * runs the driver beside an honest client (apps/bankload.c, mode honest)
 * and a hostile one (apps/bankhostile.c) that floods the bank with
 * garbage, and checks that every honest order was served.
 */
#include <inttypes.h>
#include <stdio.h>

#include "banktest.h"

static const cap_t objs[6] = { CAP_OBJ(0), CAP_OBJ(1), CAP_OBJ(2),
			       CAP_OBJ(3), CAP_OBJ(4), CAP_OBJ(5) };

void case_sell_foreign(void)
{
	const cap_t a = CAP_BANK(0), b = CAP_BANK(2), c = CAP_BANK(4);
	if (!sub_bank(CAP_PRIME, CAIRN_BANK_TRANSPARENT, a, CAP_BANK(1)) ||
	    !sub_bank(CAP_PRIME, CAIRN_BANK_TRANSPARENT, b, CAP_BANK(3)) ||
	    !sub_bank(a, CAIRN_BANK_TRANSPARENT, c, CAP_BANK(5)) ||
	    !ok("B buys a node", cairn_bank_buy1(b, CAIRN_BANK_NODE, objs[0])) ||
	    !ok("C buys a page", cairn_bank_buy1(c, CAIRN_BANK_PAGE, objs[1])) ||
	    !ok("A buys a page", cairn_bank_buy1(a, CAIRN_BANK_PAGE, objs[2])))
		goto out;
	rc_is("A sells B's node", cairn_bank_sell(a, 1, objs), CAIRN_NOT_OWNER);
	rc_is("A sells its sub-bank C's page", cairn_bank_sell(a, 1, objs + 1), CAIRN_NOT_OWNER);
	rc_is("C sells its parent A's page", cairn_bank_sell(c, 1, objs + 2), CAIRN_NOT_OWNER);
	rc_in("A sells a node of the image", cairn_bank_sell(a, 1, (const cap_t[]){ CAP_FOREIGN }),
	      CAIRN_NOT_OWNER, CAIRN_BAD_KEY);
	/* All or nothing: its own page with B's node is refused whole. */
	rc_is("A sells its page and B's node",
	      cairn_bank_sell(a, 2, (const cap_t[]){ objs[2], objs[0] }), CAIRN_NOT_OWNER);
	type_is("B's node", objs[0], CAIRN_KEY_NODE);
	type_is("C's page", objs[1], CAIRN_KEY_PAGE);
	type_is("A's page", objs[2], CAIRN_KEY_PAGE);
	type_is("the image's node", CAP_FOREIGN, CAIRN_KEY_NODE);
	usage_is("A", a, 0, 2);
	usage_is("B", b, 1, 0);
out:
	drop_banks(a, b, 0);
}

/* After a sell the key is void; selling it again must not sell whatever
 * object reused the sold one (the next buy takes it back, LIFO). */
void case_sell_twice(void)
{
	const cap_t a = CAP_BANK(0);
	if (!sub_bank(CAP_PRIME, CAIRN_BANK_TRANSPARENT, a, CAP_BANK(1)) ||
	    !ok("buy", cairn_bank_buy1(a, CAIRN_BANK_PAGE, objs[0])) ||
	    !ok("copy the key", copy_key(objs[0], objs[1])))
		goto out;
	rc_is("SELL the key and its copy", cairn_bank_sell(a, 2, objs), CAIRN_DUPLICATE);
	type_is("the page after the DUPLICATE", objs[0], CAIRN_KEY_PAGE);
	if (!rc_is("SELL", cairn_bank_sell(a, 1, objs), CAIRN_OK) ||
	    !ok("buy another", cairn_bank_buy1(a, CAIRN_BANK_PAGE, objs[2])))
		goto out;
	refused("SELL the sold key again", cairn_bank_sell(a, 1, objs));
	refused("SELL its copy", cairn_bank_sell(a, 1, objs + 1));
	type_is("the page bought after", objs[2], CAIRN_KEY_PAGE);
	usage_is("after selling twice", a, 0, 1);
out:
	drop_banks(a, 0, 0);
}

void case_sell_void(void)
{
	const cap_t a = CAP_BANK(0);
	if (!sub_bank(CAP_PRIME, CAIRN_BANK_TRANSPARENT, a, CAP_BANK(1)) ||
	    !ok("buy", cairn_bank_buy1(a, CAIRN_BANK_NODE, objs[0])))
		goto out;
	rc_in("SELL a void key", cairn_bank_sell(a, 1, (const cap_t[]){ CAIRN_CAP_VOID }),
	      CAIRN_VOID, CAIRN_BAD_KEY);
	rc_in("SELL a node and a void key",
	      cairn_bank_sell(a, 2, (const cap_t[]){ objs[0], CAIRN_CAP_VOID }), CAIRN_VOID,
	      CAIRN_BAD_KEY);
	type_is("the node", objs[0], CAIRN_KEY_NODE);
	usage_is("after", a, 1, 0);
out:
	drop_banks(a, 0, 0);
}

void case_buy_dead(void)
{
	const cap_t a = CAP_BANK(0), b = CAP_BANK(2), c = CAP_BANK(4), r = CAP_TMP(0);
	struct cairn_bank_usage u;
	if (!sub_bank(CAP_PRIME, CAIRN_BANK_TRANSPARENT, a, CAP_BANK(1)) ||
	    !sub_bank(a, CAIRN_BANK_TRANSPARENT, b, CAP_BANK(3)) ||
	    !sub_bank(CAP_PRIME, CAIRN_BANK_TRANSPARENT, c, CAP_BANK(5)) ||
	    !ok("REDUCE", cairn_bank_reduce(a, CAIRN_BANK_MAY_NOT_DESTROY, r)) ||
	    !ok("DESTROY", cairn_bank_destroy(a)) || !ok("REMOVE", cairn_bank_remove(c)))
		goto out;
	rc_is("BUY", cairn_bank_buy1(a, CAIRN_BANK_PAGE, objs[0]), CAIRN_BANK_DEAD);
	rc_is("BUY 3", cairn_bank_buy(a, 3, 0x5, objs), CAIRN_BANK_DEAD);
	rc_is("BUY through a reduced key", cairn_bank_buy1(r, CAIRN_BANK_PAGE, objs[0]),
	      CAIRN_BANK_DEAD);
	rc_is("BUY in its sub-bank", cairn_bank_buy1(b, CAIRN_BANK_NODE, objs[0]), CAIRN_BANK_DEAD);
	rc_is("BUY in a removed bank", cairn_bank_buy1(c, CAIRN_BANK_NODE, objs[0]),
	      CAIRN_BANK_DEAD);
	rc_is("CREATE", cairn_bank_create(a, 0, CAP_TMP(1), CAP_TMP(2)), CAIRN_BANK_DEAD);
	rc_is("SET_LIMIT", cairn_bank_set_limit(a, CAIRN_BANK_NODE, 5), CAIRN_BANK_DEAD);
	rc_is("QUERY", cairn_bank_query(a, CAIRN_BANK_NODE, &u), CAIRN_BANK_DEAD);
	rc_is("REMOVE", cairn_bank_remove(b), CAIRN_BANK_DEAD);
	type_is("BUY's receive register", objs[0], CAIRN_KEY_VOID);
out:
	drop_banks(a, 0, 0);
}

void case_nonsense_args(void)
{
	const cap_t a = CAP_BANK(0);
	struct cairn_bank_usage u;
	static const uint64_t counts[] = { 0, 4, 1ull << 32 | 1, ~0ull };
	if (!sub_bank(CAP_PRIME, CAIRN_BANK_TRANSPARENT, a, CAP_BANK(1)))
		return;
	for (unsigned i = 0; i < 4; i++) {
		char what[40];
		snprintf(what, sizeof what, "BUY count %#" PRIx64, counts[i]);
		rc_is(what, raw_order(a, CAIRN_SO_BANK_BUY, counts[i], 0, 0, NULL),
		      CAIRN_BAD_ARGUMENT);
		snprintf(what, sizeof what, "SELL count %#" PRIx64, counts[i]);
		rc_is(what, raw_order(a, CAIRN_SO_BANK_SELL, counts[i], 0, objs[0], NULL),
		      CAIRN_BAD_ARGUMENT);
	}
	usage_is("after the refused buys", a, 0, 0);
	rc_is("SET_LIMIT pool 2", cairn_bank_set_limit(a, 2, 5), CAIRN_BAD_ARGUMENT);
	rc_is("SET_LIMIT pool ~0", cairn_bank_set_limit(a, ~0u, 5), CAIRN_BAD_ARGUMENT);
	rc_is("QUERY pool 2", cairn_bank_query(a, 2, &u), CAIRN_BAD_ARGUMENT);
	rc_is("CREATE kind 2", cairn_bank_create(a, 2, CAP_TMP(0), CAP_TMP(1)), CAIRN_BAD_ARGUMENT);
	rc_is("CREATE kind ~0", raw_order(a, CAIRN_SO_BANK_CREATE, ~0ull, 0, 0, NULL),
	      CAIRN_BAD_ARGUMENT);
	refused("READ_KEY of pool 2", raw_order(CAP_BANK(1), CAIRN_SO_BANK_READ_KEY,
						CAIRN_BANK_OBJECT(2, 0), 0, 0, NULL));
	refused("READ_KEY past the pool", raw_order(CAP_BANK(1), CAIRN_SO_BANK_READ_KEY,
						    CAIRN_BANK_OBJECT(1, 0xffffffffu), 0, 0, NULL));
	refused("RESCIND_OBJ of a bogus object",
		raw_order(CAP_BANK(1), CAIRN_SO_BANK_RESCIND_OBJ, ~0ull, 0, 0, NULL));
	rc_in("LIST from a bogus cursor",
	      raw_order(CAP_BANK(1), CAIRN_SO_BANK_LIST, ~0ull, 0, 0, NULL), CAIRN_BANK_STALE,
	      CAIRN_BAD_ARGUMENT);
	/* Nothing of that changed the bank. */
	if (ok("QUERY", cairn_bank_query(a, CAIRN_BANK_PAGE, &u)) && u.limit != ~0ull)
		failf("the page limit is %#" PRIx64 " after refused orders", u.limit);
	rc_is("BUY after all that", cairn_bank_buy(a, 3, 0x2, objs), CAIRN_OK);
	drop_banks(a, 0, 0);
}

/* "Negative" (near 2^64) limits, 0, and a limit below usage: nothing
 * overflows, nothing is taken away, a limit only stops buying. */
void case_limit_extremes(void)
{
	const cap_t a = CAP_BANK(0), b = CAP_BANK(2);
	struct cairn_bank_usage u;
	if (!sub_bank(CAP_PRIME, CAIRN_BANK_TRANSPARENT, a, CAP_BANK(1)) ||
	    !sub_bank(a, CAIRN_BANK_TRANSPARENT, b, CAP_BANK(3)))
		goto out;
	if (ok("SET_LIMIT nodes -2", cairn_bank_set_limit(b, CAIRN_BANK_NODE, (uint64_t)-2)) &&
	    ok("QUERY", cairn_bank_query(b, CAIRN_BANK_NODE, &u)) && u.limit != (uint64_t)-2)
		failf("limit -2 reads back as %#" PRIx64, u.limit);
	rc_is("BUY 3 nodes under limit -2", cairn_bank_buy(b, 3, 0, objs), CAIRN_OK);
	/* A tight ancestor under a huge limit: available is A's, no wrap. */
	if (ok("SET_LIMIT A nodes 5", cairn_bank_set_limit(a, CAIRN_BANK_NODE, 5)) &&
	    ok("QUERY B", cairn_bank_query(b, CAIRN_BANK_NODE, &u)) && u.available != 2)
		failf("B available %" PRIu64 " under a limit of -2 below A's 5, want 2",
		      u.available);
	rc_is("BUY 3 more", cairn_bank_buy(b, 3, 0, objs + 3), CAIRN_BANK_LIMIT);
	/* A limit below usage: kept, nothing taken away, no more buying. */
	if (ok("SET_LIMIT B nodes 1", cairn_bank_set_limit(b, CAIRN_BANK_NODE, 1))) {
		usage_is("B over its limit", b, 3, 0);
		type_is("B's node", objs[2], CAIRN_KEY_NODE);
		rc_is("BUY over the limit", cairn_bank_buy1(b, CAIRN_BANK_NODE, objs[3]),
		      CAIRN_BANK_LIMIT);
		if (ok("QUERY", cairn_bank_query(b, CAIRN_BANK_NODE, &u)) && u.available != 0)
			failf("available %" PRIu64 " over the limit, want 0", u.available);
		if (ok("sell 2", cairn_bank_sell(b, 2, objs)))
			rc_is("BUY at the limit", cairn_bank_buy1(b, CAIRN_BANK_NODE, objs[3]),
			      CAIRN_BANK_LIMIT);
		if (ok("sell the last", cairn_bank_sell(b, 1, objs + 2)))
			rc_is("BUY under it", cairn_bank_buy1(b, CAIRN_BANK_NODE, objs[3]),
			      CAIRN_OK);
	}
	if (ok("SET_LIMIT pages 0", cairn_bank_set_limit(b, CAIRN_BANK_PAGE, 0)))
		rc_is("BUY a page at limit 0", cairn_bank_buy1(b, CAIRN_BANK_PAGE, objs[4]),
		      CAIRN_BANK_LIMIT);
	if (ok("SET_LIMIT none", cairn_bank_set_limit(b, CAIRN_BANK_PAGE, ~0ull)) &&
	    ok("QUERY", cairn_bank_query(b, CAIRN_BANK_PAGE, &u)) && u.limit != ~0ull)
		failf("no limit reads back as %#" PRIx64, u.limit);
	rc_is("BUY a page with no limit", cairn_bank_buy1(b, CAIRN_BANK_PAGE, objs[4]), CAIRN_OK);
out:
	drop_banks(a, 0, 0);
}

void case_bad_orders(void)
{
	static const uint64_t orders[] = { 0,      1,      0x0101, 0x0c01, 0x8000, 0x8100,
					   0x810f, 0x8110, 0x81ff, 0x8201, 0xffff, ~0ull };
	const cap_t a = CAP_BANK(0);
	if (!sub_bank(CAP_PRIME, CAIRN_BANK_TRANSPARENT, a, CAP_BANK(1)))
		return;
	for (unsigned i = 0; i < sizeof orders / sizeof orders[0]; i++) {
		char what[40];
		snprintf(what, sizeof what, "order %#" PRIx64, orders[i]);
		rc_is(what, raw_order(CAP_PRIME, orders[i], 1, 0, 0, NULL), CAIRN_BAD_ORDER);
		rc_is(what, raw_order(a, orders[i], 1, 1, objs[0], NULL), CAIRN_BAD_ORDER);
		rc_is(what, raw_order(CAP_BANK(1), orders[i], 0, 0, 0, NULL), CAIRN_BAD_ORDER);
	}
	usage_is("the bank answers after", a, 0, 0);
	drop_banks(a, 0, 0);
}

void case_wrong_keys(void)
{
	const cap_t a = CAP_BANK(0);
	static const struct {
		const char *what;
		cap_t key;
	} wrong[] = {
		{ "the console key", CAIRN_CAP_CONSOLE },
		{ "the sleep key", CAIRN_CAP_SLEEP },
		{ "the discrim key", CAP_DISCRIM },
		{ "the impostor's start key", CAP_IMPOSTOR },
		{ "a bank key", CAP_BANK(0) },
	};
	if (!sub_bank(CAP_PRIME, CAIRN_BANK_TRANSPARENT, a, CAP_BANK(1)))
		return;
	for (unsigned i = 0; i < sizeof wrong / sizeof wrong[0]; i++) {
		char what[48];
		snprintf(what, sizeof what, "SELL %s", wrong[i].what);
		rc_is(what, cairn_bank_sell(a, 1, &wrong[i].key), CAIRN_BAD_KEY);
		genuine_is(wrong[i].what, CAP_PRIME, wrong[i].key, i == 4, 0, 0, 0);
	}
	/* A domain key designates a node: not the bank's, or not a page or node. */
	rc_in("SELL a domain key", cairn_bank_sell(a, 1, (const cap_t[]){ CAP_SELF }),
	      CAIRN_NOT_OWNER, CAIRN_BAD_KEY);
	rc_is("LIST through a bank key", raw_order(a, CAIRN_SO_BANK_LIST, 0, 0, 0, NULL),
	      CAIRN_RESTRICTED);
	rc_is("READ_KEY through a bank key",
	      raw_order(a, CAIRN_SO_BANK_READ_KEY, CAIRN_BANK_OBJECT(0, 0), 0, 0, NULL),
	      CAIRN_RESTRICTED);
	rc_is("AUDIT through a sub-bank's key", raw_order(a, CAIRN_SO_BANK_AUDIT, 0, 0, 0, NULL),
	      CAIRN_RESTRICTED);
	refused("STEP from a client", raw_order(CAP_PRIME, CAIRN_SO_BANK_STEP, 0, 0, 0, NULL));
	refused("BUY through an inspect key",
		cairn_bank_buy1(CAP_BANK(1), CAIRN_BANK_PAGE, objs[0]));
	type_is("a bank key after SELL of it", a, CAIRN_KEY_START);
	drop_banks(a, 0, 0);
}

void case_prime_stays(void)
{
	rc_is("DESTROY the prime bank", cairn_bank_destroy(CAP_PRIME), CAIRN_BANK_PRIME);
	rc_is("REMOVE the prime bank", cairn_bank_remove(CAP_PRIME), CAIRN_BANK_PRIME);
	if (rc_is("the prime bank buys", cairn_bank_buy(CAP_PRIME, 2, 0x1, objs), CAIRN_OK))
		rc_is("and sells", cairn_bank_sell(CAP_PRIME, 2, objs), CAIRN_OK);
}

/* --- several clients at once, one hostile --------------------------- */

#define DRIVER_ROUNDS 200
#define HONEST_ROUNDS 200   /* apps/bankload.c: the honest client's rounds */
#define CROWD_MS      60000 /* the bound on the whole case */
#define HOSTILE_LIMIT 48    /* objects of each pool the hostile may hold */
/* It may spend its bank but not undo it, nor lift its limits. */
#define HOSTILE_MAY_NOT \
	(CAIRN_BANK_MAY_NOT_SET_LIMIT | CAIRN_BANK_MAY_NOT_DESTROY | CAIRN_BANK_MAY_NOT_REMOVE)

static uint64_t status(cap_t node, unsigned slot)
{
	uint64_t v = 0;
	cairn_node_read_number(node, slot, &v, NULL);
	return v;
}

/* Start a client: its bank key, status node and discrim key. */
static bool client_up(cap_t dom, cap_t bank, cap_t status_node)
{
	return ok("give the bank key", give_key(dom, CLIENT_CAP_BANK, bank)) &&
	       ok("give the status node", give_key(dom, CLIENT_CAP_STATUS, status_node)) &&
	       ok("give discrim", give_key(dom, CLIENT_CAP_DISCRIM, CAP_DISCRIM)) &&
	       ok("DOMAIN START", cairn_domain_start(dom, ~0ull));
}

/* The driver's own honest rounds while the others run: buy three, mark,
 * read back, sell, the bank's usage back to zero. */
static void driver_rounds(cap_t d)
{
	for (unsigned r = 0; r < DRIVER_ROUNDS && !failed_yet(); r++) {
		uint64_t kinds = r % 8, v;
		if (!rc_is("the driver's BUY", cairn_bank_buy(d, 3, kinds, objs + 2), CAIRN_OK))
			return;
		for (unsigned i = 0; i < 3; i++) {
			unsigned pool = kinds >> i & 1;
			if (!ok("mark", mark(objs[2 + i], pool, r + 1)) ||
			    !ok("read", mark_of(objs[2 + i], pool, &v)))
				return;
			if (v != r + 1)
				failf("round %u: object %u reads %#" PRIx64, r, i, v);
		}
		rc_is("the driver's SELL", cairn_bank_sell(d, 3, objs + 2), CAIRN_OK);
	}
	usage_is("the driver's bank after its rounds", d, 0, 0);
}

static bool client_done(cap_t node, uint64_t rounds)
{
	return status(node, STATUS_DONE) == 1 && status(node, STATUS_ROUNDS) >= rounds;
}

static void client_verdict(const char *who, cap_t node)
{
	uint64_t bad = status(node, STATUS_FAILURES), first = status(node, STATUS_FIRST);
	if (bad)
		failf("%s: %" PRIu64 " unexpected replies, the first to attack %" PRIu64 ": %s",
		      who, bad, first >> 32, cairn_result_name(first & 0xffffffffu));
}

void case_crowd(void)
{
	const cap_t h = CAP_BANK(0), g = CAP_BANK(2), d = CAP_BANK(4);
	if (!ok("status nodes", cairn_bank_buy(CAP_PRIME, 2, 0, objs)) ||
	    !sub_bank(CAP_PRIME, CAIRN_BANK_TRANSPARENT, h, CAP_BANK(1)) ||
	    !sub_bank(CAP_PRIME, CAIRN_BANK_TRANSPARENT, g, CAP_BANK(3)) ||
	    !sub_bank(CAP_PRIME, CAIRN_BANK_TRANSPARENT, d, CAP_BANK(5)) ||
	    !ok("hostile node limit", cairn_bank_set_limit(h, CAIRN_BANK_NODE, HOSTILE_LIMIT)) ||
	    !ok("hostile page limit", cairn_bank_set_limit(h, CAIRN_BANK_PAGE, HOSTILE_LIMIT)) ||
	    !ok("REDUCE the hostile's key", cairn_bank_reduce(h, HOSTILE_MAY_NOT, CAP_TMP(0))) ||
	    !client_up(CAP_HOSTILE_DOM, CAP_TMP(0), objs[0]) ||
	    !client_up(CAP_HONEST_DOM, g, objs[1]))
		goto out;
	uint64_t end = now_ms() + CROWD_MS;
	driver_rounds(d);
	while (now_ms() < end && !(client_done(objs[0], 1) && client_done(objs[1], HONEST_ROUNDS)))
		nap(20);
	if (!client_done(objs[1], HONEST_ROUNDS))
		failf("the honest client did %" PRIu64 " of %u rounds in %u ms",
		      status(objs[1], STATUS_ROUNDS), HONEST_ROUNDS, CROWD_MS);
	if (!client_done(objs[0], 1))
		failf("the hostile client did not finish (%" PRIu64 " rounds) in %u ms",
		      status(objs[0], STATUS_ROUNDS), CROWD_MS);
	client_verdict("the honest client", objs[1]);
	client_verdict("the hostile client", objs[0]);
	usage_is("the honest client's bank", g, 0, 0);
	struct cairn_bank_usage u;
	if (ok("QUERY the hostile's bank", cairn_bank_query(h, CAIRN_BANK_PAGE, &u)) &&
	    u.usage > HOSTILE_LIMIT)
		failf("the hostile holds %" PRIu64 " pages, over its limit of %u", u.usage,
		      HOSTILE_LIMIT);
out:
	drop_banks(h, g, d);
	cairn_bank_sell(CAP_PRIME, 2, objs);
}
