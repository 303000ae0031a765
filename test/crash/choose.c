/* SPDX-License-Identifier: MIT */
/*
 * Choosing crash states (replay.h describes them): which of a flush
 * window's writes land, and which one tears and how (choose.h).
 *
 * Invariant: a torn write's mask is never all true and never all false,
 * so a torn state always differs from both "in" and "out" for that write.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "choose.h"
#include "model.h"

static uint64_t rnd(struct choice *c)
{
	uint64_t x = c->rng;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	c->rng = x;
	return x * 0x2545f4914f6cdd1dull;
}

static const struct dmlog_entry *wentry(const struct choice *c, size_t k)
{
	return &c->dl->e[c->idx[k]];
}

static bool tearable(const struct dmlog_entry *e)
{
	return e->nr_sectors >= 2 && !(e->flags & DMLOG_DISCARD);
}

/* Which sectors of window write t land: a torn pattern, never all and
 * never none. `half`: the first half of every 4 KiB block. */
static void tear(struct choice *c, size_t t, bool half)
{
	const struct dmlog_entry *e = wentry(c, t);
	uint64_t nr = e->nr_sectors, landed = 0;
	unsigned how = half ? 3 : (unsigned)(rnd(c) % 3);

	c->torn = t;
	for (uint64_t s = 0; s < nr; s++) {
		uint64_t in_blk = (e->sector + s) % c->spb;

		switch (how) {
		case 0: /* a prefix: filled later */
			c->mask[s] = false;
			break;
		case 1: /* each sector by chance */
			c->mask[s] = rnd(c) & 1;
			break;
		case 2: /* every block whole, but one: filled below */
			c->mask[s] = true;
			break;
		default:
			c->mask[s] = in_blk < c->spb / 2;
			break;
		}
	}
	if (how == 0) {
		uint64_t k = 1 + rnd(c) % (nr - 1);

		for (uint64_t s = 0; s < k; s++)
			c->mask[s] = true;
	} else if (how == 2) {
		/* One 4 KiB block of the write gets a random proper subset. */
		uint64_t pick = rnd(c) % nr, first = pick, last = pick;

		while (first > 0 && (e->sector + first) % c->spb != 0)
			first--;
		while (last + 1 < nr && (e->sector + last + 1) % c->spb != 0)
			last++;
		for (uint64_t s = first; s <= last; s++)
			c->mask[s] = rnd(c) & 1;
	}
	for (uint64_t s = 0; s < nr; s++)
		landed += c->mask[s];
	if (landed == 0)
		c->mask[rnd(c) % nr] = true;
	else if (landed == nr)
		c->mask[rnd(c) % nr] = false;
}

static uint64_t fnv(uint64_t h, uint64_t v)
{
	for (unsigned i = 0; i < 8; i++) {
		h ^= (v >> (8 * i)) & 0xff;
		h *= 0x100000001b3ull;
	}
	return h;
}

bool choice_make(struct choice *c, enum state_kind kind)
{
	size_t last_in = 0;

	c->torn = SIZE_MAX;
	if (kind != ST_NONE && c->n == 0)
		return false;
	if (kind == ST_ALL_BUT_LAST && c->n < 2)
		return false;
	unsigned eighths = kind == ST_RANDOM ? 1 + (unsigned)(rnd(c) % 7) : 0;
	for (size_t k = 0; k < c->n; k++) {
		switch (kind) {
		case ST_NONE:
			c->in[k] = false;
			break;
		case ST_ALL:
		case ST_LAST_TORN:
			c->in[k] = true;
			break;
		case ST_ALL_BUT_LAST:
			c->in[k] = k + 1 < c->n;
			break;
		case ST_RANDOM:
			c->in[k] = rnd(c) % 8 < eighths;
			break;
		}
		if (c->in[k])
			last_in = k + 1;
	}
	/* A FUA write had completed before anything logged after it was
	 * issued: it is in whenever a later write is. */
	for (size_t k = 0; k < last_in; k++)
		if (wentry(c, k)->flags & DMLOG_FUA)
			c->in[k] = true;

	if (kind == ST_LAST_TORN) {
		size_t k = c->n;

		while (k-- > 0 && !tearable(wentry(c, k)))
			;
		if (k == SIZE_MAX || c->spb < 2)
			return false;
		tear(c, k, true);
	} else if (kind == ST_RANDOM && (rnd(c) & 1)) {
		size_t cand = 0, pick;

		for (size_t k = 0; k < c->n; k++)
			cand += c->in[k] && tearable(wentry(c, k));
		if (cand) {
			pick = rnd(c) % cand;
			for (size_t k = 0; k < c->n; k++) {
				if (!(c->in[k] && tearable(wentry(c, k))))
					continue;
				if (pick-- == 0) {
					tear(c, k, false);
					break;
				}
			}
		}
	}
	return true;
}

bool choice_fresh(struct choice *c)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t k = 0; k < c->n; k++)
		if (c->in[k])
			h = fnv(h, k);
	if (c->torn != SIZE_MAX) {
		h = fnv(h, UINT64_MAX - c->torn);
		for (uint64_t s = 0; s < wentry(c, c->torn)->nr_sectors; s++)
			h = fnv(h, c->mask[s]);
	}
	for (size_t i = 0; i < c->nfps; i++)
		if (c->fps[i] == h)
			return false;
	c->fps[c->nfps++] = h;
	return true;
}

int choice_apply(const struct choice *c, struct overlay *o, char *desc, size_t len)
{
	size_t count = 0;

	secmap_clear(&o->pending);
	for (size_t k = 0; k < c->n; k++) {
		const struct dmlog_entry *e = wentry(c, k);
		uint64_t off = model_data_off(e);

		if (!c->in[k])
			continue;
		count++;
		for (uint64_t s = 0; s < e->nr_sectors; s++) {
			if (k == c->torn && !c->mask[s])
				continue;
			if (secmap_put(&o->pending, e->sector + s,
				       off == OVL_ZERO ? OVL_ZERO : off + s * o->ss) != 0)
				return -1;
		}
	}
	if (c->torn != SIZE_MAX) {
		const struct dmlog_entry *e = wentry(c, c->torn);
		uint64_t landed = 0;

		for (uint64_t s = 0; s < e->nr_sectors; s++)
			landed += c->mask[s];
		snprintf(desc, len,
			 "%zu of %zu unflushed writes, log entry %" PRIu64 " (sector %" PRIu64
			 " +%" PRIu64 ") torn: %" PRIu64 " sectors landed",
			 count, c->n, e->log_index, e->sector, e->nr_sectors, landed);
	} else {
		snprintf(desc, len, "%zu of %zu unflushed writes", count, c->n);
	}
	return 0;
}
