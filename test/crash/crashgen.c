/* SPDX-License-Identifier: MIT */
/*
 * crashgen: a synthetic recording for crashreplay, made without QEMU.
 *
 *   crashgen [options] BASE LOG
 *
 * Writes BASE, a small volume (test/ckpt/testvol.h geometry, with some
 * initial content at home), and LOG, the dm-log-writes recording (in the
 * format QEMU's blklogwrites writes, dmlog.h) of a run over it: several
 * checkpoint generations written by the real log writer (ckpt/writer.c,
 * driven by test/ckpt/testlog.c as the kernel drives it) over a device
 * that records what it is asked: data blocks, directory, FLUSH, header,
 * FLUSH, then the migration (every block written to its home location)
 * and its FLUSH. The last generation stops right after its header write,
 * as if the power failed there, and the log ends with a torn entry, as a
 * killed QEMU can leave it. Adjacent 4 KiB writes are merged into one log
 * entry now and then, as QEMU's virtio-blk merges adjacent requests, and a
 * write of zeros is logged as a discard now and then, as QEMU's
 * detect-zeroes=unmap does.
 *
 * --bug plants a writer bug that crashreplay must find, in the device or
 * in the admission of a generation, so that the writer itself is the real
 * one:
 *   header-before-flush  the FLUSH between the directory and the header
 *                        is acknowledged and never done
 *   reuse-early          a generation is admitted by the whole ring, so
 *                        it may reuse space before the header releasing
 *                        it is durable
 *   early-migrate        the FLUSH after the header is acknowledged and
 *                        never done: migration starts before the header
 *                        is durable
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cairn/endian.h"
#include "dmlog.h"
#include "testlog.h"
#include "testvol.h"

#define MAX_OBJS  290u
#define MAX_MERGE 16u
#define SPB       (CKPT_BLOCK_SIZE / 512u)

enum bug { BUG_NONE, BUG_HEADER_BEFORE_FLUSH, BUG_REUSE_EARLY, BUG_EARLY_MIGRATE };

struct gen_state {
	struct dmlog_writer w;
	const struct cairn_superblock *sb;
	struct testlog *log; /* the writer whose requests these are */
	uint64_t rng;
	unsigned merge_max;
	/* a run of contiguous block writes not yet logged */
	uint8_t run[MAX_MERGE * CKPT_BLOCK_SIZE];
	uint64_t run_block;
	unsigned run_len, run_cap;
	/* the generation being committed */
	struct testlog_obj objs[MAX_OBJS];
	size_t nobjs;
	unsigned flushes;    /* of this generation: 1 FLUSH1, 2 FLUSH2, 3 after migration */
	unsigned drop_flush; /* the one a planted bug never does (0: none) */
	bool cut_at_header;  /* the last generation: the power fails after its header */
	bool cut;
	int err;
};

static uint64_t rnd(struct gen_state *g)
{
	return testvol_rand(&g->rng);
}

static void put_run(struct gen_state *g)
{
	if (g->run_len && !g->err)
		g->err = dmlog_write(&g->w, g->run_block * SPB, (uint64_t)g->run_len * SPB, g->run,
				     0);
	g->run_len = 0;
}

/* A 4 KiB write: joins the current run if it continues it. */
static void block_write(struct gen_state *g, uint64_t block, const void *data)
{
	if (g->cut)
		return;
	if (g->run_len && (block != g->run_block + g->run_len || g->run_len == g->run_cap))
		put_run(g);
	if (g->run_len == 0) {
		g->run_block = block;
		g->run_cap = 1 + (unsigned)(rnd(g) % g->merge_max);
	}
	memcpy(g->run + (size_t)g->run_len * CKPT_BLOCK_SIZE, data, CKPT_BLOCK_SIZE);
	g->run_len++;
}

static bool all_zero(const void *data)
{
	bool zero;

	(void)ckpt_block_sum(data, &zero);
	return zero;
}

/* A write of the writer's: zeros (a home of a ZERO block) now and then
 * as a discard. */
static void record_write(struct gen_state *g, uint64_t block, const void *data)
{
	if (g->cut)
		return;
	if (all_zero(data) && (rnd(g) & 1)) {
		put_run(g);
		if (!g->err)
			g->err = dmlog_discard(&g->w, block * SPB, SPB);
		return;
	}
	block_write(g, block, data);
}

