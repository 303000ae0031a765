/* SPDX-License-Identifier: MIT */
/*
 * Sessions and their orders (the ENET rows of CAIRN_SERVICE_ORDERS;
 * docs/network.md "The session protocol"). A client calls enet's start
 * key; the badge (1..VNET_SESSIONS) is its session.
 *
 *   ATTACH  k0 = a bank key, w0 = receive mode (client.h)
 *                                  -> r0 = the view (space key), w0 = MAC, w1 = IPv4
 *   BIND    w0 = protocol, w1 = port -> OK, PORT_TAKEN, PORTS_FULL, BAD_ARGUMENT
 *   RECV                           -> (when RX_ACTIVE holds a frame) OK
 *   SEND                           -> transmit rounds run; w0 = frames sent
 *   STATS   w0 = index, w1 = whose -> w0..w3 = counters index..index + 3
 *   PRINT                          -> the counters on the console (debug switch)
 *   RX_MODE w0 = 1 or 2, w1 = min  -> page exchange on or off (page buffers only),
 *                                     for frames of min bytes or more (0: the default)
 *
 * ATTACH: the client's storage, enet's mapping. enet asks its own bank
 * whether k0 is a genuine bank key that may buy (never calling a key it
 * has not verified: a start key to anyone else need never answer), buys
 * the view's node and its receive and transmit pages from that bank (the
 * client pays, and can rescind them through its bank), keeps the only
 * read-write keys to them in a node of its own (VNET_CAP_SESSION + s - 1),
 * and fills the view with its own ring page, read-only keys to the
 * receive pages (PAGE_WEAKEN) and the transmit pages: so the client owns
 * the storage but cannot write a frame enet delivered (seed 001).
 *
 * enet reaches the regions only through PAGE_WRITE and PAGE_READ on its
 * keys (struct enet_session_io), so storage the client revoked is a VOID
 * result, never a fault in enet: the session ends (STORAGE_GONE), its
 * ports are released, a parked RECV is answered VOID; no other session
 * notices. The rings are in enet's own page, which no client can revoke.
 * enet never waits for a client: a RECV with nothing queued is parked and
 * answered by a SEND on its resume key when a frame comes; full or empty
 * rings are the client's losses, counted (virtio-net/proto/queue.h).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "bank.h"
#include "client.h"
#include "vnet.h"

static cap_t session_cap(uint32_t s)
{
	return VNET_CAP_SESSION + s - 1;
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

/* The io of every session: the key to page `view_page` of the view from
 * enet's node for the session, then one page invocation. A frame never
 * crosses a buffer, and a buffer never crosses a page. */
static uint64_t region_key(const struct enet_session *c, uint32_t view_page)
{
	return cairn_node_get(session_cap(c->id), view_page, VNET_CAP_PAGE);
}

/*
 * Page exchange (docs/network.md "Page exchange"). The device buffer
 * holding the frame being delivered, or VNET_NONE (a frame enet made, or
 * one for several sessions): set around enet_session_offer, which calls
 * rx_write below with the session's page buffer. For an ENET_RX_PAGES
 * session and a frame of exchange_min bytes or more, the device's
 * page and the client's free page trade frames instead of the frame being
 * copied. Nothing of the device page but the frame reaches the client:
 * the bytes before it (the virtio header) and after it (an older frame,
 * perhaps another session's) are zeroed first. The device page now holds
 * the client's old bytes and goes back on the ring at its new physical
 * address. A client page that is gone answers VOID, as PAGE_WRITE would:
 * the session ends. Any other refusal (none is expected: enet's pins are
 * its own, the client's pages are never pinned) falls back to the copy.
 */
static uint16_t delivering_buf = VNET_NONE;

static enum enet_reason offer(struct vnet_session *ss, const uint8_t *frame, uint32_t len,
			      uint16_t buf, bool *no_buffer)
{
	delivering_buf = buf;
	uint64_t t0 = cairn_rdinstret();
	enum enet_reason why = enet_session_offer(&ss->core, frame, len, no_buffer);
	if (why == ENET_OK) /* what a delivery costs enet, by copy or exchange (docs/benchmarks.md)
			     */
		ss->core.stats.rx_instret += cairn_rdinstret() - t0;
	delivering_buf = VNET_NONE;
	return why;
}

