/* SPDX-License-Identifier: MIT */
/*
 * udpecho: the demo UDP echo service (docs/network.md "The demo
 * services"), a client of its own TCP/IP stack domain (stacks/) through
 * lib/cairn_net.h. At its first start it makes a transparent sub-bank of
 * its bank, attaches its stack with it, binds the image's arg (port 7)
 * and from then on answers every datagram with the same bytes, to the
 * address and port it came from (RFC 862). Like http it keeps all of this
 * in its memory, so after a resume it carries on without attaching again.
 *
 * Lines: "udpecho: echoing on udp P at A.B.C.D"; "udpecho: no network:
 * NO_DEVICE" with no NIC; "udpecho: FAIL <what>: <RESULT>".
 *
 * Capability registers (apps/default.image): 1 console, 2 sleep, 3 a
 * start key to its stack (badge 1), 4 a start key to its bank; 6 the
 * sub-bank it attached with, 7 its inspect key.
 */
#include <stdio.h>

#include "cairn.h"
#include "cairn_net.h"

enum {
	CAP_STACK = 3,
	CAP_BANK = 4,
	CAP_SUBBANK = 6,
	CAP_INSPECT = 7,
};

static bool attached;
static unsigned sock;
static uint8_t dgram[CNET_MAX_IO];

static uint64_t start(uint16_t port)
{
	uint32_t ip = 0;
	uint64_t rc = cnet_attach_own(CAP_STACK, CAP_BANK, CAP_SUBBANK, CAP_INSPECT, &ip);
	if (rc == CAIRN_NO_DEVICE) {
		printf("no network: NO_DEVICE\n");
		return rc;
	}
	if (rc == CAIRN_OK)
		rc = cnet_udp_bind(CAP_STACK, port, &sock);
	if (rc != CAIRN_OK) {
		printf("FAIL attach or bind: %s\n", cairn_result_name(rc));
		return rc;
	}
	attached = true;
	printf("echoing on udp %u at %u.%u.%u.%u\n", port, ip & 0xff, ip >> 8 & 0xff,
	       ip >> 16 & 0xff, ip >> 24);
	return CAIRN_OK;
}

int main(uint64_t arg)
{
	if (!attached && start((uint16_t)arg) != CAIRN_OK)
		return 0;
	for (;;) {
		struct cnet_events ev;
		uint64_t rc = cnet_wait(CAP_STACK, 0, 0, &ev);
		if (rc != CAIRN_OK) {
			printf("FAIL wait: %s\n", cairn_result_name(rc));
			return 0;
		}
		for (;;) {
			size_t got;
			uint32_t ip;
			uint16_t port;
			rc = cnet_udp_recvfrom(CAP_STACK, sock, dgram, sizeof dgram, &got, &ip,
					       &port);
			if (rc != CAIRN_OK)
				break;
			rc = cnet_udp_sendto(CAP_STACK, sock, ip, port, dgram, got);
			if (rc != CAIRN_OK && rc != CAIRN_NET_NO_MEMORY)
				printf("FAIL sendto: %s\n", cairn_result_name(rc));
		}
	}
}
