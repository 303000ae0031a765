/* SPDX-License-Identifier: MIT */
/*
 * Host tests of the superblock codec and geometry checks (volume.c): the
 * byte layout, an encode/decode round trip of every field, and one test
 * per way a superblock can be wrong, each asserting the exact error code.
 * Corruptions that should be caught by something other than the CRC are
 * made on the struct and re-encoded (encode recomputes the checksum), so
 * the check under test, not the checksum, is what fires.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cairn/crc32c.h"
#include "cairn/endian.h"
#include "cairn/volume.h"

/*
 * A valid volume of 3000 blocks with every field distinct:
 *   0-1 superblocks, 2..11 node pool (10 pots, 70 nodes), 12..13 tag pool
 *   (2 pots for 2000 pages), 14..2013 pages, 2014..2999 log (986 blocks).
 */
static struct cairn_superblock valid_sb(void)
{
	struct cairn_superblock sb;

	memset(&sb, 0, sizeof(sb));
	sb.format_version = CAIRN_FORMAT_VERSION;
	sb.block_size = CAIRN_BLOCK_SIZE;
	for (unsigned i = 0; i < CAIRN_UUID_SIZE; i++)
		sb.uuid[i] = (uint8_t)(0x10 * i + i);
	sb.total_blocks = 3000;
	sb.node_count = 70;
	sb.node_pool_start = 2;
	sb.node_pool_blocks = 10;
	sb.page_count = 2000;
	sb.tag_pool_start = 12;
	sb.tag_pool_blocks = 2;
	sb.page_pool_start = 14;
	sb.page_pool_blocks = 2000;
	sb.log_start = 2014;
	sb.log_blocks = 986;
	sb.boot_node_oid = 3;
	sb.checkpoint_interval_ms = 250;
	sb.flags = 0;
	sb.image_node_count = 12;
	sb.image_page_count = 40;
	strcpy(sb.label, "test volume \xc3\xa9"); /* UTF-8 e-acute */
	return sb;
}

static enum cairn_vol_err encode_decode(const struct cairn_superblock *in,
					struct cairn_superblock *out)
{
	uint8_t block[CAIRN_BLOCK_SIZE];

	cairn_sb_encode(in, block);
	return cairn_sb_decode(block, sizeof(block), out);
}

/* Encode, then check the struct with the geometry checks only. */
static enum cairn_vol_err roundtrip_err(const struct cairn_superblock *in)
{
	struct cairn_superblock out;
	return encode_decode(in, &out);
}

/* Recompute the CRC after patching raw bytes. */
static void fix_crc(uint8_t *block)
{
	cairn_put_le32(block + CAIRN_SB_OFF_CRC, cairn_crc32c(0, block, CAIRN_SB_OFF_CRC));
}

static void test_valid_roundtrip_all_fields(void **state)
{
	(void)state;
	struct cairn_superblock in = valid_sb(), out;

	memset(&out, 0xee, sizeof(out));
	assert_int_equal(encode_decode(&in, &out), CAIRN_VOL_OK);
	assert_int_equal(out.format_version, in.format_version);
	assert_int_equal(out.block_size, in.block_size);
	assert_memory_equal(out.uuid, in.uuid, CAIRN_UUID_SIZE);
	assert_true(out.total_blocks == in.total_blocks);
	assert_true(out.node_count == in.node_count);
	assert_true(out.node_pool_start == in.node_pool_start);
	assert_true(out.node_pool_blocks == in.node_pool_blocks);
	assert_true(out.page_count == in.page_count);
	assert_true(out.tag_pool_start == in.tag_pool_start);
	assert_true(out.tag_pool_blocks == in.tag_pool_blocks);
	assert_true(out.page_pool_start == in.page_pool_start);
	assert_true(out.page_pool_blocks == in.page_pool_blocks);
	assert_true(out.log_start == in.log_start);
	assert_true(out.log_blocks == in.log_blocks);
	assert_true(out.boot_node_oid == in.boot_node_oid);
	assert_int_equal(out.checkpoint_interval_ms, in.checkpoint_interval_ms);
	assert_int_equal(out.flags, in.flags);
	assert_true(out.image_node_count == in.image_node_count);
	assert_true(out.image_page_count == in.image_page_count);
	assert_memory_equal(out.label, in.label, CAIRN_LABEL_SIZE);
	/* The struct has no padding holes, so a whole compare works too. */
	assert_memory_equal(&out, &in, sizeof(in));
}

