/* SPDX-License-Identifier: MIT */
/*
 * The log writer run the way the kernel runs it (docs/checkpoint.md
 * "Demarcation pause"): with env.kick, ckpt_writer_start() only prepares
 * (no block sum, no request in the demarcation pause), and every run of
 * the machine, a kick or a completion, prepares at most `burst` DATA
 * requests or directory blocks, so its block sums are bounded. The device
 * here completes nothing by itself: the test completes requests one at a
 * time, oldest first, and counts what each run did. The generation must
 * still commit and migrate, also when a stretch of zero blocks longer
 * than one run's budget leaves nothing in flight (the writer then asks
 * for another kick instead of stopping). With flush_every, FLUSHes go out
 * during DATA, and the header still waits for a FLUSH after the last
 * data and directory write. The owner's console area goes into the
 * header as given. A held recovered migration (the kernel's, until the
 * first domain runs) issues nothing, whatever runs the machine, until it
 * is released; then it migrates every entry home and empties the map.
 * A small generation costs two FLUSHes (FLUSH1, FLUSH2): its migration's
 * home writes have none of their own, and the next generation's FLUSH1
 * makes them durable before that generation's header goes out; one of
 * home_flush_from items or more gets a third, after its home writes.
 * With env.defer, migration starts only at the owner's next kick. As the
 * kernel runs it (one_flush_max set), a small generation costs one FLUSH:
 * its header, flagged ONE_FLUSH and keeping the generation before, goes
 * out beside its blocks; never right after a resume or over the limit.
 * The directory's check trails the directory: the owner's idle loop does
 * it a piece at a time while DIR's writes and FLUSH1 are in flight (never
 * in DATA), FLUSH1 may go out before it is finished, the header never
 * does; without the idle loop it is done after FLUSH1; a directory it
 * refuses gets no header. A directory of CKPT_CHECK_NOW_MAX blocks or
 * fewer is checked before FLUSH1.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "testvol.h"
#include "writer.h"

#define BURST       2
#define BATCH       4
#define ITEMS       60
#define BIG_ITEMS   600 /* five directory blocks: more than CKPT_CHECK_NOW_MAX */
#define FLUSH_EVERY 8

struct rig {
	struct ckpt_writer w;
	struct cairn_superblock sb;
	struct ckpt_io_req *queue[CKPT_WRITER_SLOTS];
	unsigned queued;
	unsigned kicks;   /* asked for and not yet given */
	unsigned sums;    /* block sums in the current run */
	unsigned submits; /* DATA and DIR writes in the current run */
	unsigned max_sums, max_submits;
	unsigned committed;
	unsigned flushes_in_data;        /* FLUSHes submitted during DATA */
	unsigned writes_since_flush;     /* log writes submitted since the last FLUSH */
	bool header_unflushed;           /* a header went out with writes not yet flushed */
	unsigned headers;                /* header writes submitted */
	unsigned flushes;                /* FLUSHes submitted */
	unsigned homes_since_flush;      /* migration writes no FLUSH covers yet */
	bool header_before_homes;        /* a header went out with home writes not flushed */
	uint8_t header[CKPT_BLOCK_SIZE]; /* the last of them */
	bool header_unchecked;           /* a header went out before the check was done */
	int flush1_checked;              /* at FLUSH1's submission: 1 checked, 0 not, -1 none */
	struct ckpt_item items[BIG_ITEMS];
	uint64_t threads[1];
	uint8_t data[BIG_ITEMS][CKPT_BLOCK_SIZE];
	uint8_t bufs[CKPT_WRITER_SLOTS][CKPT_BLOCK_SIZE];
	struct ckpt_dirent check_slots[1024];
};

static struct rig R;
static unsigned rig_items = ITEMS;   /* the snapshot's items (BIG_ITEMS: a larger volume) */
static unsigned rig_home_flush_from; /* 0: homes left to the next FLUSH1 */
static unsigned rig_one_flush_max;   /* 0: two FLUSHes always */
static bool rig_defer;               /* env.defer set, as the kernel's */
static unsigned defers;              /* env.defer calls */

