/* SPDX-License-Identifier: MIT */
/*
 * The Cairn volume: its block map, the superblock, and the checks every
 * reader applies before trusting one. docs/volume-format.md is the prose
 * version of this file.
 *
 * A volume is an array of 4 KiB blocks:
 *
 *   block 0             superblock (primary)
 *   block 1             superblock (backup, identical copy)
 *   node_pool_start     node_pool_blocks node pots (7 nodes each, node.h)
 *   tag_pool_start      tag_pool_blocks tag pots (1024 page counts, tag.h)
 *   page_pool_start     page_pool_blocks pages, page OID p at start + p
 *   log_start           log_blocks: 2 checkpoint header slots, then the
 *                       circular checkpoint log (docs/checkpoint.md)
 *
 * Invariants a valid superblock keeps (cairn_sb_check_geometry): the four
 * regions are in that order, do not overlap, lie inside [2, total_blocks),
 * are big enough for their counts, and total_blocks fits on the device.
 * Only cairn-format writes superblocks; the kernel only reads them.
 *
 * struct cairn_superblock is the decoded form, in host byte order; it is
 * never written to disk as a struct. The on-disk form is the byte layout
 * below, read and written by cairn_sb_decode() / cairn_sb_encode() through
 * the little-endian accessors, with a CRC32C over bytes [0, 4092) stored in
 * the last four bytes of the block.
 *
 * Freestanding: <stdint.h>, <stddef.h>, <stdbool.h>, <string.h> (via
 * key.h) only; volume.c is built both for the host and for the kernel.
 */
#ifndef CAIRN_DISK_VOLUME_H
#define CAIRN_DISK_VOLUME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cairn/node.h"
#include "cairn/tag.h"

#define CAIRN_BLOCK_SIZE         4096u
#define CAIRN_FORMAT_VERSION     1u
#define CAIRN_SB_MAGIC           "CAIRNVOL" /* 8 bytes, no NUL on disk */
#define CAIRN_SB_MAGIC_LEN       8u
#define CAIRN_SB_PRIMARY_BLOCK   0u
#define CAIRN_SB_BACKUP_BLOCK    1u
#define CAIRN_FIRST_REGION_BLOCK 2u /* no region may start before this */
#define CAIRN_LOG_HEADER_SLOTS   2u /* first two log blocks: checkpoint headers */
#define CAIRN_LOG_MIN_BLOCKS     (CAIRN_LOG_HEADER_SLOTS + 64u)
/* The smallest log the kernel takes checkpoints with (kern/ckpt/ckpt_space.c:
 * two generations, each with room for the register nodes of every cached
 * domain). A smaller log is a valid volume that runs without checkpoints. */
#define CAIRN_LOG_CKPT_MIN_BLOCKS   512u
#define CAIRN_OID_NONE              UINT64_MAX /* boot_node_oid of a volume without image */
#define CAIRN_UUID_SIZE             16u
#define CAIRN_UUID_STR_LEN          36u /* 8-4-4-4-12, without the NUL */
#define CAIRN_LABEL_SIZE            64u /* on disk, NUL-padded */
#define CAIRN_LABEL_MAX             63u /* so the last byte is always NUL */
#define CAIRN_DEFAULT_LABEL         "cairn"
#define CAIRN_DEFAULT_CHECKPOINT_MS 1000u
#define CAIRN_SB_FLAGS_KNOWN        0u /* version 1 defines no flag */

