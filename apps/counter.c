/* SPDX-License-Identifier: MIT */
/*
 * counter: the persistence demo. Every second the domain adds one to its
 * count and prints it:
 *
 *   counter: 1
 *   counter: 2
 *   ...
 *
 * With an arg (apps/console.image) it counts every arg milliseconds and
 * adds the time since boot, which differs from run to run: "counter: 7
 * t=153210" (microseconds). So a line printed again after a resume shows
 * whether it is the line the reader saw or a new one written under the
 * same count (test/qemu/test_console.py).
 *
 * The count lives in a page the domain buys from its bank at its first
 * start (register 6, the sub-bank apps/default.image gives it;
 * docs/bank.md "The default image's banks"), read and written through the
 * page key. Without a bank (other images), or if the bank refuses, it
 * lives in a static variable in the domain's own data page instead. Either
 * way it is checkpointed: after a restart the domain carries on from the
 * value of the checkpoint (the test kills QEMU, boots the volume again
 * and expects the numbers to continue, not to start again at 1; a few
 * numbers printed after the last checkpoint may be printed again).
 *
 * Capability registers: 1 console, 2 sleep, 6 a bank key (may be void),
 * 7 the page bought from it.
 */
#include <inttypes.h>
#include <stdio.h>

#include "bank.h"
#include "cairn.h"

#define CAP_BANK 6
#define CAP_PAGE 7

static uint64_t counter;
static bool in_page; /* the count is at offset 0 of the page in CAP_PAGE */

static uint64_t load(void)
{
	uint64_t v = counter;
	if (in_page) {
		struct cairn_io io = { .w = { 0, sizeof(v) }, .buf = &v, .max = sizeof(v) };
		cairn_inv_PAGE_READ(CAP_PAGE, &io);
	}
	return v;
}

static void store(uint64_t v)
{
	counter = v;
	if (in_page) {
		struct cairn_io io = { .w = { 0 }, .str = &v, .len = sizeof(v) };
		cairn_inv_PAGE_WRITE(CAP_PAGE, &io);
	}
}

int main(uint64_t arg)
{
	uint64_t period_ms = arg ? arg : 1000;
	in_page = cairn_bank_buy1(CAP_BANK, CAIRN_BANK_PAGE, CAP_PAGE) == CAIRN_OK;
	for (;;) {
		uint64_t n = load() + 1;
		store(n);
		uint64_t us = 0, hz;
		if (arg && cairn_sleep_now(CAIRN_CAP_SLEEP, &us, &hz) == CAIRN_OK)
			printf("%" PRIu64 " t=%" PRIu64 "\n", n, us);
		else
			printf("%" PRIu64 "\n", n);
		cairn_sleep_for(CAIRN_CAP_SLEEP, period_ms);
	}
}
