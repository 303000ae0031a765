/* SPDX-License-Identifier: MIT */
/*
 * The log writer in the kernel: ckpt/writer.c (stabilization and
 * migration, docs/checkpoint.md steps 2 and 3) over virtio-blk, and what
 * it tells the rest of the kernel.
 *
 *   I/O       each of the writer's requests becomes one blk_req of up to
 *             CKPT_WRITER_BATCH segments (one per 4 KiB buffer, by its
 *             physical address); a request the driver refuses completes
 *             at once with its status;
 *   items     a snapshot item's data is its SNAPSHOT frame, or the copy
 *             ckpt_before_write() made (ckpt_demarcate.c);
 *   events    wake the activities waiting for a snapshot block's transfer
 *             (io_waiters) or for log space (log_waiters), release the
 *             snapshot once migrated, drop the recovery map, say whether
 *             a checkpoint is due (ckpt_due.c), arm the retry timer;
 *   reports   the console lines (docs/checkpoint.md "Console lines",
 *             "Failures", "Refusal").
 */
#include "ckpt/ckpt.h"
#include "ckpt/ckpt_internal.h"
#include "dev/virtio_blk.h"
#include "dev/volume.h"
#include "hw/timer.h"
#include "hw/riscv.h"
#include "hw/memlayout.h"
#include "hw/log.h"
#include "hw/panic.h"
#include "mem/objcache.h"

_Static_assert(BLK_ERR_IO == CKPT_IO_ERROR, "the writer's plain I/O error is virtio-blk's");
_Static_assert(CKPT_WRITER_SLOTS <= BLK_MAX_INFLIGHT, "every slot can be in flight");

static struct blk_req blk_reqs[CKPT_WRITER_SLOTS];
static struct blk_seg blk_segs[CKPT_WRITER_SLOTS][CKPT_WRITER_BATCH];
static struct ktimer retry_timer;
static struct ktimer kick_timer; /* the writer's next run, at once but outside the caller */

/* DATA requests or directory blocks one run of the writer prepares: one,
 * so one run sums at most the 64 blocks of a request; below
 * CKPT_KICK_DEPTH requests in flight the run ends with another kick,
 * beyond, completions drive it (one more per completion). */
#define CKPT_KERNEL_BURST 1
/* DATA blocks between early FLUSHes (one in flight at a time): the host
 * starts writing the log to its disk while the writer still sums, and
 * FLUSH1 is left with what came after the last one. 512 KiB: against 8
 * MiB, the stabilization of 64 MiB went from 0.81 to 0.88 of the raw rate
 * (docs/benchmarks.md "Where the log writer's time goes"); a generation
 * smaller than this has none. */
#define CKPT_KERNEL_FLUSH_EVERY 128
/* From this many blocks (1 MiB) a generation's homes are flushed right
 * after migration (ckpt/writer.c, HOME_FLUSH); a smaller one's are left to
 * the next FLUSH, one disk round trip fewer per checkpoint. */
#define CKPT_KERNEL_HOME_FLUSH_FROM 256
/* A generation of at most this many blocks commits with one FLUSH instead
 * of two, a disk round trip fewer between a demarcation and its commit,
 * which output waiting for the commit waits for (docs/checkpoint.md
 * "Committing with one FLUSH"): recovery reads back at most 256 KiB of
 * such a generation before the first domain runs. */
#define CKPT_KERNEL_ONE_FLUSH_MAX 64

/* --- the device ----------------------------------------------------------- */

static void blk_done(struct blk_req *r)
{
	ckpt_writer_done(&ckpt_state.w, r->ctx, (int)r->status);
}

static void blk_submit_req(void *ctx, struct ckpt_io_req *req)
{
	static const uint8_t ops[] = {
		[CKPT_IO_READ] = BLK_READ, [CKPT_IO_WRITE] = BLK_WRITE, [CKPT_IO_FLUSH] = BLK_FLUSH
	};
	struct blk_req *r = &blk_reqs[req->slot];
	struct blk_seg *segs = blk_segs[req->slot];
	(void)ctx;
	for (unsigned i = 0; i < req->nblocks; i++)
		segs[i] = (struct blk_seg){ va_to_pa(req->buf[i]), 4096 };
	*r = (struct blk_req){
		.op = ops[req->op],
		.nsegs = req->nblocks,
		.sector = volume_sector(req->block),
		.segs = segs,
		.done = blk_done,
		.ctx = req,
	};
	enum blk_status st = blk_submit(r);
	if (st != BLK_OK) {
		r->status = st;
		blk_done(r);
	}
}

