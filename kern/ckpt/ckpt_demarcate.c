/* SPDX-License-Identifier: MIT */
/*
 * Demarcation and copy-on-write (docs/checkpoint.md, step 1).
 *
 * Demarcation runs at a safe point (ckpt.h): no operation is half done, so
 * the nodes, pages and cached domains together are a consistent state. It
 * writes the cached domains back into their nodes, turns every block on
 * the dirty list into a snapshot item (clearing DIRTY, setting SNAPSHOT,
 * taking write permission away from user mappings of pages), records the
 * running domains and hands the generation to the log writer, which runs
 * later, in short runs while domains run (ckpt_write.c's kick): block
 * sums and the directory are never part of the pause. Its cost is linear
 * in the dirty blocks and the cached domains (at most PROC_MAX), never in
 * RAM. The pause is counted from the top of ckpt_demarcate() to the next
 * return to U-mode or idle hart (ckpt_measure.c), whatever runs between.
 *
 * From then on a block of the snapshot may change only after
 * ckpt_before_write() has copied it aside (or waited while the device
 * reads it): that is what keeps the cut consistent while domains run. A
 * page pinned for a device is copied aside at once (copy_pinned_now): a
 * device writes it without asking.
 */
#include <string.h>
#include "ckpt/ckpt.h"
#include "ckpt/ckpt_hooks.h"
#include "ckpt/ckpt_internal.h"
#include "mem/objcache.h"
#include "dom/proc.h"
#include "dom/act.h"
#include "dom/aspace.h"
#include "dom/kctx.h"
#include "dom/park.h"
#include "hw/riscv.h"
#include "hw/memlayout.h"
#include "hw/log.h"
#include "hw/panic.h"

static void writeback(struct proc *p, void *arg)
{
	(void)arg;
	proc_writeback(p);
}

static void capture_thread(struct activity *a, void *arg)
{
	(void)arg;
	/* act.c grows its table only after ckpt_threads_reserve. */
	kassert(ckpt_state.w.nthreads < ckpt_state.w.thread_cap);
	ckpt_state.w.threads[ckpt_state.w.nthreads++] = a->root_oid;
}

/* A page a device may write (it has DMA pins) changes under the writer
 * whenever the device writes it, without passing ckpt_before_write: its
 * snapshot is copied aside now, or the log could hold a block whose sum
 * does not match (recovery then refuses the checkpoint). Found by
 * test_outcommit.py: thousands of checkpoints while frames arrive. Pinned
 * pages are few (enet's rings and buffers, at most DMA_PINS); with no free
 * frame the page stays shared, counted, and the race is back for it. */
static uint64_t pinned_not_copied;

static bool copy_pinned_now(struct frame *f, struct ckpt_item *it)
{
	uint64_t pa = frame_alloc();
	if (!pa) {
		if (pinned_not_copied++ == 0)
			log_error("no frame to copy a pinned page's snapshot aside");
		return false;
	}
	memcpy(pa_to_va(pa), pa_to_va(frame_pa(f)), 4096);
	it->copy = pa;
	it->live = NULL;
	f->obj_flags &= (uint16_t)~OBJF_SNAPSHOT;
	return true;
}

void ckpt_demarcate(void)
{
	struct ckpt_writer *w = &ckpt_state.w;
	uint64_t t0 = rdinstret();
	ckpt_wanted = false;
	if (!ckpt_due(true))
		return;
	uint64_t raw = rdinstret();
	ckpt_measure_paired(ckpt_state.ndirty); /* blkbench= only: a raw run, not counted */
	ckpt_state.stall_start = t0 + (rdinstret() - raw);

	/* 1. The cached domains' registers into their nodes. Their node pots
	 * are resident (proc.c holds them) and no block is SNAPSHOT now, so
	 * this cannot fault or copy; their reservation is the fixed one. */
	ckpt_set_demarcating(true);
	proc_for_each(writeback, NULL);
	ckpt_set_demarcating(false);

	/* 2. The running domains. */
	w->nthreads = 0;
	act_for_each(capture_thread, NULL);

	/* 3. Every dirty block becomes a snapshot item. */
	bool fence = false;
	for (uint64_t i = 0; i < ckpt_state.ndirty; i++) {
		struct frame *f = ckpt_state.dirty[i];
		struct ckpt_item *it = &w->items[i];
		*it = (struct ckpt_item){ .live = f, .index = f->obj_index, .pool = f->obj_class };
		f->obj_flags = (uint16_t)((f->obj_flags & ~OBJF_DIRTY) | OBJF_SNAPSHOT);
		f->ckpt_item = (uint32_t)i;
		if (f->obj_class == OBJ_PAGE && f->dma_pins && copy_pinned_now(f, it))
			continue;
		if (f->obj_class == OBJ_PAGE)
			fence |= aspace_write_protect_frame(f);
	}
	if (fence)
		sfence_vma_all();
	w->nitems = ckpt_state.ndirty;
	ckpt_state.ndirty = 0;

	/* 4. A new epoch; the generation goes to the log writer, which runs
	 * after the pause (its kick). */
	ckpt_state.due = false;
	ckpt_state.forced = false;
	ckpt_arm_period(); /* the period counts from the last checkpoint, whatever its cause */
	ckpt_state.demarcated_at = rdtime();
	ckpt_console_demarcate(w); /* the held console lines go with this header */
	ckpt_pause_begin();        /* counted until a domain runs (ckpt_measure.c): its timer
				    * goes before the writer's kick, which ends nothing */
	ckpt_writer_start(w);      /* takes the next sequence and the epoch's positions */
	ckpt_space_freed();        /* the epoch's reservation starts again from zero */
}

void ckpt_before_write(struct frame *f)
{
	if (!(f->obj_flags & OBJF_SNAPSHOT))
		return;
	kassert(kctx_act != NULL && !kctx_committed);
	struct ckpt_item *it = &ckpt_state.w.items[f->ckpt_item];
	kassert(it->live == f);
	if (ckpt_item_busy(it))
		park_on(ACT_WAIT_IO, &ckpt_state.io_waiters); /* the device reads it now */
	uint64_t pa = kframe_alloc();                         /* may park: still nothing changed */
	memcpy(pa_to_va(pa), pa_to_va(frame_pa(f)), 4096);
	it->copy = pa;
	it->live = NULL;
	f->obj_flags &= (uint16_t)~OBJF_SNAPSHOT;
}

void ckpt_release_snapshot(void)
{
	struct ckpt_writer *w = &ckpt_state.w;
	for (uint64_t i = 0; i < w->nitems; i++) {
		struct ckpt_item *it = &w->items[i];
		struct frame *f = it->live;
		if (f)
			f->obj_flags &= (uint16_t)~OBJF_SNAPSHOT;
		if (it->copy)
			frame_free(it->copy);
		it->live = NULL;
		it->copy = 0;
	}
	w->nitems = 0;
	objcache_memory_available();
}
