/* SPDX-License-Identifier: MIT */
/*
 * loggen: writes checkpoint generations the way docs/checkpoint.md says
 * the kernel does (loggen.h has the rules it keeps). The order of device
 * operations per commit is the protocol itself:
 *
 *   data blocks at [gen_start, dir_pos)  ->  directory at [dir_pos, head)
 *   -> FLUSH  ->  header into slot seq mod 2  ->  FLUSH
 *
 * (the BUGGY option drops the first FLUSH, which the crash tests must
 * catch). Positions of the data blocks follow the order of the non-zero
 * objects, so the directory can be built in a second pass without storing
 * anything per object.
 */
#include <errno.h>
#include <string.h>

#include "loggen.h"

void loggen_init(struct loggen *g, const struct cairn_superblock *sb,
		 const struct loggen_dev *dev, const struct loggen_opts *opt)
{
	memset(g, 0, sizeof(*g));
	g->sb = sb;
	g->dev = *dev;
	if (opt)
		g->opt = *opt;
	else
		g->opt.keep = 2;
	if (g->opt.keep == 0)
		g->opt.keep = 1;
	if (g->opt.keep > LOGGEN_MAX_KEEP)
		g->opt.keep = LOGGEN_MAX_KEEP;
	g->head = g->opt.start_pos;
	g->durable_tail = g->opt.start_pos;
}

static bool obj_is_zero(const struct loggen_obj *o, uint64_t *sum)
{
	bool zero = true;

	*sum = 0;
	if (o->data)
		*sum = ckpt_block_sum(o->data, &zero);
	if (zero)
		*sum = 0;
	return zero;
}

static uint64_t dir_blocks_for(uint64_t entries)
{
	uint64_t n = (entries + CKPT_DIR_ENTRIES_PER_BLOCK - 1) / CKPT_DIR_ENTRIES_PER_BLOCK;

	return n ? n : 1;
}

uint64_t loggen_blocks_needed(const struct loggen_obj *objs, size_t nobjs, size_t nthreads)
{
	uint64_t data = 0, sum;

	for (size_t i = 0; i < nobjs; i++)
		if (!obj_is_zero(&objs[i], &sum))
			data++;
	return data + dir_blocks_for(nobjs + nthreads);
}

/* The tail the next header will carry: the oldest of the generations that
 * stay kept once the next one is added. */
static uint64_t next_tail(const struct loggen *g, uint64_t gen_start)
{
	unsigned drop = g->nkept + 1 > g->opt.keep ? g->nkept + 1 - g->opt.keep : 0;

	return drop < g->nkept ? g->kept[drop].gen_start : gen_start;
}

uint64_t loggen_space(const struct loggen *g)
{
	uint64_t ring = ckpt_ring_blocks(g->sb);
	uint64_t tail = g->opt.bug_reuse_early ? next_tail(g, g->head) : g->durable_tail;

	return ring - (g->head - tail);
}

/* Build and write the directory: entry k of the generation goes to block
 * k / 125. */
static int write_directory(struct loggen *g, const struct ckpt_dir_info *proto,
			   const struct loggen_obj *objs, size_t nobjs, const uint64_t *threads,
			   size_t nthreads)
{
	struct ckpt_entry ents[CKPT_DIR_ENTRIES_PER_BLOCK];
	uint8_t block[CKPT_BLOCK_SIZE];
	struct ckpt_dir_info d = *proto;
	uint64_t data_pos = proto->gen_start;
	size_t total = nobjs + nthreads, k = 0;

	for (uint32_t b = 0; b < proto->dir_blocks; b++) {
		unsigned n = 0;

		for (; k < total && n < CKPT_DIR_ENTRIES_PER_BLOCK; k++, n++) {
			struct ckpt_entry *e = &ents[n];

			memset(e, 0, sizeof(*e));
			if (k < nobjs) {
				e->kind = objs[k].kind;
				e->index = objs[k].index;
				if (obj_is_zero(&objs[k], &e->sum))
					e->flags = CKPT_ENTRY_ZERO;
				else
					e->pos = data_pos++;
			} else {
				e->kind = CKPT_KIND_THREAD;
				e->index = threads[k - nobjs];
			}
		}
		d.index = b;
		d.count = n;
		ckpt_dir_encode(&d, ents, block);
		if (g->dev.write(g->dev.ctx, ckpt_pos_block(g->sb, g->head + b), block) != 0)
			return -EIO;
	}
	return 0;
}

