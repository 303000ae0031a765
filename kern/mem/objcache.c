/* SPDX-License-Identifier: MIT */
/*
 * The object cache; see objcache.h.
 *
 * A fetch is a read of one block into a fresh frame. Activities that fault
 * on a block being fetched join its waiter list instead of issuing another
 * read. When the read completes (interrupt context) the frame is mapped
 * into its pool and every waiter is made ready to retry; if it failed, the
 * waiters are marked so that their retry raises FAULT_IO to their keeper
 * instead of reading again.
 */
#include <stdlib.h>
#include <string.h>
#include <cairn/key.h>
#include <cairn/node.h>
#include <cairn/tag.h>
#include "mem/objcache.h"
#include "dom/kctx.h"
#include "dom/park.h"
#include "dom/act.h"
#include "mem/vm.h"
#include "dev/virtio_blk.h"
#include "dev/volume.h"
#include "dom/aspace.h"
#include "ckpt/ckpt_hooks.h"
#include "dom/sched.h"
#include "entry/trap.h"
#include "hw/riscv.h"
#include "hw/platform.h"
#include "hw/log.h"
#include "hw/panic.h"

struct obj_pool obj_pools[OBJ_CLASSES];

#define FETCH_MAX 32

struct fetch {
	bool busy;
	uint8_t cls;
	uint64_t index;
	uint64_t pa;
	struct blk_req req;
	struct blk_seg seg;
	struct act_list waiters;
};

static struct fetch fetches[FETCH_MAX];
static struct act_list fetch_slot_waiters; /* all FETCH_MAX reads in flight */
static struct act_list mem_waiters;        /* nothing evictable */
static struct frame clock_ring;            /* sentinel of the resident ring */
static struct frame *clock_hand;
static struct objcache_stats stats;
static bool warned_full;
static uint64_t memstat_every; /* boot arg memstat=N: a line every N fetches */

static const char *const class_names[OBJ_CLASSES] = { "node pot", "tag pot", "page" };

/* The windows (memlayout.h) hold every object a 32-bit OID names. */
_Static_assert(PAGE_POOL_SIZE / 4096 >= CAIRN_POOL_COUNT_MAX, "page window");
_Static_assert(NODE_POOL_SIZE / 4096 >= CAIRN_POOL_COUNT_MAX / CAIRN_NODES_PER_POT + 1,
	       "node window");
_Static_assert(TAG_POOL_SIZE / 4096 >= CAIRN_POOL_COUNT_MAX / CAIRN_TAGS_PER_POT + 1, "tag window");

static uint64_t div_round_up(uint64_t n, uint64_t d)
{
	return n / d + (n % d != 0);
}

/* A pool maps the blocks its OIDs name (a pool may have spare blocks
 * beyond them: the geometry allows it, no OID reaches them). */
static void pool_setup(enum obj_class c, uint64_t va, uint64_t window, uint64_t count,
		       uint64_t home)
{
	/* Unreachable while the geometry check refuses OIDs past 32 bits
	 * (cairn_sb_check_geometry: CAIRN_VOL_ERR_OID_RANGE); kept so that
	 * a looser check can never map past a window. */
	if (count > window / 4096)
		volume_stop("volume too large for this kernel: %lu %ss exceed the %lu GiB window "
			    "(CAIRN_VOL_ERR_OID_RANGE)",
			    (unsigned long)count, class_names[c], (unsigned long)(window >> 30));
	obj_pools[c] = (struct obj_pool){ va, count, home };
	if (!vm_reserve(va, count * 4096))
		volume_stop("out of memory for the %s pool's page tables", class_names[c]);
}

void objcache_init(void)
{
	pool_setup(OBJ_NODEPOT, NODE_POOL_BASE, NODE_POOL_SIZE,
		   div_round_up(volume_sb.node_count, CAIRN_NODES_PER_POT),
		   volume_sb.node_pool_start);
	pool_setup(OBJ_TAGPOT, TAG_POOL_BASE, TAG_POOL_SIZE,
		   div_round_up(volume_sb.page_count, CAIRN_TAGS_PER_POT),
		   volume_sb.tag_pool_start);
	pool_setup(OBJ_PAGE, PAGE_POOL_BASE, PAGE_POOL_SIZE, volume_sb.page_count,
		   volume_sb.page_pool_start);
	clock_ring.next = clock_ring.prev = &clock_ring;
	clock_hand = &clock_ring;
	char arg[24];
	if (platform_bootarg("memstat", arg, sizeof(arg)))
		memstat_every = strtoul(arg, NULL, 10);
}

