/* SPDX-License-Identifier: MIT */
/*
 * The 16-byte key slot: how a capability is stored in a node on disk (and,
 * byte for byte, in the node cache). Keys live only in node slots, never in
 * memory a domain can read or write, so this layout is private to the
 * kernel, the formatter and the tests (docs/design.md invariant 3).
 *
 *   byte  0      u8   type         0 = void key (see CAIRN_KEY_TYPE_VOID)
 *   byte  1      u8   rights       meaning depends on the type
 *   bytes 2..3   u16  badge        distinguishes keys to one object
 *   bytes 4..7   u32  alloc_count  the object's count when the key was made;
 *                                  a key whose count differs from the
 *                                  object's current one is void (rescinded)
 *   bytes 8..11  u32  oid          node or page OID of the designated object
 *   bytes 12..15 u32  badge_high   a start key's badge bits 16..47; 0 in
 *                                  every other key to an object
 *
 * OIDs are 32 bits (a volume has at most CAIRN_POOL_COUNT_MAX nodes and as many
 * pages: 16 TiB of pages). A start key's badge is 48 bits, so that a
 * server can name one of very many clients (the space bank names a bank,
 * and never reuses a name) in the key itself.
 * Number keys carry no object: they reuse bytes 2..15 as 14 bytes of data.
 * Console keys carry no object either: bytes 4..15 hold their label, the
 * name the kernel prints before every line written through the key.
 * An all-zero slot is a void key, which is what makes an all-zero node pot
 * a pot of freshly manufactured nodes (docs/volume-format.md, "Sparse
 * zero"). The table of key types belongs to the kernel; this file only
 * fixes where the fields are.
 *
 * Freestanding: only <stdint.h>, <stdbool.h>, <string.h>.
 */
#ifndef CAIRN_DISK_KEY_H
#define CAIRN_DISK_KEY_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "cairn/endian.h"

#define CAIRN_KEY_SIZE            16u
#define CAIRN_KEY_OFF_TYPE        0u
#define CAIRN_KEY_OFF_RIGHTS      1u
#define CAIRN_KEY_OFF_BADGE       2u
#define CAIRN_KEY_OFF_ALLOC_COUNT 4u
#define CAIRN_KEY_OFF_OID         8u
#define CAIRN_KEY_OFF_BADGE_HIGH  12u
#define CAIRN_POOL_COUNT_MAX      0xffffffffu       /* the most nodes (or pages) a volume has */
#define CAIRN_START_BADGE_MAX     0xffffffffffffull /* 48 bits */
#define CAIRN_KEY_OFF_NUMBER      2u                /* number keys: data bytes 2..15 */
#define CAIRN_KEY_NUMBER_LEN      14u

#define CAIRN_KEY_TYPE_VOID 0u

_Static_assert(CAIRN_KEY_OFF_BADGE == CAIRN_KEY_OFF_RIGHTS + 1, "badge follows rights");
_Static_assert(CAIRN_KEY_OFF_ALLOC_COUNT == CAIRN_KEY_OFF_BADGE + 2, "u16 badge");
_Static_assert(CAIRN_KEY_OFF_OID == CAIRN_KEY_OFF_ALLOC_COUNT + 4, "u32 alloc count");
_Static_assert(CAIRN_KEY_OFF_BADGE_HIGH == CAIRN_KEY_OFF_OID + 4, "u32 oid");
_Static_assert(CAIRN_KEY_OFF_BADGE_HIGH + 4 == CAIRN_KEY_SIZE, "u32 badge_high ends the slot");
_Static_assert(CAIRN_KEY_OFF_NUMBER + CAIRN_KEY_NUMBER_LEN == CAIRN_KEY_SIZE,
	       "number data runs to the end of the slot");

static inline uint8_t cairn_key_type(const uint8_t *slot)
{
	return slot[CAIRN_KEY_OFF_TYPE];
}

static inline void cairn_key_set_type(uint8_t *slot, uint8_t type)
{
	slot[CAIRN_KEY_OFF_TYPE] = type;
}

