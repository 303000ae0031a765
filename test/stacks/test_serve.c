/* SPDX-License-Identifier: MIT */
/*
 * Host test of the stack server's order decoding and socket table
 * (stacks/serve.c, stacks/sock.c) against the real native lwIP and the
 * real port (stacks/port/stack_netif.c), with this file playing enet: it
 * owns a view in memory, puts hand-built frames of a peer (10.0.2.2) on
 * RX_ACTIVE and takes what the stack sends from TX_ACTIVE.
 *
 * What it checks: who may send what (RESTRICTED before ATTACH, RX from
 * the client, client orders from the helper badge), bad handles and
 * wrong kinds, words out of range, strings too long, a second ATTACH,
 * WAIT parking and displacing; a whole TCP exchange (SYN in, SYN-ACK out,
 * ACCEPT, data in and RECV, SEND and its data segment out, FIN in and
 * NET_CLOSED, CLOSE and the FIN out), a reset (RST in: WAIT readable,
 * RECV NET_RESET), the resume rule (an empty ACK on every connection at
 * a new boot; a peer's RST then resets one, the others go on), the accept
 * backlog bound, and UDP (a datagram in and out, the
 * queue's bound and its drop counter).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lwip/init.h"

#include <cairn/abi.h>
#include <cairn/keytab.h>

#include "client.h"
#include "serve.h"
#include "sock.h"
#include "stack.h"
#include "stack_clock.h"
#include "stack_netif.h"

static _Alignas(4096) uint8_t view_mem[ENET_VIEW_PAGES * 4096u];
static struct enet_view view; /* enet's side: the same memory */
static struct stack_netif port;
static bool lwip_started;
static unsigned binds;
static uint8_t outbuf[CAIRN_MAX_STRING];

static const uint8_t guest_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
static const uint8_t peer_mac[6] = { 0x52, 0x55, 0x0a, 0x00, 0x02, 0x02 };
static const uint8_t guest_ip[4] = { 10, 0, 2, 15 };
static const uint8_t peer_ip[4] = { 10, 0, 2, 2 };
#define PEER_WORD CNET_IP4_WORD(10, 0, 2, 2)
#define CNET_IP4_WORD(a, b, c, d) \
	((uint32_t)(a) | (uint32_t)(b) << 8 | (uint32_t)(c) << 16 | (uint32_t)(d) << 24)

/* --- the fake ops: what main.c and attach.c do with keys --------------- */

static uint64_t fake_attach(uint64_t rx_mode, uint32_t *ip, uint64_t *mac)
{
	if (!lwip_started) {
		ip4_addr_t a, m, g;
		IP4_ADDR(&a, 10, 0, 2, 15);
		IP4_ADDR(&m, 255, 255, 255, 0);
		IP4_ADDR(&g, 10, 0, 2, 2);
		enet_view_init(&view, view_mem);
		lwip_init();
		assert_true(stack_netif_init(&port, &view, (enum enet_rx_mode)rx_mode, guest_mac,
					     &a, &m, &g));
		lwip_started = true;
	}
	*ip = CNET_IP4_WORD(10, 0, 2, 15);
	*mac = 0x563412005452ull;
	return CAIRN_OK;
}

static uint64_t fake_bind(unsigned proto, uint16_t p)
{
	(void)proto;
	(void)p;
	binds++;
	return CAIRN_OK;
}

static void fake_rx(void)
{
	stack_netif_poll(&port);
}

static const struct serve_ops ops = { .attach = fake_attach, .bind = fake_bind, .rx = fake_rx };

/* One order; its answer in *out (out->str is outbuf). */
static uint64_t order(uint64_t badge, uint64_t code, uint64_t w0, uint64_t w1, uint64_t w2,
		      const void *str, size_t len, struct serve_out *out)
{
	struct serve_in in = {
		.order = code, .badge = badge, .w = { w0, w1, w2 }, .str = str, .len = len
	};
	*out = (struct serve_out){ .str = outbuf };
	serve_order(&in, out);
	return out->result;
}

static uint64_t client(uint64_t code, uint64_t w0, uint64_t w1, struct serve_out *out)
{
	return order(STACK_BADGE_CLIENT, code, w0, w1, 0, NULL, 0, out);
}

