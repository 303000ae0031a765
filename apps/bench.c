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
 *   bench: ipc checks ok
 *       calls to echo (this program with arg=1, start key in register 11,
 *       badge 7) that go the kernel's IPC fast path show what the general
 *       path would: the badge and CALL bit arrive, a receive register the
 *       message brings no key for comes back void on both sides, and a
 *       copy of a resume key is void once the reply has used the original.
 *       Otherwise "bench: ipc check <what> failed: <detail>".
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
 * nodes, 11 a start key to echo; 6, 7, 10 and 12 scratch.
 *
 * echo (arg=1; registers 1 console, 5 a domain key to itself) answers
 * calls by order code: ECHO_PLUS_ONE replies w0 + 1, w1 = the badge,
 * w2 = the info word's CALL bit; ECHO_KEEP copies the resume key of this
 * call into register 30 and replies; ECHO_USE_KEPT calls register 30 and
 * replies w0 = that result code; ECHO_PROBE replies w0 = the result of a
 * console write through register 20, which echo refills with its console
 * key after every call and names as its first receive register.
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
#define CAP_ECHO   11
#define CAP_PROBE  12

#define ECHO_PLUS_ONE   1
#define ECHO_KEEP       2
#define ECHO_USE_KEPT   3
#define ECHO_PROBE      4
#define ECHO_BADGE      7 /* apps/bench.image: cap 11 start echo badge=7 */
#define ECHO_CAP_SELF   5
#define ECHO_CAP_PROBE  20
#define ECHO_CAP_KEPT   30
#define ECHO_CAP_RESUME 31

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
	printf("%s failed: %s\n", what, cairn_result_name(rc));
	return 1;
}

/* Copy capability register `from` of the domain behind `domain` into
 * register `into` of the invoker. */
static uint64_t copy_cap(cap_t domain, cap_t from, cap_t into)
{
	struct cairn_io io = { .w = { from }, .rkeys = { into } };
	return cairn_inv_DOMAIN_GET_CAP(domain, &io);
}

static __attribute__((noreturn)) void echo(void)
{
	const struct cairn_rcv rcv = { .keys = { ECHO_CAP_PROBE }, .resume = ECHO_CAP_RESUME };
	struct cairn_reply in;
	copy_cap(ECHO_CAP_SELF, CAIRN_CAP_CONSOLE, ECHO_CAP_PROBE);
	cairn_wait(&rcv, &in);
	for (;;) {
		struct cairn_msg out = { .order = CAIRN_OK };
		switch (in.code) {
		case ECHO_PLUS_ONE:
			out.w[0] = in.w[0] + 1;
			out.w[1] = in.info & CAIRN_INFO_BADGE_MASK;
			out.w[2] = in.info & CAIRN_INFO_CALL;
			break;
		case ECHO_KEEP:
			out.order = copy_cap(ECHO_CAP_SELF, ECHO_CAP_RESUME, ECHO_CAP_KEPT);
			break;
		case ECHO_USE_KEPT:
			out.w[0] = cairn_call(ECHO_CAP_KEPT, NULL, NULL, NULL);
			break;
		case ECHO_PROBE:
			out.w[0] = cairn_console_write(ECHO_CAP_PROBE, "", 0);
			break;
		default:
			out.order = CAIRN_BAD_ORDER;
		}
		copy_cap(ECHO_CAP_SELF, CAIRN_CAP_CONSOLE, ECHO_CAP_PROBE);
		cairn_return(ECHO_CAP_RESUME, &out, &rcv, &in);
	}
}

static int check(const char *what, int ok, uint64_t detail)
{
	if (!ok)
		printf("ipc check %s failed: %" PRIu64 "\n", what, detail);
	return ok;
}

static uint64_t call_echo(uint64_t order, uint64_t w0, const struct cairn_rcv *r,
			  struct cairn_reply *rep)
{
	const struct cairn_msg m = { .order = order, .w = { w0 } };
	return cairn_call(CAP_ECHO, &m, r, rep);
}

