/* SPDX-License-Identifier: MIT */
/*
 * The log writer: stabilization and migration (docs/checkpoint.md steps 2
 * and 3), an interrupt-driven state machine with up to WSLOTS transfers in
 * flight.
 *
 *   DATA     every snapshot item: its block sum and zero test, then (unless
 *            all zeros) a write to the next log position;
 *   DIR      the directory blocks, once every item has its position and
 *            sum (the last data writes may still be in flight), each one
 *            checked as it is encoded by ckpt/gencheck.c, the validation
 *            recovery applies: a generation recovery would refuse is never
 *            given a header (see refuse());
 *   FLUSH1   data and directory durable, and with them the previous
 *            generation's home writes (so this header may move the tail
 *            past it);
 *   HEADER   the header, in slot sequence mod 2;
 *   FLUSH2   the header durable: the checkpoint exists; one console line;
 *   MIGRATE  every item written to its home location from memory (the
 *            SNAPSHOT frame or its copy), a FLUSH, then the snapshot is
 *            released.
 *
 * An I/O error fails the attempt (a console line); the same snapshot is
 * written again 100 ms later under the same number. An error before the
 * header leaves nothing on disk that a header names: the retry takes the
 * positions after the failed ones if the ring has room (a bad block is not
 * hit again), else the same ones; an error at or after the header write may have left a durable
 * header, so the retry takes the positions after them (the tail still
 * covers them).
 *
 * A refused directory (a kernel bug: a block or a thread listed twice, an
 * index outside its pool, a position outside the generation, counts that
 * disagree) is never committed: a bad thread list is rebuilt without the
 * entries recovery refuses and the directory written again, once; anything
 * else turns checkpoints off, so the volume stays at the last commit and
 * the system runs on. Either way one console line names the cause
 * (docs/checkpoint.md "Refusal").
 *
 * After a restart, PHASE_RECOVER_MIGRATE copies the recovered generation
 * from the log to home through a bounce buffer per slot, then drops the
 * directory map; until then ckpt_locate() sends fetches to the log.
 */
#include <string.h>
#include "ckpt/ckpt.h"
#include "ckpt/ckpt_hooks.h"
#include "ckpt/ckpt_internal.h"
#include "gencheck.h"
#include "mem/objcache.h"
#include "dev/volume.h"
#include "hw/timer.h"
#include "hw/riscv.h"
#include "hw/memlayout.h"
#include "hw/log.h"
#include "hw/panic.h"

#define WSLOTS 32
#define CKPT_RETRY_MS 100 /* after a failed attempt */

enum slot_kind { SLOT_DATA, SLOT_DIR, SLOT_FLUSH, SLOT_HEADER, SLOT_HOME, SLOT_RREAD, SLOT_RWRITE };

/* Consecutive log positions go out as one request of up to BATCH blocks
 * (virtio-blk seg_max permitting): the log is written sequentially. */
#define BATCH 32

struct wslot {
	struct blk_req req;
	struct blk_seg seg[BATCH];
	bool busy;
	uint8_t kind;           /* enum slot_kind */
	uint16_t nitems;        /* DATA: items in this request */
	uint64_t item;          /* DATA (the first of nitems), HOME: the snapshot item */
	uint64_t buf_pa;        /* DIR, HEADER, RREAD: this slot's buffer */
	uint64_t home;          /* RREAD: where the block goes next */
	uint64_t sum;           /* RREAD: what the log block must sum to */
};

static struct wslot wslots[WSLOTS];
static uint16_t batch_max;        /* blocks per DATA request */
static bool issued;              /* FLUSH1/HEADER/FLUSH2: the request is out */
static bool pumping, pump_again;
static struct ckpt_dirmap_cursor recover_cursor;
static bool recover_listed;      /* every map entry has been issued */
static unsigned recover_retries;
static struct ktimer retry_timer;
static struct ckpt_entry dir_entries[CKPT_DIR_ENTRIES_PER_BLOCK];

/* The check of the generation being written: its duplicate set lives in
 * ck.check_area (grown with the dirty list, ckpt_space.c). */
static struct ckpt_dirmap check_map;
static struct ckpt_gen_check gen_check;
static enum ckpt_err refused;    /* why the directory is refused; CKPT_OK: it is not */
static bool threads_rebuilt;     /* this generation's one retry is used */
static uint64_t check_instret;   /* instructions spent checking this generation */

static void pump(void);
static void fail(bool header_may_exist);

