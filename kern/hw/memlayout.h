/* SPDX-License-Identifier: MIT */
/*
 * Cairn's virtual memory map (Sv39: 39-bit addresses, sign-extended).
 *
 *   0x0000_0000_0000_0000 .. 0x0000_003f_ffff_ffff  user (one domain's space)
 *   0xffff_ffc0_0000_0000 .. 0xffff_ffcf_ffff_ffff  direct map of physical
 *                                                    memory: VA = PA + DIRECT_MAP_BASE
 *   0xffff_ffd0_0000_0000 .. 0xffff_ffdf_ffff_ffff  node pool: node pots, faulted
 *                                                    in from the volume on demand
 *   0xffff_ffe0_0000_0000 .. 0xffff_ffef_ffff_ffff  page pool: pages, likewise
 *   0xffff_fff0_0000_0000 .. 0xffff_fff7_ffff_ffff  tag pool: page allocation counts
 *   0xffff_fff8_0000_0000 .. 0xffff_fff8_3fff_ffff  the checkpointer's arrays
 *   0xffff_fff8_4000_0000 .. 0xffff_fff8_7fff_ffff  the activity table
 *   0xffff_ffff_8000_0000 .. 0xffff_ffff_ffff_ffff  the kernel image
 *
 * The object pools are arrays in kernel virtual address space whose pages
 * are a cache of the volume (docs/design.md invariant 1); kern/mem/objcache.c owns
 * their mappings. Physical memory on QEMU virt starts at 0x8000_0000; the
 * kernel is loaded at 0x8020_0000 by OpenSBI.
 */
#ifndef CAIRN_KERN_MEMLAYOUT_H
#define CAIRN_KERN_MEMLAYOUT_H

#define USER_VA_TOP      0x0000004000000000UL
#define DIRECT_MAP_BASE  0xffffffc000000000UL
#define DIRECT_MAP_SIZE  0x0000001000000000UL
#define NODE_POOL_BASE   0xffffffd000000000UL
#define NODE_POOL_SIZE   0x0000001000000000UL
#define PAGE_POOL_BASE   0xffffffe000000000UL
#define PAGE_POOL_SIZE   0x0000001000000000UL
#define TAG_POOL_BASE    0xfffffff000000000UL
#define TAG_POOL_SIZE    0x0000000800000000UL
#define CKPT_AREA_BASE   0xfffffff800000000UL /* checkpointer's arrays */
#define CKPT_AREA_SIZE   0x0000000040000000UL
#define ACT_AREA_BASE    0xfffffff840000000UL /* activities, mapped as they grow */
#define ACT_AREA_SIZE    0x0000000040000000UL
#define KERNEL_VA_BASE   0xffffffff80000000UL
#define KERNEL_PHYS_BASE 0x0000000080000000UL
#define KERNEL_VA_OFFSET (KERNEL_VA_BASE - KERNEL_PHYS_BASE)

#ifndef __ASSEMBLER__
#include <stdint.h>

static inline void *pa_to_va(uint64_t pa)
{
	return (void *)(pa + DIRECT_MAP_BASE);
}

static inline uint64_t va_to_pa(const void *va)
{
	uint64_t v = (uint64_t)va;
	if (v >= KERNEL_VA_BASE)
		return v - KERNEL_VA_OFFSET;
	return v - DIRECT_MAP_BASE;
}
#endif

#endif
