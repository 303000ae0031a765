/* SPDX-License-Identifier: MIT */
/*
 * Frame classification and the transmit check (classify.h). One parser per
 * header, each given the whole frame and its length and checking that
 * every byte it reads lies below that length before reading it; the
 * receive and transmit paths are two sequences of the same parsers.
 */
#include "classify.h"

#include <stdbool.h>
#include <string.h>

/* Offsets within the headers (RFC 791 §3.1, RFC 826, RFC 768, RFC 9293). */
enum {
	ETH_DST = 0,
	ETH_SRC = 6,
	ETH_TYPE = 12,

	ARP_HTYPE = 0,
	ARP_PTYPE = 2,
	ARP_HLEN = 4,
	ARP_PLEN = 5,
	ARP_OPER = 6,
	ARP_SHA = 8,
	ARP_SPA = 14,
	ARP_THA = 18,
	ARP_TPA = 24,

	IP_VER_IHL = 0,
	IP_TOTAL = 2,
	IP_FRAG = 6,
	IP_PROTO = 9,
	IP_SRC = 12,
	IP_DST = 16,

	L4_SRC_PORT = 0,
	L4_DST_PORT = 2,
	UDP_LENGTH = 4,
	TCP_DATA_OFFSET = 12,
};

#define ARP_HTYPE_ETHERNET 1
#define ARP_OP_REQUEST     1
#define ARP_OP_REPLY       2
#define IP_FLAG_MF         0x2000u /* more fragments */
#define IP_FRAG_OFFSET     0x1fffu

