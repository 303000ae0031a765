/* SPDX-License-Identifier: MIT */
/*
 * Time and kernel timer events, on the supervisor timer (SBI TIME, SBI v2.0
 * §6). The time CSR counts at platform.timebase_hz. Kernel events (the
 * scheduler's quantum, sleeping domains, the checkpoint period) are kept in
 * one list sorted by deadline; the hardware is always armed for the first.
 * The list is a cache: after a restart its owners re-arm what they need.
 */
#ifndef CAIRN_KERN_TIMER_H
#define CAIRN_KERN_TIMER_H

#include <stdint.h>
#include <stdbool.h>

struct ktimer {
	uint64_t deadline; /* absolute ticks */
	void (*fn)(struct ktimer *t);
	struct ktimer *next;
	bool armed;
};

void timer_init(void);
uint64_t timer_now(void);
uint64_t timer_ms_to_ticks(uint64_t ms);
uint64_t timer_us_to_ticks(uint64_t us);
uint64_t timer_ticks_to_us(uint64_t ticks);

/* (Re)arm t for `deadline`; cancel it. Both are O(number of armed timers). */
void ktimer_arm(struct ktimer *t, uint64_t deadline);
void ktimer_cancel(struct ktimer *t);

/* Called from the trap handler on a supervisor timer interrupt: runs every
 * expired event, then re-arms the hardware. */
void timer_interrupt(void);

#endif
