/* SPDX-License-Identifier: MIT */
/*
 * The checkpoint log's codecs: header, directory block, directory entry,
 * and the block sum of object data (docs/checkpoint.md).
 *
 * Invariants: a decoder never trusts a field before the checks that cover
 * it have passed, and every range comparison is written so that no sum
 * can overflow whatever the 64-bit fields hold: a corrupt block yields an
 * error, never a wrapped range that looks valid. Encoders write all 4096
 * bytes, so reserved bytes are zero.
 *
 * Freestanding: memcpy/memcmp/memset only.
 */
#include <string.h>

#include "cairn/crc32c.h"
#include "cairn/endian.h"
#include "cairn/ckptlog.h"

#define ERR_NAME_(name, text) [name] = #name,
#define ERR_TEXT_(name, text) [name] = text,
static const char *const err_names[] = { CKPT_ERRORS(ERR_NAME_) };
static const char *const err_texts[] = { CKPT_ERRORS(ERR_TEXT_) };
#undef ERR_NAME_
#undef ERR_TEXT_

_Static_assert(sizeof(err_names) / sizeof(err_names[0]) == CKPT_NERRORS, "names");
_Static_assert(sizeof(err_texts) / sizeof(err_texts[0]) == CKPT_NERRORS, "texts");

const char *ckpt_strerror(enum ckpt_err e)
{
	if ((unsigned)e >= CKPT_NERRORS)
		return "unknown error";
	return err_texts[e];
}

const char *ckpt_errname(enum ckpt_err e)
{
	if ((unsigned)e >= CKPT_NERRORS)
		return "CKPT_ERR_UNKNOWN";
	return err_names[e];
}

const char *ckpt_kind_name(unsigned kind)
{
	switch (kind) {
	case CKPT_KIND_NODEPOT:
		return "nodepot";
	case CKPT_KIND_TAGPOT:
		return "tagpot";
	case CKPT_KIND_PAGE:
		return "page";
	case CKPT_KIND_THREAD:
		return "thread";
	default:
		return "?";
	}
}

static inline uint64_t rotl64(uint64_t x, unsigned r)
{
	return (x << r) | (x >> (64u - r));
}

#define SUM_STEP(h, w) ((rotl64((h), CKPT_SUM_ROT) ^ (w)) * CKPT_SUM_MUL)

/*
 * An aligned u64 that may alias any object: lets the fast path read a
 * block as words without breaking strict aliasing. (-ffreestanding turns
 * memcpy into a real call, so memcpy-based loads would cost a call per
 * word in the kernel.)
 */
typedef uint64_t __attribute__((may_alias, aligned(8))) u64_alias;

static inline bool words_fast(const void *p)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return ((uintptr_t)p & 7u) == 0;
#else
	(void)p;
	return false;
#endif
}

/*
 * The sum is a serial chain (each step needs the previous h), so the loop
 * is latency bound: rotate, xor, multiply per word. The fast path
 * recognises a zero block by its sum and only then checks its words; the
 * byte-wise path ORs every word into an accumulator as it goes. The fast
 * path (an 8-aligned block on a little-endian machine: every block
 * the kernel logs) reads whole words, unrolled by 4; anything else takes
 * the byte-wise little-endian accessor. Both compute the same chain.
 */
/* The chain value (before the final mix) of a block of zeros. */
static uint64_t zero_block_chain(void)
{
	static uint64_t chain;
	static bool known;
	if (!known) {
		uint64_t h = CKPT_SUM_SEED;
		for (unsigned i = 0; i < CKPT_SUM_WORDS; i++)
			h = SUM_STEP(h, 0);
		chain = h;
		known = true;
	}
	return chain;
}