static void ipc_checks(void)
{
	struct cairn_reply rep;
	uint64_t rc = call_echo(ECHO_PLUS_ONE, 41, NULL, &rep);
	if (!check("reply", rc == CAIRN_OK && rep.w[0] == 42, rc) ||
	    !check("badge", rep.w[1] == ECHO_BADGE, rep.w[1]) ||
	    !check("call bit", rep.w[2] == CAIRN_INFO_CALL, rep.w[2]) ||
	    !check("reply info", (rep.info & ~CAIRN_INFO_BADGE_MASK) == 0, rep.info))
		return;
	/* The reply brings no key: the receive register comes back void. */
	const struct cairn_rcv r = { .keys = { CAP_PROBE } };
	rc = copy_cap(CAP_SELF, CAP_NUMBER, CAP_PROBE);
	if (!check("copy", rc == CAIRN_OK, rc))
		return;
	rc = call_echo(ECHO_PLUS_ONE, 1, &r, &rep);
	uint64_t probe = cairn_number_read(CAP_PROBE, NULL, NULL);
	if (!check("reply", rc == CAIRN_OK && rep.w[0] == 2, rc) ||
	    !check("caller's receive register", probe == CAIRN_VOID, probe))
		return;
	/* So does the server's, on the call. */
	rc = call_echo(ECHO_PROBE, 0, NULL, &rep);
	if (!check("server's receive register", rc == CAIRN_OK && rep.w[0] == CAIRN_VOID, rep.w[0]))
		return;
	/* A resume key is one-shot: a copy dies with the reply. */
	rc = call_echo(ECHO_KEEP, 0, NULL, &rep);
	if (!check("keep", rc == CAIRN_OK, rc))
		return;
	rc = call_echo(ECHO_USE_KEPT, 0, NULL, &rep);
	if (!check("used resume key", rc == CAIRN_OK && rep.w[0] == CAIRN_VOID, rep.w[0]))
		return;
	printf("ipc checks ok\n");
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
	printf("null_invocation %" PRIu64 " instructions\n", median(samples, NULL_SAMPLES));
}

/* One timed round trip; a function of its own so that test/qemu/itrace.py
 * can trace one (--func trip). */
static __attribute__((noinline)) uint64_t trip(uint64_t i, struct cairn_reply *rep,
					       uint64_t *instructions)
{
	const struct cairn_msg m = { .order = 1, .w = { i } };
	uint64_t t0 = cairn_rdinstret();
	uint64_t rc = cairn_call(CAP_PONG, &m, NULL, rep);
	*instructions = cairn_rdinstret() - t0;
	return rc;
}

static void round_trip(void)
{
	for (size_t i = 0; i < TRIP_WARMUP + TRIP_SAMPLES; i++) {
		struct cairn_reply rep;
		uint64_t n;
		uint64_t rc = trip(i, &rep, &n);
		if (failed("round_trip", rc))
			return;
		if (rep.w[0] != i + 1) {
			printf("round_trip failed: wrong reply\n");
			return;
		}
		if (i >= TRIP_WARMUP)
			samples[i - TRIP_WARMUP] = n;
	}
	printf("round_trip %" PRIu64 " instructions\n", median(samples, TRIP_SAMPLES));
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
	printf("page_fault_resident %" PRIu64 " instructions\n", median(samples, FAULT_PAGES));
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
		printf("node_fault_disk failed: too few free nodes\n");
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
	printf("node_fault_disk %" PRIu64 " instructions\n", median(samples, NODE_SAMPLES));
}

int main(uint64_t arg)
{
	if (arg == 1)
		echo();
	cairn_sleep_for(CAIRN_CAP_SLEEP, START_DELAY_MS);
	ipc_checks();
	null_invocation();
	round_trip();
	page_fault_resident();
	node_fault_disk();
	printf("done\n");
	return 0;
}
