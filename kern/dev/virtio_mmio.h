/* SPDX-License-Identifier: MIT */
/*
 * The virtio-mmio transport (virtio 1.2 §4.2) and split virtqueues (§2.7),
 * for the kernel's virtio-blk driver. Device discovery follows the device
 * tree: every "virtio,mmio" slot is probed for its magic, version and
 * device ID; nothing is assumed about where QEMU put which device.
 *
 * Initialisation follows §3.1.1 step by step: reset, ACKNOWLEDGE, DRIVER,
 * read features, write the accepted subset, FEATURES_OK and read it back,
 * set up the queues, DRIVER_OK. A device that refuses is marked FAILED.
 */
#ifndef CAIRN_KERN_VIRTIO_MMIO_H
#define CAIRN_KERN_VIRTIO_MMIO_H

#include <stdint.h>
#include <stdbool.h>
#include "dev/virtio.h"

enum virtio_err {
	VIRTIO_OK = 0,
	VIRTIO_ERR_NOT_FOUND,     /* no slot holds such a device */
	VIRTIO_ERR_LEGACY,        /* version 1 (legacy) device */
	VIRTIO_ERR_FEATURES,      /* a required feature is missing or refused */
	VIRTIO_ERR_QUEUE,         /* queue missing, too small or already live */
	VIRTIO_ERR_NO_MEMORY,
};

struct virtio_dev {
	uintptr_t regs;         /* kernel virtual address of the register window */
	uint32_t device_id;
	uint32_t irq;
	uint64_t features;      /* negotiated */
};

struct virtq {
	uint16_t size;          /* entries, a power of two */
	uint16_t num_free;
	uint16_t free_head;
	uint16_t last_used;     /* next used-ring index we have not consumed */
	uint16_t index;         /* queue number on the device */
	struct virtq_desc *desc;
	struct virtq_avail *avail;
	struct virtq_used *used;
	struct virtio_dev *dev;
};

/* Find the nth (from 0) device with this ID. */
enum virtio_err virtio_find(uint32_t device_id, int nth, struct virtio_dev *dev);
/* §3.1.1 steps 1-6: reset ... FEATURES_OK. `wanted` are optional features,
 * `required` must all be offered; VERSION_1 is always required. */
enum virtio_err virtio_negotiate(struct virtio_dev *dev, uint64_t wanted, uint64_t required);
enum virtio_err virtq_setup(struct virtio_dev *dev, struct virtq *q, uint16_t index,
			    uint16_t max_size);
void virtio_driver_ok(struct virtio_dev *dev);
void virtio_fail(struct virtio_dev *dev);
bool virtio_has(const struct virtio_dev *dev, unsigned bit);

uint32_t virtio_read32(const struct virtio_dev *dev, uint32_t off);
void virtio_write32(const struct virtio_dev *dev, uint32_t off, uint32_t val);
/* Read a device-config field with the generation check of §4.2.2.3. */
uint64_t virtio_config_read64(const struct virtio_dev *dev, uint32_t off);
uint32_t virtio_config_read32(const struct virtio_dev *dev, uint32_t off);

/* Interrupt: read and acknowledge InterruptStatus. */
uint32_t virtio_ack_interrupt(const struct virtio_dev *dev);

/* Descriptors: take one from the free list (-1 if none), give it back. */
int virtq_desc_alloc(struct virtq *q);
void virtq_desc_free(struct virtq *q, uint16_t head);
/* Publish a chain head in the available ring and notify the device. */
void virtq_publish(struct virtq *q, uint16_t head);
/* Next used element, or false when the device has returned nothing new. */
bool virtq_pop_used(struct virtq *q, struct virtq_used_elem *out);

#endif
