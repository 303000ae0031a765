/* SPDX-License-Identifier: MIT */
/*
 * The checkpoint key (keytab.h CHECKPOINT_*): FORCE (a cause of
 * kern/ckpt/ckpt_due.c, which decides when), SET_INTERVAL (the period,
 * recorded in every header, so a value set through the key survives
 * restarts; the volume's superblock gives the first one), STATS, and
 * output commit's EPOCH and DURABLE (kern/ckpt/ckpt_output.c).
 */
#include "ckpt/ckpt.h"
#include "ckpt/ckpt_internal.h"
#include "inv/invoke.h"
#include "hw/log.h"

#define CKPT_INTERVAL_MAX_MS (24u * 3600u * 1000u)

void ckpt_get_stats(struct ckpt_stats *out)
{
	const struct ckpt_writer *w = &ckpt_state.w;
	*out = (struct ckpt_stats){
		.committed = w->committed,
		.interval_ms = w->interval_ms,
		.log_in_use = w->reserved_end - w->tail + ckpt_log_need(w, ckpt_state.ndirty),
		.log_blocks = w->ring,
		.failures = w->failures,
		.last_objects = w->last_objects,
		.last_bytes = w->last_bytes,
		.last_stall_instret = ckpt_state.last_stall,
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
		if (!ckpt_state.enabled) {
			op->reply.code = CAIRN_BAD_ORDER;
			break;
		}
		/* Asked for now; it happens at the next safe point, after this
		 * invocation's reply: the snapshot includes the reply. */
		op->reply.w[0] = ckpt_writer_next_generation(&ckpt_state.w);
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
	case CAIRN_OC_CHECKPOINT_EPOCH:
		op->reply.w[0] = ckpt_output_epoch();
		op->reply.w[1] = ckpt_state.w.committed;
		op->reply.w[2] = ckpt_state.enabled && ckpt_state.output_held;
		break;
	case CAIRN_OC_CHECKPOINT_DURABLE:
		if (!ckpt_state.enabled) {
			op->reply.code = CAIRN_BAD_ORDER; /* nothing will ever commit */
			break;
		}
		if (inv->w[0] > ckpt_output_epoch()) {
			op->reply.code = CAIRN_BAD_ARGUMENT; /* not an epoch yet */
			break;
		}
		ckpt_output_durable(inv->w[0]); /* parks until committed */
		break;
	default:
		op->reply.code = CAIRN_BAD_ORDER;
	}
}
