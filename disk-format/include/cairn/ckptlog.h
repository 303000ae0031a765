/* SPDX-License-Identifier: MIT */
/*
 * The checkpoint log on disk: header slots, directory blocks, directory
 * entries and the block sum of object data. docs/checkpoint.md is the prose
 * version of this file and the contract between the log writer
 * (ckpt/writer.c, run by the kernel and by the host tests) and every
 * reader. It sits with the volume's other on-disk formats (volume.h,
 * node.h, tag.h), shared by the kernel, the tools and the tests.
 *
 * The log area of the volume (superblock log_start, log_blocks):
 *
 *   log_start + 0        header slot 0 (generations with an even sequence)
 *   log_start + 1        header slot 1 (odd sequences)
 *   log_start + 2 ...    the ring: ring = log_blocks - 2 blocks; log
 *                        position p (a u64 that only grows) lives in ring
 *                        block p mod ring
 *
 * A generation occupies positions [gen_start, head): its object blocks,
 * then dir_blocks directory blocks at [dir_pos, head). Its header goes to
 * slot sequence mod 2 once the blocks and the directory are durable.
 *
 * The structs below are the decoded forms, in host byte order; the disk
 * form is only ever read and written through the cairn_get_le / put_le
 * accessors at the offsets named here, never by overlaying a struct.
 * Decoders validate everything a single block can tell (recover.c checks
 * what needs several blocks) and return the first failure as a named
 * enum ckpt_err.
 *
 * Freestanding: <stdint.h>, <stddef.h>, <stdbool.h>, <string.h> only; this
 * file and its codecs (ckpt/logfmt.c) are built into the kernel and into
 * host tools alike.
 */
#ifndef CAIRN_DISK_CKPTLOG_H
#define CAIRN_DISK_CKPTLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cairn/volume.h"

/*
 * Errors of decoding and recovering the log. One X-macro list gives the
 * enum, the names and the texts. The values are never stored on disk.
 */
/* clang-format off */
#define CKPT_ERRORS(X)                                                                   \
	X(CKPT_OK, "ok")                                                                 \
	X(CKPT_ERR_EMPTY, "empty slot: no checkpoint")                                   \
	X(CKPT_ERR_MAGIC, "bad magic")                                                   \
	X(CKPT_ERR_VERSION, "unsupported checkpoint format version")                     \
	X(CKPT_ERR_CHECKSUM, "checksum mismatch")                                        \
	X(CKPT_ERR_UUID, "checkpoint of another volume (UUID differs)")                  \
	X(CKPT_ERR_POSITIONS, "log positions inconsistent or outside the ring")          \
	X(CKPT_ERR_SLOT, "header in the wrong slot for its sequence")                    \
	X(CKPT_ERR_SEQUENCE, "sequence zero, not matching, or not going backwards")      \
	X(CKPT_ERR_LINK, "directory block out of place (index, size, start or link)")    \
	X(CKPT_ERR_COUNT, "too many entries, or counts disagree with the header")        \
	X(CKPT_ERR_KIND, "unknown directory entry kind")                                 \
	X(CKPT_ERR_FLAGS, "unknown header or directory entry flags")                     \
	X(CKPT_ERR_INDEX, "index outside its pool")                                      \
	X(CKPT_ERR_DUPLICATE, "block or thread listed twice in one generation")          \
	X(CKPT_ERR_RANGE, "data position outside its generation")                        \
	X(CKPT_ERR_DATA, "object data does not match its block sum")                     \
	X(CKPT_ERR_IO, "read error")                                                     \
	X(CKPT_ERR_MAP_FULL, "directory map full")                                       \
	X(CKPT_ERR_TORN, "newest generation incomplete: a one-FLUSH commit that never landed") \
	X(CKPT_ERR_ARGUMENT, "bad argument")
/* clang-format on */

#define CKPT_ERR_ENUM_(name, text) name,
enum ckpt_err { CKPT_ERRORS(CKPT_ERR_ENUM_) CKPT_NERRORS };
#undef CKPT_ERR_ENUM_

