/* SPDX-License-Identifier: MIT */
/*
 * bankbig: a destroy of a bank holding 100,000 objects, while an honest
 * client goes on calling its own bank (issue 10, "State, speed and
 * scale"; test/qemu/test_bank_big.py, docs/testing.md "Space bank
 * tests"). One program, two domains of apps/bankbig.image; the image's
 * arg is mode | seed << 8.
 *
 * Mode 1, the driver (domain bankbig): makes a sub-bank of the prime bank
 * and buys OBJECTS objects into it, three per BUY, each one's kind (node
 * or page) from a seeded xorshift. It keeps a key to every SAMPLE_EVERY-th
 * object and to the last (in nodes it buys from the prime bank: two roots
 * in registers, up to 32 leaves of 32 keys under each), marks each sampled object
 * and reads the mark back. Then it DESTROYs the bank through its inspect
 * key and polls the prime bank's QUERY every POLL_MS until nothing is left
 * to reclaim, then checks that every sampled key reads VOID, that the
 * destroyed bank is dead, and that the prime bank's AUDIT is clean. Its
 * lines, in order:
 *
 *   bankbig: bought <n>                        every 10,000 objects
 *   bankbig: bought <n> nodes=<n> pages=<p> in <ms> ms
 *   bankbig: samples <s> live
 *   bankbig: destroying <n> objects
 *   bankbig: reclaiming <left>                 after DESTROY, then at every change
 *   bankbig: reclaimed in <ms> ms polls=<k> resumes=<r>
 *   bankbig: samples <s> void
 *   bankbig: audit=0 banks=<b> nodes=<n> pages=<p>
 *   bankbig: done
 *
 * or, at the first surprise, "bankbig: FAIL <what>" and it stops. The
 * times are the sleep key's clock (SLEEP NOW: microseconds since this
 * boot; under -icount, retired instructions / 1000). A resume restarts
 * that clock, so a time that runs backwards is a resume (counted in
 * resumes=): the time lost to the kill is not counted.
 *
 * Mode 2, the honest client (domain bankclient): makes a sub-bank of the
 * prime bank of its own and, for ever, buys one to three objects (seeded
 * kinds), marks and reads back each, sells them and QUERYs its bank
 * (usage must be back to 0), napping 1 ms every NAP_EVERY rounds as a
 * client with work of its own would (a client that never sleeps gets
 * through too, but slows the destroy down a lot). It counts the bank calls that complete and
 * the longest gap between two completions, and every REPORT_MS of its
 * clock prints
 *
 *   bankclient: calls=<total> window=<calls since the last line> gap_max_us=<longest gap in it>
 *
 * (a gap across a resume is not counted), or "bankclient: FAIL <what>".
 *
 * Capability registers: 1 console, 2 sleep, 3 the prime bank (start key,
 * badge 1), 4 discrim; the rest below, filled by the program itself.
 */
#include <inttypes.h>
#include <stdio.h>

#include "bank.h"
#include "cairn.h"

#define CAP_PRIME   3
#define CAP_DISCRIM 4
#define CAP_BANK    5 /* the driver's big bank, or the client's own */
#define CAP_CTL     6 /* its inspect key */
#define CAP_OBJ(i)  (7 + (i))
#define CAP_ROOT(r) (10 + (r)) /* the driver's samples: roots of 32 leaf nodes */
#define CAP_LEAF    12
#define CAP_TMP     13

#define OBJECTS      100000u
#define SAMPLE_EVERY 97u
#define SAMPLES      (OBJECTS / SAMPLE_EVERY + 2) /* every 97th, and the last */
#define SLOTS        32u                          /* CAIRN_NODE_SLOTS */
#define ROOTS        2u
#define PRINT_EVERY  10000u
#define POLL_MS      50u
#define POLLS_MAX    12000u /* 10 minutes of polls: the test's timeouts are shorter */
#define REPORT_MS    250u
#define NAP_EVERY    8u /* the client's rounds between naps of 1 ms */

_Static_assert(SAMPLES <= ROOTS * SLOTS * SLOTS, "the samples fit the roots' leaves");

