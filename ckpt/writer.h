/* SPDX-License-Identifier: MIT */
/*
 * The checkpoint log writer: stabilization, migration and the log's space
 * bookkeeping (docs/checkpoint.md "The log writer"), portable. The kernel
 * runs it over virtio-blk (kern/ckpt/ckpt_write.c), the host tests and
 * crashgen over a file or a recording (test/ckpt/testvol.h,
 * test/crash/crashgen.c): the same code writes every log that recovery
 * and the crash replayer are tested on.
 *
 * The writer is a state machine, one function per phase (writer.c). Its
 * owner demarcates (fills items[0..nitems) and threads[0..nthreads)) and
 * calls ckpt_writer_start(); the writer then talks to the device only
 * through struct ckpt_io: up to CKPT_WRITER_SLOTS requests in flight, each
 * completed by one call of ckpt_writer_done(), from an interrupt or before
 * submit() returns. The owner learns what happened through struct
 * ckpt_writer_env: callbacks for what it must do (wake waiters, release
 * the snapshot, arm a timer) and ckpt_report() events for what it may
 * print. Nothing here allocates, sleeps or prints.
 *
 * Invariants (the log's, docs/checkpoint.md "Log space"):
 *  - Positions [tail, head) hold generations a durable header may still
 *    need; nothing is written there but the generation being stabilized,
 *    at positions >= its gen_start, the head when it was started.
 *  - reserved_end - tail <= ring: the generation being written ends by
 *    reserved_end; the owner admits an epoch's dirty blocks only while
 *    ckpt_log_fits() says they fit beside it.
 *  - A header is written only after every data and directory block it
 *    names is durable (FLUSH1), and its generation counts as committed
 *    only once the header is durable (FLUSH2); migration starts after.
 *    The one exception, a header flagged CKPT_HDR_ONE_FLUSH, goes out
 *    beside its blocks, for a generation of at most one_flush_max items
 *    whose predecessor this writer committed (prev_flushed); its tail is
 *    that predecessor's gen_start, whose home writes need not be durable
 *    yet. Recovery reads such a generation's blocks back and falls back to
 *    the other slot if any did not land (docs/checkpoint.md "Committing
 *    with one FLUSH"); it too is committed only once its FLUSH completes.
 *  - An item with io == CKPT_ITEM_BUSY is being read by a transfer: its
 *    owner must not change the data (the kernel waits, ckpt_before_write).
 *
 * Freestanding, like the rest of ckpt/: <stdint.h>, <stdbool.h>,
 * <string.h>; built for the kernel and natively.
 */
#ifndef CAIRN_CKPT_WRITER_H
#define CAIRN_CKPT_WRITER_H

#include <stdbool.h>
#include <stdint.h>

#include "cairn/ckptlog.h"
#include "dirmap.h"
#include "gencheck.h"

#define CKPT_WRITER_SLOTS     32 /* requests in flight at most */
#define CKPT_WRITER_BATCH     64 /* blocks per request at most: the log is written sequentially */
#define CKPT_KICK_DEPTH       8  /* a run out of budget asks for a kick below this many in flight */
#define CKPT_CHECK_PER_RUN    4  /* after FLUSH1: directory check pieces a run does */
#define CKPT_CHECK_NOW_MAX    4  /* a directory of at most this many blocks is checked in DIR */
#define CKPT_WRITER_MAX_KEEP  16 /* generations one header may keep (the kernel keeps 1) */
#define CKPT_RETRY_MS         100  /* a failed attempt is written again after this */
#define CKPT_MIGRATE_RETRY_MS 1000 /* a failed migration is done again after this */

/* --- the device ---------------------------------------------------------- */

enum ckpt_io_op { CKPT_IO_READ, CKPT_IO_WRITE, CKPT_IO_FLUSH };

/* Completion status: 0 is success, anything else a failure the backend's
 * strerror() names. CKPT_IO_ERROR is a plain I/O error (virtio-blk's
 * BLK_ERR_IO), which the writer also reports for a recovered log block
 * that does not match its sum. */
#define CKPT_IO_ERROR 1