/* Large values in every 64-bit field survive the round trip. */
static void test_roundtrip_large_values(void **state)
{
	(void)state;
	struct cairn_superblock in = valid_sb(), out;
	uint64_t base = 0x0123456789ab0000ull;

	in.total_blocks = base + 10000;
	in.node_pool_start = base + 2;
	in.tag_pool_start = base + 12;
	in.page_pool_start = base + 14;
	in.log_start = base + 2014;
	in.boot_node_oid = CAIRN_OID_NONE;
	in.image_node_count = 0;
	in.image_page_count = 0;
	in.checkpoint_interval_ms = UINT32_MAX;
	assert_int_equal(encode_decode(&in, &out), CAIRN_VOL_OK);
	assert_memory_equal(&out, &in, sizeof(in));
}

static void test_encoded_byte_layout(void **state)
{
	(void)state;
	struct cairn_superblock sb = valid_sb();
	uint8_t b[CAIRN_BLOCK_SIZE];

	memset(b, 0xff, sizeof(b));
	cairn_sb_encode(&sb, b);
	assert_memory_equal(b, "CAIRNVOL", 8);
	assert_int_equal(cairn_get_le32(b + 8), 1);
	assert_int_equal(cairn_get_le32(b + 12), 4096);
	assert_memory_equal(b + 16, sb.uuid, 16);
	assert_true(cairn_get_le64(b + 32) == 3000);
	assert_true(cairn_get_le64(b + 40) == 70);
	assert_true(cairn_get_le64(b + 48) == 2);
	assert_true(cairn_get_le64(b + 56) == 10);
	assert_true(cairn_get_le64(b + 64) == 2000);
	assert_true(cairn_get_le64(b + 72) == 12);
	assert_true(cairn_get_le64(b + 80) == 2);
	assert_true(cairn_get_le64(b + 88) == 14);
	assert_true(cairn_get_le64(b + 96) == 2000);
	assert_true(cairn_get_le64(b + 104) == 2014);
	assert_true(cairn_get_le64(b + 112) == 986);
	assert_true(cairn_get_le64(b + 120) == 3);
	assert_int_equal(cairn_get_le32(b + 128), 250);
	assert_int_equal(cairn_get_le32(b + 132), 0);
	assert_true(cairn_get_le64(b + 136) == 12);
	assert_true(cairn_get_le64(b + 144) == 40);
	assert_string_equal((const char *)b + 152, sb.label);
	for (size_t i = 152 + strlen(sb.label); i < 4092; i++)
		assert_int_equal(b[i], 0); /* label padding and reserved area */
	assert_int_equal(cairn_get_le32(b + 4092), cairn_crc32c(0, b, 4092));
}

static void test_truncated_buffer(void **state)
{
	(void)state;
	struct cairn_superblock sb = valid_sb(), out;
	uint8_t b[CAIRN_BLOCK_SIZE];

	cairn_sb_encode(&sb, b);
	assert_int_equal(cairn_sb_decode(b, CAIRN_BLOCK_SIZE - 1, &out), CAIRN_VOL_ERR_TRUNCATED);
	assert_int_equal(cairn_sb_decode(b, 0, &out), CAIRN_VOL_ERR_TRUNCATED);
	assert_int_equal(cairn_sb_decode(b, 512, &out), CAIRN_VOL_ERR_TRUNCATED);
	assert_int_equal(cairn_sb_decode(b, CAIRN_BLOCK_SIZE, &out), CAIRN_VOL_OK);
}

