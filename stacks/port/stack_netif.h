/* SPDX-License-Identifier: MIT */
/*
 * The stack's one lwIP netif, over its enet session's view
 * (virtio-net/proto/client.h, docs/network.md "Sessions: the view"): the
 * stack maps the view and hands the struct enet_view here; this file
 * touches only the view's rings and buffers, never a key.
 *
 * Receive (stack_netif_poll): every filled buffer on RX_ACTIVE becomes one
 * pbuf handed to ethernet_input.
 *  - UDP frames go up by reference: a custom PBUF_REF pbuf over the
 *    read-only receive buffer (lwIP only moves the payload pointer over
 *    Ethernet, IPv4 and UDP headers and hands the rest to the receive
 *    callback); its free re-posts the buffer on RX_FREE. At most half of
 *    the receive buffers are held so at once (rx_bufs / 2), so that a
 *    client slow to read its datagrams cannot starve TCP of buffers; past
 *    that, UDP is copied too.
 *  - Everything else is copied into a PBUF_POOL pbuf and its buffer
 *    re-posted at once: lwIP 2.1's tcp_input rewrites the TCP header in
 *    place (host byte order), which would fault on the read-only buffer.
 * Invariant: every receive buffer is at all times in exactly one place:
 * with enet (posted on RX_FREE or filled, on RX_ACTIVE) or held by one
 * by-reference pbuf; none is re-posted while a pbuf still points into it.
 *
 * Transmit (linkoutput): the pbuf chain is copied into a free transmit
 * buffer (the free list starts with all of them and is refilled from
 * TX_FREE), padded with zeros to the 60-byte Ethernet minimum, and queued
 * on TX_ACTIVE; tx_pending tells the server to invoke ENET SEND once after
 * the order, RX or TICK that queued frames. With no free buffer the frame
 * is counted (tx_no_buffer) and refused with ERR_MEM: TCP keeps the
 * segment (TF_NAGLEMEMERR) and stack_netif_retry_tx has it sent once
 * buffers are back; UDP's sender sees the error.
 *
 * ARP: enet answers ARP requests for the guest and does not deliver ARP
 * replies to sessions (virtio-net/vnet_frames.c), so lwIP's own requests
 * for the gateway go unanswered. The port therefore learns from every
 * IPv4 frame enet hands over: its Ethernet source is the sender's MAC if
 * the IPv4 source is on the link, else the gateway's, and that pair is
 * installed as a static ARP entry (ETHARP_SUPPORT_STATIC_ENTRIES) when it
 * is new or changed, for the gateway and at most STACK_ARP_LEARNED - 1
 * other hosts. ARP frames that do arrive go to lwIP's etharp as usual.
 */
#ifndef STACK_NETIF_H
#define STACK_NETIF_H

#include <stdbool.h>
#include <stdint.h>

#include "client.h"
#include "lwip/ip4_addr.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"

#define STACK_MTU     1500u
#define STACK_ETH_HDR 14u
#define STACK_ETH_MIN 60u /* IEEE 802.3 minimum frame, without the FCS */
/* Receive buffers the port may hold by reference: half of them (of 30 or
 * 15, the receive mode's, client.h), so that lwIP holding UDP datagrams
 * an application has not read never takes every buffer. */
#define STACK_RX_BUFS_MAX ENET_VIEW_RX_BUFS
/* Static ARP entries the port may install: the gateway and 4 hosts on the
 * link (of lwIP's ARP_TABLE_SIZE 8: static entries are never recycled, so
 * the rest stays for lwIP's own, and a sender of many source addresses
 * cannot crowd out the gateway). */
#define STACK_ARP_LEARNED 5u

/* The port's counters: X(field, what it counts). */
#define STACK_PORT_STATS(X)                                                       \
	X(frames_in, "frames taken from RX_ACTIVE and passed to lwIP")            \
	X(bytes_in, "bytes of those frames")                                      \
	X(frames_out, "frames queued on TX_ACTIVE")                               \
	X(bytes_out, "bytes of those frames, padding included")                   \
	X(tx_no_buffer, "frames refused: no free transmit buffer")                \
	X(tx_too_long, "frames refused: longer than a transmit buffer")           \
	X(tx_bad_free, "TX_FREE descriptors ignored: not a transmit buffer")      \
	X(rx_by_ref, "UDP frames passed up by reference")                         \
	X(rx_copied, "frames copied into a pbuf")                                 \
	X(rx_no_pbuf, "frames dropped: no pbuf (heap full)")                      \
	X(rx_bad_desc, "RX_ACTIVE descriptors ignored: bad offset, length, held") \
	X(rx_repost_full, "receive buffers lost: RX_FREE full (enet misbehaves)") \
	X(rx_dropped_by_lwip, "frames lwIP's input refused")                      \
	X(arp_learned, "static ARP entries installed from received frames")       \
	X(arp_learn_full, "neighbours not learned: STACK_ARP_LEARNED reached")

