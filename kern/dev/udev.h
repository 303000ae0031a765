/* SPDX-License-Identifier: MIT */
/*
 * Devices for user-level drivers: what a DEVICE key designates
 * (docs/invocations.md "Device"). A DEVICE key names a device by its
 * virtio device ID and instance (the nth such device, from 0), never by
 * address, so a key made by the image finds its device on every boot
 * wherever the platform put it. The kernel drives the disk itself: the
 * kernel's virtio-blk device is never a user device.
 *
 * Invariants:
 *  - Devices are not persistent (docs/design.md invariant 7): this table
 *    lives in RAM and starts empty at every boot, and the first DEVICE
 *    invocation of each device after a boot answers DEVICE_RESET, so a
 *    driver always learns that the hardware it set up is gone.
 *  - A device's interrupt line is masked from the moment it fires until
 *    its driver next invokes DEVICE_WAIT, so a driver that never comes
 *    back costs one masked line, never an interrupt storm; the kernel
 *    never waits for a driver (seed 003).
 */
#ifndef CAIRN_KERN_DEV_UDEV_H
#define CAIRN_KERN_DEV_UDEV_H

#include <stdbool.h>
#include <stdint.h>
#include "dom/act.h"

struct udev {
	uint16_t device_id; /* VIRTIO_ID_* */
	uint32_t instance;
	uint64_t regs_pa; /* the 4 KiB register page */
	uint32_t irq;
	uint32_t version; /* the transport's Version register (2: modern) */
	bool told_reset;  /* this boot's DEVICE_RESET was answered */
	bool pending;     /* an interrupt came that no DEVICE_WAIT has taken */
	bool masked;      /* its PLIC line is off */
	uint64_t interrupts;
	struct act_list waiters; /* activities parked in DEVICE_WAIT */
};

/* The device `instance` of virtio type `device_id`, found (and its
 * interrupt taken) on first use; NULL if there is none, or it is the
 * kernel's own disk. */
struct udev *udev_get(uint16_t device_id, uint32_t instance);

/* The device a DEVICE key's slot names (badge: device ID; bytes 4..7:
 * instance), as udev_get. */
struct udev *udev_of_key(const uint8_t *slot);

/* DEVICE_WAIT's prepare step: its line is enabled again. */
void udev_unmask(struct udev *d);

#endif
