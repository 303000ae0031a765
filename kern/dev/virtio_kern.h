/* SPDX-License-Identifier: MIT */
/*
 * The kernel's glue to the shared virtio transport (virtio/): what only
 * the kernel can supply. Discovery walks the platform's "virtio,mmio"
 * slots (hw/platform.h, from the device tree) through the direct map, so
 * nothing is assumed about where QEMU put which device; ring memory is
 * one fresh frame per part; failures are logged here, with the offered
 * and accepted features, since the transport logs nothing. Interrupts
 * stay with each driver (plic_register()).
 */
#ifndef CAIRN_KERN_VIRTIO_KERN_H
#define CAIRN_KERN_VIRTIO_KERN_H

#include <stdint.h>
#include "virtio_mmio.h"
#include "virtq.h"

/* The nth (from 0) modern device of type `device_id`, and its interrupt.
 * VIRTIO_ERR_LEGACY when only legacy ones were seen, else _NO_DEVICE. */
enum virtio_err virtio_kern_find(uint32_t device_id, int nth, struct virtio_mmio *dev,
				 uint32_t *irq);
/* virtio_mmio_negotiate(), with the reason for a refusal logged. */
enum virtio_err virtio_kern_negotiate(struct virtio_mmio *dev, uint64_t wanted, uint64_t required);
/* Queue `index` of at most `max_size` entries (at most 256, so that each
 * part fits one 4 KiB frame) in three fresh frames, enabled on the
 * device. The frames are never freed: kernel devices live as long as the
 * kernel. */
enum virtio_err virtio_kern_queue_setup(struct virtio_mmio *dev, struct virtq *q, uint16_t index,
					uint16_t max_size);

#endif
