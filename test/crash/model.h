/* SPDX-License-Identifier: MIT */
/*
 * What a recorded write stream says about its checkpoints, worked out from
 * the writes alone (never from a crash state), for crashreplay to judge
 * the states against.
 *
 * model_build() replays every write of the log in order over BASE (all of
 * them landing: the run as it happened) and
 *   - decodes the two header slots after every write that touches one: a
 *     slot that then holds a valid header in its right slot is a header
 *     write, remembered with its 4 KiB content (so a crash state's slot can
 *     be compared byte for byte with what was written);
 *   - reads, at that moment, the directory the header names: the
 *     generation's object entries (kind, index, block sum of the data) and
 *     its previous link, chained to the header write of the previous
 *     sequence, or to BASE's own checkpoint;
 *   - collects the blocks worth checking in every state: every block any
 *     generation names, every pool block any write touches, every block of
 *     BASE's checkpoint.
 *
 * The content of checkpoint H is then: BASE's state (its checkpoint's
 * objects from the log, the rest from home), overlaid by the entries of
 * each generation on the chain from there up to H, oldest first.
 * model_expect() gives it for every block of interest, as block sums.
 */
#ifndef CAIRN_TEST_CRASH_MODEL_H
#define CAIRN_TEST_CRASH_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dirmap.h"
#include "dmlog.h"
#include "cairn/ckptlog.h"
#include "overlay.h"

#define MODEL_BASE SIZE_MAX /* entry of a header found in BASE */
#define MODEL_NONE SIZE_MAX /* no header: the chain ends at BASE */

/* A block of the volume by pool: what directory entries name. */
struct model_key {
	uint8_t kind; /* CKPT_KIND_NODEPOT, _TAGPOT, _PAGE */
	uint64_t index;
};

struct model_obj {
	uint32_t ix;  /* in model.interest */
	uint64_t sum; /* ckpt_block_sum() of the data (of zeros for a ZERO entry) */
};

struct model_hdr {
	size_t entry; /* log entry that wrote it, MODEL_BASE: BASE's */
	unsigned slot;
	struct ckpt_header h;
	uint8_t *block; /* the slot's 4096 bytes just after that write */
	bool gen_ok;    /* its directory read back and its chain is known */
	char why[160];  /* when !gen_ok: what was wrong */
	size_t prev;    /* header of the previous generation, MODEL_NONE: BASE */
	struct model_obj *objs;
	size_t nobjs;
};

struct model {
	const struct cairn_superblock *sb;
	struct model_hdr *hdr; /* in log order; BASE's first */
	size_t nhdr;
	uint64_t *entry_seq; /* per log entry: newest valid header sequence it wrote, 0 */
	uint64_t base_seq;   /* BASE's recovered checkpoint, 0: none */
	bool base_ok;        /* BASE recovered cleanly (else no content checks) */
	struct model_key *interest;
	uint64_t *base_sum; /* per interest block: its content in BASE's state */
	size_t ninterest;
	struct ckpt_dirmap index; /* (kind, index) -> interest position (in .pos) */
	struct ckpt_dirent *index_slots;
	uint64_t zero_sum; /* ckpt_block_sum() of a zero block */
	/* model_expect() cache */
	size_t cached;
	uint64_t *cache;
};

/* Build the model of log dl over the overlay o (whose durable and pending
 * layers must be empty; they are used and left empty). 0, or -1 with a
 * message in err. */
int model_build(struct model *m, const struct cairn_superblock *sb, struct overlay *o,
		const struct dmlog *dl, char *err, size_t errlen);
void model_free(struct model *m);

/* Is entry e one that changes the volume (a write, write-zeroes or
 * discard)? Its content: data at e->data_off, or OVL_ZERO. */
bool model_is_data(const struct dmlog_entry *e);
uint64_t model_data_off(const struct dmlog_entry *e);

/* The pool block a volume block is, false for blocks outside the pools. */
bool model_block_key(const struct cairn_superblock *sb, uint64_t block, struct model_key *k);
uint64_t model_home_block(const struct cairn_superblock *sb, const struct model_key *k);

/* The header written whose content is exactly `block` in slot `slot`,
 * among those written by entries before `end` (and BASE's). -1: none. */
long model_find_header(const struct model *m, unsigned slot, const void *block, size_t end);

/* The expected block sums of checkpoint hdr (an index into m->hdr), or of
 * BASE's state for MODEL_NONE, one per interest block; NULL when the
 * generation or its chain is not known (hdr's why says). The array stays
 * valid until the next call. */
const uint64_t *model_expect(struct model *m, size_t hdr);

#endif /* CAIRN_TEST_CRASH_MODEL_H */