/* One request: nblocks consecutive volume blocks from `block`, each from
 * or into its own 4 KiB buffer (none for a FLUSH). */
struct ckpt_io_req {
	uint8_t op;    /* enum ckpt_io_op */
	uint16_t slot; /* < CKPT_WRITER_SLOTS: the backend may keep state per slot */
	uint16_t nblocks;
	uint64_t block;
	void *buf[CKPT_WRITER_BATCH];
};

struct ckpt_io {
	void *ctx;
	/* Start req; ckpt_writer_done() completes it exactly once. */
	void (*submit)(void *ctx, struct ckpt_io_req *req);
	/* The text of a nonzero completion status ("I/O error"). */
	const char *(*strerror)(int status);
};

/* --- the snapshot -------------------------------------------------------- */

#define CKPT_ITEM_IDLE 0
#define CKPT_ITEM_BUSY 1 /* a transfer reads its data */

/* One block of the generation being stabilized or migrated. live and
 * copy are the owner's: the writer never looks at them and asks
 * env.item_data() for the data each time it reads it, because the owner
 * may move it (copy-on-write) while no transfer reads it. */
struct ckpt_item {
	void *live;     /* the block itself (kernel: its struct frame), or NULL */
	uint64_t copy;  /* else a private copy of it (kernel: its physical address); 0: none */
	uint64_t index; /* in its pool */
	uint64_t pos;   /* log position (items without CKPT_ENTRY_ZERO) */
	uint64_t sum;   /* block sum */
	uint8_t pool;   /* its entry kind - 1: 0 node pots, 1 tag pots, 2 pages (kernel: enum
			   obj_class) */
	uint8_t flags;  /* CKPT_ENTRY_ZERO */
	uint8_t io;     /* CKPT_ITEM_* */
};

/* --- what the writer tells its owner ------------------------------------- */

enum ckpt_report_kind {
	CKPT_REPORT_COMMITTED,          /* gen's header is durable: the checkpoint exists */
	CKPT_REPORT_FAILED,             /* an I/O error (status): gen is written again later */
	CKPT_REPORT_REFUSED_RETRY,      /* the directory refused (err, detail) in its thread
					 * list: rebuilt without `count` entries, written again */
	CKPT_REPORT_REFUSED_STOP,       /* the directory refused (err, detail): stopped */
	CKPT_REPORT_NO_SPACE_STOP,      /* no log space to retry gen: stopped */
	CKPT_REPORT_MIGRATE_FAILED,     /* a home write (status): migration again later */
	CKPT_REPORT_RECOVERED_BAD_SUM,  /* a log block (volume block `count`) of the recovered
					 * generation does not match its sum: not migrated */
	CKPT_REPORT_RECOVERED_FAILED,   /* its migration failed (status): again later, */
	CKPT_REPORT_RECOVERED_STOP,     /* unless that was the fourth time: stopped */
	CKPT_REPORT_RECOVERED_MIGRATED, /* the recovered generation is home */
};

struct ckpt_report {
	enum ckpt_report_kind kind;
	uint64_t gen;       /* the generation concerned (committed: the recovered one) */
	int status;         /* the I/O status, nonzero */
	enum ckpt_err err;  /* why a directory was refused */
	const char *detail; /* where (recovery's text) */
	uint64_t count;
};

struct ckpt_writer;