static void defer(void *ctx)
{
	(void)ctx;
	defers++;
}
static const uint8_t zero_block[CKPT_BLOCK_SIZE];

static void submit(void *ctx, struct ckpt_io_req *req)
{
	(void)ctx;
	assert_true(R.queued < CKPT_WRITER_SLOTS);
	R.queue[R.queued++] = req;
	if (req->op == CKPT_IO_WRITE && req->block >= R.sb.log_start + 2) {
		R.submits++;
		R.writes_since_flush++;
	}
	if (req->op == CKPT_IO_WRITE && req->block < R.sb.log_start + 2 &&
	    req->block >= R.sb.log_start && R.writes_since_flush)
		R.header_unflushed = true;
	if (req->op == CKPT_IO_WRITE && R.w.phase == CKPT_PHASE_MIGRATE)
		R.homes_since_flush++;
	if (req->op == CKPT_IO_WRITE && req->block < R.sb.log_start + 2 &&
	    req->block >= R.sb.log_start) {
		if (R.homes_since_flush)
			R.header_before_homes = true;
		R.headers++;
		if (!R.w.dir_check_done)
			R.header_unchecked = true;
		memcpy(R.header, req->buf[0], CKPT_BLOCK_SIZE);
	}
	if (req->op == CKPT_IO_FLUSH) {
		/* Completions come oldest first, so this FLUSH covers what is
		 * queued before it only once they completed: count it as
		 * covering them only when nothing else is in flight. */
		R.flushes++;
		if (R.queued == 1)
			R.writes_since_flush = R.homes_since_flush = 0;
		if (R.w.phase == CKPT_PHASE_DATA)
			R.flushes_in_data++;
		if (R.w.phase == CKPT_PHASE_FLUSH1)
			R.flush1_checked = R.w.dir_check_done;
	}
}

static const char *strerr(int status)
{
	(void)status;
	return "error";
}

static const void *item_data(void *ctx, const struct ckpt_item *it)
{
	(void)ctx;
	return it->live ? it->live : zero_block;
}

static uint64_t sum(const void *block, bool *all_zero)
{
	R.sums++;
	return ckpt_block_sum(block, all_zero);
}

static void nothing(void *ctx)
{
	(void)ctx;
}

static unsigned recovered_migrations;

static void migrated(void *ctx, bool recovered)
{
	(void)ctx;
	if (recovered)
		recovered_migrations++;
}

static void retry_after(void *ctx, uint32_t ms)
{
	(void)ctx;
	(void)ms;
	fail_msg("no failure expected");
}

static void kick(void *ctx)
{
	(void)ctx;
	R.kicks++;
}

static void report(void *ctx, const struct ckpt_writer *w, const struct ckpt_report *r)
{
	(void)ctx;
	(void)w;
	if (r->kind == CKPT_REPORT_COMMITTED)
		R.committed++;
}

/* Account for one run of the machine. */
static void run_begin(void)
{
	R.sums = R.submits = 0;
}

static void run_end(void)
{
	if (R.sums > R.max_sums)
		R.max_sums = R.sums;
	if (R.submits > R.max_submits)
		R.max_submits = R.submits;
}

