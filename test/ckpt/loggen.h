/* SPDX-License-Identifier: MIT */
/*
 * loggen: a host-side checkpoint log writer for tests. It writes
 * generations exactly as docs/checkpoint.md says the kernel does (object
 * blocks, directory, FLUSH, header in slot sequence mod 2, FLUSH) through
 * a small "device" interface, so tests can build real logs and then
 * corrupt them, and the crash tests can record the same writes in
 * dm-log-writes form. The kernel has its own writer; the format document
 * is the contract both follow.
 *
 * Log space follows the protocol: a generation may only use ring blocks
 * that the last *durable* header's tail has released; the new header's
 * tail keeps the newest `keep` generations (the older ones count as
 * migrated; loggen does not copy them home because recovery never reads
 * home locations). A generation that does not fit fails with -ENOSPC
 * rather than overwrite something a durable header still needs.
 *
 * Native only (tests and tools), though it needs neither malloc nor stdio:
 * directory blocks are built one at a time in a stack buffer.
 */
#ifndef CAIRN_TEST_LOGGEN_H
#define CAIRN_TEST_LOGGEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cairn/ckptlog.h"

#define LOGGEN_MAX_KEEP 16u

/* Where loggen's writes go. Both return 0 on success. */
struct loggen_dev {
	void *ctx;
	int (*write)(void *ctx, uint64_t block, const void *buf4096);
	int (*flush)(void *ctx);
};

struct loggen_opts {
	unsigned keep;            /* generations kept in the log, 1..LOGGEN_MAX_KEEP */
	bool link_always;         /* write the previous link even when not kept */
	bool bug_header_before_flush; /* BUGGY: no FLUSH between data and header */
	bool bug_reuse_early;     /* BUGGY: reuse ring space the durable tail still holds */
	uint32_t interval_ms;     /* header field */
	uint64_t start_pos;       /* first log position (tests of ring wrap-around) */
};

/* One object of a generation: a block of a pool, all-zero when data is
 * NULL or all its bytes are zero (then a ZERO entry, no data block). */
struct loggen_obj {
	uint8_t kind;             /* CKPT_KIND_NODEPOT, _TAGPOT or _PAGE */
	uint64_t index;
	const void *data;         /* 4096 bytes or NULL */
};

struct loggen_gen {
	uint64_t seq, gen_start, dir_pos;
	uint32_t dir_blocks;
};

struct loggen {
	const struct cairn_superblock *sb;
	struct loggen_dev dev;
	struct loggen_opts opt;
	uint64_t seq;             /* last sequence committed */
	uint64_t head;            /* next free log position */
	uint64_t durable_tail;    /* tail of the last committed header */
	struct loggen_gen kept[LOGGEN_MAX_KEEP]; /* oldest first */
	unsigned nkept;
	struct ckpt_header last;  /* the last header written */
};

/* Start a log on an empty volume (both header slots zero). opt may be
 * NULL (keep 2, everything else 0). */
void loggen_init(struct loggen *g, const struct cairn_superblock *sb,
		 const struct loggen_dev *dev, const struct loggen_opts *opt);

/*
 * Write one generation: objs (kinds NODEPOT, TAGPOT, PAGE; each block at
 * most once) and the running domains' root OIDs, then its header. 0 on
 * success, -ENOSPC when it does not fit in the log space the durable tail
 * allows, -EIO when the device fails, -EINVAL for a bad object kind.
 */
int loggen_commit(struct loggen *g, const struct loggen_obj *objs, size_t nobjs,
		  const uint64_t *threads, size_t nthreads);

/* Log blocks a commit of these objects needs (data blocks + directory),
 * and the blocks the next commit may use without -ENOSPC. */
uint64_t loggen_blocks_needed(const struct loggen_obj *objs, size_t nobjs, size_t nthreads);
uint64_t loggen_space(const struct loggen *g);

/* A device over a whole volume image in memory (blocks * 4096 bytes).
 * Reads of block fail_block fail (UINT64_MAX: none); counts reads. */
struct loggen_memdev {
	uint8_t *img;
	uint64_t blocks;
	uint64_t fail_block;
	uint64_t reads, writes, flushes;
};

int loggen_mem_write(void *ctx, uint64_t block, const void *buf);
int loggen_mem_flush(void *ctx);
int loggen_mem_read(void *ctx, uint64_t block, void *buf);  /* a ckpt_read_fn */
struct loggen_dev loggen_mem_dev(struct loggen_memdev *m);

#endif /* CAIRN_TEST_LOGGEN_H */
