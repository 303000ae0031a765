/* SPDX-License-Identifier: MIT */
/*
 * banktest: the space bank's test driver (issue 10, "Tests"). It is a
 * client of the bank domain like any other, holding the prime bank's key
 * (apps/banktest.image: register 3, a start key to the bank with badge 1),
 * and checks, through the protocol alone (CAIRN_SERVICE_ORDERS' BANK rows,
 * lib/bank.h), that the bank does what docs/bank.md says. It prints
 *
 *   banktest: start
 *   banktest: <case>: ok
 *   banktest: <case>: FAIL <what>
 *   ...
 *   banktest: done
 *
 * one line per case in the order of cases[] below; test/qemu/test_bank.py
 * awaits each with a timeout and docs/testing.md lists them. Every call
 * the driver makes is answered at once by the kernel or the bank (which
 * never waits on a client), and every wait for something in the
 * background (a destroy being reclaimed, the other clients' rounds) is a
 * poll with a bound that reports FAIL when it runs out, so a hung case is
 * a FAIL line and the cases after it still run.
 *
 * Capability registers: apps/banktest.h.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "banktest.h"

/* --- reporting ------------------------------------------------------ */

bool failed_yet(void)
{
	return check_failed();
}

bool rc_in(const char *what, uint64_t got, uint64_t a, uint64_t b)
{
	if (got == a || got == b)
		return true;
	failf("%s: %s, want %s or %s", what, cairn_result_name(got), cairn_result_name(a),
	      cairn_result_name(b));
	return false;
}

bool refused(const char *what, uint64_t got)
{
	if (got != CAIRN_OK)
		return true;
	failf("%s: OK, want a refusal", what);
	return false;
}

/* --- helpers -------------------------------------------------------- */

uint64_t key_type(cap_t key, uint64_t *rights)
{
	uint64_t type = ~0ull;
	if (cairn_discrim_classify(CAP_DISCRIM, key, &type, rights) != CAIRN_OK)
		return ~0ull;
	return type;
}

bool type_is(const char *what, cap_t key, uint64_t want)
{
	uint64_t got = key_type(key, NULL);
	if (got == want)
		return true;
	failf("%s: a %s key, want %s", what, cairn_key_type_name(got), cairn_key_type_name(want));
	return false;
}

bool all_void(const char *what, const cap_t *keys, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		uint64_t got = key_type(keys[i], NULL);
		if (got != CAIRN_KEY_VOID) {
			failf("%s: key %u is a live %s key", what, i, cairn_key_type_name(got));
			return false;
		}
	}
	return true;
}

uint64_t usage(cap_t bank, unsigned pool)
{
	struct cairn_bank_usage u;
	uint64_t rc = cairn_bank_query(bank, pool, &u);
	if (rc != CAIRN_OK) {
		failf("QUERY %s: %s", pool ? "pages" : "nodes", cairn_result_name(rc));
		return ~0ull;
	}
	return u.usage;
}

bool usage_is(const char *what, cap_t bank, uint64_t nodes, uint64_t pages)
{
	uint64_t n = usage(bank, CAIRN_BANK_NODE), p = usage(bank, CAIRN_BANK_PAGE);
	if (n == nodes && p == pages)
		return true;
	failf("%s: usage nodes=%" PRIu64 " pages=%" PRIu64 ", want %" PRIu64 " and %" PRIu64, what,
	      n, p, nodes, pages);
	return false;
}

bool sub_bank(cap_t parent, unsigned kind, cap_t sub, cap_t ctl)
{
	return ok(kind == CAIRN_BANK_OPAQUE ? "CREATE opaque" : "CREATE",
		  cairn_bank_create(parent, kind, sub, ctl));
}

void nap(uint64_t ms)
{
	cairn_sleep_for(CAIRN_CAP_SLEEP, ms);
}

uint64_t now_ms(void)
{
	uint64_t us = 0;
	cairn_sleep_now(CAIRN_CAP_SLEEP, &us, NULL);
	return us / 1000;
}

