/* SPDX-License-Identifier: MIT */
/*
 * Frame classification (docs/network.md "Receive", "Transmit checks"):
 * what a received Ethernet frame is and which session it is for, and
 * whether a frame a session wants to send is one it may send.
 *
 * Both directions parse with the same functions, so the header enet checks
 * on transmit is the header every receiver will read. Every read is
 * bounds-checked against the length given: a frame of any content and any
 * length, however it lies in its own length fields, makes the code read
 * only frame[0..len). Nothing is written, nothing is kept.
 *
 * On transmit the frame must be enet's own copy (copied out of the
 * client's buffer before the check, then sent from that copy): the client
 * can still write its own buffer, so a check of the client's memory proves
 * nothing about what the device later reads.
 *
 * The formats: Ethernet II (IEEE 802.3 §3.2.6, untagged, no FCS as
 * virtio-net hands frames over), ARP for Ethernet and IPv4 (RFC 826),
 * IPv4 (RFC 791 §3.1), UDP (RFC 768), TCP (RFC 9293 §3.1). Multi-byte
 * fields are big-endian on the wire.
 */
#ifndef ENET_CLASSIFY_H
#define ENET_CLASSIFY_H

#include <stdint.h>
#include "ports.h"
#include "stats.h"

#define ENET_ETH_HDR   14   /* destination, source, ethertype */
#define ENET_FRAME_MAX 1514 /* ENET_ETH_HDR + a 1500-byte MTU: every frame sent */
/* The longest frame received: a device receive buffer is a page, the
 * frame 16 bytes in (virtio-net/vnet.h), so a link with an MTU up to 4,066
 * (a tap with host_mtu, docs/network.md "Page exchange") delivers whole
 * frames. Sessions take what their receive buffers hold (client.h). */
#define ENET_RX_FRAME_MAX   4080
#define ENET_ETHERTYPE_IPV4 0x0800
#define ENET_ETHERTYPE_ARP  0x0806
#define ENET_ARP_LEN        28 /* Ethernet/IPv4 ARP (RFC 826) */
#define ENET_IPV4_HDR_MIN   20
#define ENET_UDP_HDR        8
#define ENET_TCP_HDR_MIN    20

/* The guest's addresses: one MAC (the NIC's) and one IPv4 address, shared
 * by every session; the IPv4 address in network byte order. */
struct enet_addr {
	uint8_t mac[6];
	uint8_t ip[4];
};

enum enet_class {
	ENET_CLASS_DROP = 0,    /* see the reason */
	ENET_CLASS_ARP_REQUEST, /* someone asks for our IPv4 address */
	ENET_CLASS_ARP_REPLY,   /* an answer addressed to our IPv4 address */
	ENET_CLASS_ICMP,        /* IPv4 ICMP to our address (enet's to answer) */
	ENET_CLASS_UDP,         /* IPv4 UDP to our address: owner by dst_port */
	ENET_CLASS_TCP,         /* IPv4 TCP to our address: owner by dst_port */
};

/* What enet_classify_rx found. Offsets are from the frame's start; ip_end
 * is where the IPv4 datagram ends (what follows is Ethernet padding). */
struct enet_rx_info {
	enum enet_class cls;
	uint8_t proto;      /* ENET_PROTO_* for IPv4, 0 for ARP */
	uint16_t src_port;  /* UDP and TCP only */
	uint16_t dst_port;  /* UDP and TCP only */
	uint16_t l4_offset; /* IPv4: the transport header */
	uint16_t ip_end;    /* IPv4: ENET_ETH_HDR + total length */
	uint8_t peer_ip[4]; /* IPv4 source, or ARP sender protocol address */
};

/* Classify a received frame for the guest at `us`. Returns ENET_OK with
 * `out` filled, or the reason to drop it (out->cls is ENET_CLASS_DROP). */
enum enet_reason enet_classify_rx(const struct enet_addr *us, const uint8_t *frame, uint32_t len,
				  struct enet_rx_info *out);

/* May `session` send `frame` (enet's private copy)? It must come from the
 * guest's MAC; ARP must name our MAC and IPv4 address as sender; IPv4 must
 * come from our address, not be a fragment, and be TCP or UDP from a port
 * the session registered for that protocol. Returns ENET_OK or why not. */
enum enet_reason enet_check_tx(const struct enet_addr *us, const struct enet_ports *ports,
			       uint32_t session, const uint8_t *frame, uint32_t len);

/* The RFC 1071 one's-complement sum of data[0..len), folded to 16 bits and
 * not complemented (a header with a correct checksum sums to 0xffff). */
uint16_t enet_ones_sum(const uint8_t *data, uint32_t len);

#endif /* ENET_CLASSIFY_H */
