/* SPDX-License-Identifier: MIT */
/*
 * bench: kernel micro-benchmarks, in retired instructions (rdinstret,
 * kernel and every domain included). test/qemu/bench.py runs it under
 * qemu -icount shift=0, where the counts are the same on every run. Each
 * figure is the median of individually timed samples, so a stray timer
 * interrupt or checkpoint moves it little; a sample includes one
 * rdinstret. First bench sleeps half a second, so that ping's own timed
 * round trips (apps/pingpong.c, in the same image) are over and nothing
 * else runs while it measures. It prints:
 *
 *   bench: null_invocation <n> instructions
 *       NUMBER READ on the number key in register 3, 1000 samples.
 *   bench: round_trip <n> instructions
 *       a call to pong (start key in register 8) and pong's return, as
 *       pingpong does it, 1000 samples after 100 warm-up calls.
 *   bench: page_fault_resident <n> instructions
 *       one store to a heap page that is in RAM but not mapped, 256
 *       samples. First every page is touched once (cold: zero pages
 *       fault in); then bench swaps its own address space key out and
 *       back in through its domain key (register 5: DOMAIN GET_SLOT, then
 *       SWAP_SLOT of the SPACE slot), which the kernel takes as a change
 *       of address space, so it drops bench's page tables; then each page
 *       is touched again, timing each store.
 *   bench: node_fault_disk <n> instructions
 *       RANGE MAKE_KEY (register 9, a range over the free nodes) on the
 *       first node of a node pot that is not in RAM: the kernel reads the
 *       pot from the volume, parks bench, idles until the read completes
 *       and runs the invocation again. 200 samples, one pot each. Under
 *       icount the idle time counts too (one instruction per virtual
 *       nanosecond), so this figure includes the host's I/O latency and
 *       varies a little from run to run.
 *   bench: done
 *
 * and then waits for ever. If a step fails it prints
 * "bench: <what> failed: <RESULT_NAME>" instead of that step's line.
 *
 * Needs heap=2M (256 pages = 1 MiB are used) and 1400 free nodes.
 * Capability registers: 1 console, 2 sleep, 3 a number key, 5 a domain
 * key to itself, 8 a start key to pong, 9 a range key over the free
 * nodes; 6, 7 and 10 scratch.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "cairn.h"

#define CAP_NUMBER 3
#define CAP_SELF   5
#define CAP_SPACE  6
#define CAP_OLD    7
#define CAP_PONG   8
#define CAP_RANGE  9
#define CAP_NODE   10

#define START_DELAY_MS 500
#define NULL_SAMPLES   1000
#define TRIP_WARMUP    100
#define TRIP_SAMPLES   1000
#define FAULT_PAGES    256
#define NODE_SAMPLES   200
#define NODES_PER_POT  7 /* CAIRN_NODES_PER_POT, cairn/node.h */
#define PAGE_SIZE      4096

static uint64_t samples[NULL_SAMPLES > TRIP_SAMPLES ? NULL_SAMPLES : TRIP_SAMPLES];

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

static void round_trip(void)
{
	for (size_t i = 0; i < TRIP_WARMUP + TRIP_SAMPLES; i++) {
		const struct cairn_msg m = { .order = 1, .w = { i } };
		struct cairn_reply rep;
		uint64_t t0 = cairn_rdinstret();
		uint64_t rc = cairn_call(CAP_PONG, &m, NULL, &rep);
		uint64_t t1 = cairn_rdinstret();
		if (failed("round_trip", rc))
			return;
		if (rep.w[0] != i + 1) {
			printf("bench: round_trip failed: wrong reply\n");
			return;
		}
		if (i >= TRIP_WARMUP)
			samples[i - TRIP_WARMUP] = t1 - t0;
	}
	printf("bench: round_trip %" PRIu64 " instructions\n", median(samples, TRIP_SAMPLES));
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

static void node_fault_disk(void)
{
	struct cairn_range_info ri;
	if (failed("node_fault_disk range", cairn_range_info(CAP_RANGE, &ri)))
		return;
	/* The first whole pot of the range: the pot before it may hold the
	 * image's own nodes, which are in RAM. */
	uint64_t off = (NODES_PER_POT - ri.first % NODES_PER_POT) % NODES_PER_POT;
	if (ri.kind != CAIRN_RANGE_NODES || off + NODE_SAMPLES * NODES_PER_POT > ri.count) {
		printf("bench: node_fault_disk failed: too few free nodes\n");
		return;
	}
	for (size_t i = 0; i < NODE_SAMPLES; i++, off += NODES_PER_POT) {
		uint64_t t0 = cairn_rdinstret();
		uint64_t rc = cairn_range_make_key(CAP_RANGE, off, CAP_NODE);
		uint64_t t1 = cairn_rdinstret();
		if (failed("node_fault_disk", rc))
			return;
		samples[i] = t1 - t0;
	}
	printf("bench: node_fault_disk %" PRIu64 " instructions\n", median(samples, NODE_SAMPLES));
}

int main(uint64_t arg)
{
	(void)arg;
	cairn_sleep_for(CAIRN_CAP_SLEEP, START_DELAY_MS);
	null_invocation();
	round_trip();
	page_fault_resident();
	node_fault_disk();
	printf("bench: done\n");
	return 0;
}
