/* SPDX-License-Identifier: MIT */
/*
 * Planted writer bugs, as crashreplay checks them (--planted NAME): a
 * recording made by a writer with a known bug must fail, and fail only
 * where and how that bug explains, so that a broken recovery (or a broken
 * checker) cannot pass for the plant being caught.
 *
 * A state *exposes* a plant when the write stream, in that state, shows the
 * ordering the plant breaks; this is worked out from the log and the
 * state's choice of writes alone, never from what recovery did:
 *
 *   header-before-flush  a header write landed (even torn: the sectors that
 *                        did not land may hold what it wrote there anyway)
 *                        while a write logged before it in the same flush
 *                        window did not land whole: the header got ahead
 *                        of the blocks it was written after;
 *   early-migrate        a write logged after a header write in the same
 *                        flush window landed (even in part) while that
 *                        header did not land intact: migration reached
 *                        home before the header allowing it;
 *   reuse-early          a write logged after the header of the newest
 *                        durable checkpoint landed (durably, or in this
 *                        state) on a ring block that checkpoint still holds
 *                        ([tail, head) of its header): log space reused
 *                        while a durable header still needs it.
 *
 * Every failure also has a reason (enum fail_reason, from the check that
 * failed), and each plant allows only the reasons it can cause. The rule
 * for a planted recording: some state fails; every failing state exposes
 * the plant; every failure's reason is one the plant allows.
 */
#ifndef CAIRN_TEST_CRASH_PLANT_H
#define CAIRN_TEST_CRASH_PLANT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "choose.h"
#include "model.h"

enum plant { PLANT_NONE, PLANT_HEADER_BEFORE_FLUSH, PLANT_REUSE_EARLY, PLANT_EARLY_MIGRATE };

/* Which check of replay.h a failing state failed. */
enum fail_reason {
	FR_RECOVERY, /* (a) recovery returned an error */
	FR_OLDER,    /* (a) it opened a checkpoint older than the durable one */
	FR_FOREIGN,  /* (a) it opened a header no write put there intact */
	FR_OBJECT,   /* (b) an object's log block does not match its block sum */
	FR_THREADS,  /* (b) domains reported differ from the header's count */
	FR_CONTENT,  /* (c) a block's content is not what its checkpoint gave it */
	FR_N
};

/* PLANT_NONE and false for a name that is none of the plants. */
bool plant_parse(const char *name, enum plant *p);
const char *plant_name(enum plant p);
const char *fail_reason_name(enum fail_reason r);
bool plant_allows(enum plant p, enum fail_reason r);

/* What plant_exposed() needs to know about the current flush point. */
struct plant_point {
	enum plant plant;
	const struct cairn_superblock *sb;
	const struct dmlog *dl;
	const struct model *md;
	const struct model_hdr *durable; /* newest durable header, NULL: none */
	bool durable_clobbered;          /* reuse-early: a durable write already did it */
};

/* The model header written by log entry `entry` with sequence seq (for
 * BASE's: entry MODEL_BASE); NULL when there is none. */
const struct model_hdr *plant_find_header(const struct model *md, size_t entry, uint64_t seq);

/* Set pp up for the point whose window starts at log entry `start`, with
 * `durable` the newest durable header. */
void plant_point_begin(struct plant_point *pp, const struct model_hdr *durable, size_t start);

/* Does the state ch of the current window expose the plant? */
bool plant_exposed(const struct plant_point *pp, const struct choice *ch);

#endif /* CAIRN_TEST_CRASH_PLANT_H */
