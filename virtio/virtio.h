/* SPDX-License-Identifier: MIT */
/*
 * virtio/: the virtio transport as freestanding code, shared by the
 * kernel's virtio-blk driver and by user-level driver domains. It holds
 * the virtio-mmio transport (virtio_mmio.h: probe, device status, feature
 * negotiation, queue registers, configuration space; virtio 1.2 §2.1,
 * §3.1.1, §4.2) and the split virtqueue (virtq.h: descriptor chains, the
 * available and used rings and their fences; §2.7), with the spec's
 * definitions in virtio_spec.h and one header per device type.
 *
 * It takes everything environment-specific from its caller: the register
 * window as a pointer the caller has mapped, ring memory as a virtual
 * address with its physical address, notification through a register
 * pointer. It allocates nothing, logs nothing, never panics and needs no
 * C library: every failure is a named value of enum virtio_err, and the
 * caller decides what to say and do about it. It builds three times from
 * the same sources (virtio/meson.build): for the kernel, for U-mode
 * domains and natively for the host tests (test/virtio/). docs/virtio.md
 * states the interface and its invariants.
 */
#ifndef CAIRN_VIRTIO_H
#define CAIRN_VIRTIO_H

#include "virtio_spec.h"

enum virtio_err {
	VIRTIO_OK = 0,
	VIRTIO_ERR_NOT_VIRTIO,       /* no "virt" magic at the window */
	VIRTIO_ERR_NO_DEVICE,        /* the slot is empty or holds another device type */
	VIRTIO_ERR_LEGACY,           /* version 1 (legacy) device */
	VIRTIO_ERR_FEATURES_MISSING, /* a required feature is not offered */
	VIRTIO_ERR_FEATURES_REFUSED, /* the device cleared FEATURES_OK (§3.1.1 step 6) */
	VIRTIO_ERR_NO_QUEUE,         /* the device has no such queue (QueueNumMax 0) */
	VIRTIO_ERR_QUEUE_LIVE,       /* the queue is already ready */
	VIRTIO_ERR_QUEUE_SIZE,       /* not a power of two in 1..32768 */
	VIRTIO_ERR_ALIGN,            /* ring memory misaligned (§2.7 table) */
	VIRTIO_ERR_QUEUE_FULL,       /* fewer free descriptors than the chain needs */
	VIRTIO_ERR_EMPTY_CHAIN,      /* a chain of no buffers */
	VIRTIO_ERR_ZERO_LENGTH,      /* a buffer of no bytes */
	VIRTIO_ERR_TOO_LONG,         /* a chain over 2^32 bytes or over the queue size */
	VIRTIO_ERR_BAD_DESC,         /* a head the device returned is not a live chain */
	VIRTIO_ERR_COUNT,
};

/* A short name for logs ("queue full"); "unknown" for values out of range. */
const char *virtio_err_name(enum virtio_err err);

/* Bit `bit` (§6, or a device type's) in a 64-bit feature set. */
static inline int virtio_feature(uint64_t features, unsigned bit)
{
	return (int)((features >> bit) & 1);
}

#endif
