/* SPDX-License-Identifier: MIT */
/*
 * Restrictions and the badge encoding of bank keys (bank_key.h, whose
 * opening comment states the layout and the invariants). Decoding checks
 * every field, because a badge is the bank domain's only memory of what a
 * key may do: a value it cannot have written means a bug, and must not be
 * read as some other key.
 */
#include "bank_key.h"

#define BADGE_ID_SHIFT    0
#define BADGE_ID_MASK     0xffffffffull
#define BADGE_RESTR_SHIFT 32
#define BADGE_RESTR_MASK  0x7full
#define BADGE_KIND_SHIFT  39
#define BADGE_KIND_MASK   0x3ull
#define BADGE_USED_MASK   ((1ull << 41) - 1)
#define BADGE_ALL_MASK    ((1ull << BANK_BADGE_BITS) - 1)

_Static_assert(BANK_RESTRICTIONS_ALL == BADGE_RESTR_MASK, "restrictions fill their field");

enum bank_err bank_restrict_reduce(uint32_t restrictions, uint32_t more, uint32_t *out)
{
	if (more & ~BANK_RESTRICTIONS_ALL)
		return BANK_E_ARG;
	*out = restrictions | more;
	return BANK_OK;
}

enum bank_err bank_restrict_check(uint32_t restrictions, enum bank_op op)
{
	return (restrictions & BANK_MAY_NOT(op)) ? BANK_E_RESTRICTED : BANK_OK;
}

static bool key_well_formed(const struct bank_key *key)
{
	if (key->bank == BANK_NONE || key->restrictions & ~BANK_RESTRICTIONS_ALL)
		return false;
	switch (key->kind) {
	case BANK_KEY_BANK:
		return true;
	case BANK_KEY_INSPECT:
	case BANK_KEY_DESTROY:
		/* What these may do is fixed by their kind. */
		return key->restrictions == 0;
	default:
		return false;
	}
}

enum bank_err bank_badge_encode(const struct bank_key *key, uint64_t *badge)
{
	if (!key_well_formed(key))
		return BANK_E_BADGE;
	*badge = (uint64_t)key->bank << BADGE_ID_SHIFT |
		 (uint64_t)key->restrictions << BADGE_RESTR_SHIFT |
		 (uint64_t)key->kind << BADGE_KIND_SHIFT;
	return BANK_OK;
}

enum bank_err bank_badge_decode(uint64_t badge, struct bank_key *key)
{
	if (badge & ~BADGE_ALL_MASK || badge & ~BADGE_USED_MASK)
		return BANK_E_BADGE;
	struct bank_key k = {
		.bank = (bank_id_t)(badge >> BADGE_ID_SHIFT & BADGE_ID_MASK),
		.restrictions = (uint32_t)(badge >> BADGE_RESTR_SHIFT & BADGE_RESTR_MASK),
		.kind = (uint32_t)(badge >> BADGE_KIND_SHIFT & BADGE_KIND_MASK),
	};
	if (!key_well_formed(&k))
		return BANK_E_BADGE;
	*key = k;
	return BANK_OK;
}