static void attach(void)
{
	struct serve_out o;
	assert_int_equal(client(CAIRN_SO_STACK_ATTACH, 0, 0, &o), CAIRN_OK);
	assert_int_equal(o.w[0], CNET_IP4_WORD(10, 0, 2, 15));
}

/* --- frames: the peer's side ------------------------------------------- */

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)get16(p) << 16 | get16(p + 2);
}

static void put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v);
}

static uint32_t sum(const uint8_t *p, size_t n, uint32_t s)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		s += get16(p + i);
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	return s;
}

static uint16_t fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* An Ethernet + IPv4 frame from the peer to the guest carrying `l4` of
 * protocol `proto` (its checksum at l4 offset `ck` computed here). */
static size_t frame(uint8_t *f, uint8_t proto, uint8_t *l4, size_t n, size_t ck)
{
	memcpy(f, guest_mac, 6);
	memcpy(f + 6, peer_mac, 6);
	put16(f + 12, 0x0800);
	uint8_t *ip = f + 14;
	memset(ip, 0, 20);
	ip[0] = 0x45;
	put16(ip + 2, (uint32_t)(20 + n));
	ip[8] = 64;
	ip[9] = proto;
	memcpy(ip + 12, peer_ip, 4);
	memcpy(ip + 16, guest_ip, 4);
	put16(ip + 10, fold(sum(ip, 20, 0)));
	uint8_t pseudo[12];
	memcpy(pseudo, peer_ip, 4);
	memcpy(pseudo + 4, guest_ip, 4);
	pseudo[8] = 0;
	pseudo[9] = proto;
	put16(pseudo + 10, (uint32_t)n);
	put16(l4 + ck, 0);
	put16(l4 + ck, fold(sum(l4, n, sum(pseudo, 12, 0))));
	memcpy(ip + 20, l4, n);
	return 14 + 20 + n;
}

enum { FIN = 1, SYN = 2, RST = 4, PSH = 8, ACK = 16 };

/* What enet does with a frame for the session: into a posted buffer, on
 * RX_ACTIVE; then the stack's RX. */
static void deliver(const uint8_t *f, size_t n)
{
	struct enet_desc d = { 0 };
	assert_true(enet_client_get(view.ring[ENET_Q_RX_FREE], &d));
	memcpy((uint8_t *)view.rx + d.offset, f, n);
	assert_true(enet_client_put(view.ring[ENET_Q_RX_ACTIVE], d.offset, (uint32_t)n));
	struct serve_out o;
	assert_int_equal(order(STACK_BADGE_HELPER, CAIRN_SO_STACK_RX, 0, 0, 0, NULL, 0, &o),
			 CAIRN_OK);
}

static void tcp_in(uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags,
		   const char *data)
{
	uint8_t seg[20 + 256], f[1600];
	size_t n = data ? strlen(data) : 0;
	memset(seg, 0, 20);
	put16(seg, sport);
	put16(seg + 2, dport);
	put32(seg + 4, seq);
	put32(seg + 8, ack);
	seg[12] = 5 << 4;
	seg[13] = flags;
	put16(seg + 14, 65535);
	if (n)
		memcpy(seg + 20, data, n);
	deliver(f, frame(f, 6, seg, 20 + n, 16));
}

struct seg {
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;
	size_t len;
	uint8_t data[1600];
};

/* The next IPv4 frame the stack queued on TX_ACTIVE (lwIP's own ARP
 * requests are skipped: enet would answer them itself); false if none.
 * Skipped frames' buffers go back on TX_FREE, as enet's transmit does. */
static bool ipv4_out(struct enet_desc *d)
{
	while (enet_client_get(view.ring[ENET_Q_TX_ACTIVE], d)) {
		if (get16(view.tx + d->offset + 12) == 0x0800)
			return true;
		assert_true(enet_client_put(view.ring[ENET_Q_TX_FREE], d->offset, 0));
	}
	return false;
}