static void record_flush(struct gen_state *g)
{
	g->flushes++;
	if (g->flushes == 2 && g->cut_at_header) {
		put_run(g);
		g->cut = true; /* nothing more reaches the log */
	}
	if (g->flushes == g->drop_flush)
		return; /* acknowledged, never done: the writes stay in the window */
	put_run(g);
	if (!g->cut && !g->err)
		g->err = dmlog_flush(&g->w);
}

/* The writer's device: every request recorded, and completed at once. */
static void dev_submit(void *ctx, struct ckpt_io_req *req)
{
	struct gen_state *g = ctx;

	if (req->op == CKPT_IO_FLUSH)
		record_flush(g);
	else if (req->op == CKPT_IO_WRITE)
		for (unsigned i = 0; i < req->nblocks; i++)
			record_write(g, req->block + i, req->buf[i]);
	ckpt_writer_done(&g->log->w, req, req->op == CKPT_IO_READ ? CKPT_IO_ERROR : 0);
}

static const char *dev_strerror(int status)
{
	return status ? "I/O error" : "ok";
}

static void usage(FILE *f)
{
	fputs("usage: crashgen [options] BASE LOG\n"
	      "  --seed N         (default 1)\n"
	      "  --gens N         generations (default 24)\n"
	      "  --keep N         generations the log keeps (default 1, as the kernel)\n"
	      "  --max-objects N  objects per generation at most (default 30)\n"
	      "  --merge N        adjacent 4 KiB writes merged per log entry at most (default 8)\n"
	      "  --one-flush N    generations of at most N objects commit with one FLUSH\n"
	      "                   (default 64, as the kernel; 0: always two FLUSHes)\n"
	      "  --home-flush N   a FLUSH after a migration of at least N objects (default\n"
	      "                   256, as the kernel; 0: never, homes left to the next FLUSH)\n"
	      "  --bug NAME       header-before-flush, reuse-early or early-migrate\n",
	      f);
}

/* One generation's objects: random blocks, some all-zero, some pots. */
static size_t pick_objects(struct gen_state *g, uint8_t *data, unsigned max, uint64_t gen)
{
	static bool used[4][300];
	size_t n = 1 + rnd(g) % max;

	memset(used, 0, sizeof(used));
	if (rnd(g) % 6 == 0)
		n = 126 + rnd(g) % 20; /* a directory of two blocks, mostly zero entries */
	if (n > MAX_OBJS)
		n = MAX_OBJS;
	for (size_t i = 0; i < n; i++) {
		struct testlog_obj *o = &g->objs[i];
		uint64_t r = rnd(g) % 16;

		do {
			o->kind = r == 0  ? CKPT_KIND_TAGPOT
				  : r < 4 ? CKPT_KIND_NODEPOT
					  : CKPT_KIND_PAGE;
			o->index = rnd(g) % ckpt_kind_limit(g->sb, o->kind);
			r = rnd(g) % 16;
		} while (used[o->kind][o->index]);
		used[o->kind][o->index] = true;
		o->data = NULL;
		if (n > 125 ? rnd(g) % 8 == 0 : rnd(g) % 4 != 0) {
			testvol_fill(data + i * CKPT_BLOCK_SIZE, gen * 1000 + i + 1);
			o->data = data + i * CKPT_BLOCK_SIZE;
		}
	}
	return n;
}

