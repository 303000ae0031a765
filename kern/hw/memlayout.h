/* SPDX-License-Identifier: MIT */
/*
 * Cairn's virtual memory map (Sv48: 48-bit addresses, sign-extended;
 * RISC-V privileged spec §4.5). Each line of the kernel half below is a
 * whole number of root entries (512 GiB each), so that every domain's
 * root table shares the kernel's tables below them (mem/vm.h).
 *
 *   0x0000_0000_0000_0000 .. 0x0000_003f_ffff_ffff  user (one domain's space)
 *   0xffff_8000_0000_0000 .. 0xffff_8fff_ffff_ffff  page pool (16 TiB: every
 *                                                    32-bit page OID), faulted in
 *                                                    from the volume on demand
 *   0xffff_9000_0000_0000 .. 0xffff_93ff_ffff_ffff  node pool (4 TiB: the pots of
 *                                                    every 32-bit node OID), likewise
 *   0xffff_a000_0000_0000 .. 0xffff_a003_ffff_ffff  tag pool (16 GiB: the counts
 *                                                    of every 32-bit page OID)
 *   the top 512 GiB, one root entry:
 *   0xffff_ffc0_0000_0000 .. 0xffff_ffcf_ffff_ffff  direct map of physical
 *                                                    memory: VA = PA + DIRECT_MAP_BASE
 *   0xffff_fff8_0000_0000 .. 0xffff_fff8_3fff_ffff  the checkpointer's arrays
 *   0xffff_fff8_4000_0000 .. 0xffff_fff8_7fff_ffff  the activity table
 *   0xffff_ffff_8000_0000 .. 0xffff_ffff_ffff_ffff  the kernel image
 *
 * The object pools are arrays in kernel virtual address space whose pages
 * are a cache of the volume (docs/design.md invariant 1); kern/mem/objcache.c owns
 * their mappings. The windows hold every object a 32-bit OID can name
 * (objcache.c checks this at compile time), so no volume the format allows
 * is too large to map. Physical memory on QEMU virt starts at 0x8000_0000; the
 * kernel is loaded at 0x8020_0000 by OpenSBI.
 */
#ifndef CAIRN_KERN_MEMLAYOUT_H
#define CAIRN_KERN_MEMLAYOUT_H

#define USER_VA_TOP      0x0000004000000000UL
#define PAGE_POOL_BASE   0xffff800000000000UL
#define PAGE_POOL_SIZE   0x0000100000000000UL
#define NODE_POOL_BASE   0xffff900000000000UL
#define NODE_POOL_SIZE   0x0000040000000000UL
#define TAG_POOL_BASE    0xffffa00000000000UL
#define TAG_POOL_SIZE    0x0000000400000000UL
#define DIRECT_MAP_BASE  0xffffffc000000000UL
#define DIRECT_MAP_SIZE  0x0000001000000000UL
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
