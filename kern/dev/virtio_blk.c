/* SPDX-License-Identifier: MIT */
/*
 * virtio-blk driver; see virtio_blk.h. The transport and the queue are
 * the shared code in virtio/ (docs/virtio.md), reached through the
 * kernel's glue in virtio_kern.c.
 *
 * Each in-flight request owns a slot: one 4 KiB frame holding its indirect
 * descriptor table (header, data segments, status) followed by the request
 * header and status byte themselves, so the ring needs one descriptor per
 * request regardless of its size.
 *
 * Plugging (blk_plug/blk_unplug, nested): while plugged, a request goes on
 * the ring without a notification, and the outermost unplug notifies once
 * for all of them. Under QEMU a notification is an exit in which the
 * vCPU's thread takes the device's lock and walks every new request, so
 * one per request cost about 30 us each when migration offered 30 home
 * writes at once. Invariant: when not plugged, every published request
 * has been notified.
 */
#include <string.h>
#include "dev/virtio_blk.h"
#include "dev/virtio_kern.h"
#include "virtio_blk_spec.h"
#include "hw/riscv.h"
#include "hw/plic.h"
#include "mem/frame.h"
#include "hw/memlayout.h"
#include "hw/log.h"
#include "hw/panic.h"

#define SLOT_HDR_OFF    4032 /* after 252 indirect descriptors */
#define SLOT_STATUS_OFF 4048

struct blk_slot {
	struct blk_req *req; /* NULL when free */
	uint64_t frame_pa;
	int ring_desc;
};

static struct {
	bool present;
	struct virtio_mmio dev;
	uint32_t irq;
	struct virtq vq;
	uint64_t capacity_sectors;
	uint32_t seg_max;
	struct blk_slot slots[BLK_MAX_INFLIGHT];
	int inflight;
	struct blk_req *pending_head, *pending_tail;
	struct blk_stats stats;
	unsigned plugged; /* blk_plug depth */
	bool unnotified;  /* published while plugged, not yet notified */
} blk;

void blk_plug(void)
{
	blk.plugged++;
}

void blk_unplug(void)
{
	kassert(blk.plugged > 0);
	if (--blk.plugged == 0 && blk.unnotified) {
		blk.unnotified = false;
		virtq_notify(&blk.vq);
	}
}

static const char *const status_names[] = {
	[BLK_OK] = "ok",
	[BLK_ERR_IO] = "I/O error",
	[BLK_ERR_UNSUPPORTED] = "request not supported by the device",
	[BLK_ERR_RANGE] = "beyond the end of the device",
	[BLK_ERR_INVALID] = "malformed request",
	[BLK_ERR_READ_ONLY] = "device is read-only",
	[BLK_ERR_NO_DEVICE] = "no block device",
};

const char *blk_strerror(enum blk_status s)
{
	return (unsigned)s < sizeof(status_names) / sizeof(status_names[0]) ? status_names[s]
									    : "unknown";
}

static void blk_interrupt(void *arg);

enum blk_status blk_init(void)
{
	enum virtio_err err = virtio_kern_find(VIRTIO_ID_BLOCK, 0, &blk.dev, &blk.irq);
	if (err != VIRTIO_OK) {
		if (err == VIRTIO_ERR_LEGACY)
			log_error("virtio-blk: only a legacy device found; "
				  "run QEMU with -global virtio-mmio.force-legacy=false");
		return BLK_ERR_NO_DEVICE;
	}
	uint64_t wanted = (1ULL << VIRTIO_BLK_F_FLUSH) | (1ULL << VIRTIO_BLK_F_SEG_MAX) |
			  (1ULL << VIRTIO_BLK_F_RO) | (1ULL << VIRTIO_BLK_F_BLK_SIZE);
	uint64_t required = 1ULL << VIRTIO_F_INDIRECT_DESC;
	if (virtio_kern_negotiate(&blk.dev, wanted, required) != VIRTIO_OK)
		return BLK_ERR_NO_DEVICE;
	err = virtio_kern_queue_setup(&blk.dev, &blk.vq, 0, 256);
	if (err != VIRTIO_OK) {
		log_error("virtio-blk: cannot set up request queue 0: %s", virtio_err_name(err));
		virtio_mmio_fail(&blk.dev);
		return BLK_ERR_NO_DEVICE;
	}
	blk.capacity_sectors = virtio_mmio_config_read64(&blk.dev, VIRTIO_BLK_CFG_CAPACITY);
	blk.seg_max = BLK_MAX_SEGS;
	if (virtio_mmio_has(&blk.dev, VIRTIO_BLK_F_SEG_MAX)) {
		uint32_t m = virtio_mmio_config_read32(&blk.dev, VIRTIO_BLK_CFG_SEG_MAX);
		if (m && m < blk.seg_max)
			blk.seg_max = m;
	}
	/* An indirect table holds the header, the segments and the status,
	 * and is no longer than the queue (§2.7.5.3.1). */
	uint32_t table_segs = blk.vq.size > 2 ? blk.vq.size - 2u : 0;
	if (blk.seg_max > table_segs)
		blk.seg_max = table_segs;
	for (int i = 0; i < BLK_MAX_INFLIGHT; i++) {
		blk.slots[i].frame_pa = frame_alloc();
		if (!blk.slots[i].frame_pa) {
			virtio_mmio_fail(&blk.dev);
			return BLK_ERR_NO_DEVICE;
		}
	}
	if (plic_register(blk.irq, blk_interrupt, NULL) != 0) {
		log_error("virtio-blk: interrupt %u out of the PLIC's range", blk.irq);
		virtio_mmio_fail(&blk.dev);
		return BLK_ERR_NO_DEVICE;
	}
	virtio_mmio_driver_ok(&blk.dev);
	blk.present = true;
	if (!virtio_mmio_has(&blk.dev, VIRTIO_BLK_F_FLUSH))
		log_warn("virtio-blk: device has no FLUSH; writes are assumed durable on completion");
	log_debug("virtio-blk: %lu sectors, queue %u, seg_max %u, features %#lx",
		  (unsigned long)blk.capacity_sectors, blk.vq.size, blk.seg_max,
		  (unsigned long)blk.dev.features);
	return BLK_OK;
}

