/* SPDX-License-Identifier: MIT */
/*
 * Host tests of cairn-format's geometry planner (format_plan.c): the
 * default split of 256 MiB and 4 GiB volumes to the block, the --nodes and
 * --log overrides, every refusal, and overflow safety at the largest sizes.
 * Every accepted plan must also pass the kernel's own geometry check.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cairn/volume.h"
#include "format_plan.h"

#define MiB (1024ull * 1024)
#define GiB (1024 * MiB)

/* The invariants every plan keeps, beyond cairn_sb_check_geometry(). */
static void assert_plan_shape(const struct cairn_superblock *sb, uint64_t size)
{
	assert_int_equal(cairn_sb_check_geometry(sb, sb->total_blocks), CAIRN_VOL_OK);
	assert_true(sb->total_blocks * CAIRN_BLOCK_SIZE == size);
	assert_int_equal(sb->format_version, CAIRN_FORMAT_VERSION);
	assert_int_equal(sb->block_size, CAIRN_BLOCK_SIZE);
	/* Contiguous, in order, from block 2 to the very end. */
	assert_true(sb->node_pool_start == 2);
	assert_true(sb->tag_pool_start == sb->node_pool_start + sb->node_pool_blocks);
	assert_true(sb->page_pool_start == sb->tag_pool_start + sb->tag_pool_blocks);
	assert_true(sb->log_start == sb->page_pool_start + sb->page_pool_blocks);
	assert_true(sb->log_start + sb->log_blocks == sb->total_blocks);
	/* Every page block is a page, and the pages are as many as the rest
	 * of the volume can hold: r blocks give r - ceil(r / 1025) pages. */
	uint64_t rest = sb->tag_pool_blocks + sb->page_pool_blocks;
	assert_true(sb->page_count == sb->page_pool_blocks);
	assert_true(sb->page_count == rest - (rest / 1025 + (rest % 1025 != 0)));
	/* Tags: just enough, except that when r = 1025 t - 1024 the one
	 * block that cannot be a page (it would need its own tag pot) is
	 * left in the tag pool, keeping the regions contiguous. */
	uint64_t tags_needed = sb->page_count / 1024 + (sb->page_count % 1024 != 0);
	assert_true(sb->tag_pool_blocks == tags_needed ||
		    (sb->tag_pool_blocks == tags_needed + 1 && sb->page_count % 1024 == 0));
	assert_true(sb->boot_node_oid == CAIRN_OID_NONE);
	assert_true(sb->image_node_count == 0 && sb->image_page_count == 0);
	assert_int_equal(sb->checkpoint_interval_ms, 1000);
	assert_string_equal(sb->label, "cairn");
	static const uint8_t zero_uuid[16];
	assert_memory_equal(sb->uuid, zero_uuid, 16);
}

static void test_plan_256m_defaults(void **state)
{
	(void)state;
	struct cairn_superblock sb;

	assert_int_equal(cairn_plan_geometry(256 * MiB, 0, 0, &sb), CAIRN_VOL_OK);
	assert_plan_shape(&sb, 256 * MiB);
	assert_true(sb.total_blocks == 65536);
	assert_true(sb.node_pool_blocks == 4096); /* 1/16 */
	assert_true(sb.node_count == 4096 * 7);
	assert_true(sb.log_blocks == 8192); /* 1/8 */
	assert_true(sb.tag_pool_start == 4098);
	assert_true(sb.tag_pool_blocks == 52);
	assert_true(sb.page_pool_start == 4150);
	assert_true(sb.page_count == 53194);
	assert_true(sb.log_start == 57344);
}

static void test_plan_4g_defaults(void **state)
{
	(void)state;
	struct cairn_superblock sb;

	assert_int_equal(cairn_plan_geometry(4 * GiB, 0, 0, &sb), CAIRN_VOL_OK);
	assert_plan_shape(&sb, 4 * GiB);
	assert_true(sb.total_blocks == 1048576);
	assert_true(sb.node_pool_blocks == 65536);
	assert_true(sb.node_count == 458752);
	assert_true(sb.log_blocks == 131072);
	assert_true(sb.tag_pool_blocks == 832);
	assert_true(sb.page_count == 851134);
	assert_true(sb.log_start == 1048576 - 131072);
}

