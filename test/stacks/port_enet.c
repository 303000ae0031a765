/* SPDX-License-Identifier: MIT */
/*
 * The host tests' enet (port_enet.h): the same SPSC rings as
 * virtio-net/proto/client.h, driven from enet's end (enet produces on
 * RX_ACTIVE and TX_FREE, consumes RX_FREE and TX_ACTIVE, and the client
 * helpers work from either end of a ring).
 */
#include "port_enet.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define VIEW_BYTES (ENET_VIEW_PAGES * 4096u)

uint8_t port_view_mem[VIEW_BYTES + 4096u] __attribute__((aligned(4096)));
struct enet_view port_view;

/* The receive region is read-only to the client, as in a real session:
 * writable only while "enet" fills a buffer, so a write by lwIP into a
 * frame passed by reference faults the test. */
static void rx_writable(bool w)
{
	uint8_t *rx = port_view_mem + ENET_VIEW_RX_PAGE * 4096u;
	if (mprotect(rx, ENET_VIEW_RX_PAGES * 4096u, w ? PROT_READ | PROT_WRITE : PROT_READ) != 0)
		abort();
}

void port_enet_reset(void)
{
	rx_writable(true);
	memset(port_view_mem, 0, VIEW_BYTES);
	memset(port_view_mem + VIEW_BYTES, PORT_GUARD_BYTE, 4096u);
	enet_view_init(&port_view, port_view_mem);
	rx_writable(false);
}

bool port_enet_guard_intact(void)
{
	for (uint32_t i = 0; i < 4096u; i++)
		if (port_view_mem[VIEW_BYTES + i] != PORT_GUARD_BYTE)
			return false;
	return true;
}

uint32_t port_ring_count(enum enet_queue_kind k)
{
	const struct enet_ring *r = port_view.ring[k];
	return r->tail - r->head;
}

uint64_t port_enet_deliver(const uint8_t *frame, uint32_t len)
{
	struct enet_desc d;
	if (!enet_client_get(port_view.ring[ENET_Q_RX_FREE], &d))
		return UINT64_MAX;
	rx_writable(true);
	memcpy(port_view_mem + ENET_VIEW_RX_PAGE * 4096u + d.offset, frame, len);
	rx_writable(false);
	port_enet_deliver_desc(d.offset, len);
	return d.offset;
}

void port_enet_deliver_desc(uint64_t offset, uint32_t len)
{
	enet_client_put(port_view.ring[ENET_Q_RX_ACTIVE], offset, len);
}

uint32_t port_enet_take_tx(uint8_t *out, bool give_back)
{
	struct enet_desc d;
	if (!enet_client_get(port_view.ring[ENET_Q_TX_ACTIVE], &d))
		return 0;
	memcpy(out, port_view.tx + d.offset, d.len);
	if (give_back)
		enet_client_put(port_view.ring[ENET_Q_TX_FREE], d.offset, 0);
	return d.len;
}

uint32_t port_enet_drain_tx(void)
{
	uint8_t f[ENET_VIEW_BUF];
	uint32_t n = 0;
	while (port_enet_take_tx(f, true) != 0)
		n++;
	return n;
}
