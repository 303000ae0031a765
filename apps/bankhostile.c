/* SPDX-License-Identifier: MIT */
/*
 * bankhostile: a hostile client of the space bank (apps/banktest.image;
 * banktest's case "several clients at once, one hostile"). The driver
 * gives it a key to a bank of its own with limits, reduced so that it may
 * not lift them nor destroy or remove the bank, and starts it; it then
 * floods the bank for HOSTILE_ROUNDS rounds, each one attack chosen by a
 * fixed pseudo-random sequence:
 *
 *   0 garbage order codes near the bank's, random words and keys: BAD_ORDER
 *   1 BUY and SELL with nonsense counts: BAD_ARGUMENT
 *   2 SELL keys of the wrong type: BAD_KEY; a node of another bank: NOT_OWNER
 *   3 SELL void keys: VOID or BAD_KEY
 *   4 a sub-bank bought full: OK up to the limit, then BANK_LIMIT; destroyed
 *   5 SENDs of garbage (no reply to wait for), then a QUERY must answer
 *   6 once: sub-banks nested until BANK_DEPTH, then the chain destroyed
 *   7 strings: a long one with a BUY (served), an unmapped one (BAD_STRING)
 *   8 VERIFY of keys that are not banks: not genuine
 *   9 what its key may not do: SET_LIMIT, DESTROY, REMOVE: RESTRICTED;
 *     REDUCE by unknown bits: BAD_ARGUMENT; LIST, AUDIT, STEP: refused
 *
 * Every reply is compared with the named error the attack must get; it
 * never prints (the driver reports), but writes its report into the status
 * node (apps/banktest.h STATUS_*) after every round: rounds, unexpected
 * replies, the first of them (attack << 32 | result), done.
 *
 * Capability registers: 1 console, 2 sleep, 3 the bank key, 4 the status
 * node, 5 discrim; 6..30 scratch.
 */
#include "banktest.h"

#define HOSTILE_ROUNDS 400
#define CAP_OWN        CLIENT_CAP_BANK
#define CAP_STATUS     CLIENT_CAP_STATUS
#define CAP_SUB        6 /* the sub-bank of attack 4 */
#define CAP_SUB_CTL    7
#define CAP_CHAIN(n)   (8 + (n)) /* 8, 9: the deepest two of attack 6 */
#define CAP_CHAIN_TOP  10
#define CAP_CTL        11
#define CAP_GOT(n)     (12 + (n)) /* 12..14: what a buy gives */

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint64_t unexpected, first_bad;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void expect(unsigned attack, uint64_t got, uint64_t want, uint64_t or_this)
{
	if (got == want || got == or_this)
		return;
	if (unexpected++ == 0)
		first_bad = (uint64_t)attack << 32 | (got & 0xffffffffu);
}

static uint64_t order(cap_t key, uint64_t code, uint64_t w0, uint64_t w1, cap_t k0,
		      struct cairn_reply *rep)
{
	struct cairn_msg m = { .order = code, .w = { w0, w1, next(), next() }, .keys = { k0 } };
	const struct cairn_rcv r = { .keys = { CAP_GOT(0), CAP_GOT(1), CAP_GOT(2) } };
	return cairn_call(key, &m, &r, rep);
}

static void garbage_order(void)
{
	uint64_t code = 0x8000 | (next() & 0xfff);
	if (code >= CAIRN_SO_BANK_BUY && code <= CAIRN_SO_BANK_STEP)
		code += 0x100;
	expect(0, order(CAP_OWN, code, next(), next(), next() & 31, NULL), CAIRN_BAD_ORDER,
	       CAIRN_BAD_ORDER);
}

static void nonsense_counts(void)
{
	static const uint64_t counts[] = { 0, 4, 5, 1ull << 31, ~0ull, 1ull << 63 };
	uint64_t n = counts[next() % 6];
	expect(1, order(CAP_OWN, CAIRN_SO_BANK_BUY, n, next(), 0, NULL), CAIRN_BAD_ARGUMENT,
	       CAIRN_BAD_ARGUMENT);
	expect(1, order(CAP_OWN, CAIRN_SO_BANK_SELL, n, 0, CAP_STATUS, NULL), CAIRN_BAD_ARGUMENT,
	       CAIRN_BAD_ARGUMENT);
}

static void wrong_keys(void)
{
	static const cap_t keys[] = { CAIRN_CAP_CONSOLE, CAIRN_CAP_SLEEP, CLIENT_CAP_DISCRIM,
				      CAP_OWN };
	cap_t k = keys[next() % 4];
	expect(2, cairn_bank_sell(CAP_OWN, 1, &k), CAIRN_BAD_KEY, CAIRN_BAD_KEY);
	/* The status node was bought from the prime bank, not from this one. */
	expect(2, cairn_bank_sell(CAP_OWN, 1, (const cap_t[]){ CAP_STATUS }), CAIRN_NOT_OWNER,
	       CAIRN_NOT_OWNER);
}

static void void_keys(void)
{
	const cap_t v[3] = { 0, 29, 30 }; /* never filled */
	expect(3, cairn_bank_sell(CAP_OWN, 1 + next() % 3, v), CAIRN_VOID, CAIRN_BAD_KEY);
}

/* More buys of three than two pools of 48 (apps/banktest_bad.c's
 * HOSTILE_LIMIT) can take: the limit must stop them first. */
#define FILL_CALLS_MAX (2 * 48 / 3 + 2)

