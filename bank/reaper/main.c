/* SPDX-License-Identifier: MIT */
/*
 * bankreaper: drives the bank's destroys when no client calls
 * (docs/bank.md "Destroy and the reaper"). It CALLs the bank with
 * BANK_STEP through a start key of badge 0, the reaper's, in a loop: each
 * call reclaims a bounded slice of the pending destroys. When there is
 * nothing to do the bank keeps the call waiting and answers it (by a SEND
 * on its resume key) only when a destroy makes work, so the reaper never
 * polls an idle bank. If the bank refuses the key (not the reaper's), the
 * reaper sleeps a second between tries rather than spin.
 *
 * It yields the bank to its clients (YIELD_MS of sleep) after every RUN_US
 * of STEPs while work remains. Without that, a big destroy starved every
 * other client of the bank (test/qemu/test_bank_big.py measured gaps of
 * seconds): a client that calls while a slice runs stalls, the kernel
 * readies it when the bank RETURNs to the reaper, but the RETURN hands the
 * CPU to the reaper, which CALLs again at once and finds the bank free, so
 * the client, when it runs, finds the bank busy again. The sleep lets the
 * stalled clients in; a quantum of STEPs between sleeps (the scheduler's,
 * kern/dom/sched.h) keeps the reaper's share that of any domain.
 *
 * Capability registers: 1 console, 2 sleep (SLEEP FOR, SLEEP NOW), 3 the
 * start key to the bank with badge 0. Prints nothing.
 */
#include "cairn.h"

#define CAP_BANK 3
#define RUN_US   10000 /* one scheduler quantum (kern/dom/sched.h) */
#define YIELD_MS 1

static uint64_t now_us(void)
{
	uint64_t us = 0;
	cairn_sleep_now(CAIRN_CAP_SLEEP, &us, NULL);
	return us;
}

int main(uint64_t arg)
{
	(void)arg;
	const struct cairn_msg step = { .order = CAIRN_SO_BANK_STEP };
	struct cairn_reply rep;
	uint64_t since = now_us();
	for (;;) {
		if (cairn_call(CAP_BANK, &step, NULL, &rep) != CAIRN_OK) {
			cairn_sleep_for(CAIRN_CAP_SLEEP, 1000);
			continue;
		}
		uint64_t t = now_us();
		if (rep.w[0] != 0 && (t < since || t - since >= RUN_US)) {
			cairn_sleep_for(CAIRN_CAP_SLEEP, YIELD_MS);
			since = now_us();
		}
	}
}
