/* SPDX-License-Identifier: MIT */
/*
 * Recovery: find the newest checkpoint on a volume and rebuild the
 * in-memory directory from the log (docs/checkpoint.md "Recovery").
 *
 * The caller supplies the volume (a decoded, geometry-checked superblock
 * and a function reading one 4 KiB block), one 4 KiB scratch buffer and
 * the map to fill. Nothing is allocated and nothing is written to the
 * volume, so the same code runs in the kernel at boot, in host tests over
 * an image in memory, and in the crash-state replayer over an overlay.
 *
 * The phases, in order:
 *   1. SLOTS   read and decode both header slots; report each one's status;
 *   2. CHOOSE  take the valid header with the higher sequence; with none
 *              valid, a first boot if a slot is empty (the other can only
 *              be a torn first header), else slot 0's error; a slot that
 *              cannot be read is CKPT_ERR_IO, never a fall back;
 *   3. WALK    read the newest generation's directory, then follow the
 *              previous links while the previous directory lies at or after
 *              the header's tail, validating every block and entry; the
 *              newest entry for a block wins;
 *   4. VERIFY  only for a header flagged CKPT_HDR_ONE_FLUSH (written before
 *              the FLUSH that made its blocks durable): read every data
 *              block of the newest generation and check its sum. That
 *              generation failing the walk (but for a read error) or this
 *              check is CKPT_ERR_TORN: it never became a checkpoint;
 *   5. FALL BACK after CKPT_ERR_TORN only: the other slot's header, the
 *              generation before, durable before the torn one's first
 *              write (or a first boot if that slot is empty), and the walk
 *              again from it;
 *   6. THREADS report the THREAD entries of the newest generation.
 * Any other damage in a directory named by the valid newest header is an
 * error: there is no fall back to the older slot (its generations may
 * have been migrated over since).
 *
 * ckpt_recover() runs them all; ckpt_recover_header() (1, 2),
 * ckpt_recover_walk() (3, 4, 6) and ckpt_recover_fall_back() (5) run them
 * in separate calls, so that a caller can size the map from the headers it
 * found, reading each slot once.
 */
#ifndef CAIRN_CKPT_RECOVER_H
#define CAIRN_CKPT_RECOVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dirmap.h"
#include "gencheck.h"
#include "cairn/ckptlog.h"

/* Read volume block `block` (4096 bytes) into buf. 0 on success; any other
 * value is a read error (recovery returns CKPT_ERR_IO). */
typedef int ckpt_read_fn(void *ctx, uint64_t block, void *buf);

/* Called once per running domain of the recovered checkpoint. */
typedef void ckpt_thread_fn(void *arg, uint64_t root_oid);

struct ckpt_recovery {
	bool found;             /* a checkpoint was recovered (else first boot) */
	unsigned slot;          /* the slot of hdr, when found */
	struct ckpt_header hdr; /* the header recovered from, when found */
	enum ckpt_err slot_err[CKPT_HEADER_SLOTS];      /* each slot's decode result */
	uint64_t slot_seq[CKPT_HEADER_SLOTS];           /* its sequence when CKPT_OK, else 0 */
	struct ckpt_header slot_hdr[CKPT_HEADER_SLOTS]; /* each slot's header when CKPT_OK */
	bool fell_back;                /* the newest header's generation was torn (phase 5) */
	uint64_t torn_sequence;        /* ... its sequence, */
	uint64_t torn_head;            /* ... and the log position after it: positions below
					* it may hold its blocks, so a writer goes on after it */
	uint64_t verified;             /* data blocks read and checked in phase 4 */
	uint64_t generations;          /* directories read (newest included) */
	uint64_t dir_blocks;           /* directory blocks read */
	uint64_t entries;              /* directory entries read, all kinds and generations */
	uint64_t objects;              /* entries left in the map (newest copy of each block) */
	uint64_t threads;              /* THREAD entries reported to on_thread */
	char detail[CKPT_DETAIL_SIZE]; /* what failed, for the console (after a fall back:
					* why the newest was not used); "" when nothing did */
};

/*
 * Recover the newest checkpoint of the volume described by sb (decoded and
 * geometry-checked). read(ctx, block, buf) reads one block; scratch is a
 * buffer of at least 4096 bytes; map is emptied and filled with one entry
 * per block that has a copy in the kept generations (value: the newest
 * copy). on_thread (may be NULL) is called with each THREAD entry of the
 * newest generation, only once the whole walk has succeeded. out is always
 * filled as far as recovery got.
 *
 * Returns CKPT_OK with out->found = false when both slots are empty (first
 * boot), CKPT_OK with out->found = true on success, or the first error;
 * on error the map's contents are unspecified and on_thread was not called.
 * THREAD entries occupy map slots during the walk (for the duplicate check),
 * so the map must hold every entry of the kept generations.
 */
enum ckpt_err ckpt_recover(const struct cairn_superblock *sb, ckpt_read_fn *read, void *ctx,
			   void *scratch, struct ckpt_dirmap *map, ckpt_thread_fn *on_thread,
			   void *thread_arg, struct ckpt_recovery *out);

/* Phases 1 and 2 of ckpt_recover(): out is filled as far as the header
 * (found, slot, hdr, slot_err, slot_seq, detail). The same results: CKPT_OK
 * with out->found = false for a first boot, CKPT_OK with out->found = true
 * when there is a header to recover from, or the error. */
enum ckpt_err ckpt_recover_header(const struct cairn_superblock *sb, ckpt_read_fn *read, void *ctx,
				  void *scratch, struct ckpt_recovery *out);

/* Phases 3 and 4, after ckpt_recover_header() returned CKPT_OK with
 * out->found (anything else is CKPT_ERR_ARGUMENT): the walk from out->hdr,
 * as ckpt_recover() goes on; out keeps what the header phases filled. */
enum ckpt_err ckpt_recover_walk(const struct cairn_superblock *sb, ckpt_read_fn *read, void *ctx,
				void *scratch, struct ckpt_dirmap *map, ckpt_thread_fn *on_thread,
				void *thread_arg, struct ckpt_recovery *out);

/* Phase 5, after ckpt_recover_walk() returned CKPT_ERR_TORN: out->hdr
 * becomes the other slot's header (CKPT_OK, found), or there is none
 * (CKPT_OK, not found: a first boot, the other slot is empty), or the
 * other slot is damaged too (CKPT_ERR_TORN, with the detail). The caller
 * then walks again (into a map sized for ckpt_recover_fall_back_header()).
 * CKPT_ERR_ARGUMENT when the walk did not return CKPT_ERR_TORN. */
enum ckpt_err ckpt_recover_fall_back(struct ckpt_recovery *out);

/* The header phase 5 would fall back to, or NULL when there is none: a
 * caller sizes its map for both before the first walk. */
const struct ckpt_header *ckpt_recover_fall_back_header(const struct ckpt_recovery *out);

/*
 * Check one recovered object against its data: read the log block at
 * e->pos and compare its ckpt_block_sum() with e->sum. CKPT_OK for a ZERO
 * entry (no data block) or a match, CKPT_ERR_DATA on a mismatch,
 * CKPT_ERR_IO if the read fails, CKPT_ERR_KIND for a THREAD entry.
 */
enum ckpt_err ckpt_verify_object(const struct cairn_superblock *sb, ckpt_read_fn *read, void *ctx,
				 void *scratch, const struct ckpt_dirent *e);

#endif /* CAIRN_CKPT_RECOVER_H */
