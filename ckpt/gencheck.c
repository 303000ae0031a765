/* SPDX-License-Identifier: MIT */
/*
 * The validation of one generation's directory (gencheck.h has the rules
 * and the order of the calls).
 *
 * Invariants: a check accepts blocks only in order 0 .. dir_blocks-1 and
 * entries only up to the current block's count; after the first failure
 * the state says where it happened (failed_at, cur, cur_entries, bad) and
 * nothing more is accepted until the next ckpt_gen_begin(). The checks of
 * an entry never depend on earlier entries except through the map, so the
 * cost of a generation is linear in its entries.
 */
#include <string.h>

#include "gencheck.h"

/* --- the detail line ---------------------------------------------------- */

void ckpt_detail_begin(struct ckpt_detail *d, char *buf, size_t size)
{
	d->buf = buf;
	d->size = size;
	d->len = 0;
	d->buf[0] = '\0';
}

void ckpt_detail_str(struct ckpt_detail *d, const char *s)
{
	while (*s && d->len + 1 < d->size)
		d->buf[d->len++] = *s++;
	d->buf[d->len] = '\0';
}

void ckpt_detail_u64(struct ckpt_detail *d, uint64_t v)
{
	char tmp[20];
	unsigned n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n && d->len + 1 < d->size)
		d->buf[d->len++] = tmp[--n];
	d->buf[d->len] = '\0';
}

/* --- the check ---------------------------------------------------------- */

void ckpt_gen_begin(struct ckpt_gen_check *c, const struct cairn_superblock *sb,
		    struct ckpt_dirmap *map, const struct ckpt_header *hdr,
		    const struct ckpt_gen_link *l, uint32_t mark)
{
	memset(c, 0, sizeof(*c));
	c->sb = sb;
	c->map = map;
	c->hdr = *hdr;
	c->link = *l;
	c->mark = mark;
	c->newest = l->seq == hdr->sequence;
}

static enum ckpt_err fail_at(struct ckpt_gen_check *c, enum ckpt_gen_stage at, enum ckpt_err err)
{
	if (err != CKPT_OK)
		c->failed_at = at;
	return err;
}

/* A block against what named it and, after block 0, against block 0. */
static enum ckpt_err block_rules(const struct ckpt_gen_check *c, const struct ckpt_dir_info *d)
{
	const struct ckpt_dir_info *first = &c->first;
	enum ckpt_err err = ckpt_dir_info_check(d);

	if (err != CKPT_OK)
		return err;
	if (d->sequence != c->link.seq)
		return CKPT_ERR_SEQUENCE;
	if (d->index != c->blocks || d->dir_blocks != c->link.dir_blocks)
		return CKPT_ERR_LINK;
	if (c->blocks > 0)
		return d->gen_start == first->gen_start && d->prev_dir_pos == first->prev_dir_pos &&
				       d->prev_dir_blocks == first->prev_dir_blocks &&
				       d->prev_sequence == first->prev_sequence
			       ? CKPT_OK
			       : CKPT_ERR_LINK;
	if (c->newest)
		return d->gen_start == c->hdr.gen_start ? CKPT_OK : CKPT_ERR_LINK;
	/* An older generation must lie wholly inside [tail, its dir_pos]. */
	if (d->gen_start < c->hdr.tail || d->gen_start > c->link.dir_pos)
		return CKPT_ERR_POSITIONS;
	return CKPT_OK;
}

enum ckpt_err ckpt_gen_block(struct ckpt_gen_check *c, const struct ckpt_dir_info *d)
{
	if (c->failed_at != CKPT_GEN_AT_NONE)
		return CKPT_ERR_ARGUMENT;
	c->cur = *d;
	c->cur_entries = 0;
	enum ckpt_err err = block_rules(c, d);
	if (err != CKPT_OK)
		return fail_at(c, CKPT_GEN_AT_BLOCK, err);
	if (c->blocks == 0)
		c->first = *d;
	c->blocks++;
	return CKPT_OK;
}

/* Enter e in the map; a duplicate if this generation entered it already. */
static enum ckpt_err enter(struct ckpt_gen_check *c, const struct ckpt_entry *e)
{
	struct ckpt_dirent de = {
		.index = e->index,
		.pos = e->pos,
		.sum = e->sum,
		.seq = c->link.seq,
		.mark = c->mark,
		.kind = e->kind,
		.flags = e->flags,
	};
	bool inserted;
	struct ckpt_dirent *s = ckpt_dirmap_insert_if_absent(c->map, &de, &inserted);

	if (s == NULL)
		return CKPT_ERR_MAP_FULL;
	if (inserted)
		return CKPT_OK;
	if (s->mark == c->mark)
		return CKPT_ERR_DUPLICATE;
	s->mark = c->mark; /* a newer generation's copy: it stays */
	return CKPT_OK;
}

static enum ckpt_err entry_rules(struct ckpt_gen_check *c, const struct ckpt_entry *e)
{
	enum ckpt_err err;

	if (c->blocks == 0 || c->cur_entries >= c->cur.count)
		return CKPT_ERR_COUNT;
	err = ckpt_entry_fields_check(e);
	if (err == CKPT_OK)
		err = ckpt_entry_check(c->sb, e, c->cur.gen_start, c->link.dir_pos);
	if (err == CKPT_OK)
		err = enter(c, e);
	return err;
}

