/* SPDX-License-Identifier: MIT */
/*
 * Virtio 1.2 definitions shared by every driver, in the kernel or in a
 * driver domain: the MMIO transport registers (§4.2.2), device status bits
 * (§2.1), reserved feature bits (§6) and the split virtqueue layout with
 * its sizes and alignments (§2.7). Device types have their own headers
 * (virtio_blk_spec.h, §5.2). Only modern (version 2) MMIO devices are
 * supported; QEMU needs `-global virtio-mmio.force-legacy=false` to offer
 * them. All fields are little-endian, as is every RISC-V hart Cairn runs
 * on, so the structures are used as they are.
 */
#ifndef CAIRN_VIRTIO_SPEC_H
#define CAIRN_VIRTIO_SPEC_H

#include <stdint.h>

/* §4.2.2, table 4.1: MMIO device register layout. */
#define VIRTIO_MMIO_MAGIC_VALUE         0x000
#define VIRTIO_MMIO_VERSION             0x004
#define VIRTIO_MMIO_DEVICE_ID           0x008
#define VIRTIO_MMIO_VENDOR_ID           0x00c
#define VIRTIO_MMIO_DEVICE_FEATURES     0x010
#define VIRTIO_MMIO_DEVICE_FEATURES_SEL 0x014
#define VIRTIO_MMIO_DRIVER_FEATURES     0x020
#define VIRTIO_MMIO_DRIVER_FEATURES_SEL 0x024
#define VIRTIO_MMIO_QUEUE_SEL           0x030
#define VIRTIO_MMIO_QUEUE_NUM_MAX       0x034
#define VIRTIO_MMIO_QUEUE_NUM           0x038
#define VIRTIO_MMIO_QUEUE_READY         0x044
#define VIRTIO_MMIO_QUEUE_NOTIFY        0x050
#define VIRTIO_MMIO_INTERRUPT_STATUS    0x060
#define VIRTIO_MMIO_INTERRUPT_ACK       0x064
#define VIRTIO_MMIO_STATUS              0x070
#define VIRTIO_MMIO_QUEUE_DESC_LOW      0x080
#define VIRTIO_MMIO_QUEUE_DESC_HIGH     0x084
#define VIRTIO_MMIO_QUEUE_DRIVER_LOW    0x090
#define VIRTIO_MMIO_QUEUE_DRIVER_HIGH   0x094
#define VIRTIO_MMIO_QUEUE_DEVICE_LOW    0x0a0
#define VIRTIO_MMIO_QUEUE_DEVICE_HIGH   0x0a4
#define VIRTIO_MMIO_CONFIG_GENERATION   0x0fc
#define VIRTIO_MMIO_CONFIG              0x100

#define VIRTIO_MMIO_MAGIC 0x74726976 /* "virt" */

/* §4.2.2: InterruptStatus bits. */
#define VIRTIO_MMIO_INT_VRING  (1u << 0)
#define VIRTIO_MMIO_INT_CONFIG (1u << 1)

/* §5, table: device IDs. */
#define VIRTIO_ID_NET     1
#define VIRTIO_ID_BLOCK   2
#define VIRTIO_ID_ENTROPY 4 /* §5.4: a requestq the device fills with random bytes */

/* §2.1: device status field. */
#define VIRTIO_STATUS_ACKNOWLEDGE        1
#define VIRTIO_STATUS_DRIVER             2
#define VIRTIO_STATUS_DRIVER_OK          4
#define VIRTIO_STATUS_FEATURES_OK        8
#define VIRTIO_STATUS_DEVICE_NEEDS_RESET 64
#define VIRTIO_STATUS_FAILED             128

/* §6: reserved feature bits. */
#define VIRTIO_F_INDIRECT_DESC   28
#define VIRTIO_F_EVENT_IDX       29
#define VIRTIO_F_VERSION_1       32
#define VIRTIO_F_ACCESS_PLATFORM 33

/* §2.7.5: split virtqueue descriptor. */
struct virtq_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};
#define VIRTQ_DESC_F_NEXT     1
#define VIRTQ_DESC_F_WRITE    2
#define VIRTQ_DESC_F_INDIRECT 4

/* §2.7.6: the driver (available) ring. */
#define VIRTQ_AVAIL_F_NO_INTERRUPT 1
struct virtq_avail {
	uint16_t flags;
	uint16_t idx;
	uint16_t ring[];
};

/* §2.7.8: the device (used) ring. */
struct virtq_used_elem {
	uint32_t id;
	uint32_t len;
};
#define VIRTQ_USED_F_NO_NOTIFY 1
struct virtq_used {
	uint16_t flags;
	uint16_t idx;
	struct virtq_used_elem ring[];
};

_Static_assert(sizeof(struct virtq_desc) == 16, "virtio 1.2 §2.7.5");
_Static_assert(sizeof(struct virtq_avail) == 4, "virtio 1.2 §2.7.6");
_Static_assert(sizeof(struct virtq_used) == 4, "virtio 1.2 §2.7.8");
_Static_assert(sizeof(struct virtq_used_elem) == 8, "virtio 1.2 §2.7.8");

/* §2.7, table "Virtqueue Part Alignment Size": each part's minimum
 * alignment and size in bytes for a queue of `n` entries (without the
 * event-index words, which need VIRTIO_F_EVENT_IDX, never negotiated).
 * The queue size is a power of two, at most 32768. */
#define VIRTQ_MAX_SIZE       32768
#define VIRTQ_DESC_ALIGN     16
#define VIRTQ_AVAIL_ALIGN    2
#define VIRTQ_USED_ALIGN     4
#define VIRTQ_DESC_BYTES(n)  (16u * (n))
#define VIRTQ_AVAIL_BYTES(n) (6u + 2u * (n))
#define VIRTQ_USED_BYTES(n)  (6u + 8u * (n))

#endif
