/* SPDX-License-Identifier: MIT */
/*
 * Choosing the crash states of one flush window (replay.h has the model):
 * the window is the data entries logged between two flushes; a state says
 * which of them land, and at most one of them torn (only some of its
 * 512-byte sectors land). choice_make() draws one state of a kind,
 * choice_fresh() tells whether the window had it already, choice_apply()
 * puts it in an overlay's pending layer. Deterministic: the same rng and
 * the same calls give the same states.
 */
#ifndef CAIRN_TEST_CRASH_CHOOSE_H
#define CAIRN_TEST_CRASH_CHOOSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dmlog.h"
#include "overlay.h"

enum state_kind {
	ST_NONE,         /* none of the window's writes */
	ST_ALL,          /* all of them */
	ST_ALL_BUT_LAST, /* all but the last one */
	ST_LAST_TORN,    /* all, the last one with only the first half of each 4 KiB block */
	ST_RANDOM,       /* each with a random probability; one torn, half of the time */
};
#define ST_FIXED 4u /* the kinds before ST_RANDOM */

struct choice {
	const struct dmlog *dl;
	uint32_t spb;   /* log sectors per 4 KiB block */
	uint64_t rng;   /* xorshift64* state */
	size_t *idx, n; /* the window: its data entries' numbers in dl */
	bool *in;       /* per window write: it lands (only in part if torn) */
	size_t torn;    /* window position of the torn write, SIZE_MAX: none */
	bool *mask;     /* the torn write's sectors that land */
	uint64_t *fps;  /* fingerprints of the window's states so far */
	size_t nfps;    /* (the caller resets it for each window) */
};

/* Draw a state of this kind; false when the kind does not apply (an empty
 * window, a single write for ALL_BUT_LAST, nothing tearable). */
bool choice_make(struct choice *c, enum state_kind kind);

/* true, and remember it, if the window has not had this state yet. */
bool choice_fresh(struct choice *c);

/* Fill o's pending layer with the state, and describe it in desc. 0, or
 * -1 when out of memory. */
int choice_apply(const struct choice *c, struct overlay *o, char *desc, size_t len);

#endif /* CAIRN_TEST_CRASH_CHOOSE_H */
