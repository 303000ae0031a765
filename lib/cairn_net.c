/* SPDX-License-Identifier: MIT */
/*
 * The client library of a stack domain (lib/cairn_net.h): each function
 * is one CALL on the client's start key to its stack, the order's words
 * in and out as the STACK rows of CAIRN_SERVICE_ORDERS say. Two words
 * beyond those rows (stacks/serve.h): TCP_RECV and UDP_RECVFROM send w1 =
 * the receive buffer's size, because the server cannot see how big the
 * caller's buffer is and must not hand back more than fits (the kernel
 * would cut the string and the bytes past the cut would be lost).
 */
#include "cairn_net.h"

#include "bank.h"

static uint64_t order(cap_t stack, uint64_t code, const struct cairn_msg *m0,
		      const struct cairn_rcv *r, struct cairn_reply *rep)
{
	struct cairn_msg m = *m0;
	m.order = code;
	return cairn_call(stack, &m, r, rep);
}

uint64_t cnet_attach(cap_t stack, cap_t bank, uint32_t *ip, uint64_t *mac)
{
	return cnet_attach_mode(stack, bank, 0, ip, mac);
}

uint64_t cnet_attach_mode(cap_t stack, cap_t bank, uint64_t rx_mode, uint32_t *ip, uint64_t *mac)
{
	const struct cairn_msg m = { .w = { rx_mode }, .keys = { bank } };
	struct cairn_reply rep;
	uint64_t rc = order(stack, CAIRN_SO_STACK_ATTACH, &m, NULL, &rep);
	if (rc == CAIRN_OK) {
		if (ip)
			*ip = (uint32_t)rep.w[0];
		if (mac)
			*mac = rep.w[1];
	}
	return rc;
}

uint64_t cnet_attach_own(cap_t stack, cap_t bank, cap_t sub, cap_t inspect, uint32_t *ip)
{
	return cnet_attach_own_mode(stack, bank, sub, inspect, 0, ip);
}

uint64_t cnet_attach_own_mode(cap_t stack, cap_t bank, cap_t sub, cap_t inspect, uint64_t rx_mode,
			      uint32_t *ip)
{
	uint64_t rc = cairn_bank_create(bank, CAIRN_BANK_TRANSPARENT, sub, inspect);
	return rc != CAIRN_OK ? rc : cnet_attach_mode(stack, sub, rx_mode, ip, NULL);
}

uint64_t cnet_rx_mode(cap_t stack, uint64_t rx_mode, uint64_t exchange_min)
{
	const struct cairn_msg m = { .w = { rx_mode, exchange_min } };
	struct cairn_reply rep;
	return order(stack, CAIRN_SO_STACK_RX_MODE, &m, NULL, &rep);
}

/* The orders whose answer is a handle in w0. */
static uint64_t handle_order(cap_t stack, uint64_t code, uint64_t w0, uint64_t w1, unsigned *handle)
{
	const struct cairn_msg m = { .w = { w0, w1 } };
	struct cairn_reply rep;
	uint64_t rc = order(stack, code, &m, NULL, &rep);
	if (rc == CAIRN_OK && handle)
		*handle = (unsigned)rep.w[0];
	return rc;
}

uint64_t cnet_tcp_listen(cap_t stack, uint16_t port, unsigned backlog, unsigned *handle)
{
	return handle_order(stack, CAIRN_SO_STACK_TCP_LISTEN, port, backlog, handle);
}

uint64_t cnet_tcp_accept(cap_t stack, unsigned listener, unsigned *handle, uint32_t *peer_ip,
			 uint16_t *peer_port)
{
	const struct cairn_msg m = { .w = { listener } };
	struct cairn_reply rep;
	uint64_t rc = order(stack, CAIRN_SO_STACK_TCP_ACCEPT, &m, NULL, &rep);
	if (rc == CAIRN_OK) {
		if (handle)
			*handle = (unsigned)rep.w[0];
		if (peer_ip)
			*peer_ip = (uint32_t)rep.w[1];
		if (peer_port)
			*peer_port = (uint16_t)rep.w[2];
	}
	return rc;
}

