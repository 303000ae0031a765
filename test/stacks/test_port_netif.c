/* SPDX-License-Identifier: MIT */
/*
 * stacks/port/stack_netif.c against the real lwIP (natively built), with
 * the test playing enet over a view in plain memory (port_enet.h) whose
 * receive region is read-only, as in a session (so a write by lwIP into a
 * frame passed by reference faults: TCP by reference does, in tcp_input):
 *  - init posts every receive buffer and announces itself (gratuitous ARP);
 *  - a TCP SYN to a listening raw pcb gets its SYN-ACK on TX_ACTIVE, with
 *    the right addresses, ports, flags and checksums, to the MAC learned
 *    from the SYN (enet keeps ARP replies); its buffer is re-posted at once;
 *  - a SYN from off the link is answered through the gateway's MAC; the
 *    learned entries are bounded and the gateway's place is kept;
 *  - data on an accepted connection is copied (the buffer re-posted at
 *    once while the receiver holds the pbuf) and acknowledged;
 *  - a UDP datagram goes up by reference and its buffer comes back on
 *    RX_FREE only when the receiver frees the pbuf; at most half of the
 *    buffers are held so, later datagrams are copied;
 *  - an ARP reply resolves a neighbour and releases the queued datagram;
 *  - malformed frames and descriptors are dropped and counted, their
 *    buffers re-posted when they are ours;
 *  - with no free transmit buffer a frame is refused and counted, and
 *    nothing is written outside the view; a TCP segment so refused is sent
 *    once buffers come back, without waiting for an ACK or a timer.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lwip/etharp.h"
#include "lwip/init.h"
#include "lwip/tcp.h"
#include "lwip/timeouts.h"
#include "lwip/udp.h"
#include "port_enet.h"
#include "port_frames.h"
#include "stack_clock.h"
#include "stack_netif.h"

#define HELD_MAX 32

static struct stack_netif sn;
static struct tcp_pcb *listener, *accepted;
static struct udp_pcb *udp;
static struct pbuf *held[HELD_MAX]; /* pbufs the UDP receiver keeps */
static unsigned nheld;
static struct pbuf *tcp_held; /* what the TCP receiver keeps */
static uint8_t f[ENET_VIEW_BUF], out[ENET_VIEW_BUF];

static ip4_addr_t addr4(const uint8_t b[4])
{
	ip4_addr_t a;
	IP4_ADDR(&a, b[0], b[1], b[2], b[3]);
	return a;
}

static int group_setup(void **state)
{
	(void)state;
	stack_clock_update(1000000);
	lwip_init();
	return 0;
}

static int setup(void **state)
{
	(void)state;
	port_enet_reset();
	ip4_addr_t ip = addr4(port_our_ip), gw = addr4(port_gw_ip), mask;
	IP4_ADDR(&mask, 255, 255, 255, 0);
	assert_true(stack_netif_init(&sn, &port_view, ENET_RX_BUFFERS, port_our_mac, &ip, &mask,
				     &gw));
	listener = accepted = NULL;
	tcp_held = NULL;
	udp = NULL;
	nheld = 0;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	for (unsigned i = 0; i < nheld; i++)
		pbuf_free(held[i]);
	if (tcp_held)
		pbuf_free(tcp_held);
	if (accepted)
		tcp_abort(accepted);
	if (listener)
		tcp_close(listener);
	if (udp)
		udp_remove(udp);
	netif_remove(&sn.netif); /* aborts the pcbs left and empties the ARP table */
	return 0;
}

/* The UDP receiver keeps every pbuf (a client slow to read). */
static void keep(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *a, u16_t port)
{
	(void)arg;
	(void)pcb;
	(void)a;
	(void)port;
	assert_true(nheld < HELD_MAX);
	held[nheld++] = p;
}

static void bind_udp(uint16_t port)
{
	udp = udp_new();
	assert_non_null(udp);
	assert_int_equal(udp_bind(udp, IP_ADDR_ANY, port), ERR_OK);
	udp_recv(udp, keep, NULL);
}