/* Short text (no newline) and the enumerator's name ("CKPT_ERR_MAGIC").
 * Out-of-range values give "unknown error" / "CKPT_ERR_UNKNOWN"; never NULL. */
const char *ckpt_strerror(enum ckpt_err e);
const char *ckpt_errname(enum ckpt_err e);

#define CKPT_BLOCK_SIZE CAIRN_BLOCK_SIZE
/* 2: directory blocks end in the 64-bit block sum (CKPT_DIR_OFF_SUM), not
 * a CRC32C: a twelfth of the instructions (docs/volume-format.md).
 * 3: the header's flags word (CKPT_HDR_ONE_FLUSH), zero in version 2,
 * which is still read (a volume written by the kernel before resumes). */
#define CKPT_FORMAT_VERSION     3u
#define CKPT_FORMAT_VERSION_MIN 2u
#define CKPT_HEADER_MAGIC       "CAIRNCKP" /* 8 bytes, no NUL on disk */
#define CKPT_DIR_MAGIC          "CAIRNDIR"
#define CKPT_MAGIC_LEN          8u
#define CKPT_HEADER_SLOTS       2u
#define CKPT_NO_DIR             UINT64_MAX /* previous dir_pos: no previous generation kept */

/* Header block (docs/checkpoint.md "Header"). */
#define CKPT_HDR_OFF_MAGIC      0u
#define CKPT_HDR_OFF_VERSION    8u
#define CKPT_HDR_OFF_INTERVAL   12u
#define CKPT_HDR_OFF_UUID       16u
#define CKPT_HDR_OFF_SEQUENCE   32u
#define CKPT_HDR_OFF_TAIL       40u
#define CKPT_HDR_OFF_GEN_START  48u
#define CKPT_HDR_OFF_DIR_POS    56u
#define CKPT_HDR_OFF_DIR_BLOCKS 64u
#define CKPT_HDR_OFF_FLAGS      68u
#define CKPT_HDR_OFF_HEAD       72u
#define CKPT_HDR_OFF_OBJECTS    80u
#define CKPT_HDR_OFF_THREADS    88u
#define CKPT_HDR_USED           96u
/* Bytes [96, 4092): the console area, the kernel's held console lines
 * (docs/checkpoint.md "The console"). The log code writes it as its owner
 * gives it (zeros when it gives none) and never reads it; the CRC covers
 * it. All zeros is a valid area: no line held, none ever numbered. */
#define CKPT_HDR_OFF_CONSOLE  96u
#define CKPT_HDR_CONSOLE_SIZE (CKPT_HDR_OFF_CRC - CKPT_HDR_OFF_CONSOLE)
#define CKPT_HDR_OFF_CRC      4092u

