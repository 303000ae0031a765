/* SPDX-License-Identifier: MIT */
/*
 * Output commit, the kernel's part (docs/checkpoint.md "Output commit"):
 * the checkpoint key's EPOCH and DURABLE, and the OUTPUT cause of the
 * checkpoint cadence.
 *
 * The rule (external synchrony): what leaves the machine may reveal only
 * state that a committed checkpoint holds. The kernel does not hold
 * network output itself (the console's held lines are ckpt_console.c's,
 * which asks for checkpoints through ckpt_output_ask()); it tells a
 * holder (enet's commit helper, virtio-net/) when a generation has
 * committed:
 *   EPOCH    -> w0 = the generation the next demarcation will have: every
 *               state change made before this call is in that snapshot;
 *   DURABLE  w0 = g -> returns once checkpoint g (or a later one) has
 *               committed. While it waits the activity is parked
 *               (ACT_WAIT_DURABLE) and restarts the invocation when woken
 *               (park.h), so a DURABLE caught by a checkpoint runs again
 *               after a resume and answers at once: g is recovered.
 *
 * The cadence: a DURABLE that waits asks for a checkpoint (OUTPUT, a
 * forced cause: the waiter's state changed, or it would not wait) instead
 * of waiting for the period, but never sooner than CKPT_OUTPUT_SPACING_MS
 * after the previous demarcation ended, so that a busy server does not
 * turn every reply into a checkpoint of its own. A checkpoint that fails
 * wakes nobody: the writer retries the same generation (ckpt/writer.c),
 * and the waiters answer when it commits.
 *
 * Invariant: an activity is on output_waiters iff it is parked in
 * DURABLE for a generation not yet committed; every commit wakes them all
 * and each decides again.
 */
#include <string.h>
#include "ckpt/ckpt.h"
#include "ckpt/ckpt_internal.h"
#include "dom/park.h"
#include "hw/platform.h"
#include "hw/timer.h"

static struct ktimer spacing_timer;
static bool spacing_armed;

static void spacing_fire(struct ktimer *t)
{
	(void)t;
	spacing_armed = false;
	ckpt_ask(CKPT_CAUSE_OUTPUT);
}

/* Ask for the checkpoint a waiting DURABLE needs: now, or when the
 * minimum spacing since the last demarcation has passed. */
void ckpt_output_ask(void)
{
	uint64_t earliest = ckpt_state.demarcated_at + timer_ms_to_ticks(CKPT_OUTPUT_SPACING_MS);
	uint64_t now = timer_now();
	if (ckpt_state.demarcated_at == 0 || now >= earliest) {
		ckpt_ask(CKPT_CAUSE_OUTPUT);
		return;
	}
	if (!spacing_armed) {
		spacing_timer.fn = spacing_fire;
		spacing_armed = true;
		ktimer_arm(&spacing_timer, earliest);
	}
}

void ckpt_output_init(void)
{
	char arg[16];
	ckpt_state.output_held =
		!(platform_bootarg("output", arg, sizeof(arg)) && strcmp(arg, "direct") == 0);
}

uint64_t ckpt_output_epoch(void)
{
	return ckpt_writer_next_generation(&ckpt_state.w);
}

/* DURABLE's prepare step: returns when g has committed, else parks. */
void ckpt_output_durable(uint64_t g)
{
	if (ckpt_state.w.committed >= g)
		return;
	/* g is being written (its commit wakes us), or it is the next: ask. */
	if (g >= ckpt_output_epoch())
		ckpt_output_ask();
	park_on(ACT_WAIT_DURABLE, &ckpt_state.output_waiters);
}

void ckpt_output_committed(void)
{
	act_wake_all(&ckpt_state.output_waiters);
}