static uint64_t rng;
static bool stopped;
static const cap_t objs[3] = { CAP_OBJ(0), CAP_OBJ(1), CAP_OBJ(2) };

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static bool fail(const char *what, uint64_t rc)
{
	printf("FAIL %s: %s\n", what, cairn_result_name(rc));
	fflush(stdout);
	stopped = true;
	return false;
}

static bool want_ok(const char *what, uint64_t rc)
{
	return rc == CAIRN_OK || fail(what, rc);
}

static uint64_t now_us(void)
{
	uint64_t us = 0;
	cairn_sleep_now(CAIRN_CAP_SLEEP, &us, NULL);
	return us;
}

/* A page holds v in its first 8 bytes, a node in number slot 0. */
static uint64_t mark(cap_t obj, unsigned pool, uint64_t v)
{
	if (pool == CAIRN_BANK_NODE) {
		struct cairn_io io = { .w = { 0, v, 0 } };
		return cairn_inv_NODE_WRITE_NUMBER(obj, &io);
	}
	struct cairn_io io = { .w = { 0 }, .str = &v, .len = sizeof v };
	return cairn_inv_PAGE_WRITE(obj, &io);
}

static uint64_t mark_of(cap_t obj, unsigned pool, uint64_t *v)
{
	*v = 0;
	if (pool == CAIRN_BANK_NODE)
		return cairn_node_read_number(obj, 0, v, NULL);
	struct cairn_io io = { .w = { 0, sizeof *v }, .buf = v, .max = sizeof *v };
	return cairn_inv_PAGE_READ(obj, &io);
}

static bool marked(cap_t obj, unsigned pool, uint64_t v, const char *what)
{
	uint64_t got;
	if (!want_ok(what, mark(obj, pool, v)) || !want_ok(what, mark_of(obj, pool, &got)))
		return false;
	return got == v || fail(what, CAIRN_BAD_ARGUMENT);
}

/* --- the driver ------------------------------------------------------ */

static unsigned sample_pool[SAMPLES];
static uint32_t sample_object[SAMPLES];
static unsigned samples;
static uint64_t bought[2]; /* nodes, pages */

/* A clock that survives resumes: time only adds up while it runs forward. */
static uint64_t clock_last, clock_total, resumes;

static void clock_tick(void)
{
	uint64_t t = now_us();
	if (t >= clock_last)
		clock_total += t - clock_last;
	else
		resumes++;
	clock_last = t;
}

static bool sampled(uint32_t i)
{
	return i % SAMPLE_EVERY == 0 || i == OBJECTS - 1;
}

static uint64_t sample_mark(unsigned s)
{
	return 0xb16b0000000000ull | s;
}

/* The leaf node that holds sample s into CAP_LEAF, bought when s is the
 * first of its leaf. */
static cap_t root_of(unsigned s)
{
	return CAP_ROOT(s / (SLOTS * SLOTS));
}

static bool leaf_of(unsigned s)
{
	unsigned slot = s / SLOTS % SLOTS;
	if (s % SLOTS != 0)
		return want_ok("NODE GET leaf", cairn_node_get(root_of(s), slot, CAP_LEAF));
	return want_ok("BUY a leaf", cairn_bank_buy1(CAP_PRIME, CAIRN_BANK_NODE, CAP_LEAF)) &&
	       want_ok("NODE SWAP leaf",
		       cairn_node_swap(root_of(s), slot, CAP_LEAF, CAIRN_CAP_VOID));
}

static bool keep_sample(cap_t key, unsigned pool, uint32_t object)
{
	unsigned s = samples++;
	sample_pool[s] = pool;
	sample_object[s] = object;
	return marked(key, pool, sample_mark(s), "mark a sample") && leaf_of(s) &&
	       want_ok("NODE SWAP sample",
		       cairn_node_swap(CAP_LEAF, s % SLOTS, key, CAIRN_CAP_VOID));
}

/* Sample s's key into CAP_TMP and its type. */
static bool sample_type(unsigned s, uint64_t *type)
{
	return want_ok("NODE GET leaf", cairn_node_get(root_of(s), s / SLOTS % SLOTS, CAP_LEAF)) &&
	       want_ok("NODE GET sample", cairn_node_get(CAP_LEAF, s % SLOTS, CAP_TMP)) &&
	       want_ok("CLASSIFY sample", cairn_discrim_classify(CAP_DISCRIM, CAP_TMP, type, NULL));
}