static void setup_rig(unsigned zero_from, unsigned zero_to, unsigned flush_every)
{
	memset(&R, 0, sizeof(R));
	R.flush1_checked = -1;
	R.sb = testvol_sb();
	if (rig_items > ITEMS) { /* only the writer's arithmetic: this device keeps nothing */
		R.sb.page_count = rig_items;
		R.sb.log_blocks = 2 * rig_items + 2;
		R.sb.total_blocks = R.sb.log_start + R.sb.log_blocks;
	}
	struct ckpt_writer_config c = {
		.sb = &R.sb,
		.io = { .submit = submit, .strerror = strerr },
		.env = { .item_data = item_data,
			 .sum = sum,
			 .retry_after = retry_after,
			 .items_free = nothing,
			 .space_freed = nothing,
			 .migrated = migrated,
			 .state_changed = nothing,
			 .report = report,
			 .kick = kick,
			 .defer = rig_defer ? defer : NULL },
		.keep = 1,
		.batch = BATCH,
		.burst = BURST,
		.flush_every = flush_every,
		.home_flush_from = rig_home_flush_from,
		.one_flush_max = rig_one_flush_max,
		.zero = zero_block,
	};
	for (unsigned i = 0; i < CKPT_WRITER_SLOTS; i++)
		c.buf[i] = R.bufs[i];
	ckpt_writer_init(&R.w, &c);
	R.w.items = R.items;
	R.w.threads = R.threads;
	R.w.check_slots = R.check_slots;
	R.w.check_bytes = sizeof(R.check_slots);
	R.w.thread_cap = 1;
	for (unsigned i = 0; i < rig_items; i++) {
		if (i < zero_from || i >= zero_to)
			testvol_fill(R.data[i], i + 1);
		R.items[i] = (struct ckpt_item){ .live = R.data[i], .index = i, .pool = 2 };
	}
	R.w.nitems = rig_items;
	R.threads[0] = 3;
	R.w.nthreads = 1;
}

/* One event, each a run of the machine: the kick asked for, if any, else
 * the oldest request's completion. False when there is neither. */
static bool step(void)
{
	if (!R.kicks && !R.queued)
		return false;
	run_begin();
	if (R.kicks) {
		R.kicks--;
		ckpt_writer_kick(&R.w);
	} else {
		struct ckpt_io_req *req = R.queue[0];
		memmove(&R.queue[0], &R.queue[1], --R.queued * sizeof(R.queue[0]));
		ckpt_writer_done(&R.w, req, 0);
	}
	run_end();
	return true;
}

/* The rig with BIG_ITEMS items: a directory past CKPT_CHECK_NOW_MAX. */
static void setup_big_rig(void)
{
	rig_items = BIG_ITEMS;
	setup_rig(0, 0, 0);
	rig_items = ITEMS;
}

/* Give kicks and complete requests (oldest first) until the writer is idle. */
static void drive(void)
{
	for (unsigned guard = 0; guard < 10000; guard++)
		if (!step())
			return;
	fail_msg("the writer never went idle");
}

static void start_prepares_only(void **state)
{
	(void)state;
	setup_rig(0, 0, 0);
	run_begin();
	ckpt_writer_start(&R.w);
	run_end();
	assert_int_equal(R.max_sums, 0);
	assert_int_equal(R.queued, 0);
	assert_int_equal(R.kicks, 1);
	assert_int_equal(R.w.phase, CKPT_PHASE_DATA);
	drive();
	assert_int_equal(R.committed, 1);
	assert_int_equal(R.w.phase, CKPT_PHASE_IDLE);
}

static void runs_are_bounded(void **state)
{
	(void)state;
	setup_rig(0, 0, 0);
	ckpt_writer_start(&R.w);
	drive();
	assert_int_equal(R.committed, 1);
	assert_true(R.max_sums <= BURST * BATCH);
	assert_true(R.max_submits <= BURST);
	assert_true(R.max_sums > 0);
}

/* 3 * BURST * BATCH zero blocks in a row: runs that submit nothing. */
static void zero_stretch_asks_again(void **state)
{
	(void)state;
	setup_rig(8, 8 + 3 * BURST * BATCH, 0);
	ckpt_writer_start(&R.w);
	drive();
	assert_int_equal(R.committed, 1);
	assert_true(R.max_sums <= BURST * BATCH);
	for (unsigned i = 8; i < 8 + 3 * BURST * BATCH; i++)
		assert_int_equal(R.items[i].flags, CKPT_ENTRY_ZERO);
}