uint64_t ckpt_block_sum(const void *block, bool *all_zero)
{
	uint64_t h = CKPT_SUM_SEED;
	uint64_t any = 0;

	if (words_fast(block)) {
		const u64_alias *w = block;

		/* The zero test is not done here: an all-zero block has one
		 * known sum, so only a block with that sum is scanned again
		 * (one instruction a word less on the path every logged block
		 * takes; zero blocks are few and cost a second pass). */
		for (unsigned i = 0; i < CKPT_SUM_WORDS; i += 4) {
			h = SUM_STEP(h, w[i]);
			h = SUM_STEP(h, w[i + 1]);
			h = SUM_STEP(h, w[i + 2]);
			h = SUM_STEP(h, w[i + 3]);
		}
		if (all_zero) {
			*all_zero = false;
			if (h == zero_block_chain()) {
				for (unsigned i = 0; i < CKPT_SUM_WORDS; i++)
					any |= w[i];
				*all_zero = any == 0;
			}
		}
		return h ^ (h >> CKPT_SUM_FINAL_SHIFT);
	} else {
		const uint8_t *p = block;

		for (unsigned i = 0; i < CKPT_SUM_WORDS; i++) {
			uint64_t w = cairn_get_le64(p + 8 * i);

			any |= w;
			h = SUM_STEP(h, w);
		}
	}
	if (all_zero)
		*all_zero = any == 0;
	return h ^ (h >> CKPT_SUM_FINAL_SHIFT);
}
_Static_assert(CKPT_SUM_WORDS % 4 == 0, "unrolled by 4");

uint64_t ckpt_dir_sum(const void *block)
{
	const uint8_t *p = block;
	uint64_t h = CKPT_SUM_SEED;

	if (words_fast(block)) {
		const u64_alias *w = block;

		for (unsigned i = 0; i < CKPT_SUM_WORDS - 1; i++)
			h = SUM_STEP(h, w[i]);
	} else {
		for (unsigned i = 0; i < CKPT_SUM_WORDS - 1; i++)
			h = SUM_STEP(h, cairn_get_le64(p + 8 * i));
	}
	h = SUM_STEP(h, 0); /* the field that holds the sum */
	return h ^ (h >> CKPT_SUM_FINAL_SHIFT);
}

static bool block_is_zero(const uint8_t *b)
{
	uint64_t any = 0;

	if (words_fast(b)) {
		const u64_alias *w = (const void *)b;

		for (unsigned i = 0; i < CKPT_SUM_WORDS; i++)
			any |= w[i];
	} else {
		for (unsigned i = 0; i < CKPT_BLOCK_SIZE; i++)
			any |= b[i];
	}
	return any == 0;
}

static uint32_t block_crc(const uint8_t *b)
{
	return cairn_crc32c(0, b, CKPT_HDR_OFF_CRC);
}

void ckpt_header_encode(const struct ckpt_header *h, void *block)
{
	uint8_t *b = block;

	memset(b, 0, CKPT_BLOCK_SIZE);
	memcpy(b + CKPT_HDR_OFF_MAGIC, CKPT_HEADER_MAGIC, CKPT_MAGIC_LEN);
	cairn_put_le32(b + CKPT_HDR_OFF_VERSION, h->version);
	cairn_put_le32(b + CKPT_HDR_OFF_INTERVAL, h->interval_ms);
	memcpy(b + CKPT_HDR_OFF_UUID, h->uuid, CAIRN_UUID_SIZE);
	cairn_put_le64(b + CKPT_HDR_OFF_SEQUENCE, h->sequence);
	cairn_put_le64(b + CKPT_HDR_OFF_TAIL, h->tail);
	cairn_put_le64(b + CKPT_HDR_OFF_GEN_START, h->gen_start);
	cairn_put_le64(b + CKPT_HDR_OFF_DIR_POS, h->dir_pos);
	cairn_put_le32(b + CKPT_HDR_OFF_DIR_BLOCKS, h->dir_blocks);
	cairn_put_le32(b + CKPT_HDR_OFF_FLAGS, h->flags);
	cairn_put_le64(b + CKPT_HDR_OFF_HEAD, h->head);
	cairn_put_le64(b + CKPT_HDR_OFF_OBJECTS, h->objects);
	cairn_put_le64(b + CKPT_HDR_OFF_THREADS, h->threads);
	cairn_put_le32(b + CKPT_HDR_OFF_CRC, block_crc(b));
}

void ckpt_header_set_console(void *block, const void *console, size_t len)
{
	uint8_t *b = block;

	if (len > CKPT_HDR_CONSOLE_SIZE)
		len = CKPT_HDR_CONSOLE_SIZE;
	memcpy(b + CKPT_HDR_OFF_CONSOLE, console, len);
	cairn_put_le32(b + CKPT_HDR_OFF_CRC, block_crc(b));
}

