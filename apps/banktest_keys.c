/* SPDX-License-Identifier: MIT */
/*
 * banktest: the keys to a bank (docs/bank.md "Keys and restrictions"):
 * each restriction bit, REDUCE, VERIFY against real keys and against the
 * impostor (apps/bankimpostor.c, a domain that answers the bank protocol
 * with plausible lies), and what a transparent bank's inspect key and an
 * opaque bank's destroy-only key let the creator do.
 */
#include <inttypes.h>
#include <stdio.h>

#include "banktest.h"

static const cap_t objs[4] = { CAP_OBJ(0), CAP_OBJ(1), CAP_OBJ(2), CAP_OBJ(3) };

/* The one order a restriction bit forbids, tried through key r on bank a
 * (which holds objs[0], a page, for SELL). */
static uint64_t forbidden_op(unsigned bit, cap_t r)
{
	switch (1u << bit) {
	case CAIRN_BANK_MAY_NOT_BUY:
		return cairn_bank_buy1(r, CAIRN_BANK_PAGE, objs[1]);
	case CAIRN_BANK_MAY_NOT_SELL:
		return cairn_bank_sell(r, 1, objs);
	case CAIRN_BANK_MAY_NOT_DESTROY:
		return cairn_bank_destroy(r);
	case CAIRN_BANK_MAY_NOT_REMOVE:
		return cairn_bank_remove(r);
	case CAIRN_BANK_MAY_NOT_QUERY: {
		struct cairn_bank_usage u;
		return cairn_bank_query(r, CAIRN_BANK_PAGE, &u);
	}
	case CAIRN_BANK_MAY_NOT_SET_LIMIT:
		return cairn_bank_set_limit(r, CAIRN_BANK_PAGE, 0);
	default:
		return cairn_bank_create(r, CAIRN_BANK_TRANSPARENT, CAP_TMP(2), CAP_TMP(3));
	}
}

static const char *const bit_names[] = { "BUY",   "SELL",      "DESTROY", "REMOVE",
					 "QUERY", "SET_LIMIT", "CREATE" };

/* The forbidden order is RESTRICTED and changed nothing; what the key
 * may still do works. */
static void one_restriction(unsigned bit)
{
	const cap_t a = CAP_BANK(0), r = CAP_TMP(0);
	struct cairn_bank_usage u;
	char what[48];
	if (!sub_bank(CAP_PRIME, CAIRN_BANK_TRANSPARENT, a, CAP_BANK(1)) ||
	    !ok("buy", cairn_bank_buy1(a, CAIRN_BANK_PAGE, objs[0])) ||
	    !ok("REDUCE", cairn_bank_reduce(a, 1u << bit, r)))
		goto out;
	snprintf(what, sizeof what, "%s through MAY_NOT_%s", bit_names[bit], bit_names[bit]);
	genuine_is("the reduced key", CAP_PRIME, r, true, CAIRN_BANK_TRANSPARENT, 1u << bit,
		   CAIRN_BANK_KEY_BANK);
	rc_is(what, forbidden_op(bit, r), CAIRN_RESTRICTED);
	/* Nothing changed: the bank lives, keeps its page and has no limit. */
	type_is("the bank's page", objs[0], CAIRN_KEY_PAGE);
	usage_is(what, a, 0, 1);
	if (ok("QUERY through the full key", cairn_bank_query(a, CAIRN_BANK_PAGE, &u)) &&
	    u.limit != ~0ull)
		failf("%s: the limit became %#" PRIx64, what, u.limit);
	/* Another order through the same key is not refused. */
	if (bit == 4)
		rc_is("BUY through MAY_NOT_QUERY", forbidden_op(0, r), CAIRN_OK);
	else
		rc_is("QUERY through the reduced key", forbidden_op(4, r), CAIRN_OK);
out:
	drop_banks(a, 0, 0);
}

void case_restrictions(void)
{
	for (unsigned bit = 0; bit < 7 && !failed_yet(); bit++)
		one_restriction(bit);
}

