/* SPDX-License-Identifier: MIT */
/*
 * The object cache: RAM as a cache of the volume (docs/design.md invariant 1).
 *
 * The volume's node pots, tag pots (page allocation counts) and pages are
 * three arrays in kernel virtual address space (memlayout.h). A resident
 * block is a frame mapped at its place in its array; a block that is not
 * resident is simply unmapped, so the kernel touches objects by address
 * and a miss is a page fault in S-mode. The fault handler starts the read,
 * parks the activity and restarts it when the block has arrived (kctx.h).
 *
 * Frames of the cache are evicted by a clock. A frame is never evicted
 * while it is dirty (its content exists nowhere else; until the
 * checkpointer lands it cannot be written anywhere, see docs/design.md
 * invariant 5), while its I/O is in flight, while it holds a node of a
 * cached domain (proc.c), while it is pinned by the current kernel
 * entry (kctx.h), or while a DMA key pins it (a device holds its physical
 * address). Dirty blocks are never written to their home location here:
 * only checkpoint migration does that.
 *
 * DMA pins (inv/kobj_dma.c, docs/invocations.md "DMA"): a pinned page keeps
 * its frame until its last unpin. When the page is rescinded meanwhile, the
 * object moves to a fresh frame (obj_dma_detach) and the old one leaves the
 * cache as FRAME_DMA, owned by its pins alone: a device never writes into
 * memory that has a new owner, and the frame is freed at the last unpin.
 */
#ifndef CAIRN_KERN_OBJCACHE_H
#define CAIRN_KERN_OBJCACHE_H

#include <stdint.h>
#include <stdbool.h>
#include "mem/frame.h"
#include "mem/vm.h"
#include "dom/kctx.h"
#include "hw/memlayout.h"
#include "hw/panic.h"

enum obj_class {
	OBJ_NODEPOT = 0,
	OBJ_TAGPOT = 1,
	OBJ_PAGE = 2,
	OBJ_CLASSES = 3,
};

/* frame.obj_flags */
#define OBJF_DIRTY    0x0001 /* modified since the last demarcation */
#define OBJF_REF      0x0002 /* used since the clock hand last passed */
#define OBJF_SNAPSHOT 0x0008 /* checkpoint: content still owed to the log */
/* Pages: every byte is zero, and nothing can write it without clearing
 * this first. Set only by RANGE RESCIND, after it zeroes the page and
 * unmaps it everywhere; cleared by obj_prepare_write (every kernel write
 * and every write fault prepares the page) and wherever a page is mapped
 * writable (aspace.c) or pinned for a device (obj_dma_pin), so neither a
 * domain nor a device can write a page that says it is zero. A frame read in afresh starts without
 * it. RESCIND of a page that is known to be zero leaves its content alone (kobj_range.c): no
 * zeroing, no dirtying. */
#define OBJF_ZERO 0x0004
/* Node pots: node i of the pot was walked as part of an address space, so
 * Sv48 entries may derive from it (aspace.c). */
#define OBJF_ASPACE_NODE(i) ((uint16_t)(0x100u << (i)))
#define OBJF_ASPACE_ANY     ((uint16_t)0x7f00u)

struct obj_pool {
	uint64_t va_base;
	uint64_t count;      /* blocks */
	uint64_t home_start; /* first block on the volume */
};

extern struct obj_pool obj_pools[OBJ_CLASSES];

struct objcache_stats {
	uint64_t fetches, fetch_errors, evictions, resident, dirty;
};

void objcache_init(void);

static inline void *obj_va(enum obj_class c, uint64_t index)
{
	return (void *)(obj_pools[c].va_base + index * 4096);
}

/* The frame holding a resident block, or NULL. Never faults. */
struct frame *obj_frame(enum obj_class c, uint64_t index);

/* Make the block resident (faulting it in: may abandon the current
 * operation), pin it for the current kernel entry, and return its frame.
 * Inline: every invocation pins a few objects. The touch comes first;
 * once it returns the block is mapped, so its PTE is there (usually in
 * vm.h's cache of level-0 tables). */
static inline struct frame *obj_pin(enum obj_class c, uint64_t index)
{
	kassert(index < obj_pools[c].count);
	uint64_t va = (uint64_t)obj_va(c, index);
	(void)*(volatile uint8_t *)va;
	pte_t *pte = vm_kpte_lookup(va);
	kassert(pte != NULL && (*pte & PTE_V));
	struct frame *f = frame_of(pte_pa(*pte));
	f->pin_stamp = kctx_stamp;
	f->obj_flags |= OBJF_REF;
	return f;
}

/* obj_pin if the block is resident, else NULL; never faults. */
struct frame *obj_pin_resident(enum obj_class c, uint64_t index);

/* Prepare to modify the block: resident, pinned and dirty. Dirtying is the
 * one side effect prepare may have; it only means "write me at the next
 * checkpoint". May abandon the current operation. */
struct frame *obj_prepare_write(enum obj_class c, uint64_t index);

/* Read a block synchronously, outside any activity (boot). */
bool obj_load_sync(enum obj_class c, uint64_t index);

/* A frame for a kernel cache structure (page tables, buffers). Evicts a
 * clean object if memory is full; inside an activity's operation it parks
 * the activity when nothing can be evicted, outside one it returns 0. */
uint64_t kframe_alloc(void);

/* Inside an operation's prepare phase: make at least n frames free, so
 * that n frame_alloc() calls that follow succeed without evicting. May
 * evict (which may drop page tables: hold no pointer into them across
 * it) and may park. */
void kframe_reserve(unsigned n);

/* DMA pins on a resident page's frame (kern/inv/kobj_dma.c). Pinning
 * keeps the frame from eviction; the last unpin of a FRAME_DMA frame frees
 * it. Commit phase: neither faults nor waits. */
void obj_dma_pin(struct frame *f);
void obj_dma_unpin(struct frame *f);

/* Commit phase of a rescind, for a page frame with DMA pins that is DIRTY
 * (so not owed to a snapshot): the object moves to a fresh frame (the
 * prepare phase made one free with kframe_reserve(1)) with f's flags and
 * place on the dirty list, and f becomes FRAME_DMA. The caller has removed
 * f's user mappings. Returns the object's new frame. */
struct frame *obj_dma_detach(struct frame *f);

/* Commit phase of DMA EXCHANGE (inv/kobj_dma.c), for two resident page
 * frames that the prepare phase made DIRTY (so neither is owed to a
 * snapshot): the two objects trade frames, so each page now holds what the
 * other held. Their kernel-window translations and every user PTE follow
 * their objects (the reverse map's entries move with their PTEs), and one
 * DMA pin moves from `pinned` to `other` (whose frame the device is now to
 * write). Identity, keys, tags and ownership are untouched: only the
 * bytes trade places, without copying. */
void obj_page_exchange(struct frame *pinned, struct frame *other);

/* The S-mode fault handler for the pools (trap.c). */
struct trap_frame;
bool objcache_kernel_fault(struct trap_frame *tf);

/* Wake activities waiting for memory (called when frames become evictable). */
void objcache_memory_available(void);

const struct objcache_stats *objcache_stats(void);

/* Is any object read in flight (an activity waits for it)? */
bool objcache_fetching(void);

/* Visit every resident frame of the cache. */
void objcache_for_each(void (*fn)(struct frame *f, void *arg), void *arg);

#endif
