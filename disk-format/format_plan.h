/* SPDX-License-Identifier: MIT */
/*
 * The geometry planner of cairn-format (host only): how a volume of a
 * given size is divided into node pool, tag pool, page pool and log.
 *
 * Defaults (docs/volume-format.md, "Geometry defaults"): node pots take
 * 1/16 of the blocks (at least one), the log 1/8 (at least
 * CAIRN_LOG_MIN_BLOCKS), and the rest is split between pages and just
 * enough tag pots to count them. The regions are contiguous, in format
 * order, from block 2 to the end of the volume. The planner never
 * overflows, whatever the inputs: every result it returns OK passes
 * cairn_sb_check_geometry().
 */
#ifndef CAIRN_FORMAT_PLAN_H
#define CAIRN_FORMAT_PLAN_H

#include <stdint.h>

#include "cairn/volume.h"

/* Fewest blocks a volume can have: two superblocks, a node pot, a tag pot,
 * a page and the smallest log (71). The default geometry needs a little
 * more, because 1/16 of 71..73 blocks is 4 node pots: 74. */
#define FORMAT_MIN_BLOCKS         (CAIRN_FIRST_REGION_BLOCK + 3u + CAIRN_LOG_MIN_BLOCKS)
#define FORMAT_MIN_DEFAULT_BLOCKS (FORMAT_MIN_BLOCKS + 3u)

/*
 * Plan a volume of size_bytes (a multiple of 4096) with `nodes` nodes
 * (0: default) and a log of log_bytes (0: default; else a multiple of
 * 4096, at least CAIRN_LOG_MIN_BLOCKS blocks). Fills every field of *sb
 * except uuid (zero); label "cairn", checkpoint interval 1000 ms, no image.
 * Errors: UNALIGNED, COUNTS (log below the minimum), TOO_SMALL (not even
 * the metadata fits), TOO_MANY_NODES, LOG_TOO_LARGE.
 */
enum cairn_vol_err cairn_plan_geometry(uint64_t size_bytes, uint64_t nodes, uint64_t log_bytes,
				       struct cairn_superblock *sb);

#endif /* CAIRN_FORMAT_PLAN_H */