static err_t on_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
	(void)arg;
	(void)pcb;
	assert_int_equal(err, ERR_OK);
	assert_null(tcp_held);
	tcp_held = p;
	return ERR_OK;
}

static err_t on_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
	(void)arg;
	assert_int_equal(err, ERR_OK);
	accepted = pcb;
	tcp_recv(pcb, on_recv);
	return ERR_OK;
}

static void listen80(void)
{
	struct tcp_pcb *pcb = tcp_new();
	assert_non_null(pcb);
	assert_int_equal(tcp_bind(pcb, IP_ADDR_ANY, 80), ERR_OK);
	listener = tcp_listen(pcb);
	assert_non_null(listener);
	tcp_accept(listener, on_accept);
}

static bool in_rx_region(const void *p)
{
	const uint8_t *b = p;
	return b >= port_view.rx && b < port_view.rx + ENET_VIEW_RX_BUFS * ENET_VIEW_BUF;
}

static void init_posts_and_announces(void **state)
{
	(void)state;
	assert_int_equal(port_ring_count(ENET_Q_RX_FREE), ENET_VIEW_RX_BUFS);
	for (uint32_t i = 0; i < ENET_VIEW_RX_BUFS; i++)
		assert_int_equal(port_view.ring[ENET_Q_RX_FREE]->desc[i].offset, i * ENET_VIEW_BUF);
	assert_int_equal(sn.tx_nfree + port_ring_count(ENET_Q_TX_ACTIVE), ENET_VIEW_TX_BUFS);
	/* netif up: one gratuitous ARP (RFC 5227) in our name */
	assert_true(stack_netif_take_tx_pending(&sn));
	assert_false(stack_netif_take_tx_pending(&sn));
	uint32_t n = port_enet_take_tx(out, true);
	assert_int_equal(n, 60);
	assert_int_equal(port_be16(out + 12), 0x0806);
	assert_memory_equal(out + 6, port_our_mac, 6);
	assert_memory_equal(out + 14 + 8, port_our_mac, 6);
	assert_memory_equal(out + 14 + 14, port_our_ip, 4);
	assert_int_equal(port_enet_take_tx(out, true), 0);
	assert_true(port_enet_guard_intact());
}

/* The SYN-ACK for a SYN (sport -> 80, seq) from sip via smac. */
static uint32_t check_synack(const uint8_t *dmac, const uint8_t *dip, uint16_t dport, uint32_t seq)
{
	assert_true(stack_netif_take_tx_pending(&sn));
	uint32_t n = port_enet_take_tx(out, true);
	assert_true(n >= 60);
	assert_memory_equal(out, dmac, 6);
	assert_memory_equal(out + 6, port_our_mac, 6);
	assert_int_equal(port_be16(out + 12), 0x0800);
	const uint8_t *ip = out + 14, *t = out + 34;
	assert_int_equal(ip[9], 6);
	assert_memory_equal(ip + 12, port_our_ip, 4);
	assert_memory_equal(ip + 16, dip, 4);
	assert_true(port_ip_checksum_ok(out));
	assert_int_equal(port_be16(t), 80);
	assert_int_equal(port_be16(t + 2), dport);
	assert_int_equal(t[13] & 0x3f, PORT_TCP_SYN | PORT_TCP_ACK);
	assert_int_equal(port_be32(t + 8), seq + 1);
	assert_true(port_l4_checksum_ok(out));
	/* lwIP offers our MSS (RFC 793 option 2): TCP_MSS */
	assert_int_equal(t[20], 2);
	assert_int_equal(port_be16(t + 22), TCP_MSS);
	uint32_t iss = port_be32(t + 4);
	assert_int_equal(port_enet_take_tx(out, true), 0);
	return iss;
}

