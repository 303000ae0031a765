/* SPDX-License-Identifier: MIT */
/*
 * Sv48 page tables (RISC-V privileged spec §4.3, §4.4, §4.5).
 *
 * The kernel's root table maps the upper half: the kernel image with W^X
 * permissions, the direct map of RAM and device MMIO, and the object pools
 * (whose leaves objcache.c fills and clears). Every user root table is a
 * copy of the kernel's upper half plus the domain's own lower half, so the
 * root's kernel entries must be complete before user roots exist:
 * vm_reserve() builds the level-2 table of every 512 GiB a region touches,
 * and later kernel mappings only change tables below them, which every
 * root shares. Below the root entries a pool's tables come and go with
 * what is resident (vm.c counts their entries), so they cost memory in
 * proportion to the cache, not to the volume.
 * All tables are caches: they are never written to the volume.
 */
#ifndef CAIRN_KERN_VM_H
#define CAIRN_KERN_VM_H

#include <stdint.h>
#include <stdbool.h>
#include "hw/riscv.h"

/* Build the kernel's tables and switch to Sv48; a hart without Sv48 gets
 * one line and a clean stop. */
void vm_init(void);

/* Pre-build the root entries covering [va, va+size) in the kernel half,
 * so that every root shares them. The level-1 and level-0 tables below are
 * added on demand with vm_kpte_install_table(). False when out of frames. */
bool vm_reserve(uint64_t va, uint64_t size);

/*
 * The level-0 PTE for a kernel va inside a reserved region, or NULL if its
 * level-1 or level-0 table does not exist (yet, or any more).
 *
 * The object cache looks up a pool page's PTE on every pin, so the last
 * level-0 tables found are remembered by the 2 MiB of va they map (a small
 * direct-mapped cache: a hit costs a compare instead of a four-level walk).
 * An entry goes when its table is freed (vm.c table_put); kernel addresses
 * are never below 2 MiB, so the empty key 0 never matches.
 */
#define VM_L0_CACHE 8
struct vm_l0_entry {
	uint64_t key; /* va >> 21 */
	pte_t *table;
};
extern struct vm_l0_entry vm_l0_cache[VM_L0_CACHE];

/* The 2 MiB unit's low bits, mixed with va bits 44..46 (which pool,
 * hw/memlayout.h), so that the first tables of the three pools do not
 * evict each other. */
static inline unsigned vm_l0_slot(uint64_t key)
{
	return (unsigned)((key ^ (key >> 23)) % VM_L0_CACHE);
}
pte_t *vm_kpte_walk(uint64_t va);

static inline pte_t *vm_kpte_lookup(uint64_t va)
{
	uint64_t key = va >> (PAGE_SHIFT + PT_VPN_BITS);
	const struct vm_l0_entry *e = &vm_l0_cache[vm_l0_slot(key)];
	if (e->key == key)
		return &e->table[pt_vpn(va, 0)];
	return vm_kpte_walk(va);
}
/* Give the reserved region around va the first table it lacks (a zeroed
 * frame): call until vm_kpte_lookup(va) finds the PTE. */
void vm_kpte_install_table(uint64_t va, uint64_t table_pa);

/* Map or unmap one 4 KiB kernel page inside a reserved region whose
 * level-0 table exists. Unmapping flushes the TLB entry for va, and frees
 * the page's level-0 (and level-1) table when nothing else in it is used. */
void vm_kmap(uint64_t va, uint64_t pa, uint64_t flags);
void vm_kunmap(uint64_t va);
/* Map an already mapped page to another frame: the old translation is
 * cleared and fenced before the new one is written; its tables stay. */
void vm_kremap(uint64_t va, uint64_t pa, uint64_t flags);
/* Keep va's tables while a read for it is in flight (its PTE is not valid
 * yet, so it does not count as a use); release may free them. */
void vm_kslot_hold(uint64_t va);
void vm_kslot_release(uint64_t va);

/* How many level-1 and level-0 tables the reserved regions have now. */
uint64_t vm_kernel_tables(void);

/* A new user root (a zeroed frame): copy the kernel's half into it. */
void vm_user_root_init(uint64_t root_pa);
/* Run on the tables rooted at root_pa (no ASIDs yet: the whole TLB goes). */
static inline void vm_switch(uint64_t root_pa)
{
	csr_write(satp, SATP_MODE_SV48 | (root_pa >> PAGE_SHIFT));
	sfence_vma_all();
}
uint64_t vm_kernel_root(void);

#endif
