/* SPDX-License-Identifier: MIT */
/*
 * Kernel timer events over SBI set_timer. See timer.h.
 */
#include "hw/timer.h"
#include "hw/platform.h"
#include "hw/riscv.h"
#include "sbi.h"

static struct ktimer *timers; /* sorted by deadline */

void timer_init(void)
{
	sbi_set_timer(UINT64_MAX);
	csr_set(sie, SIE_STIE);
}

uint64_t timer_now(void)
{
	return rdtime();
}

uint64_t timer_ms_to_ticks(uint64_t ms)
{
	return ms * platform.timebase_hz / 1000;
}

uint64_t timer_us_to_ticks(uint64_t us)
{
	return us * platform.timebase_hz / 1000000;
}

uint64_t timer_ticks_to_us(uint64_t ticks)
{
	return ticks * 1000000 / platform.timebase_hz;
}

static void program_hardware(void)
{
	sbi_set_timer(timers ? timers->deadline : UINT64_MAX);
}

static void unlink_timer(struct ktimer *t)
{
	for (struct ktimer **pp = &timers; *pp; pp = &(*pp)->next) {
		if (*pp == t) {
			*pp = t->next;
			break;
		}
	}
	t->next = 0;
	t->armed = false;
}

void ktimer_arm(struct ktimer *t, uint64_t deadline)
{
	if (t->armed)
		unlink_timer(t);
	t->deadline = deadline;
	struct ktimer **pp = &timers;
	while (*pp && (*pp)->deadline <= deadline)
		pp = &(*pp)->next;
	t->next = *pp;
	*pp = t;
	t->armed = true;
	if (timers == t)
		program_hardware();
}

void ktimer_cancel(struct ktimer *t)
{
	if (!t->armed)
		return;
	bool was_first = timers == t;
	unlink_timer(t);
	if (was_first)
		program_hardware();
}

void timer_interrupt(void)
{
	uint64_t now = timer_now();
	while (timers && timers->deadline <= now) {
		struct ktimer *t = timers;
		timers = t->next;
		t->next = 0;
		t->armed = false;
		t->fn(t); /* may re-arm t or others */
	}
	program_hardware();
}