struct stack_port_stats {
#define STACK_PORT_STAT_FIELD(name, what) uint64_t name;
	STACK_PORT_STATS(STACK_PORT_STAT_FIELD)
#undef STACK_PORT_STAT_FIELD
};

enum stack_port_stat {
#define STACK_PORT_STAT_ENUM(name, what) STACK_PORT_STAT_##name,
	STACK_PORT_STATS(STACK_PORT_STAT_ENUM)
#undef STACK_PORT_STAT_ENUM
		STACK_PORT_STAT_COUNT
};

/* The field names, by enum stack_port_stat. */
extern const char *const stack_port_stat_names[STACK_PORT_STAT_COUNT];
/* The counter of index i (0 .. STACK_PORT_STAT_COUNT - 1). */
uint64_t stack_port_stat_get(const struct stack_port_stats *st, unsigned i);

struct stack_netif;

/* A static ARP entry the port installed (see the top). */
struct stack_arp_learned {
	ip4_addr_t ip;
	uint8_t mac[6];
};

/* One receive buffer's by-reference pbuf. pc must stay first: lwIP hands
 * the custom free the struct pbuf, which is pc's first member. */
struct stack_rx_ref {
	struct pbuf_custom pc;
	struct stack_netif *owner;
	uint32_t index; /* buffer index in the receive region */
	bool held;      /* a pbuf refers to the buffer: it is not enet's */
};

struct stack_netif {
	struct netif netif;
	struct enet_view view;
	uint8_t mac[6];                      /* the session's, from enet's ATTACH */
	uint64_t tx_free[ENET_VIEW_TX_BUFS]; /* offsets of transmit buffers the stack holds */
	uint32_t tx_nfree;
	bool tx_pending; /* frames queued on TX_ACTIVE since the server last sent */
	bool tx_refused; /* a frame was refused for want of a buffer since the last retry */
	struct stack_rx_ref rx_ref[STACK_RX_BUFS_MAX];
	uint32_t rx_held; /* buffers held by reference */
	/* The receive region's geometry, by the session's receive mode: its
	 * buffers, their size, where a frame starts in one, the longest frame. */
	uint32_t rx_bufs, rx_buf, rx_frame_at, rx_frame_max;
	struct stack_arp_learned learned[STACK_ARP_LEARNED]; /* installed static entries */
	uint32_t nlearned;
	struct stack_port_stats stats;
};

/* Sets up s over the mapped view and adds it as lwIP's (default, up) netif:
 * MAC and IPv4 address as enet's ATTACH gave them, netmask and gateway as
 * the caller says (QEMU's user network: 255.255.255.0, 10.0.2.2), MTU
 * 1500. Posts every receive buffer on RX_FREE and takes every transmit
 * buffer as free (a fresh session: enet holds none of them). lwip_init()
 * must have run. False if lwIP refused the netif. */
bool stack_netif_init(struct stack_netif *s, const struct enet_view *view,
		      enum enet_rx_mode rx_mode, const uint8_t mac[6], const ip4_addr_t *ip,
		      const ip4_addr_t *netmask, const ip4_addr_t *gw);

/* Passes every frame on RX_ACTIVE to lwIP (see the top), then
 * stack_netif_retry_tx. Returns how many descriptors it took. */
uint32_t stack_netif_poll(struct stack_netif *s);

/* If a frame was refused for want of a transmit buffer and TX_FREE has
 * given some back, has lwIP send the TCP segments it kept (tcp_txnow).
 * Called by stack_netif_poll; the server calls it too on TICK. */
void stack_netif_retry_tx(struct stack_netif *s);

/* Takes transmit buffers enet has finished with back from TX_FREE (also
 * done by every transmit). */
void stack_netif_reclaim_tx(struct stack_netif *s);

/* True if frames were queued since the last call (the server then invokes
 * ENET SEND); clears the flag. */
bool stack_netif_take_tx_pending(struct stack_netif *s);

#endif /* STACK_NETIF_H */
