/* SPDX-License-Identifier: MIT */
/*
 * The model of a write stream (model.h): its header writes, the generation
 * each one commits, and the content every checkpoint must have.
 *
 * Invariants: m->hdr is in log order (BASE's headers first), so a
 * generation's `prev` always indexes an earlier element; every
 * model_obj.ix and every interest position in the index map is below
 * ninterest; the cache holds the sums of checkpoint `cached` only.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "recover.h"

bool model_is_data(const struct dmlog_entry *e)
{
	return e->nr_sectors > 0 && !(e->flags & (DMLOG_FLUSH | DMLOG_MARK));
}

uint64_t model_data_off(const struct dmlog_entry *e)
{
	return (e->flags & DMLOG_DISCARD) ? OVL_ZERO : e->data_off;
}

bool model_block_key(const struct cairn_superblock *sb, uint64_t block, struct model_key *k)
{
	if (block >= sb->node_pool_start && block - sb->node_pool_start < sb->node_pool_blocks)
		*k = (struct model_key){ CKPT_KIND_NODEPOT, block - sb->node_pool_start };
	else if (block >= sb->tag_pool_start && block - sb->tag_pool_start < sb->tag_pool_blocks)
		*k = (struct model_key){ CKPT_KIND_TAGPOT, block - sb->tag_pool_start };
	else if (block >= sb->page_pool_start && block - sb->page_pool_start < sb->page_pool_blocks)
		*k = (struct model_key){ CKPT_KIND_PAGE, block - sb->page_pool_start };
	else
		return false;
	return true;
}

uint64_t model_home_block(const struct cairn_superblock *sb, const struct model_key *k)
{
	switch (k->kind) {
	case CKPT_KIND_NODEPOT:
		return sb->node_pool_start + k->index;
	case CKPT_KIND_TAGPOT:
		return sb->tag_pool_start + k->index;
	default:
		return sb->page_pool_start + k->index;
	}
}

/* --- the blocks of interest ------------------------------------------------ */

static int index_grow(struct model *m)
{
	size_t cap = m->index_slots ? ckpt_dirmap_capacity(&m->index) * 2 : 1024;
	struct ckpt_dirent *slots = calloc(cap, sizeof(*slots));

	if (!slots)
		return -1;
	free(m->index_slots);
	m->index_slots = slots;
	ckpt_dirmap_init(&m->index, slots, cap);
	for (size_t i = 0; i < m->ninterest; i++) {
		struct ckpt_dirent e = { .kind = m->interest[i].kind,
					 .index = m->interest[i].index,
					 .pos = i };

		if (ckpt_dirmap_insert(&m->index, &e) != CKPT_OK)
			return -1;
	}
	return 0;
}

/* The interest position of k, added if new; -1 when out of memory. */
static long interest_of(struct model *m, const struct model_key *k)
{
	struct ckpt_dirent *e = m->index_slots ? ckpt_dirmap_lookup(&m->index, k->kind, k->index)
					       : NULL;
	struct ckpt_dirent ne = { .kind = k->kind, .index = k->index, .pos = m->ninterest };

	if (e)
		return (long)e->pos;
	if (m->ninterest % 64 == 0) {
		struct model_key *ni = realloc(m->interest, (m->ninterest + 64) * sizeof(*ni));

		if (!ni)
			return -1;
		m->interest = ni;
	}
	m->interest[m->ninterest++] = *k;
	if (!m->index_slots || ckpt_dirmap_count(&m->index) + 1 >= ckpt_dirmap_limit(&m->index)) {
		if (index_grow(m) != 0)
			return -1;
		return (long)(m->ninterest - 1);
	}
	if (ckpt_dirmap_insert(&m->index, &ne) != CKPT_OK)
		return -1;
	return (long)(m->ninterest - 1);
}

/* --- header writes and their generations ------------------------------------ */

static struct model_hdr *add_hdr(struct model *m, size_t entry, unsigned slot,
				 const struct ckpt_header *h, const uint8_t *block)
{
	struct model_hdr *nh = realloc(m->hdr, (m->nhdr + 1) * sizeof(*nh)), *x;

	if (!nh)
		return NULL;
	m->hdr = nh;
	x = &m->hdr[m->nhdr];
	memset(x, 0, sizeof(*x));
	x->block = malloc(CKPT_BLOCK_SIZE);
	if (!x->block)
		return NULL;
	memcpy(x->block, block, CKPT_BLOCK_SIZE);
	x->entry = entry;
	x->slot = slot;
	x->h = *h;
	x->prev = MODEL_NONE;
	m->nhdr++;
	return x;
}