/* The check map starts as garbage (what the last generation's check left):
 * the check zeroes it a slice at a time before it begins, so it finds the
 * map empty and the generation commits. */
static void check_map_zeroed_before_check(void **state)
{
	(void)state;
	setup_rig(0, 0, 0);
	memset(R.check_slots, 0xa5, sizeof(R.check_slots));
	ckpt_writer_start(&R.w);
	for (unsigned guard = 0; guard < 1000 && R.w.phase == CKPT_PHASE_DATA; guard++)
		step();
	drive();
	assert_int_equal(R.committed, 1);
}

/* The rig with the owner's idle loop: ckpt_writer_background() until it
 * has nothing, before each completion. */
static void drive_with_background(unsigned *pieces, bool *flush1_before_check, bool *in_data)
{
	for (unsigned guard = 0; guard < 10000; guard++) {
		enum ckpt_phase before = R.w.phase;
		while (!R.kicks && R.queued && ckpt_writer_background(&R.w)) {
			(*pieces)++;
			if (before != CKPT_PHASE_DIR && before != CKPT_PHASE_FLUSH1)
				*in_data = true;
		}
		if (R.w.phase == CKPT_PHASE_FLUSH1 && !R.w.dir_check_done)
			*flush1_before_check = true;
		if (!step())
			return;
	}
	fail_msg("the writer never went idle");
}

/* The idle loop does the check while the directory's writes are in
 * flight (here: the map's one slice, the beginning, the block, the end),
 * never in DATA; and the header waits for it. */
static void check_trails_the_directory(void **state)
{
	unsigned pieces = 0;
	bool flush1_first = false, in_data = false;
	(void)state;
	setup_big_rig();
	memset(R.check_slots, 0xa5, sizeof(R.check_slots));
	ckpt_writer_start(&R.w);
	assert_true(R.w.nitems / CKPT_DIR_ENTRIES_PER_BLOCK >= CKPT_CHECK_NOW_MAX);
	drive_with_background(&pieces, &flush1_first, &in_data);
	assert_int_equal(R.committed, 1);
	assert_true(pieces >= 7); /* the map's slice, the beginning, 5 blocks */
	assert_false(in_data);
	assert_false(R.header_unchecked);
	assert_true(R.w.dir_check_done);
}

/* No idle loop: FLUSH1 goes out with the check not begun, and runs after
 * it do the check; the header still waits for it. */
static void check_after_flush1_without_idle(void **state)
{
	(void)state;
	setup_big_rig();
	ckpt_writer_start(&R.w);
	bool flush1_unchecked = false;
	for (unsigned guard = 0; guard < 10000; guard++) {
		if (R.w.phase == CKPT_PHASE_FLUSH1 && R.w.dir_checked == 0)
			flush1_unchecked = true;
		if (!step())
			break;
	}
	assert_int_equal(R.committed, 1);
	assert_true(flush1_unchecked);
	assert_false(R.header_unchecked);
}

/* Page 7 listed twice: the trailing check refuses the directory, and no
 * header goes out (checkpoints stop: the snapshot itself is wrong). */
static void trailing_check_refuses(void **state)
{
	unsigned pieces = 0;
	bool flush1_first = false, in_data = false;
	(void)state;
	setup_big_rig();
	R.items[500].index = 7; /* in the fifth block: found by the trailing check */
	ckpt_writer_start(&R.w);
	drive_with_background(&pieces, &flush1_first, &in_data);
	assert_int_equal(R.committed, 0);
	assert_int_equal(R.headers, 0);
	assert_int_equal(R.w.phase, CKPT_PHASE_OFF);
	assert_int_equal(R.w.refused, CKPT_ERR_DUPLICATE);
}

/* A directory of at most CKPT_CHECK_NOW_MAX blocks (here one) is checked
 * in DIR, before FLUSH1 goes out: output waiting for the commit does not
 * wait for kicks after FLUSH1. */