struct ckpt_writer_env {
	void *ctx;
	/* The 4 KiB of data of an item (all zeros may come back as any zero block). */
	const void *(*item_data)(void *ctx, const struct ckpt_item *it);
	/* ckpt_block_sum(), or a faster one giving the same results. */
	uint64_t (*sum)(const void *block, bool *all_zero);
	/* Call ckpt_writer_timer() in ms milliseconds (one at a time). */
	void (*retry_after)(void *ctx, uint32_t ms);
	/* Transfers reading items have finished: their data may change now. */
	void (*items_free)(void *ctx);
	/* Log space was freed: the tail moved or a reservation ended. */
	void (*space_freed)(void *ctx);
	/* The generation's items are home (recovered: the recovery map is
	 * empty): the owner may release them. Comes before the writer is idle. */
	void (*migrated)(void *ctx, bool recovered);
	/* The writer went idle (a demarcation may start) or off. */
	void (*state_changed)(void *ctx);
	/* Something to tell (may be NULL). */
	void (*report)(void *ctx, const struct ckpt_writer *w, const struct ckpt_report *r);
	/* May be NULL: the writer then runs from ckpt_writer_start() on, as far
	 * as it can go. Else ckpt_writer_start() only prepares, and the writer
	 * runs when the owner calls ckpt_writer_kick() after this (soon, from
	 * outside the caller: the kernel's demarcation pause ends first); it
	 * asks again when its budget (`burst`) ran out with nothing in flight. */
	void (*kick)(void *ctx);
	/* May be NULL: migration then starts in the run that commits. Else
	 * the commit's run ends there, so that the domains the commit woke
	 * (output waiting for it) run first, and migration starts at the
	 * owner's next ckpt_writer_kick() (the kernel: when the hart idles,
	 * or CKPT_MIGRATE_DEFER_US later). */
	void (*defer)(void *ctx);
};

/* --- the writer ----------------------------------------------------------- */

enum ckpt_phase {
	CKPT_PHASE_IDLE = 0,        /* nothing in flight: a demarcation may start */
	CKPT_PHASE_DATA,            /* object blocks to the log */
	CKPT_PHASE_DIR,             /* directory blocks, each checked as it is encoded */
	CKPT_PHASE_FLUSH1,          /* data and directory to stable storage */
	CKPT_PHASE_HEADER,          /* the header (one FLUSH: beside the blocks in flight) */
	CKPT_PHASE_FLUSH2,          /* the header (and so all) to stable storage: commit */
	CKPT_PHASE_MIGRATE,         /* the snapshot to its home locations */
	CKPT_PHASE_HOME_FLUSH,      /* a large generation's home writes to stable storage */
	CKPT_PHASE_RECOVER_MIGRATE, /* after a restart: log -> home through the map */
	CKPT_PHASE_RETRY,           /* a failed attempt waits to write the snapshot again */
	CKPT_PHASE_OFF,             /* checkpoints stopped (or never on) */
};

struct ckpt_slot {
	struct ckpt_io_req req;
	bool busy;
	uint8_t kind;    /* writer.c's enum slot_kind */
	uint16_t nitems; /* DATA: the items of this request */
	uint64_t item;   /* DATA (the first of nitems), HOME: the item */
	void *buf;       /* DIR, HEADER, RREAD: this slot's buffer */
	uint64_t home;   /* RREAD: where the block goes next */
	uint64_t sum;    /* RREAD: what the log block must sum to */
};

struct ckpt_writer {
	const struct cairn_superblock *sb;
	struct ckpt_io io;
	struct ckpt_writer_env env;
	unsigned keep;            /* generations a header keeps, >= 1 */
	uint16_t batch;           /* blocks per DATA request */
	uint16_t burst;           /* DATA requests per run of the machine at most (0: no limit) */
	uint32_t flush_every;     /* DATA: a FLUSH after this many blocks written (0: none) */
	uint32_t home_flush_from; /* MIGRATE: a FLUSH after it from this many items (0: none) */
	uint32_t one_flush_max;   /* a generation of at most this many items commits with
				   * one FLUSH when prev_flushed (0: never) */
	const void *zero;         /* a block of zeros (recovered ZERO entries) */
	enum ckpt_phase phase;

	/* The log (positions only grow; p is in ring block p mod ring). */
	uint64_t ring;         /* ring blocks */
	uint64_t tail;         /* of the newest durable header */
	uint64_t head;         /* next free position */
	uint64_t committed;    /* newest durable generation, 0: none */
	uint64_t reserved_end; /* the generation being written ends by here */
	uint64_t thread_cap;   /* threads each directory has room for (owner's) */
	uint32_t interval_ms;  /* the period each header records (owner's) */
	uint64_t prev_dir_pos; /* the durable generation's directory, for the link */
	uint32_t prev_dir_blocks;
	uint64_t kept_start[CKPT_WRITER_MAX_KEEP]; /* gen_start of the newest keep-1 commits */
	unsigned nkept;