void case_reduce_narrows(void)
{
	const cap_t a = CAP_BANK(0), r1 = CAP_TMP(0), r2 = CAP_TMP(1), r3 = CAP_TMP(2);
	const uint64_t both = CAIRN_BANK_MAY_NOT_BUY | CAIRN_BANK_MAY_NOT_SELL;
	if (!sub_bank(CAP_PRIME, CAIRN_BANK_TRANSPARENT, a, CAP_BANK(1)) ||
	    !ok("REDUCE BUY", cairn_bank_reduce(a, CAIRN_BANK_MAY_NOT_BUY, r1)) ||
	    !ok("REDUCE SELL", cairn_bank_reduce(r1, CAIRN_BANK_MAY_NOT_SELL, r2)))
		goto out;
	genuine_is("BUY then SELL", CAP_PRIME, r2, true, 0, both, CAIRN_BANK_KEY_BANK);
	if (ok("REDUCE by nothing", cairn_bank_reduce(r2, 0, r3)))
		genuine_is("reduced by nothing", CAP_PRIME, r3, true, 0, both, CAIRN_BANK_KEY_BANK);
	rc_is("BUY through it", cairn_bank_buy1(r3, CAIRN_BANK_NODE, objs[0]), CAIRN_RESTRICTED);
	if (ok("REDUCE by BUY again", cairn_bank_reduce(r2, CAIRN_BANK_MAY_NOT_BUY, r3)))
		genuine_is("reduced by BUY again", CAP_PRIME, r3, true, 0, both,
			   CAIRN_BANK_KEY_BANK);
	rc_is("REDUCE by an unknown bit", cairn_bank_reduce(r2, 1u << 7, r3), CAIRN_BAD_ARGUMENT);
	rc_is("REDUCE by ~0", cairn_bank_reduce(r2, ~0ull, r3), CAIRN_BAD_ARGUMENT);
	/* The key reduced from is what it was. */
	genuine_is("the original key", CAP_PRIME, a, true, 0, 0, CAIRN_BANK_KEY_BANK);
	rc_is("BUY through the original", cairn_bank_buy1(a, CAIRN_BANK_NODE, objs[0]), CAIRN_OK);
out:
	drop_banks(a, 0, 0);
}

/* A key to a dead bank is genuine but not live: BANK_DEAD, NOT_BANK or
 * w0 = 0, never "genuine". */
static void dead_is(const char *what, cap_t key)
{
	struct cairn_bank_verdict v;
	uint64_t rc = cairn_bank_verify(CAP_PRIME, key, &v);
	if (rc == CAIRN_OK && v.genuine)
		failf("VERIFY %s: genuine", what);
	else if (rc != CAIRN_OK && rc != CAIRN_BANK_DEAD && rc != CAIRN_NOT_BANK)
		failf("VERIFY %s: %s", what, cairn_result_name(rc));
}

void case_verify_real(void)
{
	const cap_t t = CAP_BANK(0), o = CAP_BANK(2), r = CAP_TMP(0);
	if (!sub_bank(CAP_PRIME, CAIRN_BANK_TRANSPARENT, t, CAP_BANK(1)) ||
	    !sub_bank(t, CAIRN_BANK_OPAQUE, o, CAP_BANK(3)) ||
	    !ok("REDUCE",
		cairn_bank_reduce(o, CAIRN_BANK_MAY_NOT_CREATE | CAIRN_BANK_MAY_NOT_QUERY, r)))
		goto out;
	genuine_is("prime", CAP_PRIME, CAP_PRIME, true, CAIRN_BANK_TRANSPARENT, 0,
		   CAIRN_BANK_KEY_BANK);
	genuine_is("transparent", CAP_PRIME, t, true, CAIRN_BANK_TRANSPARENT, 0,
		   CAIRN_BANK_KEY_BANK);
	genuine_is("inspect", CAP_PRIME, CAP_BANK(1), true, CAIRN_BANK_TRANSPARENT, 0,
		   CAIRN_BANK_KEY_INSPECT);
	genuine_is("opaque", CAP_PRIME, o, true, CAIRN_BANK_OPAQUE, 0, CAIRN_BANK_KEY_BANK);
	genuine_is("destroy-only", CAP_PRIME, CAP_BANK(3), true, CAIRN_BANK_OPAQUE, 0,
		   CAIRN_BANK_KEY_DESTROY);
	genuine_is("reduced opaque", CAP_PRIME, r, true, CAIRN_BANK_OPAQUE,
		   CAIRN_BANK_MAY_NOT_CREATE | CAIRN_BANK_MAY_NOT_QUERY, CAIRN_BANK_KEY_BANK);
	/* Any genuine key can vouch: it is the same bank domain asking. */
	genuine_is("prime through a sub-bank", t, CAP_PRIME, true, CAIRN_BANK_TRANSPARENT, 0,
		   CAIRN_BANK_KEY_BANK);
	if (ok("DESTROY", cairn_bank_destroy(t))) {
		dead_is("a destroyed bank", t);
		dead_is("its sub-bank", o);
	}
out:
	drop_banks(t, 0, 0);
}

