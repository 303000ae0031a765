/* SPDX-License-Identifier: MIT */
/*
 * bankbench: the space bank's benchmarks (issue 10, "Benchmark"), in
 * retired instructions (rdinstret: kernel, bank, reaper and this domain
 * together). test/qemu/bench.py boots apps/bankbench.image under qemu
 * -icount shift=0, where the counts are the same on every run, and reads
 * the lines:
 *
 *   bankbench: buy_sell_page <n> instructions
 *       BUY one page and SELL it back with the hint the BUY gave (docs/
 *       bank.md "A hinted sell"), through a sub-bank of the prime bank;
 *       median of SAMPLES individually timed pairs after WARMUP.
 *   bankbench: buy_sell_node <n> instructions     the same with a node
 *   bankbench: buy_sell_page_unhinted, buy_sell_node_unhinted <n> instructions
 *       the same, the SELL without a hint (the bank asks the kernel which
 *       object the key is to: RANGE IDENTIFY_KEYS).
 *   bankbench: buy_sell_three <n> instructions
 *       BUY a node and two pages in one call, SELL the three in one call.
 *   bankbench: query <n> instructions
 *       one QUERY: what each poll of the destroy below costs.
 *   bankbench: destroy_per_object <n> instructions
 *       a sub-bank holding DESTROY_OBJECTS pages (bought three at a time,
 *       the keys dropped) is destroyed; the bank's reaper reclaims it in
 *       bounded steps (each freed page a RANGE RESCIND) while bankbench
 *       polls the prime bank's QUERY until nothing is left to reclaim.
 *       The figure is (instructions from DESTROY to the poll that sees 0,
 *       less the polls' own cost) / DESTROY_OBJECTS.
 *   bankbench: ipc_round_trip <n> instructions
 *       an order the bank does not know (BAD_ORDER): the kernel's IPC to
 *       the bank and back, with the bank's dispatch and nothing else.
 *   bankbench: range_make_key, range_identify, range_identify_keys,
 *   range_rescind, range_rescind_cold <n> instructions
 *       the kernel calls the bank makes per object, measured here on
 *       objects at the top of the page range (register 4, a range key over
 *       the pages the image does not use), which the bank, handing out
 *       fresh objects from the bottom, never reaches in this image: make a
 *       key to a resident page, identify it (IDENTIFY, and IDENTIFY_KEYS
 *       with the range sent as the second range, as the bank's SELL does),
 *       rescind it (it is resident: the key was used), and rescind a page
 *       never touched since the volume was formatted (what a destroy of
 *       fresh pages costs).
 *   bankbench: done
 *
 * A step that fails prints "bankbench: <what> failed: <RESULT>" instead.
 * Capability registers: 1 console, 2 sleep, 3 the prime bank (start key,
 * badge 1), 4 a range key over the free pages (read above); 8..13 scratch.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "bank.h"
#include "cairn.h"

#define CAP_PRIME  3
#define CAP_RANGE  4
#define CAP_KEY    13
#define CAP_SUB    8
#define CAP_CTL    9
#define CAP_OBJ(n) (10 + (n))

#define START_DELAY_MS  300
#define WARMUP          100
#define SAMPLES         1000
#define DESTROY_OBJECTS 10000
#define POLLS_MAX       10000000u

static uint64_t samples[SAMPLES];
static const cap_t objs[3] = { CAP_OBJ(0), CAP_OBJ(1), CAP_OBJ(2) };

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

static uint64_t median(void)
{
	qsort(samples, SAMPLES, sizeof samples[0], cmp_u64);
	return samples[SAMPLES / 2];
}

static bool failed(const char *what, uint64_t rc)
{
	if (rc == CAIRN_OK)
		return false;
	printf("%s failed: %s\n", what, cairn_result_name(rc));
	return true;
}

/* One timed buy of n objects of `kinds` and their sell, with the BUY's
 * hints if `hinted` (a function of its own: itrace.py traces it). */
static __attribute__((noinline)) uint64_t buy_sell(unsigned n, uint64_t kinds, bool hinted,
						   uint64_t *rc)
{
	uint64_t hints[3];
	uint64_t t0 = cairn_rdinstret();
	*rc = cairn_bank_buy_hinted(CAP_SUB, n, kinds, objs, hinted ? hints : NULL);
	if (*rc == CAIRN_OK)
		*rc = hinted ? cairn_bank_sell_hinted(CAP_SUB, n, objs, hints)
			     : cairn_bank_sell(CAP_SUB, n, objs);
	return cairn_rdinstret() - t0;
}

static bool bench_buy_sell(const char *name, unsigned n, uint64_t kinds, bool hinted)
{
	uint64_t rc;
	for (unsigned i = 0; i < WARMUP; i++)
		if (buy_sell(n, kinds, hinted, &rc), failed(name, rc))
			return false;
	for (unsigned i = 0; i < SAMPLES; i++)
		if (samples[i] = buy_sell(n, kinds, hinted, &rc), failed(name, rc))
			return false;
	printf("%s %" PRIu64 " instructions\n", name, median());
	return true;
}

static uint64_t reclaiming(uint64_t *rc)
{
	struct cairn_bank_usage u;
	*rc = cairn_bank_query(CAP_PRIME, CAIRN_BANK_PAGE, &u);
	return u.reclaiming;
}

static bool bench_query(uint64_t *cost)
{
	uint64_t rc;
	for (unsigned i = 0; i < SAMPLES; i++) {
		uint64_t t0 = cairn_rdinstret();
		reclaiming(&rc);
		samples[i] = cairn_rdinstret() - t0;
		if (failed("query", rc))
			return false;
	}
	*cost = median();
	printf("query %" PRIu64 " instructions\n", *cost);
	return true;
}

