/* SPDX-License-Identifier: MIT */
/*
 * Where a stack domain keeps what it buys (owner: the stack helper; the
 * lwip helper created it for lwipopts.h). The heap is lwIP's one heap
 * (MEM_LIBC_MALLOC=0, MEMP_MEM_MALLOC=1: every pool is carved from it):
 * pages the stack buys at ATTACH from its client's bank and maps in slot
 * STACK_HEAP_SLOT of its top node, whose slots are 4 MiB apart, so the
 * heap starts at STACK_HEAP_SLOT * 4 MiB. It must be mapped before
 * lwip_init() runs (mem_init writes its first and last block headers).
 */
#ifndef STACK_LAYOUT_H
#define STACK_LAYOUT_H

#define STACK_HEAP_SLOT  24u
#define STACK_HEAP_VA    0x6000000ul /* STACK_HEAP_SLOT * 4 MiB */
#define STACK_HEAP_BYTES (1u << 20)

#endif /* STACK_LAYOUT_H */
