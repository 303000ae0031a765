/* SPDX-License-Identifier: MIT */
/*
 * The superblock codec and the geometry checks: the only code that turns
 * the bytes of block 0 (or 1) into a struct cairn_superblock, shared by the
 * kernel (built -ffreestanding into cairnfmt_cross_lib) and the host tools.
 *
 * Invariants: decode never trusts a field before the checks that cover it
 * have passed, and every comparison is written so that no addition or
 * multiplication can overflow whatever the 64-bit fields hold (a corrupt
 * or hostile image must produce an error, never a wrapped "valid" range).
 * Encode writes every byte of the block, so the reserved area is zero.
 *
 * Freestanding: uses only memcpy/memcmp/memset from <string.h>.
 */
#include <string.h>

#include "cairn/crc32c.h"
#include "cairn/endian.h"
#include "cairn/key.h"
#include "cairn/volume.h"

#define ERR_NAME_(name, text) [name] = #name,
#define ERR_TEXT_(name, text) [name] = text,
static const char *const err_names[] = { CAIRN_VOL_ERRORS(ERR_NAME_) };
static const char *const err_texts[] = { CAIRN_VOL_ERRORS(ERR_TEXT_) };
#undef ERR_NAME_
#undef ERR_TEXT_

_Static_assert(sizeof(err_names) / sizeof(err_names[0]) == CAIRN_VOL_NERRORS, "names");
_Static_assert(sizeof(err_texts) / sizeof(err_texts[0]) == CAIRN_VOL_NERRORS, "texts");

const char *cairn_vol_strerror(enum cairn_vol_err e)
{
	if ((unsigned)e >= CAIRN_VOL_NERRORS)
		return "unknown error";
	return err_texts[e];
}

const char *cairn_vol_errname(enum cairn_vol_err e)
{
	if ((unsigned)e >= CAIRN_VOL_NERRORS)
		return "CAIRN_VOL_ERR_UNKNOWN";
	return err_names[e];
}

void cairn_sb_encode(const struct cairn_superblock *sb, void *block)
{
	uint8_t *b = block;

	memset(b, 0, CAIRN_BLOCK_SIZE);
	memcpy(b + CAIRN_SB_OFF_MAGIC, CAIRN_SB_MAGIC, CAIRN_SB_MAGIC_LEN);
	cairn_put_le32(b + CAIRN_SB_OFF_FORMAT_VERSION, sb->format_version);
	cairn_put_le32(b + CAIRN_SB_OFF_BLOCK_SIZE, sb->block_size);
	memcpy(b + CAIRN_SB_OFF_UUID, sb->uuid, CAIRN_UUID_SIZE);
	cairn_put_le64(b + CAIRN_SB_OFF_TOTAL_BLOCKS, sb->total_blocks);
	cairn_put_le64(b + CAIRN_SB_OFF_NODE_COUNT, sb->node_count);
	cairn_put_le64(b + CAIRN_SB_OFF_NODE_POOL_START, sb->node_pool_start);
	cairn_put_le64(b + CAIRN_SB_OFF_NODE_POOL_BLOCKS, sb->node_pool_blocks);
	cairn_put_le64(b + CAIRN_SB_OFF_PAGE_COUNT, sb->page_count);
	cairn_put_le64(b + CAIRN_SB_OFF_TAG_POOL_START, sb->tag_pool_start);
	cairn_put_le64(b + CAIRN_SB_OFF_TAG_POOL_BLOCKS, sb->tag_pool_blocks);
	cairn_put_le64(b + CAIRN_SB_OFF_PAGE_POOL_START, sb->page_pool_start);
	cairn_put_le64(b + CAIRN_SB_OFF_PAGE_POOL_BLOCKS, sb->page_pool_blocks);
	cairn_put_le64(b + CAIRN_SB_OFF_LOG_START, sb->log_start);
	cairn_put_le64(b + CAIRN_SB_OFF_LOG_BLOCKS, sb->log_blocks);
	cairn_put_le64(b + CAIRN_SB_OFF_BOOT_NODE_OID, sb->boot_node_oid);
	cairn_put_le32(b + CAIRN_SB_OFF_CHECKPOINT_MS, sb->checkpoint_interval_ms);
	cairn_put_le32(b + CAIRN_SB_OFF_FLAGS, sb->flags);
	cairn_put_le64(b + CAIRN_SB_OFF_IMAGE_NODE_COUNT, sb->image_node_count);
	cairn_put_le64(b + CAIRN_SB_OFF_IMAGE_PAGE_COUNT, sb->image_page_count);
	memcpy(b + CAIRN_SB_OFF_LABEL, sb->label, CAIRN_LABEL_SIZE);
	cairn_put_le32(b + CAIRN_SB_OFF_CRC, cairn_crc32c(0, b, CAIRN_SB_OFF_CRC));
}