_Static_assert(CKPT_HDR_OFF_VERSION == CKPT_HDR_OFF_MAGIC + CKPT_MAGIC_LEN, "hdr");
_Static_assert(CKPT_HDR_OFF_INTERVAL == CKPT_HDR_OFF_VERSION + 4, "hdr");
_Static_assert(CKPT_HDR_OFF_UUID == CKPT_HDR_OFF_INTERVAL + 4, "hdr");
_Static_assert(CKPT_HDR_OFF_SEQUENCE == CKPT_HDR_OFF_UUID + CAIRN_UUID_SIZE, "hdr");
_Static_assert(CKPT_HDR_OFF_TAIL == CKPT_HDR_OFF_SEQUENCE + 8, "hdr");
_Static_assert(CKPT_HDR_OFF_GEN_START == CKPT_HDR_OFF_TAIL + 8, "hdr");
_Static_assert(CKPT_HDR_OFF_DIR_POS == CKPT_HDR_OFF_GEN_START + 8, "hdr");
_Static_assert(CKPT_HDR_OFF_DIR_BLOCKS == CKPT_HDR_OFF_DIR_POS + 8, "hdr");
_Static_assert(CKPT_HDR_OFF_FLAGS == CKPT_HDR_OFF_DIR_BLOCKS + 4, "hdr");
_Static_assert(CKPT_HDR_OFF_HEAD == CKPT_HDR_OFF_FLAGS + 4, "hdr");
_Static_assert(CKPT_HDR_OFF_OBJECTS == CKPT_HDR_OFF_HEAD + 8, "hdr");
_Static_assert(CKPT_HDR_OFF_THREADS == CKPT_HDR_OFF_OBJECTS + 8, "hdr");
_Static_assert(CKPT_HDR_USED == CKPT_HDR_OFF_THREADS + 8, "hdr");
_Static_assert(CKPT_HDR_OFF_CONSOLE == CKPT_HDR_USED, "hdr");
_Static_assert(CKPT_HDR_OFF_CRC == CKPT_BLOCK_SIZE - 4, "crc is the last word");
_Static_assert(CKPT_HDR_OFF_SEQUENCE % 8 == 0 && CKPT_HDR_OFF_HEAD % 8 == 0, "aligned u64s");

/* Directory block (docs/checkpoint.md "Directory block"). */
#define CKPT_DIR_OFF_MAGIC           0u
#define CKPT_DIR_OFF_SEQUENCE        8u
#define CKPT_DIR_OFF_INDEX           16u
#define CKPT_DIR_OFF_DIR_BLOCKS      20u
#define CKPT_DIR_OFF_COUNT           24u
#define CKPT_DIR_OFF_RESERVED0       28u
#define CKPT_DIR_OFF_GEN_START       32u
#define CKPT_DIR_OFF_PREV_DIR_POS    40u
#define CKPT_DIR_OFF_PREV_DIR_BLOCKS 48u
#define CKPT_DIR_OFF_RESERVED1       52u
#define CKPT_DIR_OFF_PREV_SEQUENCE   56u
#define CKPT_DIR_OFF_ENTRIES         64u
#define CKPT_DIR_USED                4064u /* bytes [4064, 4088) are zero */
#define CKPT_DIR_OFF_SUM             4088u /* ckpt_dir_sum(): the block sum, this field as 0 */
#define CKPT_ENTRY_SIZE              32u
#define CKPT_DIR_ENTRIES_PER_BLOCK   125u

_Static_assert(CKPT_DIR_OFF_SEQUENCE == CKPT_DIR_OFF_MAGIC + CKPT_MAGIC_LEN, "dir");
_Static_assert(CKPT_DIR_OFF_INDEX == CKPT_DIR_OFF_SEQUENCE + 8, "dir");
_Static_assert(CKPT_DIR_OFF_DIR_BLOCKS == CKPT_DIR_OFF_INDEX + 4, "dir");
_Static_assert(CKPT_DIR_OFF_COUNT == CKPT_DIR_OFF_DIR_BLOCKS + 4, "dir");
_Static_assert(CKPT_DIR_OFF_RESERVED0 == CKPT_DIR_OFF_COUNT + 4, "dir");
_Static_assert(CKPT_DIR_OFF_GEN_START == CKPT_DIR_OFF_RESERVED0 + 4, "dir");
_Static_assert(CKPT_DIR_OFF_PREV_DIR_POS == CKPT_DIR_OFF_GEN_START + 8, "dir");
_Static_assert(CKPT_DIR_OFF_PREV_DIR_BLOCKS == CKPT_DIR_OFF_PREV_DIR_POS + 8, "dir");
_Static_assert(CKPT_DIR_OFF_RESERVED1 == CKPT_DIR_OFF_PREV_DIR_BLOCKS + 4, "dir");
_Static_assert(CKPT_DIR_OFF_PREV_SEQUENCE == CKPT_DIR_OFF_RESERVED1 + 4, "dir");
_Static_assert(CKPT_DIR_OFF_ENTRIES == CKPT_DIR_OFF_PREV_SEQUENCE + 8, "dir");
_Static_assert(CKPT_DIR_OFF_SUM == CKPT_BLOCK_SIZE - 8, "the sum is the last word");
_Static_assert(CKPT_DIR_USED == CKPT_DIR_OFF_ENTRIES + CKPT_DIR_ENTRIES_PER_BLOCK * CKPT_ENTRY_SIZE,
	       "dir");