int loggen_commit(struct loggen *g, const struct loggen_obj *objs, size_t nobjs,
		  const uint64_t *threads, size_t nthreads)
{
	uint64_t need = loggen_blocks_needed(objs, nobjs, nthreads);
	uint64_t gen_start = g->head, pos = g->head, sum;
	struct ckpt_dir_info d;
	struct ckpt_header h;
	uint8_t block[CKPT_BLOCK_SIZE];
	int err;

	for (size_t i = 0; i < nobjs; i++)
		if (objs[i].kind < CKPT_KIND_NODEPOT || objs[i].kind > CKPT_KIND_PAGE)
			return -EINVAL;
	if (need > loggen_space(g))
		return -ENOSPC;

	for (size_t i = 0; i < nobjs; i++) {
		if (obj_is_zero(&objs[i], &sum))
			continue;
		if (g->dev.write(g->dev.ctx, ckpt_pos_block(g->sb, pos), objs[i].data) != 0)
			return -EIO;
		pos++;
	}

	memset(&d, 0, sizeof(d));
	d.sequence = g->seq + 1;
	d.dir_blocks = (uint32_t)dir_blocks_for(nobjs + nthreads);
	d.gen_start = gen_start;
	d.prev_dir_pos = CKPT_NO_DIR;
	d.prev_sequence = g->seq;
	if (g->nkept > 0 && (g->opt.keep > 1 || g->opt.link_always)) {
		const struct loggen_gen *p = &g->kept[g->nkept - 1];

		d.prev_dir_pos = p->dir_pos;
		d.prev_dir_blocks = p->dir_blocks;
	}
	g->head = pos;
	err = write_directory(g, &d, objs, nobjs, threads, nthreads);
	if (err)
		return err;
	if (!g->opt.bug_header_before_flush && g->dev.flush(g->dev.ctx) != 0)
		return -EIO;

	memset(&h, 0, sizeof(h));
	h.version = CKPT_FORMAT_VERSION;
	h.interval_ms = g->opt.interval_ms;
	memcpy(h.uuid, g->sb->uuid, CAIRN_UUID_SIZE);
	h.sequence = d.sequence;
	h.tail = next_tail(g, gen_start);
	h.gen_start = gen_start;
	h.dir_pos = g->head;
	h.dir_blocks = d.dir_blocks;
	h.head = g->head + d.dir_blocks;
	h.objects = nobjs;
	h.threads = nthreads;
	ckpt_header_encode(&h, block);
	if (g->dev.write(g->dev.ctx, ckpt_header_block(g->sb, ckpt_slot_of(h.sequence)), block) != 0)
		return -EIO;
	if (g->dev.flush(g->dev.ctx) != 0)
		return -EIO;

	/* Committed: keep the newest `keep` generations. */
	if (g->nkept == g->opt.keep) {
		memmove(&g->kept[0], &g->kept[1], (g->nkept - 1) * sizeof(g->kept[0]));
		g->nkept--;
	}
	g->kept[g->nkept++] = (struct loggen_gen){ h.sequence, gen_start, h.dir_pos, h.dir_blocks };
	g->seq = h.sequence;
	g->head = h.head;
	g->durable_tail = h.tail;
	g->last = h;
	return 0;
}

int loggen_mem_write(void *ctx, uint64_t block, const void *buf)
{
	struct loggen_memdev *m = ctx;

	if (block >= m->blocks)
		return -1;
	memcpy(m->img + block * CKPT_BLOCK_SIZE, buf, CKPT_BLOCK_SIZE);
	m->writes++;
	return 0;
}

int loggen_mem_flush(void *ctx)
{
	struct loggen_memdev *m = ctx;

	m->flushes++;
	return 0;
}

int loggen_mem_read(void *ctx, uint64_t block, void *buf)
{
	struct loggen_memdev *m = ctx;

	m->reads++;
	if (block >= m->blocks || block == m->fail_block)
		return -1;
	memcpy(buf, m->img + block * CKPT_BLOCK_SIZE, CKPT_BLOCK_SIZE);
	return 0;
}

struct loggen_dev loggen_mem_dev(struct loggen_memdev *m)
{
	return (struct loggen_dev){ m, loggen_mem_write, loggen_mem_flush };
}
