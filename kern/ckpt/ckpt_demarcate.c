/* SPDX-License-Identifier: MIT */
/*
 * Demarcation and copy-on-write (docs/checkpoint.md, step 1).
 *
 * Demarcation runs at a safe point (ckpt.h): no operation is half done, so
 * the nodes, pages and cached domains together are a consistent state. It
 * writes the cached domains back into their nodes, turns every block on
 * the dirty list into a snapshot item (clearing DIRTY, setting SNAPSHOT,
 * taking write permission away from user mappings of pages), records the
 * running domains and starts the log writer. Its cost is linear in the
 * dirty blocks and the cached domains (at most PROC_MAX), never in RAM.
 *
 * From then on a block of the snapshot may change only after
 * ckpt_before_write() has copied it aside (or waited while the device
 * reads it): that is what keeps the cut consistent while domains run.
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

static void note_dirty_proc(struct proc *p, void *arg)
{
	if (p->dirty)
		*(bool *)arg = true;
}

static void capture_thread(struct activity *a, void *arg)
{
	(void)arg;
	/* act.c grows its table only after ckpt_threads_reserve. */
	kassert(ck.nthreads < ck.thread_cap);
	ck.threads[ck.nthreads++] = a->root_oid;
}

void ckpt_demarcate(void)
{
	ckpt_wanted = false;
	if (!ck.enabled || ck.phase != PHASE_IDLE)
		return;
	uint64_t t0 = rdinstret();
	bool procs_dirty = false;
	proc_for_each(note_dirty_proc, &procs_dirty);
	if (!ck.forced && ck.ndirty == 0 && !procs_dirty) {
		ck.due = false; /* nothing happened since the last checkpoint */
		return;
	}

	/* 1. The cached domains' registers into their nodes. Their node pots
	 * are resident (proc.c holds them) and no block is SNAPSHOT now, so
	 * this cannot fault or copy; their reservation is the fixed one. */
	ckpt_set_demarcating(true);
	proc_for_each(writeback, NULL);
	ckpt_set_demarcating(false);

	/* 2. The running domains. */
	ck.nthreads = 0;
	act_for_each(capture_thread, NULL);

	/* 3. Every dirty block becomes a snapshot item. */
	bool fence = false;
	for (uint64_t i = 0; i < ck.ndirty; i++) {
		struct frame *f = ck.dirty[i];
		struct snap_item *it = &ck.items[i];
		*it = (struct snap_item){ .frame = f, .index = f->obj_index, .cls = f->obj_class };
		f->obj_flags = (uint16_t)((f->obj_flags & ~OBJF_DIRTY) | OBJF_SNAPSHOT);
		f->ckpt_item = (uint32_t)i;
		if (f->obj_class == OBJ_PAGE)
			fence |= aspace_write_protect_frame(f);
	}
	if (fence)
		sfence_vma_all();
	ck.nitems = ck.ndirty;
	ck.ndirty = 0;

	/* 4. A new epoch; the generation goes to the log writer. */
	ck.gen = ck.committed + 1;
	ck.gen_start = ck.head;
	ck.reserved_end = ck.head + ckpt_need(ck.nitems);
	ck.due = false;
	ck.forced = false;
	ck.last_stall = rdinstret() - t0;
	ck.demarcated_at = rdtime();
	if (ck.verbose)
		kprintf("cairn: checkpoint %lu demarcated blocks=%lu threads=%lu instret=%lu\n",
			(unsigned long)ck.gen, (unsigned long)ck.nitems,
			(unsigned long)ck.nthreads, (unsigned long)ck.last_stall);
	ckpt_space_freed(); /* the epoch's reservation starts again from zero */
	ckpt_stabilize_start();
}

void ckpt_before_write(struct frame *f)
{
	if (!(f->obj_flags & OBJF_SNAPSHOT))
		return;
	kassert(kctx_act != NULL && !kctx_committed);
	struct snap_item *it = &ck.items[f->ckpt_item];
	kassert(it->frame == f);
	if (it->io == ITEM_IO_BUSY)
		park_on(ACT_WAIT_IO, &ck.io_waiters); /* the device reads it now */
	uint64_t pa = kframe_alloc(); /* may park: still nothing changed */
	memcpy(pa_to_va(pa), pa_to_va(frame_pa(f)), 4096);
	it->copy_pa = pa;
	it->frame = NULL;
	f->obj_flags &= (uint16_t)~OBJF_SNAPSHOT;
}

void ckpt_release_snapshot(void)
{
	for (uint64_t i = 0; i < ck.nitems; i++) {
		struct snap_item *it = &ck.items[i];
		if (it->frame)
			it->frame->obj_flags &= (uint16_t)~OBJF_SNAPSHOT;
		if (it->copy_pa)
			frame_free(it->copy_pa);
		it->frame = NULL;
		it->copy_pa = 0;
	}
	ck.nitems = 0;
	objcache_memory_available();
}