void case_verify_impostor(void)
{
	struct cairn_bank_verdict v;
	/* The impostor is plausible: asked itself, it vouches for its key. */
	uint64_t rc = cairn_bank_verify(CAP_IMPOSTOR, CAP_IMPOSTOR, &v);
	if (rc != CAIRN_OK || !v.genuine)
		failf("setup: the impostor does not vouch for itself (%s, w0 %d)",
		      cairn_result_name(rc), v.genuine);
	rc = cairn_bank_buy1(CAP_IMPOSTOR, CAIRN_BANK_NODE, objs[0]);
	if (rc != CAIRN_OK || key_type(objs[0], NULL) != CAIRN_KEY_NODE)
		failf("setup: the impostor sells no node (%s)", cairn_result_name(rc));
	genuine_is("the impostor", CAP_PRIME, CAP_IMPOSTOR, false, 0, 0, 0);
	genuine_is("the impostor's 'node'", CAP_PRIME, objs[0], false, 0, 0, 0);
	genuine_is("the console key", CAP_PRIME, CAIRN_CAP_CONSOLE, false, 0, 0, 0);
	genuine_is("a void key", CAP_PRIME, CAIRN_CAP_VOID, false, 0, 0, 0);
	rc_is("SELL the impostor's node to the bank", cairn_bank_sell(CAP_PRIME, 1, objs),
	      CAIRN_NOT_OWNER);
}

/* Find which of objs[0..n-1] (marked 0x1000 + i) the object id names,
 * through a read-only key from READ_KEY; -1 if none. */
static int which_object(cap_t ctl, uint64_t id, unsigned n)
{
	struct cairn_reply rep;
	uint64_t v, rights = 0;
	unsigned pool = id >> 32;
	if (!rc_is("READ_KEY", raw_order(ctl, CAIRN_SO_BANK_READ_KEY, id, 0, 0, &rep), CAIRN_OK))
		return -1;
	const cap_t ro = CAP_TMP(4); /* raw_order receives into TMP(4) */
	if (!type_is("READ_KEY's key", ro, pool ? CAIRN_KEY_PAGE : CAIRN_KEY_NODE))
		return -1;
	key_type(ro, &rights);
	uint64_t want = pool ? CAIRN_RIGHT_RO : CAIRN_RIGHT_RO | CAIRN_RIGHT_WEAK;
	if ((rights & want) != want)
		failf("READ_KEY: rights %#" PRIx64 ", want at least %#" PRIx64, rights, want);
	if (pool) {
		rc_is("PAGE WRITE through READ_KEY's key", mark(ro, CAIRN_BANK_PAGE, 1),
		      CAIRN_NO_RIGHTS);
	} else {
		rc_is("NODE WRITE_NUMBER through READ_KEY's key", mark(ro, CAIRN_BANK_NODE, 1),
		      CAIRN_NO_RIGHTS);
	}
	if (!ok("read through READ_KEY's key", mark_of(ro, pool, &v)))
		return -1;
	for (unsigned i = 0; i < n; i++)
		if (v == 0x1000 + i)
			return (int)i;
	failf("listed object %#" PRIx64 " reads %#" PRIx64 ": none of the bank's", id, v);
	return -1;
}

/* T holds a node and two pages, its sub-bank S a page: the inspect key
 * lists all four and reads each, read-only. */
void case_inspect_lists(void)
{
	const cap_t t = CAP_BANK(0), ctl = CAP_BANK(1), s = CAP_BANK(2), p = CAP_BANK(4);
	const unsigned kinds[4] = { CAIRN_BANK_NODE, CAIRN_BANK_PAGE, CAIRN_BANK_PAGE,
				    CAIRN_BANK_PAGE };
	uint64_t ids[8], other[2];
	unsigned n, seen = 0, n_other;
	if (!sub_bank(CAP_PRIME, CAIRN_BANK_TRANSPARENT, t, ctl) ||
	    !sub_bank(t, CAIRN_BANK_TRANSPARENT, s, CAP_BANK(3)) ||
	    !sub_bank(CAP_PRIME, CAIRN_BANK_TRANSPARENT, p, CAP_BANK(5)) ||
	    !ok("T buys", cairn_bank_buy(t, 3, 0x6, objs)) ||
	    !ok("S buys", cairn_bank_buy1(s, CAIRN_BANK_PAGE, objs[3])) ||
	    !ok("P buys", cairn_bank_buy1(p, CAIRN_BANK_PAGE, CAP_OBJ(5))))
		goto out;
	for (unsigned i = 0; i < 4; i++)
		if (!ok("mark", mark(objs[i], kinds[i], 0x1000 + i)))
			goto out;
	if (!list_objects(ctl, ids, 8, &n))
		goto out;
	if (n != 4)
		failf("LIST: %u objects, want 4 (T's 3 and S's 1)", n);
	for (unsigned i = 0; i < n && !failed_yet(); i++) {
		int w = which_object(ctl, ids[i], 4);
		if (w >= 0 && (ids[i] >> 32) != kinds[w])
			failf("LIST: object %d listed in pool %" PRIu64, w, ids[i] >> 32);
		if (w >= 0 && (seen & 1u << w))
			failf("LIST: object %d listed twice", w);
		if (w >= 0)
			seen |= 1u << w;
	}
	if (!failed_yet() && seen != 0xf)
		failf("LIST: objects seen %#x, want all four", seen);
	rc_is("LIST through T's bank key", raw_order(t, CAIRN_SO_BANK_LIST, 0, 0, 0, NULL),
	      CAIRN_RESTRICTED);
	/* An object of another bank is not T's to read. */
	if (list_objects(CAP_BANK(5), other, 2, &n_other) && n_other == 1)
		rc_is("READ_KEY of another bank's object",
		      raw_order(ctl, CAIRN_SO_BANK_READ_KEY, other[0], 0, 0, NULL),
		      CAIRN_NOT_OWNER);
out:
	drop_banks(t, p, 0);
}

