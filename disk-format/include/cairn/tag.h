/* SPDX-License-Identifier: MIT */
/*
 * Tag pots: the allocation counts of pages. A page is 4 KiB of data with no
 * room for a header, so its allocation count lives apart, in the tag pool:
 * each 4 KiB tag pot holds 1024 little-endian u32 counts, and page OID p
 * has its count at index p % 1024 of tag pot p / 1024. Rescinding a page
 * bumps its count, voiding every key that carries the old one. An all-zero
 * tag pot is 1024 fresh pages with count 0, so the formatter never writes
 * the tag pool.
 *
 * Freestanding: only <stdint.h> and cairn/endian.h.
 */
#ifndef CAIRN_DISK_TAG_H
#define CAIRN_DISK_TAG_H

#include <stdint.h>

#include "cairn/endian.h"

#define CAIRN_TAG_SIZE     4u
#define CAIRN_TAGS_PER_POT 1024u
#define CAIRN_TAG_POT_SIZE 4096u /* one volume block */

_Static_assert(CAIRN_TAG_POT_SIZE == CAIRN_TAG_SIZE * CAIRN_TAGS_PER_POT,
	       "1024 u32 counts fill a tag pot exactly");

static inline uint64_t cairn_tag_pot_number(uint64_t page_oid)
{
	return page_oid / CAIRN_TAGS_PER_POT;
}

static inline unsigned cairn_tag_pot_index(uint64_t page_oid)
{
	return (unsigned)(page_oid % CAIRN_TAGS_PER_POT);
}

/* Allocation count at index i (< 1024) of a tag pot. */
static inline uint32_t cairn_tag_get(const uint8_t *pot, unsigned i)
{
	return cairn_get_le32(pot + (unsigned long)i * CAIRN_TAG_SIZE);
}

static inline void cairn_tag_set(uint8_t *pot, unsigned i, uint32_t count)
{
	cairn_put_le32(pot + (unsigned long)i * CAIRN_TAG_SIZE, count);
}

#endif /* CAIRN_DISK_TAG_H */