static void test_wrong_magic(void **state)
{
	(void)state;
	struct cairn_superblock sb = valid_sb(), out;
	uint8_t b[CAIRN_BLOCK_SIZE];

	cairn_sb_encode(&sb, b);
	b[7] = 'X'; /* "CAIRNVOX" */
	fix_crc(b);
	assert_int_equal(cairn_sb_decode(b, sizeof(b), &out), CAIRN_VOL_ERR_MAGIC);
	memset(b, 0, sizeof(b)); /* a never-formatted disk */
	assert_int_equal(cairn_sb_decode(b, sizeof(b), &out), CAIRN_VOL_ERR_MAGIC);
}

static void test_wrong_version(void **state)
{
	(void)state;
	struct cairn_superblock sb = valid_sb();

	sb.format_version = 2;
	assert_int_equal(roundtrip_err(&sb), CAIRN_VOL_ERR_VERSION);
	sb.format_version = 0;
	assert_int_equal(roundtrip_err(&sb), CAIRN_VOL_ERR_VERSION);
}

static void test_bad_checksum(void **state)
{
	(void)state;
	struct cairn_superblock sb = valid_sb(), out;
	uint8_t b[CAIRN_BLOCK_SIZE];

	cairn_sb_encode(&sb, b);
	static const size_t where[] = { 16, 33, 100, 152, 216, 2000, 4091, 4092, 4095 };
	for (size_t i = 0; i < sizeof(where) / sizeof(where[0]); i++) {
		b[where[i]] ^= 0x01;
		assert_int_equal(cairn_sb_decode(b, sizeof(b), &out), CAIRN_VOL_ERR_CHECKSUM);
		b[where[i]] ^= 0x01;
	}
	assert_int_equal(cairn_sb_decode(b, sizeof(b), &out), CAIRN_VOL_OK);
}

static void test_wrong_block_size(void **state)
{
	(void)state;
	struct cairn_superblock sb = valid_sb();

	sb.block_size = 512;
	assert_int_equal(roundtrip_err(&sb), CAIRN_VOL_ERR_BLOCK_SIZE);
	sb.block_size = 8192;
	assert_int_equal(roundtrip_err(&sb), CAIRN_VOL_ERR_BLOCK_SIZE);
}

static void test_unknown_flags(void **state)
{
	(void)state;
	struct cairn_superblock sb = valid_sb();

	sb.flags = 1;
	assert_int_equal(roundtrip_err(&sb), CAIRN_VOL_ERR_FLAGS);
}

static void test_label_not_terminated(void **state)
{
	(void)state;
	struct cairn_superblock sb = valid_sb();

	memset(sb.label, 'a', CAIRN_LABEL_SIZE);
	assert_int_equal(roundtrip_err(&sb), CAIRN_VOL_ERR_LABEL);
	sb.label[CAIRN_LABEL_MAX] = '\0'; /* 63 bytes: the longest legal label */
	assert_int_equal(roundtrip_err(&sb), CAIRN_VOL_OK);
}

static void test_overlapping_regions(void **state)
{
	(void)state;
	struct cairn_superblock sb = valid_sb();

	sb.tag_pool_start = 11; /* last node pot */
	assert_int_equal(roundtrip_err(&sb), CAIRN_VOL_ERR_OVERLAP);
	sb = valid_sb();
	sb.page_pool_start = 13; /* second tag pot */
	sb.log_start = 2014;
	assert_int_equal(roundtrip_err(&sb), CAIRN_VOL_ERR_OVERLAP);
	sb = valid_sb();
	sb.log_start = 2013; /* last page */
	sb.log_blocks = 987;
	assert_int_equal(roundtrip_err(&sb), CAIRN_VOL_ERR_OVERLAP);
}

static void test_region_beyond_volume(void **state)
{
	(void)state;
	struct cairn_superblock sb = valid_sb();

	sb.log_blocks = 987; /* one past total_blocks */
	assert_int_equal(roundtrip_err(&sb), CAIRN_VOL_ERR_RANGE);
	sb = valid_sb();
	sb.total_blocks = 2999;
	assert_int_equal(roundtrip_err(&sb), CAIRN_VOL_ERR_RANGE);
	/* start + blocks wraps around 2^64: must not look "inside". */
	sb = valid_sb();
	sb.log_start = UINT64_MAX - 10;
	sb.log_blocks = 986;
	assert_int_equal(roundtrip_err(&sb), CAIRN_VOL_ERR_RANGE);
	sb = valid_sb();
	sb.page_pool_blocks = UINT64_MAX;
	assert_int_equal(roundtrip_err(&sb), CAIRN_VOL_ERR_RANGE);
}

