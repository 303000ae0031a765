/* SPDX-License-Identifier: MIT */
/*
 * virtio-mmio transport and split virtqueues; see virtio_mmio.h.
 * Memory ordering: the available index is published after a write fence
 * (§2.7.13: "the driver MUST perform a suitable memory barrier before the
 * idx update"), and used entries are read after a read fence following
 * the used index load (§2.7.14).
 */
#include <string.h>
#include "dev/virtio_mmio.h"
#include "hw/platform.h"
#include "hw/memlayout.h"
#include "mem/frame.h"
#include "hw/riscv.h"
#include "hw/log.h"

#define mb_w() __asm__ volatile("fence w, w" ::: "memory")
#define mb_r() __asm__ volatile("fence r, r" ::: "memory")
#define mb_io() __asm__ volatile("fence iorw, iorw" ::: "memory")

uint32_t virtio_read32(const struct virtio_dev *dev, uint32_t off)
{
	return *(volatile uint32_t *)(dev->regs + off);
}

void virtio_write32(const struct virtio_dev *dev, uint32_t off, uint32_t val)
{
	*(volatile uint32_t *)(dev->regs + off) = val;
}

enum virtio_err virtio_find(uint32_t device_id, int nth, struct virtio_dev *dev)
{
	bool saw_legacy = false;
	for (int i = 0; i < platform.virtio_count; i++) {
		struct virtio_dev d = {
			.regs = (uintptr_t)pa_to_va(platform.virtio[i].base),
			.irq = platform.virtio[i].irq,
		};
		if (virtio_read32(&d, VIRTIO_MMIO_MAGIC_VALUE) != VIRTIO_MMIO_MAGIC)
			continue;
		d.device_id = virtio_read32(&d, VIRTIO_MMIO_DEVICE_ID);
		if (d.device_id != device_id)
			continue; /* 0 = empty slot */
		if (virtio_read32(&d, VIRTIO_MMIO_VERSION) != 2) {
			saw_legacy = true;
			continue;
		}
		if (nth-- == 0) {
			*dev = d;
			return VIRTIO_OK;
		}
	}
	return saw_legacy ? VIRTIO_ERR_LEGACY : VIRTIO_ERR_NOT_FOUND;
}

static void set_status(struct virtio_dev *dev, uint32_t bits)
{
	virtio_write32(dev, VIRTIO_MMIO_STATUS, virtio_read32(dev, VIRTIO_MMIO_STATUS) | bits);
}

void virtio_fail(struct virtio_dev *dev)
{
	set_status(dev, VIRTIO_STATUS_FAILED);
}

bool virtio_has(const struct virtio_dev *dev, unsigned bit)
{
	return (dev->features >> bit) & 1;
}

enum virtio_err virtio_negotiate(struct virtio_dev *dev, uint64_t wanted, uint64_t required)
{
	required |= 1ULL << VIRTIO_F_VERSION_1;
	/* §3.1.1: 1. reset; 2. ACKNOWLEDGE; 3. DRIVER. */
	virtio_write32(dev, VIRTIO_MMIO_STATUS, 0);
	while (virtio_read32(dev, VIRTIO_MMIO_STATUS) != 0)
		;
	set_status(dev, VIRTIO_STATUS_ACKNOWLEDGE);
	set_status(dev, VIRTIO_STATUS_DRIVER);
	/* 4. read device features (two 32-bit halves). */
	uint64_t offered = 0;
	for (uint32_t sel = 0; sel < 2; sel++) {
		virtio_write32(dev, VIRTIO_MMIO_DEVICE_FEATURES_SEL, sel);
		offered |= (uint64_t)virtio_read32(dev, VIRTIO_MMIO_DEVICE_FEATURES) << (32 * sel);
	}
	if ((offered & required) != required) {
		log_error("virtio: device %u lacks required features %#lx (offers %#lx)",
			  dev->device_id, (unsigned long)(required & ~offered),
			  (unsigned long)offered);
		virtio_fail(dev);
		return VIRTIO_ERR_FEATURES;
	}
	uint64_t accept = offered & (wanted | required);
	for (uint32_t sel = 0; sel < 2; sel++) {
		virtio_write32(dev, VIRTIO_MMIO_DRIVER_FEATURES_SEL, sel);
		virtio_write32(dev, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)(accept >> (32 * sel)));
	}
	/* 5. FEATURES_OK; 6. re-read it to confirm the device accepts. */
	set_status(dev, VIRTIO_STATUS_FEATURES_OK);
	if (!(virtio_read32(dev, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_FEATURES_OK)) {
		log_error("virtio: device %u refused features %#lx", dev->device_id,
			  (unsigned long)accept);
		virtio_fail(dev);
		return VIRTIO_ERR_FEATURES;
	}
	dev->features = accept;
	return VIRTIO_OK;
}

static void *alloc_ring_frame(uint64_t *pa)
{
	*pa = frame_alloc();
	return *pa ? pa_to_va(*pa) : NULL;
}