static void syn_gets_synack(void **state)
{
	(void)state;
	listen80();
	port_enet_drain_tx();
	uint32_t n = port_frame_tcp(f, port_gw_mac, port_gw_ip, 40000, 80, 1000, 0, PORT_TCP_SYN);
	assert_int_not_equal(port_enet_deliver(f, n), UINT64_MAX);
	assert_int_equal(port_ring_count(ENET_Q_RX_FREE), ENET_VIEW_RX_BUFS - 1);
	assert_int_equal(stack_netif_poll(&sn), 1);
	/* TCP is copied and its buffer given back at once */
	assert_int_equal(port_ring_count(ENET_Q_RX_FREE), ENET_VIEW_RX_BUFS);
	assert_int_equal(sn.stats.rx_copied, 1);
	assert_int_equal(sn.stats.rx_by_ref, 0);
	check_synack(port_gw_mac, port_gw_ip, 40000, 1000);
	/* no ARP request went out: the gateway was learned from the SYN */
	assert_int_equal(sn.stats.arp_learned, 1);
	assert_int_equal(sn.stats.frames_in, 1);
}

static void offlink_syn_answered_via_gateway(void **state)
{
	(void)state;
	static const uint8_t far_ip[4] = { 93, 184, 216, 34 };
	listen80();
	port_enet_drain_tx();
	uint32_t n = port_frame_tcp(f, port_gw_mac, far_ip, 50000, 80, 77, 0, PORT_TCP_SYN);
	port_enet_deliver(f, n);
	stack_netif_poll(&sn);
	check_synack(port_gw_mac, far_ip, 50000, 77);
	struct eth_addr *mac;
	const ip4_addr_t *ip;
	ip4_addr_t gw = addr4(port_gw_ip);
	assert_true(etharp_find_addr(&sn.netif, &gw, &mac, &ip) >= 0);
	assert_memory_equal(mac->addr, port_gw_mac, 6);
}

/* A connection from 10.0.2.2:40000 (its ISN 1000) accepted on port 80.
 * Returns our ISN. */
static uint32_t connect80(void)
{
	listen80();
	port_enet_drain_tx();
	uint32_t n = port_frame_tcp(f, port_gw_mac, port_gw_ip, 40000, 80, 1000, 0, PORT_TCP_SYN);
	port_enet_deliver(f, n);
	stack_netif_poll(&sn);
	uint32_t iss = check_synack(port_gw_mac, port_gw_ip, 40000, 1000);
	n = port_frame_tcp(f, port_gw_mac, port_gw_ip, 40000, 80, 1001, iss + 1, PORT_TCP_ACK);
	port_enet_deliver(f, n);
	stack_netif_poll(&sn);
	assert_non_null(accepted);
	return iss;
}

static void tcp_data_copied_and_acked(void **state)
{
	(void)state;
	uint32_t iss = connect80(), n;
	static const uint8_t req[] = "GET / HTTP/1.1\r\n\r\n";
	n = port_frame_tcp_data(f, port_gw_mac, port_gw_ip, 40000, 80, 1001, iss + 1,
				PORT_TCP_ACK | 0x08, req, sizeof req - 1);
	port_enet_deliver(f, n);
	stack_netif_poll(&sn);
	assert_non_null(tcp_held);
	assert_int_equal(tcp_held->tot_len, sizeof req - 1);
	assert_memory_equal(tcp_held->payload, req, sizeof req - 1);
	/* a copy: the receiver still holds it, its buffer is enet's again */
	assert_false(in_rx_region(tcp_held->payload));
	assert_int_equal(port_ring_count(ENET_Q_RX_FREE), ENET_VIEW_RX_BUFS);
	assert_int_equal(sn.stats.rx_by_ref, 0);
	assert_int_equal(sn.stats.rx_copied, 3);
	/* the receiver consumes it; lwIP acknowledges the data when its delayed
	 * ACK falls due, on the fast timer (250 ms) run by sys_check_timeouts
	 * from sys_now */
	tcp_recved(accepted, tcp_held->tot_len);
	stack_clock_update(stack_clock.last_raw_us + 300000);
	sys_check_timeouts();
	uint32_t ack = 0;
	while ((n = port_enet_take_tx(out, true)) != 0) {
		assert_true(port_l4_checksum_ok(out));
		ack = port_be32(out + 34 + 8);
	}
	assert_int_equal(ack, 1001 + sizeof req - 1);
}

