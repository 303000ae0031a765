/* SPDX-License-Identifier: MIT */
/*
 * Where the object cache meets the checkpointer. The cache calls these at
 * the moments that matter to a consistent snapshot:
 *  - before a block becomes dirty (reserve log space for it: may park),
 *  - before a block that the current snapshot still owes to the log is
 *    modified (copy it aside for the log writer),
 *  - when it reads a block (the newest committed copy may be in the log),
 *  - when memory is full of dirty blocks (hurry the next checkpoint),
 *  - when a dirty block moves to another frame (a DMA-pinned page rescinded).
 */
#ifndef CAIRN_KERN_CKPT_HOOKS_H
#define CAIRN_KERN_CKPT_HOOKS_H

#include <stdint.h>
#include "mem/frame.h"

void ckpt_reserve_dirty(struct frame *f);
void ckpt_before_write(struct frame *f);
/* The volume block holding the newest committed copy of a block: in the
 * log while a recovered generation is not yet migrated, else at home.
 * CKPT_LOCATE_ZERO: the block is all zeros, nothing to read. */
#define CKPT_LOCATE_ZERO UINT64_MAX
uint64_t ckpt_locate(int obj_class, uint64_t index, uint64_t home_block);
void ckpt_memory_pressure(void);
/* A dirty block moved from frame `from` to `to` (a page rescinded while a
 * DMA key pins its frame, objcache.h): the dirty list names `to`. */
void ckpt_dirty_moved(struct frame *from, struct frame *to);

#endif
