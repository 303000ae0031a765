/* SPDX-License-Identifier: MIT */
/*
 * What a received frame is for (docs/network.md "Receive"): classified by
 * the portable core (virtio-net/proto/classify.c), then ARP requests for
 * the guest's address are answered here, in one place for every session
 * (they share one MAC and one IPv4 address), ARP replies go to the
 * sessions that sent a request since their last reply (a stack resolving
 * its gateway), UDP and TCP go to the session
 * that owns the destination port, ICMP echo requests (RFC 792) to the
 * guest are answered here too, and everything else is counted in enet's
 * own statistics under its reason and dropped.
 *
 * The frame is read where the device wrote it, in enet's pinned receive
 * buffer; the session gets a copy (vnet_client.c), or for a large frame in
 * a session with page buffers the page itself by exchange for one of its
 * own, zeroed but for the frame (docs/network.md "Page exchange").
 */
#include <string.h>

#include "vnet.h"

#define ETH_MIN_FRAME 60 /* IEEE 802.3 minimum, without the FCS */

/* RFC 826 reply to the request `req` (classified ARP_REQUEST, so at least
 * ENET_ETH_HDR + ENET_ARP_LEN bytes): to the asker, in the guest's name. */
static void answer_arp(const uint8_t *req)
{
	static const uint8_t head[8] = { 0, 1, 8, 0, 6, 4, 0, 2 }; /* Ethernet, IPv4, reply */
	const uint8_t *asker_mac = req + ENET_ETH_HDR + 8, *asker_ip = req + ENET_ETH_HDR + 14;
	uint8_t f[ETH_MIN_FRAME] = { 0 };
	memcpy(f, asker_mac, 6);
	memcpy(f + 6, vnet.addr.mac, 6);
	f[12] = ENET_ETHERTYPE_ARP >> 8;
	f[13] = ENET_ETHERTYPE_ARP & 0xff;
	uint8_t *arp = f + ENET_ETH_HDR;
	memcpy(arp, head, sizeof head);
	memcpy(arp + 8, vnet.addr.mac, 6);
	memcpy(arp + 14, vnet.addr.ip, 4);
	memcpy(arp + 18, asker_mac, 6);
	memcpy(arp + 24, asker_ip, 4);
	vnet_transmit(f, sizeof f);
	vnet.arp_replies++;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* RFC 792 echo reply to a request classified ICMP (an IPv4 header already
 * checked, info->ip_end <= len): the same datagram back, the addresses
 * swapped, type 0, both checksums new. Options are echoed as they came. */
static enum enet_reason answer_icmp(const uint8_t *req, const struct enet_rx_info *info)
{
	static uint8_t f[ENET_FRAME_MAX];
	uint32_t icmp_len = (uint32_t)info->ip_end - info->l4_offset;
	if (icmp_len < 8)
		return ENET_ICMP_TRUNCATED;
	if (info->ip_end > ENET_FRAME_MAX)
		return ENET_ETH_TOO_LONG; /* its reply could not be sent: frames out are 1,514 at
					     most */
	if (enet_ones_sum(req + info->l4_offset, icmp_len) != 0xffff)
		return ENET_ICMP_CHECKSUM;
	if (req[info->l4_offset] != 8 || req[info->l4_offset + 1] != 0)
		return ENET_ICMP_TYPE;
	memcpy(f, req, info->ip_end);
	memcpy(f, req + 6, 6);
	memcpy(f + 6, vnet.addr.mac, 6);
	uint8_t *ip = f + ENET_ETH_HDR, *icmp = f + info->l4_offset;
	uint32_t ihl = info->l4_offset - ENET_ETH_HDR;
	memcpy(ip + 16, req + ENET_ETH_HDR + 12, 4); /* back to the asker */
	memcpy(ip + 12, vnet.addr.ip, 4);
	ip[8] = 64;
	put16(ip + 10, 0);
	put16(ip + 10, (uint16_t)~enet_ones_sum(ip, ihl));
	icmp[0] = 0;
	put16(icmp + 2, 0);
	put16(icmp + 2, (uint16_t)~enet_ones_sum(icmp, icmp_len));
	uint32_t len = info->ip_end;
	if (len < ETH_MIN_FRAME) { /* padded with zeros, never an older frame's bytes */
		memset(f + len, 0, ETH_MIN_FRAME - len);
		len = ETH_MIN_FRAME;
	}
	vnet_transmit(f, len);
	vnet.icmp_replies++;
	return ENET_OK;
}

bool vnet_receive(const uint8_t *frame, uint32_t len, uint16_t buf)
{
	struct enet_rx_info info;
	enum enet_reason why = enet_classify_rx(&vnet.addr, frame, len, &info);
	if (why != ENET_OK) {
		enet_count(&vnet.stats, why);
		return false;
	}
	switch (info.cls) {
	case ENET_CLASS_ARP_REQUEST:
		answer_arp(frame);
		return false;
	case ENET_CLASS_UDP:
	case ENET_CLASS_TCP: {
		uint32_t s = enet_ports_owner(&vnet.ports, info.proto, info.dst_port);
		if (s == ENET_NO_SESSION || s == 0 || s > VNET_SESSIONS)
			break;
		return vnet_deliver(s, frame, len, buf);
	}
	case ENET_CLASS_ICMP:
		enet_count(&vnet.stats, answer_icmp(frame, &info));
		return false;
	case ENET_CLASS_ARP_REPLY: {
		/* To every session that asked (struct enet_session arp_asked):
		 * enet itself asks nobody. */
		bool taken = false;
		for (uint32_t s = 1; s <= VNET_SESSIONS; s++) {
			struct vnet_session *ss = &vnet.session[s];
			if (ss->attached && ss->core.arp_asked) {
				ss->core.arp_asked = false;
				vnet_deliver(s, frame, len, VNET_NONE); /* one buffer, several
									   sessions */
				taken = true;
			}
		}
		if (taken)
			return false;
		break;
	}
	default:
		break;
	}
	enet_count(&vnet.stats, ENET_NO_OWNER);
	return false;
}