_Static_assert(CKPT_DIR_USED <= CKPT_DIR_OFF_SUM, "125 entries fit before the sum");
_Static_assert(CKPT_DIR_USED + CKPT_ENTRY_SIZE > CKPT_DIR_OFF_SUM, "125 is the most that fit");

/* Directory entry, relative to the entry. */
#define CKPT_ENT_OFF_INDEX    0u
#define CKPT_ENT_OFF_POS      8u
#define CKPT_ENT_OFF_SUM      16u
#define CKPT_ENT_OFF_KIND     24u
#define CKPT_ENT_OFF_FLAGS    25u
#define CKPT_ENT_OFF_RESERVED 26u /* 6 bytes, zero */

_Static_assert(CKPT_ENT_OFF_POS == CKPT_ENT_OFF_INDEX + 8, "entry");
_Static_assert(CKPT_ENT_OFF_SUM == CKPT_ENT_OFF_POS + 8, "entry");
_Static_assert(CKPT_ENT_OFF_KIND == CKPT_ENT_OFF_SUM + 8, "entry");
_Static_assert(CKPT_ENT_OFF_FLAGS == CKPT_ENT_OFF_KIND + 1, "entry");
_Static_assert(CKPT_ENT_OFF_RESERVED + 6 == CKPT_ENTRY_SIZE, "entry");

/* Entry kinds: the pool a block comes from, or a running domain. */
#define CKPT_KIND_NODEPOT 1u /* index: node pot number, < node_pool_blocks */
#define CKPT_KIND_TAGPOT  2u /* index: tag pot number, < tag_pool_blocks */
#define CKPT_KIND_PAGE    3u /* index: page OID, < page_count */
#define CKPT_KIND_THREAD  4u /* index: domain root node OID, < node_count */
#define CKPT_KIND_MAX     CKPT_KIND_THREAD

/* Header flags (version 3; docs/checkpoint.md "Committing with one FLUSH").
 * ONE_FLUSH: the header went to the device together with its generation's
 * blocks, before one FLUSH made them all durable, so a crash can leave
 * this header without them. Recovery then reads every data block the
 * generation names and checks its sum before it trusts the header; if
 * any fails (CKPT_ERR_TORN) it uses the other slot, the generation
 * before, which was durable before this one's first write. */
#define CKPT_HDR_ONE_FLUSH   0x1u
#define CKPT_HDR_FLAGS_KNOWN CKPT_HDR_ONE_FLUSH

/* Entry flags. THREAD entries carry no flag. */
#define CKPT_ENTRY_ZERO        0x01u /* the block is all zeros: no data block */
#define CKPT_ENTRY_FLAGS_KNOWN CKPT_ENTRY_ZERO

/* The block sum (docs/checkpoint.md "Block sum"). */
#define CKPT_SUM_SEED        0x243f6a8885a308d3ull
#define CKPT_SUM_MUL         0x9e3779b97f4a7c15ull
#define CKPT_SUM_ROT         23u
#define CKPT_SUM_FINAL_SHIFT 29u
#define CKPT_SUM_WORDS       (CKPT_BLOCK_SIZE / 8u)

/* A decoded header. magic is implied; version is kept so that tests can
 * encode a wrong one. */