/* What the cache holds and what its tables cost, for tests that check
 * that kernel memory stays bounded however much of the volume is touched. */
static void memstat_line(void)
{
	kprintf("cairn: memstat fetches=%lu resident=%lu tables=%lu free=%lu of %lu\n",
		(unsigned long)stats.fetches, (unsigned long)stats.resident,
		(unsigned long)vm_kernel_tables(), (unsigned long)frame_free_count(),
		(unsigned long)frame_total_count());
}

const struct objcache_stats *objcache_stats(void)
{
	return &stats;
}

bool objcache_fetching(void)
{
	for (int i = 0; i < FETCH_MAX; i++)
		if (fetches[i].busy)
			return true;
	return false;
}

struct frame *obj_frame(enum obj_class c, uint64_t index)
{
	if (index >= obj_pools[c].count)
		return NULL;
	pte_t *pte = vm_kpte_lookup((uint64_t)obj_va(c, index));
	if (!pte || !(*pte & PTE_V))
		return NULL;
	return frame_of(pte_pa(*pte));
}

struct frame *obj_pin_resident(enum obj_class c, uint64_t index)
{
	struct frame *f = obj_frame(c, index);
	if (f) {
		f->pin_stamp = kctx_stamp;
		f->obj_flags |= OBJF_REF;
	}
	return f;
}

struct frame *obj_prepare_write(enum obj_class c, uint64_t index)
{
	struct frame *f = obj_pin(c, index);
	f->obj_flags &= (uint16_t)~OBJF_ZERO; /* about to be written: maybe not zero */
	if (f->obj_flags & OBJF_DIRTY)
		return f;
	/* Copy-before-write for a block the snapshot still needs (may park,
	 * and may leave the block neither SNAPSHOT nor DIRTY: harmless), then
	 * log space, which may park but only before it puts the block on the
	 * dirty list: nothing parks after that, so the list never holds a
	 * block twice. */
	ckpt_before_write(f);
	ckpt_reserve_dirty(f);
	f->obj_flags |= OBJF_DIRTY;
	stats.dirty++;
	return f;
}

/* --- the resident ring and eviction --------------------------------- */

static void ring_insert(struct frame *f)
{
	f->next = &clock_ring;
	f->prev = clock_ring.prev;
	clock_ring.prev->next = f;
	clock_ring.prev = f;
	stats.resident++;
}

static void ring_remove(struct frame *f)
{
	if (clock_hand == f)
		clock_hand = f->next;
	f->prev->next = f->next;
	f->next->prev = f->prev;
	f->next = f->prev = NULL;
	stats.resident--;
}

void objcache_for_each(void (*fn)(struct frame *f, void *arg), void *arg)
{
	for (struct frame *f = clock_ring.next, *next; f != &clock_ring; f = next) {
		next = f->next;
		fn(f, arg);
	}
}

static bool evictable(const struct frame *f)
{
	if (f->obj_flags & (OBJF_DIRTY | OBJF_SNAPSHOT))
		return false;
	if (f->pin_stamp == kctx_stamp && kctx_act)
		return false;
	if (f->dma_pins) /* a device holds its physical address */
		return false;
	if (f->obj_class == OBJ_NODEPOT && f->aux != 0) /* holds a cached domain's node */
		return false;
	return true;
}

static void evict(struct frame *f)
{
	enum obj_class c = (enum obj_class)f->obj_class;
	if (c == OBJ_PAGE)
		aspace_unmap_frame(f);
	else if (c == OBJ_NODEPOT && (f->obj_flags & OBJF_ASPACE_ANY))
		aspace_flush_all(); /* tables derived from its nodes would go stale */
	vm_kunmap((uint64_t)obj_va(c, f->obj_index));
	ring_remove(f);
	stats.evictions++;
	frame_free(frame_pa(f));
}

/* The clock: pass over referenced frames once, clearing the bit; prefer
 * not to evict node pots that feed address spaces (evicting one flushes
 * every domain's page tables). */