/* Come back to the machine in ms milliseconds (after a failure). */
static void retry_in(uint64_t ms)
{
	ktimer_arm(&retry_timer, timer_now() + timer_ms_to_ticks(ms));
}

static void retry_fire(struct ktimer *t)
{
	(void)t;
	pump();
}

void ckpt_write_init(void)
{
	batch_max = blk_seg_max() < BATCH ? (uint16_t)blk_seg_max() : BATCH;
	if (batch_max == 0)
		batch_max = 1;
	for (int i = 0; i < WSLOTS; i++) {
		wslots[i].buf_pa = frame_alloc();
		if (!wslots[i].buf_pa)
			panic("no memory for the checkpoint writer");
	}
	retry_timer.fn = retry_fire;
}

static struct wslot *free_slot(void)
{
	for (int i = 0; i < WSLOTS; i++)
		if (!wslots[i].busy)
			return &wslots[i];
	return NULL;
}

static void note_failure(enum blk_status st)
{
	if (!ck.failed) {
		ck.failed = true;
		ck.fail_status = st;
	}
}

static void slot_done(struct blk_req *req);

/* Issue s's request: nsegs segments already in s->seg (0 for a FLUSH). */
static void submit_segs(struct wslot *s, enum blk_op op, uint64_t block, uint16_t nsegs,
			enum slot_kind kind)
{
	s->busy = true;
	s->kind = (uint8_t)kind;
	s->req = (struct blk_req){
		.op = (uint8_t)op, .nsegs = nsegs, .sector = volume_sector(block),
		.segs = s->seg, .done = slot_done, .ctx = s,
	};
	ck.inflight++;
	enum blk_status st = blk_submit(&s->req);
	if (st != BLK_OK) {
		s->req.status = st;
		slot_done(&s->req);
	}
}

/* One block (or a FLUSH, pa unused). */
static void submit(struct wslot *s, enum blk_op op, uint64_t block, uint64_t pa, enum slot_kind kind)
{
	s->seg[0] = (struct blk_seg){ pa, 4096 };
	submit_segs(s, op, block, op == BLK_FLUSH ? 0 : 1, kind);
}

static uint64_t item_pa(const struct snap_item *it)
{
	return it->frame ? frame_pa(it->frame) : it->copy_pa;
}

static void slot_done(struct blk_req *req)
{
	struct wslot *s = req->ctx;
	bool ok = req->status == BLK_OK;
	if (ok && s->kind == SLOT_RREAD) {
		bool zero;
		if (ckpt_sum(pa_to_va(s->buf_pa), &zero) != s->sum) {
			log_error("checkpoint log block at %lu does not match its sum; not migrated",
				  (unsigned long)(req->sector / 8));
			note_failure(BLK_ERR_IO);
		} else {
			/* Same slot, same buffer: now to its home. */
			ck.inflight--;
			submit(s, BLK_WRITE, s->home, s->buf_pa, SLOT_RWRITE);
			return;
		}
	}
	s->busy = false;
	ck.inflight--;
	if (!ok)
		note_failure(req->status);
	switch (s->kind) {
	case SLOT_DATA:
		for (uint64_t i = s->item; i < ck.nitems && i < s->item + s->nitems; i++)
			ck.items[i].io = ITEM_IO_NONE;
		act_wake_all(&ck.io_waiters);
		if (ok)
			ck.bytes += 4096ull * s->req.nsegs;
		break;
	case SLOT_HOME:
		ck.items[s->item].io = ITEM_IO_NONE;
		act_wake_all(&ck.io_waiters);
		break;
	case SLOT_DIR:
	case SLOT_HEADER:
		if (ok)
			ck.bytes += 4096;
		break;
	default:
		break;
	}
	pump();
}

/* --- the steps ------------------------------------------------------- */

/* The header this generation gets, once its directory is durable. */
static void build_header(struct ckpt_header *h)
{
	*h = (struct ckpt_header){
		.version = CKPT_FORMAT_VERSION, .interval_ms = ck.interval_ms,
		.sequence = ck.gen, .tail = ck.gen_start, .gen_start = ck.gen_start,
		.dir_pos = ck.dir_pos, .dir_blocks = ck.dir_blocks,
		.head = ck.dir_pos + ck.dir_blocks, .objects = ck.nitems, .threads = ck.nthreads,
	};
	memcpy(h->uuid, volume_sb.uuid, sizeof(h->uuid));
}