static void sb_read_fields(const uint8_t *b, struct cairn_superblock *sb)
{
	sb->format_version = cairn_get_le32(b + CAIRN_SB_OFF_FORMAT_VERSION);
	sb->block_size = cairn_get_le32(b + CAIRN_SB_OFF_BLOCK_SIZE);
	memcpy(sb->uuid, b + CAIRN_SB_OFF_UUID, CAIRN_UUID_SIZE);
	sb->total_blocks = cairn_get_le64(b + CAIRN_SB_OFF_TOTAL_BLOCKS);
	sb->node_count = cairn_get_le64(b + CAIRN_SB_OFF_NODE_COUNT);
	sb->node_pool_start = cairn_get_le64(b + CAIRN_SB_OFF_NODE_POOL_START);
	sb->node_pool_blocks = cairn_get_le64(b + CAIRN_SB_OFF_NODE_POOL_BLOCKS);
	sb->page_count = cairn_get_le64(b + CAIRN_SB_OFF_PAGE_COUNT);
	sb->tag_pool_start = cairn_get_le64(b + CAIRN_SB_OFF_TAG_POOL_START);
	sb->tag_pool_blocks = cairn_get_le64(b + CAIRN_SB_OFF_TAG_POOL_BLOCKS);
	sb->page_pool_start = cairn_get_le64(b + CAIRN_SB_OFF_PAGE_POOL_START);
	sb->page_pool_blocks = cairn_get_le64(b + CAIRN_SB_OFF_PAGE_POOL_BLOCKS);
	sb->log_start = cairn_get_le64(b + CAIRN_SB_OFF_LOG_START);
	sb->log_blocks = cairn_get_le64(b + CAIRN_SB_OFF_LOG_BLOCKS);
	sb->boot_node_oid = cairn_get_le64(b + CAIRN_SB_OFF_BOOT_NODE_OID);
	sb->checkpoint_interval_ms = cairn_get_le32(b + CAIRN_SB_OFF_CHECKPOINT_MS);
	sb->flags = cairn_get_le32(b + CAIRN_SB_OFF_FLAGS);
	sb->image_node_count = cairn_get_le64(b + CAIRN_SB_OFF_IMAGE_NODE_COUNT);
	sb->image_page_count = cairn_get_le64(b + CAIRN_SB_OFF_IMAGE_PAGE_COUNT);
	memcpy(sb->label, b + CAIRN_SB_OFF_LABEL, CAIRN_LABEL_SIZE);
}

enum cairn_vol_err cairn_sb_decode(const void *buf, size_t len, struct cairn_superblock *sb)
{
	const uint8_t *b = buf;

	if (len < CAIRN_BLOCK_SIZE)
		return CAIRN_VOL_ERR_TRUNCATED;
	if (memcmp(b + CAIRN_SB_OFF_MAGIC, CAIRN_SB_MAGIC, CAIRN_SB_MAGIC_LEN) != 0)
		return CAIRN_VOL_ERR_MAGIC;
	sb_read_fields(b, sb);
	/* Version and block size before the checksum: a later version may
	 * move the checksum, and "unsupported version" is the useful answer. */
	if (sb->format_version != CAIRN_FORMAT_VERSION)
		return CAIRN_VOL_ERR_VERSION;
	if (sb->block_size != CAIRN_BLOCK_SIZE)
		return CAIRN_VOL_ERR_BLOCK_SIZE;
	if (cairn_get_le32(b + CAIRN_SB_OFF_CRC) != cairn_crc32c(0, b, CAIRN_SB_OFF_CRC))
		return CAIRN_VOL_ERR_CHECKSUM;
	if (sb->flags & ~CAIRN_SB_FLAGS_KNOWN)
		return CAIRN_VOL_ERR_FLAGS;
	if (sb->label[CAIRN_LABEL_MAX] != '\0')
		return CAIRN_VOL_ERR_LABEL;
	return cairn_sb_check_geometry(sb, sb->total_blocks);
}

