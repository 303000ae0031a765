/* SPDX-License-Identifier: MIT */
/*
 * http: the demo HTTP/1.1 server (docs/network.md "The demo services"),
 * a client of its own TCP/IP stack domain (stacks/), which it reaches
 * through lib/cairn_net.h. At its first start it makes a transparent
 * sub-bank of its own bank and attaches its stack with it (the stack buys
 * its heap and its enet session from that sub-bank: http pays), then
 * listens on the image's arg (port 80) and serves for ever.
 *
 * One loop, as a poll(2) server: WAIT for the handles that are readable,
 * and writable among those with output pending; accept every waiting
 * connection; read what each readable one has into its buffer and serve
 * the requests it holds (request.h), one at a time, in order (keep-alive
 * and pipelining); write each answer as far as the stack takes it, the
 * rest when WAIT says the connection is writable again. A connection
 * whose peer closed, or that the stack reset (after a resume, slirp has
 * forgotten it), is closed and its slot reused: nothing is left behind.
 *
 * Everything is in http's memory, which the checkpointer saves: after a
 * kill and a resume, http carries on from the checkpoint, the counter
 * with it (GET /counter answers one more than the last checkpointed
 * answer), and it does not attach again.
 *
 * Lines: "http: serving on port P at A.B.C.D" once listening; "http: no
 * network: NO_DEVICE" when the machine has no NIC (it then idles);
 * "http: FAIL <what>: <RESULT>" when its stack refuses what it should not.
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
#include "request.h"
#include "stats.h"

enum {
	CAP_STACK = 3,
	CAP_BANK = 4,
	CAP_SUBBANK = 6,
	CAP_INSPECT = 7,
};

#define IN_MAX       2048u /* a connection's request buffer: the longest head */
#define OUT_MAX      1024u /* an answer's head and small body */
#define HTTP_BACKLOG 32u   /* connections the stack holds for accept: a burst of 20 clients fits */

static const char index_page[] =
	"<!doctype html>\n<html><head><title>Cairn</title></head><body>\n"
	"<h1>Cairn</h1>\n<p>A persistent capability kernel. This page came from a TCP/IP stack "
	"running as its own domain, over lwIP.</p>\n"
	"<p><a href=\"/counter\">/counter</a> counts, and survives kill -9.</p>\n"
	"</body></html>\n";

struct conn {
	bool open;
	bool close_after; /* close once the answer is out */
	uint32_t in_len;  /* bytes of in[] received and not yet served */
	uint32_t out_len; /* the answer's head (and small body) in out[] */
	uint32_t out_off; /* ... of which sent */
	uint64_t pattern; /* bytes of /bytes still to send */
	uint64_t pat_off; /* ... from this offset of the pattern */
	char in[IN_MAX];
	char out[OUT_MAX];
};

/* Persistent with http: the counter, the listener, the connections. */
static bool attached;
static unsigned listener;
static uint64_t counter;
static uint64_t counter_id; /* the last /counter?id= counted */
static uint64_t requests;   /* heads parsed as requests (served, not refused) */
static struct conn conns[CNET_HANDLES];
/* The pattern from each of its 4093 phases, 8-byte aligned: row j holds
 * the pattern from phase j on, so the bytes from phase k start at
 * pattern[k % 8] + (k - k % 8), an aligned address, and a chunk of /bytes
 * is sent straight from here. Aligned, because picolibc's memcpy copies
 * a word at a time only between addresses equal modulo 8 (the kernel
 * copies the string into the stack's aligned buffer): filling a buffer a
 * byte at a time, or sending from any phase, cost more than the rest of
 * the path together (docs/benchmarks.md "The stacks"). */
#define PATTERN_ROW ((4093u + CNET_MAX_IO + 8u + 7u) & ~7u) /* rows 8-byte aligned too */
static uint8_t pattern[8][PATTERN_ROW] __attribute__((aligned(8)));

static void answer(struct conn *c, unsigned status, const char *type, const char *body,
		   uint64_t body_len, bool head_only, bool keep)
{
	int n = snprintf(c->out, OUT_MAX,
			 "HTTP/1.1 %u %s\r\nContent-Type: %s\r\nContent-Length: %" PRIu64
			 "\r\n%s\r\n",
			 status, http_reason(status), type, body_len,
			 keep ? "" : "Connection: close\r\n");
	c->out_len = (uint32_t)n;
	c->out_off = 0;
	if (body && !head_only) {
		size_t b = (size_t)body_len;
		if (c->out_len + b > OUT_MAX)
			b = OUT_MAX - c->out_len; /* never: the bodies here are small */
		memcpy(c->out + c->out_len, body, b);
		c->out_len += (uint32_t)b;
	}
	c->close_after = !keep;
}

