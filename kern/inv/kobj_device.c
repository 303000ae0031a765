/* SPDX-License-Identifier: MIT */
/*
 * Device keys: one virtio-mmio device for a user-level driver
 * (docs/invocations.md "Device"; dev/udev.h). The key is its own
 * authority (no object): badge = the virtio device ID, bytes 4..7 the
 * instance. Only an image makes one (cairn-format's `device` word); no
 * invocation does. The registers are reached by putting the key in a
 * leaf slot of an address space (dom/aspace.c maps the register page);
 * the interrupt by DEVICE_WAIT.
 *
 * Every invocation first checks that the driver knows about this boot:
 * the first one after a boot answers DEVICE_RESET and does nothing else
 * (devices are not persistent, docs/design.md invariant 7).
 */
#include <cairn/abi.h>
#include "inv/invoke.h"
#include "dev/udev.h"
#include "dom/park.h"

static void told_reset_commit(struct kop *op)
{
	struct udev *d = (struct udev *)(uintptr_t)op->arg[0];
	d->told_reset = true;
}

static void wait_commit(struct kop *op)
{
	struct udev *d = (struct udev *)(uintptr_t)op->arg[0];
	d->pending = false;
}

void kobj_device(struct invocation *inv, struct kop *op)
{
	struct udev *d = udev_of_key(inv->target.b);
	if (!d) {
		op->reply.code = CAIRN_NO_DEVICE;
		return;
	}
	op->arg[0] = (uintptr_t)d;
	if (!d->told_reset) {
		op->reply.code = CAIRN_DEVICE_RESET;
		op->commit = told_reset_commit;
		return;
	}
	switch (inv->order) {
	case CAIRN_OC_DEVICE_INFO:
		op->reply.w[0] = d->device_id;
		op->reply.w[1] = d->instance;
		op->reply.w[2] = d->irq;
		op->reply.w[3] = d->interrupts;
		return;
	case CAIRN_OC_DEVICE_WAIT:
		if (!d->pending) {
			/* Prepare phase: open the line and wait; the interrupt
			 * wakes us and the WAIT runs again from the start. */
			udev_unmask(d);
			park_on(ACT_WAIT_IO, &d->waiters);
		}
		op->commit = wait_commit;
		return;
	default:
		op->reply.code = CAIRN_BAD_ORDER;
		return;
	}
}