void case_inspect_rescinds(void)
{
	const cap_t t = CAP_BANK(0), ctl = CAP_BANK(1);
	uint64_t ids[4], v;
	unsigned n;
	if (!sub_bank(CAP_PRIME, CAIRN_BANK_TRANSPARENT, t, ctl) ||
	    !ok("T buys 2 pages", cairn_bank_buy(t, 2, 0x3, objs)) ||
	    !ok("mark", mark(objs[0], CAIRN_BANK_PAGE, 0x1000)) ||
	    !ok("mark", mark(objs[1], CAIRN_BANK_PAGE, 0x1001)) || !list_objects(ctl, ids, 4, &n))
		goto out;
	if (n != 2) {
		failf("LIST: %u objects, want 2", n);
		goto out;
	}
	int w = which_object(ctl, ids[0], 2);
	if (w < 0)
		goto out;
	if (!rc_is("RESCIND_OBJ", raw_order(ctl, CAIRN_SO_BANK_RESCIND_OBJ, ids[0], 0, 0, NULL),
		   CAIRN_OK))
		goto out;
	all_void("the rescinded page's key", &objs[w], 1);
	if (ok("read the other page", mark_of(objs[1 - w], CAIRN_BANK_PAGE, &v)) &&
	    v != 0x1000u + (1 - w))
		failf("the other page reads %#" PRIx64, v);
	usage_is("T after RESCIND_OBJ", t, 0, 1);
	if (list_objects(ctl, ids + 2, 2, &n) && n != 1)
		failf("LIST after RESCIND_OBJ: %u objects, want 1", n);
	rc_is("RESCIND_OBJ again", raw_order(ctl, CAIRN_SO_BANK_RESCIND_OBJ, ids[0], 0, 0, NULL),
	      CAIRN_NOT_OWNER);
out:
	drop_banks(t, 0, 0);
}

void case_opaque(void)
{
	const cap_t o = CAP_BANK(0), d = CAP_BANK(1);
	struct cairn_bank_usage u;
	if (!sub_bank(CAP_PRIME, CAIRN_BANK_OPAQUE, o, d) ||
	    !ok("O buys", cairn_bank_buy1(o, CAIRN_BANK_PAGE, objs[0])))
		goto out;
	genuine_is("the opaque bank", CAP_PRIME, o, true, CAIRN_BANK_OPAQUE, 0,
		   CAIRN_BANK_KEY_BANK);
	genuine_is("its creator's key", CAP_PRIME, d, true, CAIRN_BANK_OPAQUE, 0,
		   CAIRN_BANK_KEY_DESTROY);
	rc_is("LIST", raw_order(d, CAIRN_SO_BANK_LIST, 0, 0, 0, NULL), CAIRN_RESTRICTED);
	rc_is("READ_KEY", raw_order(d, CAIRN_SO_BANK_READ_KEY, CAIRN_BANK_OBJECT(1, 0), 0, 0, NULL),
	      CAIRN_RESTRICTED);
	rc_is("RESCIND_OBJ",
	      raw_order(d, CAIRN_SO_BANK_RESCIND_OBJ, CAIRN_BANK_OBJECT(1, 0), 0, 0, NULL),
	      CAIRN_RESTRICTED);
	rc_is("BUY", cairn_bank_buy1(d, CAIRN_BANK_PAGE, objs[1]), CAIRN_RESTRICTED);
	rc_is("QUERY", cairn_bank_query(d, CAIRN_BANK_PAGE, &u), CAIRN_RESTRICTED);
	rc_is("CREATE", cairn_bank_create(d, 0, CAP_TMP(0), CAP_TMP(1)), CAIRN_RESTRICTED);
	rc_is("REMOVE", cairn_bank_remove(d), CAIRN_RESTRICTED);
	type_is("O's page, still", objs[0], CAIRN_KEY_PAGE);
	if (!rc_is("DESTROY through the creator's key", cairn_bank_destroy(d), CAIRN_OK))
		goto out;
	rc_is("O buys after", cairn_bank_buy1(o, CAIRN_BANK_PAGE, objs[1]), CAIRN_BANK_DEAD);
	if (reclaimed(10000))
		all_void("O's page", objs, 1);
out:
	drop_banks(o, 0, 0);
}
