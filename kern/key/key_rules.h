/* SPDX-License-Identifier: MIT */
/*
 * The rules about keys that need no object: how keys are made, weakened,
 * compared and what their rights allow. Pure functions on the 16-byte slot
 * format (cairn/key.h), compiled into the kernel and natively into the
 * host tests. Whether a key is still valid (its object's allocation or
 * call count) is the kernel's business: key.c.
 */
#ifndef CAIRN_KERN_KEY_RULES_H
#define CAIRN_KERN_KEY_RULES_H

#include <stdint.h>
#include <stdbool.h>
#include <cairn/key.h>
#include <cairn/keytab.h>

/*
 * The object column of CAIRN_KEY_TYPES, as tests of a type against
 * constant masks (cairn_keytab_object_mask): a shift and a test each, on
 * the invocation path. A type the table does not have has no object.
 */
static inline bool key_type_in(uint8_t type, uint64_t types)
{
	return type < 64 && (types >> type & 1);
}

/* Key types that designate a node or page and carry its allocation (or,
 * for resume keys, call) count. */
static inline bool key_type_has_object(uint8_t type)
{
	uint64_t known = (1ull << CAIRN_KEY_TYPE_COUNT) - 1;
	return key_type_in(type, known & ~cairn_keytab_object_mask(CAIRN_OBJECT_NONE));
}

/* Key types that designate a page. */
static inline bool key_type_names_page(uint8_t type)
{
	return key_type_in(type, cairn_keytab_object_mask(CAIRN_OBJECT_PAGE));
}

/* Key types that designate a node (node, space, domain, start, resume). */
static inline bool key_type_names_node(uint8_t type)
{
	return key_type_in(type, cairn_keytab_object_mask(CAIRN_OBJECT_NODE) |
					 cairn_keytab_object_mask(CAIRN_OBJECT_NODE_CALL));
}

/* Key types whose keys carry their object's call count, not its allocation
 * count (resume keys). */
static inline bool key_type_counts_calls(uint8_t type)
{
	return key_type_in(type, cairn_keytab_object_mask(CAIRN_OBJECT_NODE_CALL));
}

void key_make_void(uint8_t *slot);
void key_make_object(uint8_t *slot, uint8_t type, uint64_t oid, uint32_t count, uint8_t rights,
		     uint16_t badge);
void key_make_number(uint8_t *slot, uint64_t lo, uint64_t hi48);
uint64_t key_number_lo(const uint8_t *slot);
uint64_t key_number_hi(const uint8_t *slot);
/* Keys with no object (console, sleep, discrim, checkpoint). */
void key_make_service(uint8_t *slot, uint8_t type);
/* Console keys: the label (cairn/key.h) is s[0..len), at most
 * CAIRN_KEY_LABEL_MAX bytes; the caller checks it (cairn_label_ok). */
void key_make_console(uint8_t *slot, const char *label, size_t len);
/* The length of the label a console key writes under, or 0 if the key may
 * not write at all: its label is empty, malformed or the kernel's. */
size_t key_console_label(const uint8_t *slot);
/* Range keys: the first OID, the count and the kind (CAIRN_RANGE_*). */
void key_make_range(uint8_t *slot, uint64_t first, uint32_t count, uint8_t kind);

/* What a key fetched through a WEAK node or space key becomes (the KeyKOS
 * "sense" rule, the weak column of CAIRN_KEY_TYPES): data keys stay as
 * they are, page keys become read-only, node and space keys read-only and
 * weak, every other key void. */
void key_weaken_fetched(uint8_t *slot);

/* Add restrictions to a key; rights can only ever be added. */
void key_restrict(uint8_t *slot, uint8_t rights);

/* Both keys designate the same thing with the same rights (for console
 * keys: the same label). (Validity is checked by the caller.) */
bool key_same(const uint8_t *a, const uint8_t *b);

/* May this key be used to modify its object? */
bool key_allows_write(const uint8_t *slot);

/* Is a key to an object still valid, given the counts its object has
 * now? Node keys compare the node's allocation count; resume keys the
 * call count (so they die when the domain is resumed, and on rescind);
 * page keys the page's tag. Keys without an object are always valid. */
bool key_counts_match(const uint8_t *slot, uint32_t alloc_count, uint32_t call_count);

/* Rescind a node in place (528 bytes, cairn/node.h): every key to it and
 * every resume key to the domain it roots become void, its slots void. */
void node_rescind_bytes(uint8_t *node);
/* A domain is resumed: every resume key to it dies. */
void node_consume_resume_bytes(uint8_t *node);

/* Heights of space keys live in the low byte of the badge. */
unsigned key_space_height(const uint8_t *slot);

#endif