static void test_region_over_superblocks(void **state)
{
	(void)state;
	struct cairn_superblock sb = valid_sb();

	sb.node_pool_start = 1; /* the backup superblock */
	assert_int_equal(roundtrip_err(&sb), CAIRN_VOL_ERR_RANGE);
	sb.node_pool_start = 0; /* the primary */
	assert_int_equal(roundtrip_err(&sb), CAIRN_VOL_ERR_RANGE);
}

static void test_regions_out_of_order(void **state)
{
	(void)state;
	struct cairn_superblock sb = valid_sb();

	/* Pages before tags, no overlap: 12..2011 pages, 2012..2013 tags. */
	sb.page_pool_start = 12;
	sb.tag_pool_start = 2012;
	assert_int_equal(roundtrip_err(&sb), CAIRN_VOL_ERR_ORDER);
	/* Log first: 2..67 log, nodes 68..77, tags 78..79, pages 80..2079. */
	sb = valid_sb();
	sb.log_start = 2;
	sb.log_blocks = 66;
	sb.node_pool_start = 68;
	sb.tag_pool_start = 78;
	sb.page_pool_start = 80;
	assert_int_equal(roundtrip_err(&sb), CAIRN_VOL_ERR_ORDER);
}

static void test_node_pool_too_small(void **state)
{
	(void)state;
	struct cairn_superblock sb = valid_sb();

	sb.node_count = 71; /* needs 11 pots, has 10 */
	assert_int_equal(roundtrip_err(&sb), CAIRN_VOL_ERR_COUNTS);
	sb.node_count = 70; /* exactly full */
	assert_int_equal(roundtrip_err(&sb), CAIRN_VOL_OK);
}

static void test_tag_pool_too_small(void **state)
{
	(void)state;
	struct cairn_superblock sb = valid_sb();

	sb.tag_pool_blocks = 1; /* 1024 counts for 2000 pages */
	assert_int_equal(roundtrip_err(&sb), CAIRN_VOL_ERR_COUNTS);
	sb.page_count = 1024; /* now one pot is enough (gap before pages) */
	assert_int_equal(roundtrip_err(&sb), CAIRN_VOL_OK);
	sb.page_count = 1025;
	assert_int_equal(roundtrip_err(&sb), CAIRN_VOL_ERR_COUNTS);
}

static void test_page_pool_too_small(void **state)
{
	(void)state;
	struct cairn_superblock sb = valid_sb();

	sb.page_pool_blocks = 1999;
	assert_int_equal(roundtrip_err(&sb), CAIRN_VOL_ERR_COUNTS);
}

static void test_log_too_small(void **state)
{
	(void)state;
	struct cairn_superblock sb = valid_sb();

	sb.log_blocks = CAIRN_LOG_MIN_BLOCKS - 1;
	assert_int_equal(roundtrip_err(&sb), CAIRN_VOL_ERR_COUNTS);
	sb.log_blocks = CAIRN_LOG_MIN_BLOCKS; /* gap at the end is fine */
	assert_int_equal(roundtrip_err(&sb), CAIRN_VOL_OK);
}

static void test_zero_counts(void **state)
{
	(void)state;
	struct cairn_superblock sb = valid_sb();

	sb.node_count = 0;
	sb.image_node_count = 0;
	sb.boot_node_oid = CAIRN_OID_NONE;
	assert_int_equal(roundtrip_err(&sb), CAIRN_VOL_ERR_COUNTS);
	sb = valid_sb();
	sb.page_count = 0;
	sb.image_page_count = 0;
	assert_int_equal(roundtrip_err(&sb), CAIRN_VOL_ERR_COUNTS);
}