/* Byte offsets of the superblock fields (all little-endian). */
#define CAIRN_SB_OFF_MAGIC            0u
#define CAIRN_SB_OFF_FORMAT_VERSION   8u
#define CAIRN_SB_OFF_BLOCK_SIZE       12u
#define CAIRN_SB_OFF_UUID             16u
#define CAIRN_SB_OFF_TOTAL_BLOCKS     32u
#define CAIRN_SB_OFF_NODE_COUNT       40u
#define CAIRN_SB_OFF_NODE_POOL_START  48u
#define CAIRN_SB_OFF_NODE_POOL_BLOCKS 56u
#define CAIRN_SB_OFF_PAGE_COUNT       64u
#define CAIRN_SB_OFF_TAG_POOL_START   72u
#define CAIRN_SB_OFF_TAG_POOL_BLOCKS  80u
#define CAIRN_SB_OFF_PAGE_POOL_START  88u
#define CAIRN_SB_OFF_PAGE_POOL_BLOCKS 96u
#define CAIRN_SB_OFF_LOG_START        104u
#define CAIRN_SB_OFF_LOG_BLOCKS       112u
#define CAIRN_SB_OFF_BOOT_NODE_OID    120u
#define CAIRN_SB_OFF_CHECKPOINT_MS    128u
#define CAIRN_SB_OFF_FLAGS            132u
#define CAIRN_SB_OFF_IMAGE_NODE_COUNT 136u
#define CAIRN_SB_OFF_IMAGE_PAGE_COUNT 144u
#define CAIRN_SB_OFF_LABEL            152u
#define CAIRN_SB_USED                 216u  /* bytes [216, 4092) are zero */
#define CAIRN_SB_OFF_CRC              4092u /* crc32c of bytes [0, 4092) */

/* Each field starts where the previous one ends: no padding, no holes. */
_Static_assert(CAIRN_SB_OFF_FORMAT_VERSION == CAIRN_SB_OFF_MAGIC + CAIRN_SB_MAGIC_LEN, "sb");
_Static_assert(CAIRN_SB_OFF_BLOCK_SIZE == CAIRN_SB_OFF_FORMAT_VERSION + 4, "sb");
_Static_assert(CAIRN_SB_OFF_UUID == CAIRN_SB_OFF_BLOCK_SIZE + 4, "sb");
_Static_assert(CAIRN_SB_OFF_TOTAL_BLOCKS == CAIRN_SB_OFF_UUID + CAIRN_UUID_SIZE, "sb");
_Static_assert(CAIRN_SB_OFF_NODE_COUNT == CAIRN_SB_OFF_TOTAL_BLOCKS + 8, "sb");
_Static_assert(CAIRN_SB_OFF_NODE_POOL_START == CAIRN_SB_OFF_NODE_COUNT + 8, "sb");
_Static_assert(CAIRN_SB_OFF_NODE_POOL_BLOCKS == CAIRN_SB_OFF_NODE_POOL_START + 8, "sb");
_Static_assert(CAIRN_SB_OFF_PAGE_COUNT == CAIRN_SB_OFF_NODE_POOL_BLOCKS + 8, "sb");
_Static_assert(CAIRN_SB_OFF_TAG_POOL_START == CAIRN_SB_OFF_PAGE_COUNT + 8, "sb");
_Static_assert(CAIRN_SB_OFF_TAG_POOL_BLOCKS == CAIRN_SB_OFF_TAG_POOL_START + 8, "sb");
_Static_assert(CAIRN_SB_OFF_PAGE_POOL_START == CAIRN_SB_OFF_TAG_POOL_BLOCKS + 8, "sb");
_Static_assert(CAIRN_SB_OFF_PAGE_POOL_BLOCKS == CAIRN_SB_OFF_PAGE_POOL_START + 8, "sb");
_Static_assert(CAIRN_SB_OFF_LOG_START == CAIRN_SB_OFF_PAGE_POOL_BLOCKS + 8, "sb");
_Static_assert(CAIRN_SB_OFF_LOG_BLOCKS == CAIRN_SB_OFF_LOG_START + 8, "sb");
_Static_assert(CAIRN_SB_OFF_BOOT_NODE_OID == CAIRN_SB_OFF_LOG_BLOCKS + 8, "sb");
_Static_assert(CAIRN_SB_OFF_CHECKPOINT_MS == CAIRN_SB_OFF_BOOT_NODE_OID + 8, "sb");
_Static_assert(CAIRN_SB_OFF_FLAGS == CAIRN_SB_OFF_CHECKPOINT_MS + 4, "sb");
_Static_assert(CAIRN_SB_OFF_IMAGE_NODE_COUNT == CAIRN_SB_OFF_FLAGS + 4, "sb");
_Static_assert(CAIRN_SB_OFF_IMAGE_PAGE_COUNT == CAIRN_SB_OFF_IMAGE_NODE_COUNT + 8, "sb");
_Static_assert(CAIRN_SB_OFF_LABEL == CAIRN_SB_OFF_IMAGE_PAGE_COUNT + 8, "sb");
_Static_assert(CAIRN_SB_USED == CAIRN_SB_OFF_LABEL + CAIRN_LABEL_SIZE, "sb");
_Static_assert(CAIRN_SB_OFF_CRC == CAIRN_BLOCK_SIZE - 4, "crc is the last word of block 0");
_Static_assert(CAIRN_SB_OFF_MAGIC % 8 == 0 && CAIRN_SB_OFF_TOTAL_BLOCKS % 8 == 0 &&
		       CAIRN_SB_OFF_IMAGE_NODE_COUNT % 8 == 0,
	       "u64 fields are naturally aligned (cheap on strict-alignment readers)");
