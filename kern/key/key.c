/* SPDX-License-Identifier: MIT */
/*
 * Key validity; see key.h.
 */
#include "key/key.h"
#include "dev/volume.h"

const struct key key_void;

/* A range key (no object) is valid while it lies inside its pool. */
static bool range_in_pool(const struct key *k)
{
	uint64_t first = key_oid(k), n = key_count(k);
	uint64_t limit = key_badge(k) == CAIRN_RANGE_PAGES ? volume_sb.page_count
							   : volume_sb.node_count;
	return key_badge(k) <= CAIRN_RANGE_PAGES && first <= limit && n <= limit - first;
}

/* Both checks: pin_tag says whether a page key's tag pot is pinned, or
 * only read (faulting it in). */
static inline __attribute__((always_inline)) uint8_t check(const struct key *k, struct frame **pot,
							   bool pin_tag)
{
	uint8_t type = key_type(k);
	if (type >= CAIRN_KEY_TYPE_COUNT)
		return CAIRN_KEY_VOID; /* a type this kernel does not know */
	if (!key_type_has_object(type)) {
		if (type == CAIRN_KEY_RANGE && !range_in_pool(k))
			return CAIRN_KEY_VOID;
		return type;
	}
	uint64_t oid = key_oid(k);
	if (key_type_names_page(type)) {
		if (!page_oid_ok(oid))
			return CAIRN_KEY_VOID;
		if (pin_tag)
			*pot = page_tag_pin(oid);
		return key_count(k) == *page_tag_at(oid) ? type : CAIRN_KEY_VOID;
	}
	if (!node_oid_ok(oid))
		return CAIRN_KEY_VOID;
	*pot = node_pin(oid);
	const struct knode *n = node_at(oid);
	/* key_counts_match(), with the counts read as words. */
	uint32_t count = key_type_counts_calls(type) ? n->call_count : n->alloc_count;
	return key_count(k) == count ? type : CAIRN_KEY_VOID;
}

uint8_t key_check(const struct key *k)
{
	struct frame *pot;
	return check(k, &pot, true);
}

uint8_t key_check_pot(const struct key *k, struct frame **pot)
{
	return check(k, pot, false);
}

void key_copy_checked(struct key *dst, const struct key *src)
{
	if (key_type(src) == CAIRN_KEY_VOID) {
		key_set_words(dst, 0, 0); /* the common case, without key_check */
		return;
	}
	if (key_check(src) == CAIRN_KEY_VOID)
		key_set_words(dst, 0, 0); /* key_make_void, as two aligned stores */
	else
		*dst = *src;
}