static void small_directory_checked_before_flush1(void **state)
{
	(void)state;
	setup_rig(0, 0, 0);
	ckpt_writer_start(&R.w);
	drive();
	assert_int_equal(R.committed, 1);
	assert_int_equal(R.flush1_checked, 1);
}

/* FLUSH_EVERY: early FLUSHes in DATA; the header after a FLUSH of all. */
static void early_flushes(void **state)
{
	(void)state;
	setup_rig(0, 0, FLUSH_EVERY);
	ckpt_writer_start(&R.w);
	drive();
	assert_int_equal(R.committed, 1);
	assert_true(R.flushes_in_data >= 1);
	assert_false(R.header_unflushed);
}

/* Two generations back to back: two FLUSHes each, the first generation's
 * home writes issued (all 60 items) with no FLUSH after them, and covered
 * by the second generation's FLUSH1 before its header. */
static void home_writes_flushed_by_next_flush1(void **state)
{
	(void)state;
	setup_rig(0, 0, 0);
	ckpt_writer_start(&R.w);
	drive();
	assert_int_equal(R.committed, 1);
	assert_int_equal(R.flushes, 2);
	assert_int_equal(R.homes_since_flush, ITEMS);
	for (unsigned i = 0; i < ITEMS; i++)
		R.items[i] = (struct ckpt_item){ .live = R.data[i], .index = i, .pool = 2 };
	R.w.nitems = ITEMS;
	ckpt_writer_start(&R.w);
	drive();
	assert_int_equal(R.committed, 2);
	assert_int_equal(R.flushes, 4);
	assert_false(R.header_before_homes);
	assert_false(R.header_unflushed);
}

/* With env.defer, the commit's run ends at the commit: no home write until
 * the owner's next kick, which then migrates everything. */
static void migration_waits_for_the_kick_after_defer(void **state)
{
	(void)state;
	rig_defer = true;
	defers = 0;
	setup_rig(0, 0, 0);
	rig_defer = false;
	ckpt_writer_start(&R.w);
	drive();
	assert_int_equal(R.committed, 1);
	assert_int_equal(defers, 1);
	assert_int_equal(R.w.phase, CKPT_PHASE_MIGRATE);
	assert_int_equal(R.homes_since_flush, 0);
	assert_int_equal(R.queued, 0);
	R.kicks++;
	drive();
	assert_int_equal(R.homes_since_flush, ITEMS);
	assert_int_equal(R.w.phase, CKPT_PHASE_IDLE);
}

/* A generation of home_flush_from items or more: a third FLUSH after its
 * home writes, before the writer goes idle. */
static void large_generation_flushes_its_homes(void **state)
{
	(void)state;
	rig_home_flush_from = ITEMS;
	setup_rig(0, 0, 0);
	rig_home_flush_from = 0;
	ckpt_writer_start(&R.w);
	drive();
	assert_int_equal(R.committed, 1);
	assert_int_equal(R.flushes, 3);
	assert_int_equal(R.homes_since_flush, 0);
	assert_int_equal(R.w.phase, CKPT_PHASE_IDLE);
}

/* Again for the next generation (the same items, new contents). */
static void refill(unsigned gen)
{
	for (unsigned i = 0; i < ITEMS; i++) {
		testvol_fill(R.data[i], gen * 1000 + i + 1);
		R.items[i] = (struct ckpt_item){ .live = R.data[i], .index = i, .pool = 2 };
	}
	R.w.nitems = ITEMS;
}

/* As the kernel: small generations with one FLUSH. The first commits
 * with one, its header flagged and sent while its blocks were in flight;
 * the second too, though the first one's home writes are not flushed
 * yet: so its header keeps the first generation (tail = its gen_start). */
