/* SPDX-License-Identifier: MIT */
/*
 * Kernel areas: ranges of kernel virtual address space reserved for an
 * array whose largest size is known but which is mapped only as far as it
 * is used (the checkpointer's dirty list and snapshot items, the activity
 * table). Growing maps fresh zeroed frames at the end; an area never
 * shrinks, so a pointer into its mapped part stays valid.
 *
 * Invariant: [base, base + mapped) is mapped read-write, mapped is a
 * multiple of 4096 and mapped <= size.
 */
#ifndef CAIRN_KERN_KAREA_H
#define CAIRN_KERN_KAREA_H

#include <stdbool.h>
#include <stdint.h>

struct karea {
	uint64_t base, size, mapped;
};

/* Map the area up to at least `bytes`. False if bytes > size or no frame
 * is free. With may_park (inside an operation's prepare phase) a frame is
 * found by evicting, or the operation parks until there is one. */
bool karea_grow(struct karea *a, uint64_t bytes, bool may_park);

#endif
