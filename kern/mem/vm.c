/* SPDX-License-Identifier: MIT */
/*
 * The kernel's Sv48 tables and helpers for domains' tables. See vm.h.
 *
 * Counting: a table below a reserved root entry keeps in its frame's `aux`
 * how many of its entries are in use (a valid entry, or a slot held for a
 * read in flight, vm_kslot_hold). A pool's level-0 or level-1 table whose
 * count falls to zero is freed, so the tables of the object pools take
 * memory in proportion to what is resident, never to the volume.
 */
#include <string.h>
#include "mem/vm.h"
#include "mem/frame.h"
#include "hw/memlayout.h"
#include "hw/platform.h"
#include "hw/log.h"
#include "hw/panic.h"
#include "sbi.h"

extern char _kernel_start[], _text_end[], _rodata_end[], _kernel_end[];

static uint64_t kernel_root_pa;
static uint64_t pool_tables; /* level-1 and level-0 tables below reserved root entries */

#define GIB       (1UL << 30)
#define MIB2      (1UL << 21)
#define ROOT_SPAN (1UL << (PAGE_SHIFT + PT_VPN_BITS * (PT_LEVELS - 1))) /* 512 GiB */

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

/* The frame of the table that holds entry *pte. */
static struct frame *table_of(const pte_t *pte)
{
	return frame_of(va_to_pa(pte) & ~(PAGE_SIZE - 1));
}

