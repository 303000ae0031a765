/* SPDX-License-Identifier: MIT */
/*
 * The kernel's Sv39 tables and helpers for domains' tables. See vm.h.
 */
#include <string.h>
#include "mem/vm.h"
#include "mem/frame.h"
#include "hw/memlayout.h"
#include "hw/platform.h"
#include "hw/log.h"
#include "hw/panic.h"

extern char _kernel_start[], _text_end[], _rodata_end[], _kernel_end[];

static uint64_t kernel_root_pa;

#define GIB  (1UL << 30)
#define MIB2 (1UL << 21)

static pte_t *table_va(uint64_t pa)
{
	return pa_to_va(pa);
}

static uint64_t alloc_table(void)
{
	uint64_t pa = frame_alloc();
	if (!pa)
		panic("vm: out of frames for page tables during boot");
	return pa;
}

/* Walk from `root` to the entry for `va` at `level`, allocating tables. */
static pte_t *walk(uint64_t root_pa, uint64_t va, int level, bool alloc)
{
	pte_t *table = table_va(root_pa);
	for (int l = SV39_LEVELS - 1; l > level; l--) {
		pte_t *pte = &table[sv39_vpn(va, l)];
		if (*pte & PTE_V) {
			if (*pte & PTE_LEAF_MASK)
				return NULL; /* a larger leaf covers it */
			table = table_va(pte_pa(*pte));
			continue;
		}
		if (!alloc)
			return NULL;
		uint64_t pa = frame_alloc();
		if (!pa)
			return NULL;
		*pte = pte_make(pa, PTE_V);
		table = table_va(pa);
	}
	return &table[sv39_vpn(va, level)];
}

static void map_range(uint64_t va, uint64_t pa, uint64_t size, uint64_t flags)
{
	while (size) {
		int level = 0;
		uint64_t step = PAGE_SIZE;
		if ((va % GIB) == 0 && (pa % GIB) == 0 && size >= GIB) {
			level = 2;
			step = GIB;
		} else if ((va % MIB2) == 0 && (pa % MIB2) == 0 && size >= MIB2) {
			level = 1;
			step = MIB2;
		}
		pte_t *pte = walk(kernel_root_pa, va, level, true);
		if (!pte)
			panic("vm: cannot map %#lx", (unsigned long)va);
		*pte = pte_make(pa, flags | PTE_V | PTE_A | PTE_D | PTE_G);
		va += step;
		pa += step;
		size -= step;
	}
}

void vm_init(void)
{
	kernel_root_pa = alloc_table();
	uint64_t kstart = (uint64_t)_kernel_start;
	uint64_t kstart_pa = kstart - KERNEL_VA_OFFSET;

	/* The kernel image, W^X. */
	map_range(kstart, kstart_pa, (uint64_t)_text_end - kstart, PTE_R | PTE_X);
	map_range((uint64_t)_text_end, (uint64_t)_text_end - KERNEL_VA_OFFSET,
		  (uint64_t)_rodata_end - (uint64_t)_text_end, PTE_R);
	map_range((uint64_t)_rodata_end, (uint64_t)_rodata_end - KERNEL_VA_OFFSET,
		  (uint64_t)_kernel_end - (uint64_t)_rodata_end, PTE_R | PTE_W);

	/*
	 * The direct map: every GiB from 0 to the end of RAM, read-write,
	 * never executable. It covers the PLIC and virtio-mmio windows,
	 * which sit below RAM on QEMU virt; anything the device tree places
	 * higher is mapped explicitly.
	 */
	uint64_t end = (platform_ram_end() + GIB - 1) & ~(GIB - 1);
	map_range(DIRECT_MAP_BASE, 0, end, PTE_R | PTE_W);
	for (int i = 0; i < platform.virtio_count; i++)
		if (platform.virtio[i].base >= end)
			map_range(DIRECT_MAP_BASE + (platform.virtio[i].base & ~(PAGE_SIZE - 1)),
				  platform.virtio[i].base & ~(PAGE_SIZE - 1), PAGE_SIZE,
				  PTE_R | PTE_W);
	vm_switch(kernel_root_pa);
	log_debug("vm: kernel root at %#lx, direct map %lu GiB", (unsigned long)kernel_root_pa,
		  (unsigned long)(end / GIB));
}

uint64_t vm_kernel_root(void)
{
	return kernel_root_pa;
}

void vm_switch(uint64_t root_pa)
{
	csr_write(satp, SATP_MODE_SV39 | (root_pa >> PAGE_SHIFT));
	sfence_vma_all();
}

bool vm_reserve(uint64_t va, uint64_t size)
{
	for (uint64_t a = va & ~(GIB - 1); a < va + size; a += GIB)
		if (!walk(kernel_root_pa, a, 1, true))
			return false;
	return true;
}

/* walk(kernel_root_pa, va, 0, false), unrolled: the object cache looks up
 * a pool page on every pin, so this is on the invocation path. */
pte_t *vm_kpte_lookup(uint64_t va)
{
	pte_t e = table_va(kernel_root_pa)[sv39_vpn(va, 2)];
	if ((e & (PTE_V | PTE_LEAF_MASK)) != PTE_V)
		return NULL;
	e = table_va(pte_pa(e))[sv39_vpn(va, 1)];
	if ((e & (PTE_V | PTE_LEAF_MASK)) != PTE_V)
		return NULL;
	return &table_va(pte_pa(e))[sv39_vpn(va, 0)];
}

void vm_kpte_install_table(uint64_t va, uint64_t table_pa)
{
	pte_t *l1 = walk(kernel_root_pa, va, 1, false);
	kassert(l1 != NULL && !(*l1 & PTE_V));
	*l1 = pte_make(table_pa, PTE_V);
}

void vm_kmap(uint64_t va, uint64_t pa, uint64_t flags)
{
	pte_t *pte = vm_kpte_lookup(va);
	kassert(pte != NULL);
	*pte = pte_make(pa, flags | PTE_V | PTE_A | PTE_D | PTE_G);
}

void vm_kunmap(uint64_t va)
{
	pte_t *pte = vm_kpte_lookup(va);
	kassert(pte != NULL);
	*pte = 0;
	sfence_vma_addr(va);
}

uint64_t vm_user_root_new(void)
{
	uint64_t pa = frame_alloc();
	if (!pa)
		return 0;
	pte_t *root = table_va(pa);
	const pte_t *kroot = table_va(kernel_root_pa);
	memcpy(&root[SV39_ENTRIES / 2], &kroot[SV39_ENTRIES / 2],
	       (SV39_ENTRIES / 2) * sizeof(pte_t));
	return pa;
}

static void free_lower(uint64_t table_pa, int level)
{
	pte_t *t = table_va(table_pa);
	unsigned limit = level == SV39_LEVELS - 1 ? SV39_ENTRIES / 2 : SV39_ENTRIES;
	for (unsigned i = 0; i < limit; i++) {
		if ((t[i] & PTE_V) && !(t[i] & PTE_LEAF_MASK) && level > 0)
			free_lower(pte_pa(t[i]), level - 1);
	}
	frame_free(table_pa);
}

void vm_user_root_free(uint64_t root_pa)
{
	free_lower(root_pa, SV39_LEVELS - 1);
}

pte_t *vm_user_walk(uint64_t root_pa, uint64_t va, bool alloc)
{
	if (va >= USER_VA_TOP)
		return NULL;
	return walk(root_pa, va, 0, alloc);
}