static void test_plan_nodes_override(void **state)
{
	(void)state;
	struct cairn_superblock sb;

	assert_int_equal(cairn_plan_geometry(256 * MiB, 1000, 0, &sb), CAIRN_VOL_OK);
	assert_plan_shape(&sb, 256 * MiB);
	assert_true(sb.node_count == 1000);
	assert_true(sb.node_pool_blocks == 143); /* ceil(1000 / 7) */
	assert_true(sb.log_blocks == 8192);
	/* The freed node pots became pages. */
	assert_true(sb.page_count > 53194);
	assert_int_equal(cairn_plan_geometry(256 * MiB, 7, 0, &sb), CAIRN_VOL_OK);
	assert_true(sb.node_pool_blocks == 1 && sb.node_count == 7);
	assert_int_equal(cairn_plan_geometry(256 * MiB, 1, 0, &sb), CAIRN_VOL_OK);
	assert_true(sb.node_pool_blocks == 1 && sb.node_count == 1);
}

static void test_plan_log_override(void **state)
{
	(void)state;
	struct cairn_superblock sb;

	assert_int_equal(cairn_plan_geometry(256 * MiB, 0, 64 * MiB, &sb), CAIRN_VOL_OK);
	assert_plan_shape(&sb, 256 * MiB);
	assert_true(sb.log_blocks == 16384);
	assert_int_equal(cairn_plan_geometry(256 * MiB, 0, 66 * 4096, &sb), CAIRN_VOL_OK);
	assert_true(sb.log_blocks == CAIRN_LOG_MIN_BLOCKS);
	assert_int_equal(cairn_plan_geometry(256 * MiB, 0, 65 * 4096, &sb), CAIRN_VOL_ERR_COUNTS);
	assert_int_equal(cairn_plan_geometry(256 * MiB, 0, 4096, &sb), CAIRN_VOL_ERR_COUNTS);
}

static void test_plan_too_small(void **state)
{
	(void)state;
	struct cairn_superblock sb;

	assert_int_equal(cairn_plan_geometry(4096, 0, 0, &sb), CAIRN_VOL_ERR_TOO_SMALL);
	assert_int_equal(cairn_plan_geometry(64 * 1024, 0, 0, &sb), CAIRN_VOL_ERR_TOO_SMALL);
	assert_int_equal(cairn_plan_geometry(70 * 4096, 0, 0, &sb), CAIRN_VOL_ERR_TOO_SMALL);
	assert_int_equal(cairn_plan_geometry(70 * 4096, 7, 0, &sb), CAIRN_VOL_ERR_TOO_SMALL);
	/* 71..73 blocks: metadata fits, the default 1/16 node share does not. */
	assert_int_equal(cairn_plan_geometry(73 * 4096, 0, 0, &sb), CAIRN_VOL_ERR_TOO_SMALL);
	assert_int_equal(FORMAT_MIN_DEFAULT_BLOCKS, 74);
	assert_int_equal(cairn_plan_geometry(74 * 4096, 0, 0, &sb), CAIRN_VOL_OK);
	assert_plan_shape(&sb, 74 * 4096);
	assert_true(sb.page_count == 1);
	/* The absolute minimum with explicit small choices: 71 blocks. */
	assert_int_equal(FORMAT_MIN_BLOCKS, 71);
	assert_int_equal(cairn_plan_geometry(71 * 4096, 7, 66 * 4096, &sb), CAIRN_VOL_OK);
	assert_plan_shape(&sb, 71 * 4096);
	assert_true(sb.page_count == 1 && sb.tag_pool_blocks == 1);
}

static void test_plan_unaligned(void **state)
{
	(void)state;
	struct cairn_superblock sb;

	assert_int_equal(cairn_plan_geometry(256 * MiB + 1, 0, 0, &sb), CAIRN_VOL_ERR_UNALIGNED);
	assert_int_equal(cairn_plan_geometry(1000, 0, 0, &sb), CAIRN_VOL_ERR_UNALIGNED);
	assert_int_equal(cairn_plan_geometry(256 * MiB, 0, MiB + 512, &sb),
			 CAIRN_VOL_ERR_UNALIGNED);
}

static void test_plan_too_many_nodes(void **state)
{
	(void)state;
	struct cairn_superblock sb;

	assert_int_equal(cairn_plan_geometry(256 * MiB, UINT64_MAX, 0, &sb),
			 CAIRN_VOL_ERR_TOO_MANY_NODES);
	assert_int_equal(cairn_plan_geometry(256 * MiB, 1000000000, 0, &sb),
			 CAIRN_VOL_ERR_TOO_MANY_NODES);
	/* Boundary: 65536 blocks - 2 sb - 66 log - 2 = 65466 pots fit beside
	 * the smallest log, but the default log (8192) leaves less room. */
	assert_int_equal(cairn_plan_geometry(256 * MiB, 65466ull * 7, 66 * 4096, &sb),
			 CAIRN_VOL_OK);
	assert_true(sb.page_count == 1);
	assert_int_equal(cairn_plan_geometry(256 * MiB, 65466ull * 7 + 1, 66 * 4096, &sb),
			 CAIRN_VOL_ERR_TOO_MANY_NODES);
	assert_int_equal(cairn_plan_geometry(256 * MiB, 65466ull * 7, 0, &sb),
			 CAIRN_VOL_ERR_TOO_MANY_NODES);
}

