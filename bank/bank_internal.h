/* SPDX-License-Identifier: MIT */
/*
 * The books' shared steps (bank.h states the invariants they keep): bank
 * lookup and the walk up the tree through REMOVED forwarders, and the
 * doubly linked lists of objects and of children. Each list step keeps its
 * list well formed by itself; the callers keep the counts (usage,
 * free_count) in step with the lists. For the files of bank/ only.
 */
#ifndef CAIRN_BANK_INTERNAL_H
#define CAIRN_BANK_INTERNAL_H

#include "bank.h"

static inline struct bank_rec *bank_rec(const struct bank_books *b, bank_id_t id)
{
	return &b->banks[id];
}

static inline struct bank_obj *bank_obj(const struct bank_books *b, uint32_t pool, uint32_t off)
{
	return &b->objs[pool][off];
}

/* Ids 1 .. next_id - 1 have records; anything else never named a bank. */
static inline bool bank_id_used(const struct bank_books *b, bank_id_t id)
{
	return id != BANK_NONE && id < b->next_id;
}

/* The bank that `id` stands for now: itself, or for a REMOVED bank the
 * bank it forwards to. At most depth steps (raw parents are ancestors at
 * creation and never change). */
static inline bank_id_t bank_resolve(const struct bank_books *b, bank_id_t id)
{
	while (id != BANK_NONE && bank_rec(b, id)->state == BANK_REMOVED)
		id = bank_rec(b, id)->parent;
	return id;
}

/* The resolved parent, or BANK_NONE above the prime. */
static inline bank_id_t bank_up(const struct bank_books *b, bank_id_t id)
{
	return bank_resolve(b, bank_rec(b, id)->parent);
}

/* BANK_OK if id names a bank that is LIVE with every ancestor LIVE. */
enum bank_err bank_check_alive(const struct bank_books *b, bank_id_t id);

/* Put object `off` at the head of the bank's list for `pool`. */
static inline void bank_list_push(const struct bank_books *b, struct bank_rec *bank, uint32_t pool,
				  uint32_t off)
{
	struct bank_obj *o = bank_obj(b, pool, off);
	o->prev = BANK_NIL;
	o->next = bank->head[pool];
	if (o->next != BANK_NIL)
		bank_obj(b, pool, o->next)->prev = off;
	else
		bank->tail[pool] = off;
	bank->head[pool] = off;
}

/* Take object `off` out of the bank's list for `pool`. */
static inline void bank_list_unlink(const struct bank_books *b, struct bank_rec *bank,
				    uint32_t pool, uint32_t off)
{
	struct bank_obj *o = bank_obj(b, pool, off);
	if (o->prev != BANK_NIL)
		bank_obj(b, pool, o->prev)->next = o->next;
	else
		bank->head[pool] = o->next;
	if (o->next != BANK_NIL)
		bank_obj(b, pool, o->next)->prev = o->prev;
	else
		bank->tail[pool] = o->prev;
}

/* Give object `off` back to the pool (it is on no list). */
static inline void bank_free_push(struct bank_books *b, uint32_t pool, uint32_t off)
{
	struct bank_obj *o = bank_obj(b, pool, off);
	o->owner = BANK_NONE;
	o->prev = BANK_NIL;
	o->next = b->free_head[pool];
	b->free_head[pool] = off;
	b->free_count[pool]++;
}

/* Append child to parent's child list. */
void bank_child_append(const struct bank_books *b, bank_id_t parent, bank_id_t child);

/* Take child out of its parent's child list. */
void bank_child_unlink(const struct bank_books *b, bank_id_t parent, bank_id_t child);

/* Add delta (two's complement: subtract with -n) to usage[pool] of bank
 * and every resolved ancestor up to and including `last` (BANK_NONE: to
 * the prime). */
void bank_usage_add(const struct bank_books *b, bank_id_t bank, bank_id_t last, uint32_t pool,
		    uint32_t delta);

#endif