/* ceil(n / d) without computing n + d - 1, which could overflow. */
static uint64_t div_round_up(uint64_t n, uint64_t d)
{
	return n / d + (n % d != 0);
}

/* [start, start + blocks) lies inside [2, total): overflow-safe. */
static bool region_in_volume(uint64_t start, uint64_t blocks, uint64_t total)
{
	return start >= CAIRN_FIRST_REGION_BLOCK && start <= total && blocks <= total - start;
}

enum cairn_vol_err cairn_sb_check_geometry(const struct cairn_superblock *sb,
					   uint64_t device_blocks)
{
	/* Counts first: every later check may assume each region has at
	 * least one block (so "start < next start" means "in order"). */
	if (sb->node_count == 0 || sb->page_count == 0)
		return CAIRN_VOL_ERR_COUNTS;
	if (sb->node_pool_blocks < div_round_up(sb->node_count, CAIRN_NODES_PER_POT) ||
	    sb->tag_pool_blocks < div_round_up(sb->page_count, CAIRN_TAGS_PER_POT) ||
	    sb->page_pool_blocks < sb->page_count || sb->log_blocks < CAIRN_LOG_MIN_BLOCKS)
		return CAIRN_VOL_ERR_COUNTS;
	/* A key holds a 32-bit OID (cairn/key.h). */
	if (sb->node_count > CAIRN_POOL_COUNT_MAX || sb->page_count > CAIRN_POOL_COUNT_MAX)
		return CAIRN_VOL_ERR_OID_RANGE;

	if (!region_in_volume(sb->node_pool_start, sb->node_pool_blocks, sb->total_blocks) ||
	    !region_in_volume(sb->tag_pool_start, sb->tag_pool_blocks, sb->total_blocks) ||
	    !region_in_volume(sb->page_pool_start, sb->page_pool_blocks, sb->total_blocks) ||
	    !region_in_volume(sb->log_start, sb->log_blocks, sb->total_blocks))
		return CAIRN_VOL_ERR_RANGE;

	/* The fixed order lets a reader find each region's end by the next
	 * region's start, and keeps the log (rewritten most) at the end. */
	if (!(sb->node_pool_start < sb->tag_pool_start &&
	      sb->tag_pool_start < sb->page_pool_start && sb->page_pool_start < sb->log_start))
		return CAIRN_VOL_ERR_ORDER;

	/* All regions are inside the volume, so these sums cannot overflow. */
	if (sb->node_pool_start + sb->node_pool_blocks > sb->tag_pool_start ||
	    sb->tag_pool_start + sb->tag_pool_blocks > sb->page_pool_start ||
	    sb->page_pool_start + sb->page_pool_blocks > sb->log_start)
		return CAIRN_VOL_ERR_OVERLAP;

	if (sb->image_node_count > sb->node_count || sb->image_page_count > sb->page_count)
		return CAIRN_VOL_ERR_IMAGE;
	/* A boot node must be one of the image's nodes; no image, no boot. */
	if (sb->boot_node_oid != CAIRN_OID_NONE && sb->boot_node_oid >= sb->image_node_count)
		return CAIRN_VOL_ERR_IMAGE;

	if (sb->total_blocks > device_blocks)
		return CAIRN_VOL_ERR_DEVICE_TOO_SMALL;
	return CAIRN_VOL_OK;
}

void cairn_uuid_format(const uint8_t uuid[CAIRN_UUID_SIZE], char out[CAIRN_UUID_STR_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	char *p = out;

	for (unsigned i = 0; i < CAIRN_UUID_SIZE; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			*p++ = '-';
		*p++ = hex[uuid[i] >> 4];
		*p++ = hex[uuid[i] & 0xf];
	}
	*p = '\0';
}