struct ckpt_header {
	uint32_t version;              /* CKPT_FORMAT_VERSION */
	uint32_t interval_ms;          /* checkpoint period at the time, 0: off */
	uint8_t uuid[CAIRN_UUID_SIZE]; /* the volume's */
	uint64_t sequence;             /* generation number, > 0 */
	uint64_t tail;                 /* oldest log position recovery still needs */
	uint64_t gen_start;            /* first position of this generation */
	uint64_t dir_pos;              /* first position of its directory */
	uint32_t dir_blocks;           /* >= 1 */
	uint32_t flags;                /* CKPT_HDR_*; 0 in version 2 */
	uint64_t head;                 /* dir_pos + dir_blocks */
	uint64_t objects;              /* object entries in the directory */
	uint64_t threads;              /* THREAD entries in the directory */
};

/* The fixed part of a directory block. */
struct ckpt_dir_info {
	uint64_t sequence;   /* the generation's */
	uint32_t index;      /* of this block in the directory, < dir_blocks */
	uint32_t dir_blocks; /* of the whole directory */
	uint32_t count;      /* entries in this block, <= 125 */
	uint64_t gen_start;
	uint64_t prev_dir_pos; /* CKPT_NO_DIR: no previous generation kept */
	uint32_t prev_dir_blocks;
	uint64_t prev_sequence; /* 0: no previous generation */
};

/* One directory entry. pos and sum are unused (0) for ZERO and THREAD. */
struct ckpt_entry {
	uint64_t index;
	uint64_t pos;
	uint64_t sum;
	uint8_t kind;
	uint8_t flags;
};

/* Where things are. sb must have passed cairn_sb_check_geometry(). */
static inline uint64_t ckpt_ring_blocks(const struct cairn_superblock *sb)
{
	return sb->log_blocks - CKPT_HEADER_SLOTS;
}

static inline uint64_t ckpt_header_block(const struct cairn_superblock *sb, unsigned slot)
{
	return sb->log_start + slot;
}

static inline uint64_t ckpt_pos_block(const struct cairn_superblock *sb, uint64_t pos)
{
	return sb->log_start + CKPT_HEADER_SLOTS + pos % ckpt_ring_blocks(sb);
}

/* The home block of a block of an object entry's kind (NODEPOT, TAGPOT,
 * PAGE) and index; migration writes it there. */
static inline uint64_t ckpt_home_block(const struct cairn_superblock *sb, unsigned kind,
				       uint64_t index)
{
	if (kind == CKPT_KIND_NODEPOT)
		return sb->node_pool_start + index;
	if (kind == CKPT_KIND_TAGPOT)
		return sb->tag_pool_start + index;
	return sb->page_pool_start + index;
}

/* The slot a generation's header goes to. */
static inline unsigned ckpt_slot_of(uint64_t sequence)
{
	return (unsigned)(sequence % CKPT_HEADER_SLOTS);
}

/*
 * The 64-bit block sum of 4096 bytes (512 little-endian words), and in the
 * same pass whether every word is zero (*all_zero; may be NULL). block
 * needs no particular alignment.
 */
uint64_t ckpt_block_sum(const void *block, bool *all_zero);

/* Write h into a 4096-byte block: magic, every field as given (no
 * validation, so tests can build bad headers with a good CRC), zero
 * padding and the CRC32C. */
void ckpt_header_encode(const struct ckpt_header *h, void *block);

/* Copy len (<= CKPT_HDR_CONSOLE_SIZE) bytes into the console area of an
 * encoded header and recompute its CRC. The rest of the area stays zero. */
void ckpt_header_set_console(void *block, const void *console, size_t len);

/* The console area of a header block (CKPT_HDR_CONSOLE_SIZE bytes). */
static inline const uint8_t *ckpt_header_console(const void *block)
{
	return (const uint8_t *)block + CKPT_HDR_OFF_CONSOLE;
}

/*
 * Decode and validate a header slot against the volume. Checks, in order:
 * all 4096 bytes zero (EMPTY: no checkpoint in this slot), magic (MAGIC),
 * version (VERSION), CRC32C (CHECKSUM), UUID equal to sb's (UUID),
 * sequence > 0 (SEQUENCE), and the positions: dir_blocks >= 1,
 * dir_pos + dir_blocks == head without overflow, tail <= gen_start <=
 * dir_pos < head, head - tail <= ring (POSITIONS). *h is filled whenever
 * the magic matched, even on a later error; trust it only on CKPT_OK.
 * The slot number is checked by the caller (ckpt_slot_of).
 */
