/* SPDX-License-Identifier: MIT */
/*
 * nethostile: a hostile client of enet in the same image as netecho
 * (docs/network.md "Defences"; test/qemu/test_enet.py). It does, in order,
 * everything a client may try against the session protocol, and checks
 * after each step that enet refused it and counted the refusal in this
 * session's counters (STATS), while the test keeps netecho echoing:
 *
 *  1. attach with keys that are not a bank that may buy (enet's own start
 *     key, a bank key that may not buy) or a receive mode that is none:
 *     refused, enet never calls them;
 *  2. attach for real, ask for page exchange on its 2 KiB buffers
 *     (BAD_ARGUMENT), and try to write its read-only receive buffers
 *     through the view (NO_RIGHTS); bind a port netecho owns (PORT_TAKEN;
 *     with a victim port in its arg, bits 16..31, after the test's first
 *     datagram to its own: "waiting for the go"; with no datagram within
 *     WAIT_MS no test is running, and it stops there: "no go: idle");
 *  3. junk descriptors: offsets out of range and misaligned, lengths zero
 *     and too long, a frame longer than Ethernet's, a buffer twice;
 *  4. spoofed frames: another MAC, another IPv4 source, netecho's port, a
 *     TCP port it registered only for UDP, ICMP, an ARP in another's name;
 *  5. index tampering: its TX_ACTIVE tail jumped and rewound, enet's own
 *     RX_ACTIVE tail overwritten;
 *  6. a flood of all of that ("flooding") until the test sends a datagram
 *     to its port ("flood done");
 *  7. it stops servicing its queues while the test sends it datagrams
 *     ("not servicing"): RX_NO_BUFFER; then it takes its frames, posts its
 *     buffers again, and the next ENET_VIEW_RX_BACKLOG datagrams, which
 *     came after its buffers were full, are delivered in order, none lost
 *     ("backlog: N pokes after its buffers, in order");
 *  8. it rescinds its session's pages through its bank's inspect key
 *     ("storage rescinded") while the test sends it more: enet ends the
 *     session (STORAGE_GONE) and its orders answer RESTRICTED;
 *  9. prints every non-zero counter ("counter NAME N") and calls PRINT
 *     (enet's debug switch), then "done".
 *
 * Lines: the ones quoted above, "nethostile: FAIL <what>" when enet does
 * not refuse or count what it should. Every wait is bounded (WAIT_MS).
 *
 * Capability registers (apps/enet.image): 1 console, 2 sleep, 3 a start
 * key to enet (badge 2), 4 a start key to its bank, 5 its own domain key;
 * 6..10 scratch.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "bank.h"
#include "cairn.h"
#include "classify.h"
#include "client.h"

enum {
	CAP_ENET = 3,
	CAP_BANK = 4,
	CAP_SELF = 5,
	CAP_SUBBANK = 6,
	CAP_INSPECT = 7,
	CAP_VIEW = 8,
	CAP_SPACE = 9,
	CAP_SCRATCH = 10,
};

#define VIEW_SLOT 16
#define VIEW_VA   ((uint8_t *)(uintptr_t)(VIEW_SLOT * (4ull << 20)))
#define WAIT_MS   30000
#define IP_HDR    20
/* The honest client's UDP port it tries to steal and send from: the image
arg's bits 16..31, 7777 (netecho's) when they are 0. */
static uint16_t victim_port = 7777;
static bool wait_for_go; /* a victim port from the arg: wait for the test's datagram first */

static uint16_t port;
static uint8_t mac[6], ip[4];
static struct enet_view view;
static unsigned failures;

static uint64_t enet(uint64_t order, uint64_t w0, uint64_t w1, cap_t key, struct cairn_reply *rep)
{
	const struct cairn_msg m = { .order = order, .w = { w0, w1 }, .keys = { key } };
	const struct cairn_rcv r = { .keys = { CAP_VIEW } };
	struct cairn_reply local;
	return cairn_call(CAP_ENET, &m, &r, rep ? rep : &local);
}

