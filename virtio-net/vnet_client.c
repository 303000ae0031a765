/* SPDX-License-Identifier: MIT */
/*
 * Sessions and their orders: the first cut of enet's client protocol
 * (the ENET rows of CAIRN_SERVICE_ORDERS; docs/network.md "The first
 * cut"). A client calls enet's start key; the badge (1..VNET_SESSIONS) is
 * its session. It attaches a page of its own (bought from its bank), binds
 * the ports it owns, and then receives into and sends from that page:
 *
 *   ATTACH  k0 = read-write page key  -> w0 = MAC, w1 = IPv4 address
 *   BIND    w0 = protocol, w1 = port  -> OK, PORT_TAKEN, PORTS_FULL, BAD_ARGUMENT
 *   RECV    w0 = offset               -> (when a frame is there) w0 = length
 *   SEND    w0 = offset, w1 = length  -> OK, NET_REFUSED (w0 = reason)
 *   STATS   w0 = reason row           -> w0 in, w1 out, w2 drops[row], w3 all drops
 *
 * Defences kept even in this cut: enet never waits for a client (a RECV
 * with nothing queued is parked, its resume key kept, and answered by a
 * SEND when a frame comes; a slow client's queue fills and it loses its
 * own frames, counted RX_QUEUE_FULL); enet reaches the client's page only
 * through PAGE_READ and PAGE_WRITE, so a page the client revoked is a
 * VOID result, never a fault in enet (the session is detached and its
 * ports released); every frame a client sends is copied into enet's
 * memory first and checked there (enet_check_tx: source MAC, IPv4
 * address, registered port), so the client cannot change it after the
 * check. What this cut lacks (shared descriptor queues, read-only receive
 * buffers built by enet, fairness across sessions) is docs/network.md's.
 */
#include <string.h>

#include "vnet.h"

static cap_t page_cap(uint32_t s)
{
	return VNET_CAP_CLIENT_PAGE + s - 1;
}

static cap_t parked_cap(uint32_t s)
{
	return VNET_CAP_PARKED + s - 1;
}

/* Copy enet's capability register `from` to `to` (DOMAIN_GET_CAP on its
 * own domain key). */
static uint64_t keep_key(cap_t from, cap_t to)
{
	struct cairn_io io = { .w = { from }, .rkeys = { to } };
	return cairn_inv_DOMAIN_GET_CAP(VNET_CAP_SELF, &io);
}

/* The session ends: its ports and queued frames go, a parked RECV is
 * answered VOID. A new ATTACH starts it again. */
static void detach(uint32_t s)
{
	struct vnet_session *ss = &vnet.session[s];
	if (ss->parked) {
		const struct cairn_msg m = { .order = CAIRN_VOID };
		cairn_send(parked_cap(s), &m);
	}
	enet_ports_release_session(&vnet.ports, s);
	ss->attached = ss->parked = false;
	ss->count = 0;
}

/* The frame into the client's page; false if the page is gone. */
static bool put_frame(uint32_t s, uint32_t offset, const uint8_t *frame, uint32_t len)
{
	struct cairn_io io = { .w = { offset }, .str = frame, .len = len };
	if (cairn_inv_PAGE_WRITE(page_cap(s), &io) == CAIRN_OK)
		return true;
	detach(s); /* revoked (VOID) or never writable: the session ends */
	return false;
}

void vnet_deliver(uint32_t s, const uint8_t *frame, uint32_t len)
{
	struct vnet_session *ss = &vnet.session[s];
	if (!ss->attached) {
		enet_count(&vnet.stats, ENET_NO_OWNER);
		return;
	}
	if (ss->parked) {
		ss->parked = false;
		bool ok = put_frame(s, ss->recv_offset, frame, len);
		const struct cairn_msg m = { .order = ok ? CAIRN_OK : CAIRN_VOID, .w = { len } };
		cairn_send(parked_cap(s), &m); /* a SEND on a resume key never waits */
		if (ok) {
			ss->stats.frames_in++;
			ss->stats.bytes_in += len;
		}
		return;
	}
	if (ss->count == VNET_RXQ_FRAMES) {
		enet_count(&ss->stats, ENET_RX_QUEUE_FULL); /* a slow client loses its own */
		return;
	}
	struct vnet_frame *f = &ss->queue[(ss->head + ss->count++) % VNET_RXQ_FRAMES];
	f->len = (uint16_t)len;
	memcpy(f->data, frame, len);
	ss->stats.frames_in++;
	ss->stats.bytes_in += len;
}