static bool rx_write(const struct enet_session *c, uint64_t offset, const uint8_t *src,
		     uint32_t len)
{
	if (region_key(c, ENET_VIEW_RX_PAGE + (uint32_t)(offset / 4096)) != CAIRN_OK)
		return false;
	struct vnet_session *ss = &vnet.session[c->id];
	if (ss->rx_mode == ENET_RX_PAGES && delivering_buf != VNET_NONE &&
	    len >= ss->exchange_min && offset % 4096 == ENET_VIEW_PAGE_FRAME_AT) {
		uint64_t rc = vnet_rx_exchange(delivering_buf, len, VNET_CAP_PAGE);
		if (rc == CAIRN_OK) {
			ss->core.stats.frames_exchanged++;
			return true;
		}
		if (rc == CAIRN_VOID)
			return false;
	}
	struct cairn_io io = { .w = { offset % 4096 }, .str = src, .len = len };
	return cairn_inv_PAGE_WRITE(VNET_CAP_PAGE, &io) == CAIRN_OK;
}

static bool tx_read(const struct enet_session *c, uint64_t offset, uint8_t *dst, uint32_t len)
{
	struct cairn_io io = { .w = { offset % 4096, len }, .buf = dst, .max = len };
	return region_key(c, ENET_VIEW_TX_PAGE + (uint32_t)(offset / 4096)) == CAIRN_OK &&
	       cairn_inv_PAGE_READ(VNET_CAP_PAGE, &io) == CAIRN_OK && io.rlen == len;
}

static const struct enet_session_io session_io = { rx_write, tx_read };

/* The session ends: its ports go, a parked RECV is answered VOID, it
 * takes no part in transmit rounds. Its counters stay (STATS reads them);
 * the storage stays the client's, in its bank. A new ATTACH starts again. */
static void backlog_give_back_all(struct vnet_session *ss);

static void detach(uint32_t s)
{
	struct vnet_session *ss = &vnet.session[s];
	if (ss->parked) {
		const struct cairn_msg m = { .order = CAIRN_VOID };
		cairn_send(parked_cap(s), &m);
	}
	enet_ports_release_session(&vnet.ports, s);
	backlog_give_back_all(ss); /* what it kept is the device's again */
	enet_txsched_remove(&vnet.txsched, s);
	ss->attached = ss->parked = false;
}

/* Frames waiting in RX_ACTIVE that the client has not taken, as its head
 * says (a lying head only parks the liar). */
static bool rx_waiting(const struct vnet_session *ss)
{
	uint32_t head = __atomic_load_n(&ss->core.rx_active.ring->head, __ATOMIC_ACQUIRE);
	return head != ss->core.rx_active.tail;
}

/* A frame went into the session's queue: a parked RECV is answered. */
static void delivered(struct vnet_session *ss, uint32_t s)
{
	if (ss->parked) {
		ss->parked = false;
		const struct cairn_msg m = { .order = CAIRN_OK };
		cairn_send(parked_cap(s), &m); /* a SEND on a resume key never waits */
	}
}

/*
 * The backlog. A frame for a session that has posted no free receive
 * buffer waits in enet's device buffer, off the device's ring, instead of
 * being dropped, at most VNET_RX_BACKLOG frames a session (vnet.h); past
 * that it is RX_NO_BUFFER, the session's loss. Why: slirp hands the guest
 * a burst at once (16 connections' delayed ACKs and next requests, 32
 * frames, one more than a session's 30 buffers), the stack would have
 * taken them all in its next round, and each frame dropped cost its
 * connection a retransmission 1.4 s later (docs/network.md "The
 * backlog"). Order is kept: while a session's backlog is not empty, its
 * new frames join the backlog's end. It drains into the session before
 * enet serves any order of the session's (its RECV finds the frames) and
 * before a new frame of its is delivered. A stalled session keeps at most
 * its VNET_RX_BACKLOG buffers from the device, every other session's
 * frames are unaffected. A bring-up empties every backlog: the device's
 * buffers are all posted again, and what waited is lost (as a frame in
 * the device at a kill is: the network resends).
 */