/* The position rules of a header, each comparison overflow-free. */
static enum ckpt_err header_positions(const struct ckpt_header *h, uint64_t ring)
{
	if (h->dir_blocks == 0)
		return CKPT_ERR_POSITIONS;
	if (h->dir_pos > UINT64_MAX - h->dir_blocks || h->dir_pos + h->dir_blocks != h->head)
		return CKPT_ERR_POSITIONS;
	/* dir_blocks >= 1 and the sum above make dir_pos < head. */
	if (h->tail > h->gen_start || h->gen_start > h->dir_pos)
		return CKPT_ERR_POSITIONS;
	if (h->head - h->tail > ring)
		return CKPT_ERR_POSITIONS;
	return CKPT_OK;
}

enum ckpt_err ckpt_header_decode(const void *block, const struct cairn_superblock *sb,
				 struct ckpt_header *h)
{
	const uint8_t *b = block;

	if (block_is_zero(b))
		return CKPT_ERR_EMPTY;
	if (memcmp(b + CKPT_HDR_OFF_MAGIC, CKPT_HEADER_MAGIC, CKPT_MAGIC_LEN) != 0)
		return CKPT_ERR_MAGIC;
	h->version = cairn_get_le32(b + CKPT_HDR_OFF_VERSION);
	h->interval_ms = cairn_get_le32(b + CKPT_HDR_OFF_INTERVAL);
	memcpy(h->uuid, b + CKPT_HDR_OFF_UUID, CAIRN_UUID_SIZE);
	h->sequence = cairn_get_le64(b + CKPT_HDR_OFF_SEQUENCE);
	h->tail = cairn_get_le64(b + CKPT_HDR_OFF_TAIL);
	h->gen_start = cairn_get_le64(b + CKPT_HDR_OFF_GEN_START);
	h->dir_pos = cairn_get_le64(b + CKPT_HDR_OFF_DIR_POS);
	h->dir_blocks = cairn_get_le32(b + CKPT_HDR_OFF_DIR_BLOCKS);
	h->flags = cairn_get_le32(b + CKPT_HDR_OFF_FLAGS);
	h->head = cairn_get_le64(b + CKPT_HDR_OFF_HEAD);
	h->objects = cairn_get_le64(b + CKPT_HDR_OFF_OBJECTS);
	h->threads = cairn_get_le64(b + CKPT_HDR_OFF_THREADS);

	if (h->version < CKPT_FORMAT_VERSION_MIN || h->version > CKPT_FORMAT_VERSION)
		return CKPT_ERR_VERSION;
	if (cairn_get_le32(b + CKPT_HDR_OFF_CRC) != block_crc(b))
		return CKPT_ERR_CHECKSUM;
	return ckpt_header_check(h, sb);
}

enum ckpt_err ckpt_header_check(const struct ckpt_header *h, const struct cairn_superblock *sb)
{
	if (h->version < CKPT_FORMAT_VERSION_MIN || h->version > CKPT_FORMAT_VERSION)
		return CKPT_ERR_VERSION;
	/* Version 2 had the flags word reserved, written as zero. */
	if (h->flags & ~(h->version >= 3 ? CKPT_HDR_FLAGS_KNOWN : 0u))
		return CKPT_ERR_FLAGS;
	if (memcmp(h->uuid, sb->uuid, CAIRN_UUID_SIZE) != 0)
		return CKPT_ERR_UUID;
	if (h->sequence == 0)
		return CKPT_ERR_SEQUENCE;
	return header_positions(h, ckpt_ring_blocks(sb));
}

_Static_assert(CKPT_DIR_OFF_ENTRIES % 8 == 0 && CKPT_ENTRY_SIZE == 32 && CKPT_ENT_OFF_INDEX == 0 &&
		       CKPT_ENT_OFF_POS == 8 && CKPT_ENT_OFF_SUM == 16 && CKPT_ENT_OFF_KIND == 24 &&
		       CKPT_ENT_OFF_FLAGS == 25,
	       "an entry is four little-endian words: index, pos, sum, kind | flags << 8");

