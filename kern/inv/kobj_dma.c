/* SPDX-License-Identifier: MIT */
/*
 * DMA keys: the kernel's pins for a trusted driver (docs/invocations.md
 * "DMA"; docs/design.md invariant 7). Through a DMA key the driver pins a
 * page it holds a key to and learns its physical address, tells the kernel
 * when it takes a device-written buffer (SYNC), and unpins it. The key is
 * its own authority (no object); only an image makes one (cairn-format's
 * `dma` word), and every DMA key names the one pin table below.
 *
 * Invariants:
 *  - A pinned page's frame is the device's until its pin goes: it is never
 *    evicted (mem/objcache.c), and a rescind of the page moves the object
 *    to a fresh frame and leaves the pinned one to its pins (FRAME_DMA), so
 *    a device never writes into memory that has a new owner. The frame is
 *    freed at its last unpin.
 *  - A pin for device writes needs a read-write page key: a driver cannot
 *    have a device write where it could not write itself. A read-only (or
 *    weakened) key pins for device reads only.
 *  - Pins are not persistent, like the devices they serve: the table lives
 *    in RAM, starts empty at every boot, and the first invocation after a
 *    boot answers DEVICE_RESET and does nothing else (physical addresses
 *    from before the boot mean nothing now).
 *  - Device writes bypass the object cache, so a pinned page the device
 *    wrote is dirtied when the driver says so: SYNC (on taking a buffer
 *    from the device and again before giving it back) and UNPIN. What the
 *    checkpointer saves of such a page is what it held at the last SYNC
 *    before the cut, or newer bytes the device wrote into buffers the
 *    driver had not yet taken (docs/network.md "Checkpoints").
 *  - EXCHANGE trades the frames of a device-writable pinned page and
 *    another page the driver may write (seed 001's page exchange, docs/
 *    network.md "Page exchange"): each page then holds what the other
 *    held, no byte copied; the pin follows its page to its new frame (the
 *    other page's old one), whose physical address the reply gives. Both
 *    pages are dirtied first (prepare phase: a page the snapshot being
 *    written still needs is copied aside there), so neither frame is owed
 *    to a checkpoint when they trade. It is refused for a pin whose frame
 *    has another pin or another page that is pinned (DMA_PINNED): a device
 *    could still write a frame that changes hands. The driver must only
 *    exchange a buffer the device has given back, as for SYNC.
 */
#include <cairn/abi.h>
#include "inv/invoke.h"
#include "mem/node.h"
#include "hw/panic.h"

/* Enough for a driver's receive and transmit buffers and rings: the enet
 * domain pins about 70 pages (docs/network.md). */
#define DMA_PINS 256

struct dma_pin {
	struct frame *frame; /* NULL: the pin is free */
	uint64_t oid;        /* the page it was pinned as */
	bool device_writes;
};

static struct dma_pin pins[DMA_PINS];
static bool told_reset; /* this boot's DEVICE_RESET was answered */

/* Still the page's frame, or left to its pins by a rescind. */
static bool attached(const struct dma_pin *p)
{
	return p->frame->kind == FRAME_OBJECT;
}

static void told_reset_commit(struct kop *op)
{
	(void)op;
	told_reset = true;
}

static void pin_commit(struct kop *op)
{
	struct dma_pin *p = &pins[op->arg[0]];
	p->frame = (struct frame *)(uintptr_t)op->arg[1];
	p->oid = op->oid;
	p->device_writes = op->arg[2] != 0;
	obj_dma_pin(p->frame);
}

static void unpin_commit(struct kop *op)
{
	struct dma_pin *p = &pins[op->arg[0]];
	obj_dma_unpin(p->frame);
	p->frame = NULL;
}

/* A device-writable page that is still the object's: dirtied, copied aside
 * first if the snapshot being written still needs it (prepare phase: may
 * park and restart the operation). */
static void dirty_written(const struct dma_pin *p)
{
	if (p->device_writes && attached(p)) {
		struct frame *f = page_prepare_write(p->oid);
		kassert(f == p->frame); /* a pinned frame is never evicted */
	}
}

static void pin(struct invocation *inv, struct kop *op)
{
	struct key k;
	invoke_send_key(inv, 0, &k);
	uint64_t writes = inv->w[0];
	if (key_type(&k) == CAIRN_KEY_VOID) {
		op->reply.code = CAIRN_VOID;
		return;
	}
	if (key_type(&k) != CAIRN_KEY_PAGE) {
		op->reply.code = CAIRN_BAD_KEY;
		return;
	}
	if (writes > 1) {
		op->reply.code = CAIRN_BAD_ARGUMENT;
		return;
	}
	if (writes && !key_allows_write(k.b)) {
		op->reply.code = CAIRN_NO_RIGHTS;
		return;
	}
	unsigned slot = 0;
	while (slot < DMA_PINS && pins[slot].frame)
		slot++;
	if (slot == DMA_PINS) {
		op->reply.code = CAIRN_DMA_FULL;
		return;
	}
	op->oid = key_oid(&k);
	struct frame *f = page_pin(op->oid); /* may fault it in and restart */
	op->arg[0] = slot;
	op->arg[1] = (uintptr_t)f;
	op->arg[2] = writes;
	op->commit = pin_commit;
	op->reply.w[0] = slot;
	op->reply.w[1] = frame_pa(f);
}