/* The next frame as a TCP segment; false if none. */
static bool tcp_out(struct seg *s)
{
	struct enet_desc d = { 0 };
	if (!ipv4_out(&d))
		return false;
	const uint8_t *f = view.tx + d.offset, *ip = f + 14;
	assert_memory_equal(f, peer_mac, 6);
	assert_int_equal(ip[9], 6);
	assert_int_equal(fold(sum(ip, 20, 0)), 0);
	unsigned ihl = (ip[0] & 15u) * 4u, tot = get16(ip + 2);
	const uint8_t *t = ip + ihl;
	unsigned off = (t[12] >> 4) * 4u;
	s->sport = get16(t);
	s->dport = get16(t + 2);
	s->seq = get32(t + 4);
	s->ack = get32(t + 8);
	s->flags = t[13];
	s->len = tot - ihl - off;
	memcpy(s->data, t + off, s->len);
	assert_true(enet_client_put(view.ring[ENET_Q_TX_FREE], d.offset, 0));
	return true;
}

/* Everything the stack sent since, dropped. */
static void tx_drain(void)
{
	struct seg s;
	while (tcp_out(&s))
		;
}

/* Every handle the client holds closed: lwIP keeps no pcb pointing into
 * a table the next test's ATTACH clears. */
static int teardown(void **state)
{
	(void)state;
	struct serve_out o;
	for (unsigned h = 0; h < SOCK_HANDLES; h++)
		if (sock_get(h)->kind != SOCK_FREE && !sock_get(h)->pending)
			client(CAIRN_SO_STACK_CLOSE, h, 0, &o);
	tx_drain();
	return 0;
}

static int setup(void **state)
{
	(void)state;
	serve_init(&ops);
	return 0;
}

/* --- tests ------------------------------------------------------------- */

static void test_before_attach(void **state)
{
	(void)state;
	struct serve_out o;
	assert_int_equal(client(CAIRN_SO_STACK_TCP_LISTEN, 80, 0, &o), CAIRN_RESTRICTED);
	assert_int_equal(client(CAIRN_SO_STACK_WAIT, 0, 0, &o), CAIRN_RESTRICTED);
	assert_int_equal(client(CAIRN_SO_STACK_STATS, 0, 0, &o), CAIRN_OK);
	assert_int_equal(o.w[0], 0); /* no ATTACH served yet */
	assert_int_equal(binds, 0);
	attach();
	assert_int_equal(client(CAIRN_SO_STACK_ATTACH, 0, 0, &o), CAIRN_BAD_ARGUMENT);
	assert_int_equal(client(CAIRN_SO_STACK_STATS, STACK_C_ORD_ATTACH, 0, &o), CAIRN_OK);
	assert_int_equal(o.w[0], 2); /* both answered; the stack attached once */
}

static void test_badges(void **state)
{
	(void)state;
	attach();
	struct serve_out o;
	assert_int_equal(client(CAIRN_SO_STACK_RX, 0, 0, &o), CAIRN_RESTRICTED);
	assert_int_equal(client(CAIRN_SO_STACK_TICK, 0, 0, &o), CAIRN_RESTRICTED);
	assert_int_equal(order(STACK_BADGE_HELPER, CAIRN_SO_STACK_TCP_LISTEN, 80, 0, 0, NULL, 0,
			       &o),
			 CAIRN_RESTRICTED);
	assert_int_equal(order(STACK_BADGE_HELPER, CAIRN_SO_STACK_ATTACH, 0, 0, 0, NULL, 0, &o),
			 CAIRN_RESTRICTED);
	assert_int_equal(order(2, CAIRN_SO_STACK_UDP_BIND, 53, 0, 0, NULL, 0, &o),
			 CAIRN_RESTRICTED);
	assert_int_equal(client(0x83ff, 0, 0, &o), CAIRN_BAD_ORDER);
	assert_int_equal(client(CAIRN_SO_BANK_BUY, 0, 0, &o), CAIRN_BAD_ORDER);
	assert_int_equal(order(STACK_BADGE_HELPER, CAIRN_SO_STACK_TICK, 0, 0, 0, NULL, 0, &o),
			 CAIRN_OK);
	assert_in_range(o.w[0], 10, 250);
	assert_int_equal(client(CAIRN_SO_STACK_STATS, STACK_C_REFUSED, 0, &o), CAIRN_OK);
	assert_int_equal(o.w[0], 7);
}