static int push_obj(struct model_hdr *x, uint32_t ix, uint64_t sum)
{
	if (x->nobjs % 64 == 0) {
		struct model_obj *no = realloc(x->objs, (x->nobjs + 64) * sizeof(*no));

		if (!no)
			return -1;
		x->objs = no;
	}
	x->objs[x->nobjs++] = (struct model_obj){ ix, sum };
	return 0;
}

/* Read the directory header x names, as the stream has it right now, and
 * link x to its previous generation. -1 only when out of memory; a bad
 * directory clears gen_ok with the reason. */
static int read_generation(struct model *m, struct overlay *o, struct model_hdr *x)
{
	uint8_t buf[CKPT_BLOCK_SIZE] __attribute__((aligned(8)));
	struct ckpt_entry ents[CKPT_DIR_ENTRIES_PER_BLOCK];
	struct ckpt_dir_info d, first = { 0 };
	const struct ckpt_header *h = &x->h;

	x->gen_ok = false;
	for (uint32_t b = 0; b < h->dir_blocks; b++) {
		enum ckpt_err err;

		if (overlay_read(o, ckpt_pos_block(m->sb, h->dir_pos + b), buf) != 0) {
			snprintf(x->why, sizeof(x->why), "directory block %" PRIu32 " unreadable",
				 b);
			return 0;
		}
		err = ckpt_dir_decode(buf, &d, ents);
		if (err == CKPT_OK &&
		    (d.sequence != h->sequence || d.index != b || d.dir_blocks != h->dir_blocks ||
		     d.gen_start != h->gen_start))
			err = CKPT_ERR_LINK;
		if (err != CKPT_OK) {
			snprintf(x->why, sizeof(x->why),
				 "when its header was written, directory block %" PRIu32 " was %s",
				 b, ckpt_errname(err));
			return 0;
		}
		if (b == 0)
			first = d;
		for (unsigned i = 0; i < d.count; i++) {
			struct model_key k = { ents[i].kind, ents[i].index };
			long ix;

			if (ents[i].kind == CKPT_KIND_THREAD)
				continue;
			if (ckpt_entry_check(m->sb, &ents[i], h->gen_start, h->dir_pos) !=
			    CKPT_OK) {
				snprintf(x->why, sizeof(x->why),
					 "entry %s %" PRIu64 " out of range",
					 ckpt_kind_name(ents[i].kind), ents[i].index);
				return 0;
			}
			ix = interest_of(m, &k);
			if (ix < 0 ||
			    push_obj(x, (uint32_t)ix,
				     (ents[i].flags & CKPT_ENTRY_ZERO) ? m->zero_sum
								       : ents[i].sum) != 0)
				return -1;
		}
	}

	/* The previous generation: the newest header write of that sequence
	 * before this one, or BASE's state. */
	x->prev = MODEL_NONE;
	if (first.prev_sequence == 0) {
		if (m->base_seq != 0) {
			snprintf(x->why, sizeof(x->why),
				 "starts a new chain over BASE's checkpoint %" PRIu64, m->base_seq);
			return 0;
		}
	} else {
		size_t k = (size_t)(x - m->hdr);

		while (k-- > 0)
			if (m->hdr[k].h.sequence == first.prev_sequence)
				break;
		if (k == SIZE_MAX) {
			snprintf(x->why, sizeof(x->why),
				 "previous generation %" PRIu64 " never written",
				 first.prev_sequence);
			return 0;
		}
		x->prev = k;
	}
	x->gen_ok = true;
	return 0;
}

/* After entry i changed the slots: note every valid header now in one. */
static int note_headers(struct model *m, struct overlay *o, size_t i, const bool touched[2])
{
	uint8_t buf[CKPT_BLOCK_SIZE] __attribute__((aligned(8)));

	for (unsigned s = 0; s < CKPT_HEADER_SLOTS; s++) {
		struct ckpt_header h;
		struct model_hdr *x;

		if (!touched[s])
			continue;
		if (overlay_read(o, ckpt_header_block(m->sb, s), buf) != 0)
			return -1;
		if (ckpt_header_decode(buf, m->sb, &h) != CKPT_OK || ckpt_slot_of(h.sequence) != s)
			continue;
		x = add_hdr(m, i, s, &h, buf);
		if (!x || read_generation(m, o, x) != 0)
			return -1;
		if (h.sequence > m->entry_seq[i])
			m->entry_seq[i] = h.sequence;
	}
	return 0;
}

