/* SPDX-License-Identifier: MIT */
/*
 * The log writer's state machine (writer.h; docs/checkpoint.md steps 2
 * and 3). One function per phase; each issues what it can, returns true
 * when the machine may go on at once and false when it must wait for a
 * completion or the timer. A phase that has a single request (FLUSH1,
 * HEADER, FLUSH2, HOME_FLUSH) issues it on entry (enter_*), and its
 * function only waits for it.
 *
 *   DATA        every item: its block sum and zero test, then (unless all
 *               zeros) a write to the next log position, up to `batch`
 *               consecutive positions per request;
 *   DIR         the directory blocks, once every item has its position and
 *               sum (the last data writes may still be in flight);
 *               behind them the check (check_some()) by gencheck.c, the
 *               validation recovery applies: a generation recovery would
 *               refuse is never given a header (refuse());
 *   FLUSH1      data and directory durable, and with them the previous
 *               generation's home writes (so this header may move the tail
 *               past it); the header waits for the check too;
 *   HEADER      the header, in slot sequence mod 2;
 *   FLUSH2      the header durable: the checkpoint exists (commit());
 *               a small generation whose predecessor this writer
 *               committed (prev_flushed) skips FLUSH1: its header, flagged
 *               ONE_FLUSH and keeping that predecessor (tail = its
 *               gen_start, since its home writes may not be durable yet),
 *               goes out beside its last blocks and FLUSH2 makes all of it
 *               durable (recovery checks such a generation's blocks and
 *               falls back if they did not land);
 *   MIGRATE     every item written to its home from memory. Those writes
 *               are made durable by the next generation's FLUSH1 at the
 *               latest, before any header that no longer names this
 *               generation: until then the log and the header that names
 *               it stay as they are, and recovery replays it;
 *   HOME_FLUSH  only for a generation of home_flush_from items or more:
 *               its homes durable now, in the background, so the next
 *               FLUSH1 has only its own writes to wait for.
 * Then the owner releases the snapshot and a demarcation may start.
 *
 * A run of the machine (ckpt_wr_pump()) goes as far as it can; when the owner
 * kicks it (env.kick: the kernel), ckpt_writer_start() only prepares, and
 * a run prepares at most `burst` DATA requests or directory blocks, so
 * the work that scales with the snapshot (block sums, the directory and
 * its check) is done in short runs from completions while domains run,
 * never in the demarcation pause (docs/checkpoint.md "Demarcation pause").
 *
 * An I/O error fails the attempt; the same snapshot is written again
 * CKPT_RETRY_MS later under the same number (fail()). An error before the
 * header leaves nothing on disk that a header names: the retry takes the
 * positions after the failed ones if the ring has room (a bad block is not
 * hit again), else the same ones; an error at or after the header write
 * may have left a durable header, so the retry takes the positions after
 * them (the tail still covers them), or stops when there is no room.
 *
 * A refused directory (a bug in the owner: a block or a thread listed
 * twice, an index outside its pool, counts that disagree) is never
 * committed: a bad thread list is rebuilt without the entries recovery
 * refuses and the directory written again, once; anything else stops
 * checkpoints, so the volume stays at the last commit (docs/checkpoint.md
 * "Refusal").
 *
 * MIGRATE, HOME_FLUSH and, after a restart, RECOVER_MIGRATE are
 * writer_migrate.c's; what the two files share is writer_internal.h.
 */
#include <stddef.h>
#include <string.h>

#include "writer.h"
#include "writer_dir.h"
#include "writer_internal.h"

static void fail(struct ckpt_writer *w, bool header_may_exist);

void ckpt_wr_report(struct ckpt_writer *w, const struct ckpt_report *r)
{
	if (w->env.report)
		w->env.report(w->env.ctx, w, r);
}

