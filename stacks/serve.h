/* SPDX-License-Identifier: MIT */
/*
 * Order decoding for the stack server (stacks/stack.h): one message in
 * (order code, badge, four words, a string), one answer out (result,
 * four words, a string, or "park this WAIT"). Portable, no system calls:
 * what needs a key (ATTACH's purchases, ENET BIND, draining the view) is
 * reached through struct serve_ops, which main.c fills with key
 * invocations and the tests with fakes.
 *
 * Who may send what: badge 1 (the client) every order but RX and TICK;
 * badge 0 (the server's helpers) only RX and TICK; anything else, and
 * every client order but ATTACH and STATS before ATTACH succeeded,
 * answers RESTRICTED. A second ATTACH answers BAD_ARGUMENT.
 *
 * Words beyond keytab.h's rows (the server cannot see the caller's
 * receive buffer, so the library says how big it is): TCP_RECV and
 * UDP_RECVFROM take w1 = the buffer's size (0: CAIRN_MAX_STRING);
 * UDP_RECVFROM answers w3 = the datagram's full length (longer than
 * the buffer: the rest was dropped).
 *
 * WAIT: answered at once when a handle is readable or a wanted one
 * writable, else parked (out->park; main.c keeps the resume key). One
 * WAIT at most is parked: a second WAIT while one is parked first
 * answers the old one OK with empty masks (out->displace), then parks
 * or answers itself. serve_wake() says when a parked WAIT is to be
 * answered, after every order, RX and TICK.
 */
#ifndef STACK_SERVE_H
#define STACK_SERVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct serve_ops {
	/* ATTACH's work with keys; the bank key came with the call. OK once
	 * lwIP and the netif are up; resumable: called again after a failure. */
	uint64_t (*attach)(uint64_t rx_mode, uint32_t *ip, uint64_t *mac);
	/* ENET BIND (proto 6 TCP / 17 UDP); OK if already ours. */
	uint64_t (*bind)(unsigned proto, uint16_t port);
	/* RX: the frames enet queued into lwIP. */
	void (*rx)(void);
	/* TICK, after lwIP's timers: the port's own work (segments kept for
	 * want of a transmit buffer sent again); may be NULL. */
	void (*tick)(void);
	/* STATS past the stack's own rows: the port's counter i; false if none. */
	bool (*port_counter)(unsigned i, uint64_t *value);
	/* STATS from STACK_STATS_ENET on: the session's counter i in enet;
	 * false if none; may be NULL. */
	bool (*enet_counter)(unsigned i, uint64_t *value);
	/* RX_MODE: ENET RX_MODE on the session (page exchange on or off);
	 * may be NULL (BAD_ORDER). */
	uint64_t (*rx_mode)(uint64_t mode, uint64_t exchange_min);
};

struct serve_in {
	uint64_t order;
	uint64_t badge;
	uint64_t w[4];
	const void *str;
	size_t len;
	bool truncated; /* the string did not fit the server's buffer */
	bool new_boot;  /* the first message since a boot (a resume) */
};

struct serve_out {
	uint64_t result;
	uint64_t w[4];
	void *str; /* in: a buffer of CAIRN_MAX_STRING bytes; out: len of them */
	size_t len;
	bool park;     /* a WAIT to keep: answer nothing now */
	bool displace; /* answer the WAIT parked before (OK, empty) first */
};

void serve_init(const struct serve_ops *ops);
bool serve_attached(void);
void serve_order(const struct serve_in *in, struct serve_out *out);

/* A parked WAIT has something to report: true and its masks (it is no
 * longer parked). */
bool serve_wake(uint64_t *readable, uint64_t *writable);

#endif /* STACK_SERVE_H */