/* --- BASE ---------------------------------------------------------------------- */

/* Recover BASE: its checkpoint (if any), its valid headers (the newest
 * standing for BASE's state) and its checkpoint's objects as blocks of
 * interest. The map is kept for base_sums(). */
static int model_base(struct model *m, struct overlay *o, struct ckpt_dirmap *map,
		      struct ckpt_dirent **slots)
{
	uint8_t buf[CKPT_BLOCK_SIZE] __attribute__((aligned(8)));
	size_t cap = 1u << 12;
	struct ckpt_recovery rec;
	enum ckpt_err e;

	for (;;) {
		free(*slots);
		*slots = calloc(cap, sizeof(**slots));
		if (!*slots)
			return -1;
		ckpt_dirmap_init(map, *slots, cap);
		e = ckpt_recover(m->sb, overlay_read, o, buf, map, NULL, NULL, &rec);
		if (e != CKPT_ERR_MAP_FULL || cap >= (1u << 26))
			break;
		cap *= 2;
	}
	m->base_ok = e == CKPT_OK;
	m->base_seq = e == CKPT_OK && rec.found ? rec.hdr.sequence : 0;
	if (e != CKPT_OK)
		fprintf(stderr,
			"crashreplay: note: BASE itself does not recover (%s: %s); contents"
			" are not checked\n",
			ckpt_errname(e), rec.detail);

	for (unsigned s = 0; s < CKPT_HEADER_SLOTS; s++) {
		struct ckpt_header h;
		struct model_hdr *x;

		if (overlay_read(o, ckpt_header_block(m->sb, s), buf) != 0)
			return -1;
		if (ckpt_header_decode(buf, m->sb, &h) != CKPT_OK || ckpt_slot_of(h.sequence) != s)
			continue;
		x = add_hdr(m, MODEL_BASE, s, &h, buf);
		if (!x)
			return -1;
		x->gen_ok = m->base_ok && h.sequence == m->base_seq;
		if (!x->gen_ok)
			snprintf(x->why, sizeof(x->why), "an older checkpoint of BASE");
	}
	if (m->base_ok && m->base_seq) {
		struct ckpt_dirmap_cursor c;
		struct ckpt_dirent d;

		ckpt_dirmap_first(map, &c);
		while (ckpt_dirmap_next(map, &c, &d)) {
			struct model_key k = { d.kind, d.index };

			if (interest_of(m, &k) < 0)
				return -1;
		}
	}
	return 0;
}

/* BASE's state of every block of interest: from BASE's checkpoint if it
 * names the block, else from home. */
static int base_sums(struct model *m, struct overlay *o, const struct ckpt_dirmap *map)
{
	uint8_t buf[CKPT_BLOCK_SIZE] __attribute__((aligned(8)));

	m->base_sum = malloc((m->ninterest ? m->ninterest : 1) * sizeof(uint64_t));
	m->cache = malloc((m->ninterest ? m->ninterest : 1) * sizeof(uint64_t));
	if (!m->base_sum || !m->cache)
		return -1;
	for (size_t i = 0; i < m->ninterest; i++) {
		const struct ckpt_dirent *d =
			m->base_seq
				? ckpt_dirmap_lookup(map, m->interest[i].kind, m->interest[i].index)
				: NULL;

		if (d) {
			m->base_sum[i] = (d->flags & CKPT_ENTRY_ZERO) ? m->zero_sum : d->sum;
			continue;
		}
		if (overlay_read(o, model_home_block(m->sb, &m->interest[i]), buf) != 0)
			return -1;
		m->base_sum[i] = ckpt_block_sum(buf, NULL);
	}
	return 0;
}