void ckpt_writer_init(struct ckpt_writer *w, const struct ckpt_writer_config *c)
{
	memset(w, 0, offsetof(struct ckpt_writer, slots));
	w->sb = c->sb;
	w->io = c->io;
	w->env = c->env;
	w->keep = c->keep == 0                     ? 1
		  : c->keep > CKPT_WRITER_MAX_KEEP ? CKPT_WRITER_MAX_KEEP
						   : c->keep;
	w->batch = (uint16_t)(c->batch == 0                  ? 1
			      : c->batch > CKPT_WRITER_BATCH ? CKPT_WRITER_BATCH
							     : c->batch);
	w->zero = c->zero;
	w->burst = (uint16_t)(c->burst > UINT16_MAX ? UINT16_MAX : c->burst);
	w->flush_every = c->flush_every;
	w->home_flush_from = c->home_flush_from;
	w->one_flush_max = c->one_flush_max;
	w->prev_flushed = true; /* nothing before the first generation but home */
	w->ring = ckpt_ring_blocks(c->sb);
	w->prev_dir_pos = CKPT_NO_DIR;
	w->refused = CKPT_OK;
	for (unsigned i = 0; i < CKPT_WRITER_SLOTS; i++) {
		w->slots[i].busy = false;
		w->slots[i].buf = c->buf[i];
		w->slots[i].req.slot = (uint16_t)i;
	}
}

void ckpt_writer_resume(struct ckpt_writer *w, const struct ckpt_header *h)
{
	w->committed = h->sequence;
	w->tail = h->tail;
	w->head = w->reserved_end = h->head;
	w->prev_dir_pos = h->dir_pos;
	w->prev_dir_blocks = h->dir_blocks;
	w->interval_ms = h->interval_ms;
	w->prev_flushed = false; /* recovered: the first generation flushes twice */
}

void ckpt_writer_skip_to(struct ckpt_writer *w, uint64_t pos)
{
	if (pos > w->head && pos - w->tail <= w->ring)
		w->head = w->reserved_end = pos;
}

void ckpt_writer_off(struct ckpt_writer *w)
{
	w->phase = CKPT_PHASE_OFF;
}

uint64_t ckpt_writer_next_generation(const struct ckpt_writer *w)
{
	switch (w->phase) {
	case CKPT_PHASE_DATA:
	case CKPT_PHASE_DIR:
	case CKPT_PHASE_FLUSH1:
	case CKPT_PHASE_HEADER:
	case CKPT_PHASE_FLUSH2:
	case CKPT_PHASE_RETRY:
		return w->committed + 2;
	default:
		return w->committed + 1; /* migration creates no generation */
	}
}

/* --- requests ------------------------------------------------------------ */

struct ckpt_slot *ckpt_wr_free_slot(struct ckpt_writer *w)
{
	for (unsigned i = 0; i < CKPT_WRITER_SLOTS; i++)
		if (!w->slots[i].busy)
			return &w->slots[i];
	return NULL;
}

/* Issue s's request: nblocks buffers already in s->req.buf (0 for a FLUSH). */
static void submit_blocks(struct ckpt_writer *w, struct ckpt_slot *s, enum ckpt_io_op op,
			  uint64_t block, uint16_t nblocks, enum slot_kind kind)
{
	s->busy = true;
	s->kind = (uint8_t)kind;
	s->req.op = (uint8_t)op;
	s->req.block = block;
	s->req.nblocks = nblocks;
	w->inflight++;
	w->io.submit(w->io.ctx, &s->req);
}

void ckpt_wr_submit_one(struct ckpt_writer *w, struct ckpt_slot *s, enum ckpt_io_op op,
			uint64_t block, const void *buf, enum slot_kind kind)
{
	s->req.buf[0] = (void *)buf; /* written from, never to, unless op is READ */
	submit_blocks(w, s, op, block, 1, kind);
}

static void submit_flush(struct ckpt_writer *w)
{
	struct ckpt_slot *s = ckpt_wr_free_slot(w); /* every phase before a flush waits for all */
	submit_blocks(w, s, CKPT_IO_FLUSH, 0, 0, SLOT_FLUSH);
}

static void note_failure(struct ckpt_writer *w, int status)
{
	if (!w->failed) {
		w->failed = true;
		w->fail_status = status;
	}
}

static void items_idle(struct ckpt_writer *w, uint64_t first, uint64_t n)
{
	for (uint64_t i = first; i < w->nitems && i < first + n; i++)
		w->items[i].io = CKPT_ITEM_IDLE;
	w->env.items_free(w->env.ctx);
}

