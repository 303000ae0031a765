/* SPDX-License-Identifier: MIT */
/*
 * Recovery of the newest checkpoint (recover.h has the phases; the rules
 * are docs/checkpoint.md "Recovery").
 *
 * Invariants of the walk: generations are visited newest first; each one's
 * sequence is strictly below the previous one's and its positions lie
 * strictly before the previous one's gen_start and at or after the
 * header's tail, so the walk ends after at most ring blocks whatever the
 * log holds. A map entry's mark is the walk ordinal + 1 of the newest
 * generation seen naming that block: meeting the mark of the generation
 * being read means the block was named twice in it (a duplicate), while an
 * older generation naming a block only updates the mark (the newer copy
 * stays). Nothing is reported to on_thread before the walk has succeeded.
 *
 * Freestanding: no allocation, no stdio; the detail text is built with
 * the two tiny appenders below.
 */
#include <string.h>

#include "recover.h"

/* --- the detail line ---------------------------------------------------- */

struct detail {
	char *buf;
	size_t len;
};

static void d_str(struct detail *d, const char *s)
{
	while (*s && d->len + 1 < CKPT_DETAIL_SIZE)
		d->buf[d->len++] = *s++;
	d->buf[d->len] = '\0';
}

static void d_u64(struct detail *d, uint64_t v)
{
	char tmp[20];
	unsigned n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n && d->len + 1 < CKPT_DETAIL_SIZE)
		d->buf[d->len++] = tmp[--n];
	d->buf[d->len] = '\0';
}

static void d_begin(struct detail *d, struct ckpt_recovery *out)
{
	d->buf = out->detail;
	d->len = 0;
	d->buf[0] = '\0';
}

/* --- the walk ----------------------------------------------------------- */

/* What names a directory: the header (newest) or a previous link. */
struct gen_link {
	uint64_t seq;
	uint64_t dir_pos;
	uint32_t dir_blocks;
};

struct walk {
	const struct cairn_superblock *sb;
	ckpt_read_fn *read;
	void *ctx;
	uint8_t *buf;
	struct ckpt_dirmap *map;
	struct ckpt_recovery *out;
	struct detail d;
};

/* "generation G directory block B/N at log position P (volume block V)" */
static void d_dir_block(struct walk *w, const struct gen_link *l, uint32_t b)
{
	uint64_t pos = l->dir_pos + b;

	d_str(&w->d, "generation ");
	d_u64(&w->d, l->seq);
	d_str(&w->d, " directory block ");
	d_u64(&w->d, b);
	d_str(&w->d, "/");
	d_u64(&w->d, l->dir_blocks);
	d_str(&w->d, " at log position ");
	d_u64(&w->d, pos);
	d_str(&w->d, " (volume block ");
	d_u64(&w->d, ckpt_pos_block(w->sb, pos));
	d_str(&w->d, ")");
}

static void d_entry(struct walk *w, unsigned i, const struct ckpt_entry *e)
{
	d_str(&w->d, ", entry ");
	d_u64(&w->d, i);
	d_str(&w->d, " (");
	d_str(&w->d, ckpt_kind_name(e->kind));
	d_str(&w->d, " ");
	d_u64(&w->d, e->index);
	d_str(&w->d, ")");
}

/* Record one entry of generation seq, walk ordinal `mark` (>= 1). */
static enum ckpt_err add_entry(struct walk *w, const struct ckpt_entry *e, uint64_t seq,
			       uint32_t mark)
{
	struct ckpt_dirent de = {
		.index = e->index,
		.pos = e->pos,
		.sum = e->sum,
		.seq = seq,
		.mark = mark,
		.kind = e->kind,
		.flags = e->flags,
	};
	bool inserted;
	struct ckpt_dirent *s = ckpt_dirmap_insert_if_absent(w->map, &de, &inserted);

	if (s == NULL)
		return CKPT_ERR_MAP_FULL;
	if (inserted)
		return CKPT_OK;
	if (s->mark == mark)
		return CKPT_ERR_DUPLICATE;
	s->mark = mark; /* a newer generation's copy: it stays */
	return CKPT_OK;
}

/* The entries of one directory block. */
static enum ckpt_err walk_entries(struct walk *w, const struct gen_link *l,
				  const struct ckpt_dir_info *d, uint32_t b, uint32_t mark,
				  uint64_t *objects, uint64_t *threads)
{
	for (unsigned i = 0; i < d->count; i++) {
		struct ckpt_entry e;
		enum ckpt_err err = ckpt_entry_decode(w->buf, i, &e);

		if (err == CKPT_OK)
			err = ckpt_entry_check(w->sb, &e, d->gen_start, l->dir_pos);
		if (err == CKPT_OK)
			err = add_entry(w, &e, l->seq, mark);
		if (err != CKPT_OK) {
			d_dir_block(w, l, b);
			d_entry(w, i, &e);
			if (err == CKPT_ERR_INDEX) {
				d_str(&w->d, ": pool holds ");
				d_u64(&w->d, ckpt_kind_limit(w->sb, e.kind));
			} else if (err == CKPT_ERR_RANGE) {
				d_str(&w->d, ": position ");
				d_u64(&w->d, e.pos);
				d_str(&w->d, " outside [");
				d_u64(&w->d, d->gen_start);
				d_str(&w->d, ", ");
				d_u64(&w->d, l->dir_pos);
				d_str(&w->d, ")");
			}
			return err;
		}
		w->out->entries++;
		if (e.kind == CKPT_KIND_THREAD)
			(*threads)++;
		else
			(*objects)++;
	}
	return CKPT_OK;
}