static void test_bad_handles(void **state)
{
	(void)state;
	attach();
	struct serve_out o;
	uint64_t u, l;
	assert_int_equal(client(CAIRN_SO_STACK_UDP_BIND, 5353, 0, &o), CAIRN_OK);
	u = o.w[0];
	assert_int_equal(client(CAIRN_SO_STACK_TCP_LISTEN, 8080, 0, &o), CAIRN_OK);
	l = o.w[0];
	assert_int_not_equal(u, l);
	/* out of range, free, and of the wrong kind */
	assert_int_equal(client(CAIRN_SO_STACK_TCP_ACCEPT, 64, 0, &o), CAIRN_NET_BAD_HANDLE);
	assert_int_equal(client(CAIRN_SO_STACK_TCP_ACCEPT, 1ull << 40, 0, &o),
			 CAIRN_NET_BAD_HANDLE);
	assert_int_equal(client(CAIRN_SO_STACK_CLOSE, 63, 0, &o), CAIRN_NET_BAD_HANDLE);
	assert_int_equal(client(CAIRN_SO_STACK_TCP_ACCEPT, u, 0, &o), CAIRN_NET_BAD_HANDLE);
	assert_int_equal(client(CAIRN_SO_STACK_TCP_RECV, u, 0, &o), CAIRN_NET_BAD_HANDLE);
	assert_int_equal(client(CAIRN_SO_STACK_TCP_RECV, l, 0, &o), CAIRN_NET_BAD_HANDLE);
	assert_int_equal(order(1, CAIRN_SO_STACK_TCP_SEND, l, 0, 0, "x", 1, &o),
			 CAIRN_NET_BAD_HANDLE);
	assert_int_equal(client(CAIRN_SO_STACK_UDP_RECVFROM, l, 0, &o), CAIRN_NET_BAD_HANDLE);
	assert_int_equal(order(1, CAIRN_SO_STACK_UDP_SENDTO, l, PEER_WORD, 9, "x", 1, &o),
			 CAIRN_NET_BAD_HANDLE);
	/* nothing there yet */
	assert_int_equal(client(CAIRN_SO_STACK_TCP_ACCEPT, l, 0, &o), CAIRN_NET_WOULD_BLOCK);
	assert_int_equal(client(CAIRN_SO_STACK_UDP_RECVFROM, u, 0, &o), CAIRN_NET_WOULD_BLOCK);
	/* words out of range */
	assert_int_equal(client(CAIRN_SO_STACK_TCP_LISTEN, 0, 0, &o), CAIRN_BAD_ARGUMENT);
	assert_int_equal(client(CAIRN_SO_STACK_TCP_LISTEN, 70000, 0, &o), CAIRN_BAD_ARGUMENT);
	assert_int_equal(client(CAIRN_SO_STACK_TCP_LISTEN, 81, 1000, &o), CAIRN_BAD_ARGUMENT);
	assert_int_equal(client(CAIRN_SO_STACK_UDP_BIND, 0, 0, &o), CAIRN_BAD_ARGUMENT);
	assert_int_equal(client(CAIRN_SO_STACK_TCP_CONNECT, 1ull << 32, 80, &o),
			 CAIRN_BAD_ARGUMENT);
	assert_int_equal(client(CAIRN_SO_STACK_TCP_CONNECT, PEER_WORD, 0, &o), CAIRN_BAD_ARGUMENT);
	assert_int_equal(order(1, CAIRN_SO_STACK_UDP_SENDTO, u, PEER_WORD, 1u << 16, "x", 1, &o),
			 CAIRN_BAD_ARGUMENT);
	assert_int_equal(order(1, CAIRN_SO_STACK_UDP_SENDTO, u, PEER_WORD, 9, outbuf,
			       SOCK_UDP_MAX + 1, &o),
			 CAIRN_BAD_ARGUMENT);
	/* the same port twice */
	assert_int_equal(client(CAIRN_SO_STACK_TCP_LISTEN, 8080, 0, &o), CAIRN_PORT_TAKEN);
	assert_int_equal(client(CAIRN_SO_STACK_UDP_BIND, 5353, 0, &o), CAIRN_PORT_TAKEN);
	/* strings too long: the kernel's bound, and a cut the server saw */
	assert_int_equal(order(1, CAIRN_SO_STACK_TCP_SEND, l, 0, 0, outbuf, CAIRN_MAX_STRING + 1,
			       &o),
			 CAIRN_STRING_TOO_LONG);
	struct serve_in in = {
		.order = CAIRN_SO_STACK_UDP_SENDTO,
		.badge = 1,
		.w = { u, PEER_WORD, 9 },
		.str = "x",
		.len = 1,
		.truncated = true,
	};
	o = (struct serve_out){ .str = outbuf };
	serve_order(&in, &o);
	assert_int_equal(o.result, CAIRN_STRING_TOO_LONG);
	/* a closed handle is free */
	assert_int_equal(client(CAIRN_SO_STACK_CLOSE, u, 0, &o), CAIRN_OK);
	assert_int_equal(client(CAIRN_SO_STACK_CLOSE, u, 0, &o), CAIRN_NET_BAD_HANDLE);
	assert_int_equal(client(CAIRN_SO_STACK_UDP_RECVFROM, u, 0, &o), CAIRN_NET_BAD_HANDLE);
}