/* Directory entry e of the generation: the items in order, then the threads. */
static struct ckpt_entry dir_entry(uint64_t e)
{
	if (e >= ck.nitems)
		return (struct ckpt_entry){ .index = ck.threads[e - ck.nitems],
					    .kind = CKPT_KIND_THREAD };
	const struct snap_item *it = &ck.items[e];
	return (struct ckpt_entry){ .index = it->index, .pos = it->pos, .sum = it->sum,
				    .kind = (uint8_t)(it->cls + 1), .flags = it->flags };
}

/* Slots of a map that checks a generation of `entries` directory entries. */
static uint64_t check_capacity(uint64_t entries)
{
	uint64_t cap = 64;
	while (cap - cap / 8 < entries)
		cap *= 2;
	return cap;
}

uint64_t ckpt_check_bytes(uint64_t entries)
{
	return check_capacity(entries) * sizeof(struct ckpt_dirent);
}

/* Start checking the directory about to be written: the header it will
 * get first, then (encode_dir) every block and entry. */
static void check_begin(void)
{
	uint64_t t0 = rdinstret();
	uint64_t cap = check_capacity(ck.nitems + ck.nthreads);
	struct ckpt_gen_link l = { ck.gen, ck.dir_pos, ck.dir_blocks };
	struct ckpt_header h;

	kassert(cap * sizeof(struct ckpt_dirent) <= ck.check_area.mapped);
	ckpt_dirmap_init(&check_map, (struct ckpt_dirent *)ck.check_area.base, cap);
	build_header(&h);
	refused = ckpt_header_check(&h, &volume_sb);
	ckpt_gen_begin(&gen_check, &volume_sb, &check_map, &h, &l, 1);
	check_instret += rdinstret() - t0;
}

/* Directory block k into the buffer at pa, unless the check refuses it. */
static enum ckpt_err encode_dir(uint32_t k, uint64_t pa)
{
	uint64_t total = ck.nitems + ck.nthreads;
	uint64_t first = (uint64_t)k * CKPT_DIR_ENTRIES_PER_BLOCK;
	uint32_t count = 0;
	for (uint64_t e = first; e < total && count < CKPT_DIR_ENTRIES_PER_BLOCK; e++, count++)
		dir_entries[count] = dir_entry(e);
	struct ckpt_dir_info info = {
		.sequence = ck.gen, .index = k, .dir_blocks = ck.dir_blocks, .count = count,
		.gen_start = ck.gen_start, .prev_dir_pos = ck.prev_dir_pos,
		.prev_dir_blocks = ck.prev_dir_blocks, .prev_sequence = ck.prev_seq,
	};
	uint64_t t0 = rdinstret();
	enum ckpt_err err = ckpt_gen_block(&gen_check, &info);
	for (uint32_t i = 0; err == CKPT_OK && i < count; i++)
		err = ckpt_gen_entry(&gen_check, &dir_entries[i]);
	check_instret += rdinstret() - t0;
	if (err == CKPT_OK)
		ckpt_dir_encode(&info, dir_entries, pa_to_va(pa));
	return err;
}

static void encode_header(uint64_t pa)
{
	struct ckpt_header h;
	build_header(&h);
	ckpt_header_encode(&h, pa_to_va(pa));
}

/* The directory after the data: its size from the entries, then its blocks
 * (again, after a refusal rebuilt the thread list). */
static void start_dir(void)
{
	uint64_t entries = ck.nitems + ck.nthreads;
	ck.dir_blocks = (uint32_t)((entries + CKPT_DIR_ENTRIES_PER_BLOCK - 1) /
				   CKPT_DIR_ENTRIES_PER_BLOCK);
	if (ck.dir_blocks == 0)
		ck.dir_blocks = 1;
	ck.head = ck.dir_pos + ck.dir_blocks;
	ck.dir_next = 0;
	ck.phase = PHASE_DIR;
	check_begin();
}

/* No more checkpoints: the volume stays at the last commit, the domains
 * run on with their blocks in memory. Nobody waits for log space or for a
 * transfer any more. */
static void stop_checkpoints(void)
{
	ck.phase = PHASE_OFF;
	ck.enabled = false;
	ckpt_update_wanted();
	ckpt_space_freed();
	act_wake_all(&ck.io_waiters);
}

/* Keep each thread of the list once, and only those recovery accepts (a
 * root inside the node pool). Returns how many were dropped. */