static void learning_keeps_the_gateway(void **state)
{
	(void)state;
	bind_udp(7007);
	uint8_t ip[4] = { 10, 0, 2, 20 }, mac[6] = { 0x52, 0x55, 0, 0, 0, 0 };
	for (uint8_t k = 0; k < 6; k++) { /* six hosts on the link */
		ip[3] = (uint8_t)(20 + k);
		mac[5] = ip[3];
		uint32_t n = port_frame_udp(f, mac, ip, 1, 7007, (const uint8_t *)"n", 1);
		port_enet_deliver(f, n);
	}
	stack_netif_poll(&sn);
	assert_int_equal(sn.stats.arp_learned, STACK_ARP_LEARNED - 1);
	assert_int_equal(sn.stats.arp_learn_full, 6 - (STACK_ARP_LEARNED - 1));
	/* the gateway still finds its place */
	uint32_t n = port_frame_udp(f, port_gw_mac, port_gw_ip, 1, 7007, (const uint8_t *)"g", 1);
	port_enet_deliver(f, n);
	port_enet_deliver(f, n); /* again: nothing new */
	stack_netif_poll(&sn);
	assert_int_equal(sn.stats.arp_learned, STACK_ARP_LEARNED);
	struct eth_addr *m;
	const ip4_addr_t *found;
	ip4_addr_t gw = addr4(port_gw_ip), first;
	IP4_ADDR(&first, 10, 0, 2, 20);
	assert_true(etharp_find_addr(&sn.netif, &gw, &m, &found) >= 0);
	assert_memory_equal(m->addr, port_gw_mac, 6);
	assert_true(etharp_find_addr(&sn.netif, &first, &m, &found) >= 0);
	assert_int_equal(m->addr[5], 20);
	/* a changed MAC replaces the entry */
	n = port_frame_udp(f, port_peer_mac, port_gw_ip, 1, 7007, (const uint8_t *)"g", 1);
	port_enet_deliver(f, n);
	stack_netif_poll(&sn);
	assert_int_equal(sn.stats.arp_learned, STACK_ARP_LEARNED + 1);
	assert_true(etharp_find_addr(&sn.netif, &gw, &m, &found) >= 0);
	assert_memory_equal(m->addr, port_peer_mac, 6);
}

static void udp_by_reference_until_freed(void **state)
{
	(void)state;
	bind_udp(7007);
	static const uint8_t data[] = "hello, stack";
	uint32_t n = port_frame_udp(f, port_gw_mac, port_gw_ip, 33333, 7007, data, sizeof data);
	uint64_t off = port_enet_deliver(f, n);
	assert_int_equal(stack_netif_poll(&sn), 1);
	assert_int_equal(nheld, 1);
	struct pbuf *p = held[0];
	assert_int_equal(p->tot_len, sizeof data);
	assert_memory_equal(p->payload, data, sizeof data);
	assert_true(in_rx_region(p->payload)); /* by reference, into the buffer */
	assert_ptr_equal((uint8_t *)p->payload - 42, port_view.rx + off);
	assert_int_equal(sn.stats.rx_by_ref, 1);
	/* held: not re-posted yet */
	assert_int_equal(port_ring_count(ENET_Q_RX_FREE), ENET_VIEW_RX_BUFS - 1);
	pbuf_free(p);
	nheld = 0;
	assert_int_equal(port_ring_count(ENET_Q_RX_FREE), ENET_VIEW_RX_BUFS);
	const struct enet_ring *r = port_view.ring[ENET_Q_RX_FREE];
	assert_int_equal(r->desc[(r->tail - 1) % ENET_VIEW_RING_CAP].offset, off);
	assert_int_equal(sn.rx_held, 0);
}

