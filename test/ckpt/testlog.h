/* SPDX-License-Identifier: MIT */
/*
 * testlog: the real log writer (ckpt/writer.c) driven the way the kernel
 * drives it, for the host tests and crashgen. A commit is one epoch: its
 * objects become the snapshot items, its threads the thread list; the
 * writer stabilizes and migrates them over the caller's struct ckpt_io,
 * which completes every request before submit() returns (a file,
 * ckpt/io_file.h, or crashgen's recording), so the generation is durable
 * and home when testlog_commit() returns.
 *
 * Admission is the owner's, as in the kernel (kern/ckpt/ckpt_space.c):
 * here, knowing the data, a generation is admitted when its real size
 * (non-zero data blocks and directory) fits in ckpt_log_room(), else
 * -ENOSPC: nothing a durable header still needs is ever overwritten.
 * --bug reuse-early (crashgen) admits by the whole ring instead.
 */
#ifndef CAIRN_TEST_TESTLOG_H
#define CAIRN_TEST_TESTLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "writer.h"

#define TESTLOG_MAX_OBJS    512u
#define TESTLOG_MAX_THREADS 128u
#define TESTLOG_MAX_GENS    256u /* generations remembered (by sequence) */

struct testlog_opts {
	unsigned keep;            /* generations a header keeps (0: 1, as the kernel) */
	uint32_t interval_ms;     /* the header field */
	uint64_t start_pos;       /* first log position (tests of ring wrap-around) */
	bool bug_reuse_early;     /* BUGGY admission: the whole ring, tail ignored */
	unsigned home_flush_from; /* the writer's (0: homes left to the next FLUSH1) */
	unsigned one_flush_max;   /* the writer's (0: every commit with two FLUSHes) */
};

/* One object of a generation: a block of a pool, all-zero when data is
 * NULL or all its bytes are zero (then a ZERO entry, no data block). */
struct testlog_obj {
	uint8_t kind; /* CKPT_KIND_NODEPOT, _TAGPOT or _PAGE */
	uint64_t index;
	const void *data; /* 4096 bytes or NULL */
};

/* Where a committed generation went. */
struct testlog_gen {
	uint64_t seq, gen_start, dir_pos;
	uint32_t dir_blocks;
};

struct testlog {
	const struct cairn_superblock *sb;
	struct testlog_opts opt;
	struct ckpt_writer w;
	struct ckpt_item items[TESTLOG_MAX_OBJS];
	uint64_t threads[TESTLOG_MAX_THREADS];
	struct ckpt_dirent *check_slots;
	void *bufs; /* CKPT_WRITER_SLOTS blocks */
	bool timer_pending;
	unsigned reports[CKPT_REPORT_RECOVERED_MIGRATED + 1]; /* by kind */
	struct ckpt_header last;                              /* the header of the last commit */
	struct testlog_gen gen[TESTLOG_MAX_GENS];             /* gen[s]: sequence s */
};

/* An empty log on sb, written through io (whose completions must go to
 * &l->w). opt may be NULL (keep 1). 0, or -ENOMEM. */
int testlog_init(struct testlog *l, const struct cairn_superblock *sb, struct ckpt_io io,
		 const struct testlog_opts *opt);
void testlog_free(struct testlog *l);

/*
 * One epoch: objs (each block at most once, or the writer refuses it)
 * and the running domains' root OIDs, demarcated, stabilized, migrated.
 * 0 when committed; -ENOSPC when it does not fit, -EIO when the device
 * failed it (after the writer's retries), -EINVAL for a bad kind or too
 * many, -EPROTO when the writer refused it.
 */
int testlog_commit(struct testlog *l, const struct testlog_obj *objs, size_t nobjs,
		   const uint64_t *threads, size_t nthreads);

/* Log blocks a commit of these objects takes (data blocks + directory). */
uint64_t testlog_blocks_needed(const struct testlog_obj *objs, size_t nobjs, size_t nthreads);

#endif /* CAIRN_TEST_TESTLOG_H */
