/* SPDX-License-Identifier: MIT */
/*
 * The books' everyday operations: init, create, buy, sell, limits, query
 * and remove (bank.h; destroy is bank_destroy.c, listing bank_inspect.c,
 * the audit bank_audit.c). Every operation that can be refused checks
 * everything first and only then writes (prepare, then commit:
 * docs/design.md invariant 4), so a refusal leaves the books as they were. Each
 * one costs O(depth): a walk up the tree, never a walk over objects.
 */
#include <string.h>
#include "bank_internal.h"

static const char *const err_names[] = {
#define BANK_ERR_NAME(name, text) #name,
	BANK_ERRORS(BANK_ERR_NAME)
#undef BANK_ERR_NAME
};

const char *bank_err_name(enum bank_err err)
{
	if ((unsigned)err >= sizeof(err_names) / sizeof(err_names[0]))
		return "BANK_E_?";
	return err_names[err];
}

enum bank_err bank_check_alive(const struct bank_books *b, bank_id_t id)
{
	if (!bank_id_used(b, id))
		return BANK_E_NO_BANK;
	/* The bank's own state first: a REMOVED bank is dead, although it
	 * resolves to its live parent. */
	for (bank_id_t x = id; x != BANK_NONE; x = bank_up(b, x)) {
		if (bank_rec(b, x)->state != BANK_LIVE)
			return BANK_E_DEAD;
	}
	return BANK_OK;
}

void bank_child_append(const struct bank_books *b, bank_id_t parent, bank_id_t child)
{
	struct bank_rec *p = bank_rec(b, parent), *c = bank_rec(b, child);
	c->prev_sibling = p->last_child;
	c->next_sibling = BANK_NONE;
	if (p->last_child != BANK_NONE)
		bank_rec(b, p->last_child)->next_sibling = child;
	else
		p->first_child = child;
	p->last_child = child;
}

void bank_child_unlink(const struct bank_books *b, bank_id_t parent, bank_id_t child)
{
	struct bank_rec *p = bank_rec(b, parent), *c = bank_rec(b, child);
	if (c->prev_sibling != BANK_NONE)
		bank_rec(b, c->prev_sibling)->next_sibling = c->next_sibling;
	else
		p->first_child = c->next_sibling;
	if (c->next_sibling != BANK_NONE)
		bank_rec(b, c->next_sibling)->prev_sibling = c->prev_sibling;
	else
		p->last_child = c->prev_sibling;
	c->prev_sibling = c->next_sibling = BANK_NONE;
}

void bank_usage_add(const struct bank_books *b, bank_id_t bank, bank_id_t last, uint32_t pool,
		    uint32_t delta)
{
	for (bank_id_t x = bank; x != BANK_NONE; x = bank_up(b, x)) {
		bank_rec(b, x)->usage[pool] += delta;
		if (x == last)
			break;
	}
}

static void rec_init(struct bank_rec *r, bank_id_t parent, enum bank_kind kind, uint8_t depth)
{
	memset(r, 0, sizeof(*r));
	for (uint32_t p = 0; p < BANK_POOLS; p++) {
		r->limit[p] = BANK_UNLIMITED;
		r->head[p] = r->tail[p] = BANK_NIL;
	}
	r->parent = parent;
	r->state = BANK_LIVE;
	r->kind = kind;
	r->depth = depth;
}

enum bank_err bank_books_init(struct bank_books *b, const struct bank_books_config *cfg)
{
	if (cfg->ensure == NULL || cfg->banks == NULL || cfg->bank_capacity < 2)
		return BANK_E_ARG;
	for (uint32_t p = 0; p < BANK_POOLS; p++) {
		if (cfg->count[p] == BANK_NIL || (cfg->count[p] != 0 && cfg->objs[p] == NULL))
			return BANK_E_ARG;
	}
	memset(b, 0, sizeof(*b));
	for (uint32_t p = 0; p < BANK_POOLS; p++) {
		b->objs[p] = cfg->objs[p];
		b->count[p] = cfg->count[p];
		b->free_head[p] = BANK_NIL;
	}
	b->banks = cfg->banks;
	b->bank_capacity = cfg->bank_capacity;
	b->ensure = cfg->ensure;
	b->ensure_ctx = cfg->ensure_ctx;
	if (!b->ensure(b->ensure_ctx, &b->banks[BANK_PRIME], sizeof(struct bank_rec)))
		return BANK_E_BOOKS;
	rec_init(&b->banks[BANK_PRIME], BANK_NONE, BANK_TRANSPARENT, 0);
	b->next_id = BANK_PRIME + 1;
	return BANK_OK;
}