static bool evict_one(void)
{
	unsigned long budget = 3 * stats.resident + 3;
	struct frame *fallback = NULL;
	while (budget-- > 0 && stats.resident > 0) {
		struct frame *f = clock_hand;
		clock_hand = f->next;
		if (f == &clock_ring)
			continue;
		if (!evictable(f))
			continue;
		if (f->obj_flags & OBJF_REF) {
			f->obj_flags &= (uint16_t)~OBJF_REF;
			continue;
		}
		if ((f->obj_flags & OBJF_ASPACE_ANY) && budget > stats.resident) {
			fallback = f;
			continue;
		}
		evict(f);
		return true;
	}
	if (fallback && evictable(fallback)) {
		evict(fallback);
		return true;
	}
	return false;
}

/* --- DMA pins ------------------------------------------------------- */

void obj_dma_pin(struct frame *f)
{
	kassert(f->kind == FRAME_OBJECT || f->kind == FRAME_DMA);
	kassert(f->dma_pins < UINT16_MAX);
	f->dma_pins++;
	f->obj_flags &= (uint16_t)~OBJF_ZERO; /* the device may write it */
}

void obj_dma_unpin(struct frame *f)
{
	kassert(f->dma_pins > 0);
	if (--f->dma_pins == 0 && f->kind == FRAME_DMA)
		frame_free(frame_pa(f)); /* its object left it: nobody else has it */
}

/* g takes f's place in the resident ring. */
static void ring_replace(struct frame *f, struct frame *g)
{
	g->next = f->next;
	g->prev = f->prev;
	f->prev->next = g;
	f->next->prev = g;
	if (clock_hand == f)
		clock_hand = g;
	f->next = f->prev = NULL;
}

struct frame *obj_dma_detach(struct frame *f)
{
	kassert(f->kind == FRAME_OBJECT && f->obj_class == OBJ_PAGE && f->dma_pins > 0);
	kassert((f->obj_flags & OBJF_DIRTY) && !(f->obj_flags & OBJF_SNAPSHOT) && f->aux == 0);
	uint64_t pa = frame_alloc(); /* reserved by the prepare phase */
	kassert(pa != 0);
	struct frame *g = frame_of(pa);
	g->kind = FRAME_OBJECT;
	g->obj_class = f->obj_class;
	g->obj_index = f->obj_index;
	g->obj_flags = f->obj_flags;
	g->pin_stamp = f->pin_stamp;
	g->aux = 0;
	ring_replace(f, g);
	ckpt_dirty_moved(f, g);
	uint64_t va = (uint64_t)obj_va(OBJ_PAGE, f->obj_index);
	vm_kremap(va, pa, PTE_R | PTE_W); /* the old translation goes before the new one */
	f->kind = FRAME_DMA;
	f->obj_flags = 0;
	return g;
}

void obj_page_exchange(struct frame *pinned, struct frame *other)
{
	struct frame *a = pinned, *b = other;
	kassert(a->kind == FRAME_OBJECT && b->kind == FRAME_OBJECT && a != b);
	kassert(a->obj_class == OBJ_PAGE && b->obj_class == OBJ_PAGE);
	kassert((a->obj_flags & b->obj_flags & OBJF_DIRTY) &&
		!((a->obj_flags | b->obj_flags) & OBJF_SNAPSHOT));
	kassert(a->dma_pins == 1 && b->dma_pins == 0);
	uint64_t ia = a->obj_index, ib = b->obj_index;
	a->obj_index = ib;
	b->obj_index = ia;
	/* Both stay on the dirty list and in the ring as frames; what each
	 * is the copy of is obj_index, read when the checkpoint logs it. */
	vm_kremap((uint64_t)obj_va(OBJ_PAGE, ia), frame_pa(b), PTE_R | PTE_W);
	vm_kremap((uint64_t)obj_va(OBJ_PAGE, ib), frame_pa(a), PTE_R | PTE_W);
	aspace_exchange_frames(a, b);
	a->obj_flags &= (uint16_t)~OBJF_ZERO;
	b->obj_flags &= (uint16_t)~OBJF_ZERO;
	a->dma_pins--;
	b->dma_pins++;
}

