/* SPDX-License-Identifier: MIT */
/*
 * The client library of a TCP/IP stack domain (stacks/, docs/network.md
 * "The stacks"): one function per STACK order of CAIRN_SERVICE_ORDERS in
 * cairn/keytab.h, each returning the result code (CAIRN_OK = 0) and its
 * results through pointers (NULL: not wanted). `stack` is the capability
 * register holding the client's start key to its own stack.
 *
 * The interface is non-blocking but for cnet_wait: TCP_ACCEPT, TCP_SEND,
 * TCP_RECV and UDP_RECVFROM answer NET_WOULD_BLOCK rather than wait, and
 * cnet_wait waits for any of a set of handles, as poll(2) does. A handle
 * is a small number, 0 .. CNET_HANDLES - 1, so that a set is one word.
 * Addresses are IPv4 in network order packed first byte lowest
 * (10.0.2.2 is 0x0202000a), ports host numbers.
 *
 * A send or receive carries at most CNET_MAX_IO bytes (the kernel's
 * CAIRN_MAX_STRING); the stack copies them into and out of lwIP's
 * buffers, so the caller's buffer is free as soon as the call returns.
 */
#ifndef CAIRN_NET_H
#define CAIRN_NET_H

#include <stddef.h>
#include <stdint.h>

#include "cairn.h"

#define CNET_HANDLES 64u
#define CNET_MAX_IO  CAIRN_MAX_STRING
/* The longest datagram UDP_SENDTO sends: one 1500-byte IPv4 packet (the
 * stacks send nothing larger, stacks/sock.h SOCK_UDP_MAX); a longer one is
 * BAD_ARGUMENT. Datagrams received may be longer (page buffers, 4,052). */
#define CNET_UDP_MAX 1472u

/* IPv4 a.b.c.d packed first byte lowest. */
#define CNET_IP4(a, b, c, d) \
	((uint32_t)(a) | (uint32_t)(b) << 8 | (uint32_t)(c) << 16 | (uint32_t)(d) << 24)

/* Once, at the client's first start: the stack buys its heap and its enet
 * session from `bank` (a sub-bank key of the client's own). */
uint64_t cnet_attach(cap_t stack, cap_t bank, uint32_t *ip, uint64_t *mac);
/* The usual first start: a transparent sub-bank of `bank` made into
 * register `sub` (its inspect key into `inspect`: the client keeps power
 * over what its stack buys), then cnet_attach with it. */
uint64_t cnet_attach_own(cap_t stack, cap_t bank, cap_t sub, cap_t inspect, uint32_t *ip);
/* Both with enet's receive mode for the stack's session (ATTACH's w0,
 * virtio-net/proto/client.h enum enet_rx_mode: 1 for page buffers and
 * page exchange, a client that expects frames past 1,514 bytes); the two
 * above ask for mode 0. */
uint64_t cnet_attach_mode(cap_t stack, cap_t bank, uint64_t rx_mode, uint32_t *ip, uint64_t *mac);
uint64_t cnet_attach_own_mode(cap_t stack, cap_t bank, cap_t sub, cap_t inspect, uint64_t rx_mode,
			      uint32_t *ip);
/* STATS indices from here on read the stack's session counters in enet:
 * CNET_STATS_ENET + i is virtio-net/proto/stats.h's counter i (0 frames
 * in, ..., ENET_STATS_EXCHANGED frames by page exchange, ...). */
#define CNET_STATS_ENET 0x10000u
/* Page exchange on (1) or off (2) for a stack attached with page buffers,
 * for frames of exchange_min bytes or more (0: enet's default). */
uint64_t cnet_rx_mode(cap_t stack, uint64_t rx_mode, uint64_t exchange_min);

uint64_t cnet_tcp_listen(cap_t stack, uint16_t port, unsigned backlog, unsigned *handle);
/* NET_WOULD_BLOCK when no connection is waiting. */
uint64_t cnet_tcp_accept(cap_t stack, unsigned listener, unsigned *handle, uint32_t *peer_ip,
			 uint16_t *peer_port);
uint64_t cnet_tcp_connect(cap_t stack, uint32_t ip, uint16_t port, unsigned *handle);
/* *sent = the prefix of buf the stack took (at most CNET_MAX_IO). */
uint64_t cnet_tcp_send(cap_t stack, unsigned handle, const void *buf, size_t len, size_t *sent);
/* NET_CLOSED once the peer's data is all read; NET_RESET if it was cut. */
uint64_t cnet_tcp_recv(cap_t stack, unsigned handle, void *buf, size_t max, size_t *got);
uint64_t cnet_close(cap_t stack, unsigned handle);

uint64_t cnet_udp_bind(cap_t stack, uint16_t port, unsigned *handle);
uint64_t cnet_udp_sendto(cap_t stack, unsigned handle, uint32_t ip, uint16_t port, const void *buf,
			 size_t len);
uint64_t cnet_udp_recvfrom(cap_t stack, unsigned handle, void *buf, size_t max, size_t *got,
			   uint32_t *ip, uint16_t *port);

/* Wait until a handle not in skip_read is readable (data, end, error, a
 * connection to accept, a datagram) or one of want_write is writable.
 * skip_read is for a handle the caller will not read yet (its answer is
 * still going out): without it, a WAIT would answer at once, for ever. */
struct cnet_events {
	uint64_t readable;
	uint64_t writable;
};
uint64_t cnet_wait(cap_t stack, uint64_t want_write, uint64_t skip_read, struct cnet_events *ev);

/* The stack's counters index .. index + 3 (docs/network.md). */
uint64_t cnet_stats(cap_t stack, unsigned index, uint64_t out[4]);

#endif /* CAIRN_NET_H */