static void by_reference_is_bounded(void **state)
{
	(void)state;
	bind_udp(7007);
	uint8_t data[4];
	const unsigned total = (ENET_VIEW_RX_BUFS / 2u) + 4;
	for (unsigned i = 0; i < total; i++) {
		memcpy(data, &i, sizeof data);
		uint32_t n = port_frame_udp(f, port_gw_mac, port_gw_ip, 33333, 7007, data, 4);
		assert_int_not_equal(port_enet_deliver(f, n), UINT64_MAX);
	}
	assert_int_equal(stack_netif_poll(&sn), total);
	assert_int_equal(nheld, total);
	assert_int_equal(sn.stats.rx_by_ref, (ENET_VIEW_RX_BUFS / 2u));
	assert_int_equal(sn.stats.rx_copied, 4);
	for (unsigned i = 0; i < total; i++) {
		assert_memory_equal(held[i]->payload, &i, 4);
		assert_int_equal(in_rx_region(held[i]->payload), i < (ENET_VIEW_RX_BUFS / 2u));
	}
	/* the copied ones' buffers are enet's again, the held ones' not */
	assert_int_equal(port_ring_count(ENET_Q_RX_FREE),
			 ENET_VIEW_RX_BUFS - (ENET_VIEW_RX_BUFS / 2u));
	pbuf_free(held[0]);
	held[0] = held[--nheld];
	assert_int_equal(port_ring_count(ENET_Q_RX_FREE),
			 ENET_VIEW_RX_BUFS - (ENET_VIEW_RX_BUFS / 2u) + 1);
	/* a slot is free again: the next datagram goes by reference */
	uint32_t n = port_frame_udp(f, port_gw_mac, port_gw_ip, 33333, 7007, data, 4);
	port_enet_deliver(f, n);
	stack_netif_poll(&sn);
	assert_int_equal(sn.stats.rx_by_ref, (ENET_VIEW_RX_BUFS / 2u) + 1);
	assert_true(in_rx_region(held[nheld - 1]->payload));
}

static void arp_reply_resolves_neighbour(void **state)
{
	(void)state;
	bind_udp(7007);
	port_enet_drain_tx();
	ip_addr_t peer;
	ip_addr_copy_from_ip4(peer, addr4(port_peer_ip));
	struct pbuf *p = pbuf_alloc(PBUF_TRANSPORT, 5, PBUF_RAM);
	assert_non_null(p);
	pbuf_take(p, "ping!", 5);
	assert_int_equal(udp_sendto(udp, p, &peer, 9999), ERR_OK); /* queued behind ARP */
	pbuf_free(p);
	uint32_t n = port_enet_take_tx(out, true);
	assert_int_equal(n, 60);
	assert_int_equal(port_be16(out + 12), 0x0806);
	assert_int_equal(port_be16(out + 14 + 6), 1); /* a request */
	assert_memory_equal(out + 14 + 24, port_peer_ip, 4);
	assert_int_equal(port_enet_take_tx(out, true), 0);
	n = port_frame_arp(f, 2, port_peer_mac, port_peer_ip, port_our_mac, port_our_ip);
	port_enet_deliver(f, n);
	stack_netif_poll(&sn);
	assert_int_equal(port_ring_count(ENET_Q_RX_FREE), ENET_VIEW_RX_BUFS);
	n = port_enet_take_tx(out, true);
	assert_true(n >= 60);
	assert_memory_equal(out, port_peer_mac, 6);
	assert_int_equal(out[14 + 9], 17);
	assert_memory_equal(out + 14 + 16, port_peer_ip, 4);
	assert_int_equal(port_be16(out + 36), 9999);
	assert_memory_equal(out + 42, "ping!", 5);
	assert_true(port_l4_checksum_ok(out));
}

