/* SPDX-License-Identifier: MIT */
/*
 * Virtio 1.2 definitions used by the kernel's drivers: the MMIO transport
 * registers (§4.2.2), device status bits (§2.1), reserved feature bits
 * (§6), the split virtqueue layout (§2.7) and the block device (§5.2).
 * Only modern (version 2) MMIO devices are supported; QEMU needs
 * `-global virtio-mmio.force-legacy=false` to offer them.
 */
#ifndef CAIRN_KERN_VIRTIO_H
#define CAIRN_KERN_VIRTIO_H

#include <stdint.h>

/* §4.2.2, table 4.1: MMIO device register layout. */
#define VIRTIO_MMIO_MAGIC_VALUE        0x000
#define VIRTIO_MMIO_VERSION            0x004
#define VIRTIO_MMIO_DEVICE_ID          0x008
#define VIRTIO_MMIO_VENDOR_ID          0x00c
#define VIRTIO_MMIO_DEVICE_FEATURES    0x010
#define VIRTIO_MMIO_DEVICE_FEATURES_SEL 0x014
#define VIRTIO_MMIO_DRIVER_FEATURES    0x020
#define VIRTIO_MMIO_DRIVER_FEATURES_SEL 0x024
#define VIRTIO_MMIO_QUEUE_SEL          0x030
#define VIRTIO_MMIO_QUEUE_NUM_MAX      0x034
#define VIRTIO_MMIO_QUEUE_NUM          0x038
#define VIRTIO_MMIO_QUEUE_READY        0x044
#define VIRTIO_MMIO_QUEUE_NOTIFY       0x050
#define VIRTIO_MMIO_INTERRUPT_STATUS   0x060
#define VIRTIO_MMIO_INTERRUPT_ACK      0x064
#define VIRTIO_MMIO_STATUS             0x070
#define VIRTIO_MMIO_QUEUE_DESC_LOW     0x080
#define VIRTIO_MMIO_QUEUE_DESC_HIGH    0x084
#define VIRTIO_MMIO_QUEUE_DRIVER_LOW   0x090
#define VIRTIO_MMIO_QUEUE_DRIVER_HIGH  0x094
#define VIRTIO_MMIO_QUEUE_DEVICE_LOW   0x0a0
#define VIRTIO_MMIO_QUEUE_DEVICE_HIGH  0x0a4
#define VIRTIO_MMIO_CONFIG_GENERATION  0x0fc
#define VIRTIO_MMIO_CONFIG             0x100

#define VIRTIO_MMIO_MAGIC 0x74726976 /* "virt" */

/* §4.2.2: InterruptStatus bits. */
#define VIRTIO_MMIO_INT_VRING  (1u << 0)
#define VIRTIO_MMIO_INT_CONFIG (1u << 1)

/* §5, table: device IDs. */
#define VIRTIO_ID_NET   1
#define VIRTIO_ID_BLOCK 2

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
struct virtq_used {
	uint16_t flags;
	uint16_t idx;
	struct virtq_used_elem ring[];
};

_Static_assert(sizeof(struct virtq_desc) == 16, "virtio 1.2 §2.7.5");
_Static_assert(sizeof(struct virtq_used_elem) == 8, "virtio 1.2 §2.7.8");

/* §5.2.3: block device feature bits. */
#define VIRTIO_BLK_F_SIZE_MAX     1
#define VIRTIO_BLK_F_SEG_MAX      2
#define VIRTIO_BLK_F_GEOMETRY     4
#define VIRTIO_BLK_F_RO           5
#define VIRTIO_BLK_F_BLK_SIZE     6
#define VIRTIO_BLK_F_FLUSH        9
#define VIRTIO_BLK_F_TOPOLOGY     10
#define VIRTIO_BLK_F_CONFIG_WCE   11

/* §5.2.4: block device configuration layout (offsets into config space). */
#define VIRTIO_BLK_CFG_CAPACITY   0   /* le64, in 512-byte sectors */
#define VIRTIO_BLK_CFG_SIZE_MAX   8   /* le32 */
#define VIRTIO_BLK_CFG_SEG_MAX    12  /* le32 */
#define VIRTIO_BLK_CFG_BLK_SIZE   20  /* le32 */

/* §5.2.6: request header, types and status. */
struct virtio_blk_req_hdr {
	uint32_t type;
	uint32_t reserved;
	uint64_t sector;
};
_Static_assert(sizeof(struct virtio_blk_req_hdr) == 16, "virtio 1.2 §5.2.6");
#define VIRTIO_BLK_T_IN     0
#define VIRTIO_BLK_T_OUT    1
#define VIRTIO_BLK_T_FLUSH  4
#define VIRTIO_BLK_T_GET_ID 8
#define VIRTIO_BLK_S_OK     0
#define VIRTIO_BLK_S_IOERR  1
#define VIRTIO_BLK_S_UNSUPP 2
#define VIRTIO_BLK_SECTOR_SIZE 512

#endif
