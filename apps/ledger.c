/* SPDX-License-Identifier: MIT */
/*
 * ledger: money moving between domains, the workload of the checkpoint
 * tests. One program, several domains: arg=0 is the mover, any other arg
 * an account.
 *
 * An account holds its balance in a static variable, so in its own data
 * page, starting at LEDGER_INITIAL. It waits for calls on its start key
 * and answers each:
 *
 *   LEDGER_BALANCE               -> OK, w0 = the balance
 *   LEDGER_DEPOSIT   w0 = amount -> OK, w0 = the new balance
 *   LEDGER_WITHDRAW  w0 = amount -> OK, w0 = the new balance; or
 *                                   LEDGER_REFUSED, w0 = the balance
 *                                   (unchanged), if it is below amount
 *   any other order              -> BAD_ORDER
 *
 * It prints nothing. Capability registers: 1 console, 2 sleep; it keeps
 * the resume key of the call it is answering in register 31.
 *
 * The mover (capability registers 3, 4, 5: start keys to the
 * LEDGER_ACCOUNTS accounts) moves pseudo-random amounts (xorshift64, its
 * state in the mover's memory) from a random account to another one:
 * WITHDRAW from the first, and only if that is OK, DEPOSIT the same amount
 * into the second. A transfer so conserves the sum of the balances, and a
 * refused withdrawal moves nothing (it is not counted). After every
 * LEDGER_BATCH transfers it sleeps LEDGER_PAUSE_MS, so the rest of the
 * system keeps running; once a second (by the sleep key's clock) it asks
 * every account for its balance and prints the sum and the number of
 * transfers made so far:
 *
 *   ledger: total=3000000 transfers=<n>
 *
 * The mover makes one call at a time and adds up the balances only
 * between transfers, when no money is in flight, so the total is the same
 * in every line: LEDGER_ACCOUNTS * LEDGER_INITIAL. Every bit of state
 * (balances, PRNG, counts, the money of a transfer under way: a local in
 * the mover's registers or stack) is in the domains' own memory, so after
 * a restart from a checkpoint, which holds all the domains at one
 * instant, the total is still the same and the count goes on from the
 * checkpoint's. A line printed after the last checkpoint may be printed
 * again, with another count.
 *
 * A reply that breaks the rules (a withdrawal neither OK nor refused, a
 * deposit or a balance query that is not OK) prints one line and stops
 * the mover (cairn_exit):
 *
 *   ledger: UNEXPECTED <what> <RESULT_NAME or the code>
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>

#include "cairn.h"

/* Order codes of the calls to an account: the domain's own, small numbers
 * as pingpong's order 1 (kernel keys use type << 8 | n, keepers get
 * 0xf0xx fault codes, neither of which ever reaches an account). */
#define LEDGER_BALANCE  1
#define LEDGER_DEPOSIT  2
#define LEDGER_WITHDRAW 3

/* An account's own result code for a refused withdrawal: above every
 * kernel result (CAIRN_RESULTS), so a caller cannot mistake one for it. */
#define LEDGER_REFUSED 0x100

#define LEDGER_ACCOUNTS   3
#define LEDGER_INITIAL    1000000 /* each account's balance at first boot */
#define LEDGER_MAX_AMOUNT 100000  /* a transfer moves 1..this */
#define LEDGER_BATCH      100     /* transfers between pauses */
#define LEDGER_PAUSE_MS   10
/* Mover arg bit: no pauses, the processor is the limit (apps/ledgerload.image,
 * for the checkpoint overhead benchmark). */
#define LEDGER_FLAT_OUT  0x100u
#define LEDGER_PERIOD_US 1000000 /* between two ledger lines */

#define CAP_ACCOUNT0 3  /* mover: start keys to the accounts, 3, 4, 5 */
#define CAP_RESUME   31 /* account: resume key of the current call */

/* account: its money. */
static uint64_t balance = LEDGER_INITIAL;

/* mover: the PRNG state (never 0), the transfers made, and when the next
 * line is due on the sleep key's clock (microseconds since this boot). */
static uint64_t prng = 0x2545f4914f6cdd1dull;
static uint64_t transfers;
static uint64_t next_line_us;

