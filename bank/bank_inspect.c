/* SPDX-License-Identifier: MIT */
/*
 * What a transparent bank's creator sees (docs/bank.md "Bookkeeping",
 * "Inspect"): the objects of the bank and of its live sub-banks, listed a
 * page at a time, and whether one object is among them.
 *
 * A listing's position is a cursor the caller keeps (the bank domain may
 * hand it to its client and take it back), so it is checked on every call:
 * its bank must still be in the subtree, and the object it points at must
 * still belong to that bank. The walk over the subtree is depth first
 * through first_child / next_sibling and the resolved parent, so it needs
 * no stack and no memory of its own.
 */
#include "bank_internal.h"

/* True if x is `root` or a descendant of it through LIVE banks only (a
 * bank under a DESTROYING root is not in any live subtree). */
static bool in_live_subtree(const struct bank_books *b, bank_id_t root, bank_id_t x)
{
	for (; x != BANK_NONE; x = bank_up(b, x)) {
		if (bank_rec(b, x)->state != BANK_LIVE)
			return false;
		if (x == root)
			return true;
	}
	return false;
}

/* The bank after x in a depth-first walk of root's subtree, or BANK_NONE. */
static bank_id_t walk_next(const struct bank_books *b, bank_id_t root, bank_id_t x)
{
	if (bank_rec(b, x)->first_child != BANK_NONE)
		return bank_rec(b, x)->first_child;
	for (; x != root; x = bank_up(b, x)) {
		if (bank_rec(b, x)->next_sibling != BANK_NONE)
			return bank_rec(b, x)->next_sibling;
	}
	return BANK_NONE;
}

static enum bank_err check_cursor(const struct bank_books *b, bank_id_t bank,
				  const struct bank_cursor *c)
{
	if (c->pool > BANK_POOLS || !bank_id_used(b, c->bank))
		return BANK_E_ARG;
	if (!in_live_subtree(b, bank, c->bank))
		return BANK_E_STALE;
	if (c->offset == BANK_NIL)
		return BANK_OK;
	if (c->pool == BANK_POOLS || c->offset >= b->fresh[c->pool])
		return BANK_E_ARG;
	bank_id_t owner = bank_obj(b, c->pool, c->offset)->owner;
	if (owner == BANK_NONE || bank_resolve(b, owner) != c->bank)
		return BANK_E_STALE;
	return BANK_OK;
}

enum bank_err bank_list(const struct bank_books *b, bank_id_t bank, struct bank_cursor *cursor,
			struct bank_object *out, unsigned cap, unsigned *n_out)
{
	*n_out = 0;
	enum bank_err err = bank_check_alive(b, bank);
	if (err != BANK_OK || cursor->done)
		return err;
	err = check_cursor(b, bank, cursor);
	if (err != BANK_OK)
		return err;
	struct bank_cursor c = *cursor;
	for (unsigned unit = 0; unit < cap;) {
		if (c.pool == BANK_POOLS) {
			unit++;
			c.bank = walk_next(b, bank, c.bank);
			c.pool = 0;
			c.offset = BANK_NIL;
			if (c.bank == BANK_NONE) {
				c.done = true;
				break;
			}
			continue;
		}
		uint32_t off = c.offset != BANK_NIL ? c.offset : bank_rec(b, c.bank)->head[c.pool];
		if (off == BANK_NIL) {
			c.pool++;
			continue;
		}
		unit++;
		out[(*n_out)++] = (struct bank_object){ .pool = c.pool, .offset = off };
		c.offset = bank_obj(b, c.pool, off)->next;
		if (c.offset == BANK_NIL)
			c.pool++;
	}
	*cursor = c;
	return BANK_OK;
}

enum bank_err bank_owns_within(const struct bank_books *b, bank_id_t bank, struct bank_object obj)
{
	if (obj.pool >= BANK_POOLS || obj.offset >= b->count[obj.pool])
		return BANK_E_ARG;
	enum bank_err err = bank_check_alive(b, bank);
	if (err != BANK_OK)
		return err;
	if (obj.offset >= b->fresh[obj.pool])
		return BANK_E_NOT_OWNER;
	bank_id_t owner = bank_obj(b, obj.pool, obj.offset)->owner;
	if (owner == BANK_NONE || !in_live_subtree(b, bank, bank_resolve(b, owner)))
		return BANK_E_NOT_OWNER;
	return BANK_OK;
}