/* A recovered block read from the log: on to its home if it is intact.
 * True when the slot went out again. */
static bool recovered_read(struct ckpt_writer *w, struct ckpt_slot *s)
{
	bool zero;
	if (w->env.sum(s->buf, &zero) != s->sum) {
		ckpt_wr_report(w, &(struct ckpt_report){ .kind = CKPT_REPORT_RECOVERED_BAD_SUM,
							 .gen = w->committed,
							 .count = s->req.block });
		note_failure(w, CKPT_IO_ERROR);
		return false;
	}
	w->inflight--; /* same slot, same buffer: now to its home */
	ckpt_wr_submit_one(w, s, CKPT_IO_WRITE, s->home, s->buf, SLOT_RWRITE);
	return true;
}

void ckpt_writer_done(struct ckpt_writer *w, struct ckpt_io_req *req, int status)
{
	struct ckpt_slot *s = &w->slots[req->slot];
	bool ok = status == 0;
	if (ok && s->kind == SLOT_RREAD && recovered_read(w, s))
		return;
	s->busy = false;
	w->inflight--;
	if (!ok)
		note_failure(w, status);
	switch (s->kind) {
	case SLOT_DATA:
		items_idle(w, s->item, s->nitems);
		if (ok)
			w->bytes += (uint64_t)CKPT_BLOCK_SIZE * req->nblocks;
		w->unflushed += req->nblocks;
		break;
	case SLOT_FLUSH:
		w->data_flushing = false;
		break;
	case SLOT_HOME:
		items_idle(w, s->item, 1);
		break;
	case SLOT_DIR:
	case SLOT_HEADER:
		if (ok)
			w->bytes += CKPT_BLOCK_SIZE;
		break;
	default:
		break;
	}
	ckpt_wr_pump(w);
}

void ckpt_writer_timer(struct ckpt_writer *w)
{
	w->timer_wait = false;
	ckpt_wr_pump(w);
}

void ckpt_wr_retry_after(struct ckpt_writer *w, uint32_t ms)
{
	w->timer_wait = true;
	w->env.retry_after(w->env.ctx, ms);
}

/* --- transitions --------------------------------------------------------- */

/* The directory after the data: its size from the entries, then its blocks
 * (again, after a refusal rebuilt the thread list). */
static void enter_dir(struct ckpt_writer *w)
{
	uint64_t entries = w->nitems + w->nthreads;
	w->dir_blocks =
		(uint32_t)((entries + CKPT_DIR_ENTRIES_PER_BLOCK - 1) / CKPT_DIR_ENTRIES_PER_BLOCK);
	if (w->dir_blocks == 0)
		w->dir_blocks = 1;
	w->head = w->dir_pos + w->dir_blocks;
	w->next = 0;
	w->phase = CKPT_PHASE_DIR;
	w->refused = CKPT_OK;
	w->dir_checked = 0;
	w->dir_checking = false;
	w->dir_check_done = false;
}

static void enter_flush1(struct ckpt_writer *w)
{
	w->phase = CKPT_PHASE_FLUSH1;
	submit_flush(w);
}

static void enter_header(struct ckpt_writer *w)
{
	struct ckpt_slot *s = ckpt_wr_free_slot(w);
	struct ckpt_header h;

	w->phase = CKPT_PHASE_HEADER;
	ckpt_writer_build_header(w, &h);
	ckpt_header_encode(&h, s->buf);
	if (w->console && w->console_len)
		ckpt_header_set_console(s->buf, w->console, w->console_len);
	ckpt_wr_submit_one(w, s, CKPT_IO_WRITE, ckpt_header_block(w->sb, ckpt_slot_of(w->gen)),
			   s->buf, SLOT_HEADER);
}

static void enter_flush2(struct ckpt_writer *w)
{
	w->phase = CKPT_PHASE_FLUSH2;
	submit_flush(w);
}

void ckpt_wr_enter_migrate(struct ckpt_writer *w)
{
	w->phase = CKPT_PHASE_MIGRATE;
	w->next = 0;
}

void ckpt_wr_enter_home_flush(struct ckpt_writer *w)
{
	w->phase = CKPT_PHASE_HOME_FLUSH;
	submit_flush(w);
}

