/* SPDX-License-Identifier: MIT */
/*
 * What a received frame is for (docs/network.md "Receive"): classified by
 * the portable core (virtio-net/proto/classify.c), then ARP requests for
 * the guest's address are answered here, in one place for every session
 * (they share one MAC and one IPv4 address), UDP and TCP go to the session
 * that owns the destination port, and everything else is counted in
 * enet's own statistics under its reason and dropped. ICMP is enet's to
 * answer; this first cut counts and drops it (ENET_NO_OWNER).
 *
 * The frame is read where the device wrote it, in enet's pinned receive
 * buffer; the session gets a copy (vnet_client.c), never the buffer.
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

void vnet_receive(const uint8_t *frame, uint32_t len)
{
	struct enet_rx_info info;
	enum enet_reason why = enet_classify_rx(&vnet.addr, frame, len, &info);
	if (why != ENET_OK) {
		enet_count(&vnet.stats, why);
		return;
	}
	switch (info.cls) {
	case ENET_CLASS_ARP_REQUEST:
		answer_arp(frame);
		return;
	case ENET_CLASS_UDP:
	case ENET_CLASS_TCP: {
		uint32_t s = enet_ports_owner(&vnet.ports, info.proto, info.dst_port);
		if (s == ENET_NO_SESSION || s == 0 || s > VNET_SESSIONS)
			break;
		vnet_deliver(s, frame, len);
		return;
	}
	default: /* ARP replies (enet asks nobody), ICMP */
		break;
	}
	enet_count(&vnet.stats, ENET_NO_OWNER);
}
