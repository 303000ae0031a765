/* SPDX-License-Identifier: MIT */
/*
 * udpecho: the demo UDP echo service (docs/network.md "The demo
 * services"), a client of its own TCP/IP stack domain (stacks/) through
 * lib/cairn_net.h. At its first start it makes a transparent sub-bank of
 * its bank, attaches its stack with it, binds the image's arg (port 7)
 * and from then on answers every datagram with the same bytes, to the
 * address and port it came from (RFC 862); one longer than the stacks send
 * (CNET_UDP_MAX, 1,472 bytes: a larger MTU brings them) is not echoed. Like http it keeps all of
 * this in its memory, so after a resume it carries on without attaching again.
 *
 * The sum service (arg bits 16..31: its port, 0 for none; docs/network.md
 * "Page exchange"). With it the stack attaches with page buffers
 * (ENET_RX_PAGES: frames up to 4,080 bytes, the large ones by page
 * exchange), and every datagram to that port is answered with one line,
 * to where it came from:
 *
 *   "sum LEN HASH"    HASH the FNV-1a 32-bit hash of its LEN bytes, in hex
 *                     (a datagram too long to echo, past 1,472 bytes, is
 *                     checked whole all the same)
 *   "stats ..."       for a datagram "stats": enet's counters of the
 *                     stack's session (frames in, exchanged, the
 *                     instructions enet spent delivering them, RX_NO_BUFFER)
 *                     and the hart's retired instructions, "key=value" words
 *   "mode M"          for "exchange on [N]" / "exchange off": page exchange
 *                     switched (RX_MODE 1 / 2), for frames of N bytes or
 *                     more (none: enet's default), M the result's name
 *
 * Lines: "udpecho: echoing on udp P at A.B.C.D" (", sums on udp S"
 * added); "udpecho: no network: NO_DEVICE" with no NIC; "udpecho: FAIL
 * <what>: <RESULT>".
 *
 * Capability registers (apps/default.image): 1 console, 2 sleep, 3 a
 * start key to its stack (badge 1), 4 a start key to its bank; 6 the
 * sub-bank it attached with, 7 its inspect key.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cairn.h"
#include "cairn_net.h"
#include "client.h"
#include "stats.h"

enum {
	CAP_STACK = 3,
	CAP_BANK = 4,
	CAP_SUBBANK = 6,
	CAP_INSPECT = 7,
};

static bool attached;
static unsigned echo_sock, sum_sock;
static bool summing;
static uint8_t dgram[CNET_MAX_IO];

static uint64_t start(uint16_t port, uint16_t sum_port)
{
	uint32_t ip = 0;
	uint64_t mode = sum_port ? ENET_RX_PAGES : ENET_RX_BUFFERS;
	uint64_t rc =
		cnet_attach_own_mode(CAP_STACK, CAP_BANK, CAP_SUBBANK, CAP_INSPECT, mode, &ip);
	if (rc == CAIRN_NO_DEVICE) {
		printf("no network: NO_DEVICE\n");
		return rc;
	}
	if (rc == CAIRN_OK)
		rc = cnet_udp_bind(CAP_STACK, port, &echo_sock);
	if (rc == CAIRN_OK && sum_port)
		rc = cnet_udp_bind(CAP_STACK, sum_port, &sum_sock);
	if (rc != CAIRN_OK) {
		printf("FAIL attach or bind: %s\n", cairn_result_name(rc));
		return rc;
	}
	attached = true;
	summing = sum_port != 0;
	printf("echoing on udp %u at %u.%u.%u.%u", port, ip & 0xff, ip >> 8 & 0xff, ip >> 16 & 0xff,
	       ip >> 24);
	if (summing)
		printf(", sums on udp %u", sum_port);
	printf("\n");
	return CAIRN_OK;
}

static uint32_t fnv1a(const uint8_t *p, size_t n)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

static uint64_t enet_counter(unsigned i)
{
	uint64_t v[4] = { 0 };
	cnet_stats(CAP_STACK, CNET_STATS_ENET + i, v);
	return v[0];
}

/* The answer to one datagram of `got` bytes on the sum port (whole: the
 * buffer holds CNET_MAX_IO bytes, more than a frame). */
static int sum_answer(size_t got, char *out, size_t max)
{
	if (got == 5 && memcmp(dgram, "stats", 5) == 0)
		return snprintf(out, max,
				"stats in=%" PRIu64 " exchanged=%" PRIu64 " rx_instret=%" PRIu64
				" no_buffer=%" PRIu64 " instret=%" PRIu64 "\n",
				enet_counter(0), enet_counter(ENET_STATS_EXCHANGED),
				enet_counter(ENET_STATS_RX_INSTRET),
				enet_counter(ENET_STATS_DROPS + ENET_RX_NO_BUFFER),
				cairn_rdinstret());
	if (got >= 11 && memcmp(dgram, "exchange on", 11) == 0) {
		unsigned min = 0; /* "exchange on N": frames of N bytes or more */
		for (size_t i = 12; i < got && dgram[i] >= '0' && dgram[i] <= '9' && min < 100000;
		     i++)
			min = min * 10 + (unsigned)(dgram[i] - '0');
		return snprintf(out, max, "mode %s\n",
				cairn_result_name(cnet_rx_mode(CAP_STACK, ENET_RX_PAGES, min)));
	}
	if (got == 12 && memcmp(dgram, "exchange off", 12) == 0)
		return snprintf(out, max, "mode %s\n",
				cairn_result_name(cnet_rx_mode(CAP_STACK, ENET_RX_PAGES_COPY, 0)));
	return snprintf(out, max, "sum %zu %08" PRIx32 "\n", got, fnv1a(dgram, got));
}

/* Every datagram waiting on `sock`: echoed, or answered with a sum. */
static void serve(unsigned sock, bool sums)
{
	for (;;) {
		size_t got;
		uint32_t ip;
		uint16_t port;
		uint64_t rc =
			cnet_udp_recvfrom(CAP_STACK, sock, dgram, sizeof dgram, &got, &ip, &port);
		if (rc != CAIRN_OK)
			return;
		char line[160];
		const void *reply = dgram;
		size_t len = got;
		if (sums) {
			int n = sum_answer(got, line, sizeof line);
			reply = line;
			len = n > 0 ? (size_t)n : 0;
		} else if (got > CNET_UDP_MAX) {
			continue; /* taken whole, but too long to send back: not echoed */
		}
		rc = cnet_udp_sendto(CAP_STACK, sock, ip, port, reply, len);
		if (rc != CAIRN_OK && rc != CAIRN_NET_NO_MEMORY)
			printf("FAIL sendto: %s\n", cairn_result_name(rc));
	}
}

int main(uint64_t arg)
{
	if (!attached && start((uint16_t)arg, (uint16_t)(arg >> 16)) != CAIRN_OK)
		return 0;
	for (;;) {
		struct cnet_events ev;
		uint64_t rc = cnet_wait(CAP_STACK, 0, 0, &ev);
		if (rc != CAIRN_OK) {
			printf("FAIL wait: %s\n", cairn_result_name(rc));
			return 0;
		}
		serve(echo_sock, false);
		if (summing)
			serve(sum_sock, true);
	}
}
