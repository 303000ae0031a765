/* SPDX-License-Identifier: MIT */
/*
 * Virtio 1.2 §5.2, the block device: its feature bits, the layout of its
 * configuration space, and the request header, types and status values a
 * request carries in its descriptor chain (header device-readable, data,
 * status byte device-writable; §5.2.6).
 */
#ifndef CAIRN_VIRTIO_BLK_SPEC_H
#define CAIRN_VIRTIO_BLK_SPEC_H

#include <stdint.h>

/* §5.2.3: block device feature bits. */
#define VIRTIO_BLK_F_SIZE_MAX   1
#define VIRTIO_BLK_F_SEG_MAX    2
#define VIRTIO_BLK_F_GEOMETRY   4
#define VIRTIO_BLK_F_RO         5
#define VIRTIO_BLK_F_BLK_SIZE   6
#define VIRTIO_BLK_F_FLUSH      9
#define VIRTIO_BLK_F_TOPOLOGY   10
#define VIRTIO_BLK_F_CONFIG_WCE 11

/* §5.2.4: block device configuration layout (offsets into config space). */
#define VIRTIO_BLK_CFG_CAPACITY 0  /* le64, in 512-byte sectors */
#define VIRTIO_BLK_CFG_SIZE_MAX 8  /* le32 */
#define VIRTIO_BLK_CFG_SEG_MAX  12 /* le32 */
#define VIRTIO_BLK_CFG_BLK_SIZE 20 /* le32 */

/* §5.2.6: request header, types and status. */
struct virtio_blk_req_hdr {
	uint32_t type;
	uint32_t reserved;
	uint64_t sector;
};
_Static_assert(sizeof(struct virtio_blk_req_hdr) == 16, "virtio 1.2 §5.2.6");
#define VIRTIO_BLK_T_IN        0
#define VIRTIO_BLK_T_OUT       1
#define VIRTIO_BLK_T_FLUSH     4
#define VIRTIO_BLK_T_GET_ID    8
#define VIRTIO_BLK_S_OK        0
#define VIRTIO_BLK_S_IOERR     1
#define VIRTIO_BLK_S_UNSUPP    2
#define VIRTIO_BLK_SECTOR_SIZE 512

#endif
