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
 * It calls again at once after each slice: the bank's clients are not
 * starved by that, because the kernel hands an available domain to the
 * caller that has waited longest for it (kern/dom/proc.h, next_caller),
 * so a client stalled on the busy bank gets in before the reaper's next
 * STEP (test/qemu/test_bank_big.py measures the client's longest gap).
 *
 * Capability registers: 1 console, 2 sleep (SLEEP FOR), 3 the start key
 * to the bank with badge 0. Prints nothing.
 */
#include "cairn.h"

#define CAP_BANK 3

int main(uint64_t arg)
{
	(void)arg;
	const struct cairn_msg step = { .order = CAIRN_SO_BANK_STEP };
	struct cairn_reply rep;
	for (;;)
		if (cairn_call(CAP_BANK, &step, NULL, &rep) != CAIRN_OK)
			cairn_sleep_for(CAIRN_CAP_SLEEP, 1000);
}
