/* SPDX-License-Identifier: MIT */
/*
 * bankbasic: a small functional check of the space bank domain through
 * its protocol (lib/bank.h; test/qemu/test_bank_basic.py reads its
 * lines). Each check prints one line, `bankbasic: <check> ok` or
 * `bankbasic: <check> FAILED: <what> <RESULT>`, and the last line is
 * `bankbasic: done`:
 *
 *   buy and sell a node    the node key works, and is void once sold
 *   buy and sell a page    the same for a page
 *   three at once          a node and two pages bought and sold in one call
 *   limit                  a sub-bank limited to one page buys one, and the
 *                          second is refused BANK_LIMIT; query agrees
 *   destroy                a sub-bank with a node, a page and a sub-bank of
 *                          its own holding a page: destroyed through its
 *                          creator's inspect key, the bank key is BANK_DEAD
 *                          at once and every object key is void once the
 *                          reaper has reclaimed them
 *   verify                 a bank key and an inspect key are genuine, with
 *                          their kinds; a discrim key is NOT_BANK
 *   many                   60 sub-banks (the bank table grows past its
 *                          first page, bought from the prime) and 400 pages
 *                          in one of them (the page records past theirs),
 *                          reclaimed by a destroy
 *   unknown order          BAD_ORDER
 *   audit                  the prime's audit finds the books consistent
 *
 * Capability registers: 1 console, 2 sleep, 3 the prime bank's key
 * (`start bank badge=1`), 4 discrim; 10..21 scratch.
 */
#include <inttypes.h>
#include <stdio.h>

#include "bank.h"
#include "cairn.h"

#define CAP_PRIME   3
#define CAP_DISCRIM 4

static bool failed(const char *check, const char *what, uint64_t rc, uint64_t want)
{
	if (rc == want)
		return false;
	printf("%s FAILED: %s %s\n", check, what, cairn_result_name(rc));
	return true;
}

static bool is_void(cap_t key)
{
	uint64_t type = ~0ull;
	cairn_discrim_classify(CAP_DISCRIM, key, &type, NULL);
	return type == CAIRN_KEY_VOID;
}

static bool void_or_fail(const char *check, cap_t key)
{
	if (is_void(key))
		return false;
	printf("%s FAILED: key in register %u still valid\n", check, key);
	return true;
}

static void check_node(void)
{
	const char *c = "buy and sell a node";
	struct cairn_io io = { .w = { 5, 42, 0 } };
	if (failed(c, "buy", cairn_bank_buy1(CAP_PRIME, CAIRN_BANK_NODE, 10), CAIRN_OK) ||
	    failed(c, "write", cairn_inv_NODE_WRITE_NUMBER(10, &io), CAIRN_OK) ||
	    failed(c, "sell", cairn_bank_sell(CAP_PRIME, 1, (cap_t[]){ 10 }), CAIRN_OK) ||
	    void_or_fail(c, 10))
		return;
	printf("%s ok\n", c);
}

static void check_page(void)
{
	const char *c = "buy and sell a page";
	struct cairn_io io = { .w = { 0 }, .str = "x", .len = 1 };
	if (failed(c, "buy", cairn_bank_buy1(CAP_PRIME, CAIRN_BANK_PAGE, 11), CAIRN_OK) ||
	    failed(c, "write", cairn_inv_PAGE_WRITE(11, &io), CAIRN_OK) ||
	    failed(c, "sell", cairn_bank_sell(CAP_PRIME, 1, (cap_t[]){ 11 }), CAIRN_OK) ||
	    void_or_fail(c, 11))
		return;
	printf("%s ok\n", c);
}

static void check_three(void)
{
	const char *c = "three at once";
	const cap_t keys[3] = { 10, 11, 12 };
	uint64_t type;
	if (failed(c, "buy", cairn_bank_buy(CAP_PRIME, 3, 0x6, keys), CAIRN_OK))
		return;
	cairn_discrim_classify(CAP_DISCRIM, 10, &type, NULL);
	if (type != CAIRN_KEY_NODE) {
		printf("%s FAILED: object 0 is a %s, not a node\n", c, cairn_key_type_name(type));
		return;
	}
	cairn_discrim_classify(CAP_DISCRIM, 12, &type, NULL);
	if (type != CAIRN_KEY_PAGE) {
		printf("%s FAILED: object 2 is a %s, not a page\n", c, cairn_key_type_name(type));
		return;
	}
	if (failed(c, "sell", cairn_bank_sell(CAP_PRIME, 3, keys), CAIRN_OK) ||
	    void_or_fail(c, 10) || void_or_fail(c, 11) || void_or_fail(c, 12))
		return;
	printf("%s ok\n", c);
}

static void check_limit(void)
{
	const char *c = "limit";
	struct cairn_bank_usage u;
	if (failed(c, "create", cairn_bank_create(CAP_PRIME, CAIRN_BANK_TRANSPARENT, 13, 14),
		   CAIRN_OK) ||
	    failed(c, "set limit", cairn_bank_set_limit(13, CAIRN_BANK_PAGE, 1), CAIRN_OK) ||
	    failed(c, "first buy", cairn_bank_buy1(13, CAIRN_BANK_PAGE, 10), CAIRN_OK) ||
	    failed(c, "second buy", cairn_bank_buy1(13, CAIRN_BANK_PAGE, 11), CAIRN_BANK_LIMIT) ||
	    failed(c, "query", cairn_bank_query(13, CAIRN_BANK_PAGE, &u), CAIRN_OK))
		return;
	if (u.limit != 1 || u.usage != 1 || u.available != 0) {
		printf("%s FAILED: query says limit %" PRIu64 " usage %" PRIu64
		       " available %" PRIu64 "\n",
		       c, u.limit, u.usage, u.available);
		return;
	}
	printf("%s ok\n", c);
}

