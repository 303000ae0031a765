/* SPDX-License-Identifier: MIT */
/*
 * Frames for the enet host tests: well-formed Ethernet frames (ARP, UDP,
 * TCP, ICMP over IPv4) from and to the test guest's addresses, which a
 * test then breaks one field at a time, and a guard page, so that a frame
 * can be placed with its last byte just before memory that faults: any
 * read past its length crashes the test instead of passing unnoticed.
 */
#ifndef TEST_ENET_FRAMES_H
#define TEST_ENET_FRAMES_H

#include <stdint.h>
#include "classify.h"

#define FRAME_BUF 2048

/* The guest (MAC 52:54:00:12:34:56, 10.0.2.15, as QEMU user networking
 * gives it) and a peer on the wire (10.0.2.2, the QEMU gateway). */
extern const struct enet_addr guest;
extern const uint8_t peer_mac[6];
extern const uint8_t peer_ip[4];

/* Offsets of the fields the tests break. */
enum {
	F_ETH_DST = 0,
	F_ETH_SRC = 6,
	F_ETH_TYPE = 12,
	F_IP = 14,
	F_IP_TOTAL = F_IP + 2,
	F_IP_FRAG = F_IP + 6,
	F_IP_PROTO = F_IP + 9,
	F_IP_CSUM = F_IP + 10,
	F_IP_SRC = F_IP + 12,
	F_IP_DST = F_IP + 16,
	F_L4 = F_IP + 20,
	F_UDP_LEN = F_L4 + 4,
	F_TCP_DOFF = F_L4 + 12,
	F_ARP = 14,
	F_ARP_OPER = F_ARP + 6,
	F_ARP_SHA = F_ARP + 8,
	F_ARP_SPA = F_ARP + 14,
	F_ARP_TPA = F_ARP + 24,
};

/* An IPv4 frame peer -> guest (inbound) or guest -> peer (outbound) with
 * `payload` bytes after a UDP (8) or TCP (20) header, or after 8 bytes of
 * ICMP echo; returns the frame's length. */
uint32_t frame_udp(uint8_t *f, int outbound, uint16_t src, uint16_t dst, uint32_t payload);
uint32_t frame_tcp(uint8_t *f, int outbound, uint16_t src, uint16_t dst, uint32_t payload);
uint32_t frame_icmp(uint8_t *f, int outbound);
/* ARP: op 1 request, 2 reply. Inbound: the peer asks for (or answers to)
 * target_ip; outbound: the guest is the sender. */
uint32_t frame_arp(uint8_t *f, int outbound, uint16_t op, const uint8_t target_ip[4]);

void put16(uint8_t *p, uint16_t v);
/* Recompute the IPv4 header checksum after a test changed the header. */
void fix_ip_checksum(uint8_t *f);

/* The seed of a randomised test: CAIRN_SEED if set, else `dflt`; printed
 * (docs/testing.md "Seeds of randomised tests"). */
unsigned test_seed(const char *test, unsigned dflt);

/* A copy of frame[0..len) whose last byte is the last before a page that
 * faults. Valid until the next call. */
const uint8_t *at_guard(const uint8_t *frame, uint32_t len);

#endif /* TEST_ENET_FRAMES_H */