bool reclaimed(unsigned ms)
{
	struct cairn_bank_usage n, p;
	uint64_t end = now_ms() + ms;
	do {
		if (!ok("QUERY prime nodes", cairn_bank_query(CAP_PRIME, CAIRN_BANK_NODE, &n)) ||
		    !ok("QUERY prime pages", cairn_bank_query(CAP_PRIME, CAIRN_BANK_PAGE, &p)))
			return false;
		if (n.reclaiming == 0 && p.reclaiming == 0)
			return true;
		nap(5);
	} while (now_ms() < end);
	failf("still reclaiming %" PRIu64 " nodes and %" PRIu64 " pages after %u ms", n.reclaiming,
	      p.reclaiming, ms);
	return false;
}

uint64_t mark(cap_t obj, unsigned pool, uint64_t v)
{
	if (pool == CAIRN_BANK_NODE) {
		struct cairn_io io = { .w = { 0, v, 0 } };
		return cairn_inv_NODE_WRITE_NUMBER(obj, &io);
	}
	struct cairn_io io = { .w = { 0 }, .str = &v, .len = sizeof v };
	return cairn_inv_PAGE_WRITE(obj, &io);
}

uint64_t mark_of(cap_t obj, unsigned pool, uint64_t *v)
{
	*v = ~0ull;
	if (pool == CAIRN_BANK_NODE) {
		uint64_t rc = cairn_node_read_number(obj, 0, v, NULL);
		if (rc == CAIRN_BAD_KEY) { /* a void slot: the node was never marked */
			*v = 0;
			return CAIRN_OK;
		}
		return rc;
	}
	struct cairn_io io = { .w = { 0, sizeof *v }, .buf = v, .max = sizeof *v };
	return cairn_inv_PAGE_READ(obj, &io);
}

#define LIST_CALLS_MAX 1000 /* a listing that long never ends: the cursor loops */

bool list_objects(cap_t ctl, uint64_t *out, unsigned cap, unsigned *count)
{
	uint64_t cursor = 0;
	*count = 0;
	for (unsigned calls = 0; calls < LIST_CALLS_MAX; calls++) {
		struct cairn_reply rep;
		uint64_t rc = raw_order(ctl, CAIRN_SO_BANK_LIST, cursor, 0, 0, &rep);
		if (!rc_is("LIST", rc, CAIRN_OK))
			return false;
		if (rep.w[1] > 2) {
			failf("LIST: a count of %" PRIu64 " in one reply (at most 2)", rep.w[1]);
			return false;
		}
		for (unsigned i = 0; i < rep.w[1]; i++) {
			if (*count == cap) {
				failf("LIST: more than %u objects", cap);
				return false;
			}
			out[(*count)++] = rep.w[2 + i];
		}
		cursor = rep.w[0];
		if (cursor == 0)
			return true;
	}
	failf("LIST: no end after %u calls", LIST_CALLS_MAX);
	return false;
}

uint64_t copy_key(cap_t from, cap_t into)
{
	struct cairn_io io = { .w = { from }, .rkeys = { into } };
	return cairn_inv_DOMAIN_GET_CAP(CAP_SELF, &io);
}

uint64_t give_key(cap_t dom, unsigned reg, cap_t key)
{
	struct cairn_io io = { .w = { reg }, .keys = { key } };
	return cairn_inv_DOMAIN_SWAP_CAP(dom, &io);
}