static const char *blk_status_text(int status)
{
	return blk_strerror((enum blk_status)status);
}

/* --- the environment ------------------------------------------------------ */

static const void *item_data(void *ctx, const struct ckpt_item *it)
{
	(void)ctx;
	return pa_to_va(it->live ? frame_pa(it->live) : it->copy);
}

/* A run of the writer, its requests sent with one notification
 * (virtio_blk.c "Plugging"); completions are plugged by the driver. */
static void run_writer(void)
{
	blk_plug();
	ckpt_writer_kick(&ckpt_state.w);
	blk_unplug();
}

static void kick_fire(struct ktimer *t)
{
	(void)t;
	run_writer();
}

/* From a timer interrupt as soon as interrupts are on, after the
 * demarcation pause has ended, when a domain runs; or at once when the
 * hart would idle (ckpt_idle(): a timer's deadline in the past still
 * takes QEMU's main loop a while to deliver). */
static void kick(void *ctx)
{
	(void)ctx;
	ktimer_arm(&kick_timer, timer_now()); /* (again: after a pause's timer, ckpt_measure.c) */
}

/* After a commit: migration waits until the domains it woke (output
 * waiting for the commit) have run, at most CKPT_MIGRATE_DEFER_US. The
 * idle loop runs it at once (ckpt_idle); the next demarcation waits for
 * it either way. */
#define CKPT_MIGRATE_DEFER_US 2000u

static void defer(void *ctx)
{
	(void)ctx;
	ktimer_arm(&kick_timer, timer_now() + timer_us_to_ticks(CKPT_MIGRATE_DEFER_US));
}

bool ckpt_idle(void)
{
	if (ckpt_writer_recover_held(&ckpt_state.w) && !objcache_fetching())
		ckpt_writer_recover_release(&ckpt_state.w); /* kick(): run below */
	if (!kick_timer.armed)
		return false;
	ktimer_cancel(&kick_timer);
	run_writer();
	return true;
}

bool ckpt_background(void)
{
	return ckpt_state.enabled && ckpt_writer_background(&ckpt_state.w);
}

static void retry_fire(struct ktimer *t)
{
	(void)t;
	ckpt_writer_timer(&ckpt_state.w);
}

static void retry_after(void *ctx, uint32_t ms)
{
	(void)ctx;
	ktimer_arm(&retry_timer, timer_now() + timer_ms_to_ticks(ms));
}

static void items_free(void *ctx)
{
	(void)ctx;
	act_wake_all(&ckpt_state.io_waiters);
}

static void space_freed(void *ctx)
{
	(void)ctx;
	ckpt_space_freed();
}

static void migrated(void *ctx, bool recovered)
{
	(void)ctx;
	if (recovered)
		ckpt_state.map_active = false; /* fetches go home from now on */
	else
		ckpt_release_snapshot();
}

static void state_changed(void *ctx)
{
	(void)ctx;
	if (ckpt_state.w.phase == CKPT_PHASE_OFF)
		ckpt_state.enabled = false;
	ckpt_update_wanted();
}

static void refused(const struct ckpt_writer *w, const struct ckpt_report *r)
{
	unsigned long g = (unsigned long)r->gen;
	const char *name = ckpt_errname(r->err);
	if (r->kind == CKPT_REPORT_REFUSED_RETRY)
		kprintf("cairn: checkpoint %lu refused: %s %s; retrying with the thread list rebuilt "
			"(%lu dropped)\n",
			g, name, r->detail, (unsigned long)r->count);
	else if (w->committed)
		kprintf("cairn: checkpoint %lu refused: %s %s; checkpoints stopped, a restart resumes "
			"from checkpoint %lu\n",
			g, name, r->detail, (unsigned long)w->committed);
	else
		kprintf("cairn: checkpoint %lu refused: %s %s; checkpoints stopped, a restart boots "
			"the image afresh\n",
			g, name, r->detail);
}

