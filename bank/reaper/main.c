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
 * Capability registers: 1 console, 2 sleep, 3 the start key to the bank
 * with badge 0. Prints nothing.
 */
#include "cairn.h"

#define CAP_BANK 3

int main(uint64_t arg)
{
	(void)arg;
	const struct cairn_msg step = { .order = CAIRN_SO_BANK_STEP };
	for (;;) {
		if (cairn_call(CAP_BANK, &step, NULL, NULL) != CAIRN_OK)
			cairn_sleep_for(CAIRN_CAP_SLEEP, 1000);
	}
}
