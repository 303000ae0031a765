/* SPDX-License-Identifier: MIT */
/*
 * Host tests of the frame allocator (kern/mem/frame.c), the same C the
 * kernel runs, compiled natively over a host buffer that stands for RAM
 * (the kernel's direct map, pa_to_va(), turned around). What must hold:
 * every frame handed out is in RAM and outside the firmware and kernel
 * image, the descriptor array, the device tree and every reserved region,
 * with any frame such a region touches left out; no frame is handed out
 * twice; every frame comes zeroed, whatever the RAM held; the count of
 * free frames is exact at every step; freed frames come back first; and
 * overlapping RAM regions in the device tree do not make any frame count
 * twice. The reference is the rule the allocator used to apply frame by
 * frame at boot (usable()).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "hw/platform.h"
#include "hw/memlayout.h"
#include "mem/frame.h"
#include "hw/log.h"

struct platform_info platform;

uint64_t platform_ram_end(void)
{
	uint64_t end = 0;
	for (int i = 0; i < platform.mem_count; i++)
		if (platform.mem[i].base + platform.mem[i].size > end)
			end = platform.mem[i].base + platform.mem[i].size;
	return end;
}

void klog(enum log_level level, const char *fmt, ...)
{
	(void)level;
	(void)fmt;
}

void panic(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fail_msg("kernel panic");
	abort();
}

#define RAM_FRAMES 512u /* 2 MiB of "RAM" */
#define RAM_BYTES  (RAM_FRAMES * PAGE_SIZE)

static uint8_t *ram;
static uint64_t ram_pa; /* the "physical" address of ram[0] */

static uint64_t pa_at(unsigned frame, unsigned byte)
{
	return ram_pa + frame * PAGE_SIZE + byte;
}

static bool overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

/* The reference: a frame is free at boot if it lies in RAM and touches
 * none of the excluded ranges. */
static bool usable(uint64_t pa, uint64_t kernel_end, uint64_t desc_pa, uint64_t desc_len)
{
	if (pa < kernel_end || overlaps(pa, PAGE_SIZE, desc_pa, desc_len) ||
	    overlaps(pa, PAGE_SIZE, platform.dtb_pa, platform.dtb_size))
		return false;
	for (int i = 0; i < platform.reserved_count; i++)
		if (overlaps(pa, PAGE_SIZE, platform.reserved[i].base, platform.reserved[i].size))
			return false;
	for (int i = 0; i < platform.mem_count; i++)
		if (pa >= platform.mem[i].base &&
		    pa + PAGE_SIZE <= platform.mem[i].base + platform.mem[i].size)
			return true;
	return false;
}

static int setup(void **state)
{
	(void)state;
	ram = aligned_alloc(PAGE_SIZE, RAM_BYTES);
	assert_non_null(ram);
	memset(ram, 0xa5, RAM_BYTES); /* RAM holds garbage: frames must come zeroed */
	ram_pa = (uint64_t)(uintptr_t)ram - DIRECT_MAP_BASE;
	memset(&platform, 0, sizeof(platform));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(ram);
	return 0;
}

/* Boot the allocator with kernel_end frames of firmware and kernel; then
 * take every frame and check each against the reference. */
