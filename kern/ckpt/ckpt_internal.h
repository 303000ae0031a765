/* SPDX-License-Identifier: MIT */
/*
 * The checkpointer's shared state, for its files only:
 *   ckpt_space.c      the kernel area for its arrays, log space reservation,
 *                     the dirty list of the current epoch;
 *   ckpt_due.c        whether a checkpoint is due: its causes, the period
 *                     timer, the one decision;
 *   ckpt_demarcate.c  demarcation and copy-on-write of the snapshot;
 *   ckpt_write.c      the log writer (ckpt/writer.c) over virtio-blk:
 *                     stabilization and migration, and its console lines;
 *   ckpt_boot.c       recovery at boot, lazy fetch through the directory
 *                     map, and migration of the recovered generation;
 *   ckpt_output.c     output commit: EPOCH, DURABLE, the OUTPUT cause;
 *   ckpt_console.c    the held console (ckpt=sync-console): lines numbered,
 *                     kept in each header's console area, printed at commit;
 *   ckpt_measure.c    measurements for the benchmarks (boot arguments);
 *   ckpt_sum.c        the block sum, with Zbb's rotate where the hart has it;
 *   inv/kobj_ckpt.c   the checkpoint key.
 *
 * Invariants:
 *  - A frame is DIRTY iff it is on the dirty list (dirty[0..ndirty)); each
 *    such frame holds one block of log reservation (ckpt_reserve_dirty).
 *  - A frame is SNAPSHOT iff it is the `live` block of a snapshot item
 *    (w.items): its content is the snapshot's and must not change until
 *    the item is migrated (ckpt_before_write copies it aside first, or
 *    waits while the device is reading it). A page with DMA pins is never
 *    SNAPSHOT: a device writes it without asking, so demarcation copies
 *    it aside at once.
 *  - w.console, the generation's console area, is ckpt_console.c's and is
 *    filled at demarcation only (its invariants are there).
 *  - The log's own invariants are ckpt/writer.h's.
 */
#ifndef CAIRN_KERN_CKPT_INTERNAL_H
#define CAIRN_KERN_CKPT_INTERNAL_H

#include <stdint.h>
#include <stdbool.h>
#include "mem/frame.h"
#include "mem/karea.h"
#include "dom/act.h"
#include "dev/virtio_blk.h"
#include <cairn/ckptlog.h>
#include "dirmap.h"
#include "writer.h"

/* The register nodes (root, gprs, fprs) of every cached domain may be
 * dirtied by demarcation itself: their log space is set aside for good. */
#define CKPT_PROC_RESERVE (3u * 64u)
/* The most domains that may run at once on any volume (the log and the
 * node pool may bound them further; docs/invocations.md "Activities"). */
#define CKPT_THREAD_LIMIT (1u << 20)

/*
 * The kernel's checkpointer. The log writer and its bookkeeping of the log
 * (positions, the generation in progress, its items and threads) are
 * `w`, ckpt/writer.h's; the rest is the kernel's: the epoch's dirty list,
 * the areas the arrays live in, what asks for a checkpoint, the recovery
 * map and the activities waiting.
 */
struct ckpt_state {
	bool enabled; /* checkpoints on: false once the writer is OFF */
	bool verbose; /* boot argument ckpt=verbose: a line per demarcation */
	struct ckpt_writer w;

	/* The current epoch. */
	struct karea dirty_area, items_area;
	struct karea check_area; /* the writer's map for checking a directory */
	struct frame **dirty;
	uint64_t ndirty;
	uint64_t cap; /* most dirty blocks in one epoch */
	struct karea threads_area;
	uint64_t thread_max; /* the most the log may ever have to list (w.thread_cap: now) */

	/* Demand (ckpt_due.c). */
	bool due;    /* the period or a request: if anything changed */
	bool forced; /* FORCE, log or memory full: even if nothing changed */

	/* Recovery's directory of log-resident blocks, until migrated. */
	struct ckpt_dirmap map;
	bool map_active;

	struct act_list log_waiters;    /* ACT_WAIT_LOG: no reservation */
	struct act_list io_waiters;     /* a snapshot block's transfer */
	struct act_list output_waiters; /* ACT_WAIT_DURABLE (ckpt_output.c) */
	bool output_held;               /* output commit on (boot argument output=direct: off) */

	uint64_t last_stall;    /* instructions of the last demarcation pause */
	uint64_t stall_start;   /* rdinstret() where the pause being counted began */
	uint64_t demarcated_at; /* rdtime() at the end of demarcation */
	uint64_t zero_pa;       /* a zero frame for ZERO migrations */
};

extern struct ckpt_state ckpt_state;

/* ckpt_space.c */
void *ckpt_area_alloc(uint64_t bytes);                   /* boot only: mapped, zeroed, or panic */
void ckpt_area_reserve(struct karea *a, uint64_t bytes); /* address space only */
bool ckpt_space_init(void);                              /* false: the log is too small */
void ckpt_space_freed(void);                             /* wake writers waiting for space */
void ckpt_set_demarcating(bool on); /* reservations come from the fixed reserve */

/* ckpt_due.c: is a checkpoint due? */
enum ckpt_cause {
	CKPT_CAUSE_PERIOD,   /* the period timer */
	CKPT_CAUSE_REQUEST,  /* ckpt_request(false) */
	CKPT_CAUSE_FORCE,    /* the checkpoint key's FORCE: ckpt_request(true) */
	CKPT_CAUSE_LOG_FULL, /* a reservation does not fit: its writer waits */
	CKPT_CAUSE_MEMORY,   /* RAM full of dirty and snapshot blocks */
	CKPT_CAUSE_OUTPUT,   /* a DURABLE waits or a console line is held, after the spacing */
};
void ckpt_ask(enum ckpt_cause why);
bool ckpt_due(bool at_safe_point);
void ckpt_update_wanted(void);
void ckpt_arm_period(void);

/* ckpt_sum.c: ckpt_block_sum(), faster where the hart has Zbb */
void ckpt_sum_init(void);
uint64_t ckpt_sum(const void *block, bool *all_zero);

/* ckpt_measure.c */
void ckpt_measure_boot(void);
void ckpt_report_first_run(void);          /* ckpt=verbose: the restart cost line, once */
void ckpt_measure_paired(uint64_t ndirty); /* blkbench=: a raw run before demarcation */
void ckpt_pause_begin(void);               /* a pause is counted from stall_start on */

/* ckpt_write.c: the writer over virtio-blk */
void ckpt_write_init(void);

/* ckpt_output.c: output commit (EPOCH, DURABLE, the OUTPUT cause).
 * Demarcations asked for by waiting output are at least this far apart
 * (docs/checkpoint.md "Output commit"). */
#define CKPT_OUTPUT_SPACING_MS 2u
void ckpt_output_init(void);
uint64_t ckpt_output_epoch(void);
void ckpt_output_durable(uint64_t g); /* prepare phase: returns once g committed, or parks */
void ckpt_output_committed(void);     /* a commit: every waiter decides again */
void ckpt_output_ask(void);           /* a checkpoint for output: now, or after the spacing */

/* ckpt_console.c: the held console (ckpt=sync-console) */
void ckpt_console_init(bool on);                                  /* after ckpt_space_init() */
void ckpt_console_demarcate(struct ckpt_writer *w);               /* its lines into the header */
void ckpt_console_committed(void);                                /* print the committed lines */
void ckpt_console_resume(const void *header_block, uint64_t gen); /* print the recovered */

/* ckpt_demarcate.c */
void ckpt_release_snapshot(void);

#endif
