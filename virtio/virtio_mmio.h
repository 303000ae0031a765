/* SPDX-License-Identifier: MIT */
/*
 * The virtio-mmio transport (virtio 1.2 §4.2), for a driver that has the
 * device's register window mapped at some address: the kernel through its
 * direct map, a driver domain through a device key. Finding the window
 * (the device tree's "virtio,mmio" slots) and its interrupt is the
 * caller's business; this file probes one window at a time.
 *
 * Initialisation follows §3.1.1 step by step: virtio_mmio_negotiate()
 * resets, sets ACKNOWLEDGE and DRIVER, reads the features, writes the
 * accepted subset, sets FEATURES_OK and reads it back; the caller then
 * sets up its queues (virtio_mmio_queue_size(), virtq_init(),
 * virtio_mmio_queue_enable(), §4.2.3.2) and calls virtio_mmio_driver_ok().
 * A device refused at any step should be given virtio_mmio_fail().
 * Only modern (version 2) devices are accepted.
 */
#ifndef CAIRN_VIRTIO_MMIO_H
#define CAIRN_VIRTIO_MMIO_H

#include <stdbool.h>
#include <stdint.h>
#include "virtio.h"
#include "virtq.h"

struct virtio_mmio {
	volatile uint8_t *regs; /* the register window, as the caller mapped it */
	uint32_t device_id;     /* §5: VIRTIO_ID_* */
	uint64_t offered;       /* what the device offered, once negotiated */
	uint64_t features;      /* what was accepted: offered & (wanted | required) */
};

/* Look at the window at `regs`: VIRTIO_OK and *dev filled if it holds a
 * modern device of type `device_id`; VIRTIO_ERR_NOT_VIRTIO (no magic),
 * _NO_DEVICE (empty slot or another type), _LEGACY (version 1). */
enum virtio_err virtio_mmio_probe(struct virtio_mmio *dev, volatile void *regs, uint32_t device_id);

/* §3.1.1 steps 1-6: reset ... FEATURES_OK. `wanted` are optional
 * features, `required` must all be offered; VERSION_1 is always required.
 * On VIRTIO_ERR_FEATURES_MISSING or _REFUSED the device is marked
 * FAILED; dev->offered says what it offered. */
enum virtio_err virtio_mmio_negotiate(struct virtio_mmio *dev, uint64_t wanted, uint64_t required);
bool virtio_mmio_has(const struct virtio_mmio *dev, unsigned bit);

/* §4.2.3.2: select queue `index`, check it is not live and has entries,
 * and choose its size: the largest power of two that is at most both
 * QueueNumMax and `limit` (a power of two). VIRTIO_ERR_QUEUE_LIVE,
 * _NO_QUEUE. */
enum virtio_err virtio_mmio_queue_size(const struct virtio_mmio *dev, uint16_t index,
				       uint16_t limit, uint16_t *size);
/* The register virtq_publish() writes the queue number to (QueueNotify). */
volatile uint32_t *virtio_mmio_notify_reg(const struct virtio_mmio *dev);
/* §4.2.3.2: tell the device queue q->index's size and where its three
 * parts are, and set it ready. */
void virtio_mmio_queue_enable(const struct virtio_mmio *dev, const struct virtq *q,
			      const struct virtq_ring_mem *mem);

void virtio_mmio_driver_ok(const struct virtio_mmio *dev);
void virtio_mmio_fail(const struct virtio_mmio *dev);

/* A device-configuration field at `off` in the configuration space,
 * read until ConfigGeneration (§4.2.2) is the same before and after: the
 * loop of §2.5.1, since a field may change while it is read. */
uint8_t virtio_mmio_config_read8(const struct virtio_mmio *dev, uint32_t off);
uint32_t virtio_mmio_config_read32(const struct virtio_mmio *dev, uint32_t off);
uint64_t virtio_mmio_config_read64(const struct virtio_mmio *dev, uint32_t off);

/* Interrupt: read InterruptStatus and acknowledge what it shows
 * (VIRTIO_MMIO_INT_VRING, _CONFIG). */
uint32_t virtio_mmio_ack_interrupt(const struct virtio_mmio *dev);

#endif