static void fail(const char *what, uint64_t got)
{
	printf("FAIL %s (%" PRIu64 ")\n", what, got);
	failures++;
}

/* The session's counter at `index` (ENET_STATS_* layout). */
static uint64_t counter(uint32_t index)
{
	struct cairn_reply rep;
	if (enet(CAIRN_SO_ENET_STATS, index, 0, 0, &rep) != CAIRN_OK)
		return ~0ull;
	return rep.w[0];
}

static uint64_t drops(enum enet_reason r)
{
	return counter(ENET_STATS_DROPS + r);
}

static void expect_rc(const char *what, uint64_t got, uint64_t want)
{
	if (got != want)
		fail(what, got);
}

static uint64_t now_ms(void)
{
	uint64_t us = 0;
	cairn_sleep_now(CAIRN_CAP_SLEEP, &us, NULL);
	return us / 1000;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* An IPv4 frame in transmit buffer `buf` of `proto` from (src_mac,
 * src_ip, sport) to the host (10.0.2.2, port 9, discard), with a correct
 * header checksum: only what the test means to spoof is wrong. Its length. */
static uint32_t ip_frame(unsigned buf, const uint8_t *src_mac, const uint8_t *src_ip, uint8_t proto,
			 uint16_t sport)
{
	static const uint8_t host[4] = { 10, 0, 2, 2 };
	uint8_t *f = view.tx + buf * ENET_VIEW_BUF, *o = f + ENET_ETH_HDR, *l4 = o + IP_HDR;
	uint32_t l4len = proto == ENET_PROTO_TCP ? ENET_TCP_HDR_MIN : ENET_UDP_HDR + 4;
	memset(f, 0, ENET_ETH_HDR + IP_HDR + l4len);
	memset(f, 0xff, 6); /* broadcast: destinations are never checked */
	memcpy(f + 6, src_mac, 6);
	put16(f + 12, ENET_ETHERTYPE_IPV4);
	o[0] = 0x45;
	put16(o + 2, (uint16_t)(IP_HDR + l4len));
	o[8] = 64;
	o[9] = proto;
	memcpy(o + 12, src_ip, 4);
	memcpy(o + 16, host, 4);
	put16(o + 10, (uint16_t)~enet_ones_sum(o, IP_HDR));
	put16(l4, sport);
	put16(l4 + 2, 9);
	if (proto == ENET_PROTO_TCP)
		l4[12] = 5 << 4; /* data offset: 5 words */
	else
		put16(l4 + 4, (uint16_t)l4len);
	return ENET_ETH_HDR + IP_HDR + l4len;
}

/* An ARP request whose sender protocol address is not ours. */
static uint32_t arp_spoof(unsigned buf)
{
	static const uint8_t head[8] = { 0, 1, 8, 0, 6, 4, 0, 1 };
	uint8_t *f = view.tx + buf * ENET_VIEW_BUF;
	memset(f, 0, 60);
	memset(f, 0xff, 6);
	memcpy(f + 6, mac, 6);
	put16(f + 12, ENET_ETHERTYPE_ARP);
	memcpy(f + ENET_ETH_HDR, head, 8);
	memcpy(f + ENET_ETH_HDR + 8, mac, 6);
	const uint8_t other[4] = { 10, 0, 2, 2 }; /* the router's address, not ours */
	memcpy(f + ENET_ETH_HDR + 14, other, 4);
	return 60;
}

/* Take what a ring holds, at most a ring's worth (its own indices may
 * have been scribbled on: tamper()). */
static void drain(enum enet_queue_kind k, bool repost)
{
	struct enet_desc d;
	for (unsigned n = 0; n < ENET_VIEW_RING_CAP && enet_client_get(view.ring[k], &d); n++)
		if (repost)
			enet_client_put(view.ring[ENET_Q_RX_FREE], d.offset, 0);
}

/* What a kick decides is counted when enet takes the frames: at once
 * without output commit, after the next checkpoint commits with it
 * (virtio-net/vnet_hold.c). Wait, bounded, until `get` reaches `want`. */
static uint64_t settled(uint64_t (*get)(uint64_t), uint64_t arg, uint64_t want)
{
	uint64_t start = now_ms(), v;
	while ((v = get(arg)) < want && now_ms() - start < WAIT_MS)
		cairn_sleep_for(CAIRN_CAP_SLEEP, 2);
	return v;
}

static uint64_t drops_of(uint64_t why)
{
	return drops((enum enet_reason)why);
}

static uint64_t counter_of(uint64_t index)
{
	return counter((uint32_t)index);
}

static bool queue_tx(uint64_t offset, uint32_t len)
{
	drain(ENET_Q_TX_FREE, false); /* buffers back: this client tracks none */
	return enet_client_put(view.ring[ENET_Q_TX_ACTIVE], offset, len);
}

static void send_kick(void)
{
	expect_rc("SEND", enet(CAIRN_SO_ENET_SEND, 0, 0, 0, NULL), CAIRN_OK);
}

/* Queue one descriptor, kick, and check that `why` was counted once more. */
static void refused(const char *what, uint64_t offset, uint32_t len, enum enet_reason why)
{
	uint64_t before = drops(why);
	if (!queue_tx(offset, len))
		fail("TX_ACTIVE full", 0);
	send_kick();
	if (settled(drops_of, why, before + 1) != before + 1)
		fail(what, drops(why) - before);
}

static bool attach_refusals(void)
{
	/* A start key that is not a bank (enet's own: were it called, enet
	 * would wait on itself for ever), and a bank key that may not buy. */
	expect_rc("ATTACH with enet's own key", enet(CAIRN_SO_ENET_ATTACH, 0, 0, CAP_ENET, NULL),
		  CAIRN_BAD_KEY);
	expect_rc("ATTACH with a console key",
		  enet(CAIRN_SO_ENET_ATTACH, 0, 0, CAIRN_CAP_CONSOLE, NULL), CAIRN_BAD_KEY);
	uint64_t rc = cairn_bank_reduce(CAP_BANK, CAIRN_BANK_MAY_NOT_BUY, CAP_SCRATCH);
	if (rc)
		fail("REDUCE", rc);
	expect_rc("ATTACH with a bank that may not buy",
		  enet(CAIRN_SO_ENET_ATTACH, 0, 0, CAP_SCRATCH, NULL), CAIRN_NO_RIGHTS);
	expect_rc("ATTACH with no such receive mode",
		  enet(CAIRN_SO_ENET_ATTACH, ENET_RX_MODES, 0, CAP_BANK, NULL), CAIRN_BAD_ARGUMENT);
	expect_rc("BIND before ATTACH", enet(CAIRN_SO_ENET_BIND, ENET_PROTO_UDP, port, 0, NULL),
		  CAIRN_RESTRICTED);
	printf("attach refusals checked\n");
	return true;
}

static bool signalled(void);

static bool attach(void)
{
	struct cairn_reply att;
	uint64_t rc = cairn_bank_create(CAP_BANK, CAIRN_BANK_TRANSPARENT, CAP_SUBBANK, CAP_INSPECT);
	if (rc || (rc = enet(CAIRN_SO_ENET_ATTACH, 0, 0, CAP_SUBBANK, &att)) ||
	    (rc = cairn_domain_get_slot(CAP_SELF, CAIRN_DOM_SLOT_SPACE, CAP_SPACE)) ||
	    (rc = cairn_node_swap(CAP_SPACE, VIEW_SLOT, CAP_VIEW, 0))) {
		printf("FAIL attach: %s\n", cairn_result_name(rc));
		return false;
	}
	for (unsigned i = 0; i < 6; i++)
		mac[i] = (uint8_t)(att.w[0] >> (8 * i));
	for (unsigned i = 0; i < 4; i++)
		ip[i] = (uint8_t)(att.w[1] >> (8 * i));
	enet_view_init(&view, VIEW_VA);
	for (uint32_t i = 0; i < ENET_VIEW_RX_BUFS; i++)
		enet_client_put(view.ring[ENET_Q_RX_FREE], (uint64_t)i * ENET_VIEW_BUF, 0);
	/* The receive pages' keys in the view are read-only. */
	struct cairn_io io = { .w = { 0 }, .str = "x", .len = 1 };
	if ((rc = cairn_node_get(CAP_VIEW, ENET_VIEW_RX_PAGE, CAP_SCRATCH)) ||
	    (rc = cairn_inv_PAGE_WRITE(CAP_SCRATCH, &io)) != CAIRN_NO_RIGHTS)
		fail("a receive page writable by its client", rc);
	else
		printf("receive buffers read-only: NO_RIGHTS\n");
	/* Page exchange cannot be switched on for 2 KiB buffers, nor a mode
	 * that is no such thing asked for (after the view key is used: every
	 * call here receives into CAP_VIEW). */
	expect_rc("RX_MODE on 2 KiB buffers",
		  enet(CAIRN_SO_ENET_RX_MODE, ENET_RX_PAGES, 0, 0, NULL), CAIRN_BAD_ARGUMENT);
	expect_rc("RX_MODE 0", enet(CAIRN_SO_ENET_RX_MODE, ENET_RX_BUFFERS, 0, 0, NULL),
		  CAIRN_BAD_ARGUMENT);
	expect_rc("BIND protocol 1", enet(CAIRN_SO_ENET_BIND, 1, port, 0, NULL),
		  CAIRN_BAD_ARGUMENT);
	expect_rc("BIND its port", enet(CAIRN_SO_ENET_BIND, ENET_PROTO_UDP, port, 0, NULL),
		  CAIRN_OK);
	if (wait_for_go) {
		/* Its victim binds its port some time after boot: the test says
		 * when it has (one datagram), so that the theft below is tried
		 * on a port that is taken, not won by a race. */
		printf("waiting for the go\n");
		uint64_t start = now_ms();
		bool go = false;
		while (!(go = signalled()) && now_ms() - start < WAIT_MS)
			cairn_sleep_for(CAIRN_CAP_SLEEP, 20);
		if (!go) {
			/* No test is driving it (a benchmark or `make run` boots the
			 * same image): attacking anyway would flood enet for a
			 * million kicks beside whatever the system is doing, as
			 * bench_stacks' wrk run once measured (docs/benchmarks.md
			 * "The stacks"). */
			printf("no go: idle\n");
			return false;
		}
	}
	expect_rc("BIND netecho's port",
		  enet(CAIRN_SO_ENET_BIND, ENET_PROTO_UDP, victim_port, 0, NULL), CAIRN_PORT_TAKEN);
	printf("attached, udp %u\n", port);
	return true;
}

static void junk(void)
{
	refused("offset out of range", 1u << 20, 60, ENET_Q_OFFSET_RANGE);
	refused("offset past the region", ENET_VIEW_TX_BUFS * ENET_VIEW_BUF, 60,
		ENET_Q_OFFSET_RANGE);
	refused("offset misaligned", 100, 60, ENET_Q_OFFSET_ALIGN);
	refused("length zero", 0, 0, ENET_Q_LEN_ZERO);
	refused("length past the buffer", 0, 4000, ENET_Q_LEN_LONG);
	refused("frame past Ethernet's", 0, 2000, ENET_ETH_TOO_LONG);
	/* One buffer twice in one kick: each use is whole within enet's call
	 * (it copies), so both are checked and both refused as spoofs. */
	uint64_t before = drops(ENET_TX_SRC_MAC);
	static const uint8_t other_mac[6] = { 0x52, 0x54, 0, 0x12, 0x34, 0x99 };
	uint32_t n = ip_frame(1, other_mac, ip, ENET_PROTO_UDP, port);
	queue_tx(1 * ENET_VIEW_BUF, n);
	queue_tx(1 * ENET_VIEW_BUF, n);
	send_kick();
	if (settled(drops_of, ENET_TX_SRC_MAC, before + 2) != before + 2)
		fail("a buffer twice", drops(ENET_TX_SRC_MAC) - before);
	printf("junk descriptors refused\n");
}

static void spoofs(void)
{
	static const uint8_t other_mac[6] = { 0x52, 0x54, 0, 0x12, 0x34, 0x99 };
	static const uint8_t other_ip[4] = { 10, 0, 2, 16 };
	refused("another MAC", 0, ip_frame(0, other_mac, ip, ENET_PROTO_UDP, port),
		ENET_TX_SRC_MAC);
	refused("another IPv4 source", 0, ip_frame(0, mac, other_ip, ENET_PROTO_UDP, port),
		ENET_TX_SRC_IP);
	refused("netecho's port", 0, ip_frame(0, mac, ip, ENET_PROTO_UDP, victim_port),
		ENET_TX_PORT);
	refused("TCP on a UDP port", 0, ip_frame(0, mac, ip, ENET_PROTO_TCP, port), ENET_TX_PORT);
	refused("ICMP", 0, ip_frame(0, mac, ip, ENET_PROTO_ICMP, 0), ENET_TX_PROTOCOL);
	refused("ARP in another's name", 0, arp_spoof(0), ENET_TX_ARP_SENDER);
	/* And a frame it may send: it goes out. */
	uint64_t out = counter(2);
	queue_tx(0, ip_frame(0, mac, ip, ENET_PROTO_UDP, port));
	send_kick();
	if (settled(counter_of, 2, out + 1) != out + 1)
		fail("its own frame not sent", counter(2) - out);
	printf("spoofed frames refused\n");
}

static void tamper(void)
{
	struct enet_ring *tx = view.ring[ENET_Q_TX_ACTIVE];
	uint32_t tail = tx->tail;
	uint64_t jumped = drops(ENET_Q_INDEX_JUMPED), rewound = drops(ENET_Q_INDEX_REWOUND);
	__atomic_store_n(&tx->tail, tail + 1000, __ATOMIC_RELEASE);
	send_kick();
	__atomic_store_n(&tx->tail, tail - 3, __ATOMIC_RELEASE);
	send_kick();
	__atomic_store_n(&tx->tail, tail, __ATOMIC_RELEASE);
	send_kick();
	if (drops(ENET_Q_INDEX_JUMPED) != jumped + 1 || drops(ENET_Q_INDEX_REWOUND) != rewound + 1)
		fail("tail tampering", drops(ENET_Q_INDEX_JUMPED) - jumped);
	/* enet's own indices, overwritten: it never reads them back (put
	 * right after, or this client would believe them itself). */
	uint32_t rx_tail = view.ring[ENET_Q_RX_ACTIVE]->tail,
		 txf_tail = view.ring[ENET_Q_TX_FREE]->tail;
	__atomic_store_n(&view.ring[ENET_Q_RX_ACTIVE]->tail, 12345u, __ATOMIC_RELEASE);
	__atomic_store_n(&view.ring[ENET_Q_TX_FREE]->tail, 777u, __ATOMIC_RELEASE);
	send_kick();
	__atomic_store_n(&view.ring[ENET_Q_RX_ACTIVE]->tail, rx_tail, __ATOMIC_RELEASE);
	__atomic_store_n(&view.ring[ENET_Q_TX_FREE]->tail, txf_tail, __ATOMIC_RELEASE);
	printf("index tampering refused\n");
}

/* A frame in RX_ACTIVE (the test's signal), taken and its buffer posted. */
static bool signalled(void)
{
	struct enet_desc d;
	if (!enet_client_get(view.ring[ENET_Q_RX_ACTIVE], &d))
		return false;
	enet_client_put(view.ring[ENET_Q_RX_FREE], d.offset, 0);
	return true;
}

/* Junk, spoofs and netecho's port again and again, as fast as enet takes
 * them, until the test sends a datagram to its port (or WAIT_MS). */
static void flood(void)
{
	static const uint8_t other_mac[6] = { 0x52, 0x54, 0, 0x12, 0x34, 0x99 };
	printf("flooding\n");
	uint64_t start = now_ms(), kicks = 0;
	for (unsigned i = 0; now_ms() - start < WAIT_MS && kicks < 1000000 && !signalled();
	     kicks++) {
		bool room = true;
		for (unsigned k = 0; room && k < ENET_VIEW_RING_CAP / 2; k++, i++) {
			switch (i % 4) {
			case 0:
				room = queue_tx(1u << 20, 60);
				break;
			case 1:
				room = queue_tx(0,
						ip_frame(0, mac, ip, ENET_PROTO_UDP, victim_port));
				break;
			case 2:
				room = queue_tx(ENET_VIEW_BUF,
						ip_frame(1, other_mac, ip, ENET_PROTO_UDP, port));
				break;
			default:
				room = queue_tx(100, 60);
			}
		}
		send_kick();
	}
	printf("flood done: %" PRIu64 " kicks\n", kicks);
}

/* Wait (bounded) until counter `index` reaches at least `want`. */
static bool wait_counter(uint32_t index, uint64_t want)
{
	uint64_t start = now_ms();
	while (now_ms() - start < WAIT_MS) {
		if (counter(index) >= want && counter(index) != ~0ull)
			return true;
		cairn_sleep_for(CAIRN_CAP_SLEEP, 50);
	}
	return false;
}

/* N of a "poke N" datagram (the test's) in a receive buffer, or -1. */
static int64_t poke_number(const struct enet_desc *d)
{
	enum { ETH = 14, UDP = 8 };
	if (d->offset >= ENET_VIEW_RX_BUFS * ENET_VIEW_BUF || d->len > ENET_VIEW_BUF ||
	    d->len < ETH + 20 + UDP)
		return -1;
	const uint8_t *f = view.rx + d->offset;
	uint32_t at = ETH + (f[ETH] & 0xfu) * 4u + UDP;
	if (at + 6 > d->len || memcmp(f + at, "poke ", 5) != 0)
		return -1;
	int64_t n = 0;
	for (at += 5; at < d->len && f[at] >= '0' && f[at] <= '9'; at++)
		n = n * 10 + (f[at] - '0');
	return n;
}

/* Take every frame queued, post its buffer again; the last poke's N. */
static int64_t take_pokes(void)
{
	struct enet_desc d;
	int64_t last = -1;
	for (unsigned n = 0;
	     n < ENET_VIEW_RING_CAP && enet_client_get(view.ring[ENET_Q_RX_ACTIVE], &d); n++) {
		int64_t p = poke_number(&d);
		last = p >= 0 ? p : last;
		enet_client_put(view.ring[ENET_Q_RX_FREE], d.offset, 0);
	}
	return last;
}

/* After its buffers were full, enet kept the next ENET_VIEW_RX_BACKLOG
 * pokes: with buffers posted again, any order lets them in, in order. */
static void backlog_check(int64_t last)
{
	unsigned in_order = 0;
	uint64_t start = now_ms();
	while (in_order < ENET_VIEW_RX_BACKLOG && now_ms() - start < 3000) {
		(void)counter(0); /* an order: enet delivers the backlog first */
		struct enet_desc d;
		while (in_order < ENET_VIEW_RX_BACKLOG &&
		       enet_client_get(view.ring[ENET_Q_RX_ACTIVE], &d)) {
			int64_t p = poke_number(&d);
			enet_client_put(view.ring[ENET_Q_RX_FREE], d.offset, 0);
			if (p < 0)
				continue;
			if (p != last + 1 + (int64_t)in_order) {
				fail("a poke after the full buffers lost or out of order",
				     (uint64_t)p);
				return;
			}
			in_order++;
		}
		cairn_sleep_for(CAIRN_CAP_SLEEP, 10);
	}
	printf("backlog: %u pokes after its buffers, in order\n", in_order);
}

static void stall(void)
{
	uint64_t before = drops(ENET_RX_NO_BUFFER); /* earlier steps may have some */
	printf("not servicing its queues\n");
	if (!wait_counter(ENET_STATS_DROPS + ENET_RX_NO_BUFFER, before + 1))
		fail("no RX_NO_BUFFER while stalled", counter(0));
	printf("stalled: %" PRIu64 " frames in, RX_NO_BUFFER %" PRIu64 "\n", counter(0),
	       drops(ENET_RX_NO_BUFFER));
	/* Take them all and post every buffer again, so the kept frames and
	 * the next are written. */
	backlog_check(take_pokes());
}

/* Every page bought from its sub-bank (the session's regions) rescinded. */
static void revoke(void)
{
	unsigned pages = 0;
	uint64_t cursor = 0;
	for (unsigned calls = 0; calls < 100; calls++) {
		struct cairn_reply rep;
		const struct cairn_msg m = { .order = CAIRN_SO_BANK_LIST, .w = { cursor } };
		uint64_t rc = cairn_call(CAP_INSPECT, &m, NULL, &rep);
		if (rc) {
			fail("LIST", rc);
			break;
		}
		for (unsigned i = 0; i < rep.w[1] && i < 2; i++) {
			if (rep.w[2 + i] >> 32 != CAIRN_BANK_PAGE)
				continue;
			const struct cairn_msg r = { .order = CAIRN_SO_BANK_RESCIND_OBJ,
						     .w = { rep.w[2 + i] } };
			if ((rc = cairn_call(CAP_INSPECT, &r, NULL, NULL)))
				fail("RESCIND_OBJ", rc);
			else
				pages++;
		}
		if ((cursor = rep.w[0]) == 0)
			break;
	}
	printf("storage rescinded: %u pages\n", pages);
	if (!wait_counter(ENET_STATS_DROPS + ENET_STORAGE_GONE, 1))
		fail("the session went on without its storage", 0);
	expect_rc("RECV after the end", enet(CAIRN_SO_ENET_RECV, 0, 0, 0, NULL), CAIRN_RESTRICTED);
	expect_rc("SEND after the end", enet(CAIRN_SO_ENET_SEND, 0, 0, 0, NULL), CAIRN_RESTRICTED);
	printf("session ended by enet: STORAGE_GONE %" PRIu64 "\n", drops(ENET_STORAGE_GONE));
}

static void print_counters(void)
{
	printf("counter frames_in %" PRIu64 "\n", counter(0));
	printf("counter frames_out %" PRIu64 "\n", counter(2));
	for (uint32_t r = 1; r < ENET_REASON_COUNT; r++) {
		uint64_t n = drops(r);
		if (n)
			printf("counter %s %" PRIu64 "\n", enet_reason_name(r), n);
	}
	expect_rc("PRINT", enet(CAIRN_SO_ENET_PRINT, 0, 0, 0, NULL), CAIRN_OK);
}

int main(uint64_t arg)
{
	port = (uint16_t)arg;
	if (arg >> 16 & 0xffff) {
		victim_port = (uint16_t)(arg >> 16);
		wait_for_go = true;
	}
	struct cairn_reply rep;
	if (enet(CAIRN_SO_ENET_STATS, 0, 0, 0, &rep) != CAIRN_OK)
		return 0;
	attach_refusals();
	if (!attach())
		return 0;
	junk();
	spoofs();
	tamper();
	flood();
	stall();
	revoke();
	print_counters();
	printf("done: %u failures\n", failures);
	return 0;
}