uint64_t cnet_tcp_connect(cap_t stack, uint32_t ip, uint16_t port, unsigned *handle)
{
	return handle_order(stack, CAIRN_SO_STACK_TCP_CONNECT, ip, port, handle);
}

uint64_t cnet_tcp_send(cap_t stack, unsigned handle, const void *buf, size_t len, size_t *sent)
{
	const struct cairn_msg m = {
		.w = { handle },
		.str = buf,
		.len = len > CNET_MAX_IO ? CNET_MAX_IO : len,
	};
	struct cairn_reply rep;
	uint64_t rc = order(stack, CAIRN_SO_STACK_TCP_SEND, &m, NULL, &rep);
	if (sent)
		*sent = rc == CAIRN_OK ? (size_t)rep.w[0] : 0;
	return rc;
}

uint64_t cnet_tcp_recv(cap_t stack, unsigned handle, void *buf, size_t max, size_t *got)
{
	if (max > CNET_MAX_IO)
		max = CNET_MAX_IO;
	const struct cairn_msg m = { .w = { handle, max } };
	const struct cairn_rcv r = { .buf = buf, .max = max };
	struct cairn_reply rep;
	uint64_t rc = max ? order(stack, CAIRN_SO_STACK_TCP_RECV, &m, &r, &rep)
			  : CAIRN_BAD_ARGUMENT;
	if (got)
		*got = rc == CAIRN_OK ? rep.len : 0;
	return rc;
}

uint64_t cnet_close(cap_t stack, unsigned handle)
{
	return handle_order(stack, CAIRN_SO_STACK_CLOSE, handle, 0, NULL);
}

uint64_t cnet_udp_bind(cap_t stack, uint16_t port, unsigned *handle)
{
	return handle_order(stack, CAIRN_SO_STACK_UDP_BIND, port, 0, handle);
}

uint64_t cnet_udp_sendto(cap_t stack, unsigned handle, uint32_t ip, uint16_t port, const void *buf,
			 size_t len)
{
	const struct cairn_msg m = { .w = { handle, ip, port }, .str = buf, .len = len };
	return order(stack, CAIRN_SO_STACK_UDP_SENDTO, &m, NULL, NULL);
}

uint64_t cnet_udp_recvfrom(cap_t stack, unsigned handle, void *buf, size_t max, size_t *got,
			   uint32_t *ip, uint16_t *port)
{
	if (max > CNET_MAX_IO)
		max = CNET_MAX_IO;
	const struct cairn_msg m = { .w = { handle, max } };
	const struct cairn_rcv r = { .buf = buf, .max = max };
	struct cairn_reply rep;
	uint64_t rc = order(stack, CAIRN_SO_STACK_UDP_RECVFROM, &m, &r, &rep);
	if (got)
		*got = rc == CAIRN_OK ? rep.len : 0;
	if (rc == CAIRN_OK) {
		if (ip)
			*ip = (uint32_t)rep.w[1];
		if (port)
			*port = (uint16_t)rep.w[2];
	}
	return rc;
}

uint64_t cnet_wait(cap_t stack, uint64_t want_write, uint64_t skip_read, struct cnet_events *ev)
{
	const struct cairn_msg m = { .w = { want_write, skip_read } };
	struct cairn_reply rep;
	uint64_t rc = order(stack, CAIRN_SO_STACK_WAIT, &m, NULL, &rep);
	if (ev)
		*ev = rc == CAIRN_OK ? (struct cnet_events){ rep.w[0], rep.w[1] }
				     : (struct cnet_events){ 0, 0 };
	return rc;
}

uint64_t cnet_stats(cap_t stack, unsigned index, uint64_t out[4])
{
	const struct cairn_msg m = { .w = { index } };
	struct cairn_reply rep;
	uint64_t rc = order(stack, CAIRN_SO_STACK_STATS, &m, NULL, &rep);
	for (unsigned i = 0; i < 4 && out; i++)
		out[i] = rc == CAIRN_OK ? rep.w[i] : 0;
	return rc;
}