static void malformed_frames_dropped(void **state)
{
	(void)state;
	bind_udp(7007);
	listen80();
	port_enet_drain_tx();
	/* shorter than an Ethernet header */
	memset(f, 0, sizeof f);
	port_enet_deliver(f, 10);
	/* an IPv4 header cut short, claiming UDP: goes by reference, lwIP drops it */
	uint32_t n = port_frame_udp(f, port_gw_mac, port_gw_ip, 1, 7007, (const uint8_t *)"x", 1);
	port_enet_deliver(f, 14 + 20);
	/* a UDP datagram with a bad checksum */
	n = port_frame_udp(f, port_gw_mac, port_gw_ip, 1, 7007, (const uint8_t *)"bad", 3);
	f[42] ^= 0xff;
	port_enet_deliver(f, n);
	/* a TCP segment whose data offset lies */
	n = port_frame_tcp(f, port_gw_mac, port_gw_ip, 40000, 80, 1, 0, PORT_TCP_SYN);
	f[46] = 0xf0;
	port_enet_deliver(f, n);
	/* another ethertype */
	n = port_frame_tcp(f, port_gw_mac, port_gw_ip, 40000, 80, 1, 0, PORT_TCP_SYN);
	f[12] = 0x86;
	f[13] = 0xdd;
	port_enet_deliver(f, n);
	/* descriptors that are not buffers: misaligned, out of the region, too long */
	port_enet_deliver_desc(100, 60);
	port_enet_deliver_desc(ENET_VIEW_RX_BUFS * ENET_VIEW_BUF, 60);
	assert_int_equal(port_ring_count(ENET_Q_RX_FREE), ENET_VIEW_RX_BUFS - 5);
	assert_int_equal(stack_netif_poll(&sn), 7);
	assert_int_equal(nheld, 0);
	assert_int_equal(sn.stats.rx_bad_desc, 3);
	/* every buffer that was one is enet's again, none twice */
	assert_int_equal(port_ring_count(ENET_Q_RX_FREE), ENET_VIEW_RX_BUFS);
	assert_int_equal(sn.rx_held, 0);
	assert_int_equal(port_enet_take_tx(out, true), 0);
	assert_null(accepted);
	/* and the stack still works */
	n = port_frame_udp(f, port_gw_mac, port_gw_ip, 1, 7007, (const uint8_t *)"ok", 2);
	port_enet_deliver(f, n);
	stack_netif_poll(&sn);
	assert_int_equal(nheld, 1);
}

static void tx_without_buffer_refused(void **state)
{
	(void)state;
	bind_udp(7007);
	/* the gateway is known (learned from a datagram) */
	uint32_t n = port_frame_udp(f, port_gw_mac, port_gw_ip, 5, 7007, (const uint8_t *)"hi", 2);
	port_enet_deliver(f, n);
	stack_netif_poll(&sn);
	port_enet_drain_tx();
	ip_addr_t gw;
	ip_addr_copy_from_ip4(gw, addr4(port_gw_ip));
	uint8_t big[1400];
	memset(big, 0x5a, sizeof big);
	for (unsigned i = 0; i <= ENET_VIEW_TX_BUFS; i++) {
		struct pbuf *p = pbuf_alloc(PBUF_TRANSPORT, sizeof big, PBUF_RAM);
		assert_non_null(p);
		pbuf_take(p, big, sizeof big);
		err_t e = udp_sendto(udp, p, &gw, 5);
		pbuf_free(p);
		assert_int_equal(e, i < ENET_VIEW_TX_BUFS ? ERR_OK : ERR_MEM);
	}
	assert_int_equal(sn.stats.tx_no_buffer, 1);
	assert_int_equal(port_ring_count(ENET_Q_TX_ACTIVE), ENET_VIEW_TX_BUFS);
	assert_true(port_enet_guard_intact());
	/* each queued frame in its own buffer, inside the region */
	const struct enet_ring *r = port_view.ring[ENET_Q_TX_ACTIVE];
	uint32_t seen = 0;
	for (uint32_t i = r->head; i != r->tail; i++) {
		uint64_t off = r->desc[i % ENET_VIEW_RING_CAP].offset;
		assert_true(off % ENET_VIEW_BUF == ENET_TX_HEADROOM &&
			    off < ENET_VIEW_TX_BUFS * ENET_VIEW_BUF);
		assert_int_equal(seen & (1u << (off / ENET_VIEW_BUF)), 0);
		seen |= 1u << (off / ENET_VIEW_BUF);
		assert_int_equal(r->desc[i % ENET_VIEW_RING_CAP].len, 42 + sizeof big);
	}
	/* one buffer back on TX_FREE: the next send goes out */
	port_enet_take_tx(out, true);
	struct pbuf *p = pbuf_alloc(PBUF_TRANSPORT, 3, PBUF_RAM);
	pbuf_take(p, "end", 3);
	assert_int_equal(udp_sendto(udp, p, &gw, 5), ERR_OK);
	pbuf_free(p);
	assert_int_equal(port_ring_count(ENET_Q_TX_ACTIVE), ENET_VIEW_TX_BUFS);
	assert_int_equal(sn.stats.tx_no_buffer, 1);
}

