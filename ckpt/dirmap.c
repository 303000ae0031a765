/* SPDX-License-Identifier: MIT */
/*
 * The in-memory directory map: linear probing with backward-shift
 * deletion over caller-provided slots (dirmap.h has the design and the
 * iteration guarantee).
 *
 * Invariants, for every entry x at slot s with home slot h = hash(x):
 * every slot from h up to s (cyclically) is occupied. Lookup relies on it
 * (it stops at the first free slot), insert keeps it by taking the first
 * free slot from h on, and remove keeps it by shifting later entries of the
 * cluster back into the hole whenever their home allows. count <= limit <
 * capacity, so there is always a free slot and every probe terminates.
 */
#include <string.h>

#include "dirmap.h"

/* Mix the key into 64 well-spread bits (the splitmix64 finalizer), so that
 * consecutive indices of one kind do not form one long cluster. */
static inline size_t key_hash(uint8_t kind, uint64_t index)
{
	uint64_t x = index ^ ((uint64_t)kind << 59);

	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	x ^= x >> 31;
	return (size_t)x;
}

enum ckpt_err ckpt_dirmap_init(struct ckpt_dirmap *m, struct ckpt_dirent *slots, size_t capacity)
{
	enum ckpt_err err = ckpt_dirmap_init_zeroed(m, slots, capacity);
	if (err == CKPT_OK)
		memset(m->slots, 0, capacity * sizeof(m->slots[0]));
	return err;
}

enum ckpt_err ckpt_dirmap_init_zeroed(struct ckpt_dirmap *m, struct ckpt_dirent *slots,
				      size_t capacity)
{
	m->slots = slots;
	m->mask = 0;
	m->count = 0;
	m->limit = 0;
	if (slots == NULL || capacity == 0 || (capacity & (capacity - 1)) != 0)
		return CKPT_ERR_ARGUMENT;
	m->mask = capacity - 1;
	m->limit = capacity - capacity / 8;
	if (m->limit > capacity - 1)
		m->limit = capacity - 1;
	return CKPT_OK;
}

void ckpt_dirmap_clear(struct ckpt_dirmap *m)
{
	/* Only insert fills a slot (count + 1) and only remove frees one
	 * (count - 1, no tombstones): with count 0 every slot is free. */
	if (m->slots && m->count)
		memset(m->slots, 0, (m->mask + 1) * sizeof(m->slots[0]));
	m->count = 0;
}

/* The slot holding (kind, index), or the free slot where it would go. */
static size_t find_slot(const struct ckpt_dirmap *m, uint8_t kind, uint64_t index)
{
	size_t i = key_hash(kind, index) & m->mask;

	for (;;) {
		const struct ckpt_dirent *s = &m->slots[i];

		if (s->kind == 0 || (s->kind == kind && s->index == index))
			return i;
		i = (i + 1) & m->mask;
	}
}

struct ckpt_dirent *ckpt_dirmap_lookup(const struct ckpt_dirmap *m, uint8_t kind, uint64_t index)
{
	size_t i;

	if (kind == 0 || m->slots == NULL)
		return NULL;
	i = find_slot(m, kind, index);
	return m->slots[i].kind ? &m->slots[i] : NULL;
}

struct ckpt_dirent *ckpt_dirmap_insert_if_absent(struct ckpt_dirmap *m, const struct ckpt_dirent *e,
						 bool *inserted)
{
	size_t i;

	*inserted = false;
	if (e->kind == 0 || m->slots == NULL)
		return NULL;
	i = find_slot(m, e->kind, e->index);
	if (m->slots[i].kind)
		return &m->slots[i];
	if (m->count >= m->limit)
		return NULL;
	m->slots[i] = *e;
	m->count++;
	*inserted = true;
	return &m->slots[i];
}

enum ckpt_err ckpt_dirmap_insert(struct ckpt_dirmap *m, const struct ckpt_dirent *e)
{
	bool inserted;
	struct ckpt_dirent *s;

	if (e->kind == 0)
		return CKPT_ERR_ARGUMENT;
	s = ckpt_dirmap_insert_if_absent(m, e, &inserted);
	if (s == NULL)
		return CKPT_ERR_MAP_FULL;
	if (!inserted)
		*s = *e;
	return CKPT_OK;
}

/* Is the home slot h cyclically in (hole, j]? Then the entry at j must
 * stay: moving it to hole would put it before its home. */
static inline bool home_between(size_t hole, size_t h, size_t j, size_t mask)
{
	return ((h - hole - 1) & mask) < ((j - hole) & mask);
}

bool ckpt_dirmap_remove(struct ckpt_dirmap *m, uint8_t kind, uint64_t index)
{
	size_t hole, j;

	if (kind == 0 || m->slots == NULL)
		return false;
	hole = find_slot(m, kind, index);
	if (m->slots[hole].kind == 0)
		return false;

	/* Backward shift: pull later members of the cluster into the hole. */
	j = hole;
	for (;;) {
		size_t h;

		j = (j + 1) & m->mask;
		if (m->slots[j].kind == 0)
			break;
		h = key_hash(m->slots[j].kind, m->slots[j].index) & m->mask;
		if (home_between(hole, h, j, m->mask))
			continue;
		m->slots[hole] = m->slots[j];
		hole = j;
	}
	memset(&m->slots[hole], 0, sizeof(m->slots[hole]));
	m->count--;
	return true;
}

void ckpt_dirmap_first(const struct ckpt_dirmap *m, struct ckpt_dirmap_cursor *c)
{
	size_t i = 0;

	c->pos = 0;
	c->left = 0;
	if (m->slots == NULL || m->count == 0)
		return;
	/* A free slot exists (count < capacity); start just below it. */
	while (m->slots[i].kind != 0)
		i++;
	c->pos = i;
	c->left = m->mask; /* every slot but the free one */
}

bool ckpt_dirmap_next(const struct ckpt_dirmap *m, struct ckpt_dirmap_cursor *c,
		      struct ckpt_dirent *out)
{
	while (c->left > 0) {
		c->pos = (c->pos - 1) & m->mask;
		c->left--;
		if (m->slots[c->pos].kind != 0) {
			*out = m->slots[c->pos];
			return true;
		}
	}
	return false;
}
