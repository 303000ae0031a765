/* SPDX-License-Identifier: MIT */
/*
 * The validation of one generation's directory, on decoded blocks and
 * entries: the checks recovery applies to every generation it reads
 * (recover.c), and the ones the kernel's log writer applies to every
 * generation before its header may be written (kern/ckpt/ckpt_write.c), so that
 * the writer never commits a generation recovery would refuse. Both run
 * this code; neither has a check of its own beside it.
 *
 * A check goes: ckpt_gen_begin() with the header the generation belongs
 * to and the link that names its directory; for each directory block in
 * order, ckpt_gen_block() with its fixed part, then ckpt_gen_entry() with
 * each of its entries; then ckpt_gen_end(). Each returns the first failure
 * as a named enum ckpt_err and the check stops there; ckpt_gen_explain()
 * then says where, in one line (the text recovery prints when it stops a
 * boot, and the writer when it refuses a generation).
 *
 * What is checked: each block's fixed part (ckpt_dir_info_check(): the
 * decoder's rules), its sequence, index and dir_blocks against the link,
 * its gen_start and previous link against block 0's, block 0's gen_start
 * against the header (newest generation) or the tail (an older one); each
 * entry's kind and flags (the decoder's rules), its index inside its pool
 * and a data position inside [gen_start, dir_pos) (ckpt_entry_check()),
 * and that no block and no thread is listed twice in the generation; at
 * the end, that every block was given and, for the newest generation,
 * that the object and thread counts are the header's.
 *
 * The duplicate check uses the caller's directory map: each entry is
 * inserted with mark = the check's mark, and meeting an entry with the
 * same mark is a duplicate. An entry already there with another mark came
 * from a newer generation (recovery walks newest first): it keeps its
 * value and takes this mark. So the map accumulates over a walk, and must
 * hold every entry of it. Cost per entry: one map insert, a few compares.
 *
 * Freestanding, like logfmt.c: no allocation, no stdio.
 */
#ifndef CAIRN_CKPT_GENCHECK_H
#define CAIRN_CKPT_GENCHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dirmap.h"
#include "cairn/ckptlog.h"

/* Room for a detail line (recovery's, the writer's refusal), NUL included. */
#define CKPT_DETAIL_SIZE 160

/* One line of text built by appending, always NUL-terminated, cut at size. */
struct ckpt_detail {
	char *buf;
	size_t size; /* of buf, >= 1 */
	size_t len;
};

void ckpt_detail_begin(struct ckpt_detail *d, char *buf, size_t size);
void ckpt_detail_str(struct ckpt_detail *d, const char *s);
void ckpt_detail_u64(struct ckpt_detail *d, uint64_t v);

/* What names a directory: the header (newest generation) or the previous
 * link of a newer directory. */
struct ckpt_gen_link {
	uint64_t seq;
	uint64_t dir_pos;
	uint32_t dir_blocks;
};

/* Where a check failed (for ckpt_gen_explain()). */
enum ckpt_gen_stage {
	CKPT_GEN_AT_NONE = 0,
	CKPT_GEN_AT_BLOCK, /* a block's fixed part */
	CKPT_GEN_AT_ENTRY, /* an entry */
	CKPT_GEN_AT_END,   /* a missing block, or the counts */
};

/* The state of one check; the fields are readable, set only by the
 * functions below. */
struct ckpt_gen_check {
	const struct cairn_superblock *sb;
	struct ckpt_dirmap *map;
	struct ckpt_header hdr;     /* the header of the walk (the newest) */
	struct ckpt_gen_link link;  /* this generation's directory */
	uint32_t mark;              /* >= 1, distinct per generation of a walk */
	bool newest;                /* link.seq == hdr.sequence */
	uint32_t blocks;            /* directory blocks accepted */
	struct ckpt_dir_info first; /* block 0's fixed part, once accepted */
	struct ckpt_dir_info cur;   /* the block being checked */
	uint32_t cur_entries;       /* its entries accepted */
	uint64_t objects, threads;  /* entries accepted, by kind */
	enum ckpt_gen_stage failed_at;
	struct ckpt_entry bad; /* the entry refused (CKPT_GEN_AT_ENTRY) */
};

/*
 * Start checking the generation whose directory l names, in the walk of
 * header hdr (decoded and valid: the newest generation's; its tail bounds
 * the older ones). map is used as it is (not cleared). mark >= 1 must
 * differ from every other generation's in the same map.
 */
void ckpt_gen_begin(struct ckpt_gen_check *c, const struct cairn_superblock *sb,
		    struct ckpt_dirmap *map, const struct ckpt_header *hdr,
		    const struct ckpt_gen_link *l, uint32_t mark);

/* The fixed part of the next directory block (index c->blocks). */
enum ckpt_err ckpt_gen_block(struct ckpt_gen_check *c, const struct ckpt_dir_info *d);

/* The next entry of the current block (at most its count). On CKPT_OK the
 * entry is in the map (value: e's fields, seq = the generation's). */
enum ckpt_err ckpt_gen_entry(struct ckpt_gen_check *c, const struct ckpt_entry *e);

/* Every block given; for the newest generation, the counts the header's.
 * *next (may be NULL) gets the previous link to follow: seq 0 when the
 * walk ends here (no previous generation, or one before the tail). */
enum ckpt_err ckpt_gen_end(struct ckpt_gen_check *c, struct ckpt_gen_link *next);

/* "generation G directory block B/N at log position P (volume block V)" */
void ckpt_gen_where(const struct ckpt_gen_check *c, uint32_t b, struct ckpt_detail *d);

/* Append the text for err, the failure a ckpt_gen_* call just returned:
 * where, the entry ("entry I (page 7)") and what was wrong with it. */
void ckpt_gen_explain(const struct ckpt_gen_check *c, enum ckpt_err err, struct ckpt_detail *d);

#endif /* CAIRN_CKPT_GENCHECK_H */