/* Nothing can be evicted: wait (inside an operation) for a checkpoint to
 * clean some frames. */
static __attribute__((noreturn)) void wait_for_memory(void)
{
	if (!warned_full) {
		log_warn("object cache: every frame holds a dirty or pinned object; "
			 "waiting for a checkpoint to clean some");
		warned_full = true;
	}
	ckpt_memory_pressure();
	park_on(ACT_WAIT_MEM, &mem_waiters);
}

uint64_t kframe_alloc(void)
{
	uint64_t pa = frame_alloc();
	while (!pa && evict_one())
		pa = frame_alloc();
	if (pa)
		return pa;
	if (!kctx_act)
		return 0;
	wait_for_memory();
}

void kframe_reserve(unsigned n)
{
	kassert(kctx_act != NULL && !kctx_committed);
	while (frame_free_count() < n)
		if (!evict_one())
			wait_for_memory();
}

void objcache_memory_available(void)
{
	warned_full = false;
	act_wake_all(&mem_waiters);
}

/*
 * Room for a block and the pool tables its slot may lack (a level-1 and a
 * level-0 table). It is made free first, evicting (and inside an operation
 * parking) while nothing is held; what follows allocates without evicting,
 * because an eviction may free the very tables being built (vm.h).
 */
#define FETCH_FRAMES (PT_LEVELS - 1)

static bool make_room(void)
{
	if (kctx_act && !kctx_committed) {
		kframe_reserve(FETCH_FRAMES);
		return true;
	}
	while (frame_free_count() < FETCH_FRAMES)
		if (!evict_one())
			return false;
	return true;
}

/* Build the tables of a block's slot from the frames make_room() freed,
 * and hold them until the block is installed (vm_kslot_release). */
static void slot_hold(enum obj_class c, uint64_t index)
{
	uint64_t va = (uint64_t)obj_va(c, index);
	while (!vm_kpte_lookup(va)) {
		uint64_t t = frame_alloc();
		kassert(t != 0);
		vm_kpte_install_table(va, t);
	}
	vm_kslot_hold(va);
}

static void slot_release(enum obj_class c, uint64_t index)
{
	vm_kslot_release((uint64_t)obj_va(c, index));
}

/* --- fetching ------------------------------------------------------- */

static struct fetch *fetch_find(enum obj_class c, uint64_t index)
{
	for (int i = 0; i < FETCH_MAX; i++)
		if (fetches[i].busy && fetches[i].cls == c && fetches[i].index == index)
			return &fetches[i];
	return NULL;
}

/* A frame now holds block `index` of class c: map it into its pool. */
static void install(enum obj_class c, uint64_t index, uint64_t pa)
{
	struct frame *f = frame_of(pa);
	f->kind = FRAME_OBJECT;
	f->obj_class = (uint8_t)c;
	f->obj_index = index;
	f->obj_flags = OBJF_REF;
	f->aux = 0;
	vm_kmap((uint64_t)obj_va(c, index), pa, PTE_R | PTE_W);
	ring_insert(f);
	stats.fetches++;
	if (memstat_every && stats.fetches % memstat_every == 0)
		memstat_line();
}

static void fetch_done(struct blk_req *req)
{
	struct fetch *ft = req->ctx;
	struct frame *f = frame_of(ft->pa);
	if (req->status == BLK_OK) {
		(void)f;
		install((enum obj_class)ft->cls, ft->index, ft->pa);
		slot_release((enum obj_class)ft->cls, ft->index);
	} else {
		log_error("cannot read %s %lu from the volume: %s", class_names[ft->cls],
			  (unsigned long)ft->index, blk_strerror(req->status));
		frame_free(ft->pa);
		slot_release((enum obj_class)ft->cls, ft->index);
		stats.fetch_errors++;
		for (struct activity *a = ft->waiters.head; a; a = a->next)
			a->io_error = true;
	}
	ft->busy = false;
	act_wake_all(&ft->waiters);
	act_wake_all(&fetch_slot_waiters);
}

enum fetch_start_result {
	FETCH_STARTED, /* *out is the fetch to wait for */
	FETCH_NO_SLOT, /* every fetch slot is busy */
	FETCH_REFUSED, /* the device refused the read at once */
	FETCH_DONE,    /* the block is resident already (all zeros) */
};

