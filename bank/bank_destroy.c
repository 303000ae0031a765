/* SPDX-License-Identifier: MIT */
/*
 * Destroying a bank with its subtree (docs/bank.md "Bookkeeping",
 * "Destroy"): bank_destroy kills the subtree at once in O(depth), and
 * bank_destroy_step reclaims it in bounded steps.
 *
 * The pending work is in the books, so a checkpoint saves it: the reclaim
 * queue of DESTROYING roots (reclaim_head .. reclaim_tail, linked through
 * reclaim_next) and, per root, the bank of its subtree being reclaimed
 * (reclaim_at). The walk is depth first, children before their parent,
 * and needs no stack: from reclaim_at it frees an object if the bank still
 * has one, else enters its first child if it has one, else finishes the
 * bank (DESTROYED, off its parent's child list) and goes up to the parent.
 * Finished children leave the child list, so "first child" is always the
 * next one to do.
 *
 * Invariants, between units of work (each unit is complete when it
 * returns, so they hold between calls too):
 *  - every bank on the path from a root to its reclaim_at is in the
 *    subtree and not yet finished; every bank of the subtree that is
 *    finished is DESTROYED, owns nothing and is on no child list;
 *  - the usage of each unfinished bank of the subtree counts exactly the
 *    objects its subtree still owns (each freed object is subtracted from
 *    its bank up to the root), and the root is on no child list, so live
 *    banks never count a dying object.
 */
#include "bank_internal.h"

enum bank_err bank_destroy(struct bank_books *b, bank_id_t bank)
{
	enum bank_err err = bank_check_alive(b, bank);
	if (err != BANK_OK)
		return err;
	if (bank == BANK_PRIME)
		return BANK_E_PRIME;
	/* Commit: off the tree, its usage off the ancestors, on the queue. */
	struct bank_rec *r = bank_rec(b, bank);
	bank_id_t parent = bank_up(b, bank);
	bank_child_unlink(b, parent, bank);
	for (uint32_t p = 0; p < BANK_POOLS; p++)
		bank_usage_add(b, parent, BANK_NONE, p, -r->usage[p]);
	r->state = BANK_DESTROYING;
	r->reclaim_at = bank;
	r->reclaim_next = BANK_NONE;
	if (b->reclaim_tail != BANK_NONE)
		bank_rec(b, b->reclaim_tail)->reclaim_next = bank;
	else
		b->reclaim_head = bank;
	b->reclaim_tail = bank;
	return BANK_OK;
}

/* Free one object that bank x (under root) still owns, if it has one. */
static bool free_one(struct bank_books *b, bank_id_t root, bank_id_t x, struct bank_object *out)
{
	struct bank_rec *r = bank_rec(b, x);
	for (uint32_t p = 0; p < BANK_POOLS; p++) {
		uint32_t off = r->head[p];
		if (off == BANK_NIL)
			continue;
		bank_list_unlink(b, r, p, off);
		bank_free_push(b, p, off);
		bank_usage_add(b, x, root, p, (uint32_t)-1);
		*out = (struct bank_object){ .pool = p, .offset = off };
		return true;
	}
	return false;
}

/* x owns nothing and has no children left: it is done. */
static void finish_bank(struct bank_books *b, bank_id_t root, bank_id_t x)
{
	struct bank_rec *rr = bank_rec(b, root);
	if (x == root) {
		b->reclaim_head = rr->reclaim_next;
		if (b->reclaim_head == BANK_NONE)
			b->reclaim_tail = BANK_NONE;
		rr->reclaim_next = rr->reclaim_at = BANK_NONE;
		rr->state = BANK_DESTROYED;
		return;
	}
	bank_id_t parent = bank_up(b, x);
	bank_child_unlink(b, parent, x);
	bank_rec(b, x)->state = BANK_DESTROYED;
	rr->reclaim_at = parent;
}

bool bank_destroy_step(struct bank_books *b, unsigned budget, struct bank_object *out,
		       unsigned *n_out)
{
	*n_out = 0;
	for (unsigned unit = 0; unit < budget && b->reclaim_head != BANK_NONE; unit++) {
		bank_id_t root = b->reclaim_head;
		struct bank_rec *rr = bank_rec(b, root);
		bank_id_t x = rr->reclaim_at;
		if (free_one(b, root, x, &out[*n_out]))
			++*n_out;
		else if (bank_rec(b, x)->first_child != BANK_NONE)
			rr->reclaim_at = bank_rec(b, x)->first_child;
		else
			finish_bank(b, root, x);
	}
	return b->reclaim_head != BANK_NONE;
}
