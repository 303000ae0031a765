/* SPDX-License-Identifier: MIT */
/*
 * The physical frame allocator: one descriptor per RAM frame, a LIFO list
 * of frames freed after use, and the free RAM never used yet as a few
 * ranges handed out from the bottom up. The descriptor array itself is
 * carved from the start of free RAM.
 *
 * Invariant: a descriptor is written before anything reads it. Nothing
 * walks the array: a descriptor is reached only through frame_of() of a
 * frame that was allocated (frame_alloc() sets it up), so the array is
 * never cleared and a frame costs nothing at boot until it is first
 * allocated. Setting up every descriptor at boot cost about 50
 * instructions a frame (1.6 million for 128 MiB, docs/benchmarks.md
 * "Where a boot's instructions go"), linear in RAM.
 */
#include <string.h>
#include "mem/frame.h"
#include "hw/platform.h"
#include "hw/memlayout.h"
#include "hw/riscv.h"
#include "hw/log.h"
#include "hw/panic.h"

static bool overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

struct frame *frame_table; /* descriptor for frame at frame_table_base + i*4K */
uint64_t frame_table_base;
size_t frame_table_count;
static struct frame *free_list; /* frames freed after use */
static size_t free_count;       /* on free_list and in the fresh ranges */

/* Free RAM never allocated: [next, end) of each range, page aligned, in
 * ascending order; fresh_at is the first range with frames left. Each RAM
 * region starts one range and each cut_out() splits at most one in two:
 * the kernel image, the descriptors, the device tree and the reserved
 * regions. */
#define FRAME_RANGES_MAX (PLATFORM_MAX_MEM + 3 + PLATFORM_MAX_RESERVED)
static struct fresh_range {
	uint64_t next, end;
} fresh[FRAME_RANGES_MAX];
static unsigned fresh_count, fresh_at;

/* Take [cut, cut + len) out of the ranges (whole frames: any frame it
 * touches), splitting the one it falls inside. */
static void cut_out(uint64_t cut, uint64_t len)
{
	if (len == 0)
		return;
	uint64_t lo = cut & ~(PAGE_SIZE - 1);
	uint64_t hi = (cut + len + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	for (unsigned i = 0; i < fresh_count; i++) {
		struct fresh_range *r = &fresh[i];
		if (hi <= r->next || lo >= r->end)
			continue;
		if (lo > r->next && hi < r->end) { /* inside: split */
			kassert(fresh_count < FRAME_RANGES_MAX);
			memmove(r + 2, r + 1, (fresh_count - i - 1) * sizeof(*r));
			r[1] = (struct fresh_range){ hi, r->end };
			r->end = lo;
			fresh_count++;
			return; /* inside one range: no other overlaps */
		}
		if (lo <= r->next)
			r->next = hi < r->end ? hi : r->end;
		else
			r->end = lo;
	}
}

/* RAM regions, page aligned inward, in ascending order, overlapping or
 * touching ones merged (a frame is in one range at most, so it is never
 * handed out twice however the device tree lists the memory). */
static void add_ram(void)
{
	for (int i = 0; i < platform.mem_count; i++) {
		uint64_t lo = (platform.mem[i].base + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
		uint64_t hi = (platform.mem[i].base + platform.mem[i].size) & ~(PAGE_SIZE - 1);
		if (hi <= lo)
			continue;
		unsigned at = 0;
		while (at < fresh_count && fresh[at].next < lo)
			at++;
		memmove(&fresh[at + 1], &fresh[at], (fresh_count - at) * sizeof(fresh[0]));
		fresh[at] = (struct fresh_range){ lo, hi };
		fresh_count++;
	}
	unsigned n = 0;
	for (unsigned i = 0; i < fresh_count; i++) {
		if (n > 0 && fresh[i].next <= fresh[n - 1].end) {
			if (fresh[i].end > fresh[n - 1].end)
				fresh[n - 1].end = fresh[i].end;
		} else {
			fresh[n++] = fresh[i];
		}
	}
	fresh_count = n;
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
	frame_table = pa_to_va(desc_pa);

	free_list = NULL;
	free_count = 0;
	fresh_count = fresh_at = 0;
	add_ram();
	cut_out(0, kernel_end_pa); /* firmware and the kernel image */
	cut_out(desc_pa, desc_end - desc_pa);
	cut_out(platform.dtb_pa, platform.dtb_size);
	for (int i = 0; i < platform.reserved_count; i++)
		cut_out(platform.reserved[i].base, platform.reserved[i].size);
	for (unsigned i = 0; i < fresh_count; i++)
		free_count += (fresh[i].end - fresh[i].next) / PAGE_SIZE;
	log_debug("frame_table: %zu of %zu free in %u ranges, descriptors at %#lx", free_count,
		  frame_table_count, fresh_count, (unsigned long)desc_pa);
}

uint64_t frame_pa(const struct frame *f)
{
	return frame_table_base + (uint64_t)(f - frame_table) * PAGE_SIZE;
}

/* The lowest frame never allocated, or NULL. */
static struct frame *take_fresh(void)
{
	while (fresh_at < fresh_count && fresh[fresh_at].next == fresh[fresh_at].end)
		fresh_at++;
	if (fresh_at == fresh_count)
		return NULL;
	uint64_t pa = fresh[fresh_at].next;
	fresh[fresh_at].next += PAGE_SIZE;
	return frame_of(pa);
}

uint64_t frame_alloc(void)
{
	struct frame *f = free_list;
	if (f)
		free_list = f->next;
	else if (!(f = take_fresh()))
		return 0;
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