static void backlog_give_back_all(struct vnet_session *ss)
{
	struct vnet_backlog *b = &ss->backlog;
	for (; b->n; b->n--, b->first = (uint8_t)((b->first + 1) % VNET_RX_BACKLOG))
		vnet_rx_give_back(b->buf[b->first]);
	vnet_rx_notify();
}

void vnet_backlogs_reset(void)
{
	for (uint32_t s = 1; s <= VNET_SESSIONS; s++)
		vnet.session[s].backlog = (struct vnet_backlog){ 0 };
}

/* Deliver what the backlog holds while the session has buffers; the
 * delivered (and dropped) buffers go back to the device. */
static void backlog_drain(uint32_t s)
{
	struct vnet_session *ss = &vnet.session[s];
	struct vnet_backlog *b = &ss->backlog;
	bool any = false, gave = false;
	while (b->n && ss->attached) {
		uint16_t i = b->buf[b->first];
		bool no_buffer;
		enum enet_reason why = offer(ss, vnet_rx_frame(i), b->len[b->first], i, &no_buffer);
		if (no_buffer)
			break;
		b->first = (uint8_t)((b->first + 1) % VNET_RX_BACKLOG);
		b->n--;
		gave |= vnet_rx_give_back(i);
		any |= why == ENET_OK;
		if (ss->core.gone)
			detach(s); /* its backlog goes back with it */
	}
	if (gave)
		vnet_rx_notify();
	if (any && ss->attached)
		delivered(ss, s);
}

static bool backlog_keep(struct vnet_session *ss, uint32_t len, uint16_t buf)
{
	struct vnet_backlog *b = &ss->backlog;
	if (buf == VNET_NONE || b->n == VNET_RX_BACKLOG) {
		enet_count(&ss->core.stats, ENET_RX_NO_BUFFER);
		return false;
	}
	unsigned at = (b->first + b->n++) % VNET_RX_BACKLOG;
	b->buf[at] = buf;
	b->len[at] = (uint16_t)len;
	ss->backlogged++;
	return true;
}

bool vnet_deliver(uint32_t s, const uint8_t *frame, uint32_t len, uint16_t buf)
{
	struct vnet_session *ss = &vnet.session[s];
	if (!ss->attached) {
		enet_count(&vnet.stats, ENET_NO_OWNER);
		return false;
	}
	if (ss->backlog.n) {
		backlog_drain(s);
		if (!ss->attached)
			return false; /* gone while draining: this frame has no owner now */
		if (ss->backlog.n)
			return backlog_keep(ss, len, buf); /* behind what waits */
	}
	bool no_buffer;
	enum enet_reason why = offer(ss, frame, len, buf, &no_buffer);
	if (no_buffer)
		return backlog_keep(ss, len, buf);
	if (ss->core.gone) {
		detach(s);
		return false;
	}
	if (why == ENET_OK)
		delivered(ss, s);
	return false;
}

/* Is the key in VNET_CAP_TMP a genuine key to a live bank that may buy?
 * Asked of enet's own bank, which never calls the key it checks. */
static uint64_t check_bank(void)
{
	uint64_t type;
	uint64_t rc = cairn_discrim_classify(VNET_CAP_DISCRIM, VNET_CAP_TMP, &type, NULL);
	if (rc)
		return rc;
	if (type != CAIRN_KEY_START)
		return type == CAIRN_KEY_VOID ? CAIRN_VOID : CAIRN_BAD_KEY;
	struct cairn_bank_verdict v;
	rc = cairn_bank_verify(VNET_CAP_BANK, VNET_CAP_TMP, &v);
	if (!v.genuine || v.key_kind != CAIRN_BANK_KEY_BANK)
		return rc == CAIRN_BANK_DEAD ? CAIRN_BANK_DEAD : CAIRN_BAD_KEY;
	if (v.may_not & CAIRN_BANK_MAY_NOT_BUY)
		return CAIRN_NO_RIGHTS;
	return keep_key(VNET_CAP_TMP, VNET_CAP_CLIENT_BANK);
}

