/* SPDX-License-Identifier: MIT */
/*
 * ckptbench: the checkpoint benchmarks' workload (test/qemu/bench.py).
 *
 * Each round writes one word into every page of the first `arg` MiB of
 * the heap (so that many pages are dirty and none is all zeros), forces a
 * checkpoint through the checkpoint key and waits until it has committed.
 * The kernel, booted with ckpt=verbose, prints the demarcation's cost in
 * retired instructions and the stabilization's bytes and time; this domain
 * prints one line per round:
 *
 *   ckptbench: round <r> dirtied <pages> pages, checkpoint <g> committed
 *
 * Then it tries SET_INTERVAL with a period out of range (refused), sets
 * 200 ms, reports STATS and keeps one page changing, so the periodic
 * checkpoints go on (test/qemu/test_domains.py checks all of this):
 *
 *   ckptbench: interval BAD_ARGUMENT
 *   ckptbench: interval 200 OK, stats interval 200 log <in use>/<ring blocks>
 *
 * With arg = RESTART_MODE + MiB (apps/ckptbench64r.image) it measures a
 * restart instead: it dirties MiB MiB once, forces a checkpoint, waits
 * for its commit and prints `ckptbench: ready <g>`, then reads one word of
 * every page and checks it (the whole working set back in RAM), printing
 *
 *   ckptbench: sweep <pages> pages ok instret=<rdinstret>
 *
 * (absolute: the kernel's `first domain runs after ... entry=<e>` line says
 * where kernel entry was), then sleeps a second and sweeps again, for
 * ever. With checkpoints off (-c 0) the forced one is the last: a boot
 * after a kill resumes in the wait for its commit, prints ready again and
 * sweeps at once.
 *
 * Capability registers: 1 console, 2 sleep, 3 checkpoint. Needs heap= at
 * least arg MiB.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>

#include "cairn.h"

#define CAP_CHECKPOINT 3u
#define ROUNDS         4
#define PAGE           4096u
#define RESTART_MODE   1000u

static uint64_t force_and_wait(void)
{
	struct cairn_io io = { 0 };
	uint64_t r = cairn_inv_CHECKPOINT_FORCE(CAP_CHECKPOINT, &io);
	if (r != CAIRN_OK) {
		printf("FORCE refused %s\n", cairn_result_name(r));
		cairn_exit();
	}
	uint64_t gen = io.w[0];
	for (;;) {
		struct cairn_io st = { 0 };
		cairn_inv_CHECKPOINT_STATS(CAP_CHECKPOINT, &st);
		if (st.w[0] >= gen)
			return gen;
		cairn_sleep_for(CAIRN_CAP_SLEEP, 5);
	}
}

static __attribute__((noreturn)) void restart_mode(uint64_t pages)
{
	for (uint64_t p = 0; p < pages; p++)
		*(volatile uint64_t *)(__heap_start + p * PAGE) = 0x5eed0000u + p;
	printf("ready %" PRIu64 "\n", force_and_wait());
	for (;;) {
		uint64_t bad = 0;
		for (uint64_t p = 0; p < pages; p++)
			bad += *(volatile uint64_t *)(__heap_start + p * PAGE) != 0x5eed0000u + p;
		uint64_t now = cairn_rdinstret();
		if (bad)
			printf("sweep %" PRIu64 " pages WRONG\n", bad);
		else
			printf("sweep %" PRIu64 " pages ok instret=%" PRIu64 "\n", pages, now);
		cairn_sleep_for(CAIRN_CAP_SLEEP, 1000);
	}
}

int main(uint64_t arg)
{
	if (arg > RESTART_MODE)
		restart_mode((arg - RESTART_MODE) * (1024 * 1024 / PAGE));
	uint64_t pages = arg * (1024 * 1024 / PAGE);
	for (uint64_t round = 1; round <= ROUNDS; round++) {
		for (uint64_t p = 0; p < pages; p++)
			*(volatile uint64_t *)(__heap_start + p * PAGE) = round << 32 | p;
		uint64_t gen = force_and_wait();
		printf("round %" PRIu64 " dirtied %" PRIu64 " pages, checkpoint %" PRIu64
		       " committed\n",
		       round, pages, gen);
	}
	printf("done\n");

	/* The rest of the checkpoint key: a period out of range is refused,
	 * a good one is reported by STATS and takes effect (one page dirtied
	 * every 50 ms keeps the periodic checkpoints coming). */
	struct cairn_io io = { .w = { UINT64_MAX } };
	printf("interval %s\n",
	       cairn_result_name(cairn_inv_CHECKPOINT_SET_INTERVAL(CAP_CHECKPOINT, &io)));
	io = (struct cairn_io){ .w = { 200 } };
	uint64_t r = cairn_inv_CHECKPOINT_SET_INTERVAL(CAP_CHECKPOINT, &io);
	struct cairn_io st = { 0 };
	cairn_inv_CHECKPOINT_STATS(CAP_CHECKPOINT, &st);
	printf("interval 200 %s, stats interval %" PRIu64 " log %" PRIu64 "/%" PRIu64 "\n",
	       cairn_result_name(r), st.w[1], st.w[2], st.w[3]);
	for (uint64_t n = 0;; n++) {
		*(volatile uint64_t *)__heap_start = n;
		cairn_sleep_for(CAIRN_CAP_SLEEP, 50);
	}
}
