/* SPDX-License-Identifier: MIT */
/*
 * stacksmoke: the stack domain's smoke client (stacks/stack.h,
 * apps/stacksmoke.image). It makes a sub-bank of its bank for the stack's
 * storage, ATTACHes its stack, binds UDP 7007 and echoes every datagram,
 * and listens on TCP 8080: each connection's first bytes (or its end) are
 * answered "hello\n" and the connection closed, but for first bytes
 * "bulk": then 4 MiB are sent as fast as the stack takes them (a
 * writable WAIT between sends), and the connection closed. Two datagrams are orders
 * rather than echoed: "stats" is answered with the stack's first 40
 * counters, "connect P" makes it TCP_CONNECT to 10.0.2.2:P (the host),
 * send "hi from the guest\n" once the connection is writable, and close.
 * Everything waits in one cnet_wait loop, as a real server over the stack
 * would.
 *
 * It attaches twice: first with its sub-bank limited to 100 pages (the
 * stack answers BANK_LIMIT part way through buying its heap), then with
 * the limit lifted (the stack goes on from where it stopped).
 *
 * Lines: "stacksmoke: attach with 100 pages: BANK_LIMIT",
 * "stacksmoke: attached A.B.C.D", "stacksmoke: the stack's storage: N
 * nodes, P pages", "stacksmoke: udp N bytes from
 * A.B.C.D:P echoed", "stacksmoke: tcp H from A.B.C.D:P", "stacksmoke: tcp H
 * read N bytes (RESULT), sent N, close RESULT", "stacksmoke: connect H:
 * RESULT", "stacksmoke: connected H sent N, close RESULT",
 * "stacksmoke: FAIL what: RESULT".
 *
 * Capability registers: 1 console, 2 sleep, 3 start key to its stack
 * (badge 1), 4 a start key to its bank; 5, 6 scratch (the sub-bank and its
 * inspect key).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
static uint64_t conns;    /* accepted connections not yet answered */
static uint64_t outgoing; /* connections it made, not yet written */
static uint64_t bulk;     /* connections being sent BULK_BYTES */
static uint32_t bulk_left[CNET_HANDLES];

#define BULK_BYTES (4u << 20)

static void fail(const char *what, uint64_t rc);

/* "stats": the counters as text; "connect P": a connection to the host. */
static bool udp_command(unsigned u, size_t n, uint32_t ip, uint16_t port)
{
	char text[1400];
	unsigned p, h;
	if (n == 5 && memcmp(buf, "stats", 5) == 0) {
		int len = 0;
		for (unsigned i = 0; i < 40; i += 4) {
			uint64_t c[4];
			if (cnet_stats(CAP_STACK, i, c) != CAIRN_OK)
				break;
			len += snprintf(text + len, sizeof text - (size_t)len,
					"%u: %llu %llu %llu %llu\n", i, (unsigned long long)c[0],
					(unsigned long long)c[1], (unsigned long long)c[2],
					(unsigned long long)c[3]);
		}
		cnet_udp_sendto(CAP_STACK, u, ip, port, text, (size_t)len);
		return true;
	}
	if (n > 8 && n < 16 && memcmp(buf, "connect ", 8) == 0) {
		buf[n] = 0;
		p = (unsigned)atoi((char *)buf + 8);
		uint64_t rc = cnet_tcp_connect(CAP_STACK, CNET_IP4(10, 0, 2, 2), (uint16_t)p, &h);
		printf("connect %u: %s\n", p, cairn_result_name(rc));
		if (rc == CAIRN_OK)
			outgoing |= 1ull << h;
		return true;
	}
	return false;
}

/* A connection it made is writable (or failed: readable). */
static void outgoing_ready(unsigned h, bool writable)
{
	size_t sent = 0;
	uint64_t rc = CAIRN_OK;
	if (writable)
		rc = cnet_tcp_send(CAP_STACK, h, "hi from the guest\n", 18, &sent);
	else
		rc = cnet_tcp_recv(CAP_STACK, h, buf, sizeof buf, &sent);
	printf("connected %u: %s, %zu bytes, close %s\n", h, cairn_result_name(rc), sent,
	       cairn_result_name(cnet_close(CAP_STACK, h)));
	outgoing &= ~(1ull << h);
}

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
	while ((rc = cnet_udp_recvfrom(CAP_STACK, u, buf, sizeof buf - 1, &n, &ip, &port)) ==
	       CAIRN_OK) {
		if (udp_command(u, n, ip, port))
			continue;
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
	if (rc == CAIRN_OK && n >= 4 && memcmp(buf, "bulk", 4) == 0) {
		conns &= ~(1ull << h);
		bulk |= 1ull << h;
		bulk_left[h] = BULK_BYTES;
		return;
	}
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

/* A bulk connection is writable: as much as the stack takes. */
static void bulk_send(unsigned h)
{
	uint64_t rc = CAIRN_OK;
	while (bulk_left[h] && rc == CAIRN_OK) {
		size_t sent = 0, n = bulk_left[h] < sizeof buf ? bulk_left[h] : sizeof buf;
		memset(buf, 'a' + (int)(bulk_left[h] / sizeof buf % 26), n);
		rc = cnet_tcp_send(CAP_STACK, h, buf, n, &sent);
		bulk_left[h] -= (uint32_t)sent;
	}
	if (rc != CAIRN_OK && rc != CAIRN_NET_WOULD_BLOCK)
		fail("bulk send", rc);
	if (bulk_left[h] == 0 || (rc != CAIRN_OK && rc != CAIRN_NET_WOULD_BLOCK)) {
		printf("tcp %u bulk done, %u bytes left, close %s\n", h, bulk_left[h],
		       cairn_result_name(cnet_close(CAP_STACK, h)));
		bulk &= ~(1ull << h);
	}
}

int main(uint64_t arg)
{
	(void)arg;
	uint32_t ip = 0;
	unsigned u, l;
	uint64_t rc = cairn_bank_create(CAP_BANK, CAIRN_BANK_TRANSPARENT, CAP_SUBBANK, CAP_INSPECT);
	/* First with too little storage: the stack stops at the bank's
	 * limit, and a second ATTACH with more goes on where it stopped. */
	if (!rc && (rc = cairn_bank_set_limit(CAP_SUBBANK, CAIRN_BANK_PAGE, 100)) == CAIRN_OK) {
		rc = cnet_attach(CAP_STACK, CAP_SUBBANK, &ip, NULL);
		printf("attach with 100 pages: %s\n", cairn_result_name(rc));
		rc = cairn_bank_set_limit(CAP_SUBBANK, CAIRN_BANK_PAGE, ~0ull);
	}
	if (rc || (rc = cnet_attach(CAP_STACK, CAP_SUBBANK, &ip, NULL))) {
		fail("attach", rc);
		return 0;
	}
	ip_print("attached", ip, 0);
	struct cairn_bank_usage nodes, pages;
	if (cairn_bank_query(CAP_SUBBANK, CAIRN_BANK_NODE, &nodes) == CAIRN_OK &&
	    cairn_bank_query(CAP_SUBBANK, CAIRN_BANK_PAGE, &pages) == CAIRN_OK)
		printf("the stack's storage: %llu nodes, %llu pages\n",
		       (unsigned long long)nodes.usage, (unsigned long long)pages.usage);
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
		if ((rc = cnet_wait(CAP_STACK, outgoing | bulk, 0, &ev))) {
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
			else if ((ev.readable | ev.writable) & outgoing & (1ull << h))
				outgoing_ready(h, (ev.writable >> h) & 1);
			else if ((ev.readable | ev.writable) & bulk & (1ull << h))
				bulk_send(h);
	}
}
