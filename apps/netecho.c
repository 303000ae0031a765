/* SPDX-License-Identifier: MIT */
/*
 * netecho: the first raw client of enet (docs/network.md "The session
 * protocol"). It makes a sub-bank of its own bank for its session's
 * storage, attaches (enet buys the buffers from that sub-bank and hands
 * back the session's view), maps the view, binds one UDP port (the
 * image's arg), and answers every datagram to that port with the same
 * bytes, building the reply frame itself: Ethernet addresses swapped, a
 * fresh IPv4 header with its checksum (RFC 791 §3.1), UDP ports swapped
 * and the checksum over the pseudo-header (RFC 768), the payload copied
 * byte for byte. enet answers ARP for the guest's address, so the host's
 * `nc -u 127.0.0.1 PORT` (QEMU user networking, hostfwd) sees its
 * datagram come back (test/qemu/test_enet.py).
 *
 * The queues (virtio-net/proto/client.h): every receive buffer is posted
 * on RX_FREE at the start; each RECV returns when RX_ACTIVE holds frames,
 * each is read where enet put it (read-only to netecho), echoed into a
 * transmit buffer queued on TX_ACTIVE, and its receive buffer posted
 * again; one SEND then sends them all. Transmit buffers come back on
 * TX_FREE.
 *
 * Lines: "netecho: listening on udp PORT at A.B.C.D" once attached,
 * "netecho: echoed N bytes to A.B.C.D:P" per datagram; "netecho: no
 * network: NO_DEVICE" (then it stops) when the machine has no NIC;
 * "netecho: FAIL <what>: <RESULT>" when enet refuses what it should not.
 *
 * Capability registers (apps/enet.image): 1 console, 2 sleep, 3 a start
 * key to enet (its session's badge), 4 a start key to its bank, 5 its own
 * domain key; 6..9 scratch.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "bank.h"
#include "cairn.h"
#include "classify.h"
#include "client.h"

enum {
	CAP_ENET = 3,
	CAP_BANK = 4,
	CAP_SELF = 5,
	CAP_SUBBANK = 6, /* the session's storage */
	CAP_INSPECT = 7,
	CAP_VIEW = 8,
	CAP_SPACE = 9,
};

#define VIEW_SLOT 16 /* of its top space node: the view at 64 MiB */
#define VIEW_VA   ((uint8_t *)(uintptr_t)(VIEW_SLOT * (4ull << 20)))
#define IP_HDR    20

static uint8_t mac[6], ip[4];
static uint16_t port;
static struct enet_view view;
static uint64_t tx_free[ENET_VIEW_TX_BUFS]; /* offsets of transmit buffers it holds */
static uint32_t tx_nfree;

