/* SPDX-License-Identifier: MIT */
/*
 * testlog: the kernel's part around the real log writer, on the host
 * (testlog.h). Each commit: admission, demarcation (objects -> items,
 * threads -> the thread list), ckpt_writer_start(), then the writer's
 * timer fired at once whenever it asks for one (a failed attempt is
 * written again at once), until it is idle again or gives up.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "testlog.h"

#define RETRIES_MAX 8 /* timer rounds before a commit counts as failed */

static const uint8_t zero_block[CKPT_BLOCK_SIZE];

static const void *item_data(void *ctx, const struct ckpt_item *it)
{
	(void)ctx;
	return it->live ? it->live : zero_block;
}

static void retry_after(void *ctx, uint32_t ms)
{
	struct testlog *l = ctx;

	(void)ms;
	l->timer_pending = true;
}

static void nothing(void *ctx)
{
	(void)ctx;
}

static void migrated(void *ctx, bool recovered)
{
	(void)ctx;
	(void)recovered;
}

static void report(void *ctx, const struct ckpt_writer *w, const struct ckpt_report *r)
{
	struct testlog *l = ctx;

	l->reports[r->kind]++;
	if (r->kind != CKPT_REPORT_COMMITTED)
		return;
	/* The header just made durable, as ckpt_writer_build_header() (ckpt/writer_dir.c) wrote it.
	 */
	l->last = (struct ckpt_header){
		.version = CKPT_FORMAT_VERSION,
		.interval_ms = w->interval_ms,
		.sequence = w->gen,
		.tail = w->tail,
		.gen_start = w->gen_start,
		.dir_pos = w->dir_pos,
		.dir_blocks = w->dir_blocks,
		.head = w->dir_pos + w->dir_blocks,
		.objects = w->nitems,
		.threads = w->nthreads,
	};
	memcpy(l->last.uuid, l->sb->uuid, CAIRN_UUID_SIZE);
	if (w->gen < TESTLOG_MAX_GENS)
		l->gen[w->gen] =
			(struct testlog_gen){ w->gen, w->gen_start, w->dir_pos, w->dir_blocks };
}

int testlog_init(struct testlog *l, const struct cairn_superblock *sb, struct ckpt_io io,
		 const struct testlog_opts *opt)
{
	struct ckpt_writer_config c = {
		.sb = sb,
		.io = io,
		.env = { .ctx = l,
			 .item_data = item_data,
			 .sum = ckpt_block_sum,
			 .retry_after = retry_after,
			 .items_free = nothing,
			 .space_freed = nothing,
			 .migrated = migrated,
			 .state_changed = nothing,
			 .report = report },
		.batch = CKPT_WRITER_BATCH,
		.zero = zero_block,
	};
	uint64_t check = ckpt_writer_check_bytes(TESTLOG_MAX_OBJS + TESTLOG_MAX_THREADS);

	memset(l, 0, sizeof(*l));
	l->sb = sb;
	if (opt)
		l->opt = *opt;
	c.keep = l->opt.keep;
	c.home_flush_from = l->opt.home_flush_from;
	c.one_flush_max = l->opt.one_flush_max;
	l->bufs = calloc(CKPT_WRITER_SLOTS, CKPT_BLOCK_SIZE);
	l->check_slots = malloc(check);
	if (!l->bufs || !l->check_slots) {
		testlog_free(l);
		return -ENOMEM;
	}
	for (unsigned i = 0; i < CKPT_WRITER_SLOTS; i++)
		c.buf[i] = (uint8_t *)l->bufs + (size_t)i * CKPT_BLOCK_SIZE;
	ckpt_writer_init(&l->w, &c);
	l->w.interval_ms = l->opt.interval_ms;
	l->w.head = l->w.tail = l->w.reserved_end = l->opt.start_pos;
	l->w.items = l->items;
	l->w.threads = l->threads;
	l->w.check_slots = l->check_slots;
	l->w.check_bytes = check;
	return 0;
}

void testlog_free(struct testlog *l)
{
	free(l->bufs);
	free(l->check_slots);
	l->bufs = NULL;
	l->check_slots = NULL;
}

static bool obj_is_zero(const struct testlog_obj *o)
{
	bool zero = true;

	if (o->data)
		(void)ckpt_block_sum(o->data, &zero);
	return zero;
}

uint64_t testlog_blocks_needed(const struct testlog_obj *objs, size_t nobjs, size_t nthreads)
{
	uint64_t data = 0, dir = (nobjs + nthreads + CKPT_DIR_ENTRIES_PER_BLOCK - 1) /
				 CKPT_DIR_ENTRIES_PER_BLOCK;

	for (size_t i = 0; i < nobjs; i++)
		data += !obj_is_zero(&objs[i]);
	return data + (dir ? dir : 1);
}

int testlog_commit(struct testlog *l, const struct testlog_obj *objs, size_t nobjs,
		   const uint64_t *threads, size_t nthreads)
{
	struct ckpt_writer *w = &l->w;
	uint64_t room = l->opt.bug_reuse_early ? w->ring : ckpt_log_room(w);
	uint64_t before = w->committed;

	if (nobjs > TESTLOG_MAX_OBJS || nthreads > TESTLOG_MAX_THREADS ||
	    w->phase != CKPT_PHASE_IDLE)
		return -EINVAL;
	for (size_t i = 0; i < nobjs; i++)
		if (objs[i].kind < CKPT_KIND_NODEPOT || objs[i].kind > CKPT_KIND_PAGE)
			return -EINVAL;
	if (testlog_blocks_needed(objs, nobjs, nthreads) > room)
		return -ENOSPC;

	/* Demarcation. */
	for (size_t i = 0; i < nobjs; i++)
		l->items[i] = (struct ckpt_item){ .live = (void *)objs[i].data,
						  .index = objs[i].index,
						  .pool = (uint8_t)(objs[i].kind - 1) };
	w->nitems = nobjs;
	memcpy(l->threads, threads, nthreads * sizeof(*threads));
	w->nthreads = nthreads;
	w->thread_cap = nthreads;
	ckpt_writer_start(w);
	for (unsigned i = 0; i < RETRIES_MAX && l->timer_pending; i++) {
		l->timer_pending = false;
		ckpt_writer_timer(w);
	}
	if (w->phase == CKPT_PHASE_OFF)
		return -EPROTO;
	if (w->committed != before + 1 || w->phase != CKPT_PHASE_IDLE)
		return -EIO;
	return 0;
}
