/* SPDX-License-Identifier: MIT */
/*
 * The stack server's order decoding (serve.h has the rules). Every word
 * from the client is range-checked here before sock.c sees it; sock.c
 * checks handles and kinds. The counters (stack.h) live here.
 */
#include <string.h>

#include "lwip/timeouts.h"

#include <cairn/abi.h>
#include <cairn/keytab.h>

#include "client.h"
#include "serve.h"
#include "sock.h"
#include "stack.h"

uint64_t stack_count[STACK_COUNTER_COUNT];
const char *const stack_counter_names[STACK_COUNTER_COUNT] = {
#define STACK_X(name, what) #name,
	STACK_COUNTERS(STACK_X)
#undef STACK_X
};

_Static_assert(STACK_C_ORD_TICK == (CAIRN_SO_STACK_TICK & 0xff) - 1,
	       "the order counters are indexed by order code");

#define TICK_MIN_MS 10u
#define TICK_MAX_MS 250u

static const struct serve_ops *ops;
static bool attached;
static bool parked;
static uint64_t parked_want;
static uint64_t parked_skip; /* handles whose readability the parked WAIT does not want */

void serve_init(const struct serve_ops *o)
{
	ops = o;
	attached = parked = false;
	parked_want = 0;
	parked_skip = 0;
	memset(stack_count, 0, sizeof stack_count);
}

bool serve_attached(void)
{
	return attached;
}

static uint64_t clamp_max(uint64_t w)
{
	return w == 0 || w > CAIRN_MAX_STRING ? CAIRN_MAX_STRING : w;
}

/* w0 = the session's receive mode for enet (client.h enum enet_rx_mode:
 * page buffers for a client that expects large frames). */
static uint64_t attach(uint64_t rx_mode, struct serve_out *out)
{
	if (attached || rx_mode >= ENET_RX_MODES)
		return CAIRN_BAD_ARGUMENT;
	uint32_t ip = 0;
	uint64_t mac = 0;
	uint64_t rc = ops->attach(rx_mode, &ip, &mac);
	if (rc != CAIRN_OK)
		return rc;
	sock_init();
	attached = true;
	out->w[0] = ip;
	out->w[1] = mac;
	return CAIRN_OK;
}

static uint64_t stats(uint64_t index, struct serve_out *out)
{
	for (unsigned i = 0; i < 4; i++) {
		uint64_t k = index + i, v = 0;
		if (k < STACK_COUNTER_COUNT)
			v = stack_count[k];
		else if (k - STACK_COUNTER_COUNT < 1024 && ops->port_counter)
			ops->port_counter((unsigned)(k - STACK_COUNTER_COUNT), &v);
		else if (k >= STACK_STATS_ENET && k - STACK_STATS_ENET < 1024 && ops->enet_counter)
			ops->enet_counter((unsigned)(k - STACK_STATS_ENET), &v);
		out->w[i] = v;
	}
	return CAIRN_OK;
}

static uint64_t tick(const struct serve_in *in, struct serve_out *out)
{
	uint32_t ms = TICK_MAX_MS;
	(void)in;
	if (attached) {
		sys_check_timeouts();
		sock_tick();
		if (ops->tick)
			ops->tick();
		ms = sys_timeouts_sleeptime();
	}
	out->w[0] = ms < TICK_MIN_MS ? TICK_MIN_MS : ms > TICK_MAX_MS ? TICK_MAX_MS : ms;
	return CAIRN_OK;
}

static uint64_t wait(uint64_t want, uint64_t skip, struct serve_out *out)
{
	if (parked) {
		parked = false;
		out->displace = true;
		STACK_COUNT(WAIT_DISPLACED);
	}
	sock_events(want, &out->w[0], &out->w[1]);
	out->w[0] &= ~skip;
	if (out->w[0] || out->w[1])
		return CAIRN_OK;
	parked = true;
	parked_want = want;
	parked_skip = skip;
	out->park = true;
	STACK_COUNT(WAIT_PARKED);
	return CAIRN_OK;
}

static uint64_t listen(const struct serve_in *in, struct serve_out *out)
{
	if (in->w[0] == 0 || in->w[0] > 0xffff || in->w[1] > SOCK_BACKLOG_MAX)
		return CAIRN_BAD_ARGUMENT;
	uint64_t rc = ops->bind(6, (uint16_t)in->w[0]);
	unsigned h = 0;
	if (rc == CAIRN_OK &&
	    (rc = sock_tcp_listen((uint16_t)in->w[0], (unsigned)in->w[1], &h)) == CAIRN_OK)
		out->w[0] = h;
	return rc;
}

static uint64_t udp_bind(const struct serve_in *in, struct serve_out *out)
{
	if (in->w[0] == 0 || in->w[0] > 0xffff)
		return CAIRN_BAD_ARGUMENT;
	uint64_t rc = ops->bind(17, (uint16_t)in->w[0]);
	unsigned h = 0;
	if (rc == CAIRN_OK && (rc = sock_udp_bind((uint16_t)in->w[0], &h)) == CAIRN_OK)
		out->w[0] = h;
	return rc;
}