enum ckpt_err ckpt_gen_entry(struct ckpt_gen_check *c, const struct ckpt_entry *e)
{
	if (c->failed_at != CKPT_GEN_AT_NONE)
		return CKPT_ERR_ARGUMENT;
	enum ckpt_err err = entry_rules(c, e);
	if (err != CKPT_OK) {
		c->bad = *e;
		return fail_at(c, CKPT_GEN_AT_ENTRY, err);
	}
	c->cur_entries++;
	if (e->kind == CKPT_KIND_THREAD)
		c->threads++;
	else
		c->objects++;
	return CKPT_OK;
}

enum ckpt_err ckpt_gen_end(struct ckpt_gen_check *c, struct ckpt_gen_link *next)
{
	if (c->failed_at != CKPT_GEN_AT_NONE)
		return CKPT_ERR_ARGUMENT;
	if (c->blocks != c->link.dir_blocks || c->cur_entries != c->cur.count)
		return fail_at(c, CKPT_GEN_AT_END, CKPT_ERR_COUNT);
	if (c->newest && (c->objects != c->hdr.objects || c->threads != c->hdr.threads))
		return fail_at(c, CKPT_GEN_AT_END, CKPT_ERR_COUNT);
	if (next == NULL)
		return CKPT_OK;
	/* Follow the link only while the previous directory is still kept:
	 * a directory before the tail may have been overwritten. */
	next->seq = 0;
	if (c->first.prev_dir_pos != CKPT_NO_DIR && c->first.prev_dir_pos >= c->hdr.tail) {
		next->seq = c->first.prev_sequence;
		next->dir_pos = c->first.prev_dir_pos;
		next->dir_blocks = c->first.prev_dir_blocks;
	}
	return CKPT_OK;
}

/* --- the text ----------------------------------------------------------- */

void ckpt_gen_where(const struct ckpt_gen_check *c, uint32_t b, struct ckpt_detail *d)
{
	uint64_t pos = c->link.dir_pos + b;

	ckpt_detail_str(d, "generation ");
	ckpt_detail_u64(d, c->link.seq);
	ckpt_detail_str(d, " directory block ");
	ckpt_detail_u64(d, b);
	ckpt_detail_str(d, "/");
	ckpt_detail_u64(d, c->link.dir_blocks);
	ckpt_detail_str(d, " at log position ");
	ckpt_detail_u64(d, pos);
	ckpt_detail_str(d, " (volume block ");
	ckpt_detail_u64(d, ckpt_pos_block(c->sb, pos));
	ckpt_detail_str(d, ")");
}

static void explain_entry(const struct ckpt_gen_check *c, enum ckpt_err err, struct ckpt_detail *d)
{
	const struct ckpt_entry *e = &c->bad;

	ckpt_gen_where(c, c->blocks - 1, d);
	ckpt_detail_str(d, ", entry ");
	ckpt_detail_u64(d, c->cur_entries);
	ckpt_detail_str(d, " (");
	ckpt_detail_str(d, ckpt_kind_name(e->kind));
	ckpt_detail_str(d, " ");
	ckpt_detail_u64(d, e->index);
	ckpt_detail_str(d, ")");
	if (err == CKPT_ERR_INDEX) {
		ckpt_detail_str(d, ": pool holds ");
		ckpt_detail_u64(d, ckpt_kind_limit(c->sb, e->kind));
	} else if (err == CKPT_ERR_RANGE) {
		ckpt_detail_str(d, ": position ");
		ckpt_detail_u64(d, e->pos);
		ckpt_detail_str(d, " outside [");
		ckpt_detail_u64(d, c->cur.gen_start);
		ckpt_detail_str(d, ", ");
		ckpt_detail_u64(d, c->link.dir_pos);
		ckpt_detail_str(d, ")");
	} else if (err == CKPT_ERR_DUPLICATE) {
		ckpt_detail_str(d, ": listed twice");
	}
}

static void explain_end(const struct ckpt_gen_check *c, struct ckpt_detail *d)
{
	ckpt_detail_str(d, "generation ");
	ckpt_detail_u64(d, c->link.seq);
	if (c->blocks != c->link.dir_blocks || c->cur_entries != c->cur.count) {
		ckpt_detail_str(d, " directory incomplete: ");
		ckpt_detail_u64(d, c->blocks);
		ckpt_detail_str(d, " of ");
		ckpt_detail_u64(d, c->link.dir_blocks);
		ckpt_detail_str(d, " blocks");
		return;
	}
	ckpt_detail_str(d, " directory lists ");
	ckpt_detail_u64(d, c->objects);
	ckpt_detail_str(d, " objects and ");
	ckpt_detail_u64(d, c->threads);
	ckpt_detail_str(d, " threads, header says ");
	ckpt_detail_u64(d, c->hdr.objects);
	ckpt_detail_str(d, " and ");
	ckpt_detail_u64(d, c->hdr.threads);
}

void ckpt_gen_explain(const struct ckpt_gen_check *c, enum ckpt_err err, struct ckpt_detail *d)
{
	switch (c->failed_at) {
	case CKPT_GEN_AT_BLOCK:
		ckpt_gen_where(c, c->blocks, d);
		if (c->cur.sequence != c->link.seq) {
			ckpt_detail_str(d, ": sequence ");
			ckpt_detail_u64(d, c->cur.sequence);
		}
		break;
	case CKPT_GEN_AT_ENTRY:
		explain_entry(c, err, d);
		break;
	case CKPT_GEN_AT_END:
		explain_end(c, d);
		break;
	default:
		ckpt_detail_str(d, "generation ");
		ckpt_detail_u64(d, c->link.seq);
		break;
	}
}
