/* SPDX-License-Identifier: MIT */
/*
 * Host tests of frame classification and the transmit check
 * (virtio-net/proto/classify.c, docs/network.md "Defences"), the same C
 * the enet domain runs, compiled natively.
 *
 * What is checked: each kind of good frame classified with its ports and
 * peer; each drop reason reached by breaking one field of a good frame
 * (the checksum recomputed, so that the field and not the checksum is
 * what is caught); every truncation of good frames, and 20,000 frames of
 * seeded random damage, placed against a guard page so that a read past
 * the length crashes the test; and the transmit check: a session may send
 * only from the guest's MAC and IPv4 address and from ports it
 * registered, and ARP only in the guest's name.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "classify.h"
#include "frames.h"

static uint8_t f[ENET_RX_FRAME_MAX + 16]; /* room for a frame one byte too long */
static struct enet_rx_info info;

static enum enet_reason rx(uint32_t len)
{
	return enet_classify_rx(&guest, at_guard(f, len), len, &info);
}

static void rx_good_frames(void **state)
{
	(void)state;
	assert_int_equal(rx(frame_udp(f, 0, 5555, 7, 32)), ENET_OK);
	assert_int_equal(info.cls, ENET_CLASS_UDP);
	assert_int_equal(info.proto, ENET_PROTO_UDP);
	assert_int_equal(info.src_port, 5555);
	assert_int_equal(info.dst_port, 7);
	assert_int_equal(info.l4_offset, F_L4);
	assert_int_equal(info.ip_end, F_L4 + 8 + 32);
	assert_memory_equal(info.peer_ip, peer_ip, 4);

	assert_int_equal(rx(frame_tcp(f, 0, 40000, 80, 0)), ENET_OK);
	assert_int_equal(info.cls, ENET_CLASS_TCP);
	assert_int_equal(info.src_port, 40000);
	assert_int_equal(info.dst_port, 80);

	assert_int_equal(rx(frame_icmp(f, 0)), ENET_OK);
	assert_int_equal(info.cls, ENET_CLASS_ICMP);

	/* Ethernet padding after the datagram is not part of it. */
	uint32_t len = frame_udp(f, 0, 1, 2, 0);
	assert_int_equal(rx(60), ENET_OK);
	assert_int_equal(info.ip_end, len);
}

static void rx_arp(void **state)
{
	(void)state;
	assert_int_equal(rx(frame_arp(f, 0, 1, guest.ip)), ENET_OK);
	assert_int_equal(info.cls, ENET_CLASS_ARP_REQUEST);
	assert_memory_equal(info.peer_ip, peer_ip, 4);
	assert_int_equal(rx(frame_arp(f, 0, 2, guest.ip)), ENET_OK);
	assert_int_equal(info.cls, ENET_CLASS_ARP_REPLY);

	static const uint8_t other[4] = { 10, 0, 2, 99 };
	assert_int_equal(rx(frame_arp(f, 0, 1, other)), ENET_ARP_NOT_FOR_US);
	assert_int_equal(info.cls, ENET_CLASS_DROP);

	uint32_t len = frame_arp(f, 0, 1, guest.ip);
	assert_int_equal(rx(len - 1), ENET_ARP_TRUNCATED);
	put16(f + F_ARP, 6); /* htype IEEE 802 */
	assert_int_equal(rx(len), ENET_ARP_FORMAT);
	frame_arp(f, 0, 1, guest.ip);
	f[F_ARP + 5] = 16; /* plen of IPv6 */
	assert_int_equal(rx(len), ENET_ARP_FORMAT);
	frame_arp(f, 0, 1, guest.ip);
	put16(f + F_ARP_OPER, 3); /* RARP request */
	assert_int_equal(rx(len), ENET_ARP_OPERATION);
}