static uint64_t enet(uint64_t order, uint64_t w0, uint64_t w1, cap_t key, struct cairn_reply *rep)
{
	const struct cairn_msg m = { .order = order, .w = { w0, w1 }, .keys = { key } };
	const struct cairn_rcv r = { .keys = { CAP_VIEW } };
	return cairn_call(CAP_ENET, &m, &r, rep);
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* One's-complement sum of two parts, the first of even length. */
static uint16_t sum2(const uint8_t *a, uint32_t na, const uint8_t *b, uint32_t nb)
{
	uint32_t s = (uint32_t)enet_ones_sum(a, na) + enet_ones_sum(b, nb);
	return (uint16_t)((s & 0xffff) + (s >> 16));
}

/* The echo of the UDP datagram in in[0..len), into out; its length, or 0
 * if in is not IPv4/UDP to our port (enet checked; we check again). */
static uint32_t build_echo(const uint8_t *in, uint32_t len, uint8_t *out)
{
	const uint8_t *iph = in + ENET_ETH_HDR;
	if (len < ENET_ETH_HDR + IP_HDR + ENET_UDP_HDR || get16(in + 12) != ENET_ETHERTYPE_IPV4 ||
	    iph[9] != ENET_PROTO_UDP)
		return 0;
	uint32_t ihl = (iph[0] & 0xfu) * 4u;
	const uint8_t *udp = iph + ihl;
	if (ENET_ETH_HDR + ihl + ENET_UDP_HDR > len || get16(udp + 2) != port)
		return 0;
	uint32_t ulen = get16(udp + 4);
	if (ulen < ENET_UDP_HDR || ENET_ETH_HDR + ihl + ulen > len)
		return 0;
	uint8_t *e = out, *o = out + ENET_ETH_HDR, *u = o + IP_HDR;
	memcpy(e, in + 6, 6); /* back to whoever sent it (the router, for slirp) */
	memcpy(e + 6, mac, 6);
	put16(e + 12, ENET_ETHERTYPE_IPV4);
	memset(o, 0, IP_HDR);
	o[0] = 0x45;
	put16(o + 2, (uint16_t)(IP_HDR + ulen));
	memcpy(o + 4, iph + 4, 2); /* the same identification */
	put16(o + 6, 0x4000);      /* don't fragment */
	o[8] = 64;
	o[9] = ENET_PROTO_UDP;
	memcpy(o + 12, ip, 4);
	memcpy(o + 16, iph + 12, 4);
	put16(o + 10, (uint16_t)~enet_ones_sum(o, IP_HDR));
	put16(u, port);
	memcpy(u + 2, udp, 2);
	put16(u + 4, (uint16_t)ulen);
	put16(u + 6, 0);
	memcpy(u + ENET_UDP_HDR, udp + ENET_UDP_HDR, ulen - ENET_UDP_HDR);
	uint8_t pseudo[12];
	memcpy(pseudo, o + 12, 8);
	pseudo[8] = 0;
	pseudo[9] = ENET_PROTO_UDP;
	put16(pseudo + 10, (uint16_t)ulen);
	uint16_t c = (uint16_t)~sum2(pseudo, sizeof pseudo, u, ulen);
	put16(u + 6, c ? c : 0xffff); /* 0 means "no checksum" (RFC 768) */
	return ENET_ETH_HDR + IP_HDR + ulen;
}

static void report(const uint8_t *out, uint32_t n)
{
	const uint8_t *peer = out + ENET_ETH_HDR + 16;
	printf("echoed %u bytes to %u.%u.%u.%u:%u\n", n - ENET_ETH_HDR - IP_HDR - ENET_UDP_HDR,
	       peer[0], peer[1], peer[2], peer[3], get16(out + ENET_ETH_HDR + IP_HDR + 2));
}

/* Transmit buffers enet has sent from, back in the free list. */
static void reclaim_tx(void)
{
	struct enet_desc d;
	while (tx_nfree < ENET_VIEW_TX_BUFS && enet_client_get(view.ring[ENET_Q_TX_FREE], &d))
		tx_free[tx_nfree++] = d.offset;
}

/* One frame of RX_ACTIVE echoed (if it is a datagram for us and a
 * transmit buffer is free), its receive buffer posted again. */
static bool echo_frame(const struct enet_desc *d)
{
	bool queued = false;
	reclaim_tx();
	if (d->len <= ENET_FRAME_MAX &&
	    d->offset <= ENET_VIEW_RX_BUFS * ENET_VIEW_BUF - ENET_VIEW_BUF && tx_nfree > 0) {
		uint64_t off = tx_free[tx_nfree - 1];
		uint32_t n = build_echo(view.rx + d->offset, d->len, view.tx + off);
		if (n && enet_client_put(view.ring[ENET_Q_TX_ACTIVE], off, n)) {
			tx_nfree--;
			report(view.tx + off, n);
			queued = true;
		}
	}
	enet_client_put(view.ring[ENET_Q_RX_FREE], d->offset, 0);
	return queued;
}

static bool echo_round(void)
{
	struct cairn_reply rep;
	uint64_t rc = enet(CAIRN_SO_ENET_RECV, 0, 0, 0, &rep);
	if (rc) {
		printf("FAIL RECV: %s\n", cairn_result_name(rc));
		return false;
	}
	bool queued = false;
	struct enet_desc d;
	while (enet_client_get(view.ring[ENET_Q_RX_ACTIVE], &d))
		queued |= echo_frame(&d);
	if (queued && (rc = enet(CAIRN_SO_ENET_SEND, 0, 0, 0, &rep)))
		printf("FAIL SEND: %s\n", cairn_result_name(rc));
	return true;
}

/* The session's storage from a sub-bank of its own, the view mapped. */
static uint64_t attach(struct cairn_reply *att)
{
	uint64_t rc = cairn_bank_create(CAP_BANK, CAIRN_BANK_TRANSPARENT, CAP_SUBBANK, CAP_INSPECT);
	if (rc || (rc = enet(CAIRN_SO_ENET_ATTACH, 0, 0, CAP_SUBBANK, att)))
		return rc;
	if ((rc = cairn_domain_get_slot(CAP_SELF, CAIRN_DOM_SLOT_SPACE, CAP_SPACE)) ||
	    (rc = cairn_node_swap(CAP_SPACE, VIEW_SLOT, CAP_VIEW, 0)))
		return rc;
	enet_view_init(&view, VIEW_VA);
	for (uint32_t i = 0; i < ENET_VIEW_RX_BUFS; i++)
		enet_client_put(view.ring[ENET_Q_RX_FREE], (uint64_t)i * ENET_VIEW_BUF, 0);
	for (tx_nfree = 0; tx_nfree < ENET_VIEW_TX_BUFS; tx_nfree++)
		tx_free[tx_nfree] = (uint64_t)tx_nfree * ENET_VIEW_BUF;
	return CAIRN_OK;
}

int main(uint64_t arg)
{
	port = (uint16_t)arg;
	struct cairn_reply att, rep;
	uint64_t rc = attach(&att);
	if (rc == CAIRN_NO_DEVICE) {
		printf("no network: NO_DEVICE\n");
		return 0;
	}
	if (rc || (rc = enet(CAIRN_SO_ENET_BIND, ENET_PROTO_UDP, port, 0, &rep))) {
		printf("FAIL attach or bind: %s\n", cairn_result_name(rc));
		return 0;
	}
	for (unsigned i = 0; i < 6; i++)
		mac[i] = (uint8_t)(att.w[0] >> (8 * i));
	for (unsigned i = 0; i < 4; i++)
		ip[i] = (uint8_t)(att.w[1] >> (8 * i));
	printf("listening on udp %u at %u.%u.%u.%u\n", port, ip[0], ip[1], ip[2], ip[3]);
	while (echo_round())
		;
	return 0;
}
