/* SPDX-License-Identifier: MIT */
/*
 * pingpong: call/return between two domains, and its cost. One program,
 * two domains: arg=0 is ping, arg=1 is pong.
 *
 * pong waits for calls and replies to each with w0 = the call's w0 + 1.
 * It prints nothing. Capability registers: 1 console, 2 sleep; it keeps
 * the resume key of the call it is answering in register 31.
 *
 * ping (capability register 3: a start key to pong) makes 100 warm-up
 * calls, then times PINGPONG_TRIPS call+return round trips with rdinstret
 * (instructions of both domains and of the kernel) and prints
 *
 *   pingpong: 10000 round trips, <instructions per round trip> instructions per round trip
 *
 * (integer division). With arg = n > 1 (apps/ckptbenchpp.image) it times
 * n round trips instead, long enough for checkpoints to fall inside, and
 * first prints `pingpong: timing <n> round trips`, so that a reader can
 * count the kernel's commit lines between the two. Then, every second for ever, it makes 1000 more
 * round trips and prints the number of round trips made so far, the
 * warm-up ones included (so the first is 11100, then 12100, ...):
 *
 *   pingpong: 11100
 *
 * ping checks every reply: code OK and w0 = the value it sent + 1. On the
 * first wrong one it prints
 *
 *   pingpong: wrong reply
 *
 * and stops (cairn_exit). The counts live in ping's memory, so after a
 * restart they continue.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>

#include "cairn.h"

#define PINGPONG_WARMUP       100
#define PINGPONG_TRIPS        10000
#define PINGPONG_EVERY_SECOND 1000

#define CAP_PONG   3  /* ping: start key to pong */
#define CAP_RESUME 31 /* pong: resume key of the current call */

static uint64_t trips; /* round trips so far; also the value sent next */

static __attribute__((noreturn)) void pong(void)
{
	const struct cairn_rcv rcv = { .resume = CAP_RESUME };
	struct cairn_reply in;

	cairn_wait(&rcv, &in);
	for (;;) {
		const struct cairn_msg out = { .order = CAIRN_OK, .w = { in.w[0] + 1 } };
		cairn_return(CAP_RESUME, &out, &rcv, &in);
	}
}

/* n round trips; false at the first wrong reply. */
static bool ping_trips(uint64_t n)
{
	for (uint64_t i = 0; i < n; i++) {
		const struct cairn_msg m = { .order = 1, .w = { trips } };
		struct cairn_reply rep;
		if (cairn_call(CAP_PONG, &m, NULL, &rep) != CAIRN_OK || rep.w[0] != trips + 1)
			return false;
		trips++;
	}
	return true;
}

static __attribute__((noreturn)) void ping(uint64_t timed)
{
	if (!ping_trips(PINGPONG_WARMUP))
		goto wrong;
	if (timed != PINGPONG_TRIPS)
		printf("timing %" PRIu64 " round trips\n", timed);
	uint64_t before = cairn_rdinstret();
	if (!ping_trips(timed))
		goto wrong;
	uint64_t after = cairn_rdinstret();
	printf("%" PRIu64 " round trips, %" PRIu64 " instructions per round trip\n", timed,
	       (after - before) / timed);
	for (;;) {
		cairn_sleep_for(CAIRN_CAP_SLEEP, 1000);
		if (!ping_trips(PINGPONG_EVERY_SECOND))
			goto wrong;
		printf("%" PRIu64 "\n", trips);
	}
wrong:
	printf("wrong reply\n");
	cairn_exit();
}

int main(uint64_t arg)
{
	if (arg == 1)
		pong();
	ping(arg > 1 ? arg : PINGPONG_TRIPS);
}
