/* SPDX-License-Identifier: MIT */
/*
 * Devices for user-level drivers; see udev.h. Found by probing the
 * platform's virtio-mmio slots (hw/platform.h) the first time a key names
 * them; the interrupt handler masks the line, notes the interrupt and
 * wakes the device's waiters.
 */
#include <cairn/key.h>
#include "dev/udev.h"
#include "dev/virtio_blk.h"
#include "hw/memlayout.h"
#include "hw/platform.h"
#include "hw/plic.h"
#include "hw/log.h"
#include "virtio_mmio.h"

#define UDEV_MAX PLATFORM_MAX_VIRTIO

static struct udev devs[UDEV_MAX];
static unsigned ndevs;

static void udev_interrupt(void *arg)
{
	struct udev *d = arg;
	/* Off until the driver asks again: the line stays asserted until the
	 * driver acknowledges the device (virtio 1.2 §4.2.3.4). */
	plic_mask(d->irq);
	d->masked = true;
	d->pending = true;
	d->interrupts++;
	act_wake_all(&d->waiters);
}

/* The platform's slot of that device, or -1. */
static int find_slot(uint16_t device_id, uint32_t instance)
{
	uint32_t nth = instance;
	for (int i = 0; i < platform.virtio_count; i++) {
		struct virtio_mmio m;
		if (virtio_mmio_probe(&m, pa_to_va(platform.virtio[i].base), device_id) !=
		    VIRTIO_OK)
			continue;
		if (nth-- == 0)
			return i;
	}
	return -1;
}

struct udev *udev_get(uint16_t device_id, uint32_t instance)
{
	for (unsigned i = 0; i < ndevs; i++)
		if (devs[i].device_id == device_id && devs[i].instance == instance)
			return &devs[i];
	int slot = find_slot(device_id, instance);
	if (slot < 0 || ndevs == UDEV_MAX)
		return NULL;
	const struct virtio_slot *s = &platform.virtio[slot];
	if (blk_present() && s->irq == blk_irq())
		return NULL; /* the kernel's own disk */
	struct udev *d = &devs[ndevs];
	*d = (struct udev){
		.device_id = device_id,
		.instance = instance,
		.regs_pa = s->base,
		.irq = s->irq,
		.version = *(volatile uint32_t *)((uint8_t *)pa_to_va(s->base) + 4),
	};
	if (plic_register(d->irq, udev_interrupt, d) != 0) {
		log_warn("device %u.%u: interrupt %u cannot be taken", device_id, instance, d->irq);
		return NULL;
	}
	ndevs++;
	/* Quiet until its driver waits for it. */
	plic_mask(d->irq);
	d->masked = true;
	log_info("device %u.%u: registers %#lx, interrupt %u, for a user-level driver", device_id,
		 instance, (unsigned long)d->regs_pa, d->irq);
	return d;
}

struct udev *udev_of_key(const uint8_t *slot)
{
	return udev_get(cairn_key_badge(slot), cairn_get_le32(slot + CAIRN_KEY_OFF_ALLOC_COUNT));
}

void udev_unmask(struct udev *d)
{
	if (d->masked) {
		d->masked = false;
		plic_unmask(d->irq);
	}
}
