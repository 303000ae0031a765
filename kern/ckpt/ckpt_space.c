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
 * writes back are covered by a fixed reserve (CKPT_PROC_RESERVE).
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

struct ckpt_state ck;
volatile bool ckpt_wanted;
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

/* The log writer's map for checking a generation (kern/ckpt/ckpt_write.c)
 * holds every item the snapshot array has room for and `threads` threads. */
static bool check_cover(uint64_t threads, bool may_park)
{
	uint64_t items = ck.items_area.mapped / sizeof(*ck.items);
	return karea_grow(&ck.check_area, ckpt_check_bytes(items + threads), may_park);
}

/* The dirty list, the snapshot items and the writer's map for checking
 * them are mapped as they grow, so that boot does not pay for the largest
 * epoch RAM allows. Before entry n of the dirty list exists, room for it
 * and for the register nodes that demarcation may add, in all three. */
static bool arrays_cover(uint64_t n, bool may_park)
{
	n += CKPT_PROC_RESERVE;
	return karea_grow(&ck.dirty_area, n * sizeof(*ck.dirty), may_park) &&
	       karea_grow(&ck.items_area, n * sizeof(*ck.items), may_park) &&
	       check_cover(ck.thread_cap, may_park);
}

uint64_t ckpt_need(uint64_t n)
{
	return n + (n + ck.thread_cap + CKPT_DIR_ENTRIES_PER_BLOCK - 1) / CKPT_DIR_ENTRIES_PER_BLOCK;
}

/* Would an epoch of n dirty blocks fit beside what the log holds? */
static bool fits(uint64_t n)
{
	if (n > ck.cap)
		return false;
	return ck.reserved_end - ck.tail + ckpt_need(n + CKPT_PROC_RESERVE) <= ck.ring;
}

bool ckpt_space_init(void)
{
	ck.ring = ckpt_ring_blocks(&volume_sb);
	if (!vm_reserve(CKPT_AREA_BASE, CKPT_AREA_SIZE))
		panic("no memory for the checkpoint area's tables");
	/* An epoch can dirty at most every frame; the log must hold two. */
	uint64_t frames = frame_total_count();
	ck.cap = ck.ring / 2 > ckpt_need(CKPT_PROC_RESERVE) ? ck.ring / 2 - ckpt_need(CKPT_PROC_RESERVE)
							    : 0;
	if (ck.cap > frames)
		ck.cap = frames;
	if (ck.cap < 16) {
		log_warn("checkpoints off: the log (%lu blocks) is too small for two generations",
			 (unsigned long)ck.ring);
		return false;
	}
	uint64_t max_items = ck.cap + CKPT_PROC_RESERVE;
	ckpt_area_reserve(&ck.dirty_area, max_items * sizeof(*ck.dirty));
	ckpt_area_reserve(&ck.items_area, max_items * sizeof(*ck.items));
	ck.dirty = (struct frame **)ck.dirty_area.base;
	ck.items = (struct snap_item *)ck.items_area.base;
	/* The thread list: the directory blocks of the running domains may
	 * take an eighth of the ring per generation; every thread is a root
	 * of its own (act.c), so there are no more than nodes; and a bound
	 * keeps the area's reservations finite on any volume. */
	ck.thread_max = ck.ring / 8 * CKPT_DIR_ENTRIES_PER_BLOCK;
	if (ck.thread_max > volume_sb.node_count)
		ck.thread_max = volume_sb.node_count;
	if (ck.thread_max > CKPT_THREAD_LIMIT)
		ck.thread_max = CKPT_THREAD_LIMIT;
	ckpt_area_reserve(&ck.threads_area, ck.thread_max * sizeof(*ck.threads));
	ck.threads = (uint64_t *)ck.threads_area.base;
	ck.thread_cap = 0;
	ckpt_area_reserve(&ck.check_area, ckpt_check_bytes(max_items + ck.thread_max));
	if (!arrays_cover(0, false))
		panic("out of memory for the checkpointer's arrays");
	return true;
}

bool ckpt_threads_reserve(uint64_t n, bool may_park)
{
	if (!ck.enabled || n <= ck.thread_cap)
		return true;
	if (n > ck.thread_max ||
	    !karea_grow(&ck.threads_area, n * sizeof(*ck.threads), may_park) ||
	    !check_cover(n, may_park))
		return false;
	uint64_t before = ck.thread_cap;
	ck.thread_cap = n;
	if (may_park && !fits(ck.ndirty)) {
		/* Their directory entries do not fit beside this epoch: the
		 * next commit frees the previous generation's space. */
		ck.thread_cap = before;
		ck.forced = true;
		ckpt_update_wanted();
		park_on(ACT_WAIT_LOG, &ck.log_waiters);
	}
	return true;
}

void ckpt_set_demarcating(bool on)
{
	demarcating_flag = on;
}

void ckpt_reserve_dirty(struct frame *f)
{
	if (!ck.enabled)
		return; /* no checkpoints: dirty blocks stay in memory */
	if (!demarcating_flag) {
		if (!fits(ck.ndirty + 1)) {
			if (!kctx_act)
				panic("log full outside any domain's operation");
			ck.forced = true;
			ckpt_update_wanted();
			park_on(ACT_WAIT_LOG, &ck.log_waiters);
		}
		/* May park for memory (inside an operation): still before the
		 * block is listed. */
		if (!arrays_cover(ck.ndirty + 1, kctx_act != NULL))
			panic("out of memory for the checkpointer's dirty list");
	}
	kassert(ck.ndirty < ck.cap + CKPT_PROC_RESERVE);
	ck.dirty[ck.ndirty++] = f;
}

void ckpt_memory_pressure(void)
{
	if (!ck.enabled)
		return;
	ck.forced = true;
	ckpt_update_wanted();
}

void ckpt_space_freed(void)
{
	act_wake_all(&ck.log_waiters);
}

void ckpt_update_wanted(void)
{
	ckpt_wanted = ck.enabled && ck.phase == PHASE_IDLE && (ck.forced || ck.due);
}