static void test_wait_parking(void **state)
{
	(void)state;
	attach();
	struct serve_out o;
	uint64_t r, w;
	assert_int_equal(client(CAIRN_SO_STACK_UDP_BIND, 7007, 0, &o), CAIRN_OK);
	uint64_t u = o.w[0];
	/* a UDP socket is always writable: asked for, WAIT answers at once */
	assert_int_equal(client(CAIRN_SO_STACK_WAIT, 1ull << u, 0, &o), CAIRN_OK);
	assert_false(o.park);
	assert_int_equal(o.w[1], 1ull << u);
	assert_int_equal(o.w[0], 0);
	/* nothing readable: parked; a second WAIT displaces the first */
	assert_int_equal(client(CAIRN_SO_STACK_WAIT, 0, 0, &o), CAIRN_OK);
	assert_true(o.park);
	assert_false(o.displace);
	assert_false(serve_wake(&r, &w));
	assert_int_equal(client(CAIRN_SO_STACK_WAIT, 0, 0, &o), CAIRN_OK);
	assert_true(o.park);
	assert_true(o.displace);
	/* a datagram comes: the parked WAIT is to be answered */
	uint8_t d[8 + 4] = { 0x9c, 0x40, 0x1b, 0x5f, 0, 12, 0, 0, 'p', 'i', 'n', 'g' };
	uint8_t f[128];
	deliver(f, frame(f, 17, d, sizeof d, 6));
	assert_true(serve_wake(&r, &w));
	assert_int_equal(r, 1ull << u);
	assert_false(serve_wake(&r, &w)); /* answered once */
	/* readable, but the caller says it will not read it yet (w1): parked,
	 * and not woken by it; asked again without it, answered at once */
	assert_int_equal(client(CAIRN_SO_STACK_WAIT, 0, 1ull << u, &o), CAIRN_OK);
	assert_true(o.park);
	assert_false(serve_wake(&r, &w));
	assert_int_equal(client(CAIRN_SO_STACK_WAIT, 0, 0, &o), CAIRN_OK);
	assert_false(o.park);
	assert_int_equal(o.w[0], 1ull << u);
	/* the datagram */
	assert_int_equal(client(CAIRN_SO_STACK_UDP_RECVFROM, u, 0, &o), CAIRN_OK);
	assert_int_equal(o.len, 4);
	assert_memory_equal(outbuf, "ping", 4);
	assert_int_equal(o.w[1], PEER_WORD);
	assert_int_equal(o.w[2], 40000);
	assert_int_equal(o.w[3], 4);
}