static bool buy_all(void)
{
	uint64_t t0 = now_us();
	for (uint32_t i = 0; i < OBJECTS;) {
		unsigned n = OBJECTS - i < 3 ? OBJECTS - i : 3;
		uint64_t kinds = next() & ((1u << n) - 1);
		if (!want_ok("BUY", cairn_bank_buy(CAP_BANK, n, kinds, objs)))
			return false;
		for (unsigned j = 0; j < n; j++, i++) {
			unsigned pool = kinds >> j & 1;
			bought[pool]++;
			if (sampled(i) && !keep_sample(objs[j], pool, i))
				return false;
			if ((i + 1) % PRINT_EVERY == 0 && i + 1 < OBJECTS)
				printf("bought %" PRIu32 "\n", i + 1);
		}
	}
	struct cairn_bank_usage n, p;
	if (!want_ok("QUERY nodes", cairn_bank_query(CAP_BANK, CAIRN_BANK_NODE, &n)) ||
	    !want_ok("QUERY pages", cairn_bank_query(CAP_BANK, CAIRN_BANK_PAGE, &p)))
		return false;
	if (n.usage != bought[0] || p.usage != bought[1]) {
		printf("FAIL the bank's usage is nodes=%" PRIu64 " pages=%" PRIu64
		       ", bought %" PRIu64 " and %" PRIu64 "\n",
		       n.usage, p.usage, bought[0], bought[1]);
		stopped = true;
		return false;
	}
	printf("bought %u nodes=%" PRIu64 " pages=%" PRIu64 " in %" PRIu64 " ms\n", OBJECTS,
	       bought[0], bought[1], (now_us() - t0) / 1000);
	return true;
}

/* Every sample is a live key of its kind holding its mark (want_void:
 * every sample reads VOID). */
static bool check_samples(bool want_void)
{
	for (unsigned s = 0; s < samples; s++) {
		uint64_t type, v = 0, want = sample_pool[s] ? CAIRN_KEY_PAGE : CAIRN_KEY_NODE;
		if (!sample_type(s, &type))
			return false;
		if (want_void)
			want = CAIRN_KEY_VOID;
		else if (type == want &&
			 !want_ok("read a sample", mark_of(CAP_TMP, sample_pool[s], &v)))
			return false;
		if (type != want || (!want_void && v != sample_mark(s))) {
			printf("FAIL sample %u (object %u) has type %" PRIu64 " mark %#" PRIx64
			       ", want type %" PRIu64 "\n",
			       s, sample_object[s], type, v, want);
			stopped = true;
			return false;
		}
	}
	printf("samples %u %s\n", samples, want_void ? "void" : "live");
	return true;
}

static bool reclaiming(uint64_t *left)
{
	struct cairn_bank_usage n, p;
	if (!want_ok("QUERY prime nodes", cairn_bank_query(CAP_PRIME, CAIRN_BANK_NODE, &n)) ||
	    !want_ok("QUERY prime pages", cairn_bank_query(CAP_PRIME, CAIRN_BANK_PAGE, &p)))
		return false;
	*left = n.reclaiming + p.reclaiming;
	return true;
}

static bool destroy_and_wait(void)
{
	uint64_t left, last = ~0ull, polls = 0;
	printf("destroying %u objects\n", OBJECTS);
	fflush(stdout);
	clock_last = now_us();
	if (!want_ok("DESTROY", cairn_bank_destroy(CAP_CTL)))
		return false;
	for (;;) {
		if (!reclaiming(&left))
			return false;
		clock_tick();
		if (left != last)
			printf("reclaiming %" PRIu64 "\n", left);
		fflush(stdout);
		last = left;
		if (left == 0)
			break;
		if (++polls == POLLS_MAX)
			return fail("reclaiming never ends", CAIRN_BAD_ARGUMENT);
		cairn_sleep_for(CAIRN_CAP_SLEEP, POLL_MS);
	}
	printf("reclaimed in %" PRIu64 " ms polls=%" PRIu64 " resumes=%" PRIu64 "\n",
	       clock_total / 1000, polls, resumes);
	struct cairn_bank_usage u;
	uint64_t rc = cairn_bank_query(CAP_BANK, CAIRN_BANK_PAGE, &u);
	return rc == CAIRN_BANK_DEAD || fail("QUERY of the destroyed bank is not BANK_DEAD", rc);
}