static void rx_ethernet_drops(void **state)
{
	(void)state;
	assert_int_equal(rx(0), ENET_ETH_TRUNCATED);
	frame_udp(f, 0, 1, 2, 0);
	assert_int_equal(rx(ENET_ETH_HDR - 1), ENET_ETH_TRUNCATED);
	assert_int_equal(rx(ENET_RX_FRAME_MAX + 1), ENET_ETH_TOO_LONG);

	f[F_ETH_DST + 5] ^= 1;
	assert_int_equal(rx(60), ENET_NOT_OUR_MAC);
	memset(f + F_ETH_DST, 0xff, 6); /* broadcast is ours */
	assert_int_equal(rx(60), ENET_OK);

	put16(f + F_ETH_TYPE, 0x86dd); /* IPv6 */
	assert_int_equal(rx(60), ENET_ETHERTYPE);
	put16(f + F_ETH_TYPE, 0x8100); /* a VLAN tag */
	assert_int_equal(rx(60), ENET_ETHERTYPE);
}

static void rx_ipv4_drops(void **state)
{
	(void)state;
	uint32_t len = frame_udp(f, 0, 1, 2, 10);
	assert_int_equal(rx(F_IP + 19), ENET_IP_TRUNCATED);

	f[F_IP] = 0x65; /* version 6 */
	fix_ip_checksum(f);
	assert_int_equal(rx(len), ENET_IP_VERSION);

	frame_udp(f, 0, 1, 2, 10);
	f[F_IP] = 0x44; /* IHL 4 words */
	assert_int_equal(rx(len), ENET_IP_HEADER_LENGTH);

	/* IHL 15 (60 bytes) in a frame that holds less: the checksum would
	 * read past the frame. */
	frame_udp(f, 0, 1, 2, 0);
	f[F_IP] = 0x4f;
	put16(f + F_IP_TOTAL, 60);
	fix_ip_checksum(f);
	assert_int_equal(rx(F_IP + 40), ENET_IP_TRUNCATED);

	len = frame_udp(f, 0, 1, 2, 10);
	put16(f + F_IP_TOTAL, (uint16_t)(len - F_IP + 1)); /* one past the frame */
	fix_ip_checksum(f);
	assert_int_equal(rx(len), ENET_IP_TOTAL_LENGTH);
	put16(f + F_IP_TOTAL, 19); /* less than the header */
	fix_ip_checksum(f);
	assert_int_equal(rx(len), ENET_IP_TOTAL_LENGTH);

	len = frame_udp(f, 0, 1, 2, 10);
	f[F_IP_CSUM] ^= 0x10;
	assert_int_equal(rx(len), ENET_IP_CHECKSUM);

	frame_udp(f, 0, 1, 2, 10);
	put16(f + F_IP_FRAG, 0x2000); /* more fragments */
	fix_ip_checksum(f);
	assert_int_equal(rx(len), ENET_IP_FRAGMENT);
	put16(f + F_IP_FRAG, 0x0001); /* the last fragment, at 8 bytes */
	fix_ip_checksum(f);
	assert_int_equal(rx(len), ENET_IP_FRAGMENT);

	frame_udp(f, 0, 1, 2, 10);
	f[F_IP_DST + 3] = 16;
	fix_ip_checksum(f);
	assert_int_equal(rx(len), ENET_NOT_OUR_IP);

	frame_udp(f, 0, 1, 2, 10);
	f[F_IP_PROTO] = 47; /* GRE */
	fix_ip_checksum(f);
	assert_int_equal(rx(len), ENET_IP_PROTOCOL);
}

static void rx_transport_drops(void **state)
{
	(void)state;
	/* A UDP datagram whose IPv4 total length leaves 7 bytes for UDP. */
	uint32_t len = frame_udp(f, 0, 1, 2, 0);
	put16(f + F_IP_TOTAL, 27);
	fix_ip_checksum(f);
	assert_int_equal(rx(len), ENET_UDP_TRUNCATED);

	len = frame_udp(f, 0, 1, 2, 10);
	put16(f + F_UDP_LEN, 7);
	assert_int_equal(rx(len), ENET_UDP_LENGTH);
	put16(f + F_UDP_LEN, 19); /* one past the IPv4 payload (18) */
	assert_int_equal(rx(len), ENET_UDP_LENGTH);
	put16(f + F_UDP_LEN, 18);
	assert_int_equal(rx(len), ENET_OK);

	len = frame_tcp(f, 0, 1, 2, 0);
	put16(f + F_IP_TOTAL, 39);
	fix_ip_checksum(f);
	assert_int_equal(rx(len), ENET_TCP_TRUNCATED);

	len = frame_tcp(f, 0, 1, 2, 8);
	f[F_TCP_DOFF] = 4 << 4;
	assert_int_equal(rx(len), ENET_TCP_HEADER_LENGTH);
	f[F_TCP_DOFF] = 8 << 4; /* 32 bytes: past the 28 of payload */
	assert_int_equal(rx(len), ENET_TCP_HEADER_LENGTH);
	f[F_TCP_DOFF] = 7 << 4;
	assert_int_equal(rx(len), ENET_OK);
}

