/* SPDX-License-Identifier: MIT */
/*
 * The audit of the books (bank.h's invariants; the bank's AUDIT order and
 * the tests after every step). It only reads, and needs no memory of its
 * own: every count it compares is recounted by walking a list.
 *
 * Why the checks below prove "each touched object is on exactly one list":
 * every list is walked with its back links checked, so none has a cycle
 * and none holds an object twice; a free-list object has owner 0 and a
 * bank-list object an owner that resolves to that bank, so no object is on
 * two lists; and the lists' lengths add up to fresh. Likewise every LIVE
 * bank but the prime is on the child list of its resolved parent exactly
 * once (each child list checks its members' parent, and the memberships
 * add up to the LIVE banks), and every DESTROYING bank is on the reclaim
 * queue, so usage can be recounted from the lists bank by bank.
 */
#include "bank_internal.h"

struct audit {
	const struct bank_books *b;
	struct bank_audit_report *report;
	uint64_t listed[BANK_POOLS]; /* objects on some list */
	uint64_t memberships;        /* banks on some child list */
	uint64_t live_children;      /* LIVE banks other than the prime */
	uint64_t destroying;         /* DESTROYING banks */
};

static enum bank_err fail(struct audit *a, const char *what, bank_id_t bank, uint32_t pool,
			  uint32_t offset, uint64_t expected, uint64_t found)
{
	if (a->report != NULL) {
		*a->report = (struct bank_audit_report){ .what = what,
							 .bank = bank,
							 .pool = pool,
							 .offset = offset,
							 .expected = expected,
							 .found = found };
	}
	return BANK_E_AUDIT;
}

static enum bank_err audit_free_list(struct audit *a, uint32_t pool)
{
	const struct bank_books *b = a->b;
	uint64_t n = 0;
	for (uint32_t off = b->free_head[pool]; off != BANK_NIL;
	     off = bank_obj(b, pool, off)->next) {
		if (off >= b->fresh[pool] || n >= b->fresh[pool])
			return fail(a, "free list leaves the touched objects", 0, pool, off,
				    b->fresh[pool], n);
		if (bank_obj(b, pool, off)->owner != BANK_NONE)
			return fail(a, "object on the free list has an owner", 0, pool, off, 0,
				    bank_obj(b, pool, off)->owner);
		n++;
	}
	if (n != b->free_count[pool])
		return fail(a, "free list length is not free_count", 0, pool, BANK_NIL,
			    b->free_count[pool], n);
	a->listed[pool] += n;
	return BANK_OK;
}

/* Walk one bank's list for pool; its length in *n. */
static enum bank_err audit_objects(struct audit *a, bank_id_t id, uint32_t pool, uint64_t *n)
{
	const struct bank_books *b = a->b;
	const struct bank_rec *r = bank_rec(b, id);
	uint32_t prev = BANK_NIL;
	*n = 0;
	for (uint32_t off = r->head[pool]; off != BANK_NIL; off = bank_obj(b, pool, off)->next) {
		const struct bank_obj *o;
		if (off >= b->fresh[pool] || *n >= b->fresh[pool])
			return fail(a, "bank's list leaves the touched objects", id, pool, off,
				    b->fresh[pool], *n);
		o = bank_obj(b, pool, off);
		if (o->owner == BANK_NONE || !bank_id_used(b, o->owner) ||
		    bank_resolve(b, o->owner) != id)
			return fail(a, "object on a bank's list is owned by another", id, pool, off,
				    id, o->owner);
		if (o->prev != prev)
			return fail(a, "object's back link is wrong", id, pool, off, prev, o->prev);
		prev = off;
		++*n;
	}
	if (r->tail[pool] != prev)
		return fail(a, "bank's list tail is wrong", id, pool, r->tail[pool], prev,
			    r->tail[pool]);
	a->listed[pool] += *n;
	return BANK_OK;
}

/* Walk one bank's child list, adding the children's usage to sum[]. */
static enum bank_err audit_children(struct audit *a, bank_id_t id, uint64_t sum[BANK_POOLS])
{
	const struct bank_books *b = a->b;
	const struct bank_rec *r = bank_rec(b, id);
	bank_id_t prev = BANK_NONE;
	uint64_t n = 0;
	for (bank_id_t c = r->first_child; c != BANK_NONE; c = bank_rec(b, c)->next_sibling) {
		if (!bank_id_used(b, c) || n >= b->next_id)
			return fail(a, "child list names no bank, or loops", id, 0, 0, 0, c);
		const struct bank_rec *cr = bank_rec(b, c);
		if (cr->state != BANK_LIVE)
			return fail(a, "child list holds a bank that is not LIVE", c, 0, 0,
				    BANK_LIVE, cr->state);
		if (bank_up(b, c) != id)
			return fail(a, "child's parent is not the list's bank", c, 0, 0, id,
				    bank_up(b, c));
		if (cr->prev_sibling != prev)
			return fail(a, "child's back link is wrong", c, 0, 0, prev,
				    cr->prev_sibling);
		for (uint32_t p = 0; p < BANK_POOLS; p++)
			sum[p] += cr->usage[p];
		prev = c;
		n++;
	}
	if (r->last_child != prev)
		return fail(a, "bank's last child is wrong", id, 0, 0, prev, r->last_child);
	a->memberships += n;
	return BANK_OK;
}

/* A bank that still counts: its lists, its children, its usage. */
static enum bank_err audit_counting_bank(struct audit *a, bank_id_t id)
{
	const struct bank_rec *r = bank_rec(a->b, id);
	uint64_t sum[BANK_POOLS] = { 0 };
	enum bank_err err = audit_children(a, id, sum);
	for (uint32_t p = 0; p < BANK_POOLS && err == BANK_OK; p++) {
		uint64_t direct;
		err = audit_objects(a, id, p, &direct);
		if (err == BANK_OK && r->usage[p] != direct + sum[p])
			err = fail(a, "usage is not its objects plus its children's usage", id, p,
				   BANK_NIL, direct + sum[p], r->usage[p]);
	}
	return err;
}