static bool audit(void)
{
	struct cairn_msg m = { .order = CAIRN_SO_BANK_AUDIT };
	struct cairn_reply rep;
	uint64_t rc = cairn_call(CAP_PRIME, &m, NULL, &rep);
	if (rc != CAIRN_OK || rep.w[0] != 0) {
		printf("FAIL AUDIT %s w0=%#" PRIx64 "\n", cairn_result_name(rc), rep.w[0]);
		stopped = true;
		return false;
	}
	printf("audit=0 banks=%" PRIu64 " nodes=%" PRIu64 " pages=%" PRIu64 "\n", rep.w[1],
	       rep.w[2], rep.w[3]);
	return true;
}

static void driver(void)
{
	if (!want_ok("CREATE",
		     cairn_bank_create(CAP_PRIME, CAIRN_BANK_TRANSPARENT, CAP_BANK, CAP_CTL)) ||
	    !want_ok("BUY a root", cairn_bank_buy1(CAP_PRIME, CAIRN_BANK_NODE, CAP_ROOT(0))) ||
	    !want_ok("BUY a root", cairn_bank_buy1(CAP_PRIME, CAIRN_BANK_NODE, CAP_ROOT(1))))
		return;
	if (buy_all() && check_samples(false) && destroy_and_wait() && check_samples(true) &&
	    audit())
		printf("done\n");
}

/* --- the honest client ----------------------------------------------- */

static uint64_t calls, window_calls, gap_max, last_done, window_start;

/* One bank call completed: count it and its gap since the one before. */
static void completed(void)
{
	uint64_t t = now_us();
	calls++;
	window_calls++;
	if (t >= last_done && t - last_done > gap_max)
		gap_max = t - last_done;
	if (t < last_done)
		window_start = t; /* a resume: the clock started again */
	last_done = t;
	if (t - window_start >= REPORT_MS * 1000ull) {
		printf("calls=%" PRIu64 " window=%" PRIu64 " gap_max_us=%" PRIu64 "\n", calls,
		       window_calls, gap_max);
		fflush(stdout);
		window_calls = gap_max = 0;
		window_start = last_done = now_us(); /* the line's own time is no gap */
	}
}

static bool client_round(uint64_t round)
{
	unsigned n = 1 + next() % 3;
	uint64_t kinds = next() & ((1u << n) - 1);
	struct cairn_bank_usage u;
	if (!want_ok("client BUY", cairn_bank_buy(CAP_BANK, n, kinds, objs)))
		return false;
	completed();
	for (unsigned i = 0; i < n; i++)
		if (!marked(objs[i], kinds >> i & 1, round << 2 | i, "client mark"))
			return false;
	if (!want_ok("client SELL", cairn_bank_sell(CAP_BANK, n, objs)))
		return false;
	completed();
	if (!want_ok("client QUERY", cairn_bank_query(CAP_BANK, kinds & 1, &u)))
		return false;
	completed();
	return u.usage == 0 || fail("client usage after SELL is not 0", CAIRN_BAD_ARGUMENT);
}

static void client(void)
{
	if (!want_ok("client CREATE",
		     cairn_bank_create(CAP_PRIME, CAIRN_BANK_TRANSPARENT, CAP_BANK, CAP_CTL)))
		return;
	window_start = last_done = now_us();
	for (uint64_t r = 1; client_round(r); r++)
		if (r % NAP_EVERY == 0)
			cairn_sleep_for(CAIRN_CAP_SLEEP, 1);
}

int main(uint64_t arg)
{
	rng = 0x2545f4914f6cdd1dull ^ ((arg >> 8) + 1) * 0x9e3779b97f4a7c15ull;
	if ((arg & 0xff) == 1)
		driver();
	else
		client();
	fflush(stdout);
	for (;;)
		cairn_sleep_for(CAIRN_CAP_SLEEP, 60000);
}
