/* SPDX-License-Identifier: MIT */
/*
 * Crash-state replay: rebuild the states a volume can be left in by a
 * power cut at any point of a recorded run (a dm-log-writes log of every
 * write and flush, dmlog.h, over BASE: the volume before the run), run
 * checkpoint recovery (ckpt/recover.c, native build) on each, and judge
 * the result against what the write stream itself says (model.h).
 *
 * The states at flush point k (k = 0 .. number of FLUSH entries; point k
 * is "the k-th flush has completed", point 0 the start of the run):
 *   - every write logged before the k-th flush is on disk (durable);
 *   - of the writes logged after it and before the next flush (or the end
 *     of the log: the writes in flight when the recording stopped), some
 *     subset is: none, all, all but the last, all with the last torn, and
 *     `states` random draws (each write in with a random probability; a
 *     FUA write always in if a later write is, as it completed first);
 *   - a torn write lands only some of its 512-byte sectors: a prefix, a
 *     random subset of one of its 4 KiB blocks, each sector by chance, or
 *     (the fixed state) the first half of every 4 KiB block (QEMU merges
 *     adjacent guest requests, so one log entry may be many blocks).
 * A random draw that repeats a state of the same point is not counted.
 *
 * The checks of every state:
 *   (a) recovery returns CKPT_OK (a correct writer never leaves a state
 *       recovery rejects), and the generation it opens is at least the
 *       newest one whose header write is durable at this point (0: first
 *       boot), and its header slot holds, byte for byte, a header the
 *       stream wrote (so a newer, not yet durable header may win, but only
 *       one that landed intact);
 *   (b) every object of the recovered directory has a log block whose
 *       block sum matches its entry (ckpt_verify_object); the domains
 *       reported are as many as the header says;
 *   (c) every block of interest reads back (from the log if the recovered
 *       directory names it, else from home) with the content the model
 *       gives that checkpoint: BASE's state plus the generations of its
 *       chain. This catches home writes (migration) that reach the disk
 *       before the header that allows them is durable, and log space
 *       reused while a durable header still needs it.
 */
#ifndef CAIRN_TEST_CRASH_REPLAY_H
#define CAIRN_TEST_CRASH_REPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "plant.h"

struct replay_opts {
	unsigned states;      /* random draws per flush point (plus 4 fixed states) */
	uint64_t seed;        /* of the PRNG: same seed, same states */
	bool counted_only;    /* ignore log entries past the superblock's count */
	unsigned max_report;  /* failure lines printed */
	FILE *report;         /* failure lines and --verbose output; NULL: none */
	bool verbose;         /* one line per flush point */
	bool dump;            /* print the log's entries and exit */
	const char *emit_dir; /* write `sample` states here as images + manifest */
	unsigned sample;
	enum plant plant; /* the recording's planted writer bug (plant.h), or none */
};

struct replay_result {
	uint64_t entries, writes, flushes; /* of the log */
	uint64_t headers;                  /* header writes in the log */
	uint64_t points;                   /* flush points replayed (flushes + 1) */
	uint64_t states, ok, failed;
	uint64_t torn;        /* states with a torn write */
	uint64_t repeats;     /* random draws that repeated a state */
	uint64_t unchecked;   /* states whose contents the model could not give */
	uint64_t newer;       /* states that opened a header not yet durable */
	uint64_t first_boots; /* states that opened no checkpoint */
	uint64_t gen_max;     /* newest generation opened */
	uint64_t interest;    /* blocks whose contents are checked */
	uint64_t emitted;
	uint64_t exposed;       /* --planted: states that expose the plant */
	uint64_t unexplained;   /* --planted: failures it does not explain */
	uint64_t reasons[FR_N]; /* failures by reason */
};

/* Replay base_path + log_path. 0 when the replay ran (see res->failed);
 * -1 with a message in err when it could not start or emit (unreadable
 * files, no valid superblock in BASE, a malformed log). */
int replay_run(const char *base_path, const char *log_path, const struct replay_opts *o,
	       struct replay_result *res, char *err, size_t errlen);

#endif /* CAIRN_TEST_CRASH_REPLAY_H */