/* Page i of the view's regions bought from the client's bank: enet's
 * read-write key in its session node, the client's key (read-only for the
 * receive pages) in the view. */
static uint64_t buy_region_page(uint32_t s, uint32_t view_page)
{
	uint64_t rc;
	if ((rc = cairn_bank_buy1(VNET_CAP_CLIENT_BANK, CAIRN_BANK_PAGE, VNET_CAP_PAGE)) ||
	    (rc = cairn_node_swap(session_cap(s), view_page, VNET_CAP_PAGE, 0)))
		return rc;
	if (view_page < ENET_VIEW_TX_PAGE) {
		struct cairn_io io = { .rkeys = { VNET_CAP_SCRATCH } };
		if ((rc = cairn_inv_PAGE_WEAKEN(VNET_CAP_PAGE, &io)))
			return rc;
		return cairn_node_swap(VNET_CAP_VIEW, view_page, VNET_CAP_SCRATCH, 0);
	}
	return cairn_node_swap(VNET_CAP_VIEW, view_page, VNET_CAP_PAGE, 0);
}

/* The view: its node and pages from the client's bank, enet's ring page
 * in slot 0, made a height-1 no-execute space (left in VNET_CAP_VIEW). */
static uint64_t build_view(uint32_t s)
{
	struct vnet_session *ss = &vnet.session[s];
	uint64_t rc;
	if (!ss->node_bought) {
		if ((rc = cairn_bank_buy1(VNET_CAP_BANK, CAIRN_BANK_NODE, session_cap(s))))
			return rc;
		ss->node_bought = true;
	}
	if ((rc = cairn_bank_buy1(VNET_CAP_CLIENT_BANK, CAIRN_BANK_NODE, VNET_CAP_VIEW)) ||
	    (rc = vnet_page_key(VNET_PG_SESSION + s - 1, VNET_CAP_SCRATCH)) ||
	    (rc = cairn_node_swap(VNET_CAP_VIEW, 0, VNET_CAP_SCRATCH, 0)))
		return rc;
	for (uint32_t p = ENET_VIEW_RX_PAGE; p < ENET_VIEW_PAGES; p++)
		if ((rc = buy_region_page(s, p)))
			return rc;
	struct cairn_io io = { .w = { 1, CAIRN_RIGHT_NX }, .rkeys = { VNET_CAP_VIEW } };
	return cairn_inv_NODE_MAKE_SPACE(VNET_CAP_VIEW, &io);
}

/* The session's queues over its (zeroed) ring page; counters carry on. */
static void start_session(uint32_t s)
{
	struct vnet_session *ss = &vnet.session[s];
	uint8_t *rings = vnet_page_va(VNET_PG_SESSION + s - 1);
	memset(rings, 0, 4096);
	struct enet_session_mem m = {
		.rx_free = (struct enet_ring *)(rings + ENET_Q_RX_FREE * ENET_RING_STRIDE),
		.rx_active = (struct enet_ring *)(rings + ENET_Q_RX_ACTIVE * ENET_RING_STRIDE),
		.tx_active = (struct enet_ring *)(rings + ENET_Q_TX_ACTIVE * ENET_RING_STRIDE),
		.tx_free = (struct enet_ring *)(rings + ENET_Q_TX_FREE * ENET_RING_STRIDE),
		.capacity = ENET_VIEW_RING_CAP,
		.rx_count = enet_view_rx_bufs(ss->rx_mode),
		.tx_count = ENET_VIEW_TX_BUFS,
		.buf_size = ENET_VIEW_BUF,
		.io = &session_io,
		.rx_buf_size = enet_view_rx_buf(ss->rx_mode),
		.rx_frame_at = enet_view_rx_frame_at(ss->rx_mode),
		.rx_frame_max = enet_view_rx_frame_max(ss->rx_mode),
	};
	struct enet_stats kept = ss->core.stats;
	enet_session_init(&ss->core, s, &m); /* the sizes are enet's constants: in bounds */
	ss->core.stats = kept;
	vnet_hold_session_started(s);
	enet_txsched_add(&vnet.txsched, s);
	ss->attached = true;
	ss->sessions++;
}

