/* SPDX-License-Identifier: MIT */
/*
 * Virtio 1.2 §5.1, the network device: its feature bits, the layout of its
 * configuration space, its queues and the header that comes before every
 * packet in both directions (§5.1.6).
 */
#ifndef CAIRN_VIRTIO_NET_SPEC_H
#define CAIRN_VIRTIO_NET_SPEC_H

#include <stdint.h>

/* §5.1.3: network device feature bits (the ones a driver must know of to
 * leave them alone; enet negotiates MAC and STATUS only). */
#define VIRTIO_NET_F_CSUM       0  /* device checksums partial packets we send */
#define VIRTIO_NET_F_GUEST_CSUM 1  /* driver accepts partially checksummed packets */
#define VIRTIO_NET_F_MTU        3  /* config mtu is valid */
#define VIRTIO_NET_F_MAC        5  /* config mac is valid */
#define VIRTIO_NET_F_MRG_RXBUF  15 /* a packet may span several receive buffers */
#define VIRTIO_NET_F_STATUS     16 /* config status is valid */

/* §5.1.2: the queues of one queue pair (no multiqueue, no control queue). */
#define VIRTIO_NET_RXQ 0 /* receiveq1: device-writable buffers */
#define VIRTIO_NET_TXQ 1 /* transmitq1: device-readable buffers */

/* §5.1.4: configuration layout (offsets into config space). */
#define VIRTIO_NET_CFG_MAC    0 /* 6 bytes, with VIRTIO_NET_F_MAC */
#define VIRTIO_NET_CFG_STATUS 6 /* le16, with VIRTIO_NET_F_STATUS */
#define VIRTIO_NET_S_LINK_UP  1
#define VIRTIO_NET_CFG_MTU    10 /* le16, with VIRTIO_NET_F_MTU (after max_virtqueue_pairs) */

/* §5.1.6: the header before each packet. With VIRTIO_F_VERSION_1 it always
 * has num_buffers, so it is 12 bytes (§5.1.6.1) whether or not
 * VIRTIO_NET_F_MRG_RXBUF is negotiated; without it num_buffers is 1 on
 * receive and 0 on transmit. All zero on transmit: no checksum offload, no
 * segmentation (VIRTIO_NET_HDR_GSO_NONE). */
struct virtio_net_hdr {
	uint8_t flags;
	uint8_t gso_type;
	uint16_t hdr_len;
	uint16_t gso_size;
	uint16_t csum_start;
	uint16_t csum_offset;
	uint16_t num_buffers;
};
_Static_assert(sizeof(struct virtio_net_hdr) == 12, "virtio 1.2 §5.1.6");

#endif
