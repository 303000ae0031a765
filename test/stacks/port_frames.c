/* SPDX-License-Identifier: MIT */
/*
 * Frame builders and checkers for the port's host tests (port_frames.h).
 * All multi-byte fields are written byte by byte in network order.
 */
#include "port_frames.h"

#include <string.h>

const uint8_t port_our_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
const uint8_t port_gw_mac[6] = { 0x52, 0x55, 0x0a, 0x00, 0x02, 0x02 };
const uint8_t port_peer_mac[6] = { 0x52, 0x55, 0x0a, 0x00, 0x02, 0x03 };
const uint8_t port_our_ip[4] = { 10, 0, 2, 15 };
const uint8_t port_gw_ip[4] = { 10, 0, 2, 2 };
const uint8_t port_peer_ip[4] = { 10, 0, 2, 3 };

enum { ETH = 14, IP = 20, UDP = 8, TCP = 20 };

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

uint16_t port_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

uint32_t port_be32(const uint8_t *p)
{
	return (uint32_t)port_be16(p) << 16 | port_be16(p + 2);
}

/* RFC 1071's sum, folded, not complemented, starting from `sum`. */
static uint32_t sum16(uint32_t sum, const uint8_t *p, uint32_t n)
{
	for (uint32_t i = 0; i + 1 < n; i += 2)
		sum += port_be16(p + i);
	if (n & 1u)
		sum += (uint32_t)p[n - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffffu) + (sum >> 16);
	return sum;
}

static void eth(uint8_t *f, const uint8_t smac[6], const uint8_t dmac[6], uint16_t type)
{
	memcpy(f, dmac, 6);
	memcpy(f + 6, smac, 6);
	put16(f + 12, type);
}

uint32_t port_frame_arp(uint8_t *f, uint16_t op, const uint8_t smac[6], const uint8_t sip[4],
			const uint8_t tmac[6], const uint8_t tip[4])
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	memset(f, 0, 60);
	eth(f, smac, op == 1 ? bcast : tmac, 0x0806);
	uint8_t *a = f + ETH;
	put16(a, 1);
	put16(a + 2, 0x0800);
	a[4] = 6;
	a[5] = 4;
	put16(a + 6, op);
	memcpy(a + 8, smac, 6);
	memcpy(a + 14, sip, 4);
	memcpy(a + 18, tmac, 6);
	memcpy(a + 24, tip, 4);
	return 60;
}

static void ipv4(uint8_t *f, const uint8_t sip[4], uint8_t proto, uint32_t payload)
{
	uint8_t *h = f + ETH;
	memset(h, 0, IP);
	h[0] = 0x45;
	put16(h + 2, (uint16_t)(IP + payload));
	put16(h + 4, 0x1234);
	put16(h + 6, 0x4000); /* don't fragment */
	h[8] = 64;
	h[9] = proto;
	memcpy(h + 12, sip, 4);
	memcpy(h + 16, port_our_ip, 4);
	put16(h + 10, (uint16_t)~sum16(0, h, IP));
}

/* The pseudo header's sum (RFC 793 3.1, RFC 768) of the datagram in f. */
static uint32_t pseudo(const uint8_t *f)
{
	const uint8_t *h = f + ETH;
	uint32_t ihl = (h[0] & 0xfu) * 4u, len = port_be16(h + 2) - ihl;
	uint32_t sum = sum16(0, h + 12, 8);
	return sum16(sum + h[9] + len, h + ihl, len);
}

uint32_t port_frame_udp(uint8_t *f, const uint8_t smac[6], const uint8_t sip[4], uint16_t sport,
			uint16_t dport, const uint8_t *data, uint32_t n)
{
	eth(f, smac, port_our_mac, 0x0800);
	ipv4(f, sip, 17, UDP + n);
	uint8_t *u = f + ETH + IP;
	put16(u, sport);
	put16(u + 2, dport);
	put16(u + 4, (uint16_t)(UDP + n));
	put16(u + 6, 0);
	memcpy(u + UDP, data, n);
	uint16_t c = (uint16_t)~pseudo(f);
	put16(u + 6, c == 0 ? 0xffff : c);
	uint32_t len = ETH + IP + UDP + n;
	if (len < 60) {
		memset(f + len, 0, 60 - len);
		len = 60;
	}
	return len;
}

uint32_t port_frame_tcp_data(uint8_t *f, const uint8_t smac[6], const uint8_t sip[4],
			     uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack,
			     uint8_t flags, const uint8_t *data, uint32_t n)
{
	/* a SYN offers MSS 1460 (RFC 793 option 2), as the host's TCP does */
	uint32_t hdr = flags & PORT_TCP_SYN ? TCP + 4 : TCP;
	eth(f, smac, port_our_mac, 0x0800);
	ipv4(f, sip, 6, hdr + n);
	uint8_t *t = f + ETH + IP;
	memset(t, 0, hdr);
	put16(t, sport);
	put16(t + 2, dport);
	put32(t + 4, seq);
	put32(t + 8, ack);
	t[12] = (uint8_t)((hdr / 4) << 4);
	t[13] = flags;
	put16(t + 14, 29200);
	if (hdr > TCP) {
		t[TCP] = 2;
		t[TCP + 1] = 4;
		put16(t + TCP + 2, 1460);
	}
	memcpy(t + hdr, data, n);
	put16(t + 16, (uint16_t)~pseudo(f));
	uint32_t len = ETH + IP + hdr + n;
	if (len < 60) {
		memset(f + len, 0, 60 - len);
		len = 60;
	}
	return len;
}

uint32_t port_frame_tcp(uint8_t *f, const uint8_t smac[6], const uint8_t sip[4], uint16_t sport,
			uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags)
{
	return port_frame_tcp_data(f, smac, sip, sport, dport, seq, ack, flags, NULL, 0);
}

bool port_ip_checksum_ok(const uint8_t *f)
{
	const uint8_t *h = f + ETH;
	return sum16(0, h, (h[0] & 0xfu) * 4u) == 0xffff;
}

bool port_l4_checksum_ok(const uint8_t *f)
{
	return pseudo(f) == 0xffff;
}