static void test_udp(void **state)
{
	(void)state;
	attach();
	struct serve_out o;
	assert_int_equal(client(CAIRN_SO_STACK_UDP_BIND, 7008, 0, &o), CAIRN_OK);
	uint64_t u = o.w[0];
	uint8_t d[8 + 5] = { 0x9c, 0x41, 0x1b, 0x60, 0, 13, 0, 0, 'a', 'b', 'c', 'd', 'e' };
	uint8_t f[128];
	for (unsigned i = 0; i < SOCK_UDP_QUEUE + 3; i++) {
		d[8] = (uint8_t)('a' + i);
		deliver(f, frame(f, 17, d, sizeof d, 6));
	}
	assert_int_equal(client(CAIRN_SO_STACK_STATS, STACK_C_UDP_DROPS, 0, &o), CAIRN_OK);
	assert_int_equal(o.w[0], 3);
	/* a buffer smaller than the datagram: cut, its full length told */
	assert_int_equal(client(CAIRN_SO_STACK_UDP_RECVFROM, u, 2, &o), CAIRN_OK);
	assert_int_equal(o.len, 2);
	assert_memory_equal(outbuf, "ab", 2);
	assert_int_equal(o.w[3], 5);
	for (unsigned i = 1; i < SOCK_UDP_QUEUE; i++) {
		assert_int_equal(client(CAIRN_SO_STACK_UDP_RECVFROM, u, 0, &o), CAIRN_OK);
		assert_int_equal(outbuf[0], 'a' + i); /* in order */
	}
	assert_int_equal(client(CAIRN_SO_STACK_UDP_RECVFROM, u, 0, &o), CAIRN_NET_WOULD_BLOCK);
	/* and out */
	assert_int_equal(order(1, CAIRN_SO_STACK_UDP_SENDTO, u, PEER_WORD, 40001, "pong", 4, &o),
			 CAIRN_OK);
	assert_true(stack_netif_take_tx_pending(&port));
	struct enet_desc td = { 0 };
	assert_true(ipv4_out(&td));
	const uint8_t *ip = view.tx + td.offset + 14;
	assert_int_equal(ip[9], 17);
	assert_memory_equal(ip + 16, peer_ip, 4);
	assert_int_equal(get16(ip + 20), 7008);
	assert_int_equal(get16(ip + 22), 40001);
	assert_memory_equal(ip + 28, "pong", 4);
	assert_true(enet_client_put(view.ring[ENET_Q_TX_FREE], td.offset, 0));
}

/* SYN in, SYN-ACK out, ACK in: a connection to `port` from peer port
 * `peer`; returns the stack's initial sequence number + 1. */
static uint32_t handshake(uint16_t peer, uint16_t port, uint32_t iss)
{
	struct seg s;
	tcp_in(peer, port, iss, 0, SYN, NULL);
	assert_true(tcp_out(&s));
	assert_int_equal(s.flags & (SYN | ACK), SYN | ACK);
	assert_int_equal(s.ack, iss + 1);
	assert_int_equal(s.dport, peer);
	tcp_in(peer, port, iss + 1, s.seq + 1, ACK, NULL);
	return s.seq + 1;
}

static void test_tcp_exchange(void **state)
{
	(void)state;
	attach();
	struct serve_out o;
	struct seg s;
	assert_int_equal(client(CAIRN_SO_STACK_TCP_LISTEN, 8081, 0, &o), CAIRN_OK);
	uint64_t l = o.w[0];
	uint32_t my = handshake(40000, 8081, 1000);
	/* the listener is readable, the connection accepted */
	assert_int_equal(client(CAIRN_SO_STACK_WAIT, 0, 0, &o), CAIRN_OK);
	assert_int_equal(o.w[0], 1ull << l);
	assert_int_equal(client(CAIRN_SO_STACK_TCP_ACCEPT, l, 0, &o), CAIRN_OK);
	uint64_t c = o.w[0];
	assert_int_equal(o.w[1], PEER_WORD);
	assert_int_equal(o.w[2], 40000);
	assert_int_equal(client(CAIRN_SO_STACK_TCP_ACCEPT, l, 0, &o), CAIRN_NET_WOULD_BLOCK);
	assert_int_equal(client(CAIRN_SO_STACK_TCP_RECV, c, 0, &o), CAIRN_NET_WOULD_BLOCK);
	/* writable once established */
	assert_int_equal(client(CAIRN_SO_STACK_WAIT, 1ull << c, 0, &o), CAIRN_OK);
	assert_int_equal(o.w[1], 1ull << c);
	/* data in */
	tcp_in(40000, 8081, 1001, my, PSH | ACK, "hello stack");
	assert_int_equal(client(CAIRN_SO_STACK_WAIT, 0, 0, &o), CAIRN_OK);
	assert_int_equal(o.w[0], 1ull << c);
	assert_int_equal(client(CAIRN_SO_STACK_TCP_RECV, c, 5, &o), CAIRN_OK);
	assert_int_equal(o.len, 5);
	assert_memory_equal(outbuf, "hello", 5);
	assert_int_equal(client(CAIRN_SO_STACK_TCP_RECV, c, 0, &o), CAIRN_OK);
	assert_int_equal(o.len, 6);
	assert_memory_equal(outbuf, " stack", 6);
	assert_int_equal(client(CAIRN_SO_STACK_TCP_RECV, c, 0, &o), CAIRN_NET_WOULD_BLOCK);
	tx_drain(); /* the ACK of the data, if any went out yet */
	/* data out */
	assert_int_equal(order(1, CAIRN_SO_STACK_TCP_SEND, c, 0, 0, "reply!", 6, &o), CAIRN_OK);
	assert_int_equal(o.w[0], 6);
	assert_true(tcp_out(&s));
	assert_int_equal(s.len, 6);
	assert_memory_equal(s.data, "reply!", 6);
	assert_int_equal(s.seq, my);
	assert_int_equal(s.ack, 1012);
	/* FIN in: end of data */
	tcp_in(40000, 8081, 1012, my + 6, FIN | ACK, NULL);
	assert_int_equal(client(CAIRN_SO_STACK_WAIT, 0, 0, &o), CAIRN_OK);
	assert_int_equal(o.w[0], 1ull << c);
	assert_int_equal(client(CAIRN_SO_STACK_TCP_RECV, c, 0, &o), CAIRN_NET_CLOSED);
	tx_drain();
	/* CLOSE: our FIN */
	assert_int_equal(client(CAIRN_SO_STACK_CLOSE, c, 0, &o), CAIRN_OK);
	assert_true(tcp_out(&s));
	assert_true(s.flags & FIN);
	assert_int_equal(s.seq, my + 6);
	assert_int_equal(client(CAIRN_SO_STACK_TCP_RECV, c, 0, &o), CAIRN_NET_BAD_HANDLE);
	tcp_in(40000, 8081, 1013, my + 7, ACK, NULL);
	assert_false(tcp_out(&s));
}