static uint64_t attach(uint32_t s, struct cairn_msg *out)
{
	/* Never invoke a client's key before DISCRIM says what it is: a start
	 * key would be a call into a domain that need never answer. */
	uint64_t type, rights;
	uint64_t rc = cairn_discrim_classify(VNET_CAP_DISCRIM, VNET_CAP_TMP, &type, &rights);
	if (rc)
		return rc;
	if (type != CAIRN_KEY_PAGE)
		return type == CAIRN_KEY_VOID ? CAIRN_VOID : CAIRN_BAD_KEY;
	if (rights & CAIRN_RIGHT_RO)
		return CAIRN_NO_RIGHTS;
	if ((rc = keep_key(VNET_CAP_TMP, page_cap(s))))
		return rc;
	if (!vnet.present)
		return CAIRN_NO_DEVICE;
	vnet.session[s].attached = true;
	for (unsigned i = 0; i < 6; i++)
		out->w[0] |= (uint64_t)vnet.addr.mac[i] << (8 * i);
	for (unsigned i = 0; i < 4; i++)
		out->w[1] |= (uint64_t)vnet.addr.ip[i] << (8 * i);
	return CAIRN_OK;
}

static uint64_t bind(uint32_t s, uint64_t proto, uint64_t port)
{
	if (proto > 255 || port > 65535)
		return CAIRN_BAD_ARGUMENT;
	switch (enet_ports_register(&vnet.ports, s, (uint8_t)proto, (uint16_t)port)) {
	case ENET_PORT_OK:
		return CAIRN_OK;
	case ENET_PORT_TAKEN:
		return CAIRN_PORT_TAKEN;
	case ENET_PORT_TABLE_FULL:
	case ENET_PORT_QUOTA:
		return CAIRN_PORTS_FULL;
	default:
		return CAIRN_BAD_ARGUMENT;
	}
}

static uint64_t recv(uint32_t s, uint64_t offset, struct cairn_msg *out, bool *parked)
{
	struct vnet_session *ss = &vnet.session[s];
	if (offset > 4096 - ENET_FRAME_MAX || ss->parked)
		return CAIRN_BAD_ARGUMENT;
	if (ss->count == 0) {
		uint64_t rc = keep_key(VNET_CAP_RESUME, parked_cap(s));
		if (rc)
			return rc;
		ss->parked = *parked = true;
		ss->recv_offset = (uint32_t)offset;
		return CAIRN_OK;
	}
	struct vnet_frame *f = &ss->queue[ss->head];
	if (!put_frame(s, (uint32_t)offset, f->data, f->len))
		return CAIRN_VOID;
	out->w[0] = f->len;
	ss->head = (ss->head + 1) % VNET_RXQ_FRAMES;
	ss->count--;
	return CAIRN_OK;
}

static uint64_t send(uint32_t s, uint64_t offset, uint64_t len, struct cairn_msg *out)
{
	static uint8_t copy[ENET_FRAME_MAX]; /* enet's own: checked, then sent */
	struct vnet_session *ss = &vnet.session[s];
	if (len < ENET_ETH_HDR || len > ENET_FRAME_MAX || offset > 4096 - len)
		return CAIRN_BAD_ARGUMENT;
	struct cairn_io io = { .w = { offset, len }, .buf = copy, .max = sizeof copy };
	uint64_t rc = cairn_inv_PAGE_READ(page_cap(s), &io);
	if (rc || io.rlen != len) {
		detach(s);
		return CAIRN_VOID;
	}
	enum enet_reason why = enet_check_tx(&vnet.addr, &vnet.ports, s, copy, (uint32_t)len);
	if (why != ENET_OK) {
		enet_count(&ss->stats, why);
		out->w[0] = why;
		return CAIRN_NET_REFUSED;
	}
	ss->stats.frames_out++;
	ss->stats.bytes_out += len;
	vnet_transmit(copy, (uint32_t)len);
	return CAIRN_OK;
}

static uint64_t stats(uint32_t s, uint64_t row, struct cairn_msg *out)
{
	const struct enet_stats *st = &vnet.session[s].stats;
	if (row >= ENET_REASON_COUNT)
		return CAIRN_BAD_ARGUMENT;
	out->w[0] = st->frames_in;
	out->w[1] = st->frames_out;
	out->w[2] = st->drops[row];
	out->w[3] = enet_drops_total(st);
	return CAIRN_OK;
}

uint64_t vnet_client_order(uint32_t s, const struct cairn_reply *in, struct cairn_msg *out,
			   bool *parked)
{
	*parked = false;
	if (in->code == CAIRN_SO_ENET_ATTACH)
		return attach(s, out);
	if (in->code == CAIRN_SO_ENET_STATS)
		return stats(s, in->w[0], out);
	if (!vnet.session[s].attached)
		return CAIRN_RESTRICTED; /* attach first */
	switch (in->code) {
	case CAIRN_SO_ENET_BIND:
		return bind(s, in->w[0], in->w[1]);
	case CAIRN_SO_ENET_RECV:
		return recv(s, in->w[0], out, parked);
	case CAIRN_SO_ENET_SEND:
		return send(s, in->w[0], in->w[1], out);
	default:
		return CAIRN_BAD_ORDER;
	}
}