int main(int argc, char **argv)
{
	static const struct option longs[] = {
		{ "seed", required_argument, NULL, 's' },
		{ "gens", required_argument, NULL, 'g' },
		{ "keep", required_argument, NULL, 'k' },
		{ "max-objects", required_argument, NULL, 'o' },
		{ "merge", required_argument, NULL, 'm' },
		{ "bug", required_argument, NULL, 'b' },
		{ "one-flush", required_argument, NULL, 'f' },
		{ "home-flush", required_argument, NULL, 'H' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static struct gen_state g;
	static uint8_t data[MAX_OBJS * CKPT_BLOCK_SIZE];
	struct cairn_superblock sb = testvol_sb();
	static struct testlog lg;
	struct testlog_opts lo = {
		.keep = 1, .interval_ms = 100, .home_flush_from = 256, .one_flush_max = 64
	};
	unsigned gens = 24, max_objs = 30;
	enum bug bug = BUG_NONE;
	uint64_t seed = 1;
	uint8_t *base;
	FILE *f;
	int c;

	g.merge_max = 8;
	while ((c = getopt_long(argc, argv, "h", longs, NULL)) != -1) {
		unsigned long v = optarg ? strtoul(optarg, NULL, 0) : 0;

		switch (c) {
		case 's':
			seed = v;
			break;
		case 'g':
			gens = (unsigned)v;
			break;
		case 'k':
			lo.keep = (unsigned)v;
			break;
		case 'o':
			max_objs = v ? (unsigned)(v < MAX_OBJS ? v : MAX_OBJS) : 1;
			break;
		case 'f':
			lo.one_flush_max = (unsigned)v;
			break;
		case 'H':
			lo.home_flush_from = (unsigned)v;
			break;
		case 'm':
			g.merge_max = v ? (unsigned)(v < MAX_MERGE ? v : MAX_MERGE) : 1;
			break;
		case 'b':
			if (strcmp(optarg, "header-before-flush") == 0)
				bug = BUG_HEADER_BEFORE_FLUSH;
			else if (strcmp(optarg, "reuse-early") == 0)
				bug = BUG_REUSE_EARLY;
			else if (strcmp(optarg, "early-migrate") == 0)
				bug = BUG_EARLY_MIGRATE;
			else
				goto bad;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			goto bad;
		}
	}
	if (argc - optind != 2)
		goto bad;
	lo.bug_reuse_early = bug == BUG_REUSE_EARLY;
	g.drop_flush = bug == BUG_HEADER_BEFORE_FLUSH ? 1 : bug == BUG_EARLY_MIGRATE ? 2 : 0;
	g.sb = &sb;
	g.log = &lg;
	g.rng = seed * 0x9e3779b97f4a7c15ull + 99;

	/* BASE: the superblocks, and pages 0..99 with initial content. */
	base = calloc(TESTVOL_BLOCKS, CKPT_BLOCK_SIZE);
	if (!base)
		return 1;
	cairn_sb_encode(&sb, base);
	cairn_sb_encode(&sb, base + CKPT_BLOCK_SIZE);
	for (uint64_t p = 0; p < 100; p++)
		testvol_fill(base + (sb.page_pool_start + p) * CKPT_BLOCK_SIZE, 500000 + p);
	f = fopen(argv[optind], "wb");
	if (!f || fwrite(base, CKPT_BLOCK_SIZE, TESTVOL_BLOCKS, f) != TESTVOL_BLOCKS ||
	    fclose(f) != 0) {
		fprintf(stderr, "crashgen: %s: %s\n", argv[optind], strerror(errno));
		return 1;
	}
	free(base);

	if (dmlog_writer_init(&g.w, 512) != 0)
		return 1;
	dmlog_mark(&g.w, "crashgen");
	if (testlog_init(&lg, &sb, (struct ckpt_io){ &g, dev_submit, dev_strerror }, &lo) != 0)
		return 1;
	for (unsigned gen = 1; gen <= gens && !g.err; gen++) {
		uint64_t threads[8];
		size_t nth = rnd(&g) % 8;
		int err;

		for (size_t t = 0; t < nth; t++)
			threads[t] = t * 8 + rnd(&g) % 8; /* distinct root nodes < 70 */
		g.nobjs = pick_objects(&g, data, max_objs, gen);
		g.cut_at_header = gen == gens;
		g.flushes = 0; /* -ENOSPC comes before any request */
		while ((err = testlog_commit(&lg, g.objs, g.nobjs, threads, nth)) == -ENOSPC &&
		       g.nobjs > 1)
			g.nobjs /= 2;
		if (err) {
			fprintf(stderr, "crashgen: generation %u: error %d\n", gen, err);
			return 1;
		}
		if (gen % 5 == 0)
			dmlog_mark(&g.w, "five more");
	}
	put_run(&g);
	if (!g.err) {
		/* The entry QEMU was writing when it was killed: cut short. */
		uint8_t torn[4 * 512] = { 0 };

		cairn_put_le64(torn, sb.page_pool_start * SPB);
		cairn_put_le64(torn + 8, SPB);
		memset(torn + 512, 0x77, sizeof(torn) - 512);
		g.err = dmlog_append_raw(&g.w, torn, sizeof(torn));
	}
	if (g.err || dmlog_save(&g.w, argv[optind + 1]) != 0) {
		fprintf(stderr, "crashgen: cannot write %s\n", argv[optind + 1]);
		return 1;
	}
	dmlog_writer_free(&g.w);
	return 0;
bad:
	usage(stderr);
	return 2;
}