/* Wait (up to 10 s) until the bank has reclaimed every destroyed object. */
static bool reclaimed(void)
{
	struct cairn_bank_usage n, p;
	for (int i = 0; i < 200; i++) {
		if (cairn_bank_query(CAP_PRIME, CAIRN_BANK_NODE, &n) == CAIRN_OK &&
		    cairn_bank_query(CAP_PRIME, CAIRN_BANK_PAGE, &p) == CAIRN_OK &&
		    n.reclaiming == 0 && p.reclaiming == 0)
			return true;
		cairn_sleep_for(CAIRN_CAP_SLEEP, 50);
	}
	return false;
}

static void check_destroy(void)
{
	const char *c = "destroy";
	const cap_t two[2] = { 17, 18 };
	if (failed(c, "create", cairn_bank_create(CAP_PRIME, CAIRN_BANK_TRANSPARENT, 15, 16),
		   CAIRN_OK) ||
	    failed(c, "buy", cairn_bank_buy(15, 2, 0x2, two), CAIRN_OK) ||
	    failed(c, "create sub-bank", cairn_bank_create(15, CAIRN_BANK_OPAQUE, 19, 20),
		   CAIRN_OK) ||
	    failed(c, "buy in sub-bank", cairn_bank_buy1(19, CAIRN_BANK_PAGE, 21), CAIRN_OK) ||
	    failed(c, "destroy", cairn_bank_destroy(16), CAIRN_OK) ||
	    failed(c, "buy after", cairn_bank_buy1(15, CAIRN_BANK_PAGE, 10), CAIRN_BANK_DEAD) ||
	    failed(c, "sub-bank buy after", cairn_bank_buy1(19, CAIRN_BANK_PAGE, 10),
		   CAIRN_BANK_DEAD))
		return;
	if (!reclaimed()) {
		printf("%s FAILED: objects still being reclaimed after 10 s\n", c);
		return;
	}
	if (void_or_fail(c, 17) || void_or_fail(c, 18) || void_or_fail(c, 21))
		return;
	printf("%s ok\n", c);
}

static void check_verify(void)
{
	const char *c = "verify";
	struct cairn_bank_verdict v;
	if (failed(c, "bank key", cairn_bank_verify(CAP_PRIME, 13, &v), CAIRN_OK))
		return;
	if (!v.genuine || v.kind != CAIRN_BANK_TRANSPARENT || v.may_not != 0 ||
	    v.key_kind != CAIRN_BANK_KEY_BANK) {
		printf("%s FAILED: bank key: genuine %d kind %" PRIu64 " key kind %" PRIu64 "\n", c,
		       v.genuine, v.kind, v.key_kind);
		return;
	}
	if (failed(c, "inspect key", cairn_bank_verify(CAP_PRIME, 14, &v), CAIRN_OK))
		return;
	if (!v.genuine || v.key_kind != CAIRN_BANK_KEY_INSPECT) {
		printf("%s FAILED: inspect key: key kind %" PRIu64 "\n", c, v.key_kind);
		return;
	}
	if (failed(c, "discrim key", cairn_bank_verify(CAP_PRIME, CAP_DISCRIM, &v), CAIRN_NOT_BANK))
		return;
	if (v.genuine) {
		printf("%s FAILED: a discrim key is genuine\n", c);
		return;
	}
	printf("%s ok\n", c);
}

static void check_many(void)
{
	const char *c = "many";
	for (int i = 0; i < 60; i++) {
		if (failed(c, "create", cairn_bank_create(CAP_PRIME, CAIRN_BANK_OPAQUE, 10, 11),
			   CAIRN_OK))
			return;
	}
	for (int i = 0; i < 400; i++) {
		if (failed(c, "buy", cairn_bank_buy1(10, CAIRN_BANK_PAGE, 12), CAIRN_OK))
			return;
	}
	if (failed(c, "destroy", cairn_bank_destroy(11), CAIRN_OK))
		return;
	if (!reclaimed()) {
		printf("%s FAILED: objects still being reclaimed after 10 s\n", c);
		return;
	}
	if (void_or_fail(c, 12))
		return;
	printf("%s ok\n", c);
}

static void check_unknown_order(void)
{
	const struct cairn_msg m = { 0 };
	if (failed("unknown order", "order 0x81ff",
		   cairn_bank_order(CAP_PRIME, 0x81ff, &m, NULL, NULL), CAIRN_BAD_ORDER))
		return;
	printf("unknown order ok\n");
}

static void check_audit(void)
{
	const struct cairn_msg m = { 0 };
	struct cairn_reply rep;
	if (failed("audit", "audit",
		   cairn_bank_order(CAP_PRIME, CAIRN_SO_BANK_AUDIT, &m, NULL, &rep), CAIRN_OK))
		return;
	if (rep.w[0] != 0) {
		printf("audit FAILED: the books are inconsistent\n");
		return;
	}
	printf("audit ok\n");
}

int main(uint64_t arg)
{
	(void)arg;
	check_node();
	check_page();
	check_three();
	check_limit();
	check_destroy();
	check_verify();
	check_many();
	check_unknown_order();
	check_audit();
	printf("done\n");
	return 0;
}