static __attribute__((noreturn)) void account(void)
{
	const struct cairn_rcv rcv = { .resume = CAP_RESUME };
	struct cairn_reply in;

	cairn_wait(&rcv, &in);
	for (;;) {
		struct cairn_msg out = { .order = CAIRN_OK };
		switch (in.code) {
		case LEDGER_BALANCE:
			break;
		case LEDGER_DEPOSIT:
			balance += in.w[0];
			break;
		case LEDGER_WITHDRAW:
			if (in.w[0] <= balance)
				balance -= in.w[0];
			else
				out.order = LEDGER_REFUSED;
			break;
		default:
			out.order = CAIRN_BAD_ORDER;
			break;
		}
		out.w[0] = balance;
		cairn_return(CAP_RESUME, &out, &rcv, &in);
	}
}

/* xorshift64 (Marsaglia, "Xorshift RNGs", 2003: shifts 13, 7, 17). */
static uint64_t ledger_random(void)
{
	prng ^= prng << 13;
	prng ^= prng >> 7;
	prng ^= prng << 17;
	return prng;
}

static __attribute__((noreturn)) void unexpected(const char *what, uint64_t code)
{
	const char *name = cairn_result_name(code);
	if (name[0] == '?')
		printf("UNEXPECTED %s 0x%" PRIx64 "\n", what, code);
	else
		printf("UNEXPECTED %s %s\n", what, name);
	cairn_exit();
}

/* Call account i with order and amount; returns the result code, the
 * balance it reports in *after. */
static uint64_t ledger_call(unsigned i, uint64_t order, uint64_t amount, uint64_t *after)
{
	const struct cairn_msg m = { .order = order, .w = { amount } };
	struct cairn_reply rep;
	uint64_t rc = cairn_call(CAP_ACCOUNT0 + i, &m, NULL, &rep);
	*after = rep.w[0];
	return rc;
}

/* One transfer attempt between two different random accounts. */
static void ledger_transfer(void)
{
	uint64_t r = ledger_random();
	unsigned from = r % LEDGER_ACCOUNTS;
	unsigned to = (from + 1 + (r >> 8) % (LEDGER_ACCOUNTS - 1)) % LEDGER_ACCOUNTS;
	uint64_t amount = 1 + (r >> 16) % LEDGER_MAX_AMOUNT;
	uint64_t after;

	uint64_t rc = ledger_call(from, LEDGER_WITHDRAW, amount, &after);
	if (rc == LEDGER_REFUSED)
		return;
	if (rc != CAIRN_OK)
		unexpected("withdraw", rc);
	rc = ledger_call(to, LEDGER_DEPOSIT, amount, &after);
	if (rc != CAIRN_OK)
		unexpected("deposit", rc);
	transfers++;
}

static void ledger_print(void)
{
	uint64_t total = 0;
	for (unsigned i = 0; i < LEDGER_ACCOUNTS; i++) {
		uint64_t b;
		uint64_t rc = ledger_call(i, LEDGER_BALANCE, 0, &b);
		if (rc != CAIRN_OK)
			unexpected("balance", rc);
		total += b;
	}
	printf("total=%" PRIu64 " transfers=%" PRIu64 "\n", total, transfers);
}

/* True when a line is due. The clock starts again at 0 on every boot, so
 * after a restart the deadline kept in memory may lie far ahead: one more
 * than a period ahead means the clock went back, and the line is due now. */
static bool ledger_line_due(void)
{
	uint64_t now;
	if (cairn_sleep_now(CAIRN_CAP_SLEEP, &now, NULL) != CAIRN_OK)
		return false;
	if (now < next_line_us && next_line_us - now <= LEDGER_PERIOD_US)
		return false;
	next_line_us += LEDGER_PERIOD_US;
	if (next_line_us <= now || next_line_us - now > LEDGER_PERIOD_US)
		next_line_us = now + LEDGER_PERIOD_US;
	return true;
}

static __attribute__((noreturn)) void mover(bool pause)
{
	/* The first line comes a period after the start. */
	uint64_t now = 0;
	cairn_sleep_now(CAIRN_CAP_SLEEP, &now, NULL);
	next_line_us = now + LEDGER_PERIOD_US;
	for (;;) {
		for (unsigned i = 0; i < LEDGER_BATCH; i++)
			ledger_transfer();
		if (pause)
			cairn_sleep_for(CAIRN_CAP_SLEEP, LEDGER_PAUSE_MS);
		if (ledger_line_due())
			ledger_print();
	}
}

int main(uint64_t arg)
{
	if (arg & 0xff)
		account();
	mover(!(arg & LEDGER_FLAT_OUT));
}