static void test_tcp_reset_and_resume(void **state)
{
	(void)state;
	attach();
	struct serve_out o;
	assert_int_equal(client(CAIRN_SO_STACK_TCP_LISTEN, 8082, 0, &o), CAIRN_OK);
	uint64_t l = o.w[0];
	uint32_t my = handshake(41000, 8082, 5000);
	assert_int_equal(client(CAIRN_SO_STACK_TCP_ACCEPT, l, 0, &o), CAIRN_OK);
	uint64_t a = o.w[0];
	uint32_t myb = handshake(41001, 8082, 7000);
	assert_int_equal(client(CAIRN_SO_STACK_TCP_ACCEPT, l, 0, &o), CAIRN_OK);
	uint64_t b = o.w[0];
	/* RST on a: readable, NET_RESET, sending too */
	tcp_in(41000, 8082, 5001, my, RST | ACK, NULL);
	assert_int_equal(client(CAIRN_SO_STACK_WAIT, 0, 0, &o), CAIRN_OK);
	assert_int_equal(o.w[0], 1ull << a);
	assert_int_equal(client(CAIRN_SO_STACK_TCP_RECV, a, 0, &o), CAIRN_NET_RESET);
	assert_int_equal(order(1, CAIRN_SO_STACK_TCP_SEND, a, 0, 0, "x", 1, &o), CAIRN_NET_RESET);
	assert_int_equal(client(CAIRN_SO_STACK_CLOSE, a, 0, &o), CAIRN_OK);
	/* c, a third, lives through the new boot below */
	uint32_t myc = handshake(41002, 8082, 9000);
	assert_int_equal(client(CAIRN_SO_STACK_TCP_ACCEPT, l, 0, &o), CAIRN_OK);
	uint64_t c = o.w[0];
	tx_drain();
	/* a new boot: at the next message, whatever it is, b and c each send
	 * an empty ACK at their own sequence numbers */
	assert_int_equal(client(CAIRN_SO_STACK_WAIT, 0, 0, &o), CAIRN_OK);
	assert_true(o.park);
	struct serve_in in = { .order = CAIRN_SO_STACK_TICK, .badge = 0, .new_boot = true };
	o = (struct serve_out){ .str = outbuf };
	serve_order(&in, &o);
	struct seg s;
	bool probed_b = false, probed_c = false;
	while (tcp_out(&s)) {
		assert_int_equal(s.flags & (SYN | FIN | RST | ACK), ACK);
		assert_int_equal(s.len, 0);
		if (s.dport == 41001) {
			assert_int_equal(s.seq, myb);
			assert_int_equal(s.ack, 7001);
			probed_b = true;
		} else {
			assert_int_equal(s.dport, 41002);
			assert_int_equal(s.seq, myc);
			assert_int_equal(s.ack, 9001);
			probed_c = true;
		}
	}
	assert_true(probed_b && probed_c);
	assert_int_equal(client(CAIRN_SO_STACK_STATS, STACK_C_RESUME_PROBES, 0, &o), CAIRN_OK);
	assert_int_equal(o.w[0], 2);
	/* b's peer forgot it (slirp after a restart): its RST, numbered from
	 * the probe's acknowledgment, resets b */
	uint64_t r, w;
	assert_false(serve_wake(&r, &w));
	tcp_in(41001, 8082, 7001, 0, RST, NULL);
	assert_true(serve_wake(&r, &w));
	assert_int_equal(r, 1ull << b);
	assert_int_equal(client(CAIRN_SO_STACK_TCP_RECV, b, 0, &o), CAIRN_NET_RESET);
	/* c's peer kept it (a tap): it goes on both ways */
	tcp_in(41002, 8082, 9001, myc, PSH | ACK, "after");
	assert_int_equal(client(CAIRN_SO_STACK_TCP_RECV, c, 0, &o), CAIRN_OK);
	assert_int_equal(o.len, 5);
	assert_memory_equal(outbuf, "after", 5);
	tx_drain();
	assert_int_equal(order(1, CAIRN_SO_STACK_TCP_SEND, c, 0, 0, "on", 2, &o), CAIRN_OK);
	assert_true(tcp_out(&s));
	assert_int_equal(s.seq, myc);
	assert_int_equal(s.ack, 9006);
	assert_memory_equal(s.data, "on", 2);
	/* the listener lives on */
	assert_int_equal(client(CAIRN_SO_STACK_TCP_ACCEPT, l, 0, &o), CAIRN_NET_WOULD_BLOCK);
}

