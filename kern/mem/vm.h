/* SPDX-License-Identifier: MIT */
/*
 * Sv39 page tables (RISC-V privileged spec §4.3, §4.4).
 *
 * The kernel's root table maps the upper half: the kernel image with W^X
 * permissions, the direct map of RAM and device MMIO, and the object pools
 * (whose leaves objcache.c fills and clears). Every user root table is a
 * copy of the kernel's upper half plus the domain's own lower half, so the
 * kernel half must be complete before user roots exist: vm_reserve() builds
 * the intermediate tables of a pool region up front, and later kernel
 * mappings only change leaves that every root already shares.
 * All tables are caches: they are never written to the volume.
 */
#ifndef CAIRN_KERN_VM_H
#define CAIRN_KERN_VM_H

#include <stdint.h>
#include <stdbool.h>
#include "hw/riscv.h"

void vm_init(void);

/* Pre-build the level-1 tables covering [va, va+size) in the kernel half,
 * so that every root shares them. Level-0 tables are added on demand with
 * vm_kpte_install_table(). Returns false when out of frames. */
bool vm_reserve(uint64_t va, uint64_t size);

/* The level-0 PTE for a kernel va inside a reserved region, or NULL if its
 * level-0 table does not exist yet. */
pte_t *vm_kpte_lookup(uint64_t va);
/* Give the reserved region around va its level-0 table (a zeroed frame). */
void vm_kpte_install_table(uint64_t va, uint64_t table_pa);

/* Map or unmap one 4 KiB kernel page inside a reserved region whose
 * level-0 table exists. Unmapping flushes the TLB entry for va. */
void vm_kmap(uint64_t va, uint64_t pa, uint64_t flags);
void vm_kunmap(uint64_t va);

/* User roots. */
uint64_t vm_user_root_new(void);          /* 0 when out of frames */
void vm_user_root_free(uint64_t root_pa); /* frees the lower-half tables too */
pte_t *vm_user_walk(uint64_t root_pa, uint64_t va, bool alloc);
void vm_switch(uint64_t root_pa);
uint64_t vm_kernel_root(void);

#endif
