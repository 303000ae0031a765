/* SPDX-License-Identifier: MIT */
/*
 * Planted writer bugs: which crash states expose one, and which failure
 * reasons each may cause (plant.h states the rules).
 *
 * The allowed reasons follow from what each bug leaves on disk:
 *   header-before-flush  the header names a directory or blocks that did
 *                        not land (recovery refuses the directory, or an
 *                        object fails its sum), or the previous
 *                        generation's home writes, which the first FLUSH
 *                        orders before the header, did not land (content);
 *   reuse-early          a block of the durable checkpoint was overwritten:
 *                        its directory (recovery fails) or an object (sum);
 *   early-migrate        home blocks changed under the checkpoint recovery
 *                        opens: content only; the log itself is intact.
 */
#include <string.h>

#include "plant.h"

static const char *const plant_names[] = {
	[PLANT_NONE] = "none",
	[PLANT_HEADER_BEFORE_FLUSH] = "header-before-flush",
	[PLANT_REUSE_EARLY] = "reuse-early",
	[PLANT_EARLY_MIGRATE] = "early-migrate",
};

static const char *const reason_names[FR_N] = {
	[FR_RECOVERY] = "recovery-error", [FR_OLDER] = "older-checkpoint",
	[FR_FOREIGN] = "foreign-header",  [FR_OBJECT] = "object-sum",
	[FR_THREADS] = "thread-count",    [FR_CONTENT] = "content",
};

#define R(x) (1u << (x))
static const unsigned plant_reasons[] = {
	[PLANT_NONE] = 0,
	[PLANT_HEADER_BEFORE_FLUSH] = R(FR_RECOVERY) | R(FR_OBJECT) | R(FR_CONTENT),
	[PLANT_REUSE_EARLY] = R(FR_RECOVERY) | R(FR_OBJECT),
	[PLANT_EARLY_MIGRATE] = R(FR_CONTENT),
};

bool plant_parse(const char *name, enum plant *p)
{
	for (unsigned i = PLANT_HEADER_BEFORE_FLUSH; i <= PLANT_EARLY_MIGRATE; i++) {
		if (strcmp(name, plant_names[i]) == 0) {
			*p = (enum plant)i;
			return true;
		}
	}
	*p = PLANT_NONE;
	return false;
}

const char *plant_name(enum plant p)
{
	return plant_names[p];
}

const char *fail_reason_name(enum fail_reason r)
{
	return reason_names[r];
}

bool plant_allows(enum plant p, enum fail_reason r)
{
	return (plant_reasons[p] & R(r)) != 0;
}

const struct model_hdr *plant_find_header(const struct model *md, size_t entry, uint64_t seq)
{
	for (size_t k = 0; k < md->nhdr; k++)
		if (md->hdr[k].entry == entry && md->hdr[k].h.sequence == seq)
			return &md->hdr[k];
	return NULL;
}

/* Is volume block b a ring block holding a position of h's [tail, head)? */
static bool held_by(const struct cairn_superblock *sb, const struct ckpt_header *h, uint64_t b)
{
	uint64_t ring = ckpt_ring_blocks(sb), first = sb->log_start + CKPT_HEADER_SLOTS;
	uint64_t len = h->head - h->tail, off;

	if (b < first || b - first >= ring)
		return false; /* a header slot or outside the log */
	if (len >= ring)
		return true;
	off = b - first;
	return (off + ring - h->tail % ring) % ring < len;
}

/* Do the sectors of e (only those mask says landed, if mask) touch a block
 * the durable checkpoint holds? */
static bool clobbers(const struct plant_point *pp, const struct dmlog_entry *e, const bool *mask)
{
	uint32_t spb = CKPT_BLOCK_SIZE / pp->dl->sectorsize;

	for (uint64_t s = 0; s < e->nr_sectors; s++)
		if ((!mask || mask[s]) && held_by(pp->sb, &pp->durable->h, (e->sector + s) / spb))
			return true;
	return false;
}

void plant_point_begin(struct plant_point *pp, const struct model_hdr *durable, size_t start)
{
	pp->durable = durable;
	pp->durable_clobbered = false;
	if (pp->plant != PLANT_REUSE_EARLY || !durable)
		return;
	for (size_t i = durable->entry == MODEL_BASE ? 0 : durable->entry + 1; i < start; i++) {
		if (model_is_data(&pp->dl->e[i]) && clobbers(pp, &pp->dl->e[i], NULL)) {
			pp->durable_clobbered = true;
			return;
		}
	}
}

static bool is_header(const struct plant_point *pp, const struct choice *ch, size_t k)
{
	return pp->md->entry_seq[ch->idx[k]] != 0;
}

static bool intact(const struct choice *ch, size_t k)
{
	return ch->in[k] && ch->torn != k;
}

static bool header_ahead(const struct plant_point *pp, const struct choice *ch)
{
	size_t missing = SIZE_MAX; /* the first write of the window that did not land whole */

	for (size_t k = 0; k < ch->n; k++) {
		if (is_header(pp, ch, k) && ch->in[k] && missing < k)
			return true;
		if (!intact(ch, k) && missing == SIZE_MAX)
			missing = k;
	}
	return false;
}

static bool home_before_header(const struct plant_point *pp, const struct choice *ch)
{
	bool header_lost = false; /* a header of the window so far did not land whole */

	for (size_t k = 0; k < ch->n; k++) {
		if (header_lost && ch->in[k])
			return true;
		if (is_header(pp, ch, k) && !intact(ch, k))
			header_lost = true;
	}
	return false;
}

static bool reused_early(const struct plant_point *pp, const struct choice *ch)
{
	if (!pp->durable)
		return false;
	if (pp->durable_clobbered)
		return true;
	for (size_t k = 0; k < ch->n; k++)
		if (ch->in[k] &&
		    clobbers(pp, &pp->dl->e[ch->idx[k]], ch->torn == k ? ch->mask : NULL))
			return true;
	return false;
}

bool plant_exposed(const struct plant_point *pp, const struct choice *ch)
{
	switch (pp->plant) {
	case PLANT_HEADER_BEFORE_FLUSH:
		return header_ahead(pp, ch);
	case PLANT_EARLY_MIGRATE:
		return home_before_header(pp, ch);
	case PLANT_REUSE_EARLY:
		return reused_early(pp, ch);
	default:
		return false;
	}
}