	/* The generation in progress; items and threads filled by the owner. */
	uint64_t gen;
	uint64_t gen_start;
	struct ckpt_item *items;
	uint64_t nitems;
	uint64_t *threads; /* the running domains' roots */
	uint64_t nthreads;
	const void *console;  /* the header's console area (the owner's, unchanged until the
			       * generation commits or is given up), or NULL */
	uint32_t console_len; /* its bytes, <= CKPT_HDR_CONSOLE_SIZE */
	struct ckpt_dirent *check_slots; /* the owner's memory for the directory check */
	uint64_t check_bytes;            /* ... of this size (ckpt_writer_check_bytes()) */
	uint64_t check_zeroed;           /* bytes of check_slots known zero (writer_dir.c) */
	uint64_t next;                   /* next item (or DIR: directory block) to submit */
	uint64_t dir_pos;
	uint32_t dir_blocks;
	uint32_t dir_checked; /* directory blocks checked (writer.c check_some) */
	bool dir_checking;    /* the check has begun (its map is zeroed) */
	bool dir_check_done;  /* every block checked, and the end (counts) too */
	uint64_t bytes;       /* written to the log by this attempt */
	uint64_t inflight;
	uint64_t unflushed; /* DATA blocks written since the last FLUSH went out */
	bool data_flushing; /* DATA: a FLUSH of those is in flight */
	bool failed;        /* an I/O error in this phase: fail_status */
	int fail_status;
	bool timer_wait; /* RETRY, MIGRATE: until ckpt_writer_timer() */

	/* The check of the directory (gencheck.c, recovery's own). */
	struct ckpt_dirmap check_map;
	struct ckpt_gen_check gen_check;
	enum ckpt_err refused;  /* why the directory is refused; CKPT_OK: it is not */
	bool threads_rebuilt;   /* this generation's one retry is used */
	uint64_t check_instret; /* instructions the check took (RISC-V; else 0) */
	uint64_t longest_run;   /* of this generation: the most instructions one run of the
				 * machine took, completions and kicks (RISC-V; else 0) */

	/* After a restart (RECOVER_MIGRATE). */
	struct ckpt_dirmap *map;
	struct ckpt_dirmap_cursor cursor;
	bool listed;       /* every map entry issued */
	bool recover_held; /* entered, nothing issued until released */
	unsigned recover_retries;

	bool prev_flushed;       /* the committed generation is this writer's: its FLUSH
				  * went out after every earlier home write completed */
	uint64_t prev_gen_start; /* ... and where it starts: a one-FLUSH header's tail */
	bool one_flush;          /* this generation: header with its blocks, one FLUSH */

	bool pumping, pump_again;
	bool migrate_deferred; /* MIGRATE waits for the owner's kick (env.defer) */

	/* Statistics. */
	uint64_t failures; /* attempts failed or refused */
	uint64_t last_objects, last_bytes;

	/* Last, so that ckpt_writer_init() clears only what comes before:
	 * the slots' requests and the entries are rewritten before each use. */
	struct ckpt_slot slots[CKPT_WRITER_SLOTS];
	struct ckpt_entry dir_entries[CKPT_DIR_ENTRIES_PER_BLOCK]; /* the block being encoded */
};

struct ckpt_writer_config {
	const struct cairn_superblock *sb;
	struct ckpt_io io;
	struct ckpt_writer_env env;
	unsigned keep;                /* 0 or 1: the kernel's (tail = gen_start); up to MAX_KEEP */
	unsigned batch;               /* the device's segments per request (0: 1) */
	unsigned burst;               /* DATA requests per run (0: no limit) */
	unsigned flush_every;         /* DATA blocks between early FLUSHes (0: none) */
	unsigned home_flush_from;     /* a generation of at least this many items has its
				       * home writes flushed before the writer goes idle;
				       * smaller ones leave them to the next FLUSH1 (0: all) */
	unsigned one_flush_max;       /* a generation of at most this many items, not the
				       * first after a resume, is committed with one FLUSH:
				       * its header written beside its blocks
				       * (CKPT_HDR_ONE_FLUSH; 0: always two) */
	void *buf[CKPT_WRITER_SLOTS]; /* one 4 KiB buffer per slot */
	const void *zero;             /* 4 KiB of zeros */
};

