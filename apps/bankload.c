/* SPDX-License-Identifier: MIT */
/*
 * bankload: a client that keeps the space bank busy, in one of two modes
 * (the image's arg: mode | seed << 8).
 *
 * Mode 1, honest (apps/banktest.image; banktest's case "several clients
 * at once, one hostile"): the driver gives it a bank key, a status node
 * and discrim (apps/banktest.h CLIENT_CAP_*) and starts it. It does
 * HONEST_ROUNDS rounds of buy three, mark each, read each back, sell
 * three, and reports like bankhostile does (STATUS_*); it never prints.
 *
 * Mode 2, workload (apps/bankload.image; test/qemu/test_bank_kill.py):
 * with the prime bank's key it keeps SLOTS sub-banks, each with up to
 * SLOT_OBJS objects, and does forever, in steps chosen by a seeded
 * xorshift: create a sub-bank (transparent or opaque), buy one to three
 * objects, sell one to three, read an object's mark, destroy a sub-bank,
 * or make a child, buy into it and remove it (its objects pass to the
 * slot's bank, which then sells them). It keeps the books it expects (how
 * many nodes and pages each slot's bank holds, the mark of every object)
 * in its own memory, which the checkpointer saves at the same instant as
 * the bank's, so after any kill and resume both still agree. After every
 * step it checks QUERY's usage of every slot bank against its books, and
 * after every round of ROUND_STEPS steps the prime bank's AUDIT (w0 = 0),
 * printing every PRINT_EVERY rounds
 *
 *   bankload: round <n> ok audit=0 banks=<b> nodes=<n> pages=<p>
 *
 * (AUDIT's counts), or, at the first surprise, "bankload: FAIL round <n>:
 * <what>" and it stops.
 *
 * Capability registers: 1 console, 2 sleep, 3 the bank key (mode 1: given;
 * mode 2: the prime bank, start key badge 1), 4 the status node (mode 1),
 * 5 discrim; mode 2 uses 6..30 for the slots (below).
 */
#include <inttypes.h>
#include <stdio.h>

#include "banktest.h"

#define HONEST_ROUNDS 200 /* apps/banktest_bad.c waits for these */

#define SLOTS        2
#define SLOT_OBJS    6
#define SLOT_REGS    (2 + SLOT_OBJS)
#define SLOT_REG(s)  (6 + (s)*SLOT_REGS) /* bank, control key, objects */
#define CHILD        22                  /* the child of a remove step and its control key */
#define CHILD_CTL    23
#define CHILD_OBJ(i) (24 + (i)) /* 24..26 */
#define ROUND_STEPS  20
#define PRINT_EVERY  5
#define ROUND_NAP_MS 10

static uint64_t rng;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* --- mode 1: honest --------------------------------------------------- */

static void status_write(unsigned slot, uint64_t v)
{
	struct cairn_io io = { .w = { slot, v, 0 } };
	cairn_inv_NODE_WRITE_NUMBER(CLIENT_CAP_STATUS, &io);
}

static uint64_t bad, first;

static void honest_expect(uint64_t round, uint64_t got)
{
	if (got != CAIRN_OK && bad++ == 0)
		first = round << 32 | (got & 0xffffffffu);
}

static void honest(void)
{
	const cap_t keys[3] = { 6, 7, 8 };
	for (uint64_t r = 0; r < HONEST_ROUNDS; r++) {
		uint64_t kinds = r % 8, v = 0;
		honest_expect(r, cairn_bank_buy(CLIENT_CAP_BANK, 3, kinds, keys));
		for (unsigned i = 0; i < 3; i++) {
			unsigned pool = kinds >> i & 1;
			honest_expect(r, mark(keys[i], pool, r + 1));
			honest_expect(r, mark_of(keys[i], pool, &v));
			honest_expect(r, v == r + 1 ? CAIRN_OK : CAIRN_BAD_ARGUMENT);
		}
		honest_expect(r, cairn_bank_sell(CLIENT_CAP_BANK, 3, keys));
		status_write(STATUS_ROUNDS, r + 1);
		status_write(STATUS_FAILURES, bad);
		status_write(STATUS_FIRST, first);
	}
	status_write(STATUS_DONE, 1);
}

