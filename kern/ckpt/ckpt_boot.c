/* SPDX-License-Identifier: MIT */
/*
 * Boot: recovery (docs/checkpoint.md "Recovery") and where to fetch a
 * block from.
 *
 * ckpt/recover.c finds the newest valid header and rebuilds the directory
 * map of the generations it still needs; the same code runs in host tests
 * and in the crash-state replayer. Here it reads the volume synchronously
 * (nothing runs yet). The map is sized from the newest header, so restart
 * work grows with the last checkpoint, not with the volume. Every running
 * domain of the checkpoint gets an activity; objects come in lazily, from
 * the log while the map names them, until the recovered generation has
 * been migrated home in the background, which starts when the first
 * domain is about to run (ckpt_first_run()).
 */
#include <string.h>
#include "ckpt/ckpt.h"
#include "ckpt/ckpt_hooks.h"
#include "ckpt/ckpt_internal.h"
#include "recover.h"
#include "mem/objcache.h"
#include "dev/virtio_blk.h"
#include "dev/volume.h"
#include "dom/sched.h"
#include "dom/boot_image.h"
#include "hw/memlayout.h"
#include "hw/platform.h"
#include "hw/log.h"
#include "hw/panic.h"

/* A read error at boot is retried a few times before recovery gives up on
 * it (a transient fault must not stop the machine). */
#define BOOT_READ_TRIES 3

static int read_block(void *ctx, uint64_t block, void *buf)
{
	(void)ctx;
	for (int i = 0; i < BOOT_READ_TRIES; i++)
		if (blk_sync(BLK_READ, volume_sector(block), va_to_pa(buf), 4096) == BLK_OK)
			return 0;
	return -1;
}

static unsigned started;

static void start_thread(void *arg, uint64_t root_oid)
{
	(void)arg;
	if (sched_add_domain(root_oid))
		started++;
	else
		log_error("too many running domains: domain %lu not resumed",
			  (unsigned long)root_oid);
}

/* The header of the generation h keeps before its own ([tail, gen_start)),
 * when that is exactly the one before it and the other slot still holds
 * its header; else NULL. */
static const struct ckpt_header *kept_predecessor(const struct ckpt_recovery *rec,
						  const struct ckpt_header *h)
{
	for (unsigned s = 0; s < CKPT_HEADER_SLOTS; s++) {
		const struct ckpt_header *p = &rec->slot_hdr[s];
		if (rec->slot_err[s] == CKPT_OK && p->sequence + 1 == h->sequence &&
		    p->gen_start == h->tail && p->head == h->gen_start)
			return p;
	}
	return NULL;
}

/* Slots for a map of `need` entries (at most 7/8 full, ckpt/dirmap.h). */
static uint64_t map_slots(uint64_t need)
{
	uint64_t cap = 64;
	while (cap - cap / 8 <= need + 1)
		cap *= 2;
	return cap;
}

/* Entries the map must hold: those of the recovered header's generations.
 * The older ones it keeps count exactly when they are one generation
 * whose header is still in the other slot (the usual case); else they
 * are bounded by their positions, each of which could be a directory
 * block of 124 entries (after the first boot's checkpoints that bound was
 * 16,384 slots for 72 entries, and zeroing and walking them cost a
 * restart 1.2 million instructions). `loose`: the bound always. */
static uint64_t map_capacity(const struct ckpt_recovery *rec, const struct ckpt_header *h,
			     bool loose)
{
	uint64_t need = h->objects + h->threads;
	const struct ckpt_header *p = loose ? NULL : kept_predecessor(rec, h);
	if (h->tail < h->gen_start)
		need += p ? p->objects + p->threads
			  : (h->gen_start - h->tail) * CKPT_DIR_ENTRIES_PER_BLOCK;
	return map_slots(need);
}

/* A map for recovering to h (again larger, if the last one proved too
 * small): fresh zeroed frames of the checkpoint area. */
static void map_alloc(const struct ckpt_recovery *rec, const struct ckpt_header *h, bool loose)
{
	uint64_t cap = map_capacity(rec, h, loose);
	if (ckpt_state.map.slots && cap <= ckpt_state.map.mask + 1) {
		ckpt_dirmap_clear(&ckpt_state.map);
		return;
	}
	struct ckpt_dirent *slots = ckpt_area_alloc(cap * sizeof(*slots));
	if (ckpt_dirmap_init_zeroed(&ckpt_state.map, slots, cap) != CKPT_OK)
		panic("checkpoint map capacity %lu is not a power of two", (unsigned long)cap);
}

/* The walk to rec->hdr; with a map sized from the kept header's counts
 * first, and should those be wrong (the walk found more entries), again
 * with the bound from positions. */
static enum ckpt_err walk(void *scratch, struct ckpt_recovery *rec)
{
	map_alloc(rec, &rec->hdr, false);
	enum ckpt_err err = ckpt_recover_walk(&volume_sb, read_block, NULL, scratch,
					      &ckpt_state.map, start_thread, NULL, rec);
	if (err == CKPT_ERR_MAP_FULL) {
		log_warn("checkpoint %lu: the generation it keeps has more entries than its "
			 "header says; recovering again with a larger map",
			 (unsigned long)rec->hdr.sequence);
		started = 0;
		map_alloc(rec, &rec->hdr, true);
		err = ckpt_recover_walk(&volume_sb, read_block, NULL, scratch, &ckpt_state.map,
					start_thread, NULL, rec);
	}
	return err;
}

