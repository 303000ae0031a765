/* SPDX-License-Identifier: MIT */
/*
 * Recovery of the newest checkpoint (recover.h has the phases; the rules
 * are docs/checkpoint.md "Recovery" and "Committing with one FLUSH").
 *
 * Invariants of the walk: generations are visited newest first; each one's
 * sequence is strictly below the previous one's and its positions lie
 * strictly before the previous one's gen_start and at or after the
 * header's tail, so the walk ends after at most ring blocks whatever the
 * log holds. Each generation is checked by ckpt/gencheck.c (the same
 * checks the kernel's log writer makes before it writes a header), with
 * mark = its walk ordinal: a block named twice in one generation is a
 * duplicate, one named again by an older generation keeps the newer copy.
 * Nothing is reported to on_thread before the walk has succeeded.
 *
 * Freestanding: no allocation, no stdio; the detail text is built with
 * gencheck.h's appenders.
 */
#include <string.h>

#include "gencheck.h"
#include "recover.h"

/* --- the walk ----------------------------------------------------------- */

struct walk {
	const struct cairn_superblock *sb;
	ckpt_read_fn *read;
	void *ctx;
	uint8_t *buf;
	struct ckpt_dirmap *map;
	struct ckpt_recovery *out;
	struct ckpt_detail d;
};

/* The entries of the directory block in w->buf. ckpt_entry_decode()'s own
 * checks are the first ones ckpt_gen_entry() makes, so its result is not
 * needed here. */
static enum ckpt_err walk_entries(struct walk *w, struct ckpt_gen_check *gc,
				  const struct ckpt_dir_info *d)
{
	for (unsigned i = 0; i < d->count; i++) {
		struct ckpt_entry e;
		enum ckpt_err err;

		(void)ckpt_entry_decode(w->buf, i, &e);
		err = ckpt_gen_entry(gc, &e);
		if (err != CKPT_OK) {
			ckpt_gen_explain(gc, err, &w->d);
			return err;
		}
		w->out->entries++;
	}
	return CKPT_OK;
}

/* Read and check one generation's directory (gencheck.h: the rules); *next
 * gets its previous link (seq 0 when the walk ends here). */
static enum ckpt_err walk_generation(struct walk *w, const struct ckpt_gen_link *l, uint32_t mark,
				     struct ckpt_gen_link *next)
{
	struct ckpt_gen_check gc;
	enum ckpt_err err;

	ckpt_gen_begin(&gc, w->sb, w->map, &w->out->hdr, l, mark);
	for (uint32_t b = 0; b < l->dir_blocks; b++) {
		uint64_t pos = l->dir_pos + b;
		struct ckpt_dir_info d;

		if (w->read(w->ctx, ckpt_pos_block(w->sb, pos), w->buf) != 0) {
			ckpt_gen_where(&gc, b, &w->d);
			ckpt_detail_str(&w->d, ": read failed");
			return CKPT_ERR_IO;
		}
		w->out->dir_blocks++;
		err = ckpt_dir_decode(w->buf, &d, NULL);
		if (err != CKPT_OK) {
			ckpt_gen_where(&gc, b, &w->d);
			return err;
		}
		err = ckpt_gen_block(&gc, &d);
		if (err != CKPT_OK) {
			ckpt_gen_explain(&gc, err, &w->d);
			return err;
		}
		err = walk_entries(w, &gc, &d);
		if (err != CKPT_OK)
			return err;
	}
	w->out->generations++;
	err = ckpt_gen_end(&gc, next);
	if (err != CKPT_OK)
		ckpt_gen_explain(&gc, err, &w->d);
	return err;
}

/* The newest generation, flagged ONE_FLUSH, failed phase 3 or 4: it never
 * became a checkpoint (its header landed, some of its blocks did not). */
static enum ckpt_err torn(struct walk *w, enum ckpt_err why)
{
	w->out->torn_sequence = w->out->hdr.sequence;
	w->out->torn_head = w->out->hdr.head;
	ckpt_detail_str(&w->d, "; generation ");
	ckpt_detail_u64(&w->d, w->out->hdr.sequence);
	ckpt_detail_str(&w->d, " was committed with one FLUSH and is incomplete (");
	ckpt_detail_str(&w->d, ckpt_errname(why));
	ckpt_detail_str(&w->d, ")");
	return CKPT_ERR_TORN;
}

/* Phase 4: every data block of the newest generation read back against its
 * entry's sum (the map holds the newest copy of each block, so the entries
 * of sequence hdr.sequence are exactly that generation's). */