static inline uint8_t cairn_key_rights(const uint8_t *slot)
{
	return slot[CAIRN_KEY_OFF_RIGHTS];
}

static inline void cairn_key_set_rights(uint8_t *slot, uint8_t rights)
{
	slot[CAIRN_KEY_OFF_RIGHTS] = rights;
}

static inline uint16_t cairn_key_badge(const uint8_t *slot)
{
	return cairn_get_le16(slot + CAIRN_KEY_OFF_BADGE);
}

static inline void cairn_key_set_badge(uint8_t *slot, uint16_t badge)
{
	cairn_put_le16(slot + CAIRN_KEY_OFF_BADGE, badge);
}

static inline uint32_t cairn_key_alloc_count(const uint8_t *slot)
{
	return cairn_get_le32(slot + CAIRN_KEY_OFF_ALLOC_COUNT);
}

static inline void cairn_key_set_alloc_count(uint8_t *slot, uint32_t count)
{
	cairn_put_le32(slot + CAIRN_KEY_OFF_ALLOC_COUNT, count);
}

static inline uint64_t cairn_key_oid(const uint8_t *slot)
{
	return cairn_get_le32(slot + CAIRN_KEY_OFF_OID);
}

static inline void cairn_key_set_oid(uint8_t *slot, uint64_t oid)
{
	cairn_put_le32(slot + CAIRN_KEY_OFF_OID, (uint32_t)oid);
}

/* A start key's whole 48-bit badge (bytes 2..3 and 12..15). */
static inline uint64_t cairn_key_start_badge(const uint8_t *slot)
{
	return cairn_get_le16(slot + CAIRN_KEY_OFF_BADGE) |
	       (uint64_t)cairn_get_le32(slot + CAIRN_KEY_OFF_BADGE_HIGH) << 16;
}

static inline void cairn_key_set_start_badge(uint8_t *slot, uint64_t badge)
{
	cairn_put_le16(slot + CAIRN_KEY_OFF_BADGE, (uint16_t)badge);
	cairn_put_le32(slot + CAIRN_KEY_OFF_BADGE_HIGH, (uint32_t)(badge >> 16));
}

/* Number keys: copy the 14 data bytes out of / into bytes 2..15. */
static inline void cairn_key_number_get(const uint8_t *slot, uint8_t out[CAIRN_KEY_NUMBER_LEN])
{
	memcpy(out, slot + CAIRN_KEY_OFF_NUMBER, CAIRN_KEY_NUMBER_LEN);
}

static inline void cairn_key_number_set(uint8_t *slot, const uint8_t data[CAIRN_KEY_NUMBER_LEN])
{
	memcpy(slot + CAIRN_KEY_OFF_NUMBER, data, CAIRN_KEY_NUMBER_LEN);
}

/* Number keys as integers: the low 64 bits are bytes 8..15 (where a key
 * to an object keeps its OID), the high 48 bits bytes 2..7, both
 * little-endian. High bits above 48 are dropped. */
#define CAIRN_KEY_OFF_NUMBER_LOW    8u
#define CAIRN_KEY_OFF_NUMBER_HIGH   2u
#define CAIRN_KEY_NUMBER_HIGH_BYTES 6u

_Static_assert(CAIRN_KEY_OFF_NUMBER_HIGH == CAIRN_KEY_OFF_NUMBER, "high bits open the data");
_Static_assert(CAIRN_KEY_OFF_NUMBER_HIGH + CAIRN_KEY_NUMBER_HIGH_BYTES == CAIRN_KEY_OFF_NUMBER_LOW,
	       "low word follows the high bits");

static inline uint64_t cairn_key_number_low(const uint8_t *slot)
{
	return cairn_get_le64(slot + CAIRN_KEY_OFF_NUMBER_LOW);
}