/* Is word one of the comma-separated words of the boot argument ckpt=
 * ("ckpt=verbose,sync-console")? */
static bool ckpt_arg_has(const char *word)
{
	char arg[64];
	if (!platform_bootarg("ckpt", arg, sizeof(arg)))
		return false;
	size_t n = strlen(word);
	for (const char *p = arg; *p;) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (len == n && memcmp(p, word, n) == 0)
			return true;
		p += len + (end ? 1 : 0);
	}
	return false;
}

void ckpt_boot(void)
{
	struct ckpt_writer *w = &ckpt_state.w;
	ckpt_state.verbose = ckpt_arg_has("verbose");
	ckpt_state.zero_pa = frame_alloc();
	if (!ckpt_state.zero_pa)
		panic("no memory for the checkpointer");
	ckpt_write_init(); /* an empty log, until recovery finds one */
	ckpt_output_init();
	w->interval_ms = volume_sb.checkpoint_interval_ms;
	ckpt_state.enabled = ckpt_space_init();
	ckpt_console_init(ckpt_arg_has("sync-console"));
	ckpt_sum_init();

	/* The header first, each slot read once, and the map sized from it:
	 * then the walk. */
	void *scratch = pa_to_va(ckpt_state.zero_pa); /* zeroed again below */
	struct ckpt_recovery rec;
	enum ckpt_err err = ckpt_recover_header(&volume_sb, read_block, NULL, scratch, &rec);
	if (err == CKPT_OK && rec.found) {
		err = walk(scratch, &rec);
		if (err == CKPT_ERR_TORN) {
			kprintf("cairn: checkpoint %lu incomplete (committed with one FLUSH, "
				"never flushed): %s\n",
				(unsigned long)rec.torn_sequence, rec.detail);
			err = ckpt_recover_fall_back(&rec);
			if (err == CKPT_OK && rec.found)
				err = walk(scratch, &rec); /* a map for the older header */
		}
	}
	/* The recovered header again, for its held console lines: printed
	 * below, after the resume line; then scratch is the zero frame again,
	 * before anything may load an object from it. */
	if (err == CKPT_OK && rec.found &&
	    read_block(NULL, ckpt_header_block(&volume_sb, rec.slot), scratch) != 0)
		volume_stop("checkpoint %lu: header unreadable the second time",
			    (unsigned long)rec.hdr.sequence);
	if (err != CKPT_OK)
		volume_stop("checkpoint log unusable: %s (%s)%s%s", ckpt_strerror(err),
			    ckpt_errname(err), rec.detail[0] ? ": " : "", rec.detail);
	if (!rec.found) {
		memset(scratch, 0, 4096); /* the zero frame again, before anything loads */
		if (rec.fell_back)        /* the torn first generation's positions stay behind */
			ckpt_writer_skip_to(w, rec.torn_head);
		kprintf("cairn: first boot\n");
		started = boot_start_image();
		log_info("%u domains started", started);
	} else {
		ckpt_writer_resume(w, &rec.hdr);
		if (rec.fell_back)
			ckpt_writer_skip_to(w, rec.torn_head);
		ckpt_state.map_active = true;
		kprintf("cairn: resumed from checkpoint %lu\n", (unsigned long)rec.hdr.sequence);
		log_info("%u domains resumed, %lu blocks in the log", started,
			 (unsigned long)rec.objects);
		ckpt_console_resume(scratch, rec.hdr.sequence);
		memset(scratch, 0, 4096); /* the zero frame again */
	}
	if (!ckpt_state.enabled) {
		ckpt_writer_off(w);
		return;
	}
	ckpt_measure_boot();
	if (rec.found)
		ckpt_writer_recover_hold(w, &ckpt_state.map);
	ckpt_first_run_pending = ckpt_state.verbose || ckpt_writer_recover_held(w);
	ckpt_arm_period();
}

/* The recovered generation's migration waits for the first domain: its
 * reads would otherwise go to the device ahead of the domains' fetches,
 * and every completion (a block sum, then the home write) would run on the
 * hart before the first domain does. Waiting changes nothing recovery
 * relies on: the writer is in RECOVER_MIGRATE all along, so no checkpoint
 * can be demarcated before the migration is done, and the log still names
 * every recovered block (a crash meanwhile recovers the same checkpoint).
 * If no domain ever runs, ckpt_idle() starts it. */
void ckpt_first_run(void)
{
	ckpt_first_run_pending = false;
	ckpt_report_first_run();
	ckpt_writer_recover_release(&ckpt_state.w);
}

uint64_t ckpt_locate(int obj_class, uint64_t index, uint64_t home_block)
{
	if (!ckpt_state.map_active)
		return home_block;
	const struct ckpt_dirent *e =
		ckpt_dirmap_lookup(&ckpt_state.map, (uint8_t)(obj_class + 1), index);
	if (!e)
		return home_block;
	if (e->flags & CKPT_ENTRY_ZERO)
		return CKPT_LOCATE_ZERO;
	return ckpt_pos_block(&volume_sb, e->pos);
}
