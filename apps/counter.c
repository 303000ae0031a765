/* SPDX-License-Identifier: MIT */
/*
 * counter: the persistence demo. The counter is a static variable, so it
 * lives in the domain's own data page; every second the domain adds one
 * and prints it:
 *
 *   counter: 1
 *   counter: 2
 *   ...
 *
 * After a checkpoint and a restart it carries on from the value of the
 * checkpoint (the test kills QEMU, boots the volume again and expects the
 * numbers to continue, not to start again at 1; a few numbers printed
 * after the last checkpoint may be printed again).
 *
 * Capability registers: 1 console, 2 sleep.
 */
#include <inttypes.h>
#include <stdio.h>

#include "cairn.h"

static uint64_t counter;

int main(uint64_t arg)
{
	(void)arg;
	for (;;) {
		counter++;
		printf("%" PRIu64 "\n", counter);
		cairn_sleep_for(CAIRN_CAP_SLEEP, 1000);
	}
}