static void buy_full(void)
{
	uint64_t rc = cairn_bank_create(CAP_OWN, next() & 1, CAP_SUB, CAP_SUB_CTL);
	expect(4, rc, CAIRN_OK, CAIRN_OK);
	if (rc != CAIRN_OK)
		return;
	const cap_t got[3] = { CAP_GOT(0), CAP_GOT(1), CAP_GOT(2) };
	unsigned calls = 0;
	do
		rc = cairn_bank_buy(CAP_SUB, 3, next() & 7, got);
	while (rc == CAIRN_OK && ++calls < FILL_CALLS_MAX);
	expect(4, rc, CAIRN_BANK_LIMIT, CAIRN_BANK_LIMIT);
	expect(4, cairn_bank_destroy(CAP_SUB), CAIRN_OK, CAIRN_OK);
}

static void garbage_sends(void)
{
	for (unsigned i = 0; i < 8; i++) {
		struct cairn_msg m = { .order = next() & 0x81ff,
				       .w = { next(), next() },
				       .keys = { next() & 31, next() & 31 } };
		cairn_send(CAP_OWN, &m);
	}
	struct cairn_bank_usage u;
	expect(5, cairn_bank_query(CAP_OWN, CAIRN_BANK_NODE, &u), CAIRN_OK, CAIRN_OK);
}

static bool chained;

static void deep_chain(void)
{
	if (chained)
		return garbage_order();
	chained = true;
	uint64_t rc = cairn_bank_create(CAP_OWN, 0, CAP_CHAIN_TOP, CAP_CTL);
	expect(6, rc, CAIRN_OK, CAIRN_OK);
	if (rc != CAIRN_OK)
		return;
	cap_t at = CAP_CHAIN_TOP;
	for (unsigned depth = 0; depth < 40; depth++) {
		cap_t into = CAP_CHAIN(depth & 1);
		rc = cairn_bank_create(at, next() & 1, into, CAP_CTL);
		if (rc != CAIRN_OK)
			break;
		at = into;
	}
	expect(6, rc, CAIRN_BANK_DEPTH, CAIRN_BANK_DEPTH);
	expect(6, cairn_bank_destroy(CAP_CHAIN_TOP), CAIRN_OK, CAIRN_OK);
}

static char long_string[4000];

static void strings(void)
{
	struct cairn_msg m = { .order = CAIRN_SO_BANK_BUY,
			       .w = { 1, 1 },
			       .str = long_string,
			       .len = sizeof long_string };
	const struct cairn_rcv r = { .keys = { CAP_GOT(0) } };
	uint64_t rc = cairn_call(CAP_OWN, &m, &r, NULL);
	expect(7, rc, CAIRN_OK, CAIRN_BANK_LIMIT);
	if (rc == CAIRN_OK)
		expect(7, cairn_bank_sell(CAP_OWN, 1, (const cap_t[]){ CAP_GOT(0) }), CAIRN_OK,
		       CAIRN_OK);
	m.str = (const void *)0x10; /* unmapped */
	m.len = 100;
	expect(7, cairn_call(CAP_OWN, &m, &r, NULL), CAIRN_BAD_STRING, CAIRN_BAD_STRING);
}

static void verify_junk(void)
{
	struct cairn_bank_verdict v;
	cap_t k = (const cap_t[]){ CAIRN_CAP_CONSOLE, CAP_STATUS, 0, CAIRN_CAP_SLEEP }[next() % 4];
	uint64_t rc = cairn_bank_verify(CAP_OWN, k, &v);
	if (rc == CAIRN_OK && !v.genuine)
		rc = CAIRN_NOT_BANK;
	expect(8, rc, CAIRN_NOT_BANK, CAIRN_NOT_BANK);
}

static void forbidden(void)
{
	expect(9, cairn_bank_set_limit(CAP_OWN, next() & 1, ~0ull), CAIRN_RESTRICTED,
	       CAIRN_RESTRICTED);
	expect(9, cairn_bank_destroy(CAP_OWN), CAIRN_RESTRICTED, CAIRN_RESTRICTED);
	expect(9, cairn_bank_remove(CAP_OWN), CAIRN_RESTRICTED, CAIRN_RESTRICTED);
	expect(9, cairn_bank_reduce(CAP_OWN, next() | 1ull << 7, CAP_GOT(0)), CAIRN_BAD_ARGUMENT,
	       CAIRN_BAD_ARGUMENT);
	static const uint64_t never[] = { CAIRN_SO_BANK_LIST, CAIRN_SO_BANK_AUDIT,
					  CAIRN_SO_BANK_STEP, CAIRN_SO_BANK_RESCIND_OBJ };
	uint64_t rc = order(CAP_OWN, never[next() % 4], next(), 0, 0, NULL);
	expect(9, rc == CAIRN_OK ? CAIRN_OK : CAIRN_RESTRICTED, CAIRN_RESTRICTED, CAIRN_RESTRICTED);
}

static void report(uint64_t rounds, uint64_t done)
{
	const uint64_t v[4] = { rounds, unexpected, first_bad, done };
	for (unsigned i = 0; i < 4; i++) {
		struct cairn_io io = { .w = { i, v[i], 0 } };
		cairn_inv_NODE_WRITE_NUMBER(CAP_STATUS, &io);
	}
}

int main(uint64_t arg)
{
	static void (*const attacks[])(void) = { garbage_order, nonsense_counts, wrong_keys,
						 void_keys,     buy_full,        garbage_sends,
						 deep_chain,    strings,         verify_junk,
						 forbidden };
	rng ^= arg;
	for (unsigned r = 0; r < HOSTILE_ROUNDS; r++) {
		attacks[next() % (sizeof attacks / sizeof attacks[0])]();
		report(r + 1, 0);
	}
	report(HOSTILE_ROUNDS, 1);
	for (;;)
		cairn_sleep_for(CAIRN_CAP_SLEEP, 60000);
}
