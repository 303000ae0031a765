/* SPDX-License-Identifier: MIT */
/*
 * stacksmoke: the stack domain's smoke client (stacks/stack.h,
 * apps/stacksmoke.image). It makes a sub-bank of its bank for the stack's
 * storage, ATTACHes its stack, binds UDP 7007 and echoes every datagram,
 * and listens on TCP 8080: each connection's first bytes (or its end) are
 * answered "hello\n" and the connection closed. Everything waits in one
 * cnet_wait loop, as a real server over the stack would.
 *
 * Lines: "stacksmoke: attached A.B.C.D", "stacksmoke: udp N bytes from
 * A.B.C.D:P echoed", "stacksmoke: tcp H from A.B.C.D:P", "stacksmoke: tcp H
 * read N bytes, sent hello, closed", "stacksmoke: FAIL what: RESULT".
 *
 * Capability registers: 1 console, 2 sleep, 3 start key to its stack
 * (badge 1), 4 a start key to its bank; 5, 6 scratch (the sub-bank and its
 * inspect key).
 */
#include <stdio.h>

#include "bank.h"
#include "cairn.h"
#include "cairn_net.h"

enum {
	CAP_STACK = 3,
	CAP_BANK = 4,
	CAP_SUBBANK = 5,
	CAP_INSPECT = 6,
};

#define UDP_PORT 7007
#define TCP_PORT 8080

static uint8_t buf[CNET_MAX_IO];
static uint64_t conns; /* accepted connections not yet answered */

static void ip_print(const char *what, uint32_t ip, uint16_t port)
{
	printf("%s %u.%u.%u.%u:%u\n", what, ip & 0xff, (ip >> 8) & 0xff, (ip >> 16) & 0xff,
	       ip >> 24, port);
}

static void fail(const char *what, uint64_t rc)
{
	printf("FAIL %s: %s\n", what, cairn_result_name(rc));
}

static void udp_echo(unsigned u)
{
	size_t n;
	uint32_t ip;
	uint16_t port;
	uint64_t rc;
	while ((rc = cnet_udp_recvfrom(CAP_STACK, u, buf, sizeof buf, &n, &ip, &port)) ==
	       CAIRN_OK) {
		uint64_t s = cnet_udp_sendto(CAP_STACK, u, ip, port, buf, n);
		printf("udp %zu bytes from ", n);
		ip_print(s == CAIRN_OK ? "echoed to" : "not echoed to", ip, port);
	}
	if (rc != CAIRN_NET_WOULD_BLOCK)
		fail("udp recvfrom", rc);
}

static void tcp_accept_all(unsigned l)
{
	unsigned h;
	uint32_t ip;
	uint16_t port;
	uint64_t rc;
	while ((rc = cnet_tcp_accept(CAP_STACK, l, &h, &ip, &port)) == CAIRN_OK) {
		printf("tcp %u from ", h);
		ip_print("peer", ip, port);
		conns |= 1ull << h;
	}
	if (rc != CAIRN_NET_WOULD_BLOCK)
		fail("tcp accept", rc);
}

static void tcp_answer(unsigned h)
{
	size_t n = 0, sent = 0;
	uint64_t rc = cnet_tcp_recv(CAP_STACK, h, buf, sizeof buf, &n);
	if (rc == CAIRN_NET_WOULD_BLOCK)
		return;
	if (rc == CAIRN_OK || rc == CAIRN_NET_CLOSED) {
		uint64_t s = cnet_tcp_send(CAP_STACK, h, "hello\n", 6, &sent);
		if (s != CAIRN_OK)
			fail("tcp send", s);
	} else {
		fail("tcp recv", rc);
	}
	uint64_t c = cnet_close(CAP_STACK, h);
	printf("tcp %u read %zu bytes (%s), sent %zu, close %s\n", h, n, cairn_result_name(rc),
	       sent, cairn_result_name(c));
	conns &= ~(1ull << h);
}

int main(uint64_t arg)
{
	(void)arg;
	uint32_t ip = 0;
	unsigned u, l;
	uint64_t rc = cairn_bank_create(CAP_BANK, CAIRN_BANK_TRANSPARENT, CAP_SUBBANK, CAP_INSPECT);
	if (rc || (rc = cnet_attach(CAP_STACK, CAP_SUBBANK, &ip, NULL))) {
		fail("attach", rc);
		return 0;
	}
	ip_print("attached", ip, 0);
	if ((rc = cnet_attach(CAP_STACK, CAP_SUBBANK, NULL, NULL)) != CAIRN_BAD_ARGUMENT)
		fail("second attach is not BAD_ARGUMENT", rc);
	if ((rc = cnet_udp_bind(CAP_STACK, UDP_PORT, &u)) ||
	    (rc = cnet_tcp_listen(CAP_STACK, TCP_PORT, 0, &l))) {
		fail("bind or listen", rc);
		return 0;
	}
	printf("udp %u on handle %u, tcp %u on handle %u\n", UDP_PORT, u, TCP_PORT, l);
	for (;;) {
		struct cnet_events ev;
		if ((rc = cnet_wait(CAP_STACK, 0, &ev))) {
			fail("wait", rc);
			return 0;
		}
		if (ev.readable & (1ull << u))
			udp_echo(u);
		if (ev.readable & (1ull << l))
			tcp_accept_all(l);
		for (unsigned h = 0; h < CNET_HANDLES; h++)
			if (ev.readable & conns & (1ull << h))
				tcp_answer(h);
	}
}