_Static_assert(CAIRN_NODE_POT_SIZE == CAIRN_BLOCK_SIZE, "a node pot is one block");
_Static_assert(CAIRN_TAG_POT_SIZE == CAIRN_BLOCK_SIZE, "a tag pot is one block");
_Static_assert(CAIRN_LOG_MIN_BLOCKS == 66, "2 header slots + 64 log blocks");

/* The decoded superblock, host byte order. Field order follows the disk. */
struct cairn_superblock {
	uint32_t format_version;
	uint32_t block_size;
	uint8_t uuid[CAIRN_UUID_SIZE];
	uint64_t total_blocks;
	uint64_t node_count;
	uint64_t node_pool_start;
	uint64_t node_pool_blocks; /* >= ceil(node_count / 7) */
	uint64_t page_count;
	uint64_t tag_pool_start;
	uint64_t tag_pool_blocks; /* >= ceil(page_count / 1024) */
	uint64_t page_pool_start;
	uint64_t page_pool_blocks; /* >= page_count */
	uint64_t log_start;
	uint64_t log_blocks;             /* >= CAIRN_LOG_MIN_BLOCKS */
	uint64_t boot_node_oid;          /* CAIRN_OID_NONE: no initial image */
	uint32_t checkpoint_interval_ms; /* 0: checkpoints off */
	uint32_t flags;                  /* version 1: 0 */
	uint64_t image_node_count;       /* node OIDs [0, n) hold the initial image */
	uint64_t image_page_count;       /* page OIDs [0, n) likewise */
	char label[CAIRN_LABEL_SIZE];    /* NUL-padded UTF-8, label[63] == 0 */
};

/*
 * Errors of decoding, validating and planning a volume. One X-macro list
 * gives the enum, the names and the texts, so they cannot drift apart.
 * The values are never stored on disk, so new codes may go anywhere.
 */
/* clang-format off */
#define CAIRN_VOL_ERRORS(X)                                                              \
	X(CAIRN_VOL_OK, "ok")                                                            \
	X(CAIRN_VOL_ERR_TRUNCATED, "superblock buffer shorter than one block")          \
	X(CAIRN_VOL_ERR_MAGIC, "bad magic: not a Cairn volume")                          \
	X(CAIRN_VOL_ERR_VERSION, "unsupported format version")                           \
	X(CAIRN_VOL_ERR_CHECKSUM, "superblock checksum mismatch")                        \
	X(CAIRN_VOL_ERR_BLOCK_SIZE, "unsupported block size")                            \
	X(CAIRN_VOL_ERR_RANGE, "region outside the volume or before block 2")            \
	X(CAIRN_VOL_ERR_OVERLAP, "regions overlap")                                      \
	X(CAIRN_VOL_ERR_ORDER, "regions out of order")                                   \
	X(CAIRN_VOL_ERR_COUNTS, "pool too small for its count, log too small, or zero count") \
	X(CAIRN_VOL_ERR_DEVICE_TOO_SMALL, "volume larger than its device")               \
	X(CAIRN_VOL_ERR_FLAGS, "unknown superblock flags")                               \
	X(CAIRN_VOL_ERR_LABEL, "label not NUL-terminated")                               \
	X(CAIRN_VOL_ERR_IMAGE, "initial image outside the node or page pool")            \
	X(CAIRN_VOL_ERR_TOO_SMALL, "size too small for the volume metadata")             \
	X(CAIRN_VOL_ERR_UNALIGNED, "size not a multiple of the block size")              \
	X(CAIRN_VOL_ERR_TOO_MANY_NODES, "node count too large for the size")             \
	X(CAIRN_VOL_ERR_LOG_TOO_LARGE, "log too large for the size")                       \
	X(CAIRN_VOL_ERR_OID_RANGE, "more than 2^32-1 nodes or pages (OIDs are 32 bits)")