static enum ckpt_err verify_newest(struct walk *w)
{
	struct ckpt_dirmap_cursor c;
	struct ckpt_dirent e;

	ckpt_dirmap_first(w->map, &c);
	while (ckpt_dirmap_next(w->map, &c, &e)) {
		if (e.seq != w->out->hdr.sequence || e.kind == CKPT_KIND_THREAD ||
		    (e.flags & CKPT_ENTRY_ZERO))
			continue;
		enum ckpt_err err = ckpt_verify_object(w->sb, w->read, w->ctx, w->buf, &e);
		if (err == CKPT_ERR_IO) {
			ckpt_detail_str(&w->d, "log position ");
			ckpt_detail_u64(&w->d, e.pos);
			ckpt_detail_str(&w->d, ": read failed");
			return err;
		}
		if (err != CKPT_OK) {
			ckpt_detail_str(&w->d, "log position ");
			ckpt_detail_u64(&w->d, e.pos);
			ckpt_detail_str(&w->d, " does not match its entry's sum");
			return torn(w, err);
		}
		w->out->verified++;
	}
	return CKPT_OK;
}

/* A failure of the walk that a torn one-FLUSH generation can cause: its
 * directory blocks did not land (anything the ring held before). A read
 * error is not one (the block may be fine), nor a map too small. */
static bool walk_err_torn(enum ckpt_err err)
{
	return err != CKPT_ERR_IO && err != CKPT_ERR_MAP_FULL && err != CKPT_ERR_ARGUMENT;
}

/* Phase 6: hand the newest generation's threads over, drop every THREAD
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
			ckpt_detail_str(&w->d, "header slot ");
			ckpt_detail_u64(&w->d, s);
			ckpt_detail_str(&w->d, " (volume block ");
			ckpt_detail_u64(&w->d, blk);
			ckpt_detail_str(&w->d, "): read failed");
			return CKPT_ERR_IO;
		}
		out->slot_err[s] = ckpt_header_decode(w->buf, w->sb, &h[s]);
		if (out->slot_err[s] == CKPT_OK && ckpt_slot_of(h[s].sequence) != s)
			out->slot_err[s] = CKPT_ERR_SLOT;
		if (out->slot_err[s] != CKPT_OK)
			continue;
		out->slot_seq[s] = h[s].sequence;
		out->slot_hdr[s] = h[s];
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
		ckpt_detail_str(&w->d, s ? "; slot " : "no valid header: slot ");
		ckpt_detail_u64(&w->d, s);
		ckpt_detail_str(&w->d, " ");
		ckpt_detail_str(&w->d, ckpt_errname(out->slot_err[s]));
	}
	return out->slot_err[0];
}

enum ckpt_err ckpt_recover_header(const struct cairn_superblock *sb, ckpt_read_fn *read, void *ctx,
				  void *scratch, struct ckpt_recovery *out)
{
	struct walk w = { sb, read, ctx, scratch, NULL, out, { NULL, 0, 0 } };

	memset(out, 0, sizeof(*out));
	ckpt_detail_begin(&w.d, out->detail, sizeof(out->detail));
	if (sb == NULL || read == NULL || scratch == NULL) {
		ckpt_detail_str(&w.d, "missing argument");
		return CKPT_ERR_ARGUMENT;
	}
	return read_slots(&w);
}

enum ckpt_err ckpt_recover_walk(const struct cairn_superblock *sb, ckpt_read_fn *read, void *ctx,
				void *scratch, struct ckpt_dirmap *map, ckpt_thread_fn *on_thread,
				void *thread_arg, struct ckpt_recovery *out)
{
	struct walk w = { sb, read, ctx, scratch, map, out, { NULL, 0, 0 } };
	struct ckpt_gen_link l;
	uint32_t mark = 0;
	enum ckpt_err err;
	bool one_flush = (out->hdr.flags & CKPT_HDR_ONE_FLUSH) != 0;

	ckpt_detail_begin(&w.d, out->detail, sizeof(out->detail));
	if (sb == NULL || read == NULL || scratch == NULL || map == NULL || map->slots == NULL ||
	    !out->found) {
		ckpt_detail_str(&w.d, "missing argument");
		return CKPT_ERR_ARGUMENT;
	}
	ckpt_dirmap_clear(map);

	l.seq = out->hdr.sequence;
	l.dir_pos = out->hdr.dir_pos;
	l.dir_blocks = out->hdr.dir_blocks;
	while (l.seq != 0) {
		struct ckpt_gen_link next;

		/* Unreachable (every generation takes a ring block), but the
		 * marks must never wrap. */
		if (++mark == 0) {
			ckpt_detail_str(&w.d, "too many generations");
			return CKPT_ERR_COUNT;
		}
		err = walk_generation(&w, &l, mark, &next);
		if (err != CKPT_OK)
			return mark == 1 && one_flush && walk_err_torn(err) ? torn(&w, err) : err;
		l = next;
	}
	if (one_flush) {
		err = verify_newest(&w);
		if (err != CKPT_OK)
			return err;
	}
	report_threads(&w, on_thread, thread_arg);
	return CKPT_OK;
}

