/* SPDX-License-Identifier: MIT */
/*
 * The physical frame allocator: one descriptor per RAM frame, a LIFO free
 * list. The descriptor array itself is carved from the start of free RAM.
 */
#include <string.h>
#include "mem/frame.h"
#include "hw/platform.h"
#include "hw/memlayout.h"
#include "hw/riscv.h"
#include "hw/log.h"
#include "hw/panic.h"

struct frame *frame_table; /* descriptor for frame at frame_table_base + i*4K */
uint64_t frame_table_base;
size_t frame_table_count;
static struct frame *free_list;
static size_t free_count;

static bool overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

static bool frame_is_usable(uint64_t pa, uint64_t kernel_end_pa, uint64_t desc_end_pa)
{
	if (pa < desc_end_pa || pa < kernel_end_pa)
		return false;
	if (overlaps(pa, PAGE_SIZE, platform.dtb_pa, platform.dtb_size))
		return false;
	for (int i = 0; i < platform.reserved_count; i++)
		if (overlaps(pa, PAGE_SIZE, platform.reserved[i].base, platform.reserved[i].size))
			return false;
	bool in_ram = false;
	for (int i = 0; i < platform.mem_count; i++)
		if (pa >= platform.mem[i].base &&
		    pa + PAGE_SIZE <= platform.mem[i].base + platform.mem[i].size)
			in_ram = true;
	return in_ram;
}

void frame_init(uint64_t kernel_end_pa)
{
	frame_table_base = platform.mem[0].base;
	for (int i = 1; i < platform.mem_count; i++)
		if (platform.mem[i].base < frame_table_base)
			frame_table_base = platform.mem[i].base;
	frame_table_count = (platform_ram_end() - frame_table_base) / PAGE_SIZE;

	uint64_t desc_pa = (kernel_end_pa + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	/* Skip the device tree if it sits right after the kernel. */
	if (overlaps(desc_pa, frame_table_count * sizeof(struct frame), platform.dtb_pa,
		     platform.dtb_size))
		desc_pa = (platform.dtb_pa + platform.dtb_size + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	uint64_t desc_end = desc_pa + frame_table_count * sizeof(struct frame);
	desc_end = (desc_end + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	frame_table = pa_to_va(desc_pa);
	memset(frame_table, 0, frame_table_count * sizeof(struct frame));

	/* Push in descending order so that allocation starts low. */
	for (size_t i = frame_table_count; i-- > 0;) {
		uint64_t pa = frame_table_base + i * PAGE_SIZE;
		if (!frame_is_usable(pa, kernel_end_pa, desc_end))
			continue;
		frame_table[i].kind = FRAME_FREE;
		frame_table[i].next = free_list;
		free_list = &frame_table[i];
		free_count++;
	}
	log_debug("frame_table: %zu of %zu free, descriptors at %#lx", free_count,
		  frame_table_count, (unsigned long)desc_pa);
}

uint64_t frame_pa(const struct frame *f)
{
	return frame_table_base + (uint64_t)(f - frame_table) * PAGE_SIZE;
}

uint64_t frame_alloc(void)
{
	struct frame *f = free_list;
	if (!f)
		return 0;
	free_list = f->next;
	free_count--;
	memset(f, 0, sizeof(*f));
	f->kind = FRAME_KERNEL;
	uint64_t pa = frame_pa(f);
	memset(pa_to_va(pa), 0, PAGE_SIZE);
	return pa;
}

void frame_free(uint64_t pa)
{
	struct frame *f = frame_of(pa);
	kassert(f->kind != FRAME_FREE && f->kind != FRAME_UNUSABLE);
	memset(f, 0, sizeof(*f));
	f->kind = FRAME_FREE;
	f->next = free_list;
	free_list = f;
	free_count++;
}

size_t frame_free_count(void)
{
	return free_count;
}

size_t frame_total_count(void)
{
	return frame_table_count;
}
