/* SPDX-License-Identifier: MIT */
/*
 * Is a checkpoint due? The causes, and the one function that decides
 * (docs/checkpoint.md "When a checkpoint is taken").
 *
 * Causes, recorded by ckpt_ask():
 *   PERIOD, REQUEST   a checkpoint is asked for (`due`): the period timer
 *                     below (re-armed by every demarcation, so the period
 *                     counts from the last checkpoint), ckpt_request(false);
 *   FORCE             the checkpoint key's FORCE (ckpt_request(true));
 *   LOG_FULL          a block to be dirtied, or a bigger thread list, does
 *                     not fit in the log beside the generation being
 *                     written: its writer waits (ckpt_space.c) until the
 *                     next commit frees the previous generation's space;
 *   MEMORY            RAM is full of dirty and snapshot blocks, which are
 *                     never evicted: the next checkpoint cleans them
 *                     (mem/objcache.c, ckpt_memory_pressure());
 *   OUTPUT            output waits for a commit (CHECKPOINT DURABLE,
 *                     ckpt_output.c), at a minimum spacing.
 * The last four are `forced`: a checkpoint is taken even when nothing
 * changed.
 *
 * The decision, ckpt_due(): a demarcation may start only while
 * checkpoints are on and the writer is idle (the previous generation is
 * migrated, so the log holds at most two); then it is due when forced, or
 * when asked for and something changed since the last one (a dirty block,
 * or a cached domain's registers). Only a safe point can look at the
 * cached domains, so elsewhere (when a cause is recorded or the writer goes
 * idle) "asked for" is enough to set ckpt_wanted, the flag every safe
 * point tests; the safe point then decides again, looking, and a period
 * that finds nothing changed is dropped there.
 */
#include "ckpt/ckpt.h"
#include "ckpt/ckpt_hooks.h"
#include "ckpt/ckpt_internal.h"
#include "dom/proc.h"
#include "hw/timer.h"

volatile bool ckpt_wanted;
static struct ktimer period;

static void note_dirty_proc(struct proc *p, void *arg)
{
	if (p->dirty)
		*(bool *)arg = true;
}

/* Anything to checkpoint since the last one? (At a safe point only.) */
static bool anything_changed(void)
{
	bool procs_dirty = false;
	if (ckpt_state.ndirty)
		return true;
	proc_for_each(note_dirty_proc, &procs_dirty);
	return procs_dirty;
}

bool ckpt_due(bool at_safe_point)
{
	if (!ckpt_state.enabled || ckpt_state.w.phase != CKPT_PHASE_IDLE)
		return false;
	if (ckpt_state.forced)
		return true;
	if (!ckpt_state.due)
		return false;
	if (at_safe_point && !anything_changed()) {
		ckpt_state.due = false; /* nothing happened since the last checkpoint */
		return false;
	}
	return true;
}

void ckpt_update_wanted(void)
{
	ckpt_wanted = ckpt_due(false);
}

void ckpt_ask(enum ckpt_cause why)
{
	if (why == CKPT_CAUSE_PERIOD || why == CKPT_CAUSE_REQUEST)
		ckpt_state.due = true;
	else
		ckpt_state.forced = true;
	ckpt_update_wanted();
}

void ckpt_memory_pressure(void)
{
	if (ckpt_state.enabled)
		ckpt_ask(CKPT_CAUSE_MEMORY);
}

static void period_fire(struct ktimer *t)
{
	(void)t;
	ckpt_ask(CKPT_CAUSE_PERIOD);
	ckpt_arm_period();
}

void ckpt_arm_period(void)
{
	period.fn = period_fire;
	ktimer_cancel(&period);
	if (ckpt_state.enabled && ckpt_state.w.interval_ms)
		ktimer_arm(&period, timer_now() + timer_ms_to_ticks(ckpt_state.w.interval_ms));
}

uint64_t ckpt_request(bool forced)
{
	ckpt_ask(forced ? CKPT_CAUSE_FORCE : CKPT_CAUSE_REQUEST);
	return ckpt_writer_next_generation(&ckpt_state.w);
}

void ckpt_set_interval(uint32_t ms)
{
	ckpt_state.w.interval_ms = ms;
	ckpt_arm_period();
}