enum ckpt_err ckpt_header_decode(const void *block, const struct cairn_superblock *sb,
				 struct ckpt_header *h);

/* The checks of ckpt_header_decode() that come after the CRC, on a decoded
 * header: version, UUID, sequence and positions, in that order. The log
 * writer runs them on the header it is about to write. */
enum ckpt_err ckpt_header_check(const struct ckpt_header *h, const struct cairn_superblock *sb);

/* The check value of a directory block: the block sum (ckpt_block_sum())
 * of the block with its last word, where the value is stored, read as
 * zero. */
uint64_t ckpt_dir_sum(const void *block);

/* Write a directory block: d's fields, d->count entries from entries[]
 * (count may exceed 125 only to build bad blocks: at most 125 are
 * written), zero padding and ckpt_dir_sum() at CKPT_DIR_OFF_SUM. No
 * validation. */
void ckpt_dir_encode(const struct ckpt_dir_info *d, const struct ckpt_entry *entries, void *block);

/*
 * Decode and validate the fixed part of a directory block. Checks, in
 * order: magic (MAGIC), ckpt_dir_sum() (CHECKSUM), sequence > 0 (SEQUENCE),
 * count <= 125 (COUNT), dir_blocks >= 1 and index < dir_blocks (LINK),
 * and the previous link: prev_sequence < sequence (SEQUENCE); with
 * prev_dir_pos == CKPT_NO_DIR nothing else, otherwise prev_sequence > 0
 * and prev_dir_blocks >= 1 (LINK) and prev_dir_pos + prev_dir_blocks <=
 * gen_start without overflow (POSITIONS). When entries is not NULL (room
 * for 125) the entries are decoded too, each checked by
 * ckpt_entry_decode(). *d is filled whenever the magic matched.
 */
enum ckpt_err ckpt_dir_decode(const void *block, struct ckpt_dir_info *d,
			      struct ckpt_entry *entries);

/* The checks of ckpt_dir_decode() that come after the sum, on the decoded
 * fixed part (sequence, count, index, previous link), in that order. */
enum ckpt_err ckpt_dir_info_check(const struct ckpt_dir_info *d);

/* Entry i (< 125) of a directory block: encode (no validation) and
 * decode. Decode checks the kind (KIND) and the flags: no unknown bit, and
 * none at all on a THREAD entry (FLAGS). Fields the format calls unused
 * or reserved are not looked at (the block's sum covers them). */
void ckpt_entry_encode(void *block, unsigned i, const struct ckpt_entry *e);
enum ckpt_err ckpt_entry_decode(const void *block, unsigned i, struct ckpt_entry *e);

/* Decode's checks of an entry (KIND, FLAGS), on a decoded one. */
enum ckpt_err ckpt_entry_fields_check(const struct ckpt_entry *e);

/*
 * The checks of an entry that need the volume and its generation: the
 * index inside its pool (INDEX: node pots < node_pool_blocks, tag pots <
 * tag_pool_blocks, pages < page_count, threads < node_count) and, for an
 * object with data, gen_start <= pos < dir_pos (RANGE).
 */
enum ckpt_err ckpt_entry_check(const struct cairn_superblock *sb, const struct ckpt_entry *e,
			       uint64_t gen_start, uint64_t dir_pos);

/* The pool size an entry's index is checked against. 0 for a bad kind. */
uint64_t ckpt_kind_limit(const struct cairn_superblock *sb, unsigned kind);

/* "nodepot", "tagpot", "page", "thread"; "?" for anything else. */
const char *ckpt_kind_name(unsigned kind);

#endif /* CAIRN_DISK_CKPTLOG_H */
