/* SPDX-License-Identifier: MIT */
/*
 * Log space and the dirty list (docs/checkpoint.md "Log space").
 *
 * Dirtying a block that is clean in the current epoch reserves room for it
 * in the log before the block may change (docs/design.md invariant 5): one ring
 * position and its share of a directory. The ring holds the durable
 * generation [tail, gen_start), the generation being written
 * [gen_start, reserved_end) and the current epoch's reservation; when a
 * new reservation would not fit, the writer waits (ACT_WAIT_LOG) and a
 * checkpoint is requested at once: its commit moves the tail and frees the
 * previous generation's space. The register nodes that demarcation itself
 * writes back are covered by a fixed reserve (CKPT_PROC_RESERVE). The
 * arithmetic (ckpt_log_need, ckpt_log_fits) is the log writer's
 * (ckpt/writer.h), which the host tests share.
 *
 * The checkpointer's arrays live in a kernel area (memlayout.h
 * CKPT_AREA_BASE); the dirty list and the snapshot items are reserved for
 * the largest epoch RAM allows but mapped only as far as they are used, so
 * boot costs the same on any volume.
 */
#include <string.h>
#include "ckpt/ckpt.h"
#include "ckpt/ckpt_hooks.h"
#include "ckpt/ckpt_internal.h"
#include "mem/objcache.h"
#include "mem/karea.h"
#include "dom/kctx.h"
#include "dom/park.h"
#include "mem/vm.h"
#include "dev/volume.h"
#include "hw/memlayout.h"
#include "hw/log.h"
#include "hw/panic.h"

struct ckpt_state ckpt_state;
static uint64_t area_used;
static bool demarcating_flag;

void ckpt_area_reserve(struct karea *a, uint64_t bytes)
{
	bytes = (bytes + 4095) & ~4095ull;
	if (area_used + bytes > CKPT_AREA_SIZE)
		panic("checkpoint area exhausted (%lu bytes wanted)", (unsigned long)bytes);
	*a = (struct karea){ .base = CKPT_AREA_BASE + area_used, .size = bytes };
	area_used += bytes;
}

void *ckpt_area_alloc(uint64_t bytes)
{
	struct karea a;
	ckpt_area_reserve(&a, bytes);
	if (!karea_grow(&a, a.size, false))
		panic("out of memory for the checkpointer's arrays");
	return (void *)a.base;
}

/* The log writer's map for checking a generation (ckpt/writer.c)
 * holds every item the snapshot array has room for and `threads` threads. */
static bool check_cover(uint64_t threads, bool may_park)
{
	uint64_t items = ckpt_state.items_area.mapped / sizeof(*ckpt_state.w.items);
	bool ok = karea_grow(&ckpt_state.check_area, ckpt_writer_check_bytes(items + threads),
			     may_park);
	ckpt_state.w.check_bytes = ckpt_state.check_area.mapped;
	return ok;
}

/* The dirty list, the snapshot items and the writer's map for checking
 * them are mapped as they grow, so that boot does not pay for the largest
 * epoch RAM allows. Before entry n of the dirty list exists, room for it
 * and for the register nodes that demarcation may add, in all three. */
static bool arrays_cover(uint64_t n, bool may_park)
{
	n += CKPT_PROC_RESERVE;
	return karea_grow(&ckpt_state.dirty_area, n * sizeof(*ckpt_state.dirty), may_park) &&
	       karea_grow(&ckpt_state.items_area, n * sizeof(*ckpt_state.w.items), may_park) &&
	       check_cover(ckpt_state.w.thread_cap, may_park);
}

/* Would an epoch of n dirty blocks fit beside what the log holds? */
static bool fits(uint64_t n)
{
	if (n > ckpt_state.cap)
		return false;
	return ckpt_log_fits(&ckpt_state.w, n + CKPT_PROC_RESERVE);
}