/* --- mode 2: the workload -------------------------------------------- */

struct slot {
	bool live;
	uint64_t nodes, pages;    /* what the bank holds, by these books */
	uint64_t mark[SLOT_OBJS]; /* 0: no object in that register */
	unsigned pool[SLOT_OBJS];
};

static struct slot slots[SLOTS];
static uint64_t round_no, step_no;
static bool stopped;

/* The helpers of apps/banktest.c, which this program does not link. */
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
	*v = 0;
	if (pool == CAIRN_BANK_NODE) {
		uint64_t rc = cairn_node_read_number(obj, 0, v, NULL);
		return rc == CAIRN_BAD_KEY ? CAIRN_OK : rc;
	}
	struct cairn_io io = { .w = { 0, sizeof *v }, .buf = v, .max = sizeof *v };
	return cairn_inv_PAGE_READ(obj, &io);
}

static bool fail(const char *what, uint64_t rc)
{
	printf("FAIL round %" PRIu64 " step %" PRIu64 ": %s: %s\n", round_no, step_no, what,
	       cairn_result_name(rc));
	stopped = true;
	return false;
}

static bool want_ok(const char *what, uint64_t rc)
{
	return rc == CAIRN_OK || fail(what, rc);
}

static cap_t bank_of(unsigned s)
{
	return SLOT_REG(s);
}

static cap_t obj_reg(unsigned s, unsigned i)
{
	return SLOT_REG(s) + 2 + i;
}

static void step_create(unsigned s)
{
	if (!want_ok("CREATE",
		     cairn_bank_create(CLIENT_CAP_BANK, next() & 1, bank_of(s), bank_of(s) + 1)))
		return;
	slots[s] = (struct slot){ .live = true };
}

static void step_buy(unsigned s)
{
	cap_t into[3];
	unsigned at[3], n = 0, want = 1 + next() % 3;
	for (unsigned i = 0; i < SLOT_OBJS && n < want; i++)
		if (!slots[s].mark[i])
			at[n] = i, into[n++] = obj_reg(s, i);
	if (n == 0)
		return;
	uint64_t kinds = next() & ((1u << n) - 1); /* a kind bit past n is BAD_ARGUMENT */
	if (!want_ok("BUY", cairn_bank_buy(bank_of(s), n, kinds, into)))
		return;
	for (unsigned k = 0; k < n; k++) {
		unsigned pool = kinds >> k & 1;
		uint64_t m = (round_no << 16 | step_no << 4 | at[k]) + 1;
		if (!want_ok("mark", mark(into[k], pool, m)))
			return;
		slots[s].mark[at[k]] = m;
		slots[s].pool[at[k]] = pool;
		*(pool ? &slots[s].pages : &slots[s].nodes) += 1;
	}
}

static void step_sell(unsigned s)
{
	cap_t keys[3];
	unsigned at[3], n = 0, want = 1 + next() % 3, start = next() % SLOT_OBJS;
	for (unsigned j = 0; j < SLOT_OBJS && n < want; j++) {
		unsigned i = (start + j) % SLOT_OBJS;
		if (slots[s].mark[i])
			at[n] = i, keys[n++] = obj_reg(s, i);
	}
	if (n == 0 || !want_ok("SELL", cairn_bank_sell(bank_of(s), n, keys)))
		return;
	for (unsigned k = 0; k < n; k++) {
		*(slots[s].pool[at[k]] ? &slots[s].pages : &slots[s].nodes) -= 1;
		slots[s].mark[at[k]] = 0;
	}
}

static void step_read(unsigned s)
{
	unsigned i = next() % SLOT_OBJS;
	uint64_t v;
	if (!slots[s].mark[i] || !want_ok("read", mark_of(obj_reg(s, i), slots[s].pool[i], &v)))
		return;
	if (v != slots[s].mark[i]) {
		printf("FAIL round %" PRIu64 ": object %u of slot %u reads %#" PRIx64
		       ", want %#" PRIx64 "\n",
		       round_no, i, s, v, slots[s].mark[i]);
		stopped = true;
	}
}

