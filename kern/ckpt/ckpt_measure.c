/* SPDX-License-Identifier: MIT */
/*
 * Measurements for the checkpoint benchmarks (docs/benchmarks.md):
 *  - the demarcation pause, always (STATS reports it): the retired
 *    instructions from the top of ckpt_demarcate() to the first interrupt
 *    window after it, the return to U-mode (a timer armed for now fires
 *    there: the count includes that interrupt's entry, about a hundred
 *    instructions, and not the return path's every pass), or to the hart
 *    going idle (nobody waited), whatever ran between, the invocation that
 *    met the safe point included; with ckpt=verbose the `demarcated` line,
 *    printed after the count ends;
 *  - ckpt=verbose: the retired instructions from kernel entry to the first
 *    domain about to run (restart cost), where kernel entry was (`entry=`,
 *    absolute: a domain's rdinstret minus it is its distance from kernel
 *    entry), and how much of the count the hart spent waiting in wfi
 *    (`idle=`: under icount, the host's real time, hw/idle.c);
 *  - blkbench=MIB: before any domain runs, the raw sequential write rate
 *    of the device, writing MIB MiB in requests of 64 blocks, up to 32 in
 *    flight (as the log writer does), each block from a frame of its own
 *    (up to 64 MiB of them, as memory allows), then one FLUSH; five runs,
 *    into the free part of the log ring. And then, paired with each
 *    checkpoint, one run of the size of its dirty list (at most MIB MiB,
 *    at least 1 MiB) right before its demarcation (`paired`): the host's
 *    load drifts, and a checkpoint compared with a raw run taken seconds
 *    earlier measures the drift as much as the writer.
 *    Nothing names those positions, so a crash during the measurement
 *    leaves the volume as it was.
 */
#include <string.h>
#include "ckpt/ckpt.h"
#include "ckpt/ckpt_internal.h"
#include "dev/virtio_blk.h"
#include "dev/volume.h"
#include "hw/platform.h"
#include "hw/timer.h"
#include "hw/memlayout.h"
#include "dom/sched.h"
#include "hw/riscv.h"
#include "hw/log.h"
#include "mem/frame.h"

uint64_t ckpt_boot_instret;
bool ckpt_first_run_pending;
static bool report_pending; /* ckpt=verbose, until the first domain runs */
bool ckpt_pause_pending;
static struct ktimer pause_timer; /* fires once a domain runs */

void ckpt_report_first_run(void)
{
	uint64_t now = rdinstret();
	if (!report_pending)
		return;
	report_pending = false;
	kprintf("cairn: first domain runs after instret=%lu entry=%lu idle=%lu\n",
		(unsigned long)(now - ckpt_boot_instret), (unsigned long)ckpt_boot_instret,
		(unsigned long)hart_idle_instret);
}

static void pause_timer_fired(struct ktimer *t)
{
	(void)t;
	ckpt_pause_end();
}

void ckpt_pause_begin(void)
{
	ckpt_pause_pending = true;
	pause_timer.fn = pause_timer_fired;
	if (!pause_timer.armed)
		ktimer_arm(&pause_timer, timer_now());
}

void ckpt_pause_end(void)
{
	uint64_t now = rdinstret();
	struct ckpt_state *s = &ckpt_state;
	if (!ckpt_pause_pending)
		return;
	ckpt_pause_pending = false;
	if (pause_timer.armed)
		ktimer_cancel(&pause_timer);
	s->last_stall = now - s->stall_start;
	if (s->verbose)
		kprintf("cairn: checkpoint %lu demarcated blocks=%lu threads=%lu instret=%lu\n",
			(unsigned long)s->w.gen, (unsigned long)s->w.nitems,
			(unsigned long)s->w.nthreads, (unsigned long)s->last_stall);
}

#define BENCH_INFLIGHT 32

#define BENCH_BATCH 64 /* blocks per request, as the log writer batches */

static struct blk_req bench_req[BENCH_INFLIGHT];
static struct blk_seg bench_seg[BENCH_INFLIGHT][BENCH_BATCH];
/* Source data: distinct frames, one per block written (up to BENCH_BUFS),
 * so the device reads as much different memory as the log writer does
 * from a snapshot of that size (frames written over and over stay in the
 * host's caches and flatter the baseline: until issue 14 it was 4 MiB of
 * frames, used 16 times over for 64 MiB). */
#define BENCH_BUFS 16384
#define BENCH_RUNS 5
static uint64_t bench_buf[BENCH_BUFS];
static unsigned bench_nbufs;
static unsigned bench_batch;
static uint64_t bench_next, bench_end, bench_done_count, bench_total;
static volatile bool bench_finished;
static bool bench_error;

static void bench_submit(struct blk_req *r);

static void bench_done(struct blk_req *r)
{
	if (r->status != BLK_OK)
		bench_error = true;
	bench_done_count += r->nsegs;
	if (bench_done_count >= bench_total) {
		bench_finished = true;
		return;
	}
	if (bench_next < bench_end && !bench_error)
		bench_submit(r);
}