/* Entries of an 8-aligned block on a little-endian machine (every block
 * the kernel encodes or decodes) are read and written as four words: a
 * 64 MiB checkpoint has 16,387 of them, in the writer and at restart. */
void ckpt_entry_encode(void *block, unsigned i, const struct ckpt_entry *e)
{
	uint8_t *p = (uint8_t *)block + CKPT_DIR_OFF_ENTRIES + (size_t)i * CKPT_ENTRY_SIZE;

	if (words_fast(block)) {
		u64_alias *w = (void *)p;
		w[0] = e->index;
		w[1] = e->pos;
		w[2] = e->sum;
		w[3] = (uint64_t)e->kind | (uint64_t)e->flags << 8;
		return;
	}
	memset(p, 0, CKPT_ENTRY_SIZE);
	cairn_put_le64(p + CKPT_ENT_OFF_INDEX, e->index);
	cairn_put_le64(p + CKPT_ENT_OFF_POS, e->pos);
	cairn_put_le64(p + CKPT_ENT_OFF_SUM, e->sum);
	p[CKPT_ENT_OFF_KIND] = e->kind;
	p[CKPT_ENT_OFF_FLAGS] = e->flags;
}

enum ckpt_err ckpt_entry_decode(const void *block, unsigned i, struct ckpt_entry *e)
{
	const uint8_t *p =
		(const uint8_t *)block + CKPT_DIR_OFF_ENTRIES + (size_t)i * CKPT_ENTRY_SIZE;

	if (words_fast(block)) {
		const u64_alias *w = (const void *)p;
		e->index = w[0];
		e->pos = w[1];
		e->sum = w[2];
		e->kind = (uint8_t)w[3];
		e->flags = (uint8_t)(w[3] >> 8); /* bytes 26..31 (reserved) not looked at */
		return ckpt_entry_fields_check(e);
	}
	e->index = cairn_get_le64(p + CKPT_ENT_OFF_INDEX);
	e->pos = cairn_get_le64(p + CKPT_ENT_OFF_POS);
	e->sum = cairn_get_le64(p + CKPT_ENT_OFF_SUM);
	e->kind = p[CKPT_ENT_OFF_KIND];
	e->flags = p[CKPT_ENT_OFF_FLAGS];
	return ckpt_entry_fields_check(e);
}

enum ckpt_err ckpt_entry_fields_check(const struct ckpt_entry *e)
{
	if (e->kind < CKPT_KIND_NODEPOT || e->kind > CKPT_KIND_MAX)
		return CKPT_ERR_KIND;
	if (e->flags & ~CKPT_ENTRY_FLAGS_KNOWN)
		return CKPT_ERR_FLAGS;
	if (e->kind == CKPT_KIND_THREAD && e->flags != 0)
		return CKPT_ERR_FLAGS;
	return CKPT_OK;
}

void ckpt_dir_encode(const struct ckpt_dir_info *d, const struct ckpt_entry *entries, void *block)
{
	uint8_t *b = block;
	unsigned n = d->count < CKPT_DIR_ENTRIES_PER_BLOCK ? d->count : CKPT_DIR_ENTRIES_PER_BLOCK;

	memset(b, 0, CKPT_BLOCK_SIZE);
	memcpy(b + CKPT_DIR_OFF_MAGIC, CKPT_DIR_MAGIC, CKPT_MAGIC_LEN);
	cairn_put_le64(b + CKPT_DIR_OFF_SEQUENCE, d->sequence);
	cairn_put_le32(b + CKPT_DIR_OFF_INDEX, d->index);
	cairn_put_le32(b + CKPT_DIR_OFF_DIR_BLOCKS, d->dir_blocks);
	cairn_put_le32(b + CKPT_DIR_OFF_COUNT, d->count);
	cairn_put_le64(b + CKPT_DIR_OFF_GEN_START, d->gen_start);
	cairn_put_le64(b + CKPT_DIR_OFF_PREV_DIR_POS, d->prev_dir_pos);
	cairn_put_le32(b + CKPT_DIR_OFF_PREV_DIR_BLOCKS, d->prev_dir_blocks);
	cairn_put_le64(b + CKPT_DIR_OFF_PREV_SEQUENCE, d->prev_sequence);
	for (unsigned i = 0; i < n; i++)
		ckpt_entry_encode(b, i, &entries[i]);
	cairn_put_le64(b + CKPT_DIR_OFF_SUM, ckpt_dir_sum(b));
}