static void test_plan_log_too_large(void **state)
{
	(void)state;
	struct cairn_superblock sb;

	assert_int_equal(cairn_plan_geometry(256 * MiB, 0, 256 * MiB, &sb),
			 CAIRN_VOL_ERR_LOG_TOO_LARGE);
	assert_int_equal(cairn_plan_geometry(256 * MiB, 0, INT64_MAX - 4095, &sb),
			 CAIRN_VOL_ERR_LOG_TOO_LARGE);
	/* Default nodes 4096 pots: log may take all but 2 + 4096 + 2 blocks. */
	assert_int_equal(cairn_plan_geometry(256 * MiB, 0, (65536ull - 4100) * 4096, &sb),
			 CAIRN_VOL_OK);
	assert_int_equal(cairn_plan_geometry(256 * MiB, 0, (65536ull - 4099) * 4096, &sb),
			 CAIRN_VOL_ERR_LOG_TOO_LARGE);
}

static void test_plan_huge_sizes(void **state)
{
	(void)state;
	struct cairn_superblock sb;
	/* Up to 16 TiB every count fits a key's 32-bit OID. */
	const uint64_t sizes[] = { 1ull << 40, 16ull << 40 };
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		assert_int_equal(cairn_plan_geometry(sizes[i], 0, 0, &sb), CAIRN_VOL_OK);
		assert_plan_shape(&sb, sizes[i]);
		assert_true(sb.node_count == sb.node_pool_blocks * 7);
		assert_true(sb.page_count <= CAIRN_POOL_COUNT_MAX);
	}
	/* Beyond, the pages (or the nodes) would not: a named error. */
	const uint64_t too_big[] = { (uint64_t)INT64_MAX & ~4095ull, UINT64_MAX & ~4095ull,
				     1ull << 50, 24ull << 40 };
	for (size_t i = 0; i < sizeof(too_big) / sizeof(too_big[0]); i++)
		assert_int_equal(cairn_plan_geometry(too_big[i], 0, 0, &sb),
				 CAIRN_VOL_ERR_OID_RANGE);
	assert_int_equal(cairn_plan_geometry(16ull << 40, 1ull << 32, 0, &sb),
			 CAIRN_VOL_ERR_OID_RANGE);
	assert_int_equal(cairn_plan_geometry(UINT64_MAX & ~4095ull, UINT64_MAX, 0, &sb),
			 CAIRN_VOL_ERR_TOO_MANY_NODES);
	assert_int_equal(cairn_plan_geometry(UINT64_MAX & ~4095ull, 0, UINT64_MAX & ~4095ull, &sb),
			 CAIRN_VOL_ERR_LOG_TOO_LARGE);
}

/* Every size from the minimum up to a few thousand blocks (crossing the
 * 1024-page tag pot boundaries), and a spread of larger ones: the plan is
 * valid, fills the volume and maximises pages (assert_plan_shape). */
static void test_plan_sweep(void **state)
{
	(void)state;
	struct cairn_superblock sb;

	for (uint64_t blocks = 74; blocks < 5000; blocks++) {
		assert_int_equal(cairn_plan_geometry(blocks * 4096, 0, 0, &sb), CAIRN_VOL_OK);
		assert_plan_shape(&sb, blocks * 4096);
	}
	/* up to 16 TiB */
	for (uint64_t blocks = 5000; blocks <= (1ull << 32); blocks = blocks * 3 + 7) {
		assert_int_equal(cairn_plan_geometry(blocks * 4096, 0, 0, &sb), CAIRN_VOL_OK);
		assert_plan_shape(&sb, blocks * 4096);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plan_256m_defaults),
		cmocka_unit_test(test_plan_4g_defaults),
		cmocka_unit_test(test_plan_nodes_override),
		cmocka_unit_test(test_plan_log_override),
		cmocka_unit_test(test_plan_too_small),
		cmocka_unit_test(test_plan_unaligned),
		cmocka_unit_test(test_plan_too_many_nodes),
		cmocka_unit_test(test_plan_log_too_large),
		cmocka_unit_test(test_plan_huge_sizes),
		cmocka_unit_test(test_plan_sweep),
	};
	return cmocka_run_group_tests_name("plan", tests, NULL, NULL);
}