static uint64_t client_order(const struct serve_in *in, struct serve_out *out)
{
	const uint64_t *w = in->w;
	unsigned h = w[0] < SOCK_HANDLES ? (unsigned)w[0] : SOCK_HANDLES; /* out of range: bad */
	uint64_t rc;
	size_t n = 0, full = 0;
	uint32_t ip = 0;
	uint16_t port = 0;
	switch (in->order) {
	case CAIRN_SO_STACK_TCP_LISTEN:
		return listen(in, out);
	case CAIRN_SO_STACK_TCP_ACCEPT:
		rc = sock_tcp_accept(h, &h, &ip, &port);
		if (rc == CAIRN_OK) {
			out->w[0] = h;
			out->w[1] = ip;
			out->w[2] = port;
		}
		return rc;
	case CAIRN_SO_STACK_TCP_CONNECT:
		if (w[0] == 0 || w[0] > 0xffffffffu || w[1] == 0 || w[1] > 0xffff)
			return CAIRN_BAD_ARGUMENT;
		rc = sock_tcp_connect((uint32_t)w[0], (uint16_t)w[1], &h);
		if (rc == CAIRN_OK)
			out->w[0] = h;
		return rc;
	case CAIRN_SO_STACK_TCP_SEND:
		rc = sock_tcp_send(h, in->str, in->len, &n);
		out->w[0] = n;
		return rc;
	case CAIRN_SO_STACK_TCP_RECV:
		rc = sock_tcp_recv(h, out->str, clamp_max(w[1]), &n);
		out->len = n;
		out->w[0] = n;
		return rc;
	case CAIRN_SO_STACK_CLOSE:
		return sock_close(h);
	case CAIRN_SO_STACK_UDP_BIND:
		return udp_bind(in, out);
	case CAIRN_SO_STACK_UDP_SENDTO:
		if (w[1] > 0xffffffffu || w[2] > 0xffff)
			return CAIRN_BAD_ARGUMENT;
		return sock_udp_sendto(h, (uint32_t)w[1], (uint16_t)w[2], in->str, in->len);
	case CAIRN_SO_STACK_UDP_RECVFROM:
		rc = sock_udp_recvfrom(h, out->str, clamp_max(w[1]), &n, &full, &ip, &port);
		if (rc == CAIRN_OK) {
			out->len = n;
			out->w[0] = n;
			out->w[1] = ip;
			out->w[2] = port;
			out->w[3] = full;
		}
		return rc;
	case CAIRN_SO_STACK_WAIT:
		return wait(w[0], w[1], out);
	case CAIRN_SO_STACK_RX_MODE:
		return ops->rx_mode ? ops->rx_mode(w[0], w[1]) : CAIRN_BAD_ORDER;
	}
	return CAIRN_BAD_ORDER;
}

static uint64_t decode(const struct serve_in *in, struct serve_out *out)
{
	bool helper_order = in->order == CAIRN_SO_STACK_RX || in->order == CAIRN_SO_STACK_TICK;
	if (in->badge == STACK_BADGE_HELPER) {
		if (!helper_order)
			return CAIRN_RESTRICTED;
		if (in->order == CAIRN_SO_STACK_RX && attached)
			ops->rx();
		return in->order == CAIRN_SO_STACK_TICK ? tick(in, out) : CAIRN_OK;
	}
	if (in->badge != STACK_BADGE_CLIENT || helper_order)
		return CAIRN_RESTRICTED;
	if (in->truncated || in->len > CAIRN_MAX_STRING)
		return CAIRN_STRING_TOO_LONG;
	if (in->order == CAIRN_SO_STACK_STATS)
		return stats(in->w[0], out);
	if (in->order == CAIRN_SO_STACK_ATTACH)
		return attach(in->w[0], out);
	if (!attached)
		return CAIRN_RESTRICTED;
	return client_order(in, out);
}

void serve_order(const struct serve_in *in, struct serve_out *out)
{
	out->result = CAIRN_OK;
	memset(out->w, 0, sizeof out->w);
	out->len = 0;
	out->park = out->displace = false;
	if (in->new_boot && attached)
		sock_probe_connections();
	uint64_t rc = decode(in, out);
	if (rc == CAIRN_RESTRICTED || rc == CAIRN_BAD_ORDER)
		STACK_COUNT(REFUSED);
	else if ((in->order & ~0xffull) == 0x8300 && (in->order & 0xff) >= 1 &&
		 (in->order & 0xff) <= STACK_C_ORD_TICK + 1)
		stack_count[(in->order & 0xff) - 1]++;
	if (rc != CAIRN_OK) {
		memset(out->w, 0, sizeof out->w);
		out->len = 0;
		if (rc == CAIRN_NET_WOULD_BLOCK && in->order == CAIRN_SO_STACK_TCP_SEND)
			out->w[0] = 0;
	}
	out->result = rc;
}

bool serve_wake(uint64_t *readable, uint64_t *writable)
{
	if (!parked)
		return false;
	sock_events(parked_want, readable, writable);
	*readable &= ~parked_skip;
	if (!*readable && !*writable)
		return false;
	parked = false;
	STACK_COUNT(WAIT_WOKEN);
	return true;
}