static uint64_t rebuild_threads(void)
{
	uint64_t kept = 0;
	ckpt_dirmap_clear(&check_map);
	for (uint64_t i = 0; i < ck.nthreads; i++) {
		struct ckpt_entry e = { .index = ck.threads[i], .kind = CKPT_KIND_THREAD };
		struct ckpt_dirent de = { .index = e.index, .kind = e.kind };
		bool inserted;
		if (ckpt_entry_check(&volume_sb, &e, 0, 0) != CKPT_OK)
			continue;
		if (!ckpt_dirmap_insert_if_absent(&check_map, &de, &inserted) || !inserted)
			continue;
		ck.threads[kept++] = ck.threads[i];
	}
	uint64_t dropped = ck.nthreads - kept;
	ck.nthreads = kept;
	return dropped;
}

/*
 * The directory is one recovery would refuse (a kernel bug): this attempt
 * is never given a header. When the first bad entry is a thread, the list
 * is rebuilt and the same snapshot's directory written again, once (its
 * data is on the log already); anything else means the snapshot itself is
 * wrong, so checkpoints stop and a restart finds the last commit.
 */
static void refuse(void)
{
	char text[CKPT_DETAIL_SIZE];
	struct ckpt_detail d;
	bool in_threads = gen_check.failed_at == CKPT_GEN_AT_ENTRY &&
			  gen_check.objects + gen_check.threads >= ck.nitems;

	ckpt_detail_begin(&d, text, sizeof(text));
	if (gen_check.failed_at == CKPT_GEN_AT_NONE) {
		ckpt_detail_str(&d, "header of generation ");
		ckpt_detail_u64(&d, ck.gen);
	} else {
		ckpt_gen_explain(&gen_check, refused, &d);
	}
	ck.failures++;
	if (in_threads && !threads_rebuilt) {
		threads_rebuilt = true;
		uint64_t dropped = rebuild_threads();
		kprintf("cairn: checkpoint %lu refused: %s %s; retrying with the thread list rebuilt "
			"(%lu dropped)\n", (unsigned long)ck.gen, ckpt_errname(refused), text,
			(unsigned long)dropped);
		if (ck.failed)
			fail(false); /* a data write failed too: the whole attempt again */
		else
			start_dir();
		return;
	}
	if (ck.committed)
		kprintf("cairn: checkpoint %lu refused: %s %s; checkpoints stopped, a restart resumes "
			"from checkpoint %lu\n", (unsigned long)ck.gen, ckpt_errname(refused), text,
			(unsigned long)ck.committed);
	else
		kprintf("cairn: checkpoint %lu refused: %s %s; checkpoints stopped, a restart boots "
			"the image afresh\n", (unsigned long)ck.gen, ckpt_errname(refused), text);
	stop_checkpoints();
}

static void finish_idle(void)
{
	ck.phase = PHASE_IDLE;
	ck.reserved_end = ck.head;
	ckpt_space_freed();
	act_wake_all(&ck.io_waiters);
	ckpt_update_wanted();
}

/* The generation failed: nothing of it is a checkpoint yet. The snapshot
 * stays as it is (SNAPSHOT frames and copies) and is written again, from
 * the start, a little later, under the same number. */
static void fail(bool header_may_exist)
{
	ck.failures++;
	kprintf("cairn: checkpoint %lu failed: %s\n", (unsigned long)ck.gen,
		blk_strerror(ck.fail_status));
	ck.failed = false;
	if (!header_may_exist) {
		/* Nothing names these positions. Skip them if there is room
		 * (a block that failed to write may fail again), else reuse. */
		if (ck.head + ckpt_need(ck.nitems) - ck.tail > ck.ring)
			ck.head = ck.gen_start;
	} else if (ck.head + ckpt_need(ck.nitems) - ck.tail > ck.ring) {
		/* A header naming this attempt may be durable: its positions
		 * may not be reused, and there is no room for another. */
		kprintf("cairn: checkpoints stopped: no log space to retry checkpoint %lu\n",
			(unsigned long)ck.gen);
		stop_checkpoints();
		return;
	}
	ck.gen_start = ck.head;
	ck.reserved_end = ck.head + ckpt_need(ck.nitems);
	ck.phase = PHASE_RETRY;
	retry_in(CKPT_RETRY_MS);
	act_wake_all(&ck.io_waiters);
}

