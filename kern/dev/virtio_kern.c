/* SPDX-License-Identifier: MIT */
/*
 * The kernel's virtio glue; see virtio_kern.h. The transport itself is in
 * virtio/ (docs/virtio.md).
 */
#include "dev/virtio_kern.h"
#include "hw/log.h"
#include "hw/memlayout.h"
#include "hw/platform.h"
#include "hw/riscv.h"
#include "mem/frame.h"

/* A queue part in one frame: 256 descriptors of 16 bytes fill it. */
#define VIRTIO_KERN_QUEUE_MAX 256
_Static_assert(VIRTQ_DESC_BYTES(VIRTIO_KERN_QUEUE_MAX) <= PAGE_SIZE, "virtio 1.2 §2.7");
_Static_assert(VIRTQ_USED_BYTES(VIRTIO_KERN_QUEUE_MAX) <= PAGE_SIZE, "virtio 1.2 §2.7");

enum virtio_err virtio_kern_find(uint32_t device_id, int nth, struct virtio_mmio *dev,
				 uint32_t *irq)
{
	bool saw_legacy = false;
	for (int i = 0; i < platform.virtio_count; i++) {
		struct virtio_mmio d;
		enum virtio_err err =
			virtio_mmio_probe(&d, pa_to_va(platform.virtio[i].base), device_id);
		if (err == VIRTIO_ERR_LEGACY)
			saw_legacy = true;
		if (err != VIRTIO_OK || nth-- != 0)
			continue;
		*dev = d;
		*irq = platform.virtio[i].irq;
		return VIRTIO_OK;
	}
	return saw_legacy ? VIRTIO_ERR_LEGACY : VIRTIO_ERR_NO_DEVICE;
}

enum virtio_err virtio_kern_negotiate(struct virtio_mmio *dev, uint64_t wanted, uint64_t required)
{
	enum virtio_err err = virtio_mmio_negotiate(dev, wanted, required);
	required |= 1ULL << VIRTIO_F_VERSION_1;
	if (err == VIRTIO_ERR_FEATURES_MISSING)
		log_error("virtio: device %u lacks required features %#lx (offers %#lx)",
			  dev->device_id, (unsigned long)(required & ~dev->offered),
			  (unsigned long)dev->offered);
	else if (err == VIRTIO_ERR_FEATURES_REFUSED)
		log_error("virtio: device %u refused features %#lx", dev->device_id,
			  (unsigned long)(dev->offered & (wanted | required)));
	return err;
}

static void *ring_frame(uint64_t *pa)
{
	*pa = frame_alloc();
	return *pa ? pa_to_va(*pa) : NULL;
}

enum virtio_err virtio_kern_queue_setup(struct virtio_mmio *dev, struct virtq *q, uint16_t index,
					uint16_t max_size)
{
	if (max_size > VIRTIO_KERN_QUEUE_MAX)
		max_size = VIRTIO_KERN_QUEUE_MAX;
	uint16_t size;
	enum virtio_err err = virtio_mmio_queue_size(dev, index, max_size, &size);
	if (err != VIRTIO_OK)
		return err;
	struct virtq_ring_mem mem;
	mem.desc = ring_frame(&mem.desc_pa);
	mem.avail = ring_frame(&mem.avail_pa);
	mem.used = ring_frame(&mem.used_pa);
	if (!mem.desc || !mem.avail || !mem.used) {
		log_error("virtio: no frame for queue %u of device %u", index, dev->device_id);
		return VIRTIO_ERR_NO_QUEUE;
	}
	err = virtq_init(q, index, size, &mem, virtio_mmio_notify_reg(dev));
	if (err != VIRTIO_OK)
		return err;
	virtio_mmio_queue_enable(dev, q, &mem);
	return VIRTIO_OK;
}