static void committed(const struct ckpt_writer *w)
{
	kprintf("cairn: checkpoint %lu committed objects=%lu bytes=%lu\n", (unsigned long)w->gen,
		(unsigned long)w->nitems, (unsigned long)w->bytes);
	if (ckpt_state.verbose)
		kprintf("cairn: checkpoint %lu stabilized bytes=%lu us=%lu entries=%lu "
			"check_instret=%lu longest_run=%lu\n",
			(unsigned long)w->gen, (unsigned long)w->bytes,
			(unsigned long)timer_ticks_to_us(rdtime() - ckpt_state.demarcated_at),
			(unsigned long)(w->nitems + w->nthreads), (unsigned long)w->check_instret,
			(unsigned long)w->longest_run);
}

static void report(void *ctx, const struct ckpt_writer *w, const struct ckpt_report *r)
{
	unsigned long g = (unsigned long)r->gen;
	(void)ctx;
	switch (r->kind) {
	case CKPT_REPORT_COMMITTED:
		committed(w);
		ckpt_console_committed(); /* after the commit line */
		ckpt_output_committed();
		break;
	case CKPT_REPORT_FAILED:
		kprintf("cairn: checkpoint %lu failed: %s\n", g, blk_status_text(r->status));
		break;
	case CKPT_REPORT_REFUSED_RETRY:
	case CKPT_REPORT_REFUSED_STOP:
		refused(w, r);
		break;
	case CKPT_REPORT_NO_SPACE_STOP:
		kprintf("cairn: checkpoints stopped: no log space to retry checkpoint %lu\n", g);
		break;
	case CKPT_REPORT_MIGRATE_FAILED:
		log_error("migration of checkpoint %lu failed: %s; retrying in 1 s", g,
			  blk_status_text(r->status));
		break;
	case CKPT_REPORT_RECOVERED_BAD_SUM:
		log_error("checkpoint log block at %lu does not match its sum; not migrated",
			  (unsigned long)r->count);
		break;
	case CKPT_REPORT_RECOVERED_FAILED:
		log_error("migration of the recovered checkpoint %lu failed: %s; retrying in 1 s",
			  g, blk_status_text(r->status));
		break;
	case CKPT_REPORT_RECOVERED_STOP:
		kprintf("cairn: checkpoints stopped: the recovered checkpoint cannot be migrated\n");
		break;
	case CKPT_REPORT_RECOVERED_MIGRATED:
		log_debug("recovered checkpoint %lu migrated", g);
		break;
	}
}

void ckpt_write_init(void)
{
	struct ckpt_writer_config c = {
		.sb = &volume_sb,
		.io = { .submit = blk_submit_req, .strerror = blk_status_text },
		.env = { .item_data = item_data,
			 .sum = ckpt_sum,
			 .retry_after = retry_after,
			 .items_free = items_free,
			 .space_freed = space_freed,
			 .migrated = migrated,
			 .state_changed = state_changed,
			 .report = report,
			 .kick = kick,
			 .defer = defer },
		.keep = 1, /* docs/checkpoint.md "The kernel's checkpointer": at most two */
		.batch = blk_seg_max(),
		.burst = CKPT_KERNEL_BURST,
		.flush_every = CKPT_KERNEL_FLUSH_EVERY,
		.home_flush_from = CKPT_KERNEL_HOME_FLUSH_FROM,
		.one_flush_max = CKPT_KERNEL_ONE_FLUSH_MAX,
		.zero = pa_to_va(ckpt_state.zero_pa),
	};
	for (int i = 0; i < CKPT_WRITER_SLOTS; i++) {
		uint64_t pa = frame_alloc();
		if (!pa)
			panic("no memory for the checkpoint writer");
		c.buf[i] = pa_to_va(pa);
	}
	retry_timer.fn = retry_fire;
	kick_timer.fn = kick_fire;
	ckpt_writer_init(&ckpt_state.w, &c);
}