/* The checks of a directory block against what named it (and, for the
 * blocks after the first, against the first). */
static enum ckpt_err check_dir_block(struct walk *w, const struct gen_link *l, uint32_t b,
				     const struct ckpt_dir_info *d,
				     const struct ckpt_dir_info *first)
{
	const struct ckpt_header *hdr = &w->out->hdr;
	bool newest = l->seq == hdr->sequence;

	if (d->sequence != l->seq)
		return CKPT_ERR_SEQUENCE;
	if (d->index != b || d->dir_blocks != l->dir_blocks)
		return CKPT_ERR_LINK;
	if (b > 0)
		return d->gen_start == first->gen_start && d->prev_dir_pos == first->prev_dir_pos &&
				       d->prev_dir_blocks == first->prev_dir_blocks &&
				       d->prev_sequence == first->prev_sequence
			       ? CKPT_OK
			       : CKPT_ERR_LINK;
	if (newest)
		return d->gen_start == hdr->gen_start ? CKPT_OK : CKPT_ERR_LINK;
	/* An older generation must lie wholly inside [tail, its dir_pos]. */
	if (d->gen_start < hdr->tail || d->gen_start > l->dir_pos)
		return CKPT_ERR_POSITIONS;
	return CKPT_OK;
}

/* Read and check one generation's directory; *next gets its previous link
 * (seq 0 when the walk ends here). */
static enum ckpt_err walk_generation(struct walk *w, const struct gen_link *l, uint32_t mark,
				     struct gen_link *next)
{
	const struct ckpt_header *hdr = &w->out->hdr;
	struct ckpt_dir_info first = { 0 };
	uint64_t objects = 0, threads = 0;

	for (uint32_t b = 0; b < l->dir_blocks; b++) {
		uint64_t pos = l->dir_pos + b;
		struct ckpt_dir_info d;
		enum ckpt_err err;

		if (w->read(w->ctx, ckpt_pos_block(w->sb, pos), w->buf) != 0) {
			d_dir_block(w, l, b);
			d_str(&w->d, ": read failed");
			return CKPT_ERR_IO;
		}
		w->out->dir_blocks++;
		err = ckpt_dir_decode(w->buf, &d, NULL);
		if (err != CKPT_OK) {
			d_dir_block(w, l, b);
			return err;
		}
		err = check_dir_block(w, l, b, &d, &first);
		if (err != CKPT_OK) {
			d_dir_block(w, l, b);
			if (d.sequence != l->seq) {
				d_str(&w->d, ": sequence ");
				d_u64(&w->d, d.sequence);
			}
			return err;
		}
		if (b == 0)
			first = d;
		err = walk_entries(w, l, &d, b, mark, &objects, &threads);
		if (err != CKPT_OK)
			return err;
	}
	w->out->generations++;

	if (l->seq == hdr->sequence && (objects != hdr->objects || threads != hdr->threads)) {
		d_str(&w->d, "generation ");
		d_u64(&w->d, l->seq);
		d_str(&w->d, " directory lists ");
		d_u64(&w->d, objects);
		d_str(&w->d, " objects and ");
		d_u64(&w->d, threads);
		d_str(&w->d, " threads, header says ");
		d_u64(&w->d, hdr->objects);
		d_str(&w->d, " and ");
		d_u64(&w->d, hdr->threads);
		return CKPT_ERR_COUNT;
	}

	/* Follow the link only while the previous directory is still kept:
	 * a directory before the tail may have been overwritten. */
	next->seq = 0;
	if (first.prev_dir_pos != CKPT_NO_DIR && first.prev_dir_pos >= hdr->tail) {
		next->seq = first.prev_sequence;
		next->dir_pos = first.prev_dir_pos;
		next->dir_blocks = first.prev_dir_blocks;
	}
	return CKPT_OK;
}

/* Phase 4: hand the newest generation's threads over, drop every THREAD
 * entry from the map, and clear the marks recovery used. Removing the
 * entry just returned is what the iterator allows. */
