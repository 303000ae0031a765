/* SPDX-License-Identifier: MIT */
/*
 * The log writer's way home (writer.c's state machine calls these;
 * docs/checkpoint.md step 3 and "Recovery"):
 *
 *   MIGRATE          after a commit, every item written to its home from
 *                    memory; a failed write or FLUSH does them all again
 *                    CKPT_MIGRATE_RETRY_MS later (the checkpoint stands:
 *                    it is in the log);
 *   HOME_FLUSH       only for a generation of home_flush_from items or
 *                    more: its homes made durable now, in the background;
 *   RECOVER_MIGRATE  after a restart, the recovered generations copied
 *                    from the log to home through each slot's bounce
 *                    buffer, each block checked against its sum on the
 *                    way (writer.c's completion), then the map emptied.
 *                    It may be entered held (recover_held): the phase
 *                    keeps demarcation out, but nothing is issued until
 *                    the owner releases it.
 *
 * Invariant (writer.h, the log's): a small generation's home writes are
 * durable by the next generation's FLUSH (FLUSH1, or its one FLUSH) at
 * the latest, and no header moves the tail past this generation before
 * that FLUSH has completed.
 */
#include "writer.h"
#include "writer_internal.h"

/* A home write or the FLUSH after them failed: the checkpoint stands (it
 * is in the log); all the homes again, later. */
static void migrate_failed(struct ckpt_writer *w)
{
	ckpt_wr_report(w, &(struct ckpt_report){ .kind = CKPT_REPORT_MIGRATE_FAILED,
						 .gen = w->gen,
						 .status = w->fail_status });
	w->failed = false;
	ckpt_wr_enter_migrate(w);
	ckpt_wr_retry_after(w, CKPT_MIGRATE_RETRY_MS);
}

bool ckpt_wr_phase_migrate(struct ckpt_writer *w)
{
	struct ckpt_slot *s;
	if (w->timer_wait || w->migrate_deferred)
		return false;
	while (!w->failed && w->next < w->nitems) {
		struct ckpt_item *it = &w->items[w->next];
		if (!(s = ckpt_wr_free_slot(w)))
			return false;
		it->io = CKPT_ITEM_BUSY;
		s->item = w->next++;
		ckpt_wr_submit_one(w, s, CKPT_IO_WRITE,
				   ckpt_home_block(w->sb, it->pool + 1u, it->index),
				   w->env.item_data(w->env.ctx, it), SLOT_HOME);
	}
	if (w->inflight)
		return false;
	if (w->failed) {
		migrate_failed(w);
		return false;
	}
	/* A small generation's homes get no FLUSH of their own: the next
	 * generation's FLUSH1 orders them before its header, the first that
	 * may move the tail past this one (writer.h, the log's invariants),
	 * and a FLUSH here would put one more disk round trip between a
	 * commit and the next demarcation, which output waiting for a commit
	 * waits for too. A large one's are flushed now, while domains run,
	 * rather than left to make the next FLUSH1 longer. */
	if (w->home_flush_from && w->nitems >= w->home_flush_from) {
		ckpt_wr_enter_home_flush(w);
		return true;
	}
	w->env.migrated(w->env.ctx, false);
	ckpt_wr_enter_idle(w);
	return false;
}

bool ckpt_wr_phase_home_flush(struct ckpt_writer *w)
{
	if (w->inflight)
		return false;
	if (w->failed) {
		migrate_failed(w);
		return false;
	}
	w->env.migrated(w->env.ctx, false);
	ckpt_wr_enter_idle(w);
	return false;
}

/* The next entry of the recovery map on its way home. */
static void submit_recovered(struct ckpt_writer *w, struct ckpt_slot *s,
			     const struct ckpt_dirent *e)
{
	uint64_t home = ckpt_home_block(w->sb, e->kind, e->index);
	if (e->flags & CKPT_ENTRY_ZERO) {
		ckpt_wr_submit_one(w, s, CKPT_IO_WRITE, home, w->zero, SLOT_RWRITE);
	} else {
		s->home = home;
		s->sum = e->sum;
		ckpt_wr_submit_one(w, s, CKPT_IO_READ, ckpt_pos_block(w->sb, e->pos), s->buf,
				   SLOT_RREAD);
	}
}

bool ckpt_wr_phase_recover_migrate(struct ckpt_writer *w)
{
	struct ckpt_slot *s;
	if (w->timer_wait || w->recover_held)
		return false;
	while (!w->failed && !w->listed) {
		struct ckpt_dirent e;
		if (!(s = ckpt_wr_free_slot(w)))
			return false;
		if (!ckpt_dirmap_next(w->map, &w->cursor, &e)) {
			w->listed = true;
			break;
		}
		if (e.kind >= CKPT_KIND_NODEPOT && e.kind <= CKPT_KIND_PAGE)
			submit_recovered(w, s, &e);
	}
	if (w->inflight)
		return false;
	if (w->failed) {
		ckpt_wr_report(w, &(struct ckpt_report){ .kind = CKPT_REPORT_RECOVERED_FAILED,
							 .gen = w->committed,
							 .status = w->fail_status });
		w->failed = false;
		if (++w->recover_retries > 3) {
			ckpt_wr_report(w, &(struct ckpt_report){ .kind = CKPT_REPORT_RECOVERED_STOP,
								 .gen = w->committed });
			ckpt_wr_stop(w);
			return false;
		}
		ckpt_dirmap_first(w->map, &w->cursor);
		w->listed = false;
		ckpt_wr_retry_after(w, CKPT_MIGRATE_RETRY_MS);
		return false;
	}
	ckpt_dirmap_clear(w->map);
	w->env.migrated(w->env.ctx, true);
	ckpt_wr_report(w, &(struct ckpt_report){ .kind = CKPT_REPORT_RECOVERED_MIGRATED,
						 .gen = w->committed });
	ckpt_wr_enter_idle(w);
	return false;
}

/* --- after a restart ------------------------------------------------------ */

void ckpt_writer_recover_hold(struct ckpt_writer *w, struct ckpt_dirmap *map)
{
	w->phase = CKPT_PHASE_RECOVER_MIGRATE;
	w->failed = false;
	w->map = map;
	ckpt_dirmap_first(map, &w->cursor);
	w->listed = false;
	w->recover_held = true;
}

void ckpt_writer_recover_release(struct ckpt_writer *w)
{
	if (!ckpt_writer_recover_held(w))
		return;
	w->recover_held = false;
	if (w->env.kick)
		w->env.kick(w->env.ctx);
	else
		ckpt_wr_pump(w);
}

void ckpt_writer_recover_migrate(struct ckpt_writer *w, struct ckpt_dirmap *map)
{
	ckpt_writer_recover_hold(w, map);
	w->recover_held = false;
	ckpt_wr_pump(w);
}