/* clang-format on */

#define CAIRN_VOL_ERR_ENUM_(name, text) name,
enum cairn_vol_err { CAIRN_VOL_ERRORS(CAIRN_VOL_ERR_ENUM_) CAIRN_VOL_NERRORS };
#undef CAIRN_VOL_ERR_ENUM_

/* Short human text (no newline) and the enumerator's name, e.g.
 * "CAIRN_VOL_ERR_MAGIC". Out-of-range values give "unknown error" and
 * "CAIRN_VOL_ERR_UNKNOWN"; neither ever returns NULL. */
const char *cairn_vol_strerror(enum cairn_vol_err e);
const char *cairn_vol_errname(enum cairn_vol_err e);

/* Write sb into a 4096-byte block: every field, zero padding, and the
 * CRC32C. Fields are written as given (no validation), so tests can build
 * deliberately bad superblocks with a correct checksum. */
void cairn_sb_encode(const struct cairn_superblock *sb, void *block);

/* Decode and validate one superblock copy. Checks, in order: len >= 4096
 * (TRUNCATED), magic, format_version, block_size, checksum, flags, label
 * termination, then cairn_sb_check_geometry(sb, sb->total_blocks). *sb is
 * filled whenever the magic matched, even on a later error (for
 * diagnostics), and must not be trusted unless CAIRN_VOL_OK is returned. */
enum cairn_vol_err cairn_sb_decode(const void *buf, size_t len, struct cairn_superblock *sb);

/* Geometry checks of a decoded superblock against a device of
 * device_blocks 4 KiB blocks, in order: zero counts, pools and log large
 * enough (COUNTS); every region inside [2, total_blocks) (RANGE); region
 * starts in order node < tag < page < log (ORDER); no region running into
 * the next (OVERLAP); initial image within the pools (IMAGE);
 * total_blocks <= device_blocks (DEVICE_TOO_SMALL). Overflow-safe for any
 * field values. */
enum cairn_vol_err cairn_sb_check_geometry(const struct cairn_superblock *sb,
					   uint64_t device_blocks);

/* 8-4-4-4-12 lowercase hex and a NUL: out must hold 37 bytes. */
void cairn_uuid_format(const uint8_t uuid[CAIRN_UUID_SIZE], char out[CAIRN_UUID_STR_LEN + 1]);

/*
 * Where objects live. No bounds checks: the caller has checked the OID
 * against node_count / page_count, and the superblock has passed
 * cairn_sb_check_geometry(), so the results lie inside their pools.
 */
static inline uint64_t cairn_node_pot_block(const struct cairn_superblock *sb, uint64_t node_oid)
{
	return sb->node_pool_start + cairn_node_pot_number(node_oid);
}

static inline unsigned cairn_node_pot_index(uint64_t node_oid)
{
	return (unsigned)(node_oid % CAIRN_NODES_PER_POT);
}

static inline uint64_t cairn_tag_pot_block(const struct cairn_superblock *sb, uint64_t page_oid)
{
	return sb->tag_pool_start + cairn_tag_pot_number(page_oid);
}

static inline uint64_t cairn_page_block(const struct cairn_superblock *sb, uint64_t page_oid)
{
	return sb->page_pool_start + page_oid;
}

/* Checkpoint header slot 0 or 1: the first two blocks of the log area. */
static inline uint64_t cairn_log_header_block(const struct cairn_superblock *sb, unsigned slot)
{
	return sb->log_start + slot;
}

#endif /* CAIRN_DISK_VOLUME_H */