bool ckpt_space_init(void)
{
	uint64_t ring = ckpt_state.w.ring;
	if (!vm_reserve(CKPT_AREA_BASE, CKPT_AREA_SIZE))
		panic("no memory for the checkpoint area's tables");
	/* An epoch can dirty at most every frame; the log must hold two. */
	uint64_t frames = frame_total_count();
	uint64_t fixed = ckpt_log_need(&ckpt_state.w, CKPT_PROC_RESERVE);
	ckpt_state.cap = ring / 2 > fixed ? ring / 2 - fixed : 0;
	if (ckpt_state.cap > frames)
		ckpt_state.cap = frames;
	if (ckpt_state.cap < 16) {
		log_warn("checkpoints off: the log (%lu blocks) is too small for two generations",
			 (unsigned long)ring);
		return false;
	}
	uint64_t max_items = ckpt_state.cap + CKPT_PROC_RESERVE;
	ckpt_area_reserve(&ckpt_state.dirty_area, max_items * sizeof(*ckpt_state.dirty));
	ckpt_area_reserve(&ckpt_state.items_area, max_items * sizeof(*ckpt_state.w.items));
	ckpt_state.dirty = (struct frame **)ckpt_state.dirty_area.base;
	ckpt_state.w.items = (struct ckpt_item *)ckpt_state.items_area.base;
	/* The thread list: the directory blocks of the running domains may
	 * take an eighth of the ring per generation; every thread is a root
	 * of its own (act.c), so there are no more than nodes; and a bound
	 * keeps the area's reservations finite on any volume. */
	ckpt_state.thread_max = ring / 8 * CKPT_DIR_ENTRIES_PER_BLOCK;
	if (ckpt_state.thread_max > volume_sb.node_count)
		ckpt_state.thread_max = volume_sb.node_count;
	if (ckpt_state.thread_max > CKPT_THREAD_LIMIT)
		ckpt_state.thread_max = CKPT_THREAD_LIMIT;
	ckpt_area_reserve(&ckpt_state.threads_area,
			  ckpt_state.thread_max * sizeof(*ckpt_state.w.threads));
	ckpt_state.w.threads = (uint64_t *)ckpt_state.threads_area.base;
	ckpt_state.w.thread_cap = 0;
	ckpt_area_reserve(&ckpt_state.check_area,
			  ckpt_writer_check_bytes(max_items + ckpt_state.thread_max));
	ckpt_state.w.check_slots = (struct ckpt_dirent *)ckpt_state.check_area.base;
	if (!arrays_cover(0, false))
		panic("out of memory for the checkpointer's arrays");
	return true;
}

bool ckpt_threads_reserve(uint64_t n, bool may_park)
{
	if (!ckpt_state.enabled || n <= ckpt_state.w.thread_cap)
		return true;
	if (n > ckpt_state.thread_max ||
	    !karea_grow(&ckpt_state.threads_area, n * sizeof(*ckpt_state.w.threads), may_park) ||
	    !check_cover(n, may_park))
		return false;
	uint64_t before = ckpt_state.w.thread_cap;
	ckpt_state.w.thread_cap = n;
	if (may_park && !fits(ckpt_state.ndirty)) {
		/* Their directory entries do not fit beside this epoch: the
		 * next commit frees the previous generation's space. */
		ckpt_state.w.thread_cap = before;
		ckpt_ask(CKPT_CAUSE_LOG_FULL);
		park_on(ACT_WAIT_LOG, &ckpt_state.log_waiters);
	}
	return true;
}

void ckpt_set_demarcating(bool on)
{
	demarcating_flag = on;
}

void ckpt_reserve_dirty(struct frame *f)
{
	if (!ckpt_state.enabled)
		return; /* no checkpoints: dirty blocks stay in memory */
	if (!demarcating_flag) {
		if (!fits(ckpt_state.ndirty + 1)) {
			if (!kctx_act)
				panic("log full outside any domain's operation");
			ckpt_ask(CKPT_CAUSE_LOG_FULL);
			park_on(ACT_WAIT_LOG, &ckpt_state.log_waiters);
		}
		/* May park for memory (inside an operation): still before the
		 * block is listed. */
		if (!arrays_cover(ckpt_state.ndirty + 1, kctx_act != NULL))
			panic("out of memory for the checkpointer's dirty list");
	}
	kassert(ckpt_state.ndirty < ckpt_state.cap + CKPT_PROC_RESERVE);
	ckpt_state.dirty[ckpt_state.ndirty++] = f;
}

/* Rare (a rescind of a DMA-pinned page), so a scan of the list rather
 * than an index kept for every dirty block. */
void ckpt_dirty_moved(struct frame *from, struct frame *to)
{
	for (uint64_t i = 0; i < ckpt_state.ndirty; i++)
		if (ckpt_state.dirty[i] == from) {
			ckpt_state.dirty[i] = to;
			return;
		}
	kassert(!ckpt_state.enabled); /* a DIRTY block is on the list */
}

void ckpt_space_freed(void)
{
	act_wake_all(&ckpt_state.log_waiters);
}