enum bank_err bank_lookup(const struct bank_books *b, bank_id_t bank, enum bank_kind *kind)
{
	enum bank_err err = bank_check_alive(b, bank);
	if (err == BANK_OK && kind != NULL)
		*kind = (enum bank_kind)bank_rec(b, bank)->kind;
	return err;
}

enum bank_err bank_create(struct bank_books *b, bank_id_t parent, enum bank_kind kind,
			  bank_id_t *child)
{
	if (kind != BANK_TRANSPARENT && kind != BANK_OPAQUE)
		return BANK_E_ARG;
	enum bank_err err = bank_check_alive(b, parent);
	if (err != BANK_OK)
		return err;
	unsigned depth = bank_rec(b, parent)->depth + 1u;
	if (depth > BANK_MAX_DEPTH)
		return BANK_E_DEPTH;
	if (b->next_id >= b->bank_capacity)
		return BANK_E_BANKS;
	bank_id_t id = b->next_id;
	if (!b->ensure(b->ensure_ctx, &b->banks[id], sizeof(struct bank_rec)))
		return BANK_E_BOOKS;
	/* Commit. */
	rec_init(bank_rec(b, id), parent, kind, (uint8_t)depth);
	bank_child_append(b, parent, id);
	b->next_id = id + 1;
	*child = id;
	return BANK_OK;
}

/* One walk up from a bank: every bank on the way must be LIVE (else
 * BANK_E_DEAD, which wins), and none may have usage + need over its limit
 * (else BANK_E_LIMIT naming the lowest such bank). */
static enum bank_err check_path(const struct bank_books *b, bank_id_t bank,
				const uint32_t need[BANK_POOLS], struct bank_refusal *why)
{
	enum bank_err err = BANK_OK;
	for (bank_id_t x = bank; x != BANK_NONE; x = bank_up(b, x)) {
		const struct bank_rec *r = bank_rec(b, x);
		if (r->state != BANK_LIVE)
			return BANK_E_DEAD;
		for (uint32_t p = 0; p < BANK_POOLS && err == BANK_OK; p++) {
			if (need[p] != 0 && (uint64_t)r->usage[p] + need[p] > r->limit[p]) {
				err = BANK_E_LIMIT;
				if (why != NULL)
					*why = (struct bank_refusal){ .bank = x, .pool = p };
			}
		}
	}
	return err;
}

/* Enough objects in each pool, and the records of the fresh ones about to
 * be handed out ensured. Touches nothing in the books. */
static enum bank_err check_pools(struct bank_books *b, const uint32_t need[BANK_POOLS],
				 struct bank_refusal *why)
{
	for (uint32_t p = 0; p < BANK_POOLS; p++) {
		if (need[p] > bank_pool_left(b, p)) {
			if (why != NULL)
				*why = (struct bank_refusal){ .bank = BANK_NONE, .pool = p };
			return BANK_E_EXHAUSTED;
		}
	}
	for (uint32_t p = 0; p < BANK_POOLS; p++) {
		uint32_t fresh = need[p] > b->free_count[p] ? need[p] - b->free_count[p] : 0;
		for (uint32_t i = 0; i < fresh; i++) {
			if (!b->ensure(b->ensure_ctx, bank_obj(b, p, b->fresh[p] + i),
				       sizeof(struct bank_obj)))
				return BANK_E_BOOKS;
		}
	}
	return BANK_OK;
}

/* A sold object if there is one (reuse first), else the next fresh one. */
static uint32_t take_object(struct bank_books *b, uint32_t pool)
{
	uint32_t off = b->free_head[pool];
	if (off != BANK_NIL) {
		b->free_head[pool] = bank_obj(b, pool, off)->next;
		b->free_count[pool]--;
		return off;
	}
	return b->fresh[pool]++;
}

/* bank_buy of one object of `pool` (a valid pool; bank a used id): the
 * same checks in the same order, with the same results and refusals, and
 * the same commit, without the per-pool counts of a batch (the common
 * buy: about half the instructions). */