static void report_threads(struct walk *w, ckpt_thread_fn *on_thread, void *arg)
{
	struct ckpt_dirmap_cursor c;
	struct ckpt_dirent e;

	ckpt_dirmap_first(w->map, &c);
	while (ckpt_dirmap_next(w->map, &c, &e)) {
		if (e.kind != CKPT_KIND_THREAD) {
			ckpt_dirmap_lookup(w->map, e.kind, e.index)->mark = 0;
			continue;
		}
		if (e.seq == w->out->hdr.sequence) {
			w->out->threads++;
			if (on_thread)
				on_thread(arg, e.index);
		}
		ckpt_dirmap_remove(w->map, e.kind, e.index);
	}
	w->out->objects = ckpt_dirmap_count(w->map);
}

/* --- phases 1 and 2: the header slots ------------------------------------ */

static enum ckpt_err read_slots(struct walk *w)
{
	struct ckpt_recovery *out = w->out;
	struct ckpt_header h[CKPT_HEADER_SLOTS];
	int best = -1;

	for (unsigned s = 0; s < CKPT_HEADER_SLOTS; s++) {
		uint64_t blk = ckpt_header_block(w->sb, s);

		if (w->read(w->ctx, blk, w->buf) != 0) {
			/* An unreadable slot may hold the newest checkpoint:
			 * falling back to the other one could resurrect a
			 * migrated-over state. */
			out->slot_err[s] = CKPT_ERR_IO;
			d_str(&w->d, "header slot ");
			d_u64(&w->d, s);
			d_str(&w->d, " (volume block ");
			d_u64(&w->d, blk);
			d_str(&w->d, "): read failed");
			return CKPT_ERR_IO;
		}
		out->slot_err[s] = ckpt_header_decode(w->buf, w->sb, &h[s]);
		if (out->slot_err[s] == CKPT_OK && ckpt_slot_of(h[s].sequence) != s)
			out->slot_err[s] = CKPT_ERR_SLOT;
		if (out->slot_err[s] != CKPT_OK)
			continue;
		out->slot_seq[s] = h[s].sequence;
		if (best < 0 || h[s].sequence > h[best].sequence)
			best = (int)s;
	}
	if (best >= 0) {
		out->found = true;
		out->slot = (unsigned)best;
		out->hdr = h[best];
		return CKPT_OK;
	}
	/* No valid header. An empty slot means no checkpoint was ever
	 * committed (the other slot is at most a torn first header). */
	for (unsigned s = 0; s < CKPT_HEADER_SLOTS; s++)
		if (out->slot_err[s] == CKPT_ERR_EMPTY)
			return CKPT_OK;
	for (unsigned s = 0; s < CKPT_HEADER_SLOTS; s++) {
		d_str(&w->d, s ? "; slot " : "no valid header: slot ");
		d_u64(&w->d, s);
		d_str(&w->d, " ");
		d_str(&w->d, ckpt_errname(out->slot_err[s]));
	}
	return out->slot_err[0];
}

enum ckpt_err ckpt_recover(const struct cairn_superblock *sb, ckpt_read_fn *read, void *ctx,
			   void *scratch, struct ckpt_dirmap *map, ckpt_thread_fn *on_thread,
			   void *thread_arg, struct ckpt_recovery *out)
{
	struct walk w = { sb, read, ctx, scratch, map, out, { NULL, 0 } };
	struct gen_link l;
	uint32_t mark = 0;
	enum ckpt_err err;

	memset(out, 0, sizeof(*out));
	d_begin(&w.d, out);
	if (sb == NULL || read == NULL || scratch == NULL || map == NULL || map->slots == NULL) {
		d_str(&w.d, "missing argument");
		return CKPT_ERR_ARGUMENT;
	}
	ckpt_dirmap_clear(map);

	err = read_slots(&w);
	if (err != CKPT_OK || !out->found)
		return err;

	l.seq = out->hdr.sequence;
	l.dir_pos = out->hdr.dir_pos;
	l.dir_blocks = out->hdr.dir_blocks;
	while (l.seq != 0) {
		struct gen_link next;

		/* Unreachable (every generation takes a ring block), but the
		 * marks must never wrap. */
		if (++mark == 0) {
			d_str(&w.d, "too many generations");
			return CKPT_ERR_COUNT;
		}
		err = walk_generation(&w, &l, mark, &next);
		if (err != CKPT_OK)
			return err;
		l = next;
	}
	report_threads(&w, on_thread, thread_arg);
	return CKPT_OK;
}

enum ckpt_err ckpt_verify_object(const struct cairn_superblock *sb, ckpt_read_fn *read,
				 void *ctx, void *scratch, const struct ckpt_dirent *e)
{
	if (e->kind == CKPT_KIND_THREAD)
		return CKPT_ERR_KIND;
	if (e->flags & CKPT_ENTRY_ZERO)
		return CKPT_OK;
	if (read(ctx, ckpt_pos_block(sb, e->pos), scratch) != 0)
		return CKPT_ERR_IO;
	return ckpt_block_sum(scratch, NULL) == e->sum ? CKPT_OK : CKPT_ERR_DATA;
}