/* Serve the first request c->in holds; false if it holds none yet. */
static bool serve_one(struct conn *c)
{
	struct http_request req;
	enum http_parse r = http_parse_request(c->in, c->in_len, IN_MAX, &req);
	if (r == HTTP_PARSE_INCOMPLETE)
		return false;
	if (r != HTTP_PARSE_OK) {
		unsigned st = http_status(r);
		char body[64];
		int n = snprintf(body, sizeof body, "%u %s\n", st, http_reason(st));
		answer(c, st, "text/plain", body, (uint64_t)n, false, false);
		c->in_len = 0; /* nothing after a bad head is read */
		return true;
	}
	char body[32];
	requests++;
	switch (req.route) {
	case HTTP_ROUTE_INDEX:
		answer(c, 200, "text/html", index_page, sizeof index_page - 1, req.head,
		       req.keep_alive);
		break;
	case HTTP_ROUTE_COUNTER: {
		/* /counter?id=N: a client that lost the answer (the connection
		 * died with QEMU after the answer was released) asks again
		 * with the same N and hears the same value (docs/network.md
		 * "Output commit"). */
		if (!req.head && !(req.id && req.id == counter_id))
			counter++;
		if (!req.head && req.id)
			counter_id = req.id;
		int n = snprintf(body, sizeof body, "%" PRIu64 "\n", counter);
		answer(c, 200, "text/plain", body, (uint64_t)n, req.head, req.keep_alive);
		break;
	}
	case HTTP_ROUTE_BYTES:
		answer(c, 200, "application/octet-stream", NULL, req.bytes, true, req.keep_alive);
		c->pattern = req.head ? 0 : req.bytes;
		c->pat_off = 0;
		break;
	case HTTP_ROUTE_STATS: {
		/* The benchmark's counters: requests, the hart's retired
		 * instructions, what enet dropped of the session's frames for
		 * want of room (a request the network must send again), and the
		 * stack's counters by index (stacks/stack.h STACK_COUNTERS, then
		 * the port's), four a line. */
		uint64_t instret, e[3][4] = { { 0 } };
		__asm__ volatile("rdinstret %0" : "=r"(instret));
		cnet_stats(CAP_STACK, CNET_STATS_ENET, e[0]);
		cnet_stats(CAP_STACK, CNET_STATS_ENET + ENET_STATS_DROPS + ENET_RX_QUEUE_FULL,
			   e[1]);
		cnet_stats(CAP_STACK, CNET_STATS_ENET + ENET_STATS_DROPS + ENET_RX_NO_BUFFER, e[2]);
		char stats[OUT_MAX / 2];
		int n = snprintf(stats, sizeof stats,
				 "requests %" PRIu64 "\ninstret %" PRIu64 "\nenet in %" PRIu64
				 " queue_full %" PRIu64 " no_buffer %" PRIu64 "\n",
				 requests, instret, e[0][0], e[1][0], e[2][0]);
		for (unsigned i = 0; i < 40 && n < (int)sizeof stats - 90; i += 4) {
			uint64_t v[4] = { 0 };
			cnet_stats(CAP_STACK, i, v);
			n += snprintf(stats + n, sizeof stats - (size_t)n,
				      "stack %u %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 "\n",
				      i, v[0], v[1], v[2], v[3]);
		}
		answer(c, 200, "text/plain", stats, (uint64_t)n, req.head, req.keep_alive);
		break;
	}
	case HTTP_ROUTE_NOT_FOUND:
		answer(c, 404, "text/plain", "404 Not Found\n", 14, req.head, req.keep_alive);
		break;
	}
	memmove(c->in, c->in + req.length, c->in_len - req.length);
	c->in_len -= (uint32_t)req.length;
	return true;
}

static bool busy(const struct conn *c)
{
	return c->out_off < c->out_len || c->pattern > 0;
}

static void drop(unsigned h)
{
	cnet_close(CAP_STACK, h);
	conns[h].open = false;
}

/* Send what c has pending until the stack takes no more; then, if the
 * answer is out, the next request. false: the connection is gone. */