static void test_image_fields(void **state)
{
	(void)state;
	struct cairn_superblock sb = valid_sb();

	sb.image_node_count = 71; /* more than node_count */
	assert_int_equal(roundtrip_err(&sb), CAIRN_VOL_ERR_IMAGE);
	sb = valid_sb();
	sb.image_page_count = 2001;
	assert_int_equal(roundtrip_err(&sb), CAIRN_VOL_ERR_IMAGE);
	sb = valid_sb();
	sb.boot_node_oid = 12; /* == image_node_count: not an image node */
	assert_int_equal(roundtrip_err(&sb), CAIRN_VOL_ERR_IMAGE);
	sb.image_node_count = 0;
	sb.image_page_count = 0;
	sb.boot_node_oid = 0; /* a boot node without an image */
	assert_int_equal(roundtrip_err(&sb), CAIRN_VOL_ERR_IMAGE);
	sb.boot_node_oid = CAIRN_OID_NONE; /* an empty volume */
	assert_int_equal(roundtrip_err(&sb), CAIRN_VOL_OK);
}

static void test_device_too_small(void **state)
{
	(void)state;
	struct cairn_superblock sb = valid_sb();

	assert_int_equal(cairn_sb_check_geometry(&sb, 2999), CAIRN_VOL_ERR_DEVICE_TOO_SMALL);
	assert_int_equal(cairn_sb_check_geometry(&sb, 0), CAIRN_VOL_ERR_DEVICE_TOO_SMALL);
	assert_int_equal(cairn_sb_check_geometry(&sb, 3000), CAIRN_VOL_OK);
	assert_int_equal(cairn_sb_check_geometry(&sb, UINT64_MAX), CAIRN_VOL_OK);
}

static void test_gaps_allowed(void **state)
{
	(void)state;
	struct cairn_superblock sb = valid_sb();

	sb.node_pool_start = 5;
	sb.tag_pool_start = 20;
	sb.page_pool_start = 30;
	sb.log_start = 2100;
	sb.log_blocks = 66;
	assert_int_equal(roundtrip_err(&sb), CAIRN_VOL_OK);
}

/* Random geometries: whatever check_geometry accepts really is inside the
 * volume, ordered and disjoint (checked here with 128-bit arithmetic). */
static void test_geometry_property(void **state)
{
	(void)state;
	uint64_t x = 88172645463325252ull;
	unsigned accepted = 0;

	for (int iter = 0; iter < 200000; iter++) {
		uint64_t r[10];
		for (int k = 0; k < 10; k++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			/* Mostly small values, sometimes huge ones. */
			r[k] = (x & 0xf) == 0 ? x : (x >> 8) % 4000;
		}
		struct cairn_superblock sb = valid_sb();
		sb.total_blocks = r[0];
		sb.node_pool_start = r[1];
		sb.node_pool_blocks = r[2] % 64;
		sb.tag_pool_start = r[3];
		sb.tag_pool_blocks = r[4] % 8;
		sb.page_pool_start = r[5];
		sb.page_pool_blocks = r[6];
		sb.log_start = r[7];
		sb.log_blocks = r[8];
		sb.node_count = r[9] % 500;
		sb.page_count = r[6] - r[9] % 3;
		if (cairn_sb_check_geometry(&sb, sb.total_blocks) != CAIRN_VOL_OK)
			continue;
		accepted++;
		unsigned __int128 t = sb.total_blocks;
		unsigned __int128 ne = (unsigned __int128)sb.node_pool_start + sb.node_pool_blocks;
		unsigned __int128 te = (unsigned __int128)sb.tag_pool_start + sb.tag_pool_blocks;
		unsigned __int128 pe = (unsigned __int128)sb.page_pool_start + sb.page_pool_blocks;
		unsigned __int128 le = (unsigned __int128)sb.log_start + sb.log_blocks;
		assert_true(sb.node_pool_start >= 2);
		assert_true(ne <= sb.tag_pool_start && te <= sb.page_pool_start &&
			    pe <= sb.log_start && le <= t);
		assert_true((unsigned __int128)sb.node_pool_blocks * 7 >= sb.node_count);
		assert_true((unsigned __int128)sb.tag_pool_blocks * 1024 >= sb.page_count);
		assert_true(sb.page_pool_blocks >= sb.page_count && sb.log_blocks >= 66);
		assert_true(sb.node_count > 0 && sb.page_count > 0);
	}
	assert_true(accepted > 0); /* the generator does reach valid cases */
}