void ckpt_wr_enter_idle(struct ckpt_writer *w)
{
	w->phase = CKPT_PHASE_IDLE;
	w->reserved_end = w->head;
	w->env.space_freed(w->env.ctx);
	w->env.items_free(w->env.ctx);
	w->env.state_changed(w->env.ctx);
}

/* No more checkpoints: the volume stays at the last commit. Nobody waits
 * for log space or for a transfer any more. */
void ckpt_wr_stop(struct ckpt_writer *w)
{
	w->phase = CKPT_PHASE_OFF;
	w->env.state_changed(w->env.ctx);
	w->env.space_freed(w->env.ctx);
	w->env.items_free(w->env.ctx);
}

/* The header is durable: the checkpoint exists. */
static void commit(struct ckpt_writer *w)
{
	w->committed = w->gen;
	w->tail = ckpt_writer_next_tail(w);
	w->prev_gen_start = w->gen_start;
	w->prev_flushed = true;
	w->prev_dir_pos = w->dir_pos;
	w->prev_dir_blocks = w->dir_blocks;
	if (w->keep > 1) {
		if (w->nkept == w->keep - 1) {
			memmove(&w->kept_start[0], &w->kept_start[1],
				(w->nkept - 1) * sizeof(w->kept_start[0]));
			w->nkept--;
		}
		w->kept_start[w->nkept++] = w->gen_start;
	}
	w->last_objects = w->nitems;
	w->last_bytes = w->bytes;
	ckpt_wr_report(w, &(struct ckpt_report){ .kind = CKPT_REPORT_COMMITTED, .gen = w->gen });
	ckpt_wr_enter_migrate(w);
	if (w->env.defer) {
		w->migrate_deferred = true;
		w->env.defer(w->env.ctx);
	}
	w->env.space_freed(w->env.ctx); /* the tail moved */
}

/*
 * The generation failed: nothing of it is a checkpoint yet. The snapshot
 * stays as it is and is written again, from the start, a little later,
 * under the same number.
 */
static void fail(struct ckpt_writer *w, bool header_may_exist)
{
	w->failures++;
	ckpt_wr_report(w, &(struct ckpt_report){ .kind = CKPT_REPORT_FAILED,
						 .gen = w->gen,
						 .status = w->fail_status });
	w->failed = false;
	bool room = w->head + ckpt_log_need(w, w->nitems) - w->tail <= w->ring;
	if (!header_may_exist) {
		/* Nothing names these positions. Skip them if there is room
		 * (a block that failed to write may fail again), else reuse. */
		if (!room)
			w->head = w->gen_start;
	} else if (!room) {
		/* A header naming this attempt may be durable: its positions
		 * may not be reused, and there is no room for another. */
		ckpt_wr_report(w, &(struct ckpt_report){ .kind = CKPT_REPORT_NO_SPACE_STOP,
							 .gen = w->gen });
		ckpt_wr_stop(w);
		return;
	}
	w->gen_start = w->head;
	w->reserved_end = w->head + ckpt_log_need(w, w->nitems);
	w->phase = CKPT_PHASE_RETRY;
	ckpt_wr_retry_after(w, CKPT_RETRY_MS);
	w->env.items_free(w->env.ctx);
}

/*
 * The directory is one recovery would refuse: this attempt is never given
 * a header. When the first bad entry is a thread, the list is rebuilt and
 * the same snapshot's directory written again, once (its data is on the
 * log already); anything else means the snapshot itself is wrong, so
 * checkpoints stop and a restart finds the last commit.
 */