uint32_t blk_irq(void)
{
	return blk.irq;
}

bool blk_present(void)
{
	return blk.present;
}

uint64_t blk_capacity_bytes(void)
{
	return blk.capacity_sectors * VIRTIO_BLK_SECTOR_SIZE;
}

unsigned blk_seg_max(void)
{
	return blk.present ? blk.seg_max : 0;
}

bool blk_has_flush(void)
{
	return blk.present && virtio_mmio_has(&blk.dev, VIRTIO_BLK_F_FLUSH);
}

bool blk_read_only(void)
{
	return blk.present && virtio_mmio_has(&blk.dev, VIRTIO_BLK_F_RO);
}

const struct blk_stats *blk_stats(void)
{
	return &blk.stats;
}

static enum blk_status validate(const struct blk_req *req)
{
	if (!blk.present)
		return BLK_ERR_NO_DEVICE;
	if (req->op == BLK_FLUSH)
		return req->nsegs == 0 ? BLK_OK : BLK_ERR_INVALID;
	if (req->op != BLK_READ && req->op != BLK_WRITE)
		return BLK_ERR_INVALID;
	if (req->nsegs == 0 || req->nsegs > blk.seg_max || !req->segs)
		return BLK_ERR_INVALID;
	uint64_t sectors = 0;
	for (unsigned i = 0; i < req->nsegs; i++) {
		if (req->segs[i].len == 0 || req->segs[i].len % VIRTIO_BLK_SECTOR_SIZE)
			return BLK_ERR_INVALID;
		sectors += req->segs[i].len / VIRTIO_BLK_SECTOR_SIZE;
	}
	if (req->sector > blk.capacity_sectors || sectors > blk.capacity_sectors - req->sector)
		return BLK_ERR_RANGE;
	if (req->op == BLK_WRITE && blk_read_only())
		return BLK_ERR_READ_ONLY;
	return BLK_OK;
}

/* Put `req` on the ring in `slot`. */
static void start(struct blk_req *req, int s)
{
	struct blk_slot *slot = &blk.slots[s];
	uint8_t *frame = pa_to_va(slot->frame_pa);
	struct virtq_desc *table = (struct virtq_desc *)frame;
	struct virtio_blk_req_hdr *hdr = (struct virtio_blk_req_hdr *)(frame + SLOT_HDR_OFF);
	volatile uint8_t *status = frame + SLOT_STATUS_OFF;

	hdr->type = req->op == BLK_READ    ? VIRTIO_BLK_T_IN
		    : req->op == BLK_WRITE ? VIRTIO_BLK_T_OUT
					   : VIRTIO_BLK_T_FLUSH;
	hdr->reserved = 0;
	hdr->sector = req->op == BLK_FLUSH ? 0 : req->sector;
	*status = 0xff;

	/* §5.2.6: header (device-readable), data, status (device-writable). */
	unsigned n = 0;
	table[n++] = (struct virtq_desc){ slot->frame_pa + SLOT_HDR_OFF, sizeof(*hdr),
					  VIRTQ_DESC_F_NEXT, 1 };
	for (unsigned i = 0; i < req->nsegs; i++, n++)
		table[n] = (struct virtq_desc){ req->segs[i].pa, req->segs[i].len,
						(uint16_t)(VIRTQ_DESC_F_NEXT |
							   (req->op == BLK_READ ? VIRTQ_DESC_F_WRITE
										: 0)),
						(uint16_t)(n + 1) };
	table[n++] =
		(struct virtq_desc){ slot->frame_pa + SLOT_STATUS_OFF, 1, VIRTQ_DESC_F_WRITE, 0 };

	uint16_t d;
	enum virtio_err err = virtq_add_indirect(&blk.vq, slot->frame_pa, (uint16_t)n, &d);
	/* One ring descriptor per slot, slots < ring size, and n <= seg_max + 2
	 * <= ring size: the queue can refuse nothing here. */
	kassert(err == VIRTIO_OK);
	slot->req = req;
	slot->ring_desc = d;
	blk.inflight++;
	if (blk.plugged) {
		virtq_publish_quiet(&blk.vq, d);
		blk.unnotified = true;
	} else {
		virtq_publish(&blk.vq, d);
	}
}

