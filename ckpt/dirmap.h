/* SPDX-License-Identifier: MIT */
/*
 * The in-memory directory: which blocks have their newest committed copy in
 * the log, and where. A hash map from (kind, index) to the entry's log
 * position, block sum, generation and flags, filled by recovery
 * (recover.c) and kept up to date by the checkpointer; the object cache
 * asks it where to read a block from (in the log, or at home if absent).
 *
 * Open addressing with linear probing over a caller-provided array of
 * capacity slots (a power of two): no allocation, so the kernel can place
 * it anywhere. A slot is free when its kind is 0 (kinds are 1..4).
 * Removal is backward-shift deletion: no tombstones, so lookups stay short
 * however many insert/remove cycles the map goes through. At most
 * ckpt_dirmap_limit() entries (7/8 of the capacity, and always at least
 * one free slot) so probes stay O(1) expected and always terminate.
 *
 * Iteration (ckpt_dirmap_first/next) starts just below a free slot and
 * walks the table downwards, wrapping once. Backward-shift deletion only
 * moves entries towards the start of their own cluster, and no cluster
 * crosses a free slot, so removing the entry just returned moves only
 * entries that were already returned: every entry present throughout the
 * iteration is returned exactly once. Inserting during an iteration, or
 * removing any entry other than the one just returned, may make the
 * iteration return an entry twice or miss one.
 *
 * Freestanding: <stdint.h>, <stddef.h>, <stdbool.h>, <string.h> only.
 */
#ifndef CAIRN_CKPT_DIRMAP_H
#define CAIRN_CKPT_DIRMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cairn/ckptlog.h"

/* One slot: the key (kind, index) and the value. */
struct ckpt_dirent {
	uint64_t index; /* key: index in its pool (or root OID for THREAD) */
	uint64_t pos;   /* log position of the data; unused with CKPT_ENTRY_ZERO */
	uint64_t sum;   /* ckpt_block_sum() of the data; 0 with CKPT_ENTRY_ZERO */
	uint64_t seq;   /* generation the entry comes from */
	uint32_t mark;  /* scratch for the map's users (recovery: duplicate check) */
	uint8_t kind;   /* key: CKPT_KIND_*; 0 = free slot */
	uint8_t flags;  /* CKPT_ENTRY_* */
};

struct ckpt_dirmap {
	struct ckpt_dirent *slots;
	size_t mask;  /* capacity - 1 */
	size_t count; /* entries present */
	size_t limit; /* most entries allowed */
};

/* Iteration state; set by ckpt_dirmap_first(). */
struct ckpt_dirmap_cursor {
	size_t pos;  /* the slot returned last */
	size_t left; /* slots not yet looked at */
};

/* Use slots[0 .. capacity) for the map and empty it. capacity must be a
 * power of two (CKPT_ERR_ARGUMENT otherwise, and the map is unusable). */
enum ckpt_err ckpt_dirmap_init(struct ckpt_dirmap *m, struct ckpt_dirent *slots, size_t capacity);

/* The same for slots the caller has zeroed already (the log writer clears
 * its check map a slice at a time while it writes the data). O(1). */
enum ckpt_err ckpt_dirmap_init_zeroed(struct ckpt_dirmap *m, struct ckpt_dirent *slots,
				      size_t capacity);

/* Remove every entry. O(capacity), but nothing for an empty map. */
void ckpt_dirmap_clear(struct ckpt_dirmap *m);

static inline size_t ckpt_dirmap_count(const struct ckpt_dirmap *m)
{
	return m->count;
}

static inline size_t ckpt_dirmap_capacity(const struct ckpt_dirmap *m)
{
	return m->mask + 1;
}

/* The most entries the map holds: capacity - capacity/8, and at most
 * capacity - 1 (one slot always stays free). */
static inline size_t ckpt_dirmap_limit(const struct ckpt_dirmap *m)
{
	return m->limit;
}

/* The entry for (kind, index), or NULL. The pointer stays valid until the
 * next insert or remove; the caller may change the value fields through it
 * (pos, sum, seq, mark, flags), never kind or index. */
struct ckpt_dirent *ckpt_dirmap_lookup(const struct ckpt_dirmap *m, uint8_t kind, uint64_t index);

/* Insert e, replacing the value of an existing entry with the same key.
 * CKPT_ERR_MAP_FULL when the key is absent and the map holds limit
 * entries; CKPT_ERR_ARGUMENT when e->kind is 0. */
enum ckpt_err ckpt_dirmap_insert(struct ckpt_dirmap *m, const struct ckpt_dirent *e);

/* Insert e unless its key is present. Returns the map's entry for the key
 * (the new one, or the existing one, untouched) and sets *inserted; NULL
 * when the key is absent and the map is full (or e->kind is 0). */
struct ckpt_dirent *ckpt_dirmap_insert_if_absent(struct ckpt_dirmap *m, const struct ckpt_dirent *e,
						 bool *inserted);

/* Remove (kind, index); false if it was not there. */
bool ckpt_dirmap_remove(struct ckpt_dirmap *m, uint8_t kind, uint64_t index);

/*
 * Iterate: ckpt_dirmap_first() starts the cursor, then each
 * ckpt_dirmap_next() copies the next entry to *out and returns true, or
 * returns false at the end. The entry just returned may be removed (or its
 * value changed) before the next call.
 */
void ckpt_dirmap_first(const struct ckpt_dirmap *m, struct ckpt_dirmap_cursor *c);
bool ckpt_dirmap_next(const struct ckpt_dirmap *m, struct ckpt_dirmap_cursor *c,
		      struct ckpt_dirent *out);

#endif /* CAIRN_CKPT_DIRMAP_H */
