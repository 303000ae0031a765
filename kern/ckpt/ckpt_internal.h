/* SPDX-License-Identifier: MIT */
/*
 * The checkpointer's shared state, for its files only:
 *   ckpt_space.c      the kernel area for its arrays, log space reservation,
 *                     the dirty list of the current epoch;
 *   ckpt_demarcate.c  demarcation and copy-on-write of the snapshot;
 *   ckpt_write.c      stabilization (the log writer) and migration;
 *   ckpt_boot.c       recovery at boot, lazy fetch through the directory
 *                     map, and migration of the recovered generation;
 *   kobj_ckpt.c       the checkpoint key, the period timer, statistics;
 *   ckpt_measure.c    measurements for the benchmarks (boot arguments);
 *   ckpt_sum.c        the block sum, with Zbb's rotate where the hart has it.
 *
 * Invariants:
 *  - A frame is DIRTY iff it is on the dirty list (dirty[0..ndirty)); each
 *    such frame holds one block of log reservation (ckpt_reserve_dirty).
 *  - A frame is SNAPSHOT iff it is the `frame` of a snapshot item: its
 *    content is the snapshot's and must not change until the item is
 *    migrated (ckpt_before_write copies it aside first, or waits while
 *    the device is reading it).
 *  - Log positions [tail, head) hold generations a durable header may
 *    still need; nothing is written there except by the generation being
 *    stabilized, at positions >= its gen_start = the previous head.
 */
#ifndef CAIRN_KERN_CKPT_INTERNAL_H
#define CAIRN_KERN_CKPT_INTERNAL_H

#include <stdint.h>
#include <stdbool.h>
#include "mem/frame.h"
#include "mem/karea.h"
#include "dom/act.h"
#include "dev/virtio_blk.h"
#include "cairn/ckptlog.h"
#include "dirmap.h"

/* The register nodes (root, gprs, fprs) of every cached domain may be
 * dirtied by demarcation itself: their log space is set aside for good. */
#define CKPT_PROC_RESERVE (3u * 64u)
/* The most domains that may run at once on any volume (the log and the
 * node pool may bound them further; docs/invocations.md "Activities"). */
#define CKPT_THREAD_LIMIT (1u << 20)

/* One block of the snapshot being stabilized or migrated. */
struct snap_item {
	struct frame *frame;  /* the live frame, still holding the data; or NULL */
	uint64_t copy_pa;     /* else a private copy of the data (0: none) */
	uint64_t index;       /* in its pool */
	uint64_t pos;         /* log position (non-ZERO items) */
	uint64_t sum;         /* block sum */
	uint8_t cls;          /* enum obj_class */
	uint8_t flags;        /* CKPT_ENTRY_ZERO */
	uint8_t io;           /* ITEM_IO_*: a device transfer reads its data */
};
#define ITEM_IO_NONE 0
#define ITEM_IO_BUSY 1


enum ckpt_phase {
	PHASE_IDLE = 0,   /* nothing in flight: a demarcation may start */
	PHASE_DATA,       /* writing object blocks to the log */
	PHASE_DIR,        /* writing directory blocks */
	PHASE_FLUSH1,     /* data and directory to stable storage */
	PHASE_HEADER,     /* the header */
	PHASE_FLUSH2,     /* the header to stable storage: commit */
	PHASE_MIGRATE,    /* writing the snapshot to home locations */
	PHASE_RECOVER_MIGRATE, /* after a restart: log -> home via the map */
	PHASE_RETRY,      /* a failed attempt waits to write the snapshot again */
	PHASE_OFF,        /* checkpoints disabled (log too small) */
};

struct ckpt_state {
	bool enabled;
	bool verbose;             /* boot argument ckpt=verbose: a line per demarcation */
	enum ckpt_phase phase;
	uint64_t ring;            /* ring blocks */
	uint64_t tail;            /* of the newest durable header */
	uint64_t head;            /* next free position */
	uint64_t committed;       /* newest durable generation, 0: none */
	uint64_t reserved_end;    /* gen being written: positions up to here are its */

	/* The current epoch. */
	struct karea dirty_area, items_area;
	struct karea check_area;  /* the writer's map for checking a directory */
	struct frame **dirty;
	uint64_t ndirty;
	uint64_t cap;             /* most dirty blocks in one epoch */

	/* The generation in progress. */
	uint64_t gen;             /* its sequence */
	uint64_t gen_start;
	struct snap_item *items;
	uint64_t nitems;
	uint64_t *threads;        /* the running domains' roots, thread_cap mapped */
	uint64_t nthreads;
	struct karea threads_area;
	uint64_t thread_cap;      /* activities that can exist: log space reserved for them */
	uint64_t thread_max;      /* the most the log may ever have to list */
	uint64_t next;            /* next item to submit */
	uint64_t inflight;
	bool failed;
	enum blk_status fail_status;
	uint64_t dir_pos;
	uint32_t dir_blocks;
	uint32_t dir_next;        /* next directory block to write */
	uint64_t bytes;           /* written to the log */
	uint64_t prev_dir_pos;    /* the durable generation's, for the link */
	uint32_t prev_dir_blocks;
	uint64_t prev_seq;

	/* Demand. */
	bool due, forced;
	uint32_t interval_ms;

	/* Recovery's directory of log-resident blocks (PHASE_RECOVER_MIGRATE). */
	struct ckpt_dirmap map;
	bool map_active;

	struct act_list log_waiters;  /* ACT_WAIT_LOG: no reservation */
	struct act_list io_waiters;   /* a snapshot block's transfer */

	uint64_t failures, last_objects, last_bytes, last_stall;
	uint64_t demarcated_at;       /* rdtime() at the end of demarcation */
	uint64_t zero_pa;             /* a zero frame for ZERO migrations */
};

extern struct ckpt_state ck;

/* ckpt_space.c */
void *ckpt_area_alloc(uint64_t bytes);   /* boot only: mapped, zeroed, or panic */
void ckpt_area_reserve(struct karea *a, uint64_t bytes); /* address space only */
bool ckpt_space_init(void);              /* false: the log is too small */
uint64_t ckpt_need(uint64_t nblocks);    /* positions for nblocks objects */
void ckpt_space_freed(void);             /* wake writers waiting for space */
void ckpt_update_wanted(void);
void ckpt_set_demarcating(bool on);      /* reservations come from the fixed reserve */
void ckpt_arm_period(void);              /* inv/kobj_ckpt.c */

/* ckpt_sum.c: ckpt_block_sum(), faster where the hart has Zbb */
void ckpt_sum_init(void);
uint64_t ckpt_sum(const void *block, bool *all_zero);

/* ckpt_measure.c */
void ckpt_measure_boot(void);

/* ckpt_write.c */
uint64_t ckpt_check_bytes(uint64_t entries); /* map for checking a generation of entries */
void ckpt_write_init(void);
void ckpt_stabilize_start(void);
void ckpt_recover_migrate_start(void);

/* ckpt_demarcate.c */
void ckpt_release_snapshot(void);

#endif