static void refuse(struct ckpt_writer *w)
{
	char text[CKPT_DETAIL_SIZE];
	struct ckpt_detail d;
	const struct ckpt_gen_check *c = &w->gen_check;
	bool in_threads = c->failed_at == CKPT_GEN_AT_ENTRY && c->objects + c->threads >= w->nitems;
	enum ckpt_err err = w->refused;

	ckpt_detail_begin(&d, text, sizeof(text));
	if (c->failed_at == CKPT_GEN_AT_NONE) {
		ckpt_detail_str(&d, "header of generation ");
		ckpt_detail_u64(&d, w->gen);
	} else {
		ckpt_gen_explain(c, err, &d);
	}
	w->failures++;
	if (in_threads && !w->threads_rebuilt) {
		w->threads_rebuilt = true;
		uint64_t dropped = ckpt_writer_rebuild_threads(w);
		ckpt_wr_report(w, &(struct ckpt_report){ .kind = CKPT_REPORT_REFUSED_RETRY,
							 .gen = w->gen,
							 .err = err,
							 .detail = text,
							 .count = dropped });
		if (w->failed)
			fail(w, false); /* a data write failed too: the whole attempt again */
		else
			enter_dir(w);
		return;
	}
	ckpt_wr_report(w, &(struct ckpt_report){ .kind = CKPT_REPORT_REFUSED_STOP,
						 .gen = w->gen,
						 .err = err,
						 .detail = text });
	ckpt_wr_stop(w);
}

/* --- the phases ---------------------------------------------------------- */

/* One request of a run of items whose positions follow each other in the
 * ring (zero items take no position), looking at `batch` items at most (so
 * one run's budget bounds its sums); nothing when they were all zeros. */
static void submit_data_run(struct ckpt_writer *w, struct ckpt_slot *s)
{
	uint16_t n = 0;
	uint64_t first_pos = w->head;
	uint64_t end = w->next + w->batch;

	s->item = w->next;
	while (w->next < w->nitems && w->next < end) {
		struct ckpt_item *it = &w->items[w->next];
		const void *data = w->env.item_data(w->env.ctx, it);
		bool zero;
		uint64_t sum = w->env.sum(data, &zero);
		if (zero) {
			it->flags = CKPT_ENTRY_ZERO;
			it->sum = 0;
			it->pos = 0;
			w->next++;
			continue;
		}
		if (n > 0 && w->head % w->ring == 0)
			break; /* the ring wraps: a new request */
		it->flags = 0;
		it->sum = sum;
		it->pos = w->head++;
		it->io = CKPT_ITEM_BUSY;
		s->req.buf[n++] = (void *)data;
		w->next++;
	}
	if (n == 0)
		return;
	s->nitems = (uint16_t)(w->next - s->item);
	submit_blocks(w, s, CKPT_IO_WRITE, ckpt_pos_block(w->sb, first_pos), n, SLOT_DATA);
}

/* How many requests (DATA) or directory blocks (DIR) one run of the
 * machine may prepare: `burst` when the owner kicks, else no limit. */
static unsigned run_budget(const struct ckpt_writer *w)
{
	return w->burst && w->env.kick ? w->burst : UINT32_MAX;
}

/* The budget of one run is spent: with fewer than CKPT_KICK_DEPTH
 * requests in flight the owner kicks again (the device would run dry
 * waiting for completions to build the pipeline up), else their
 * completions run the machine again. */
static bool out_of_budget(struct ckpt_writer *w)
{
	if (w->inflight < CKPT_KICK_DEPTH)
		w->env.kick(w->env.ctx);
	return false;
}

/* DATA: the blocks written so far on their way to stable storage while
 * the rest is summed and written, so that FLUSH1 has less left to do (an
 * extra FLUSH orders nothing wrongly: the header still waits for FLUSH1). */
static void early_flush(struct ckpt_writer *w)
{
	struct ckpt_slot *s;
	if (!w->flush_every || w->data_flushing || w->unflushed < w->flush_every ||
	    !(s = ckpt_wr_free_slot(w)))
		return;
	w->unflushed = 0;
	w->data_flushing = true;
	submit_blocks(w, s, CKPT_IO_FLUSH, 0, 0, SLOT_FLUSH);
}

static bool phase_data(struct ckpt_writer *w)
{
	struct ckpt_slot *s;
	unsigned budget = run_budget(w);
	early_flush(w);
	while (!w->failed && w->next < w->nitems) {
		if (budget-- == 0)
			return out_of_budget(w);
		if (!(s = ckpt_wr_free_slot(w)))
			return false;
		submit_data_run(w, s);
	}
	if (w->failed) {
		if (!w->inflight)
			fail(w, false);
		return false;
	}
	if (w->next < w->nitems)
		return false; /* waiting for a free slot */
	/* Every item has its position and sum: the directory can go out
	 * while the last data writes are still in flight (FLUSH1 waits for
	 * all of them). */
	w->dir_pos = w->head;
	enter_dir(w);
	return true;
}