/* Walk from `root` to the entry for `va` at `level`, allocating tables. */
static pte_t *walk(uint64_t root_pa, uint64_t va, int level, bool alloc)
{
	pte_t *table = table_va(root_pa);
	for (int l = PT_LEVELS - 1; l > level; l--) {
		pte_t *pte = &table[pt_vpn(va, l)];
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
		table_of(pte)->aux++;
		table = table_va(pa);
	}
	return &table[pt_vpn(va, level)];
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

/*
 * Switch to Sv48. A hart without it ignores the whole write (privileged
 * spec §4.1.11: an unsupported MODE leaves satp unchanged), so reading
 * MODE back is the probe; such a hart is still on boot.S's Sv39 table and
 * can say so and stop.
 */
static void enter_sv48(void)
{
	csr_write(satp, SATP_MODE_SV48 | (kernel_root_pa >> PAGE_SHIFT));
	if ((csr_read(satp) >> SATP_MODE_SHIFT) != (SATP_MODE_SV48 >> SATP_MODE_SHIFT)) {
		log_error("this hart has no Sv48 paging (satp MODE 9, privileged spec §4.5), "
			  "which the kernel's object pools need");
		kprintf("cairn: stopped\n");
		sbi_shutdown(true);
	}
	sfence_vma_all();
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
	uint64_t end = platform_direct_map_end();
	map_range(DIRECT_MAP_BASE, 0, end, PTE_R | PTE_W);
	for (int i = 0; i < platform.virtio_count; i++)
		if (platform.virtio[i].base >= end)
			map_range(DIRECT_MAP_BASE + (platform.virtio[i].base & ~(PAGE_SIZE - 1)),
				  platform.virtio[i].base & ~(PAGE_SIZE - 1), PAGE_SIZE,
				  PTE_R | PTE_W);
	enter_sv48();
	log_debug("vm: kernel root at %#lx (Sv48), direct map %lu GiB",
		  (unsigned long)kernel_root_pa, (unsigned long)(end / GIB));
}

uint64_t vm_kernel_root(void)
{
	return kernel_root_pa;
}

bool vm_reserve(uint64_t va, uint64_t size)
{
	if (size == 0)
		return true;
	/* By root entry, up to the last one's: the top one ends at 2^64. */
	uint64_t last = (va + size - 1) & ~(ROOT_SPAN - 1);
	for (uint64_t a = va & ~(ROOT_SPAN - 1);; a += ROOT_SPAN) {
		if (!walk(kernel_root_pa, a, PT_LEVELS - 2, true))
			return false;
		if (a == last)
			return true;
	}
}

/* The table an entry points to, or NULL if it is not a valid table pointer. */
static inline pte_t *next_table(pte_t e)
{
	if ((e & (PTE_V | PTE_LEAF_MASK)) != PTE_V)
		return NULL;
	return table_va(pte_pa(e));
}

struct vm_l0_entry vm_l0_cache[VM_L0_CACHE];

static struct vm_l0_entry *l0_entry(uint64_t va)
{
	return &vm_l0_cache[vm_l0_slot(va >> (PAGE_SHIFT + PT_VPN_BITS))];
}

/* walk(kernel_root_pa, va, 0, false), unrolled, remembering the level-0
 * table it finds (vm.h). */
pte_t *vm_kpte_walk(uint64_t va)
{
	pte_t *t = next_table(table_va(kernel_root_pa)[pt_vpn(va, 3)]);
	if (!t)
		return NULL;
	t = next_table(t[pt_vpn(va, 2)]);
	if (!t)
		return NULL;
	t = next_table(t[pt_vpn(va, 1)]);
	if (!t)
		return NULL;
	*l0_entry(va) = (struct vm_l0_entry){ va >> (PAGE_SHIFT + PT_VPN_BITS), t };
	return &t[pt_vpn(va, 0)];
}

void vm_kpte_install_table(uint64_t va, uint64_t table_pa)
{
	pte_t *t = next_table(table_va(kernel_root_pa)[pt_vpn(va, PT_LEVELS - 1)]);
	kassert(t != NULL); /* a reserved region */
	for (int level = PT_LEVELS - 2; level > 0; level--) {
		pte_t *pte = &t[pt_vpn(va, level)];
		if (!(*pte & PTE_V)) {
			*pte = pte_make(table_pa, PTE_V);
			table_of(pte)->aux++;
			pool_tables++;
			return;
		}
		t = next_table(*pte);
		kassert(t != NULL);
	}
	panic("vm: %#lx has its tables already", (unsigned long)va);
}

/*
 * One use of a pool table less: free the level-0 table of va when nothing
 * in it is in use, and its level-1 table likewise. Clearing a non-leaf
 * entry needs a full fence (privileged spec §4.2.1).
 */
static void table_put(uint64_t va, pte_t *leaf)
{
	struct frame *t0 = table_of(leaf);
	kassert(t0->aux > 0);
	if (--t0->aux)
		return;
	pte_t *l2 = next_table(table_va(kernel_root_pa)[pt_vpn(va, 3)]);
	pte_t *l1 = next_table(l2[pt_vpn(va, 2)]);
	l1[pt_vpn(va, 1)] = 0;
	struct vm_l0_entry *e = l0_entry(va);
	if (e->key == va >> (PAGE_SHIFT + PT_VPN_BITS))
		*e = (struct vm_l0_entry){ 0, NULL };
	frame_free(frame_pa(t0));
	pool_tables--;
	struct frame *t1 = table_of(l1);
	if (--t1->aux == 0) {
		l2[pt_vpn(va, 2)] = 0;
		frame_free(frame_pa(t1));
		pool_tables--;
	}
	sfence_vma_all();
}

void vm_kslot_hold(uint64_t va)
{
	pte_t *pte = vm_kpte_lookup(va);
	kassert(pte != NULL);
	table_of(pte)->aux++;
}

void vm_kslot_release(uint64_t va)
{
	pte_t *pte = vm_kpte_lookup(va);
	kassert(pte != NULL);
	table_put(va, pte);
}

void vm_kmap(uint64_t va, uint64_t pa, uint64_t flags)
{
	pte_t *pte = vm_kpte_lookup(va);
	kassert(pte != NULL);
	if (!(*pte & PTE_V))
		table_of(pte)->aux++;
	*pte = pte_make(pa, flags | PTE_V | PTE_A | PTE_D | PTE_G);
}

void vm_kunmap(uint64_t va)
{
	pte_t *pte = vm_kpte_lookup(va);
	kassert(pte != NULL && (*pte & PTE_V));
	*pte = 0;
	sfence_vma_addr(va);
	table_put(va, pte);
}

void vm_kremap(uint64_t va, uint64_t pa, uint64_t flags)
{
	pte_t *pte = vm_kpte_lookup(va);
	kassert(pte != NULL && (*pte & PTE_V));
	*pte = 0;
	sfence_vma_addr(va);
	*pte = pte_make(pa, flags | PTE_V | PTE_A | PTE_D | PTE_G);
}

uint64_t vm_kernel_tables(void)
{
	return pool_tables;
}

void vm_user_root_init(uint64_t root_pa)
{
	pte_t *root = table_va(root_pa);
	const pte_t *kroot = table_va(kernel_root_pa);
	memcpy(&root[PT_ENTRIES / 2], &kroot[PT_ENTRIES / 2], (PT_ENTRIES / 2) * sizeof(pte_t));
}
