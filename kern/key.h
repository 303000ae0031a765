/* SPDX-License-Identifier: MIT */
/*
 * Keys in the kernel: validity against the objects they designate.
 *
 * A key is valid while its object's allocation count (for a resume key:
 * the domain root's call count) equals the count the key carries
 * (DESIGN.md invariant 3). An invalid key behaves exactly like a void key
 * everywhere: invocation, discrim, being sent. Checking touches the
 * object's node or tag pot, so it may fault (prepare phase only).
 */
#ifndef CAIRN_KERN_KEY_H
#define CAIRN_KERN_KEY_H

#include "key_rules.h"
#include "node.h"

/* The key's type, or CAIRN_KEY_VOID if it is invalid. Pins the object's
 * node pot or tag pot when valid. */
uint8_t key_check(const struct key *k);

/* Copy src to dst, turning an invalid key into a void one. */
void key_copy_checked(struct key *dst, const struct key *src);

static inline uint8_t key_type(const struct key *k)
{
	return cairn_key_type(k->b);
}

static inline uint64_t key_oid(const struct key *k)
{
	return cairn_key_oid(k->b);
}

static inline uint8_t key_rights(const struct key *k)
{
	return cairn_key_rights(k->b);
}

static inline uint16_t key_badge(const struct key *k)
{
	return cairn_key_badge(k->b);
}

extern const struct key key_void;

#endif
