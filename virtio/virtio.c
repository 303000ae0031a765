/* SPDX-License-Identifier: MIT */
/*
 * Names of the transport's errors, for the caller's logs (the transport
 * itself prints nothing). Every enum virtio_err value has one; the host
 * test checks that none is missing.
 */
#include "virtio.h"

static const char *const err_names[VIRTIO_ERR_COUNT] = {
	[VIRTIO_OK] = "ok",
	[VIRTIO_ERR_NOT_VIRTIO] = "not a virtio-mmio window",
	[VIRTIO_ERR_NO_DEVICE] = "no such device",
	[VIRTIO_ERR_LEGACY] = "legacy (version 1) device",
	[VIRTIO_ERR_FEATURES_MISSING] = "required features not offered",
	[VIRTIO_ERR_FEATURES_REFUSED] = "device refused the features",
	[VIRTIO_ERR_NO_QUEUE] = "no such queue",
	[VIRTIO_ERR_QUEUE_LIVE] = "queue already live",
	[VIRTIO_ERR_QUEUE_SIZE] = "bad queue size",
	[VIRTIO_ERR_ALIGN] = "misaligned ring memory",
	[VIRTIO_ERR_QUEUE_FULL] = "queue full",
	[VIRTIO_ERR_EMPTY_CHAIN] = "empty descriptor chain",
	[VIRTIO_ERR_ZERO_LENGTH] = "zero-length buffer",
	[VIRTIO_ERR_TOO_LONG] = "descriptor chain too long",
	[VIRTIO_ERR_BAD_DESC] = "bad descriptor from the device",
};

const char *virtio_err_name(enum virtio_err err)
{
	if ((unsigned)err >= VIRTIO_ERR_COUNT || !err_names[err])
		return "unknown";
	return err_names[err];
}
