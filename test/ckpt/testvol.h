/* SPDX-License-Identifier: MIT */
/*
 * A small test volume for the checkpoint tests, in a file (a memfd), and
 * the helpers every test file shares: a deterministic PRNG, block fillers
 * and the real log writer (testlog.h) set up on the volume over the file
 * backend (ckpt/io_file.h). The file is also mapped, so that tests can
 * look at and damage the blocks the writer wrote.
 *
 *   block 0-1      superblocks
 *   2..11          node pool: 10 pots, 70 nodes
 *   12             tag pool: 1 pot
 *   13..312        300 pages
 *   313..442       log: header slots 313, 314; ring of 128 blocks
 */
#ifndef CAIRN_TEST_TESTVOL_H
#define CAIRN_TEST_TESTVOL_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cairn/volume.h"
#include "cairn/ckptlog.h"
#include "io_file.h"
#include "testlog.h"

#define TESTVOL_BLOCKS 443u
#define TESTVOL_RING   128u

static inline struct cairn_superblock testvol_sb(void)
{
	struct cairn_superblock sb;

	memset(&sb, 0, sizeof(sb));
	sb.format_version = CAIRN_FORMAT_VERSION;
	sb.block_size = CAIRN_BLOCK_SIZE;
	for (unsigned i = 0; i < CAIRN_UUID_SIZE; i++)
		sb.uuid[i] = (uint8_t)(0xa0 + i);
	sb.total_blocks = TESTVOL_BLOCKS;
	sb.node_count = 70;
	sb.node_pool_start = 2;
	sb.node_pool_blocks = 10;
	sb.page_count = 300;
	sb.tag_pool_start = 12;
	sb.tag_pool_blocks = 1;
	sb.page_pool_start = 13;
	sb.page_pool_blocks = 300;
	sb.log_start = 313;
	sb.log_blocks = TESTVOL_RING + 2;
	sb.boot_node_oid = CAIRN_OID_NONE;
	sb.checkpoint_interval_ms = 100;
	strcpy(sb.label, "ckpt-test");
	return sb;
}

/* xorshift64*: deterministic, good enough for test data. */
static inline uint64_t testvol_rand(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545f4914f6cdd1dull;
}

/* Fill a block with bytes derived from tag (never all zero). */
static inline void testvol_fill(uint8_t *b, uint64_t tag)
{
	uint64_t s = tag * 0x9e3779b97f4a7c15ull + 1;

	for (unsigned i = 0; i < CKPT_BLOCK_SIZE; i += 8) {
		uint64_t r = testvol_rand(&s);

		memcpy(b + i, &r, 8);
	}
	b[0] |= 1;
}

struct testvol {
	struct cairn_superblock sb;
	struct ckpt_io_file file; /* the writer's device; file.fail_block also fails reads */
	uint8_t *img;             /* the file, mapped */
	struct testlog g;         /* the writer */
};

/* A fresh volume: superblocks, everything else zero, and an empty log
 * (opt may be NULL: keep 1). Aborts if the file cannot be made. */
struct testvol *testvol_new(const struct testlog_opts *opt);
void testvol_free(struct testvol *v);

/* A ckpt_read_fn over the file (ctx: the testvol); reads of
 * file.fail_block fail. */
int testvol_read(void *ctx, uint64_t block, void *buf);

/* testlog_commit() on the volume. */
static inline int testvol_commit(struct testvol *v, const struct testlog_obj *objs, size_t n,
				 const uint64_t *threads, size_t nthreads)
{
	return testlog_commit(&v->g, objs, n, threads, nthreads);
}

static inline uint8_t *testvol_block(struct testvol *v, uint64_t block)
{
	return v->img + block * CAIRN_BLOCK_SIZE;
}

static inline uint8_t *testvol_pos(struct testvol *v, uint64_t pos)
{
	return testvol_block(v, ckpt_pos_block(&v->sb, pos));
}

#endif /* CAIRN_TEST_TESTVOL_H */