static uint64_t attach(uint32_t s, uint64_t mode, struct cairn_msg *out)
{
	if (!vnet.present)
		return CAIRN_NO_DEVICE;
	if (mode >= ENET_RX_MODES)
		return CAIRN_BAD_ARGUMENT;
	if (vnet.session[s].attached)
		detach(s); /* a second ATTACH starts the session again */
	uint64_t rc = check_bank();
	if (!rc)
		rc = build_view(s);
	if (rc)
		return rc; /* what was bought stays in the client's bank, its to sell */
	vnet.session[s].rx_mode = (uint8_t)mode;
	vnet.session[s].exchange_min = ENET_EXCHANGE_MIN;
	start_session(s);
	for (unsigned i = 0; i < 6; i++)
		out->w[0] |= (uint64_t)vnet.addr.mac[i] << (8 * i);
	for (unsigned i = 0; i < 4; i++)
		out->w[1] |= (uint64_t)vnet.addr.ip[i] << (8 * i);
	out->keys[0] = VNET_CAP_VIEW;
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

static uint64_t recv(uint32_t s, bool *parked)
{
	struct vnet_session *ss = &vnet.session[s];
	if (ss->parked)
		return CAIRN_BAD_ARGUMENT;
	if (rx_waiting(ss))
		return CAIRN_OK;
	uint64_t rc = keep_key(VNET_CAP_RESUME, parked_cap(s));
	if (rc)
		return rc;
	ss->parked = *parked = true;
	return CAIRN_OK;
}

/* The transmit sink: straight into the device's next free buffer. */
static uint8_t *sink_buffer(void *ctx)
{
	(void)ctx;
	return vnet_tx_next_buffer();
}

static void sink_send(void *ctx, uint8_t *frame, uint32_t len)
{
	(void)ctx;
	(void)frame; /* it is the buffer sink_buffer gave */
	vnet_tx_send_buffer(len);
}

static const struct enet_tx_sink sink = { sink_buffer, sink_send, NULL };

static uint32_t serve_session(void *ctx, uint32_t slot, uint32_t budget)
{
	(void)ctx;
	struct vnet_session *ss = &vnet.session[slot];
	if (slot == 0 || slot > VNET_SESSIONS || !ss->attached)
		return 0;
	uint32_t sent = enet_session_tx_turn(&ss->core, &vnet.addr, &vnet.ports, budget, &sink);
	if (ss->core.gone)
		detach(slot);
	return sent;
}

void vnet_tx_rounds(void)
{
	for (unsigned r = 0; r < VNET_TX_ROUNDS; r++) {
		uint32_t room = vnet_tx_room();
		if (room == 0 || enet_txsched_round(&vnet.txsched, room, serve_session, NULL) == 0)
			return;
	}
}

static uint64_t send(uint32_t s, struct cairn_msg *out)
{
	uint64_t before = vnet.session[s].core.stats.frames_out;
	vnet_tx_rounds();
	out->w[0] = vnet.session[s].core.stats.frames_out - before;
	return CAIRN_OK;
}

/* Page exchange on or off for a session with page buffers, and the
 * shortest frame it exchanges (0: ENET_EXCHANGE_MIN, the measured
 * break-even; the benchmark sets others to measure it). The two page modes
 * share their geometry, so the switch changes only how the next frames
 * arrive. A session with 2 KiB buffers cannot switch (its buffers are the
 * wrong size), nor can a threshold be outside a page buffer's frames:
 * BAD_ARGUMENT. */
static uint64_t rx_mode(uint32_t s, uint64_t mode, uint64_t exchange_min)
{
	struct vnet_session *ss = &vnet.session[s];
	if ((mode != ENET_RX_PAGES && mode != ENET_RX_PAGES_COPY) ||
	    ss->rx_mode == ENET_RX_BUFFERS ||
	    (exchange_min != 0 &&
	     (exchange_min < ENET_ETH_HDR || exchange_min > ENET_RX_FRAME_MAX)))
		return CAIRN_BAD_ARGUMENT;
	ss->rx_mode = (uint8_t)mode;
	ss->exchange_min = exchange_min ? (uint16_t)exchange_min : ENET_EXCHANGE_MIN;
	return CAIRN_OK;
}

/* w1 = 0: the session's counters; 1: enet's own (frames no session owns). */
static uint64_t stats(uint32_t s, uint64_t index, uint64_t whose, struct cairn_msg *out)
{
	if (whose > 1 || index >= ENET_STATS_COUNTERS)
		return CAIRN_BAD_ARGUMENT;
	const struct enet_stats *st = whose ? &vnet.stats : &vnet.session[s].core.stats;
	for (uint32_t i = 0; i < 4; i++)
		out->w[i] = enet_stats_counter(st, (uint32_t)index + i);
	return CAIRN_OK;
}

static void print_counters(const char *who, const struct enet_stats *st)
{
	printf("stats %s: in %" PRIu64 " (%" PRIu64 " bytes) out %" PRIu64 " (%" PRIu64
	       " bytes) drops %" PRIu64 "\n",
	       who, st->frames_in, st->bytes_in, st->frames_out, st->bytes_out,
	       enet_drops_total(st));
	for (uint32_t r = 1; r < ENET_REASON_COUNT; r++)
		if (st->drops[r])
			printf("stats %s: %s %" PRIu64 "\n", who, enet_reason_name(r),
			       st->drops[r]);
}

/* The debug switch: the session's counters and enet's own, on the console. */
static uint64_t print(uint32_t s)
{
	char who[16];
	snprintf(who, sizeof who, "session %" PRIu32, s);
	print_counters(who, &vnet.session[s].core.stats);
	printf("stats %s: backlogged %" PRIu64 ", exchanged %" PRIu64 " (receive mode %u)\n", who,
	       vnet.session[s].backlogged, vnet.session[s].core.stats.frames_exchanged,
	       vnet.session[s].rx_mode);
	print_counters("enet", &vnet.stats);
	printf("stats enet: arp replies %" PRIu64 ", icmp replies %" PRIu64 ", tx dropped %" PRIu64
	       ", bring-ups %" PRIu64 ", releases %" PRIu64 "\n",
	       vnet.arp_replies, vnet.icmp_replies, vnet.tx_dropped, vnet.bring_ups, vnet.releases);
	return CAIRN_OK;
}

uint64_t vnet_client_order(uint32_t s, const struct cairn_reply *in, struct cairn_msg *out,
			   bool *parked)
{
	*parked = false;
	if (in->code != CAIRN_SO_ENET_ATTACH && vnet.session[s].attached)
		backlog_drain(s); /* the frames that waited for its buffers first */
	switch (in->code) {
	case CAIRN_SO_ENET_ATTACH:
		return attach(s, in->w[0], out);
	case CAIRN_SO_ENET_STATS:
		return stats(s, in->w[0], in->w[1], out);
	case CAIRN_SO_ENET_PRINT:
		return print(s);
	default:
		break;
	}
	if (!vnet.session[s].attached)
		return CAIRN_RESTRICTED; /* attach first */
	switch (in->code) {
	case CAIRN_SO_ENET_BIND:
		return bind(s, in->w[0], in->w[1]);
	case CAIRN_SO_ENET_RECV:
		return recv(s, parked);
	case CAIRN_SO_ENET_SEND:
		return send(s, out);
	case CAIRN_SO_ENET_RX_MODE:
		return rx_mode(s, in->w[0], in->w[1]);
	default:
		return CAIRN_BAD_ORDER;
	}
}