/* An empty log (first boot): idle, positions from 0. */
void ckpt_writer_init(struct ckpt_writer *w, const struct ckpt_writer_config *c);

/* After recovery found h: go on after it. */
void ckpt_writer_resume(struct ckpt_writer *w, const struct ckpt_header *h);

/* After recovery fell back past a torn one-FLUSH generation that ended at
 * pos (struct ckpt_recovery's torn_head): the next generation starts
 * there, so that no stale block of the torn one, which has the same
 * sequence, lies where the next one's directory will be. Nothing when pos
 * is not ahead of the head or would not leave the ring's room. */
void ckpt_writer_skip_to(struct ckpt_writer *w, uint64_t pos);

/* Log positions a generation of n objects takes at most: its data blocks
 * and a directory with room for thread_cap threads. */
static inline uint64_t ckpt_log_need(const struct ckpt_writer *w, uint64_t n)
{
	return n +
	       (n + w->thread_cap + CKPT_DIR_ENTRIES_PER_BLOCK - 1) / CKPT_DIR_ENTRIES_PER_BLOCK;
}

/* Positions free beside what the log holds now. */
static inline uint64_t ckpt_log_room(const struct ckpt_writer *w)
{
	return w->ring - (w->reserved_end - w->tail);
}

/* Would an epoch of n objects fit beside what the log holds now? */
static inline bool ckpt_log_fits(const struct ckpt_writer *w, uint64_t n)
{
	return w->reserved_end - w->tail + ckpt_log_need(w, n) <= w->ring;
}

/* Bytes of check_slots a generation of `entries` directory entries needs. */
uint64_t ckpt_writer_check_bytes(uint64_t entries);

/* Demarcation is done: items, threads and check_slots are filled, the
 * phase is IDLE. Takes the next sequence and the positions from the head;
 * with env.kick, asks for a kick rather than running the machine. */
void ckpt_writer_start(struct ckpt_writer *w);

/* Run the machine (the owner's answer to env.kick). */
void ckpt_writer_kick(struct ckpt_writer *w);

/* The owner's hart would idle: a bounded piece of the directory's check,
 * if one is waiting (writer.c "The directory's check"). True when there
 * was one; then it is worth calling again (after interrupts). */
bool ckpt_writer_background(struct ckpt_writer *w);

/* Migrate the generations recovery found (map: their directory map, kept
 * until done) from the log to home. */
void ckpt_writer_recover_migrate(struct ckpt_writer *w, struct ckpt_dirmap *map);

/* The same, held: the writer is in RECOVER_MIGRATE (so no demarcation may
 * start: ckpt_due() wants IDLE) but issues nothing until
 * ckpt_writer_recover_release(), which starts the migration (with
 * env.kick: asks for a kick). The owner uses it to let the first domain
 * run before the migration's I/O and completions take the hart and the
 * device (docs/checkpoint.md "Recovery"). */
void ckpt_writer_recover_hold(struct ckpt_writer *w, struct ckpt_dirmap *map);
void ckpt_writer_recover_release(struct ckpt_writer *w);
static inline bool ckpt_writer_recover_held(const struct ckpt_writer *w)
{
	return w->phase == CKPT_PHASE_RECOVER_MIGRATE && w->recover_held;
}

/* Checkpoints off for good (boot found the log too small). */
void ckpt_writer_off(struct ckpt_writer *w);

/* req (one of the writer's) completed; status 0 is success. */
void ckpt_writer_done(struct ckpt_writer *w, struct ckpt_io_req *req, int status);

/* The time env.retry_after() asked for has come. */
void ckpt_writer_timer(struct ckpt_writer *w);

/* The sequence the next demarcation will get: one more while a
 * demarcated generation is still on its way to the log. */
uint64_t ckpt_writer_next_generation(const struct ckpt_writer *w);

/* Is a transfer reading the item's data? (The owner's copy-on-write waits.) */
static inline bool ckpt_item_busy(const struct ckpt_item *it)
{
	return it->io == CKPT_ITEM_BUSY;
}

#endif /* CAIRN_CKPT_WRITER_H */
