/* SPDX-License-Identifier: MIT */
/*
 * Physical page frames. Every 4 KiB frame of RAM above the kernel image has
 * a descriptor; free frames are on one list. A frame is either free, used
 * by the kernel for a cache structure (Sv48 tables, I/O buffers), holds a
 * copy of a volume object (kern/mem/objcache.c sets the object fields), or is
 * the frame a rescinded object left behind while a device may still write it
 * (FRAME_DMA: pinned by a DMA key, freed at the last unpin). None of
 * this is persistent: after a restart it is rebuilt empty.
 */
#ifndef CAIRN_KERN_FRAME_H
#define CAIRN_KERN_FRAME_H

#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>
#include "hw/riscv.h"
#include "hw/panic.h"

enum frame_kind {
	FRAME_UNUSABLE = 0, /* firmware, kernel image, device tree, descriptors */
	FRAME_FREE,
	FRAME_KERNEL, /* page tables, buffers: a cache, never on disk */
	FRAME_OBJECT, /* a copy of a volume block: see objcache.h */
	FRAME_DMA,    /* an object's old frame, still pinned for DMA after the
		       * object was rescinded: freed at its last unpin (objcache.h) */
};

struct frame {
	uint8_t kind;       /* enum frame_kind */
	uint8_t obj_class;  /* objcache: which pool */
	uint16_t obj_flags; /* objcache: dirty, io, snapshot... */
	uint32_t pin_stamp; /* objcache: invocation that pinned it */
	uint64_t obj_index; /* objcache: block index within its pool */
	struct frame *next; /* free list / objcache lists */
	struct frame *prev;
	uint64_t aux;       /* objcache: per-node dirty bits, log slot...; a kernel
			     * page table: its entries in use (vm.c) */
	uint32_t ckpt_item; /* OBJF_SNAPSHOT: index of its snapshot item */
	uint16_t dma_pins;  /* DMA pins on it (inv/kobj_dma.c): never evicted, never reused */
};

/* Set up descriptors over all RAM, excluding [0, kernel_end_pa), the device
 * tree and firmware-reserved ranges. */
void frame_init(uint64_t kernel_end_pa);

/* A zeroed frame, or 0 when none is free. Returns the physical address. */
uint64_t frame_alloc(void);
void frame_free(uint64_t pa);

/* The descriptors (frame.c): frame_table[i] is the frame at
 * frame_table_base + i * 4 KiB. frame_of() is inline because every pin
 * of an object looks its frame up. */
extern struct frame *frame_table;
extern uint64_t frame_table_base;
extern size_t frame_table_count;

static inline struct frame *frame_of(uint64_t pa)
{
	kassert(pa >= frame_table_base && (pa - frame_table_base) / PAGE_SIZE < frame_table_count);
	return &frame_table[(pa - frame_table_base) / PAGE_SIZE];
}
uint64_t frame_pa(const struct frame *f);
size_t frame_free_count(void);
size_t frame_total_count(void);

#endif