static void small_generation_commits_with_one_flush(void **state)
{
	struct ckpt_header h;
	uint64_t first_start;

	(void)state;
	rig_one_flush_max = ITEMS;
	setup_rig(0, 0, 0);
	rig_one_flush_max = 0;
	ckpt_writer_start(&R.w);
	drive();
	assert_int_equal(R.committed, 1);
	assert_int_equal(R.flushes, 1);
	assert_true(R.header_unflushed); /* out beside its blocks */
	assert_int_equal(ckpt_header_decode(R.header, &R.sb, &h), CKPT_OK);
	assert_int_equal(h.flags, CKPT_HDR_ONE_FLUSH);
	assert_int_equal(h.tail, h.gen_start); /* nothing before it */
	first_start = h.gen_start;
	assert_int_equal(R.homes_since_flush, ITEMS);
	refill(2);
	ckpt_writer_start(&R.w);
	drive();
	assert_int_equal(R.committed, 2);
	assert_int_equal(R.flushes, 2);
	assert_int_equal(ckpt_header_decode(R.header, &R.sb, &h), CKPT_OK);
	assert_int_equal(h.flags, CKPT_HDR_ONE_FLUSH);
	assert_int_equal(h.tail, first_start);
	assert_int_equal(R.w.tail, first_start);
}

/* A rig whose writer resumed from generation 4 (blocks 100..130, its
 * directory at 130): the next generation is 5 and starts at 131. */
static void setup_resumed_after_4(void)
{
	const struct ckpt_header h = { .sequence = 4,
				       .tail = 100,
				       .gen_start = 100,
				       .dir_pos = 130,
				       .dir_blocks = 1,
				       .head = 131 };
	setup_rig(0, 0, 0);
	ckpt_writer_resume(&R.w, &h);
}

/* Two FLUSHes for the first generation after a resume (the recovered
 * one's migration is not flushed, and its blocks may be older ones'), and
 * for one item over one_flush_max; their tails name only themselves. */
static void one_flush_not_after_a_resume_nor_over_the_limit(void **state)
{
	struct ckpt_header h;

	(void)state;
	rig_one_flush_max = ITEMS;
	setup_resumed_after_4();
	ckpt_writer_start(&R.w);
	drive();
	assert_int_equal(R.committed, 1);
	assert_int_equal(R.flushes, 2);
	assert_false(R.header_unflushed);
	assert_int_equal(ckpt_header_decode(R.header, &R.sb, &h), CKPT_OK);
	assert_int_equal(h.sequence, 5);
	assert_int_equal(h.flags, 0);
	assert_int_equal(h.tail, 131);
	refill(6); /* and then one FLUSH again */
	ckpt_writer_start(&R.w);
	drive();
	assert_int_equal(R.flushes, 3);
	assert_int_equal(ckpt_header_decode(R.header, &R.sb, &h), CKPT_OK);
	assert_int_equal(h.flags, CKPT_HDR_ONE_FLUSH);
	assert_int_equal(h.tail, 131);

	rig_one_flush_max = ITEMS - 1;
	setup_rig(0, 0, 0);
	rig_one_flush_max = 0;
	ckpt_writer_start(&R.w);
	drive();
	assert_int_equal(R.flushes, 2);
	assert_false(R.header_unflushed);
	assert_int_equal(ckpt_header_decode(R.header, &R.sb, &h), CKPT_OK);
	assert_int_equal(h.flags, 0);
}

/* After recovery fell back past a torn generation, the next one starts
 * after it: the torn one's stale blocks, of the same sequence, are never
 * where the new directory is. */
static void skip_to_goes_past_the_torn_generation(void **state)
{
	(void)state;
	setup_resumed_after_4();
	ckpt_writer_skip_to(&R.w, 170);
	assert_int_equal(R.w.head, 170);
	ckpt_writer_skip_to(&R.w, 150); /* never back */
	assert_int_equal(R.w.head, 170);
	ckpt_writer_skip_to(&R.w, 100 + ckpt_ring_blocks(&R.sb) + 1); /* never past the room */
	assert_int_equal(R.w.head, 170);
	assert_int_equal(ckpt_writer_next_generation(&R.w), 5);
	assert_false(R.w.prev_flushed); /* after a resume: two FLUSHes next */
}