static void test_error_names_and_texts(void **state)
{
	(void)state;
	assert_string_equal(cairn_vol_errname(CAIRN_VOL_OK), "CAIRN_VOL_OK");
	assert_string_equal(cairn_vol_errname(CAIRN_VOL_ERR_MAGIC), "CAIRN_VOL_ERR_MAGIC");
	assert_string_equal(cairn_vol_errname(CAIRN_VOL_ERR_DEVICE_TOO_SMALL),
			    "CAIRN_VOL_ERR_DEVICE_TOO_SMALL");
	assert_string_equal(cairn_vol_errname(CAIRN_VOL_ERR_TOO_SMALL), "CAIRN_VOL_ERR_TOO_SMALL");
	for (int e = 0; e < CAIRN_VOL_NERRORS; e++) {
		const char *name = cairn_vol_errname((enum cairn_vol_err)e);
		const char *text = cairn_vol_strerror((enum cairn_vol_err)e);
		assert_non_null(name);
		assert_non_null(text);
		assert_true(strncmp(name, "CAIRN_VOL_", 10) == 0);
		assert_true(strlen(text) > 0);
		assert_null(strchr(text, '\n'));
		for (int f = 0; f < e; f++) {
			assert_string_not_equal(name, cairn_vol_errname((enum cairn_vol_err)f));
			assert_string_not_equal(text, cairn_vol_strerror((enum cairn_vol_err)f));
		}
	}
	assert_string_equal(cairn_vol_strerror((enum cairn_vol_err)999), "unknown error");
	assert_string_equal(cairn_vol_errname((enum cairn_vol_err)(-1)), "CAIRN_VOL_ERR_UNKNOWN");
}

static void test_uuid_format(void **state)
{
	(void)state;
	const uint8_t u[16] = { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
				0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff };
	char s[37];

	memset(s, 'z', sizeof(s));
	cairn_uuid_format(u, s);
	assert_string_equal(s, "00112233-4455-6677-8899-aabbccddeeff");
	const uint8_t z[16] = { 0 };
	cairn_uuid_format(z, s);
	assert_string_equal(s, "00000000-0000-0000-0000-000000000000");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_roundtrip_all_fields),
		cmocka_unit_test(test_roundtrip_large_values),
		cmocka_unit_test(test_encoded_byte_layout),
		cmocka_unit_test(test_truncated_buffer),
		cmocka_unit_test(test_wrong_magic),
		cmocka_unit_test(test_wrong_version),
		cmocka_unit_test(test_bad_checksum),
		cmocka_unit_test(test_wrong_block_size),
		cmocka_unit_test(test_unknown_flags),
		cmocka_unit_test(test_label_not_terminated),
		cmocka_unit_test(test_overlapping_regions),
		cmocka_unit_test(test_region_beyond_volume),
		cmocka_unit_test(test_region_over_superblocks),
		cmocka_unit_test(test_regions_out_of_order),
		cmocka_unit_test(test_node_pool_too_small),
		cmocka_unit_test(test_tag_pool_too_small),
		cmocka_unit_test(test_page_pool_too_small),
		cmocka_unit_test(test_log_too_small),
		cmocka_unit_test(test_zero_counts),
		cmocka_unit_test(test_image_fields),
		cmocka_unit_test(test_device_too_small),
		cmocka_unit_test(test_gaps_allowed),
		cmocka_unit_test(test_geometry_property),
		cmocka_unit_test(test_error_names_and_texts),
		cmocka_unit_test(test_uuid_format),
	};
	return cmocka_run_group_tests_name("superblock", tests, NULL, NULL);
}