const struct ckpt_header *ckpt_recover_fall_back_header(const struct ckpt_recovery *out)
{
	unsigned other = 1u - out->slot;
	if (!out->found || !(out->hdr.flags & CKPT_HDR_ONE_FLUSH) ||
	    out->slot_err[other] != CKPT_OK || out->slot_seq[other] >= out->hdr.sequence)
		return NULL;
	return &out->slot_hdr[other];
}

enum ckpt_err ckpt_recover_fall_back(struct ckpt_recovery *out)
{
	struct ckpt_detail d;
	unsigned other = 1u - out->slot;

	if (!out->found || out->torn_sequence != out->hdr.sequence)
		return CKPT_ERR_ARGUMENT;
	out->fell_back = true;
	if (out->slot_err[other] == CKPT_OK && out->slot_seq[other] < out->torn_sequence) {
		out->slot = other;
		out->hdr = out->slot_hdr[other];
		return CKPT_OK;
	}
	if (out->slot_err[other] == CKPT_ERR_EMPTY) { /* it was the first one */
		out->found = false;
		return CKPT_OK;
	}
	ckpt_detail_begin(&d, out->detail, sizeof(out->detail));
	ckpt_detail_str(&d, "generation ");
	ckpt_detail_u64(&d, out->torn_sequence);
	ckpt_detail_str(&d, " is torn and the other slot has no older one: ");
	ckpt_detail_str(&d, out->slot_err[other] == CKPT_OK ? "a newer sequence"
							    : ckpt_errname(out->slot_err[other]));
	return CKPT_ERR_TORN;
}

enum ckpt_err ckpt_recover(const struct cairn_superblock *sb, ckpt_read_fn *read, void *ctx,
			   void *scratch, struct ckpt_dirmap *map, ckpt_thread_fn *on_thread,
			   void *thread_arg, struct ckpt_recovery *out)
{
	enum ckpt_err err;

	if (map == NULL || map->slots == NULL) {
		struct ckpt_detail d;

		memset(out, 0, sizeof(*out));
		ckpt_detail_begin(&d, out->detail, sizeof(out->detail));
		ckpt_detail_str(&d, "missing argument");
		return CKPT_ERR_ARGUMENT;
	}
	ckpt_dirmap_clear(map); /* emptied even when no walk follows */
	err = ckpt_recover_header(sb, read, ctx, scratch, out);
	if (err != CKPT_OK || !out->found)
		return err;
	err = ckpt_recover_walk(sb, read, ctx, scratch, map, on_thread, thread_arg, out);
	if (err != CKPT_ERR_TORN)
		return err;
	char why[CKPT_DETAIL_SIZE];
	memcpy(why, out->detail, sizeof(why));
	err = ckpt_recover_fall_back(out);
	if (err != CKPT_OK || !out->found) {
		ckpt_dirmap_clear(map);
		return err;
	}
	err = ckpt_recover_walk(sb, read, ctx, scratch, map, on_thread, thread_arg, out);
	if (err == CKPT_OK) /* the detail says why the newest one was not used */
		memcpy(out->detail, why, sizeof(why));
	return err;
}

enum ckpt_err ckpt_verify_object(const struct cairn_superblock *sb, ckpt_read_fn *read, void *ctx,
				 void *scratch, const struct ckpt_dirent *e)
{
	if (e->kind == CKPT_KIND_THREAD)
		return CKPT_ERR_KIND;
	if (e->flags & CKPT_ENTRY_ZERO)
		return CKPT_OK;
	if (read(ctx, ckpt_pos_block(sb, e->pos), scratch) != 0)
		return CKPT_ERR_IO;
	return ckpt_block_sum(scratch, NULL) == e->sum ? CKPT_OK : CKPT_ERR_DATA;
}
