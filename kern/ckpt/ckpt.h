/* SPDX-License-Identifier: MIT */
/*
 * The checkpointer, as the rest of the kernel sees it (docs/checkpoint.md).
 *
 * One generation at a time goes through three phases:
 *   demarcation   atomic, at a safe point (no operation in progress): the
 *                 cached domains are written back, every dirty block becomes
 *                 the snapshot (copy-on-write from then on), the list of
 *                 running domains is captured, a new epoch begins;
 *   stabilization the snapshot is written to the log, then its directory,
 *                 FLUSH, the header, FLUSH: the checkpoint exists;
 *   migration     the snapshot's blocks are written to their homes from
 *                 memory; the next generation's first FLUSH makes them
 *                 durable before its header moves the tail past them.
 * The next demarcation waits until migration is done, so the log holds at
 * most the durable generation and the one being written.
 *
 * Stabilization and migration are the log writer's (ckpt/writer.c, run
 * here over virtio-blk by ckpt_write.c); when a demarcation is due is
 * ckpt_due.c's. Hooks for the object cache are in ckpt_hooks.h.
 */
#ifndef CAIRN_KERN_CKPT_H
#define CAIRN_KERN_CKPT_H

#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>

/* Boot: recover the newest checkpoint (or find none) and start the
 * domains: the recovered ones, or on a first boot the image's. Prints
 * "cairn: first boot" or "cairn: resumed from checkpoint <g>". Stops the
 * machine with one line when the log is damaged beyond recovery. */
void ckpt_boot(void);

/* Before the activity table grows to n entries: room in the thread list
 * and log space for their directory entries (the current epoch's
 * reservation grows with it). May park for memory or log space when
 * may_park (prepare phase). False: the log can never list that many
 * running domains. */
bool ckpt_threads_reserve(uint64_t n, bool may_park);

/* Set when a demarcation is due and may start (ckpt_due.c). */
extern volatile bool ckpt_wanted;

void ckpt_demarcate(void);

/* Call at a safe point: no kernel operation is in progress, every cached
 * domain's state is in its proc entry. */
static inline void ckpt_safe_point(void)
{
	if (__builtin_expect(ckpt_wanted, 0))
		ckpt_demarcate();
}

/* The hart is about to idle (no domain ready, interrupts off): run the
 * log writer now if it asked for a kick, rather than after the timer;
 * after a restart, start the held migration if no object read is in
 * flight (no domain waits for the disk, so none is about to run: the
 * first-run hook below may never come). True when the writer ran (the run
 * queue may have changed). ckpt_write.c. */
bool ckpt_idle(void);
/* Still nothing to run: a bounded piece of the log writer's background
 * work (the directory check of the generation being written). True when
 * there was some: the caller takes pending interrupts and asks again
 * before it idles. ckpt_write.c. */
bool ckpt_background(void);

/* Ask for a checkpoint as soon as possible (forced: even if nothing is
 * dirty). Returns the generation the next demarcation will have. */
uint64_t ckpt_request(bool forced);

/* Periodic checkpoints every ms milliseconds (0: off). */
void ckpt_set_interval(uint32_t ms);

/* Measurement (ckpt_measure.c). The demarcation pause (always: STATS
 * reports it) ends when a domain runs again: a timer armed for "now" when
 * it starts fires at the first interrupt window, the return to U-mode (so
 * the return path pays nothing); or when the hart goes idle (nobody
 * waits), where the scheduler calls ckpt_note_idle(). */
extern bool ckpt_pause_pending;
void ckpt_pause_end(void);
static inline void ckpt_note_idle(void)
{
	if (__builtin_expect(ckpt_pause_pending, 0))
		ckpt_pause_end();
}

/* The first domain about to run (the scheduler's dispatch), once:
 * ckpt=verbose prints the retired instructions from kernel entry (kmain)
 * to here (ckpt_measure.c); after a restart, the recovered generation's
 * migration, held since recovery, starts (ckpt_boot.c), so that it does
 * not take the hart and the device before any domain has run. */
extern uint64_t ckpt_boot_instret;
extern bool ckpt_first_run_pending;
void ckpt_first_run(void);
static inline void ckpt_note_first_run(void)
{
	if (__builtin_expect(ckpt_first_run_pending, 0))
		ckpt_first_run();
}

/* The held console (ckpt_console.c; boot argument ckpt=sync-console). When
 * ckpt_console_held(), CONSOLE_WRITE's prepare step calls
 * ckpt_console_prepare() with the string (CAIRN_OK, STRING_TOO_LONG, or it
 * parks until the next epoch) and its commit ckpt_console_append(). */
bool ckpt_console_held(void);
uint64_t ckpt_console_prepare(const char *s, size_t len, unsigned label_len);
void ckpt_console_append(const char *label, unsigned label_len, const char *s, size_t len);

struct ckpt_stats {
	uint64_t committed; /* last committed generation, 0: none */
	uint32_t interval_ms;
	uint64_t log_in_use; /* ring blocks in use or reserved */
	uint64_t log_blocks; /* ring blocks */
	uint64_t failures;   /* checkpoints that failed (I/O errors) */
	uint64_t last_objects, last_bytes;
	uint64_t last_stall_instret; /* retired instructions of the last demarcation pause */
};
void ckpt_get_stats(struct ckpt_stats *out);

#endif
