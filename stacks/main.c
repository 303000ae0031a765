/* SPDX-License-Identifier: MIT */
/*
 * The stack domain (stacks/stack.h): one program, three domains.
 *
 *  - arg 0, the server: waits for calls and never blocks on anyone but its
 *    bank and enet (which never blocks). serve.c decodes each order; this
 *    file moves the message in and out, keeps a parked WAIT's resume key
 *    in STACK_CAP_PARKED and answers it by a SEND when serve_wake() says
 *    something is ready, and after every order, RX and TICK that queued
 *    frames on TX_ACTIVE calls ENET SEND once (batching).
 *  - arg 1, the receive pump: ENET RECV (parks in enet until RX_ACTIVE
 *    holds a frame), then CALL the server STACK_RX; before the session is
 *    attached enet refuses RECV, and the pump sleeps and tries again.
 *  - arg 2, the timer: SLEEP FOR what the last TICK answered (10..250 ms),
 *    then CALL the server STACK_TICK.
 *
 * Before every message lwIP's clock is brought up to date (SLEEP NOW into
 * stack_clock_update). A new boot (a resume from a checkpoint: SLEEP NOW
 * restarts near 0, stack_clock counts the boots) is noticed there: the
 * server then sends an empty ACK on every TCP connection, and the peer's
 * answer decides whether it lives (serve_in.new_boot,
 * sock_probe_connections): with user networking slirp is new and answers
 * RST; on a tap the host's TCP still has it, and it carries on.
 *
 * Lines: "stack: attached ip A.B.C.D" once ATTACH succeeds; "stack:
 * attach: RESULT (...)" when it fails; "stack: new boot: connections
 * probed" at a resume.
 */
#include <stdio.h>

#include "lwip/init.h"
#include "lwip/netif.h"

#include "cairn.h"
#include "cairn_net.h"
#include "client.h"
#include "serve.h"
#include "stack.h"
#include "stack_clock.h"
#include "stack_main.h"
#include "stack_netif.h"

/* Page-aligned: picolibc's memcpy copies a word at a time only between
 * addresses equal modulo 8, and the kernel copies strings a page at a time
 * (docs/benchmarks.md "The stacks"). */
static uint8_t inbuf[CAIRN_MAX_STRING] __attribute__((aligned(4096)));
static uint8_t outbuf[CAIRN_MAX_STRING] __attribute__((aligned(4096)));
static uint64_t boots_seen;
static struct stack_netif port;

static uint64_t enet(uint64_t order, uint64_t w0, uint64_t w1)
{
	const struct cairn_msg m = { .order = order, .w = { w0, w1 } };
	return cairn_call(STACK_CAP_ENET, &m, NULL, NULL);
}

uint64_t stack_enet_bind(unsigned proto, uint16_t port)
{
	return enet(CAIRN_SO_ENET_BIND, proto, port);
}

void stack_lwip_start(uint8_t *view, uint64_t mac, uint32_t ip, enum enet_rx_mode rx_mode)
{
	struct enet_view v;
	uint8_t m[6];
	ip4_addr_t addr, mask, gw;
	enet_view_init(&v, view);
	for (unsigned i = 0; i < 6; i++)
		m[i] = (uint8_t)(mac >> (8 * i));
	/* QEMU's user network: 10.0.2.0/24, the gateway (and host) 10.0.2.2. */
	IP4_ADDR(&addr, ip & 0xff, (ip >> 8) & 0xff, (ip >> 16) & 0xff, ip >> 24);
	IP4_ADDR(&mask, 255, 255, 255, 0);
	IP4_ADDR(&gw, ip & 0xff, (ip >> 8) & 0xff, (ip >> 16) & 0xff, 2);
	lwip_init();
	if (!stack_netif_init(&port, &v, rx_mode, m, &addr, &mask, &gw))
		printf("FAIL lwIP refused the netif\n");
}

static void rx(void)
{
	stack_netif_poll(&port);
}

static void port_tick(void)
{
	stack_netif_retry_tx(&port);
}

static bool port_counter(unsigned i, uint64_t *value)
{
	if (i >= STACK_PORT_STAT_COUNT)
		return false;
	*value = stack_port_stat_get(&port.stats, i);
	return true;
}

/* The session's counters in enet (ENET STATS, w1 = 0: virtio-net/proto/
 * stats.h's flat array), so a client can see what enet dropped for it and
 * how its frames came (frames_exchanged, rx_instret). */
_Static_assert(STACK_STATS_ENET == CNET_STATS_ENET, "one index base for enet's counters");
static bool enet_counter(unsigned i, uint64_t *value)
{
	if (i >= ENET_STATS_COUNTERS)
		return false;
	const struct cairn_msg m = { .order = CAIRN_SO_ENET_STATS, .w = { i, 0 } };
	struct cairn_reply rep;
	if (cairn_call(STACK_CAP_ENET, &m, NULL, &rep) != CAIRN_OK)
		return false;
	*value = rep.w[0];
	return true;
}