int model_build(struct model *m, const struct cairn_superblock *sb, struct overlay *o,
		const struct dmlog *dl, char *err, size_t errlen)
{
	uint8_t zero[CKPT_BLOCK_SIZE] __attribute__((aligned(8))) = { 0 };
	uint64_t slot_first[CKPT_HEADER_SLOTS];
	struct ckpt_dirent *base_slots = NULL;
	struct ckpt_dirmap base_map;

	memset(m, 0, sizeof(*m));
	m->sb = sb;
	m->cached = MODEL_NONE - 1;
	m->zero_sum = ckpt_block_sum(zero, NULL);
	m->entry_seq = calloc(dl->n ? dl->n : 1, sizeof(uint64_t));
	if (!m->entry_seq || model_base(m, o, &base_map, &base_slots) != 0)
		goto nomem;
	for (unsigned s = 0; s < CKPT_HEADER_SLOTS; s++)
		slot_first[s] = ckpt_header_block(sb, s) * o->spb;

	/* Every write, in order, over BASE: the run as it happened. */
	for (size_t i = 0; i < dl->n; i++) {
		const struct dmlog_entry *e = &dl->e[i];
		uint64_t off = model_data_off(e);
		bool touched[CKPT_HEADER_SLOTS] = { false, false };

		if (!model_is_data(e))
			continue;
		for (uint64_t s = 0; s < e->nr_sectors; s++) {
			uint64_t sec = e->sector + s;

			if (secmap_put(&o->durable, sec,
				       off == OVL_ZERO ? OVL_ZERO : off + s * o->ss))
				goto nomem;
			for (unsigned k = 0; k < CKPT_HEADER_SLOTS; k++)
				if (sec >= slot_first[k] && sec - slot_first[k] < o->spb)
					touched[k] = true;
		}
		/* The pool blocks it writes are worth checking. */
		for (uint64_t b = e->sector / o->spb; b <= (e->sector + e->nr_sectors - 1) / o->spb;
		     b++) {
			struct model_key k;

			if (model_block_key(sb, b, &k) && interest_of(m, &k) < 0)
				goto nomem;
		}
		if ((touched[0] || touched[1]) && note_headers(m, o, i, touched) != 0)
			goto nomem;
	}
	secmap_clear(&o->durable);
	if (base_sums(m, o, &base_map) != 0)
		goto nomem;
	free(base_slots);
	return 0;
nomem:
	free(base_slots);
	secmap_clear(&o->durable);
	snprintf(err, errlen, "out of memory (or BASE unreadable) while modelling the log");
	return -1;
}

long model_find_header(const struct model *m, unsigned slot, const void *block, size_t end)
{
	for (size_t k = m->nhdr; k-- > 0;) {
		const struct model_hdr *x = &m->hdr[k];

		if (x->slot != slot || (x->entry != MODEL_BASE && x->entry >= end))
			continue;
		if (memcmp(x->block, block, CKPT_BLOCK_SIZE) == 0)
			return (long)k;
	}
	return -1;
}

const uint64_t *model_expect(struct model *m, size_t hdr)
{
	size_t chain[64], n = 0, k;
	size_t *path = chain, cap = 64;

	if (hdr == MODEL_NONE)
		return m->base_seq == 0 && m->base_ok ? m->base_sum : NULL;
	if (hdr == m->cached)
		return m->cache;
	/* Walk back to BASE, then apply the generations oldest first. */
	for (k = hdr; k != MODEL_NONE; k = m->hdr[k].prev) {
		if (!m->hdr[k].gen_ok)
			goto unknown;
		if (n == cap) {
			size_t *np = malloc(cap * 2 * sizeof(*np));

			if (!np)
				goto unknown;
			memcpy(np, path, n * sizeof(*np));
			if (path != chain)
				free(path);
			path = np;
			cap *= 2;
		}
		path[n++] = k;
		if (m->hdr[k].entry == MODEL_BASE)
			break; /* BASE's newest checkpoint: base_sum is its state */
	}
	memcpy(m->cache, m->base_sum, m->ninterest * sizeof(uint64_t));
	while (n-- > 0) {
		const struct model_hdr *x = &m->hdr[path[n]];

		for (size_t i = 0; i < x->nobjs; i++)
			m->cache[x->objs[i].ix] = x->objs[i].sum;
	}
	if (path != chain)
		free(path);
	m->cached = hdr;
	return m->cache;
unknown:
	if (path != chain)
		free(path);
	return NULL;
}

void model_free(struct model *m)
{
	for (size_t k = 0; k < m->nhdr; k++) {
		free(m->hdr[k].block);
		free(m->hdr[k].objs);
	}
	free(m->hdr);
	free(m->entry_seq);
	free(m->interest);
	free(m->base_sum);
	free(m->index_slots);
	free(m->cache);
	memset(m, 0, sizeof(*m));
}