static inline uint64_t cairn_key_number_high(const uint8_t *slot)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < CAIRN_KEY_NUMBER_HIGH_BYTES; i++)
		v |= (uint64_t)slot[CAIRN_KEY_OFF_NUMBER_HIGH + i] << (8 * i);
	return v;
}

/* Writes the 14 data bytes only; the caller sets the type. */
static inline void cairn_key_number_set_value(uint8_t *slot, uint64_t low, uint64_t high)
{
	cairn_put_le64(slot + CAIRN_KEY_OFF_NUMBER_LOW, low);
	for (unsigned i = 0; i < CAIRN_KEY_NUMBER_HIGH_BYTES; i++)
		slot[CAIRN_KEY_OFF_NUMBER_HIGH + i] = (uint8_t)(high >> (8 * i));
}

/*
 * Console labels: 1 to CAIRN_KEY_LABEL_MAX bytes of [a-z0-9_-] in bytes
 * 4..15 (where a key to an object keeps its count and OID), NUL-padded.
 * The label is fixed when the key is made (only cairn-format makes
 * console keys) and is part of the key, so DISCRIM COMPARE tells two
 * labels apart. CAIRN_KERNEL_LABEL is the kernel's own: no console key
 * may carry it. Bytes after the first NUL must be NUL too, so that a label
 * has exactly one encoding.
 */
#define CAIRN_KEY_OFF_LABEL 4u
#define CAIRN_KEY_LABEL_MAX 12u
#define CAIRN_KERNEL_LABEL  "cairn"

_Static_assert(CAIRN_KEY_OFF_LABEL == CAIRN_KEY_OFF_ALLOC_COUNT &&
		       CAIRN_KEY_OFF_LABEL + CAIRN_KEY_LABEL_MAX == CAIRN_KEY_SIZE,
	       "the label fills the count and OID fields");

static inline bool cairn_label_char_ok(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

/* s[0..len) is a well-formed label (it may still be the kernel's). */
static inline bool cairn_label_ok(const char *s, size_t len)
{
	if (len == 0 || len > CAIRN_KEY_LABEL_MAX)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!cairn_label_char_ok(s[i]))
			return false;
	return true;
}

static inline bool cairn_label_is_kernel(const char *s, size_t len)
{
	return len == sizeof(CAIRN_KERNEL_LABEL) - 1 && memcmp(s, CAIRN_KERNEL_LABEL, len) == 0;
}

/* Writes bytes 4..15 only; the caller sets the type and checks the label. */
static inline void cairn_key_set_label(uint8_t *slot, const char *s, size_t len)
{
	memset(slot + CAIRN_KEY_OFF_LABEL, 0, CAIRN_KEY_LABEL_MAX);
	memcpy(slot + CAIRN_KEY_OFF_LABEL, s,
	       len < CAIRN_KEY_LABEL_MAX ? len : CAIRN_KEY_LABEL_MAX);
}

/* The label's length if bytes 4..15 hold a well-formed label, else 0 (an
 * empty label, a byte outside [a-z0-9_-], a byte after the first NUL). */
static inline size_t cairn_key_label_len(const uint8_t *slot)
{
	const char *l = (const char *)slot + CAIRN_KEY_OFF_LABEL;
	size_t len = 0;
	while (len < CAIRN_KEY_LABEL_MAX && l[len] != '\0')
		len++;
	for (size_t i = len; i < CAIRN_KEY_LABEL_MAX; i++)
		if (l[i] != '\0')
			return 0;
	return cairn_label_ok(l, len) ? len : 0;
}

/* A void key is type 0; the other bytes of a void slot are meaningless
 * but cairn_key_clear() zeroes them so that pots stay sparse-friendly. */
static inline bool cairn_key_is_void(const uint8_t *slot)
{
	return slot[CAIRN_KEY_OFF_TYPE] == CAIRN_KEY_TYPE_VOID;
}

static inline void cairn_key_clear(uint8_t *slot)
{
	memset(slot, 0, CAIRN_KEY_SIZE);
}

#endif /* CAIRN_DISK_KEY_H */