/* The console area (kern/ckpt/ckpt_console.c's) is written into the
 * header as the owner gave it, under the CRC; the rest of it stays zero. */
static void console_area_in_header(void **state)
{
	static uint8_t area[200];
	struct ckpt_header h;
	(void)state;
	for (unsigned i = 0; i < sizeof(area); i++)
		area[i] = (uint8_t)(i ^ 0x5a);
	setup_rig(0, 0, 0);
	R.w.console = area;
	R.w.console_len = sizeof(area);
	ckpt_writer_start(&R.w);
	drive();
	assert_int_equal(R.committed, 1);
	assert_int_equal(R.headers, 1);
	assert_int_equal(ckpt_header_decode(R.header, &R.sb, &h), CKPT_OK);
	assert_memory_equal(ckpt_header_console(R.header), area, sizeof(area));
	for (unsigned i = CKPT_HDR_OFF_CONSOLE + sizeof(area); i < CKPT_HDR_OFF_CRC; i++)
		assert_int_equal(R.header[i], 0);
}

/* Recovered ZERO entries: each one a write of zeros to its home. */
static void recover_migrate_held(void **state)
{
	static struct ckpt_dirent slots[64];
	struct ckpt_dirmap map;
	(void)state;
	setup_rig(0, 0, 0);
	recovered_migrations = 0;
	assert_int_equal(ckpt_dirmap_init(&map, slots, 64), CKPT_OK);
	for (uint64_t i = 0; i < 5; i++) {
		struct ckpt_dirent e = {
			.index = i, .seq = 1, .kind = CKPT_KIND_PAGE, .flags = CKPT_ENTRY_ZERO
		};
		assert_int_equal(ckpt_dirmap_insert(&map, &e), CKPT_OK);
	}
	ckpt_writer_recover_hold(&R.w, &map);
	assert_true(ckpt_writer_recover_held(&R.w));
	assert_int_equal(R.w.phase, CKPT_PHASE_RECOVER_MIGRATE);
	ckpt_writer_kick(&R.w); /* a stray kick or timer starts nothing */
	ckpt_writer_timer(&R.w);
	assert_int_equal(R.queued, 0);
	assert_int_equal(R.kicks, 0);
	ckpt_writer_recover_release(&R.w);
	assert_false(ckpt_writer_recover_held(&R.w));
	assert_int_equal(R.queued, 0); /* with env.kick: asked for a kick */
	assert_int_equal(R.kicks, 1);
	ckpt_writer_recover_release(&R.w); /* a second release does nothing */
	assert_int_equal(R.kicks, 1);
	drive();
	assert_int_equal(R.w.phase, CKPT_PHASE_IDLE);
	assert_int_equal(recovered_migrations, 1);
	assert_int_equal(ckpt_dirmap_count(&map), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(start_prepares_only),
		cmocka_unit_test(runs_are_bounded),
		cmocka_unit_test(zero_stretch_asks_again),
		cmocka_unit_test(early_flushes),
		cmocka_unit_test(home_writes_flushed_by_next_flush1),
		cmocka_unit_test(large_generation_flushes_its_homes),
		cmocka_unit_test(small_generation_commits_with_one_flush),
		cmocka_unit_test(one_flush_not_after_a_resume_nor_over_the_limit),
		cmocka_unit_test(skip_to_goes_past_the_torn_generation),
		cmocka_unit_test(migration_waits_for_the_kick_after_defer),
		cmocka_unit_test(check_map_zeroed_before_check),
		cmocka_unit_test(check_trails_the_directory),
		cmocka_unit_test(check_after_flush1_without_idle),
		cmocka_unit_test(trailing_check_refuses),
		cmocka_unit_test(small_directory_checked_before_flush1),
		cmocka_unit_test(console_area_in_header),
		cmocka_unit_test(recover_migrate_held),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