/*
 * The directory's check trails its writing. Its work (zeroing the map a
 * slice at a time, then each block's entries into it) is random access
 * over 40 bytes an entry, and on the emulated CPU its 200 instructions an
 * entry take as long as a block sum's 2,350 (docs/benchmarks.md "Where the
 * log writer's time goes"); in DATA the hart is what limits the writer,
 * and after DATA it mostly waits for the device. So the check starts at
 * DIR and goes on where the hart would otherwise wait: from the owner's
 * idle loop (ckpt_writer_background()) while the last writes and FLUSH1
 * are in flight, and after FLUSH1, a budget a run. The header waits for
 * it; a refusal is acted on once nothing is in flight (refuse()).
 */
static uint32_t dir_written(const struct ckpt_writer *w)
{
	return w->phase == CKPT_PHASE_DIR ? (uint32_t)w->next : w->dir_blocks;
}

static bool check_finished(const struct ckpt_writer *w)
{
	return w->dir_check_done || w->refused != CKPT_OK;
}

/* Up to n pieces of the check: a slice of the map's zeroing (unless
 * `now`: the rest of it at once), a directory block already written, or
 * the end. False when there was none to do. */
static bool check_some(struct ckpt_writer *w, unsigned n, bool now)
{
	unsigned done = 0;
	for (; done < n && !check_finished(w); done++) {
		if (!w->dir_checking) {
			ckpt_writer_check_clear_some(w, CKPT_CHECK_CLEAR_SLICE);
			if (!now && !ckpt_writer_check_zeroed(w))
				continue;
			ckpt_writer_check_begin(w);
			w->dir_checking = true;
		} else if (w->dir_checked == w->dir_blocks) {
			uint64_t t0 = instret();
			w->refused = ckpt_gen_end(&w->gen_check, NULL);
			w->check_instret += instret() - t0;
			w->dir_check_done = true;
		} else if (w->dir_checked < dir_written(w)) {
			w->refused = ckpt_writer_check_dir(w, w->dir_checked++);
		} else {
			break; /* the next block is not written yet */
		}
	}
	return done > 0;
}

bool ckpt_writer_background(struct ckpt_writer *w)
{
	if (w->pumping || (w->phase != CKPT_PHASE_DIR && w->phase != CKPT_PHASE_FLUSH1))
		return false;
	return check_some(w, 1, false);
}

static bool phase_dir(struct ckpt_writer *w)
{
	struct ckpt_slot *s;
	unsigned budget = run_budget(w);
	while (!w->failed && w->refused == CKPT_OK && w->next < w->dir_blocks) {
		if (budget-- == 0)
			return out_of_budget(w);
		if (!(s = ckpt_wr_free_slot(w)))
			return false;
		ckpt_writer_encode_dir(w, (uint32_t)w->next, s->buf);
		ckpt_wr_submit_one(w, s, CKPT_IO_WRITE, ckpt_pos_block(w->sb, w->dir_pos + w->next),
				   s->buf, SLOT_DIR);
		w->next++;
	}
	/* Two FLUSHes: FLUSH1 goes out once every block completed, the
	 * check perhaps still going. One: the header goes out beside the
	 * blocks still in flight, as soon as a slot is free, so the check is
	 * done here first. So is a small directory's (CKPT_CHECK_NOW_MAX
	 * blocks, a short run): the device is busy with its writes, and
	 * output waiting for the commit would wait for kicks otherwise. */
	if ((w->one_flush || w->dir_blocks <= CKPT_CHECK_NOW_MAX) && !w->failed)
		check_some(w, UINT32_MAX, true);
	bool header_now = w->one_flush && w->next >= w->dir_blocks && w->refused == CKPT_OK &&
			  !w->failed && w->inflight < CKPT_WRITER_SLOTS;
	if (w->inflight && !header_now)
		return false;
	if (w->refused != CKPT_OK) {
		if (w->inflight)
			return false; /* refuse() rewrites the directory: its writes first */
		refuse(w);
		return w->phase == CKPT_PHASE_DIR;
	}
	if (w->failed) {
		fail(w, false);
		return false;
	}
	if (w->one_flush)
		enter_header(w);
	else
		enter_flush1(w);
	return true;
}