static int free_slot(void)
{
	for (int i = 0; i < BLK_MAX_INFLIGHT; i++)
		if (!blk.slots[i].req)
			return i;
	return -1;
}

enum blk_status blk_submit(struct blk_req *req)
{
	enum blk_status st = validate(req);
	if (st != BLK_OK)
		return st;
	if (req->op == BLK_FLUSH && !blk_has_flush()) {
		/* Nothing to flush: complete at once, still through done(). */
		req->status = BLK_OK;
		blk.stats.flushes++;
		req->done(req);
		return BLK_OK;
	}
	req->next = NULL;
	int s = free_slot();
	if (s < 0) {
		if (blk.pending_tail)
			blk.pending_tail->next = req;
		else
			blk.pending_head = req;
		blk.pending_tail = req;
		return BLK_OK;
	}
	start(req, s);
	return BLK_OK;
}

static void account(const struct blk_req *req)
{
	uint64_t bytes = 0;
	for (unsigned i = 0; i < req->nsegs; i++)
		bytes += req->segs[i].len;
	switch (req->op) {
	case BLK_READ:
		blk.stats.reads++;
		blk.stats.bytes_read += bytes;
		break;
	case BLK_WRITE:
		blk.stats.writes++;
		blk.stats.bytes_written += bytes;
		break;
	default:
		blk.stats.flushes++;
		break;
	}
	if (req->status != BLK_OK)
		blk.stats.errors++;
}

static void blk_interrupt(void *arg)
{
	(void)arg;
	virtio_mmio_ack_interrupt(&blk.dev);
	/* What the callbacks submit (the log writer's next requests) goes
	 * out with one notification. */
	blk_plug();
	struct virtq_used_elem e;
	while (virtq_pop_used(&blk.vq, &e)) {
		int s = -1;
		for (int i = 0; i < BLK_MAX_INFLIGHT; i++)
			if (blk.slots[i].req && blk.slots[i].ring_desc == (int)e.id)
				s = i;
		if (s < 0) {
			log_error("virtio-blk: device returned unknown descriptor %u", e.id);
			continue;
		}
		struct blk_slot *slot = &blk.slots[s];
		struct blk_req *req = slot->req;
		uint8_t status = *((volatile uint8_t *)pa_to_va(slot->frame_pa) + SLOT_STATUS_OFF);
		req->status = status == VIRTIO_BLK_S_OK       ? BLK_OK
			      : status == VIRTIO_BLK_S_UNSUPP ? BLK_ERR_UNSUPPORTED
							      : BLK_ERR_IO;
		virtq_free_chain(&blk.vq, (uint16_t)slot->ring_desc);
		slot->req = NULL;
		blk.inflight--;
		account(req);
		if (req->status != BLK_OK)
			log_debug("virtio-blk: %s at sector %lu failed: %s",
				  req->op == BLK_READ    ? "read"
				  : req->op == BLK_WRITE ? "write"
							 : "flush",
				  (unsigned long)req->sector, blk_strerror(req->status));
		/* Refill the freed slot before running the callback, which may
		 * itself submit (and would otherwise overtake older requests). */
		if (blk.pending_head) {
			struct blk_req *next = blk.pending_head;
			blk.pending_head = next->next;
			if (!blk.pending_head)
				blk.pending_tail = NULL;
			start(next, s);
		}
		req->done(req);
	}
	blk_unplug();
}

struct sync_ctx {
	volatile bool done;
};

static void sync_done(struct blk_req *req)
{
	((struct sync_ctx *)req->ctx)->done = true;
}

enum blk_status blk_sync(enum blk_op op, uint64_t sector, uint64_t pa, uint32_t len)
{
	struct blk_seg seg = { pa, len };
	struct sync_ctx ctx = { false };
	struct blk_req req = {
		.op = (uint8_t)op,
		.nsegs = op == BLK_FLUSH ? 0 : 1,
		.sector = sector,
		.segs = &seg,
		.done = sync_done,
		.ctx = &ctx,
	};
	enum blk_status st = blk_submit(&req);
	if (st != BLK_OK)
		return st;
	intr_wait_flag((volatile bool *)&ctx.done);
	return req.status;
}