static void take_all_and_check(uint64_t kernel_end)
{
	frame_init(kernel_end);
	uint64_t desc_pa = (uint64_t)(uintptr_t)frame_table - DIRECT_MAP_BASE;
	uint64_t desc_len = frame_table_count * sizeof(struct frame);
	assert_true(desc_pa >= kernel_end);
	size_t expect = 0;
	for (unsigned f = 0; f < RAM_FRAMES; f++)
		expect += usable(pa_at(f, 0), kernel_end, desc_pa, desc_len);
	assert_int_equal(frame_free_count(), expect);

	static bool taken[RAM_FRAMES];
	memset(taken, 0, sizeof(taken));
	uint64_t last = 0;
	for (size_t n = 0; n < expect; n++) {
		uint64_t pa = frame_alloc();
		assert_true(pa != 0);
		assert_true(pa >= ram_pa && pa < ram_pa + RAM_BYTES && pa % PAGE_SIZE == 0);
		unsigned f = (unsigned)((pa - ram_pa) / PAGE_SIZE);
		assert_false(taken[f]);
		taken[f] = true;
		assert_true(usable(pa, kernel_end, desc_pa, desc_len));
		assert_true(pa > last); /* never used: from the bottom up */
		last = pa;
		const uint8_t *p = pa_to_va(pa);
		for (unsigned i = 0; i < PAGE_SIZE; i++)
			assert_int_equal(p[i], 0);
		assert_int_equal(frame_of(pa)->kind, FRAME_KERNEL);
		assert_int_equal(frame_free_count(), expect - n - 1);
		memset(pa_to_va(pa), 0x5a, PAGE_SIZE); /* used: dirty it */
	}
	assert_int_equal(frame_alloc(), 0); /* exhausted */

	/* Freed frames come back first, last freed first, zeroed again. */
	uint64_t a = last, b = last - PAGE_SIZE;
	while (!taken[(b - ram_pa) / PAGE_SIZE])
		b -= PAGE_SIZE;
	frame_free(a);
	frame_free(b);
	assert_int_equal(frame_free_count(), 2);
	assert_true(frame_alloc() == b);
	assert_int_equal(((const uint8_t *)pa_to_va(b))[100], 0);
	assert_true(frame_alloc() == a);
	assert_int_equal(frame_alloc(), 0);
}

static void one_region_with_holes(void **state)
{
	(void)state;
	platform.mem[0] = (struct mem_range){ ram_pa, RAM_BYTES };
	platform.mem_count = 1;
	/* The device tree at frame 100, 8 KiB and 100 bytes: three frames. */
	platform.dtb_pa = pa_at(100, 0);
	platform.dtb_size = 8192 + 100;
	/* A region that starts and ends inside frames (two frames touched),
	 * one at the very end of RAM, one that overlaps the kernel. */
	platform.reserved[0] = (struct mem_range){ pa_at(200, 10), PAGE_SIZE };
	platform.reserved[1] = (struct mem_range){ pa_at(RAM_FRAMES - 4, 0), 4 * PAGE_SIZE };
	platform.reserved[2] = (struct mem_range){ pa_at(0, 0), 3 * PAGE_SIZE };
	platform.reserved_count = 3;
	take_all_and_check(pa_at(8, 0) - 100); /* the kernel ends inside frame 7 */
}

static void overlapping_regions_count_once(void **state)
{
	(void)state;
	/* The same RAM listed twice, and a third region inside the first. */
	platform.mem[0] = (struct mem_range){ ram_pa, RAM_BYTES / 2 + 3 * PAGE_SIZE };
	platform.mem[1] = (struct mem_range){ pa_at(RAM_FRAMES / 2, 0), RAM_BYTES / 2 };
	platform.mem[2] = (struct mem_range){ pa_at(10, 0), 20 * PAGE_SIZE };
	platform.mem_count = 3;
	platform.dtb_pa = pa_at(300, 0);
	platform.dtb_size = 4096;
	platform.reserved_count = 0;
	take_all_and_check(pa_at(4, 0));
}

static void every_reserved_region_inside_ram(void **state)
{
	(void)state;
	/* As many reserved regions as the device tree may give, each
	 * splitting a range in two: the range table must hold them all. */
	platform.mem[0] = (struct mem_range){ ram_pa, RAM_BYTES };
	platform.mem_count = 1;
	platform.dtb_pa = pa_at(40, 0);
	platform.dtb_size = 64;
	for (int i = 0; i < PLATFORM_MAX_RESERVED; i++)
		platform.reserved[i] = (struct mem_range){ pa_at(60 + 40 * (unsigned)i, 0), 64 };
	platform.reserved_count = PLATFORM_MAX_RESERVED;
	take_all_and_check(pa_at(2, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(one_region_with_holes, setup, teardown),
		cmocka_unit_test_setup_teardown(overlapping_regions_count_once, setup, teardown),
		cmocka_unit_test_setup_teardown(every_reserved_region_inside_ram, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