static struct dma_pin *pin_named(uint64_t n)
{
	return n < DMA_PINS && pins[n].frame ? &pins[n] : NULL;
}

static void unpin(struct invocation *inv, struct kop *op)
{
	struct dma_pin *p = pin_named(inv->w[0]);
	if (!p) {
		op->reply.code = CAIRN_NOT_PINNED;
		return;
	}
	dirty_written(p); /* what the device wrote stays the page's */
	op->arg[0] = inv->w[0];
	op->commit = unpin_commit;
}

/* The whole range is checked before any page is dirtied, so a refused
 * SYNC dirties nothing. */
static void sync(struct invocation *inv, struct kop *op)
{
	uint64_t first = inv->w[0], count = inv->w[1];
	if (count == 0 || first >= DMA_PINS || count > DMA_PINS - first) {
		op->reply.code = CAIRN_BAD_ARGUMENT;
		return;
	}
	for (uint64_t i = first; i < first + count; i++)
		if (!pins[i].frame) {
			op->reply.code = CAIRN_NOT_PINNED;
			op->reply.w[0] = i;
			return;
		}
	for (uint64_t i = first; i < first + count; i++) {
		dirty_written(&pins[i]);
		op->reply.w[0] += pins[i].device_writes && attached(&pins[i]);
		op->reply.w[1] += !attached(&pins[i]);
	}
}

static void exchange_commit(struct kop *op)
{
	struct dma_pin *p = &pins[op->arg[0]];
	struct frame *other = (struct frame *)(uintptr_t)op->arg[1];
	obj_page_exchange(p->frame, other);
	p->frame = other;
}

static void exchange(struct invocation *inv, struct kop *op)
{
	struct dma_pin *p = pin_named(inv->w[0]);
	struct key k;
	invoke_send_key(inv, 0, &k);
	if (!p) {
		op->reply.code = CAIRN_NOT_PINNED;
		return;
	}
	if (!p->device_writes) {
		op->reply.code = CAIRN_NO_RIGHTS; /* a read-only pin's page is not the driver's to
						     give */
		return;
	}
	if (!attached(p) || key_type(&k) == CAIRN_KEY_VOID) {
		op->reply.code = CAIRN_VOID; /* the pinned page, or the other, was rescinded */
		return;
	}
	if (key_type(&k) != CAIRN_KEY_PAGE) {
		op->reply.code = CAIRN_BAD_KEY;
		return;
	}
	if (!key_allows_write(k.b)) {
		op->reply.code = CAIRN_NO_RIGHTS;
		return;
	}
	uint64_t other_oid = key_oid(&k);
	if (other_oid == p->oid) {
		op->reply.code = CAIRN_BAD_ARGUMENT;
		return;
	}
	if (p->frame->dma_pins != 1) {
		op->reply.code = CAIRN_DMA_PINNED;
		return;
	}
	struct frame *mine = page_prepare_write(p->oid);
	kassert(mine == p->frame);                           /* a pinned frame is never evicted */
	struct frame *other = page_prepare_write(other_oid); /* may fault it in and restart */
	if (other->dma_pins) {
		op->reply.code = CAIRN_DMA_PINNED;
		return;
	}
	op->arg[0] = inv->w[0];
	op->arg[1] = (uintptr_t)other;
	op->commit = exchange_commit;
	op->reply.w[0] = frame_pa(other);
}

static void info(struct kop *op)
{
	for (unsigned i = 0; i < DMA_PINS; i++) {
		if (!pins[i].frame)
			continue;
		op->reply.w[0]++;
		op->reply.w[2] += !attached(&pins[i]);
	}
	op->reply.w[1] = DMA_PINS;
}

void kobj_dma(struct invocation *inv, struct kop *op)
{
	if (!told_reset) {
		op->reply.code = CAIRN_DEVICE_RESET;
		op->commit = told_reset_commit;
		return;
	}
	switch (inv->order) {
	case CAIRN_OC_DMA_PIN:
		return pin(inv, op);
	case CAIRN_OC_DMA_UNPIN:
		return unpin(inv, op);
	case CAIRN_OC_DMA_SYNC:
		return sync(inv, op);
	case CAIRN_OC_DMA_INFO:
		return info(op);
	case CAIRN_OC_DMA_EXCHANGE:
		return exchange(inv, op);
	default:
		op->reply.code = CAIRN_BAD_ORDER;
		return;
	}
}