static void tcp_refused_segment_retried(void **state)
{
	(void)state;
	uint32_t iss = connect80();
	bind_udp(7007);
	ip_addr_t gw;
	ip_addr_copy_from_ip4(gw, addr4(port_gw_ip));
	/* enet holds all but one transmit buffer */
	for (unsigned i = 0; i + 1 < ENET_VIEW_TX_BUFS; i++) {
		struct pbuf *p = pbuf_alloc(PBUF_TRANSPORT, 1, PBUF_RAM);
		pbuf_take(p, "u", 1);
		assert_int_equal(udp_sendto(udp, p, &gw, 5), ERR_OK);
		pbuf_free(p);
	}
	/* three segments (lwIP's initial window, RFC 3390): one goes out */
	static uint8_t data[3 * TCP_MSS];
	memset(data, 'd', sizeof data);
	assert_int_equal(tcp_write(accepted, data, sizeof data, TCP_WRITE_FLAG_COPY), ERR_OK);
	tcp_output(accepted);
	assert_int_equal(port_ring_count(ENET_Q_TX_ACTIVE), ENET_VIEW_TX_BUFS);
	assert_true(sn.stats.tx_no_buffer >= 1);
	port_enet_drain_tx(); /* enet sends them all and gives the buffers back */
	/* nothing received: the retry alone sends the two segments kept */
	assert_int_equal(stack_netif_poll(&sn), 0);
	uint32_t seqs[2], k = 0, n;
	while ((n = port_enet_take_tx(out, true)) != 0) {
		assert_true(k < 2);
		assert_int_equal(n, 14 + 20 + 20 + TCP_MSS);
		seqs[k++] = port_be32(out + 34 + 4);
	}
	assert_int_equal(k, 2);
	assert_int_equal(seqs[0], iss + 1 + TCP_MSS);
	assert_int_equal(seqs[1], iss + 1 + 2 * TCP_MSS);
}

static void stat_names_complete(void **state)
{
	(void)state;
	for (unsigned i = 0; i < STACK_PORT_STAT_COUNT; i++)
		assert_non_null(stack_port_stat_names[i]);
	assert_string_equal(stack_port_stat_names[STACK_PORT_STAT_tx_no_buffer], "tx_no_buffer");
	sn.stats.rx_by_ref = 42;
	assert_int_equal(stack_port_stat_get(&sn.stats, STACK_PORT_STAT_rx_by_ref), 42);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(init_posts_and_announces, setup, teardown),
		cmocka_unit_test_setup_teardown(syn_gets_synack, setup, teardown),
		cmocka_unit_test_setup_teardown(offlink_syn_answered_via_gateway, setup, teardown),
		cmocka_unit_test_setup_teardown(tcp_data_copied_and_acked, setup, teardown),
		cmocka_unit_test_setup_teardown(learning_keeps_the_gateway, setup, teardown),
		cmocka_unit_test_setup_teardown(udp_by_reference_until_freed, setup, teardown),
		cmocka_unit_test_setup_teardown(by_reference_is_bounded, setup, teardown),
		cmocka_unit_test_setup_teardown(arp_reply_resolves_neighbour, setup, teardown),
		cmocka_unit_test_setup_teardown(malformed_frames_dropped, setup, teardown),
		cmocka_unit_test_setup_teardown(tx_without_buffer_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(tcp_refused_segment_retried, setup, teardown),
		cmocka_unit_test_setup_teardown(stat_names_complete, setup, teardown),
	};
	return cmocka_run_group_tests(tests, group_setup, NULL);
}