/* FLUSH1, HEADER, FLUSH2: their request went out on entry. An error from
 * the header write on may have left a durable header. */
static bool single_request_done(struct ckpt_writer *w)
{
	if (w->inflight)
		return false;
	if (w->failed) {
		fail(w, w->phase != CKPT_PHASE_FLUSH1);
		return false;
	}
	return true;
}

/* FLUSH1 done: the header, once the check is finished too (what is left
 * of it, CKPT_CHECK_PER_RUN pieces a run, kicking for the next). */
static bool phase_flush1(struct ckpt_writer *w)
{
	if (!single_request_done(w))
		return false;
	if (!check_finished(w)) {
		check_some(w, w->env.kick ? CKPT_CHECK_PER_RUN : UINT32_MAX, !w->env.kick);
		if (!check_finished(w)) {
			w->env.kick(w->env.ctx);
			return false;
		}
	}
	if (w->refused != CKPT_OK) {
		refuse(w);
		return w->phase == CKPT_PHASE_DIR;
	}
	enter_header(w);
	return true;
}

static bool phase_header(struct ckpt_writer *w)
{
	if (!single_request_done(w))
		return false;
	enter_flush2(w);
	return true;
}

static bool phase_flush2(struct ckpt_writer *w)
{
	if (!single_request_done(w))
		return false;
	commit(w);
	return true;
}

static bool phase_retry(struct ckpt_writer *w)
{
	if (w->timer_wait)
		return false;
	w->phase = CKPT_PHASE_DATA;
	w->next = 0;
	w->bytes = 0;
	return true;
}

static bool step(struct ckpt_writer *w)
{
	switch (w->phase) {
	case CKPT_PHASE_DATA:
		return phase_data(w);
	case CKPT_PHASE_DIR:
		return phase_dir(w);
	case CKPT_PHASE_FLUSH1:
		return phase_flush1(w);
	case CKPT_PHASE_HEADER:
		return phase_header(w);
	case CKPT_PHASE_FLUSH2:
		return phase_flush2(w);
	case CKPT_PHASE_MIGRATE:
		return ckpt_wr_phase_migrate(w);
	case CKPT_PHASE_HOME_FLUSH:
		return ckpt_wr_phase_home_flush(w);
	case CKPT_PHASE_RECOVER_MIGRATE:
		return ckpt_wr_phase_recover_migrate(w);
	case CKPT_PHASE_RETRY:
		return phase_retry(w);
	default:
		return false;
	}
}

/* Drive the machine as far as it goes. Re-entrant calls (a completion
 * delivered before submit() returns) only ask the running loop to go
 * round again. */
void ckpt_wr_pump(struct ckpt_writer *w)
{
	if (w->pumping) {
		w->pump_again = true;
		return;
	}
	w->pumping = true;
	uint64_t t0 = instret();
	do {
		w->pump_again = false;
		while (step(w))
			;
	} while (w->pump_again);
	w->pumping = false;
	uint64_t took = instret() - t0;
	if (took > w->longest_run)
		w->longest_run = took;
}

void ckpt_writer_kick(struct ckpt_writer *w)
{
	w->migrate_deferred = false;
	ckpt_wr_pump(w);
}

void ckpt_writer_start(struct ckpt_writer *w)
{
	w->gen = w->committed + 1;
	w->gen_start = w->head;
	w->reserved_end = w->head + ckpt_log_need(w, w->nitems);
	w->phase = CKPT_PHASE_DATA;
	w->next = 0;
	w->bytes = 0;
	w->failed = false;
	w->threads_rebuilt = false;
	w->check_instret = 0;
	w->longest_run = 0;
	w->unflushed = 0;
	w->data_flushing = false;
	w->check_zeroed = 0; /* the last generation's check used the map */
	w->one_flush = w->one_flush_max && w->nitems <= w->one_flush_max && w->prev_flushed;
	if (w->env.kick)
		w->env.kick(w->env.ctx); /* the owner runs the machine later */
	else
		ckpt_wr_pump(w);
}
