/* SPDX-License-Identifier: MIT */
/*
 * bench: kernel micro-benchmarks, in retired instructions (rdinstret,
 * kernel included). The harness runs it under qemu -icount shift=0, where
 * the counts are the same on every run. Each figure is the median of
 * individually timed samples, so a stray timer interrupt or checkpoint
 * moves it little. A sample includes one rdinstret. It prints:
 *
 *   bench: null_invocation <n> instructions
 *       NUMBER READ on the number key in register 3, 1000 samples.
 *   bench: page_fault_resident <n> instructions
 *       one store to a heap page that is in RAM but not mapped, 256
 *       samples. First every page is touched once (cold: zero pages
 *       fault in); then bench swaps its own address space key out and
 *       back in through its domain key (register 5: DOMAIN GET_SLOT, then
 *       SWAP_SLOT of the SPACE slot), which the kernel takes as a change
 *       of address space, so it drops bench's page tables; then each page
 *       is touched again, timing each store.
 *   bench: done
 *
 * and then waits for ever. If a step fails it prints
 * "bench: <what> failed: <RESULT_NAME>" instead of that step's line.
 *
 * Needs heap=2M (256 pages = 1 MiB are used). Capability registers:
 * 1 console, 2 sleep, 3 a number key, 5 a domain key to itself; 6 and 7
 * scratch.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "cairn.h"

#define CAP_NUMBER 3
#define CAP_SELF   5
#define CAP_SPACE  6
#define CAP_OLD    7

#define NULL_SAMPLES 1000
#define FAULT_PAGES  256
#define PAGE_SIZE    4096

static uint64_t samples[NULL_SAMPLES];

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

static uint64_t median(uint64_t *v, size_t n)
{
	qsort(v, n, sizeof v[0], cmp_u64);
	return v[n / 2];
}

static int failed(const char *what, uint64_t rc)
{
	if (rc == CAIRN_OK)
		return 0;
	printf("bench: %s failed: %s\n", what, cairn_result_name(rc));
	return 1;
}

static void null_invocation(void)
{
	struct cairn_io io = { 0 };
	for (size_t i = 0; i < NULL_SAMPLES; i++) {
		uint64_t t0 = cairn_rdinstret();
		uint64_t rc = cairn_inv_NUMBER_READ(CAP_NUMBER, &io);
		uint64_t t1 = cairn_rdinstret();
		if (failed("null_invocation", rc))
			return;
		samples[i] = t1 - t0;
	}
	printf("bench: null_invocation %" PRIu64 " instructions\n", median(samples, NULL_SAMPLES));
}

static void touch(size_t page)
{
	*(volatile uint8_t *)(__heap_start + page * PAGE_SIZE) = 1;
}

static void page_fault_resident(void)
{
	for (size_t i = 0; i < FAULT_PAGES; i++)
		touch(i);
	if (failed("page_fault_resident get space",
		   cairn_domain_get_slot(CAP_SELF, CAIRN_DOM_SLOT_SPACE, CAP_SPACE)) ||
	    failed("page_fault_resident swap space",
		   cairn_domain_swap_slot(CAP_SELF, CAIRN_DOM_SLOT_SPACE, CAP_SPACE, CAP_OLD)))
		return;
	for (size_t i = 0; i < FAULT_PAGES; i++) {
		uint64_t t0 = cairn_rdinstret();
		touch(i);
		uint64_t t1 = cairn_rdinstret();
		samples[i] = t1 - t0;
	}
	printf("bench: page_fault_resident %" PRIu64 " instructions\n",
	       median(samples, FAULT_PAGES));
}

int main(uint64_t arg)
{
	(void)arg;
	null_invocation();
	page_fault_resident();
	printf("bench: done\n");
	return 0;
}