enum virtio_err virtq_setup(struct virtio_dev *dev, struct virtq *q, uint16_t index,
			    uint16_t max_size)
{
	/* §4.2.3.2: select, check it is not live, read the maximum size. */
	virtio_write32(dev, VIRTIO_MMIO_QUEUE_SEL, index);
	if (virtio_read32(dev, VIRTIO_MMIO_QUEUE_READY) != 0)
		return VIRTIO_ERR_QUEUE;
	uint32_t max = virtio_read32(dev, VIRTIO_MMIO_QUEUE_NUM_MAX);
	if (max == 0)
		return VIRTIO_ERR_QUEUE;
	uint16_t size = max_size;
	while (size > max)
		size >>= 1;
	/* One frame each for the descriptor table, driver and device rings:
	 * a size of at most 256 keeps each within 4 KiB (§2.7, alignments 16/2/4). */
	if (size > 256)
		size = 256;
	uint64_t desc_pa, avail_pa, used_pa;
	memset(q, 0, sizeof(*q));
	q->desc = alloc_ring_frame(&desc_pa);
	q->avail = alloc_ring_frame(&avail_pa);
	q->used = alloc_ring_frame(&used_pa);
	if (!q->desc || !q->avail || !q->used)
		return VIRTIO_ERR_NO_MEMORY;
	q->size = size;
	q->index = index;
	q->dev = dev;
	for (uint16_t i = 0; i < size; i++)
		q->desc[i].next = (uint16_t)(i + 1);
	q->free_head = 0;
	q->num_free = size;

	virtio_write32(dev, VIRTIO_MMIO_QUEUE_NUM, size);
	virtio_write32(dev, VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)desc_pa);
	virtio_write32(dev, VIRTIO_MMIO_QUEUE_DESC_HIGH, (uint32_t)(desc_pa >> 32));
	virtio_write32(dev, VIRTIO_MMIO_QUEUE_DRIVER_LOW, (uint32_t)avail_pa);
	virtio_write32(dev, VIRTIO_MMIO_QUEUE_DRIVER_HIGH, (uint32_t)(avail_pa >> 32));
	virtio_write32(dev, VIRTIO_MMIO_QUEUE_DEVICE_LOW, (uint32_t)used_pa);
	virtio_write32(dev, VIRTIO_MMIO_QUEUE_DEVICE_HIGH, (uint32_t)(used_pa >> 32));
	virtio_write32(dev, VIRTIO_MMIO_QUEUE_READY, 1);
	return VIRTIO_OK;
}

void virtio_driver_ok(struct virtio_dev *dev)
{
	set_status(dev, VIRTIO_STATUS_DRIVER_OK);
}

uint32_t virtio_config_read32(const struct virtio_dev *dev, uint32_t off)
{
	uint32_t gen, v;
	do {
		gen = virtio_read32(dev, VIRTIO_MMIO_CONFIG_GENERATION);
		v = virtio_read32(dev, VIRTIO_MMIO_CONFIG + off);
	} while (gen != virtio_read32(dev, VIRTIO_MMIO_CONFIG_GENERATION));
	return v;
}

uint64_t virtio_config_read64(const struct virtio_dev *dev, uint32_t off)
{
	uint32_t gen, lo, hi;
	do {
		gen = virtio_read32(dev, VIRTIO_MMIO_CONFIG_GENERATION);
		lo = virtio_read32(dev, VIRTIO_MMIO_CONFIG + off);
		hi = virtio_read32(dev, VIRTIO_MMIO_CONFIG + off + 4);
	} while (gen != virtio_read32(dev, VIRTIO_MMIO_CONFIG_GENERATION));
	return ((uint64_t)hi << 32) | lo;
}

uint32_t virtio_ack_interrupt(const struct virtio_dev *dev)
{
	uint32_t st = virtio_read32(dev, VIRTIO_MMIO_INTERRUPT_STATUS);
	virtio_write32(dev, VIRTIO_MMIO_INTERRUPT_ACK, st);
	return st;
}

int virtq_desc_alloc(struct virtq *q)
{
	if (q->num_free == 0)
		return -1;
	uint16_t d = q->free_head;
	q->free_head = q->desc[d].next;
	q->num_free--;
	return d;
}

void virtq_desc_free(struct virtq *q, uint16_t head)
{
	/* Free a whole chain. */
	for (;;) {
		uint16_t flags = q->desc[head].flags;
		uint16_t next = q->desc[head].next;
		q->desc[head].flags = 0;
		q->desc[head].next = q->free_head;
		q->free_head = head;
		q->num_free++;
		if (!(flags & VIRTQ_DESC_F_NEXT))
			break;
		head = next;
	}
}

void virtq_publish(struct virtq *q, uint16_t head)
{
	q->avail->ring[q->avail->idx % q->size] = head;
	mb_w();
	q->avail->idx++;
	mb_io();
	virtio_write32(q->dev, VIRTIO_MMIO_QUEUE_NOTIFY, q->index);
}

bool virtq_pop_used(struct virtq *q, struct virtq_used_elem *out)
{
	uint16_t used_idx = *(volatile uint16_t *)&q->used->idx;
	if (used_idx == q->last_used)
		return false;
	mb_r();
	*out = q->used->ring[q->last_used % q->size];
	q->last_used++;
	return true;
}