bool genuine_is(const char *what, cap_t trusted, cap_t key, bool genuine, uint64_t kind,
		uint64_t may_not, uint64_t key_kind)
{
	struct cairn_bank_verdict v;
	uint64_t rc = cairn_bank_verify(trusted, key, &v);
	if (!genuine) {
		/* Refused outright, or answered "not genuine" (w0 = 0). */
		if (rc == CAIRN_NOT_BANK || (rc == CAIRN_OK && !v.genuine))
			return true;
		failf("VERIFY %s: %s, w0 = %d: want NOT_BANK or w0 = 0", what,
		      cairn_result_name(rc), v.genuine);
		return false;
	}
	if (!rc_is(what, rc, CAIRN_OK))
		return false;
	if (!v.genuine || v.kind != kind || v.may_not != may_not || v.key_kind != key_kind) {
		failf("VERIFY %s: genuine %d kind %" PRIu64 " may_not %#" PRIx64
		      " key kind %" PRIu64 ", want 1, %" PRIu64 ", %#" PRIx64 ", %" PRIu64,
		      what, v.genuine, v.kind, v.may_not, v.key_kind, kind, may_not, key_kind);
		return false;
	}
	return true;
}

void drop_banks(cap_t a, cap_t b, cap_t c)
{
	const cap_t banks[] = { a, b, c };
	for (unsigned i = 0; i < 3; i++)
		if (banks[i])
			cairn_bank_destroy(banks[i]);
}

uint64_t raw_order(cap_t bank, uint64_t order, uint64_t w0, uint64_t w1, cap_t k0,
		   struct cairn_reply *rep)
{
	struct cairn_msg m = { .order = order, .w = { w0, w1 }, .keys = { k0 } };
	const struct cairn_rcv r = { .keys = { CAP_TMP(4), CAP_TMP(5) } };
	return cairn_call(bank, &m, &r, rep);
}

/* --- the cases -------------------------------------------------------- */

static const struct {
	const char *name;
	void (*run)(void);
} cases[] = {
	{ "buy and sell one to three objects", case_buy_sell },
	{ "sold objects come back cleared", case_sold_cleared },
	{ "a limit refuses with BANK_LIMIT", case_limit_own },
	{ "an ancestor's limit refuses with BANK_LIMIT", case_limit_ancestor },
	{ "destroy cascades to sub-banks and objects", case_destroy_cascades },
	{ "remove hands objects and sub-banks to the parent", case_remove },
	{ "each restriction refuses what it forbids", case_restrictions },
	{ "REDUCE never widens", case_reduce_narrows },
	{ "verify accepts bank keys with kind and restrictions", case_verify_real },
	{ "verify refuses an impostor", case_verify_impostor },
	{ "transparent: inspect lists and reads the objects", case_inspect_lists },
	{ "transparent: inspect rescinds an object", case_inspect_rescinds },
	{ "opaque: the creator may only destroy", case_opaque },
	{ "selling a key not from this bank", case_sell_foreign },
	{ "selling twice", case_sell_twice },
	{ "selling a void key", case_sell_void },
	{ "a hinted sell", case_sell_hinted },
	{ "a hint naming another object", case_hint_wrong },
	{ "a hint naming no object, a void key", case_hint_bad },
	{ "selling twice with a hint", case_hint_twice },
	{ "buying into a destroyed bank", case_buy_dead },
	{ "nonsense counts, pools and kinds", case_nonsense_args },
	{ "limits at the extremes", case_limit_extremes },
	{ "unknown order codes", case_bad_orders },
	{ "keys of the wrong type", case_wrong_keys },
	{ "the prime bank stays", case_prime_stays },
	{ "several clients at once, one hostile", case_crowd },
};

/* After every case: nothing left to reclaim and the books consistent. */
static void audit_after(const char *name)
{
	struct cairn_reply rep;
	if (!reclaimed(10000))
		return;
	uint64_t rc = raw_order(CAP_PRIME, CAIRN_SO_BANK_AUDIT, 0, 0, 0, &rep);
	if (rc != CAIRN_OK || rep.w[0] != 0)
		failf("AUDIT after '%s': %s, w0 = %#" PRIx64, name, cairn_result_name(rc),
		      rep.w[0]);
}

int main(uint64_t arg)
{
	(void)arg;
	printf("start\n");
	for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		cases[i].run();
		audit_after(cases[i].name);
		check_report(cases[i].name);
	}
	printf("done\n");
	for (;;)
		nap(60000);
}