static bool flush(unsigned h)
{
	struct conn *c = &conns[h];
	for (;;) {
		size_t sent = 0;
		uint64_t rc = CAIRN_OK;
		if (c->out_off < c->out_len) {
			rc = cnet_tcp_send(CAP_STACK, h, c->out + c->out_off,
					   c->out_len - c->out_off, &sent);
			if (rc == CAIRN_OK)
				c->out_off += (uint32_t)sent;
		} else if (c->pattern > 0) {
			size_t n = c->pattern < CNET_MAX_IO ? (size_t)c->pattern : CNET_MAX_IO;
			uint32_t k = (uint32_t)(c->pat_off % 4093u);
			rc = cnet_tcp_send(CAP_STACK, h, pattern[k % 8] + (k - k % 8), n, &sent);
			if (rc == CAIRN_OK) {
				c->pattern -= sent;
				c->pat_off += sent;
			}
		} else if (c->close_after) {
			drop(h);
			return false;
		} else if (!serve_one(c)) {
			return true; /* all answered: wait for the next request */
		}
		if (rc == CAIRN_NET_WOULD_BLOCK)
			return true;
		if (rc != CAIRN_OK) {
			drop(h); /* reset under us: the peer will not read the rest */
			return false;
		}
	}
}

/* Read what h has; serve it. */
static void readable(unsigned h)
{
	struct conn *c = &conns[h];
	for (;;) {
		if (c->in_len == IN_MAX) {
			if (busy(c))
				return; /* pipelined ahead of us: read more once answered */
			flush(h);       /* a full buffer and no answer: 431 */
			return;
		}
		size_t got = 0;
		uint64_t rc =
			cnet_tcp_recv(CAP_STACK, h, c->in + c->in_len, IN_MAX - c->in_len, &got);
		if (rc == CAIRN_NET_WOULD_BLOCK)
			break;
		if (rc != CAIRN_OK) { /* NET_CLOSED or NET_RESET: nothing more will come */
			if (rc == CAIRN_NET_CLOSED && busy(c)) {
				c->close_after = true; /* answer what was asked, then close */
				break;
			}
			drop(h);
			return;
		}
		c->in_len += (uint32_t)got;
	}
	if (!busy(c))
		flush(h);
}

static void accept_all(void)
{
	for (;;) {
		unsigned h;
		uint64_t rc = cnet_tcp_accept(CAP_STACK, listener, &h, NULL, NULL);
		if (rc != CAIRN_OK)
			return;
		if (h >= CNET_HANDLES) {
			cnet_close(CAP_STACK, h);
			continue;
		}
		conns[h] = (struct conn){ .open = true };
	}
}

static uint64_t start(uint16_t port)
{
	uint32_t ip = 0;
	uint64_t rc = cnet_attach_own(CAP_STACK, CAP_BANK, CAP_SUBBANK, CAP_INSPECT, &ip);
	if (rc == CAIRN_NO_DEVICE) {
		printf("no network: NO_DEVICE\n");
		return rc;
	}
	if (rc == CAIRN_OK)
		rc = cnet_tcp_listen(CAP_STACK, port, HTTP_BACKLOG, &listener);
	if (rc != CAIRN_OK) {
		printf("FAIL attach or listen: %s\n", cairn_result_name(rc));
		return rc;
	}
	attached = true;
	printf("serving on port %u at %u.%u.%u.%u\n", port, ip & 0xff, ip >> 8 & 0xff,
	       ip >> 16 & 0xff, ip >> 24);
	return CAIRN_OK;
}

int main(uint64_t arg)
{
	if (!attached)
		for (unsigned j = 0; j < 8; j++) /* persistent, like the rest */
			http_pattern_fill(pattern[j], PATTERN_ROW, j);
	if (!attached && start((uint16_t)arg) != CAIRN_OK)
		return 0; /* idle for ever (cairn_exit) */
	for (;;) {
		/* Write interest in connections with an answer going out; no read
		 * interest in those whose buffer is full behind it (pipelined
		 * requests wait until the answer is out). */
		uint64_t want = 0, skip = 0;
		for (unsigned h = 0; h < CNET_HANDLES; h++) {
			if (!conns[h].open || !busy(&conns[h]))
				continue;
			want |= 1ull << h;
			if (conns[h].in_len == IN_MAX)
				skip |= 1ull << h;
		}
		struct cnet_events ev;
		uint64_t rc = cnet_wait(CAP_STACK, want, skip, &ev);
		if (rc != CAIRN_OK) {
			printf("FAIL wait: %s\n", cairn_result_name(rc));
			return 0;
		}
		if (ev.readable >> listener & 1)
			accept_all();
		for (unsigned h = 0; h < CNET_HANDLES; h++) {
			if (h == listener || !conns[h].open)
				continue;
			if (ev.writable >> h & 1)
				flush(h);
			if (conns[h].open && ev.readable >> h & 1)
				readable(h);
		}
	}
}