static enum bank_err buy_one(struct bank_books *b, bank_id_t bank, uint32_t pool, uint32_t *offset,
			     struct bank_refusal *why)
{
	enum bank_err err = BANK_OK;
	for (bank_id_t x = bank; x != BANK_NONE; x = bank_up(b, x)) { /* check_path's walk */
		const struct bank_rec *r = bank_rec(b, x);
		if (r->state != BANK_LIVE)
			return BANK_E_DEAD;
		if (err == BANK_OK && (uint64_t)r->usage[pool] + 1 > r->limit[pool]) {
			err = BANK_E_LIMIT;
			if (why != NULL)
				*why = (struct bank_refusal){ .bank = x, .pool = pool };
		}
	}
	if (err != BANK_OK)
		return err;
	if (bank_pool_left(b, pool) == 0) { /* check_pools' */
		if (why != NULL)
			*why = (struct bank_refusal){ .bank = BANK_NONE, .pool = pool };
		return BANK_E_EXHAUSTED;
	}
	if (b->free_count[pool] == 0 &&
	    !b->ensure(b->ensure_ctx, bank_obj(b, pool, b->fresh[pool]), sizeof(struct bank_obj)))
		return BANK_E_BOOKS;
	/* Commit: nothing below can fail. */
	uint32_t off = take_object(b, pool);
	bank_obj(b, pool, off)->owner = bank;
	bank_list_push(b, bank_rec(b, bank), pool, off);
	bank_usage_add(b, bank, BANK_NONE, pool, 1);
	*offset = off;
	return BANK_OK;
}

enum bank_err bank_buy(struct bank_books *b, bank_id_t bank, const uint32_t *pools, unsigned n,
		       uint32_t *offsets, struct bank_refusal *why)
{
	uint32_t need[BANK_POOLS] = { 0 };
	if (n == 0 || n > BANK_MAX_BATCH)
		return BANK_E_ARG;
	if (n == 1 && pools[0] < BANK_POOLS && bank_id_used(b, bank))
		return buy_one(b, bank, pools[0], offsets, why);
	for (unsigned i = 0; i < n; i++) {
		if (pools[i] >= BANK_POOLS)
			return BANK_E_ARG;
		need[pools[i]]++;
	}
	if (!bank_id_used(b, bank))
		return BANK_E_NO_BANK;
	enum bank_err err = check_path(b, bank, need, why);
	if (err == BANK_OK)
		err = check_pools(b, need, why);
	if (err != BANK_OK)
		return err;
	/* Commit: nothing below can fail. */
	struct bank_rec *r = bank_rec(b, bank);
	for (unsigned i = 0; i < n; i++) {
		uint32_t off = take_object(b, pools[i]);
		bank_obj(b, pools[i], off)->owner = bank;
		bank_list_push(b, r, pools[i], off);
		offsets[i] = off;
	}
	for (uint32_t p = 0; p < BANK_POOLS; p++) {
		if (need[p] != 0)
			bank_usage_add(b, bank, BANK_NONE, p, need[p]);
	}
	return BANK_OK;
}

/* BANK_OK if obj is on `bank`'s own list (its owner resolves to bank). */
static enum bank_err check_owned(const struct bank_books *b, bank_id_t bank, struct bank_object obj)
{
	if (obj.offset >= b->fresh[obj.pool])
		return BANK_E_NOT_OWNER;
	bank_id_t owner = bank_obj(b, obj.pool, obj.offset)->owner;
	if (owner == BANK_NONE || bank_resolve(b, owner) != bank)
		return BANK_E_NOT_OWNER;
	return BANK_OK;
}

enum bank_err bank_sell_check(const struct bank_books *b, bank_id_t bank,
			      const struct bank_object *objs, unsigned n)
{
	if (n == 0 || n > BANK_MAX_BATCH)
		return BANK_E_ARG;
	for (unsigned i = 0; i < n; i++) {
		if (objs[i].pool >= BANK_POOLS || objs[i].offset >= b->count[objs[i].pool])
			return BANK_E_ARG;
	}
	enum bank_err err = bank_check_alive(b, bank);
	if (err != BANK_OK)
		return err;
	for (unsigned i = 0; i < n; i++) {
		for (unsigned j = 0; j < i; j++) {
			if (objs[i].pool == objs[j].pool && objs[i].offset == objs[j].offset)
				return BANK_E_DUPLICATE;
		}
		err = check_owned(b, bank, objs[i]);
		if (err != BANK_OK)
			return err;
	}
	return BANK_OK;
}

void bank_sell_commit(struct bank_books *b, bank_id_t bank, const struct bank_object *objs,
		      unsigned n)
{
	struct bank_rec *r = bank_rec(b, bank);
	uint32_t sold[BANK_POOLS] = { 0 };
	for (unsigned i = 0; i < n; i++) {
		bank_list_unlink(b, r, objs[i].pool, objs[i].offset);
		bank_free_push(b, objs[i].pool, objs[i].offset);
		sold[objs[i].pool]++;
	}
	for (uint32_t p = 0; p < BANK_POOLS; p++) {
		if (sold[p] != 0)
			bank_usage_add(b, bank, BANK_NONE, p, -sold[p]);
	}
}