static void step_destroy(unsigned s)
{
	/* Through the creator's key (inspect or destroy-only) or the bank's. */
	if (want_ok("DESTROY", cairn_bank_destroy(bank_of(s) + (next() & 1))))
		slots[s].live = false;
}

/* A child of the slot's bank buys, is removed, and the slot's bank sells
 * what it bought: its usage goes up with the buy and not with the remove. */
static void step_remove(unsigned s)
{
	const cap_t got[3] = { CHILD_OBJ(0), CHILD_OBJ(1), CHILD_OBJ(2) };
	unsigned n = 1 + next() % 3;
	uint64_t kinds = next() & ((1u << n) - 1), pages = 0;
	for (unsigned k = 0; k < n; k++)
		pages += kinds >> k & 1;
	if (!want_ok("CREATE child", cairn_bank_create(bank_of(s), 0, CHILD, CHILD_CTL)) ||
	    !want_ok("child BUY", cairn_bank_buy(CHILD, n, kinds, got)))
		return;
	slots[s].pages += pages;
	slots[s].nodes += n - pages;
	if (!want_ok("REMOVE child", cairn_bank_remove(CHILD)) ||
	    !want_ok("SELL the child's objects", cairn_bank_sell(bank_of(s), n, got)))
		return;
	slots[s].pages -= pages;
	slots[s].nodes -= n - pages;
}

static void check_usage(unsigned s)
{
	struct cairn_bank_usage n, p;
	if (!slots[s].live || !want_ok("QUERY nodes", cairn_bank_query(bank_of(s), 0, &n)) ||
	    !want_ok("QUERY pages", cairn_bank_query(bank_of(s), 1, &p)))
		return;
	if (n.usage != slots[s].nodes || p.usage != slots[s].pages) {
		printf("FAIL round %" PRIu64 ": slot %u's bank has nodes=%" PRIu64 " pages=%" PRIu64
		       ", its books %" PRIu64 " and %" PRIu64 "\n",
		       round_no, s, n.usage, p.usage, slots[s].nodes, slots[s].pages);
		stopped = true;
	}
}

static void step(void)
{
	unsigned s = next() % SLOTS, what = next() % 16;
	if (!slots[s].live)
		step_create(s);
	else if (what < 6)
		step_buy(s);
	else if (what < 11)
		step_sell(s);
	else if (what < 13)
		step_read(s);
	else if (what < 14)
		step_destroy(s);
	else
		step_remove(s);
	for (unsigned i = 0; i < SLOTS && !stopped; i++)
		check_usage(i);
}

static void audit(void)
{
	struct cairn_msg m = { .order = CAIRN_SO_BANK_AUDIT };
	struct cairn_reply rep;
	uint64_t rc = cairn_call(CLIENT_CAP_BANK, &m, NULL, &rep);
	if (rc != CAIRN_OK || rep.w[0] != 0) {
		printf("FAIL round %" PRIu64 ": AUDIT %s w0=%#" PRIx64 "\n", round_no,
		       cairn_result_name(rc), rep.w[0]);
		stopped = true;
	} else if (round_no % PRINT_EVERY == 0) {
		printf("round %" PRIu64 " ok audit=0 banks=%" PRIu64 " nodes=%" PRIu64
		       " pages=%" PRIu64 "\n",
		       round_no, rep.w[1], rep.w[2], rep.w[3]);
	}
}

static void workload(void)
{
	while (!stopped) {
		for (step_no = 0; step_no < ROUND_STEPS && !stopped; step_no++)
			step();
		if (stopped)
			break;
		round_no++;
		audit();
		cairn_sleep_for(CAIRN_CAP_SLEEP, ROUND_NAP_MS);
	}
}

int main(uint64_t arg)
{
	rng = 0x2545f4914f6cdd1dull ^ (arg >> 8) * 0x9e3779b97f4a7c15ull;
	if ((arg & 0xff) == 1)
		honest();
	else
		workload();
	for (;;)
		cairn_sleep_for(CAIRN_CAP_SLEEP, 60000);
}
