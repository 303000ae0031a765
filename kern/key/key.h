/* SPDX-License-Identifier: MIT */
/*
 * Keys in the kernel: validity against the objects they designate.
 *
 * A key is valid while its object's allocation count (for a resume key:
 * the domain root's call count) equals the count the key carries
 * (docs/design.md invariant 3). An invalid key behaves exactly like a void key
 * everywhere: invocation, discrim, being sent. Checking touches the
 * object's node or tag pot, so it may fault (prepare phase only).
 */
#ifndef CAIRN_KERN_KEY_H
#define CAIRN_KERN_KEY_H

#include "key/key_rules.h"
#include "mem/node.h"

/* The key's type, or CAIRN_KEY_VOID if it is invalid. Pins the object's
 * node pot or tag pot when valid. */
uint8_t key_check(const struct key *k);

/* key_check() for the address-space walk (dom/aspace.c), which pins each
 * node once: a node key's pot is pinned and its frame given in *pot, so the
 * walk need not look it up again; a page key's tag pot is read (faulting
 * it in) but not pinned, because after the check the walk uses the page,
 * never its count. *pot is unchanged for other keys. */
uint8_t key_check_pot(const struct key *k, struct frame **pot);

/* Copy src to dst, turning an invalid key into a void one. */
void key_copy_checked(struct key *dst, const struct key *src);

/*
 * The fields of a key (cairn/key.h) as the kernel reads them: a key is two
 * aligned little-endian words (node.h), word 0 = type | rights << 8 |
 * badge << 16 | count << 32 and word 1 = OID, so each field is one load.
 * cairn/key.h's byte accessors give the same values one byte at a time
 * (RISC-V compilers do not merge byte loads); the invocation path reads
 * keys on every call.
 */
_Static_assert(CAIRN_KEY_OFF_TYPE == 0 && CAIRN_KEY_OFF_RIGHTS == 1 && CAIRN_KEY_OFF_BADGE == 2 &&
		       CAIRN_KEY_OFF_ALLOC_COUNT == 4 && CAIRN_KEY_OFF_OID == 8,
	       "key words: the layout of cairn/key.h");
_Static_assert(_Alignof(struct key) == 8, "key words are aligned");

static inline uint64_t key_word(const struct key *k, unsigned i)
{
	uint64_t w;
	__builtin_memcpy(&w, (const uint8_t *)__builtin_assume_aligned(k->b, 8) + 8 * i, 8);
	return w;
}

static inline void key_set_words(struct key *k, uint64_t w0, uint64_t w1)
{
	uint8_t *b = __builtin_assume_aligned(k->b, 8);
	__builtin_memcpy(b, &w0, 8);
	__builtin_memcpy(b + 8, &w1, 8);
}

/* Word 0 of a key to an object (key_make_object's layout). */
static inline uint64_t key_word0(uint8_t type, uint8_t rights, uint16_t badge, uint32_t count)
{
	return (uint64_t)type | (uint64_t)rights << 8 | (uint64_t)badge << 16 |
	       (uint64_t)count << 32;
}

static inline uint8_t key_type(const struct key *k)
{
	return (uint8_t)key_word(k, 0);
}

static inline uint8_t key_rights(const struct key *k)
{
	return (uint8_t)(key_word(k, 0) >> 8);
}

static inline uint16_t key_badge(const struct key *k)
{
	return (uint16_t)(key_word(k, 0) >> 16);
}

/* A space key's height: the badge's low byte (key_space_height()). */
static inline unsigned key_height(const struct key *k)
{
	return key_badge(k) & 0xffu;
}

/* The allocation count (a resume key: the call count) the key carries. */
static inline uint32_t key_count(const struct key *k)
{
	return (uint32_t)(key_word(k, 0) >> 32);
}

/* The 32-bit OID (bytes 8..11; bytes 12..15 are a start key's badge bits
 * 16..47, cairn/key.h). */
static inline uint64_t key_oid(const struct key *k)
{
	return (uint32_t)key_word(k, 1);
}

/* A start key's whole 48-bit badge: what its server receives as the info
 * word. */
static inline uint64_t key_start_badge(const struct key *k)
{
	return key_badge(k) | (key_word(k, 1) >> 32) << 16;
}

extern const struct key key_void;

#endif