enum ckpt_err ckpt_dir_decode(const void *block, struct ckpt_dir_info *d,
			      struct ckpt_entry *entries)
{
	const uint8_t *b = block;

	if (memcmp(b + CKPT_DIR_OFF_MAGIC, CKPT_DIR_MAGIC, CKPT_MAGIC_LEN) != 0)
		return CKPT_ERR_MAGIC;
	d->sequence = cairn_get_le64(b + CKPT_DIR_OFF_SEQUENCE);
	d->index = cairn_get_le32(b + CKPT_DIR_OFF_INDEX);
	d->dir_blocks = cairn_get_le32(b + CKPT_DIR_OFF_DIR_BLOCKS);
	d->count = cairn_get_le32(b + CKPT_DIR_OFF_COUNT);
	d->gen_start = cairn_get_le64(b + CKPT_DIR_OFF_GEN_START);
	d->prev_dir_pos = cairn_get_le64(b + CKPT_DIR_OFF_PREV_DIR_POS);
	d->prev_dir_blocks = cairn_get_le32(b + CKPT_DIR_OFF_PREV_DIR_BLOCKS);
	d->prev_sequence = cairn_get_le64(b + CKPT_DIR_OFF_PREV_SEQUENCE);

	if (cairn_get_le64(b + CKPT_DIR_OFF_SUM) != ckpt_dir_sum(b))
		return CKPT_ERR_CHECKSUM;
	enum ckpt_err err = ckpt_dir_info_check(d);
	if (err != CKPT_OK || entries == NULL)
		return err;
	for (unsigned i = 0; i < d->count; i++) {
		err = ckpt_entry_decode(b, i, &entries[i]);
		if (err != CKPT_OK)
			return err;
	}
	return CKPT_OK;
}

enum ckpt_err ckpt_dir_info_check(const struct ckpt_dir_info *d)
{
	if (d->sequence == 0)
		return CKPT_ERR_SEQUENCE;
	if (d->count > CKPT_DIR_ENTRIES_PER_BLOCK)
		return CKPT_ERR_COUNT;
	if (d->dir_blocks == 0 || d->index >= d->dir_blocks)
		return CKPT_ERR_LINK;
	if (d->prev_sequence >= d->sequence)
		return CKPT_ERR_SEQUENCE;
	if (d->prev_dir_pos != CKPT_NO_DIR) {
		if (d->prev_sequence == 0 || d->prev_dir_blocks == 0)
			return CKPT_ERR_LINK;
		if (d->prev_dir_pos > UINT64_MAX - d->prev_dir_blocks ||
		    d->prev_dir_pos + d->prev_dir_blocks > d->gen_start)
			return CKPT_ERR_POSITIONS;
	}
	return CKPT_OK;
}

uint64_t ckpt_kind_limit(const struct cairn_superblock *sb, unsigned kind)
{
	switch (kind) {
	case CKPT_KIND_NODEPOT:
		return sb->node_pool_blocks;
	case CKPT_KIND_TAGPOT:
		return sb->tag_pool_blocks;
	case CKPT_KIND_PAGE:
		return sb->page_count;
	case CKPT_KIND_THREAD:
		return sb->node_count;
	default:
		return 0;
	}
}

enum ckpt_err ckpt_entry_check(const struct cairn_superblock *sb, const struct ckpt_entry *e,
			       uint64_t gen_start, uint64_t dir_pos)
{
	if (e->index >= ckpt_kind_limit(sb, e->kind))
		return CKPT_ERR_INDEX;
	if (e->kind == CKPT_KIND_THREAD || (e->flags & CKPT_ENTRY_ZERO))
		return CKPT_OK;
	if (e->pos < gen_start || e->pos >= dir_pos)
		return CKPT_ERR_RANGE;
	return CKPT_OK;
}