/* A tombstone owns nothing, has no children and counts nothing. */
static enum bank_err audit_tombstone(struct audit *a, bank_id_t id)
{
	const struct bank_rec *r = bank_rec(a->b, id);
	for (uint32_t p = 0; p < BANK_POOLS; p++) {
		if (r->head[p] != BANK_NIL || r->tail[p] != BANK_NIL || r->usage[p] != 0)
			return fail(a, "tombstone still owns or counts objects", id, p, r->head[p],
				    0, r->usage[p]);
	}
	if (r->first_child != BANK_NONE || r->last_child != BANK_NONE)
		return fail(a, "tombstone still has children", id, 0, 0, 0, r->first_child);
	return BANK_OK;
}

/* The fields every walk relies on. Raw parents have smaller ids, so no
 * walk up the tree can loop; checked for every bank before any walk. */
static enum bank_err audit_bank_fields(struct audit *a, bank_id_t id)
{
	const struct bank_books *b = a->b;
	const struct bank_rec *r = bank_rec(b, id);
	bank_id_t raw = r->parent;
	if (id == BANK_PRIME
		    ? raw != BANK_NONE || r->depth != 0 || r->state != BANK_LIVE
		    : raw == BANK_NONE || raw >= id || r->depth != bank_rec(b, raw)->depth + 1)
		return fail(a, "parent or depth is wrong", id, 0, 0, raw, r->depth);
	if (r->kind != BANK_TRANSPARENT && r->kind != BANK_OPAQUE)
		return fail(a, "kind is not transparent or opaque", id, 0, 0, 0, r->kind);
	if (r->state < BANK_LIVE || r->state > BANK_REMOVED)
		return fail(a, "state is not a bank state", id, 0, 0, 0, r->state);
	return BANK_OK;
}

static enum bank_err audit_bank(struct audit *a, bank_id_t id)
{
	const struct bank_rec *r = bank_rec(a->b, id);
	switch (r->state) {
	case BANK_LIVE:
		if (id != BANK_PRIME)
			a->live_children++;
		return audit_counting_bank(a, id);
	case BANK_DESTROYING:
		a->destroying++;
		return audit_counting_bank(a, id);
	default: /* DESTROYED, REMOVED (audit_bank_fields checked) */
		return audit_tombstone(a, id);
	}
}

/* Every DESTROYING root is queued once, and its walk is inside its subtree. */
static enum bank_err audit_reclaim_queue(struct audit *a)
{
	const struct bank_books *b = a->b;
	bank_id_t last = BANK_NONE;
	uint64_t n = 0;
	for (bank_id_t d = b->reclaim_head; d != BANK_NONE; d = bank_rec(b, d)->reclaim_next) {
		if (!bank_id_used(b, d) || n >= b->next_id ||
		    bank_rec(b, d)->state != BANK_DESTROYING)
			return fail(a, "reclaim queue holds a bank that is not DESTROYING", d, 0, 0,
				    BANK_DESTROYING,
				    bank_id_used(b, d) ? bank_rec(b, d)->state : 0);
		bank_id_t x = bank_rec(b, d)->reclaim_at;
		while (x != d && bank_id_used(b, x) && bank_rec(b, x)->state == BANK_LIVE)
			x = bank_up(b, x);
		if (x != d)
			return fail(a, "reclaim position is outside the destroyed subtree", d, 0, 0,
				    d, bank_rec(b, d)->reclaim_at);
		last = d;
		n++;
	}
	if (last != b->reclaim_tail)
		return fail(a, "reclaim queue tail is wrong", last, 0, 0, last, b->reclaim_tail);
	if (n != a->destroying)
		return fail(a, "DESTROYING banks missing from the reclaim queue", 0, 0, 0,
			    a->destroying, n);
	return BANK_OK;
}

enum bank_err bank_audit(const struct bank_books *b, struct bank_audit_report *report)
{
	struct audit a = { .b = b, .report = report };
	if (report != NULL)
		*report = (struct bank_audit_report){ 0 };
	if (b->next_id < BANK_PRIME + 1 || b->next_id > b->bank_capacity)
		return fail(&a, "next_id is outside the bank table", 0, 0, 0, b->bank_capacity,
			    b->next_id);
	for (bank_id_t id = BANK_PRIME; id < b->next_id; id++) {
		enum bank_err err = audit_bank_fields(&a, id);
		if (err != BANK_OK)
			return err;
	}
	for (uint32_t p = 0; p < BANK_POOLS; p++) {
		if (b->fresh[p] > b->count[p])
			return fail(&a, "fresh is past the pool", 0, p, 0, b->count[p],
				    b->fresh[p]);
		enum bank_err err = audit_free_list(&a, p);
		if (err != BANK_OK)
			return err;
	}
	for (bank_id_t id = BANK_PRIME; id < b->next_id; id++) {
		enum bank_err err = audit_bank(&a, id);
		if (err != BANK_OK)
			return err;
	}
	for (uint32_t p = 0; p < BANK_POOLS; p++) {
		if (a.listed[p] != b->fresh[p])
			return fail(&a, "touched objects on no list", 0, p, 0, b->fresh[p],
				    a.listed[p]);
	}
	if (a.memberships != a.live_children)
		return fail(&a, "LIVE banks missing from their parent's child list", 0, 0, 0,
			    a.live_children, a.memberships);
	return audit_reclaim_queue(&a);
}