enum bank_err bank_sell(struct bank_books *b, bank_id_t bank, const struct bank_object *objs,
			unsigned n)
{
	enum bank_err err = bank_sell_check(b, bank, objs, n);
	if (err == BANK_OK)
		bank_sell_commit(b, bank, objs, n);
	return err;
}

enum bank_err bank_sell_one_check(const struct bank_books *b, bank_id_t bank,
				  struct bank_object obj)
{
	if (obj.pool >= BANK_POOLS || obj.offset >= b->count[obj.pool])
		return BANK_E_ARG;
	enum bank_err err = bank_check_alive(b, bank);
	return err != BANK_OK ? err : check_owned(b, bank, obj);
}

void bank_sell_one_commit(struct bank_books *b, bank_id_t bank, struct bank_object obj)
{
	bank_list_unlink(b, bank_rec(b, bank), obj.pool, obj.offset);
	bank_free_push(b, obj.pool, obj.offset);
	bank_usage_add(b, bank, BANK_NONE, obj.pool, (uint32_t)-1);
}

enum bank_err bank_set_limit(struct bank_books *b, bank_id_t bank, uint32_t pool, uint64_t limit)
{
	if (pool >= BANK_POOLS)
		return BANK_E_ARG;
	enum bank_err err = bank_check_alive(b, bank);
	if (err != BANK_OK)
		return err;
	bank_rec(b, bank)->limit[pool] = limit;
	return BANK_OK;
}

enum bank_err bank_query(const struct bank_books *b, bank_id_t bank, struct bank_info *info)
{
	enum bank_err err = bank_check_alive(b, bank);
	if (err != BANK_OK)
		return err;
	const struct bank_rec *r = bank_rec(b, bank);
	info->parent = bank_up(b, bank);
	info->kind = r->kind;
	info->depth = r->depth;
	for (uint32_t p = 0; p < BANK_POOLS; p++) {
		info->limit[p] = r->limit[p];
		info->usage[p] = r->usage[p];
		info->available[p] = BANK_UNLIMITED;
	}
	for (bank_id_t x = bank; x != BANK_NONE; x = bank_up(b, x)) {
		const struct bank_rec *a = bank_rec(b, x);
		for (uint32_t p = 0; p < BANK_POOLS; p++) {
			uint64_t left = a->limit[p] > a->usage[p] ? a->limit[p] - a->usage[p] : 0;
			if (left < info->available[p])
				info->available[p] = left;
		}
	}
	return BANK_OK;
}

uint32_t bank_pool_left(const struct bank_books *b, uint32_t pool)
{
	return b->free_count[pool] + (b->count[pool] - b->fresh[pool]);
}

/* Append the `from` bank's list for pool to the `to` bank's, in O(1). */
static void splice_objects(const struct bank_books *b, struct bank_rec *to, struct bank_rec *from,
			   uint32_t pool)
{
	if (from->head[pool] == BANK_NIL)
		return;
	if (to->tail[pool] != BANK_NIL) {
		bank_obj(b, pool, to->tail[pool])->next = from->head[pool];
		bank_obj(b, pool, from->head[pool])->prev = to->tail[pool];
	} else {
		to->head[pool] = from->head[pool];
	}
	to->tail[pool] = from->tail[pool];
	from->head[pool] = from->tail[pool] = BANK_NIL;
}

/* Append the `from` bank's children to the `to` bank's, in O(1). Their
 * raw parent stays `from`, which forwards to `to` once REMOVED. */
static void splice_children(const struct bank_books *b, struct bank_rec *to, struct bank_rec *from)
{
	if (from->first_child == BANK_NONE)
		return;
	if (to->last_child != BANK_NONE) {
		bank_rec(b, to->last_child)->next_sibling = from->first_child;
		bank_rec(b, from->first_child)->prev_sibling = to->last_child;
	} else {
		to->first_child = from->first_child;
	}
	to->last_child = from->last_child;
	from->first_child = from->last_child = BANK_NONE;
}

enum bank_err bank_remove(struct bank_books *b, bank_id_t bank)
{
	enum bank_err err = bank_check_alive(b, bank);
	if (err != BANK_OK)
		return err;
	if (bank == BANK_PRIME)
		return BANK_E_PRIME;
	/* Commit. The parent's usage already counts everything moved. */
	bank_id_t parent = bank_up(b, bank);
	struct bank_rec *r = bank_rec(b, bank), *p = bank_rec(b, parent);
	bank_child_unlink(b, parent, bank);
	for (uint32_t pool = 0; pool < BANK_POOLS; pool++) {
		splice_objects(b, p, r, pool);
		r->usage[pool] = 0; /* a tombstone counts nothing */
	}
	splice_children(b, p, r);
	r->state = BANK_REMOVED;
	return BANK_OK;
}
