/* SPDX-License-Identifier: MIT */
/*
 * The socket table (stacks/stack.h): the client's 64 handles over lwIP's
 * raw API. A handle is free, a TCP listener, a TCP connection or a UDP
 * socket. Portable C, no system calls: it runs natively under cmocka
 * against the real lwIP (test/stacks/test_serve.c).
 *
 * Invariants:
 *  - every live pcb's callback arg is its struct sock, and a sock's pcb
 *    pointer is NULL once lwIP freed the pcb (the err callback: the pcb is
 *    already gone, lwIP's tcp.h) or the handle gave it up (CLOSE);
 *  - a connection lwIP accepted but the client has not (TCP_ACCEPT) holds
 *    a handle marked pending, invisible to the client's orders; a
 *    listener has at most its backlog of them, beyond that (or with no
 *    free handle) the new pcb is aborted (ACCEPT_OVERFLOW);
 *  - a connection's receive queue holds what lwIP delivered and the
 *    client has not read; tcp_recved() is called only as the client reads,
 *    so lwIP's window (TCP_WND) bounds the queue (RFC 9293 §3.8.6);
 *  - a UDP socket queues at most SOCK_UDP_QUEUE datagrams, beyond that
 *    they are dropped and counted (UDP_DROPS);
 *  - a TCP close lwIP could not start (ERR_MEM) is kept in a small list
 *    and retried at each TICK, aborted after SOCK_CLOSE_TRIES; the
 *    handle itself is free at once.
 */
#ifndef STACK_SOCK_H
#define STACK_SOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stack.h"

#define SOCK_HANDLES      64u
#define SOCK_UDP_QUEUE    16u
#define SOCK_UDP_MAX      1472u /* a datagram's bytes in one 1500-byte IPv4 packet */
#define SOCK_BACKLOG_MAX  32u
#define SOCK_BACKLOG_DFLT 8u
#define SOCK_CLOSING_MAX  16u
#define SOCK_CLOSE_TRIES  50u /* TICKs (>= 10 ms each) before a close aborts */
/* Keepalives bound an idle connection whose peer is gone (no RST comes:
 * a host that vanished, a resume whose probe went unanswered) to 60 s
 * + 4 probes 10 s apart; one that is sending is bounded by lwIP's
 * TCP_MAXRTX retransmissions. */
#define SOCK_KEEPIDLE_MS    60000
#define SOCK_KEEPINTVL_MS   10000
#define SOCK_KEEPCNT        4
#define SOCK_WRITABLE_BYTES 536u /* tcp_sndbuf at least one default MSS */

struct pbuf;

enum sock_kind {
	SOCK_FREE,
	SOCK_LISTEN,
	SOCK_TCP,
	SOCK_UDP,
};

struct sock_dgram {
	struct pbuf *p;
	uint32_t ip; /* first byte lowest */
	uint16_t port;
};

struct sock {
	uint8_t kind;     /* enum sock_kind */
	bool pending;     /* TCP: accepted by lwIP, not yet by the client */
	bool connected;   /* TCP: established (or was) */
	bool fin;         /* TCP: the peer closed; NET_CLOSED once rxq is read */
	bool reset;       /* TCP: reset or aborted; NET_RESET */
	uint8_t parent;   /* pending TCP: its listener's handle */
	uint8_t backlog;  /* listener: at most this many pending */
	uint8_t npending; /* listener: pending connections now */
	uint32_t seq;     /* pending TCP: accept order */
	void *pcb;        /* struct tcp_pcb * or struct udp_pcb *, NULL once gone */
	struct pbuf *rxq; /* TCP: received, unread */
	uint8_t uhead;    /* UDP: first queued datagram */
	uint8_t ucount;   /* UDP: queued datagrams */
	struct sock_dgram uq[SOCK_UDP_QUEUE];
};

/* TCP_CONNECT's local ports: the ones ATTACH got from enet (attach.c),
 * which every stack of the machine shares, so each stack has its own. */
extern uint16_t sock_ephemeral_ports[STACK_EPHEMERAL_COUNT];
extern unsigned sock_ephemeral_count;

/* Everything starts free (at ATTACH, once lwIP is up). */
void sock_init(void);

/* Each returns a CAIRN_* / NET_* result. Handles come and go as ints. */
uint64_t sock_tcp_listen(uint16_t port, unsigned backlog, unsigned *handle);
uint64_t sock_tcp_accept(unsigned listener, unsigned *handle, uint32_t *ip, uint16_t *port);
uint64_t sock_tcp_connect(uint32_t ip, uint16_t port, unsigned *handle);
uint64_t sock_tcp_send(unsigned handle, const void *buf, size_t len, size_t *sent);
uint64_t sock_tcp_recv(unsigned handle, void *buf, size_t max, size_t *got);
uint64_t sock_close(unsigned handle);
uint64_t sock_udp_bind(uint16_t port, unsigned *handle);
uint64_t sock_udp_sendto(unsigned handle, uint32_t ip, uint16_t port, const void *buf, size_t len);
/* *got = bytes copied (at most max), *full = the datagram's length. */
uint64_t sock_udp_recvfrom(unsigned handle, void *buf, size_t max, size_t *got, size_t *full,
			   uint32_t *ip, uint16_t *port);

/* The readable handles, and those of want_write that are writable. */
void sock_events(uint64_t want_write, uint64_t *readable, uint64_t *writable);

/* At each TICK: closes that failed with ERR_MEM are tried again. */
void sock_tick(void);

/* A new boot (a resume): every TCP connection, pending and closing ones
 * too, sends an empty ACK at once. The peer's answer decides the
 * connection's fate, and the stack never needs to know what network it is
 * on: a peer that forgot the connection (QEMU's slirp, new with the new
 * QEMU; a host that rebooted) answers RST (RFC 9293 §3.10.7.1: its
 * sequence number is our ACK's acknowledgment, so lwIP accepts it) and the
 * handle reads NET_RESET; a peer that kept it (the host's own TCP on a tap
 * network) takes a duplicate ACK and carries on, and so does the
 * connection (docs/network.md "After a resume"). */
void sock_probe_connections(void);

/* For tests and STATS: the table. */
const struct sock *sock_get(unsigned handle);

#endif /* STACK_SOCK_H */