static bool bench_destroy(uint64_t query_cost)
{
	uint64_t rc, polls = 0;
	if (failed("destroy: create", cairn_bank_create(CAP_PRIME, 0, CAP_SUB, CAP_CTL)))
		return false;
	for (unsigned left = DESTROY_OBJECTS; left > 0;) {
		unsigned n = left < 3 ? left : 3;
		if (failed("destroy: buy", cairn_bank_buy(CAP_SUB, n, (1u << n) - 1, objs)))
			return false;
		left -= n;
	}
	uint64_t t0 = cairn_rdinstret();
	if (failed("destroy", cairn_bank_destroy(CAP_SUB)))
		return false;
	while (reclaiming(&rc) != 0 && rc == CAIRN_OK && ++polls < POLLS_MAX)
		;
	uint64_t spent = cairn_rdinstret() - t0;
	if (failed("destroy: query", rc))
		return false;
	if (polls == POLLS_MAX) {
		printf("destroy failed: still reclaiming after %u polls\n", POLLS_MAX);
		return false;
	}
	spent -= (polls + 1) * query_cost;
	printf("destroy_per_object %" PRIu64 " instructions\n", spent / DESTROY_OBJECTS);
	return true;
}

/* The kernel's share, per call (see the header). */
static bool bench_kernel_calls(void)
{
	struct cairn_range_info ri;
	uint64_t rc = cairn_range_info(CAP_RANGE, &ri);
	if (failed("range info", rc))
		return false;
	uint64_t top = ri.count - 1, t0;
	for (unsigned i = 0; i < SAMPLES; i++) {
		const struct cairn_msg m = { .order = 0x81ff };
		t0 = cairn_rdinstret();
		rc = cairn_call(CAP_PRIME, &m, NULL, NULL);
		samples[i] = cairn_rdinstret() - t0;
		if (rc != CAIRN_BAD_ORDER)
			return !failed("ipc", rc == CAIRN_OK ? CAIRN_BAD_ORDER : rc);
	}
	printf("ipc_round_trip %" PRIu64 " instructions\n", median());
	static uint64_t mk[SAMPLES], id[SAMPLES], idk[SAMPLES], rs[SAMPLES];
	for (unsigned i = 0; i < SAMPLES; i++) {
		struct cairn_io io = { .keys = { CAP_KEY } }, zero = { 0 };
		t0 = cairn_rdinstret();
		rc = cairn_range_make_key(CAP_RANGE, top, CAP_KEY);
		mk[i] = cairn_rdinstret() - t0;
		if (failed("range make_key", rc) ||
		    failed("page zero", cairn_inv_PAGE_ZERO(CAP_KEY, &zero)))
			return false;
		t0 = cairn_rdinstret();
		rc = cairn_inv_RANGE_IDENTIFY(CAP_RANGE, &io);
		id[i] = cairn_rdinstret() - t0;
		if (failed("range identify", rc))
			return false;
		io = (struct cairn_io){ .w = { 1 }, .keys = { CAP_KEY, 0, 0, CAP_RANGE } };
		t0 = cairn_rdinstret();
		rc = cairn_inv_RANGE_IDENTIFY_KEYS(CAP_RANGE, &io);
		idk[i] = cairn_rdinstret() - t0;
		if (failed("range identify_keys", rc))
			return false;
		t0 = cairn_rdinstret();
		rc = cairn_range_rescind(CAP_RANGE, top);
		rs[i] = cairn_rdinstret() - t0;
		if (failed("range rescind", rc))
			return false;
	}
	const struct {
		const char *name;
		uint64_t *v;
	} figs[] = { { "range_make_key", mk },
		     { "range_identify", id },
		     { "range_identify_keys", idk },
		     { "range_rescind", rs } };
	for (unsigned f = 0; f < sizeof(figs) / sizeof(figs[0]); f++) {
		for (unsigned i = 0; i < SAMPLES; i++)
			samples[i] = figs[f].v[i];
		printf("%s %" PRIu64 " instructions\n", figs[f].name, median());
	}
	for (unsigned i = 0; i < SAMPLES; i++) {
		t0 = cairn_rdinstret();
		rc = cairn_range_rescind(CAP_RANGE, top - 1 - i);
		samples[i] = cairn_rdinstret() - t0;
		if (failed("range rescind cold", rc))
			return false;
	}
	printf("range_rescind_cold %" PRIu64 " instructions\n", median());
	return true;
}

int main(uint64_t arg)
{
	(void)arg;
	uint64_t query_cost;
	cairn_sleep_for(CAIRN_CAP_SLEEP, START_DELAY_MS);
	if (failed("create", cairn_bank_create(CAP_PRIME, 0, CAP_SUB, CAP_CTL)))
		goto out;
	if (!bench_buy_sell("buy_sell_page", 1, 1, true) ||
	    !bench_buy_sell("buy_sell_node", 1, 0, true) ||
	    !bench_buy_sell("buy_sell_page_unhinted", 1, 1, false) ||
	    !bench_buy_sell("buy_sell_node_unhinted", 1, 0, false) ||
	    !bench_buy_sell("buy_sell_three", 3, 0x6, true) ||
	    failed("destroy the sub-bank", cairn_bank_destroy(CAP_SUB)) ||
	    !bench_query(&query_cost) || !bench_destroy(query_cost) || !bench_kernel_calls())
		goto out;
	printf("done\n");
out:
	for (;;)
		cairn_sleep_for(CAIRN_CAP_SLEEP, 60000);
}