/* The IPv4 header as ipv4_parse checked it. */
struct ipv4 {
	uint32_t hdr; /* frame offset of the header (ENET_ETH_HDR) */
	uint32_t ihl; /* header bytes, >= ENET_IPV4_HDR_MIN */
	uint32_t end; /* frame offset past the datagram, <= len */
	uint8_t proto;
};

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static const uint8_t broadcast_mac[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

uint16_t enet_ones_sum(const uint8_t *data, uint32_t len)
{
	uint32_t sum = 0;
	for (uint32_t i = 0; i + 1 < len; i += 2)
		sum += be16(data + i);
	if (len & 1)
		sum += (uint32_t)data[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* The Ethernet header: returns its ethertype through *type. */
static enum enet_reason eth_parse(const uint8_t *f, uint32_t len, uint32_t max, uint16_t *type)
{
	if (len < ENET_ETH_HDR)
		return ENET_ETH_TRUNCATED;
	if (len > max)
		return ENET_ETH_TOO_LONG;
	*type = be16(f + ETH_TYPE);
	return ENET_OK;
}

/* An Ethernet/IPv4 ARP packet after the Ethernet header: format and
 * operation; returns the operation through *op. */
static enum enet_reason arp_parse(const uint8_t *f, uint32_t len, uint16_t *op)
{
	if (len < ENET_ETH_HDR + ENET_ARP_LEN)
		return ENET_ARP_TRUNCATED;
	const uint8_t *a = f + ENET_ETH_HDR;
	if (be16(a + ARP_HTYPE) != ARP_HTYPE_ETHERNET ||
	    be16(a + ARP_PTYPE) != ENET_ETHERTYPE_IPV4 || a[ARP_HLEN] != 6 || a[ARP_PLEN] != 4)
		return ENET_ARP_FORMAT;
	*op = be16(a + ARP_OPER);
	if (*op != ARP_OP_REQUEST && *op != ARP_OP_REPLY)
		return ENET_ARP_OPERATION;
	return ENET_OK;
}

/* The IPv4 header after the Ethernet header: every length field checked
 * against the frame before anything past the fixed 20 bytes is read. */
static enum enet_reason ipv4_parse(const uint8_t *f, uint32_t len, struct ipv4 *ip)
{
	if (len < ENET_ETH_HDR + ENET_IPV4_HDR_MIN)
		return ENET_IP_TRUNCATED;
	const uint8_t *h = f + ENET_ETH_HDR;
	if (h[IP_VER_IHL] >> 4 != 4)
		return ENET_IP_VERSION;
	ip->hdr = ENET_ETH_HDR;
	ip->ihl = (uint32_t)(h[IP_VER_IHL] & 0xf) * 4;
	if (ip->ihl < ENET_IPV4_HDR_MIN)
		return ENET_IP_HEADER_LENGTH;
	if (ENET_ETH_HDR + ip->ihl > len)
		return ENET_IP_TRUNCATED;
	uint32_t total = be16(h + IP_TOTAL);
	if (total < ip->ihl || ENET_ETH_HDR + total > len)
		return ENET_IP_TOTAL_LENGTH;
	if (enet_ones_sum(h, ip->ihl) != 0xffff)
		return ENET_IP_CHECKSUM;
	uint16_t frag = be16(h + IP_FRAG);
	if ((frag & IP_FLAG_MF) || (frag & IP_FRAG_OFFSET))
		return ENET_IP_FRAGMENT;
	ip->end = ENET_ETH_HDR + total;
	ip->proto = h[IP_PROTO];
	return ENET_OK;
}

/* The UDP or TCP header of a checked datagram: its ports. */
static enum enet_reason l4_parse(const uint8_t *f, const struct ipv4 *ip, uint16_t *src,
				 uint16_t *dst)
{
	uint32_t at = ip->hdr + ip->ihl;
	uint32_t payload = ip->end - at; /* ipv4_parse: ihl <= total */
	const uint8_t *l4 = f + at;
	if (ip->proto == ENET_PROTO_UDP) {
		if (payload < ENET_UDP_HDR)
			return ENET_UDP_TRUNCATED;
		uint32_t ulen = be16(l4 + UDP_LENGTH);
		if (ulen < ENET_UDP_HDR || ulen > payload)
			return ENET_UDP_LENGTH;
	} else {
		if (payload < ENET_TCP_HDR_MIN)
			return ENET_TCP_TRUNCATED;
		uint32_t doff = (uint32_t)(l4[TCP_DATA_OFFSET] >> 4) * 4;
		if (doff < ENET_TCP_HDR_MIN || doff > payload)
			return ENET_TCP_HEADER_LENGTH;
	}
	*src = be16(l4 + L4_SRC_PORT);
	*dst = be16(l4 + L4_DST_PORT);
	return ENET_OK;
}

static bool is_l4(uint8_t proto)
{
	return proto == ENET_PROTO_UDP || proto == ENET_PROTO_TCP;
}

static enum enet_reason rx_arp(const struct enet_addr *us, const uint8_t *f, uint32_t len,
			       struct enet_rx_info *out)
{
	uint16_t op;
	enum enet_reason why = arp_parse(f, len, &op);
	if (why != ENET_OK)
		return why;
	const uint8_t *a = f + ENET_ETH_HDR;
	if (memcmp(a + ARP_TPA, us->ip, 4) != 0)
		return ENET_ARP_NOT_FOR_US;
	memcpy(out->peer_ip, a + ARP_SPA, 4);
	out->cls = op == ARP_OP_REQUEST ? ENET_CLASS_ARP_REQUEST : ENET_CLASS_ARP_REPLY;
	return ENET_OK;
}

static enum enet_reason rx_ipv4(const struct enet_addr *us, const uint8_t *f, uint32_t len,
				struct enet_rx_info *out)
{
	struct ipv4 ip;
	enum enet_reason why = ipv4_parse(f, len, &ip);
	if (why != ENET_OK)
		return why;
	const uint8_t *h = f + ip.hdr;
	if (memcmp(h + IP_DST, us->ip, 4) != 0)
		return ENET_NOT_OUR_IP;
	if (ip.proto != ENET_PROTO_ICMP && !is_l4(ip.proto))
		return ENET_IP_PROTOCOL;
	if (is_l4(ip.proto)) {
		why = l4_parse(f, &ip, &out->src_port, &out->dst_port);
		if (why != ENET_OK)
			return why;
	}
	out->proto = ip.proto;
	out->l4_offset = (uint16_t)(ip.hdr + ip.ihl);
	out->ip_end = (uint16_t)ip.end;
	memcpy(out->peer_ip, h + IP_SRC, 4);
	out->cls = ip.proto == ENET_PROTO_UDP   ? ENET_CLASS_UDP
		   : ip.proto == ENET_PROTO_TCP ? ENET_CLASS_TCP
						: ENET_CLASS_ICMP;
	return ENET_OK;
}

enum enet_reason enet_classify_rx(const struct enet_addr *us, const uint8_t *frame, uint32_t len,
				  struct enet_rx_info *out)
{
	memset(out, 0, sizeof(*out));
	uint16_t type;
	enum enet_reason why = eth_parse(frame, len, ENET_RX_FRAME_MAX, &type);
	if (why == ENET_OK && memcmp(frame + ETH_DST, us->mac, 6) != 0 &&
	    memcmp(frame + ETH_DST, broadcast_mac, 6) != 0)
		why = ENET_NOT_OUR_MAC;
	if (why == ENET_OK) {
		if (type == ENET_ETHERTYPE_ARP)
			why = rx_arp(us, frame, len, out);
		else if (type == ENET_ETHERTYPE_IPV4)
			why = rx_ipv4(us, frame, len, out);
		else
			why = ENET_ETHERTYPE;
	}
	if (why != ENET_OK)
		memset(out, 0, sizeof(*out));
	return why;
}

static enum enet_reason tx_arp(const struct enet_addr *us, const uint8_t *f, uint32_t len)
{
	uint16_t op;
	enum enet_reason why = arp_parse(f, len, &op);
	if (why != ENET_OK)
		return why;
	const uint8_t *a = f + ENET_ETH_HDR;
	if (memcmp(a + ARP_SHA, us->mac, 6) != 0 || memcmp(a + ARP_SPA, us->ip, 4) != 0)
		return ENET_TX_ARP_SENDER;
	return ENET_OK;
}

static enum enet_reason tx_ipv4(const struct enet_addr *us, const struct enet_ports *ports,
				uint32_t session, const uint8_t *f, uint32_t len)
{
	struct ipv4 ip;
	enum enet_reason why = ipv4_parse(f, len, &ip);
	if (why != ENET_OK)
		return why;
	if (memcmp(f + ip.hdr + IP_SRC, us->ip, 4) != 0)
		return ENET_TX_SRC_IP;
	if (!is_l4(ip.proto))
		return ENET_TX_PROTOCOL;
	uint16_t src, dst;
	why = l4_parse(f, &ip, &src, &dst);
	if (why != ENET_OK)
		return why;
	if (enet_ports_owner(ports, ip.proto, src) != session)
		return ENET_TX_PORT;
	return ENET_OK;
}

enum enet_reason enet_check_tx(const struct enet_addr *us, const struct enet_ports *ports,
			       uint32_t session, const uint8_t *frame, uint32_t len)
{
	uint16_t type;
	enum enet_reason why = eth_parse(frame, len, ENET_FRAME_MAX, &type);
	if (why != ENET_OK)
		return why;
	if (memcmp(frame + ETH_SRC, us->mac, 6) != 0)
		return ENET_TX_SRC_MAC;
	if (type == ENET_ETHERTYPE_ARP)
		return tx_arp(us, frame, len);
	if (type == ENET_ETHERTYPE_IPV4)
		return tx_ipv4(us, ports, session, frame, len);
	return ENET_ETHERTYPE;
}