static void bench_submit(struct blk_req *r)
{
	uint64_t pos = bench_next;
	uint16_t n = 0;
	struct blk_seg *segs = (struct blk_seg *)r->segs;
	do {
		segs[n++] = (struct blk_seg){ bench_buf[bench_next % bench_nbufs], 4096 };
		bench_next++;
	} while (n < bench_batch && bench_next < bench_end && bench_next % ckpt_state.w.ring != 0);
	r->nsegs = n;
	r->sector = volume_sector(ckpt_pos_block(&volume_sb, pos));
	if (blk_submit(r) != BLK_OK) {
		bench_error = true;
		r->status = BLK_ERR_IO;
		bench_done(r);
	}
}

/* Distinct frames for `blocks` blocks (as many as memory allows, up to
 * BENCH_BUFS), filled with data that is not zeros. False: none. */
static bool bench_alloc(uint64_t blocks)
{
	for (bench_nbufs = 0; bench_nbufs < BENCH_BUFS && bench_nbufs < blocks; bench_nbufs++) {
		uint64_t pa = frame_alloc();
		if (!pa)
			break;
		uint64_t *w = pa_to_va(pa);
		for (unsigned i = 0; i < 512; i++)
			w[i] = (uint64_t)bench_nbufs << 32 | i;
		bench_buf[bench_nbufs] = pa;
	}
	bench_batch = blk_seg_max() < BENCH_BATCH ? blk_seg_max() : BENCH_BATCH;
	return bench_nbufs > 0;
}

static void bench_release(void)
{
	while (bench_nbufs > 0)
		frame_free(bench_buf[--bench_nbufs]);
}

/* One run: `blocks` blocks from the free log positions, then a FLUSH;
 * the console line. Waits with interrupts on. */
static void bench_run(uint64_t blocks, const char *what)
{
	bench_next = ckpt_state.w.reserved_end;
	bench_end = bench_next + blocks;
	bench_total = blocks;
	bench_done_count = 0;
	bench_finished = false;
	bench_error = false;
	/* Not timed: a FLUSH first, so that the run pays for its own writes
	 * only, not for what the last migration left for the next FLUSH
	 * (ckpt/writer.c, MIGRATE). */
	(void)blk_sync(BLK_FLUSH, 0, 0, 0);
	uint64_t t0 = rdtime();
	for (int i = 0; i < BENCH_INFLIGHT && bench_next < bench_end; i++) {
		bench_req[i] = (struct blk_req){ .op = BLK_WRITE,
						 .segs = bench_seg[i],
						 .done = bench_done };
		bench_submit(&bench_req[i]);
	}
	intr_wait_flag(&bench_finished);
	/* Durable, as a checkpoint's writes must be: one FLUSH at the end. */
	if (blk_sync(BLK_FLUSH, 0, 0, 0) != BLK_OK)
		bench_error = true;
	uint64_t us = timer_ticks_to_us(rdtime() - t0);
	kprintf("cairn: blkbench wrote bytes=%lu us=%lu%s%s\n", (unsigned long)(blocks * 4096),
		(unsigned long)us, what, bench_error ? " (with errors)" : "");
}

static uint64_t bench_max_blocks; /* blkbench=MIB: 0 when off */

/* The free log positions a raw run may write. */
static uint64_t bench_room(void)
{
	const struct ckpt_writer *w = &ckpt_state.w;
	return w->ring - (w->reserved_end - w->tail) - ckpt_log_need(w, CKPT_PROC_RESERVE);
}

void ckpt_measure_paired(uint64_t ndirty)
{
	uint64_t blocks = ndirty < bench_max_blocks ? ndirty : bench_max_blocks;
	if (blocks < 256 || blocks > bench_room() || !bench_alloc(blocks))
		return;
	bench_run(blocks, " paired");
	bench_release();
}

void ckpt_measure_boot(void)
{
	char arg[16];
	report_pending = ckpt_state.verbose;
	if (!platform_bootarg("blkbench", arg, sizeof(arg)) || !ckpt_state.enabled)
		return;
	uint64_t mib = 0;
	for (const char *c = arg; *c >= '0' && *c <= '9'; c++)
		mib = mib * 10 + (uint64_t)(*c - '0');
	uint64_t blocks = mib * 256;
	uint64_t free = bench_room();
	if (blocks == 0 || blocks > free) {
		kprintf("cairn: blkbench: %lu MiB does not fit in the free log (%lu MiB)\n",
			(unsigned long)mib, (unsigned long)(free / 256));
		return;
	}
	bench_max_blocks = blocks;
	if (!bench_alloc(blocks))
		return;
	/* Several runs: the host's disk is noisy, the scripts take the median. */
	for (int run = 0; run < BENCH_RUNS; run++)
		bench_run(blocks, "");
	bench_release();
}
