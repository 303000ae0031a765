/* SPDX-License-Identifier: MIT */
/*
 * Frame builders and the guard page for the enet host tests (frames.h).
 */
#include "frames.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

const struct enet_addr guest = {
	.mac = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 },
	.ip = { 10, 0, 2, 15 },
};
const uint8_t peer_mac[6] = { 0x52, 0x55, 0x0a, 0x00, 0x02, 0x02 };
const uint8_t peer_ip[4] = { 10, 0, 2, 2 };

void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

void fix_ip_checksum(uint8_t *f)
{
	uint32_t ihl = (uint32_t)(f[F_IP] & 0xf) * 4;
	put16(f + F_IP_CSUM, 0);
	put16(f + F_IP_CSUM, (uint16_t)~enet_ones_sum(f + F_IP, ihl));
}

static void eth(uint8_t *f, int outbound, uint16_t type)
{
	memcpy(f + F_ETH_DST, outbound ? peer_mac : guest.mac, 6);
	memcpy(f + F_ETH_SRC, outbound ? guest.mac : peer_mac, 6);
	put16(f + F_ETH_TYPE, type);
}

/* Ethernet and IPv4 headers for `l4` bytes of transport header and data. */
static uint32_t ipv4(uint8_t *f, int outbound, uint8_t proto, uint32_t l4)
{
	memset(f, 0, FRAME_BUF);
	eth(f, outbound, ENET_ETHERTYPE_IPV4);
	uint8_t *h = f + F_IP;
	h[0] = 0x45;
	put16(h + 2, (uint16_t)(20 + l4));
	put16(h + 4, 0x1234); /* identification */
	put16(h + 6, 0x4000); /* don't fragment */
	h[8] = 64;
	h[9] = proto;
	memcpy(h + 12, outbound ? guest.ip : peer_ip, 4);
	memcpy(h + 16, outbound ? peer_ip : guest.ip, 4);
	fix_ip_checksum(f);
	for (uint32_t i = 0; i < l4; i++)
		f[F_L4 + i] = (uint8_t)(i * 7 + 3);
	return F_L4 + l4;
}

uint32_t frame_udp(uint8_t *f, int outbound, uint16_t src, uint16_t dst, uint32_t payload)
{
	uint32_t len = ipv4(f, outbound, ENET_PROTO_UDP, 8 + payload);
	put16(f + F_L4, src);
	put16(f + F_L4 + 2, dst);
	put16(f + F_UDP_LEN, (uint16_t)(8 + payload));
	put16(f + F_L4 + 6, 0); /* no checksum (RFC 768) */
	return len;
}

uint32_t frame_tcp(uint8_t *f, int outbound, uint16_t src, uint16_t dst, uint32_t payload)
{
	uint32_t len = ipv4(f, outbound, ENET_PROTO_TCP, 20 + payload);
	put16(f + F_L4, src);
	put16(f + F_L4 + 2, dst);
	f[F_TCP_DOFF] = 5 << 4;
	return len;
}

uint32_t frame_icmp(uint8_t *f, int outbound)
{
	uint32_t len = ipv4(f, outbound, ENET_PROTO_ICMP, 8);
	f[F_L4] = 8; /* echo request */
	f[F_L4 + 1] = 0;
	return len;
}

uint32_t frame_arp(uint8_t *f, int outbound, uint16_t op, const uint8_t target_ip[4])
{
	memset(f, 0, FRAME_BUF);
	int broadcast = !outbound && op == 1;
	eth(f, outbound, ENET_ETHERTYPE_ARP);
	if (broadcast)
		memset(f + F_ETH_DST, 0xff, 6);
	uint8_t *a = f + F_ARP;
	put16(a + 0, 1);
	put16(a + 2, ENET_ETHERTYPE_IPV4);
	a[4] = 6;
	a[5] = 4;
	put16(a + 6, op);
	memcpy(a + 8, outbound ? guest.mac : peer_mac, 6);
	memcpy(a + 14, outbound ? guest.ip : peer_ip, 4);
	if (op == 2)
		memcpy(a + 18, outbound ? peer_mac : guest.mac, 6);
	memcpy(a + 24, target_ip, 4);
	return F_ARP + ENET_ARP_LEN;
}

const uint8_t *at_guard(const uint8_t *frame, uint32_t len)
{
	static uint8_t *area;
	static size_t page;
	if (!area) {
		page = (size_t)sysconf(_SC_PAGESIZE);
		area = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
			    0);
		if (area == MAP_FAILED || mprotect(area + page, page, PROT_NONE) != 0)
			abort();
	}
	if (len > page)
		abort();
	uint8_t *at = area + page - len;
	memcpy(at, frame, len);
	return at;
}

unsigned test_seed(const char *test, unsigned dflt)
{
	const char *env = getenv("CAIRN_SEED");
	unsigned seed = env && *env ? (unsigned)strtoul(env, NULL, 0) : dflt;
	printf("%s: seed %u (%s; repeat with CAIRN_SEED=%u)\n", test, seed,
	       env && *env ? "from CAIRN_SEED" : "the default", seed);
	return seed;
}
