/* SPDX-License-Identifier: MIT */
/*
 * The checkpoint key (keytab.h CHECKPOINT_*), the period timer and the
 * statistics. The period is recorded in every header, so a value set
 * through the key survives restarts; the volume's superblock gives the
 * first one.
 */
#include "ckpt/ckpt.h"
#include "ckpt/ckpt_internal.h"
#include "inv/invoke.h"
#include "hw/timer.h"
#include "hw/log.h"

#define CKPT_INTERVAL_MAX_MS (24u * 3600u * 1000u)

static struct ktimer period;

static void period_fire(struct ktimer *t)
{
	(void)t;
	ck.due = true;
	ckpt_update_wanted();
	ckpt_arm_period();
}

void ckpt_arm_period(void)
{
	period.fn = period_fire;
	ktimer_cancel(&period);
	if (ck.enabled && ck.interval_ms)
		ktimer_arm(&period, timer_now() + timer_ms_to_ticks(ck.interval_ms));
}

/* The generation the next demarcation will have: the one after the last
 * committed, or one more while a demarcated generation is still on its
 * way to the log (being written, or waiting to retry). Migration and
 * recovery's migration create no generation. */
static uint64_t next_generation(void)
{
	switch (ck.phase) {
	case PHASE_DATA:
	case PHASE_DIR:
	case PHASE_FLUSH1:
	case PHASE_HEADER:
	case PHASE_FLUSH2:
	case PHASE_RETRY:
		return ck.committed + 2;
	default:
		return ck.committed + 1;
	}
}

uint64_t ckpt_request(bool forced)
{
	if (forced)
		ck.forced = true;
	else
		ck.due = true;
	ckpt_update_wanted();
	return next_generation();
}

void ckpt_set_interval(uint32_t ms)
{
	ck.interval_ms = ms;
	ckpt_arm_period();
}

void ckpt_get_stats(struct ckpt_stats *out)
{
	*out = (struct ckpt_stats){
		.committed = ck.committed, .interval_ms = ck.interval_ms,
		.log_in_use = ck.reserved_end - ck.tail + ckpt_need(ck.ndirty), .log_blocks = ck.ring,
		.failures = ck.failures, .last_objects = ck.last_objects,
		.last_bytes = ck.last_bytes, .last_stall_instret = ck.last_stall,
	};
}

/* The effects, after the invocation has committed (invoke.h). */
static void force_commit(struct kop *op)
{
	(void)op;
	ckpt_request(true);
}

static void interval_commit(struct kop *op)
{
	ckpt_set_interval((uint32_t)op->arg[0]);
}

void kobj_checkpoint(struct invocation *inv, struct kop *op)
{
	switch (inv->order) {
	case CAIRN_OC_CHECKPOINT_FORCE:
		if (!ck.enabled) {
			op->reply.code = CAIRN_BAD_ORDER;
			break;
		}
		/* Asked for now; it happens at the next safe point, after this
		 * invocation's reply: the snapshot includes the reply. */
		op->reply.w[0] = next_generation();
		op->commit = force_commit;
		break;
	case CAIRN_OC_CHECKPOINT_SET_INTERVAL:
		if (inv->w[0] > CKPT_INTERVAL_MAX_MS) {
			op->reply.code = CAIRN_BAD_ARGUMENT;
			break;
		}
		op->arg[0] = inv->w[0];
		op->commit = interval_commit;
		break;
	case CAIRN_OC_CHECKPOINT_STATS: {
		struct ckpt_stats st;
		ckpt_get_stats(&st);
		op->reply.w[0] = st.committed;
		op->reply.w[1] = st.interval_ms;
		op->reply.w[2] = st.log_in_use;
		op->reply.w[3] = st.log_blocks;
		break;
	}
	default:
		op->reply.code = CAIRN_BAD_ORDER;
	}
}