/* Every prefix of a good frame is dropped (it cannot hold all of its
 * headers) and none is read past its end. */
static void rx_every_truncation(void **state)
{
	(void)state;
	uint8_t good[4][FRAME_BUF];
	uint32_t lens[4] = {
		frame_udp(good[0], 0, 9, 7, 20),
		frame_tcp(good[1], 0, 9, 80, 20),
		frame_arp(good[2], 0, 1, guest.ip),
		frame_icmp(good[3], 0),
	};
	for (int k = 0; k < 4; k++) {
		for (uint32_t len = 0; len < lens[k]; len++) {
			enum enet_reason why =
				enet_classify_rx(&guest, at_guard(good[k], len), len, &info);
			assert_int_not_equal(why, ENET_OK);
			assert_int_equal(info.cls, ENET_CLASS_DROP);
		}
		assert_int_equal(enet_classify_rx(&guest, at_guard(good[k], lens[k]), lens[k],
						  &info),
				 ENET_OK);
	}
}

/* Good frames with random bytes of their headers replaced and random
 * lengths: never a read past the end, and whatever is accepted is
 * consistent with its length. */
static void rx_random_damage(void **state)
{
	(void)state;
	srandom(test_seed("enet_classify", 11));
	for (int n = 0; n < 20000; n++) {
		uint32_t len = n % 3 == 0   ? frame_udp(f, 0, 9, 7, (uint32_t)(random() % 64))
			       : n % 3 == 1 ? frame_tcp(f, 0, 9, 80, (uint32_t)(random() % 64))
					    : frame_arp(f, 0, 1, guest.ip);
		int hits = 1 + (int)(random() % 4);
		for (int h = 0; h < hits; h++)
			f[14 + random() % 40] = (uint8_t)random();
		if (random() % 2)
			fix_ip_checksum(f);
		len = (uint32_t)(random() % (len + 8));
		enum enet_reason why = enet_classify_rx(&guest, at_guard(f, len), len, &info);
		assert_true(why < ENET_REASON_COUNT);
		if (why == ENET_OK && info.cls != ENET_CLASS_ARP_REQUEST &&
		    info.cls != ENET_CLASS_ARP_REPLY) {
			assert_true(info.ip_end <= len);
			assert_true(info.l4_offset <= info.ip_end);
		}
	}
}

/* The transmit check. */
static struct enet_ports ports;
#define ME    1u
#define OTHER 2u

static enum enet_reason tx(uint32_t len)
{
	return enet_check_tx(&guest, &ports, ME, at_guard(f, len), len);
}

static int tx_setup(void **state)
{
	(void)state;
	enet_ports_init(&ports);
	assert_int_equal(enet_ports_register(&ports, ME, ENET_PROTO_UDP, 7), ENET_PORT_OK);
	assert_int_equal(enet_ports_register(&ports, ME, ENET_PROTO_TCP, 8080), ENET_PORT_OK);
	assert_int_equal(enet_ports_register(&ports, OTHER, ENET_PROTO_UDP, 53), ENET_PORT_OK);
	return 0;
}

static void tx_allowed(void **state)
{
	(void)state;
	assert_int_equal(tx(frame_udp(f, 1, 7, 5555, 100)), ENET_OK);
	assert_int_equal(tx(frame_tcp(f, 1, 8080, 40000, 0)), ENET_OK);
	assert_int_equal(tx(frame_arp(f, 1, 1, peer_ip)), ENET_OK);
	assert_int_equal(tx(frame_arp(f, 1, 2, peer_ip)), ENET_OK);
}