/* Start reading block `index` of class c. */
static enum fetch_start_result fetch_start(enum obj_class c, uint64_t index, struct fetch **out)
{
	struct fetch *ft = NULL;
	for (int i = 0; i < FETCH_MAX && !ft; i++)
		if (!fetches[i].busy)
			ft = &fetches[i];
	if (!ft)
		return FETCH_NO_SLOT;
	if (!make_room()) /* may park: before we claim anything */
		return FETCH_NO_SLOT;
	slot_hold(c, index);
	uint64_t pa = frame_alloc();
	kassert(pa != 0);
	uint64_t block = ckpt_locate(c, index, obj_pools[c].home_start + index);
	if (block == CKPT_LOCATE_ZERO) {
		/* All zeros in the newest checkpoint: no read (the frame is
		 * zeroed); the caller retries and finds it resident. */
		install(c, index, pa);
		slot_release(c, index);
		*out = NULL;
		return FETCH_DONE;
	}
	memset(ft, 0, sizeof(*ft));
	ft->busy = true;
	ft->cls = (uint8_t)c;
	ft->index = index;
	ft->pa = pa;
	ft->seg = (struct blk_seg){ pa, 4096 };
	ft->req = (struct blk_req){
		.op = BLK_READ,
		.nsegs = 1,
		.sector = volume_sector(block),
		.segs = &ft->seg,
		.done = fetch_done,
		.ctx = ft,
	};
	enum blk_status st = blk_submit(&ft->req);
	if (st != BLK_OK) {
		ft->req.status = st;
		fetch_done(&ft->req); /* reports and frees like a failed read */
		*out = NULL;
		return FETCH_REFUSED;
	}
	*out = ft;
	return FETCH_STARTED;
}

bool objcache_kernel_fault(struct trap_frame *tf)
{
	uint64_t va = tf->stval;
	enum obj_class c;
	if (va >= NODE_POOL_BASE && va < NODE_POOL_BASE + NODE_POOL_SIZE)
		c = OBJ_NODEPOT;
	else if (va >= TAG_POOL_BASE && va < TAG_POOL_BASE + TAG_POOL_SIZE)
		c = OBJ_TAGPOT;
	else if (va >= PAGE_POOL_BASE && va < PAGE_POOL_BASE + PAGE_POOL_SIZE)
		c = OBJ_PAGE;
	else
		return false;
	uint64_t index = (va - obj_pools[c].va_base) / 4096;
	if (index >= obj_pools[c].count)
		return false; /* an unchecked OID: a kernel bug */
	if (!kctx_act || kctx_committed)
		return false; /* a fault nobody can wait for: a kernel bug */
	struct activity *a = kctx_act;
	if (a->io_error) {
		/* The retry after a failed read: tell the domain's keeper. */
		a->io_error = false;
		park_io_fault(a, va);
	}
	struct fetch *ft = fetch_find(c, index);
	if (!ft) {
		if (obj_frame(c, index))
			return true; /* raced with a completion: just retry */
		switch (fetch_start(c, index, &ft)) {
		case FETCH_STARTED:
			break;
		case FETCH_NO_SLOT:
			park_on(ACT_WAIT_IO, &fetch_slot_waiters);
		case FETCH_REFUSED:
			a->io_error = true; /* refused at once: the retry raises FAULT_IO */
			park_on(ACT_READY, &run_queue);
		case FETCH_DONE:
			return true; /* retry: it is resident now */
		}
	}
	park_on(ACT_WAIT_IO, &ft->waiters);
}

/* --- synchronous reads for boot -------------------------------------- */

bool obj_load_sync(enum obj_class c, uint64_t index)
{
	if (index >= obj_pools[c].count)
		return false;
	if (obj_frame(c, index))
		return true;
	if (!make_room())
		return false;
	slot_hold(c, index);
	uint64_t pa = frame_alloc();
	kassert(pa != 0);
	uint64_t block = ckpt_locate(c, index, obj_pools[c].home_start + index);
	bool ok = block == CKPT_LOCATE_ZERO ||
		  blk_sync(BLK_READ, volume_sector(block), pa, 4096) == BLK_OK;
	if (ok)
		install(c, index, pa);
	else
		frame_free(pa);
	slot_release(c, index);
	return ok;
}
