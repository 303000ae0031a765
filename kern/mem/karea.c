/* SPDX-License-Identifier: MIT */
/*
 * Kernel areas mapped as they grow; see karea.h.
 */
#include "mem/karea.h"
#include "mem/objcache.h"
#include "mem/frame.h"
#include "mem/vm.h"
#include "hw/riscv.h"

/* Map one more page at va; false when no frame is free. */
static bool map_page(uint64_t va, bool may_park)
{
	while (!vm_kpte_lookup(va)) {
		uint64_t t = may_park ? kframe_alloc() : frame_alloc();
		if (!t)
			return false;
		vm_kpte_install_table(va, t);
	}
	uint64_t pa = may_park ? kframe_alloc() : frame_alloc();
	if (!pa)
		return false;
	vm_kmap(va, pa, PTE_R | PTE_W);
	return true;
}

bool karea_grow(struct karea *a, uint64_t bytes, bool may_park)
{
	if (bytes > a->size)
		return false;
	while (a->mapped < bytes) {
		if (!map_page(a->base + a->mapped, may_park))
			return false;
		a->mapped += 4096;
	}
	return true;
}