static void test_backlog(void **state)
{
	(void)state;
	attach();
	struct serve_out o;
	assert_int_equal(client(CAIRN_SO_STACK_TCP_LISTEN, 8083, 2, &o), CAIRN_OK);
	uint64_t l = o.w[0];
	handshake(42000, 8083, 100);
	handshake(42001, 8083, 200);
	/* a third: established by lwIP, then aborted (an RST out) */
	struct seg s;
	tcp_in(42002, 8083, 300, 0, SYN, NULL);
	assert_true(tcp_out(&s));
	tcp_in(42002, 8083, 301, s.seq + 1, ACK, NULL);
	assert_true(tcp_out(&s));
	assert_true(s.flags & RST);
	assert_int_equal(client(CAIRN_SO_STACK_STATS, STACK_C_ACCEPT_OVERFLOW, 0, &o), CAIRN_OK);
	assert_int_equal(o.w[0], 1);
	assert_int_equal(client(CAIRN_SO_STACK_TCP_ACCEPT, l, 0, &o), CAIRN_OK);
	assert_int_equal(o.w[2], 42000); /* oldest first */
	assert_int_equal(client(CAIRN_SO_STACK_TCP_ACCEPT, l, 0, &o), CAIRN_OK);
	assert_int_equal(o.w[2], 42001);
	assert_int_equal(client(CAIRN_SO_STACK_TCP_ACCEPT, l, 0, &o), CAIRN_NET_WOULD_BLOCK);
	/* closing the listener with one pending: it is aborted, its handle free */
	handshake(42003, 8083, 400);
	unsigned before = 0, after = 0;
	for (unsigned h = 0; h < SOCK_HANDLES; h++)
		before += sock_get(h)->kind != SOCK_FREE;
	assert_int_equal(client(CAIRN_SO_STACK_CLOSE, l, 0, &o), CAIRN_OK);
	for (unsigned h = 0; h < SOCK_HANDLES; h++)
		after += sock_get(h)->kind != SOCK_FREE;
	assert_int_equal(after, before - 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_before_attach, setup, teardown),
		cmocka_unit_test_setup_teardown(test_badges, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_handles, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wait_parking, setup, teardown),
		cmocka_unit_test_setup_teardown(test_udp, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tcp_exchange, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tcp_reset_and_resume, setup, teardown),
		cmocka_unit_test_setup_teardown(test_backlog, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