static void tx_spoofing(void **state)
{
	(void)state;
	uint32_t len = frame_udp(f, 1, 7, 5555, 10);
	f[F_ETH_SRC + 5] ^= 1;
	assert_int_equal(tx(len), ENET_TX_SRC_MAC);

	frame_udp(f, 1, 7, 5555, 10);
	memcpy(f + F_IP_SRC, peer_ip, 4);
	fix_ip_checksum(f);
	assert_int_equal(tx(len), ENET_TX_SRC_IP);

	len = frame_arp(f, 1, 2, peer_ip);
	f[F_ARP_SPA + 3] = 1; /* claims 10.0.2.1 */
	assert_int_equal(tx(len), ENET_TX_ARP_SENDER);
	frame_arp(f, 1, 2, peer_ip);
	f[F_ARP_SHA] ^= 2; /* another MAC for our address */
	assert_int_equal(tx(len), ENET_TX_ARP_SENDER);
}

static void tx_ports(void **state)
{
	(void)state;
	assert_int_equal(tx(frame_udp(f, 1, 8, 5555, 10)), ENET_TX_PORT);    /* nobody's */
	assert_int_equal(tx(frame_udp(f, 1, 53, 5555, 10)), ENET_TX_PORT);   /* the other's */
	assert_int_equal(tx(frame_udp(f, 1, 8080, 5555, 10)), ENET_TX_PORT); /* ours for TCP */
	assert_int_equal(tx(frame_tcp(f, 1, 7, 80, 0)), ENET_TX_PORT);       /* ours for UDP */
	uint32_t len = frame_udp(f, 1, 53, 1, 0);
	assert_int_equal(enet_check_tx(&guest, &ports, OTHER, at_guard(f, len), len), ENET_OK);
	assert_int_equal(tx(frame_icmp(f, 1)), ENET_TX_PROTOCOL);
}

static void tx_malformed(void **state)
{
	(void)state;
	uint32_t len = frame_udp(f, 1, 7, 5555, 10);
	assert_int_equal(tx(ENET_ETH_HDR - 1), ENET_ETH_TRUNCATED);
	assert_int_equal(tx(ENET_FRAME_MAX + 1), ENET_ETH_TOO_LONG);
	put16(f + F_ETH_TYPE, 0x86dd);
	assert_int_equal(tx(len), ENET_ETHERTYPE);

	/* A header that lies about its length would let the ports checked
	 * differ from the ports a receiver reads. */
	frame_udp(f, 1, 7, 5555, 10);
	put16(f + F_IP_TOTAL, (uint16_t)(len - F_IP + 1));
	fix_ip_checksum(f);
	assert_int_equal(tx(len), ENET_IP_TOTAL_LENGTH);
	frame_udp(f, 1, 7, 5555, 10);
	put16(f + F_IP_FRAG, 0x2000);
	fix_ip_checksum(f);
	assert_int_equal(tx(len), ENET_IP_FRAGMENT);
	frame_udp(f, 1, 7, 5555, 10);
	put16(f + F_UDP_LEN, 200);
	assert_int_equal(tx(len), ENET_UDP_LENGTH);

	for (uint32_t cut = 0; cut < len; cut++)
		assert_int_not_equal(tx(cut), ENET_OK);
}

static void reason_names(void **state)
{
	(void)state;
	assert_string_equal(enet_reason_name(ENET_OK), "OK");
	assert_string_equal(enet_reason_name(ENET_IP_CHECKSUM), "IP_CHECKSUM");
	assert_string_equal(enet_reason_name(ENET_TX_FREE_FULL), "TX_FREE_FULL");
	assert_null(enet_reason_name(ENET_REASON_COUNT));
	for (uint32_t r = 0; r < ENET_REASON_COUNT; r++)
		assert_non_null(enet_reason_name(r));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rx_good_frames),
		cmocka_unit_test(rx_arp),
		cmocka_unit_test(rx_ethernet_drops),
		cmocka_unit_test(rx_ipv4_drops),
		cmocka_unit_test(rx_transport_drops),
		cmocka_unit_test(rx_every_truncation),
		cmocka_unit_test(rx_random_damage),
		cmocka_unit_test_setup(tx_allowed, tx_setup),
		cmocka_unit_test_setup(tx_spoofing, tx_setup),
		cmocka_unit_test_setup(tx_ports, tx_setup),
		cmocka_unit_test_setup(tx_malformed, tx_setup),
		cmocka_unit_test(reason_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
