/* SPDX-License-Identifier: MIT */
/*
 * Frames for the port's host tests, built and checked independently of
 * lwIP: Ethernet II, ARP (RFC 826), IPv4 (RFC 791), UDP (RFC 768) and TCP
 * (RFC 793) headers with their checksums (RFC 1071).
 */
#ifndef PORT_FRAMES_H
#define PORT_FRAMES_H

#include <stdbool.h>
#include <stdint.h>

#define PORT_TCP_FIN 0x01u
#define PORT_TCP_SYN 0x02u
#define PORT_TCP_RST 0x04u
#define PORT_TCP_ACK 0x10u

extern const uint8_t port_our_mac[6];  /* the session's (enet's guest MAC) */
extern const uint8_t port_gw_mac[6];   /* QEMU user network's router */
extern const uint8_t port_peer_mac[6]; /* another host on the link */
extern const uint8_t port_our_ip[4];   /* 10.0.2.15 */
extern const uint8_t port_gw_ip[4];    /* 10.0.2.2 */
extern const uint8_t port_peer_ip[4];  /* 10.0.2.3 */

/* Each builder writes a whole frame into f and returns its length. */
uint32_t port_frame_arp(uint8_t *f, uint16_t op, const uint8_t smac[6], const uint8_t sip[4],
			const uint8_t tmac[6], const uint8_t tip[4]);
uint32_t port_frame_udp(uint8_t *f, const uint8_t smac[6], const uint8_t sip[4], uint16_t sport,
			uint16_t dport, const uint8_t *data, uint32_t n);
uint32_t port_frame_tcp(uint8_t *f, const uint8_t smac[6], const uint8_t sip[4], uint16_t sport,
			uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags);
/* The same with n bytes of data after the header. */
uint32_t port_frame_tcp_data(uint8_t *f, const uint8_t smac[6], const uint8_t sip[4],
			     uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack,
			     uint8_t flags, const uint8_t *data, uint32_t n);

uint16_t port_be16(const uint8_t *p);
uint32_t port_be32(const uint8_t *p);
/* True if the IPv4 header checksum of frame f is right. */
bool port_ip_checksum_ok(const uint8_t *f);
/* True if the TCP or UDP checksum (over the pseudo header) of f is right. */
bool port_l4_checksum_ok(const uint8_t *f);

#endif /* PORT_FRAMES_H */