/* enet checks the mode against the session's (docs/network.md "Page
 * exchange"); the netif's geometry is the same in both page modes. */
static uint64_t rx_mode(uint64_t mode, uint64_t exchange_min)
{
	return enet(CAIRN_SO_ENET_RX_MODE, mode, exchange_min);
}

static const struct serve_ops ops = {
	.attach = stack_attach,
	.bind = stack_enet_bind,
	.rx = rx,
	.tick = port_tick,
	.port_counter = port_counter,
	.enet_counter = enet_counter,
	.rx_mode = rx_mode,
};

/* Copy the server's capability register `from` to `to`. */
static uint64_t keep_key(cap_t from, cap_t to)
{
	struct cairn_io io = { .w = { from }, .rkeys = { to } };
	return cairn_inv_DOMAIN_GET_CAP(STACK_CAP_SELF, &io);
}

/* lwIP's clock brought up to date before lwIP runs (stack_clock.h); true
 * at the first message of a new boot. */
static bool clock_update(void)
{
	uint64_t us = 0;
	cairn_sleep_now(CAIRN_CAP_SLEEP, &us, NULL);
	stack_clock_update(us);
	bool fresh = stack_clock.boots != boots_seen;
	boots_seen = stack_clock.boots;
	if (fresh && serve_attached())
		printf("new boot: connections probed\n");
	return fresh;
}

/* After every message: frames lwIP queued go out, a parked WAIT with
 * something to report is answered. */
static void after(void)
{
	if (serve_attached() && stack_netif_take_tx_pending(&port)) {
		STACK_COUNT(TX_ROUNDS);
		enet(CAIRN_SO_ENET_SEND, 0, 0);
	}
	struct cairn_msg m = { .order = CAIRN_OK };
	if (serve_wake(&m.w[0], &m.w[1]))
		cairn_send(STACK_CAP_PARKED, &m); /* a SEND on a resume key never waits */
}

static __attribute__((noreturn)) void server(void)
{
	serve_init(&ops);
	const struct cairn_rcv rcv = { .buf = inbuf,
				       .max = sizeof inbuf,
				       .keys = { STACK_CAP_ARG },
				       .resume = STACK_CAP_RESUME };
	struct cairn_reply in;
	cairn_wait(&rcv, &in);
	for (;;) {
		struct serve_in si = {
			.order = in.code,
			.badge = in.info & CAIRN_INFO_BADGE_MASK,
			.w = { in.w[0], in.w[1], in.w[2], in.w[3] },
			.str = inbuf,
			.len = in.len,
			.truncated = (in.info & CAIRN_INFO_TRUNCATED) != 0,
		};
		si.new_boot = clock_update();
		bool was_attached = serve_attached();
		struct serve_out so = { .str = outbuf };
		serve_order(&si, &so);
		if (!was_attached && serve_attached()) {
			uint32_t ip = (uint32_t)so.w[0];
			printf("attached ip %u.%u.%u.%u\n", ip & 0xff, (ip >> 8) & 0xff,
			       (ip >> 16) & 0xff, ip >> 24);
		}
		if (so.displace) {
			const struct cairn_msg empty = { .order = CAIRN_OK };
			cairn_send(STACK_CAP_PARKED, &empty);
		}
		if (so.park) {
			keep_key(STACK_CAP_RESUME, STACK_CAP_PARKED);
			after();
			cairn_wait(&rcv, &in);
			continue;
		}
		after();
		const struct cairn_msg out = {
			.order = so.result,
			.w = { so.w[0], so.w[1], so.w[2], so.w[3] },
			.str = so.len ? outbuf : NULL,
			.len = so.len,
		};
		cairn_return(STACK_CAP_RESUME, &out, &rcv, &in);
	}
}

/* The receive pump. */
static __attribute__((noreturn)) void pump(void)
{
	for (;;) {
		const struct cairn_msg m = { .order = CAIRN_SO_ENET_RECV };
		if (cairn_call(STACK_HCAP_ENET, &m, NULL, NULL) != CAIRN_OK) {
			cairn_sleep_for(CAIRN_CAP_SLEEP, 100); /* not attached yet */
			continue;
		}
		const struct cairn_msg r = { .order = CAIRN_SO_STACK_RX };
		cairn_call(STACK_HCAP_STACK, &r, NULL, NULL);
	}
}

/* The timer. */
static __attribute__((noreturn)) void timer(void)
{
	uint64_t ms = 250;
	for (;;) {
		cairn_sleep_for(CAIRN_CAP_SLEEP, ms);
		const struct cairn_msg t = { .order = CAIRN_SO_STACK_TICK };
		struct cairn_reply rep;
		if (cairn_call(STACK_HCAP_STACK, &t, NULL, &rep) == CAIRN_OK)
			ms = rep.w[0] < 10 ? 10 : rep.w[0] > 250 ? 250 : rep.w[0];
	}
}

int main(uint64_t arg)
{
	if (arg == 1)
		pump();
	if (arg == 2)
		timer();
	server(); /* main runs once in a domain's life: a resume goes on from the cut */
}
