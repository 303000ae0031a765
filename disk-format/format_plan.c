/* SPDX-License-Identifier: MIT */
/*
 * Geometry planning for cairn-format: see format_plan.h for the policy.
 * All arithmetic is on block counts derived by division from the 64-bit
 * inputs, and every subtraction is guarded, so no input can make it wrap.
 */
#include <string.h>

#include "format_plan.h"

static uint64_t div_round_up(uint64_t n, uint64_t d)
{
	return n / d + (n % d != 0);
}

static uint64_t max_u64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

/* Do node_blocks + log_blocks + one tag pot + one page fit in avail? */
static bool fits(uint64_t avail, uint64_t node_blocks, uint64_t log_blocks)
{
	return avail >= 2 && node_blocks <= avail - 2 && log_blocks <= avail - 2 - node_blocks;
}

enum cairn_vol_err cairn_plan_geometry(uint64_t size_bytes, uint64_t nodes, uint64_t log_bytes,
				       struct cairn_superblock *sb)
{
	memset(sb, 0, sizeof(*sb));
	if (size_bytes % CAIRN_BLOCK_SIZE != 0 || log_bytes % CAIRN_BLOCK_SIZE != 0)
		return CAIRN_VOL_ERR_UNALIGNED;

	uint64_t total = size_bytes / CAIRN_BLOCK_SIZE;
	uint64_t log_blocks = log_bytes / CAIRN_BLOCK_SIZE;
	if (log_bytes != 0 && log_blocks < CAIRN_LOG_MIN_BLOCKS)
		return CAIRN_VOL_ERR_COUNTS;
	if (total < FORMAT_MIN_BLOCKS)
		return CAIRN_VOL_ERR_TOO_SMALL;
	if (log_bytes == 0) {
		/* 1/8 of the volume, but enough for checkpoints when that fits
		 * beside the rest (on a tiny volume, the format's minimum). */
		log_blocks = max_u64(total / 8, CAIRN_LOG_CKPT_MIN_BLOCKS);
		uint64_t node_guess = nodes ? div_round_up(nodes, CAIRN_NODES_PER_POT)
					    : max_u64(total / 16, 1);
		if (!fits(total - CAIRN_FIRST_REGION_BLOCK, node_guess, log_blocks))
			log_blocks = max_u64(total / 8, CAIRN_LOG_MIN_BLOCKS);
	}
	uint64_t node_blocks = nodes ? div_round_up(nodes, CAIRN_NODES_PER_POT)
				     : max_u64(total / 16, 1);

	uint64_t avail = total - CAIRN_FIRST_REGION_BLOCK;
	if (!fits(avail, node_blocks, log_blocks)) {
		/* Blame what the user asked for, the nodes first if they do
		 * not fit even beside the smallest log. */
		if (nodes && !fits(avail, node_blocks, CAIRN_LOG_MIN_BLOCKS))
			return CAIRN_VOL_ERR_TOO_MANY_NODES;
		if (log_bytes)
			return CAIRN_VOL_ERR_LOG_TOO_LARGE;
		if (nodes)
			return CAIRN_VOL_ERR_TOO_MANY_NODES;
		return CAIRN_VOL_ERR_TOO_SMALL;
	}

	/* Split the rest: t tag pots count up to 1024 t pages, so with
	 * r blocks left the most pages is r - t for t = ceil(r / 1025)
	 * (r - t <= 1024 t holds; t - 1 pots would leave r - t + 1 pages,
	 * too many to count). When r = 1025 t - 1024 one of those pots is
	 * not needed, but the block could not be a page either (it would
	 * need a pot of its own), so it stays a spare tag pot: the regions
	 * remain contiguous and the geometry check allows spare pots. */
	uint64_t rest = avail - node_blocks - log_blocks;
	uint64_t tag_blocks = div_round_up(rest, CAIRN_TAGS_PER_POT + 1);
	uint64_t page_blocks = rest - tag_blocks;
	uint64_t node_count = nodes ? nodes : node_blocks * CAIRN_NODES_PER_POT;
	if (node_count > CAIRN_POOL_COUNT_MAX || page_blocks > CAIRN_POOL_COUNT_MAX)
		return CAIRN_VOL_ERR_OID_RANGE; /* a key's OID is 32 bits */

	sb->format_version = CAIRN_FORMAT_VERSION;
	sb->block_size = CAIRN_BLOCK_SIZE;
	sb->total_blocks = total;
	sb->node_count = node_count;
	sb->node_pool_start = CAIRN_FIRST_REGION_BLOCK;
	sb->node_pool_blocks = node_blocks;
	sb->page_count = page_blocks;
	sb->tag_pool_start = sb->node_pool_start + node_blocks;
	sb->tag_pool_blocks = tag_blocks;
	sb->page_pool_start = sb->tag_pool_start + tag_blocks;
	sb->page_pool_blocks = page_blocks;
	sb->log_start = sb->page_pool_start + page_blocks;
	sb->log_blocks = log_blocks;
	sb->boot_node_oid = CAIRN_OID_NONE;
	sb->checkpoint_interval_ms = CAIRN_DEFAULT_CHECKPOINT_MS;
	sb->flags = 0;
	sb->image_node_count = 0;
	sb->image_page_count = 0;
	memcpy(sb->label, CAIRN_DEFAULT_LABEL, sizeof(CAIRN_DEFAULT_LABEL));
	return CAIRN_VOL_OK;
}