static void commit(void)
{
	ck.committed = ck.gen;
	ck.tail = ck.gen_start;
	ck.prev_dir_pos = ck.dir_pos;
	ck.prev_dir_blocks = ck.dir_blocks;
	ck.prev_seq = ck.gen;
	ck.last_objects = ck.nitems;
	ck.last_bytes = ck.bytes;
	kprintf("cairn: checkpoint %lu committed objects=%lu bytes=%lu\n", (unsigned long)ck.gen,
		(unsigned long)ck.nitems, (unsigned long)ck.bytes);
	if (ck.verbose)
		kprintf("cairn: checkpoint %lu stabilized bytes=%lu us=%lu entries=%lu "
			"check_instret=%lu\n", (unsigned long)ck.gen, (unsigned long)ck.bytes,
			(unsigned long)timer_ticks_to_us(rdtime() - ck.demarcated_at),
			(unsigned long)(ck.nitems + ck.nthreads), (unsigned long)check_instret);
	ck.phase = PHASE_MIGRATE;
	ck.next = 0;
	ckpt_space_freed(); /* the tail moved */
}

/* One step of the machine; false when it must wait for a completion. */
static bool step(void)
{
	struct wslot *s;
	switch (ck.phase) {
	case PHASE_DATA:
		while (!ck.failed && ck.next < ck.nitems) {
			if (!(s = free_slot()))
				return false;
			/* A run of items (zero ones take no position) whose
			 * positions follow each other in the ring. */
			uint16_t n = 0;
			uint64_t first_pos = ck.head;
			s->item = ck.next;
			while (ck.next < ck.nitems && n < batch_max) {
				struct snap_item *it = &ck.items[ck.next];
				uint64_t pa = item_pa(it);
				bool zero;
				uint64_t sum = ckpt_sum(pa_to_va(pa), &zero);
				if (zero) {
					it->flags = CKPT_ENTRY_ZERO;
					it->sum = 0;
					it->pos = 0;
					ck.next++;
					continue;
				}
				if (n > 0 && ck.head % ck.ring == 0)
					break; /* the ring wraps: a new request */
				it->flags = 0;
				it->sum = sum;
				it->pos = ck.head++;
				it->io = ITEM_IO_BUSY;
				s->seg[n++] = (struct blk_seg){ pa, 4096 };
				ck.next++;
			}
			if (n == 0)
				break; /* only zero items were left */
			s->nitems = (uint16_t)(ck.next - s->item);
			submit_segs(s, BLK_WRITE, ckpt_pos_block(&volume_sb, first_pos), n, SLOT_DATA);
		}
		if (ck.failed) {
			if (!ck.inflight)
				fail(false);
			return false;
		}
		if (ck.next < ck.nitems)
			return false; /* waiting for a free slot */
		/* Every item has its position and sum: the directory can go
		 * out while the last data writes are still in flight (FLUSH1
		 * waits for all of them). */
		ck.dir_pos = ck.head;
		start_dir();
		return true;
	case PHASE_DIR:
		while (!ck.failed && refused == CKPT_OK && ck.dir_next < ck.dir_blocks) {
			if (!(s = free_slot()))
				return false;
			refused = encode_dir(ck.dir_next, s->buf_pa);
			if (refused != CKPT_OK)
				break;
			submit(s, BLK_WRITE, ckpt_pos_block(&volume_sb, ck.dir_pos + ck.dir_next),
			       s->buf_pa, SLOT_DIR);
			ck.dir_next++;
		}
		if (ck.inflight)
			return false;
		if (refused == CKPT_OK && !ck.failed) {
			uint64_t t0 = rdinstret();
			refused = ckpt_gen_end(&gen_check, NULL);
			check_instret += rdinstret() - t0;
		}
		if (refused != CKPT_OK) {
			refuse();
			return ck.phase == PHASE_DIR;
		}
		if (ck.failed) {
			fail(false);
			return false;
		}
		ck.phase = PHASE_FLUSH1;
		issued = false;
		return true;
	case PHASE_FLUSH1:
	case PHASE_HEADER:
	case PHASE_FLUSH2:
		if (!issued) {
			issued = true;
			s = free_slot();
			kassert(s != NULL);
			if (ck.phase == PHASE_HEADER) {
				encode_header(s->buf_pa);
				submit(s, BLK_WRITE, ckpt_header_block(&volume_sb, ckpt_slot_of(ck.gen)),
				       s->buf_pa, SLOT_HEADER);
			} else {
				submit(s, BLK_FLUSH, 0, 0, SLOT_FLUSH);
			}
			return true;
		}
		if (ck.inflight)
			return false;
		if (ck.failed) {
			fail(ck.phase != PHASE_FLUSH1);
			return false;
		}
		issued = false;
		if (ck.phase == PHASE_FLUSH2)
			commit();
		else
			ck.phase = ck.phase == PHASE_FLUSH1 ? PHASE_HEADER : PHASE_FLUSH2;
		return true;
	case PHASE_MIGRATE:
		while (!ck.failed && ck.next < ck.nitems) {
			struct snap_item *it = &ck.items[ck.next];
			if (!(s = free_slot()))
				return false;
			it->io = ITEM_IO_BUSY;
			s->item = ck.next++;
			submit(s, BLK_WRITE, obj_pools[it->cls].home_start + it->index, item_pa(it),
			       SLOT_HOME);
		}
		if (ck.inflight)
			return false;
		if (ck.failed) {
			/* The checkpoint stands (it is in the log); try the homes again. */
			log_error("migration of checkpoint %lu failed: %s; retrying in 1 s",
				  (unsigned long)ck.gen, blk_strerror(ck.fail_status));
			ck.failed = false;
			ck.next = 0;
			issued = false;
			retry_in(1000);
			return false;
		}
		/* The homes durable now, in the background, rather than in the
		 * next generation's FLUSH1 (which still orders them). */
		if (!issued) {
			issued = true;
			submit(free_slot(), BLK_FLUSH, 0, 0, SLOT_FLUSH);
			return true;
		}
		issued = false;
		ckpt_release_snapshot();
		finish_idle();
		return false;
	case PHASE_RECOVER_MIGRATE:
		while (!ck.failed && !recover_listed) {
			if (!(s = free_slot()))
				return false;
			struct ckpt_dirent e;
			if (!ckpt_dirmap_next(&ck.map, &recover_cursor, &e)) {
				recover_listed = true;
				break;
			}
			if (e.kind < CKPT_KIND_NODEPOT || e.kind > CKPT_KIND_PAGE)
				continue;
			uint64_t home = obj_pools[e.kind - 1].home_start + e.index;
			if (e.flags & CKPT_ENTRY_ZERO) {
				submit(s, BLK_WRITE, home, ck.zero_pa, SLOT_RWRITE);
			} else {
				s->home = home;
				s->sum = e.sum;
				submit(s, BLK_READ, ckpt_pos_block(&volume_sb, e.pos), s->buf_pa,
				       SLOT_RREAD);
			}
		}
		if (ck.inflight)
			return false;
		if (ck.failed) {
			log_error("migration of the recovered checkpoint %lu failed: %s; retrying in 1 s",
				  (unsigned long)ck.committed, blk_strerror(ck.fail_status));
			ck.failed = false;
			if (++recover_retries > 3) {
				kprintf("cairn: checkpoints stopped: the recovered checkpoint cannot be migrated\n");
				ck.phase = PHASE_OFF;
				ck.enabled = false;
				return false;
			}
			ckpt_dirmap_first(&ck.map, &recover_cursor);
			recover_listed = false;
			retry_in(1000);
			return false;
		}
		ck.map_active = false;
		ckpt_dirmap_clear(&ck.map);
		log_debug("recovered checkpoint %lu migrated", (unsigned long)ck.committed);
		finish_idle();
		return false;
	case PHASE_RETRY:
		if (timer_now() < retry_timer.deadline)
			return false;
		ck.phase = PHASE_DATA;
		ck.next = 0;
		ck.bytes = 0;
		return true;
	default:
		return false;
	}
}

/* Drive the machine as far as it goes. Re-entrant calls (a completion
 * delivered synchronously by blk_submit) only ask the running loop to go
 * round again. */
static void pump(void)
{
	if (pumping) {
		pump_again = true;
		return;
	}
	pumping = true;
	do {
		pump_again = false;
		while (step())
			;
	} while (pump_again);
	pumping = false;
}

void ckpt_stabilize_start(void)
{
	ck.phase = PHASE_DATA;
	ck.next = 0;
	ck.bytes = 0;
	ck.failed = false;
	threads_rebuilt = false;
	check_instret = 0;
	pump();
}

void ckpt_recover_migrate_start(void)
{
	ck.phase = PHASE_RECOVER_MIGRATE;
	ck.failed = false;
	ckpt_dirmap_first(&ck.map, &recover_cursor);
	recover_listed = false;
	pump();
}
