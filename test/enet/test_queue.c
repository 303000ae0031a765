/* SPDX-License-Identifier: MIT */
/*
 * Host tests of the client queues and the session paths
 * (virtio-net/proto/queue.c and session.c, docs/network.md "The queues"),
 * with the client's side played by the test, honest or not.
 *
 * What is checked: an honest client's frames received (offsets in the
 * order posted, lengths, bytes) and sent (the copy, the buffer back on
 * TX_FREE); each tampering case refused and counted under its reason,
 * with nothing written outside the receive region (canaries) and enet's
 * private indices intact: offsets out of range or misaligned, a buffer
 * enet holds handed in twice, a producer's tail rewound or jumped past the
 * ring, a consumer's head past enet's tail or rewound, transmit lengths
 * zero or past the buffer or the largest frame, enet's own index
 * overwritten; slow clients (receive queue full, no free buffer, transmit
 * free queue never drained) cost drops and never a wait; ring and buffer
 * sizes out of bounds refused; 20,000 seeded steps of a client writing
 * random indices and descriptors, with the invariants checked after every
 * step. The fixture is session_fixture.h's; the receive modes' geometry
 * and the io path (storage revoked) are test_session_io.c's.
 */
#include <stdlib.h>
#include <string.h>

#include "session_fixture.h"

static void honest_receive(void **state)
{
	(void)state;
	for (uint32_t i = 0; i < 4; i++)
		push(RX_FREE, (uint64_t)(3 - i) * BUFSZ, 0);
	uint8_t f[3][FRAME_BUF];
	uint32_t lens[3];
	for (uint32_t k = 0; k < 3; k++) {
		lens[k] = frame_udp(f[k], 0, (uint16_t)(100 + k), 7, 10 * k);
		assert_int_equal(enet_session_deliver(&s, f[k], lens[k]), ENET_OK);
	}
	struct enet_desc d = { 0 };
	for (uint32_t k = 0; k < 3; k++) {
		assert_true(pop(RX_ACTIVE, &d));
		assert_int_equal(d.offset, (3 - k) * BUFSZ);
		assert_int_equal(d.len, lens[k]);
		assert_memory_equal(rx_region() + d.offset, f[k], lens[k]);
	}
	assert_false(pop(RX_ACTIVE, &d));
	assert_int_equal(s.stats.frames_in, 3);
	assert_int_equal(s.stats.bytes_in, lens[0] + lens[1] + lens[2]);
	assert_int_equal(enet_drops_total(&s.stats), 0);
	assert_int_equal(RX_FREE->head, 3); /* enet published what it took */
	assert_true(holds_none());
	canaries_intact();
}

/* An ARP request the session sends marks it as asking (enet hands the
 * next ARP reply to it, vnet_frames.c); a reply it sends, or any other
 * frame, does not. */
static void arp_request_marks_asking(void **state)
{
	(void)state;
	static const uint8_t gw[4] = { 10, 0, 2, 2 };
	uint8_t copy[ENET_FRAME_MAX], f[FRAME_BUF];
	uint32_t len = 0, n = tx_frame(0, 10);
	push(TX_ACTIVE, 0, n);
	assert_int_equal(tx_next(copy, &len), ENET_TAKE_OK);
	assert_false(s.arp_asked);
	n = frame_arp(f, 1, 2, gw);
	memcpy(tx_mem + BUFSZ, f, n);
	push(TX_ACTIVE, BUFSZ, n);
	assert_int_equal(tx_next(copy, &len), ENET_TAKE_OK);
	assert_false(s.arp_asked);
	n = frame_arp(f, 1, 1, gw);
	memcpy(tx_mem + 2 * BUFSZ, f, n);
	push(TX_ACTIVE, 2 * BUFSZ, n);
	assert_int_equal(tx_next(copy, &len), ENET_TAKE_OK);
	assert_true(s.arp_asked);
}

static void honest_transmit(void **state)
{
	(void)state;
	uint8_t copy[ENET_FRAME_MAX];
	uint32_t len = 0, want = tx_frame(1, 50);
	push(TX_ACTIVE, BUFSZ, want);
	assert_int_equal(tx_next(copy, &len), ENET_TAKE_OK);
	assert_int_equal(len, want);
	assert_memory_equal(copy, tx_mem + BUFSZ, want);
	struct enet_desc d = { 0 };
	assert_true(pop(TX_FREE, &d));
	assert_int_equal(d.offset, BUFSZ);
	assert_int_equal(s.stats.frames_out, 1);
	assert_int_equal(s.stats.bytes_out, want);
	assert_int_equal(tx_next(copy, &len), ENET_TAKE_EMPTY);
	assert_int_equal(enet_drops_total(&s.stats), 0);
	assert_true(holds_none());
}

static void offsets_out_of_range(void **state)
{
	(void)state;
	push(RX_FREE, NBUF * BUFSZ, 0);
	push(RX_FREE, UINT64_MAX - (BUFSZ - 1), 0);
	push(RX_FREE, (uint64_t)1 << 40, 0);
	push(RX_FREE, 0, 0);
	uint8_t f[FRAME_BUF];
	uint32_t len = frame_udp(f, 0, 1, 7, 1000);
	/* The refused ones are skipped; the good one gets the frame. */
	assert_int_equal(enet_session_deliver(&s, f, len), ENET_OK);
	assert_int_equal(drops(ENET_Q_OFFSET_RANGE), 3);
	struct enet_desc d = { 0 };
	assert_true(pop(RX_ACTIVE, &d));
	assert_int_equal(d.offset, 0);
	assert_false(pop(RX_ACTIVE, &d));

	uint8_t copy[ENET_FRAME_MAX];
	push(TX_ACTIVE, NBUF * BUFSZ, 60);
	push(TX_ACTIVE, UINT64_MAX - (BUFSZ - 1), 60);
	assert_int_equal(tx_next(copy, &len), ENET_TAKE_REFUSED);
	assert_int_equal(tx_next(copy, &len), ENET_TAKE_REFUSED);
	assert_int_equal(drops(ENET_Q_OFFSET_RANGE), 5);
	/* A refused descriptor names no buffer of the client's: none goes back. */
	assert_false(pop(TX_FREE, &d));
	assert_int_equal(s.stats.frames_out, 0);
	assert_true(holds_none());
	canaries_intact();
}

static void offsets_misaligned(void **state)
{
	(void)state;
	push(RX_FREE, 100, 0);
	push(RX_FREE, BUFSZ + BUFSZ / 2, 0);
	uint8_t f[FRAME_BUF];
	uint32_t len = frame_udp(f, 0, 1, 7, 10);
	assert_int_equal(enet_session_deliver(&s, f, len), ENET_RX_NO_BUFFER);
	assert_int_equal(drops(ENET_Q_OFFSET_ALIGN), 2);
	assert_int_equal(RX_ACTIVE->tail, 0);

	uint8_t copy[ENET_FRAME_MAX];
	tx_frame(2, 10);
	push(TX_ACTIVE, 2 * BUFSZ + 1, 60);
	assert_int_equal(tx_next(copy, &len), ENET_TAKE_REFUSED);
	assert_int_equal(drops(ENET_Q_OFFSET_ALIGN), 3);
	assert_int_equal(s.stats.frames_out, 0);
	canaries_intact();
}

/* ENET_TX_HEADROOM: a transmit frame may start 2 bytes into its buffer
 * (and is then at most the buffer's size less 2); not a received one, and
 * no other offset inside a buffer. The descriptor comes back on TX_FREE as
 * it went in. */
static void tx_headroom(void **state)
{
	(void)state;
	uint8_t copy[ENET_FRAME_MAX], f[FRAME_BUF];
	uint32_t len = 0, n = frame_udp(f, 1, 7, 5555, 30);
	memcpy(tx_mem + 3 * BUFSZ + ENET_TX_HEADROOM, f, n);
	push(TX_ACTIVE, 3 * BUFSZ + ENET_TX_HEADROOM, n);
	assert_int_equal(tx_next(copy, &len), ENET_TAKE_OK);
	assert_int_equal(len, n);
	assert_memory_equal(copy, f, n);
	struct enet_desc d = { 0 };
	assert_true(pop(TX_FREE, &d));
	assert_int_equal(d.offset, 3 * BUFSZ + ENET_TX_HEADROOM);
	push(TX_ACTIVE, 3 * BUFSZ + ENET_TX_HEADROOM + 1, n);
	push(TX_ACTIVE, 3 * BUFSZ + ENET_TX_HEADROOM - 1, n);
	assert_int_equal(tx_next(copy, &len), ENET_TAKE_REFUSED);
	assert_int_equal(tx_next(copy, &len), ENET_TAKE_REFUSED);
	assert_int_equal(drops(ENET_Q_OFFSET_ALIGN), 2);
	push(TX_ACTIVE, 3 * BUFSZ + ENET_TX_HEADROOM, BUFSZ - ENET_TX_HEADROOM + 1);
	assert_int_equal(tx_next(copy, &len), ENET_TAKE_REFUSED);
	assert_int_equal(drops(ENET_Q_LEN_LONG), 1);
	push(RX_FREE, ENET_TX_HEADROOM, 0);
	assert_int_equal(enet_session_deliver(&s, f, n), ENET_RX_NO_BUFFER);
	assert_int_equal(drops(ENET_Q_OFFSET_ALIGN), 3);
	canaries_intact();
}

/* A buffer enet holds, handed in again before enet gave it back. */
static void duplicate_buffers(void **state)
{
	(void)state;
	struct enet_desc a = { 0 }, b = { 0 };
	push(RX_FREE, 2 * BUFSZ, 0);
	push(RX_FREE, 2 * BUFSZ, 0);
	assert_int_equal(enet_queue_take(&s.rx_free, &s.rx_bufs, &s.stats, &a), ENET_TAKE_OK);
	assert_true(enet_bufs_owned(&s.rx_bufs, 2 * BUFSZ));
	assert_int_equal(enet_queue_take(&s.rx_free, &s.rx_bufs, &s.stats, &b), ENET_TAKE_REFUSED);
	assert_int_equal(drops(ENET_Q_DUPLICATE), 1);
	/* Once enet gave it back, the client may post it again. */
	a.len = 60;
	assert_int_equal(enet_queue_put(&s.rx_active, &s.rx_bufs, &s.stats, a), ENET_OK);
	assert_false(enet_bufs_owned(&s.rx_bufs, 2 * BUFSZ));
	push(RX_FREE, 2 * BUFSZ, 0);
	assert_int_equal(enet_queue_take(&s.rx_free, &s.rx_bufs, &s.stats, &b), ENET_TAKE_OK);
	assert_int_equal(b.offset, 2 * BUFSZ);

	push(TX_ACTIVE, 5 * BUFSZ, 60);
	push(TX_ACTIVE, 5 * BUFSZ, 60);
	assert_int_equal(enet_queue_take(&s.tx_active, &s.tx_bufs, &s.stats, &a), ENET_TAKE_OK);
	assert_int_equal(enet_queue_take(&s.tx_active, &s.tx_bufs, &s.stats, &b),
			 ENET_TAKE_REFUSED);
	assert_int_equal(drops(ENET_Q_DUPLICATE), 2);
}

static void producer_index_rewound(void **state)
{
	(void)state;
	uint8_t copy[ENET_FRAME_MAX];
	uint32_t len;
	for (uint32_t i = 0; i < 4; i++)
		push(TX_ACTIVE, (uint64_t)i * BUFSZ, tx_frame(i, i));
	assert_int_equal(tx_next(copy, &len), ENET_TAKE_OK);
	TX_ACTIVE->tail = 2; /* enet has seen 4 */
	assert_int_equal(tx_next(copy, &len), ENET_TAKE_STUCK);
	assert_int_equal(drops(ENET_Q_INDEX_REWOUND), 1);
	TX_ACTIVE->tail = 0; /* behind enet's own head */
	assert_int_equal(tx_next(copy, &len), ENET_TAKE_STUCK);
	assert_int_equal(drops(ENET_Q_INDEX_REWOUND), 2);
	assert_int_equal(s.tx_active.head, 1);
	assert_int_equal(s.tx_active.tail, 4);
	/* Put right, the queue carries on where it was. */
	TX_ACTIVE->tail = 4;
	for (uint32_t i = 1; i < 4; i++) {
		assert_int_equal(tx_next(copy, &len), ENET_TAKE_OK);
		assert_memory_equal(copy, tx_mem + i * BUFSZ, len);
	}
	assert_int_equal(tx_next(copy, &len), ENET_TAKE_EMPTY);
	assert_int_equal(s.stats.frames_out, 4);
}

static void producer_index_jumped(void **state)
{
	(void)state;
	uint8_t copy[ENET_FRAME_MAX];
	uint32_t len;
	RX_FREE->tail = CAP + 1;
	uint8_t f[FRAME_BUF];
	uint32_t flen = frame_udp(f, 0, 1, 7, 10);
	assert_int_equal(enet_session_deliver(&s, f, flen), ENET_RX_NO_BUFFER);
	assert_int_equal(drops(ENET_Q_INDEX_JUMPED), 1);
	assert_int_equal(s.rx_free.tail, 0);

	TX_ACTIVE->tail = 0x80000000u;
	assert_int_equal(tx_next(copy, &len), ENET_TAKE_STUCK);
	TX_ACTIVE->tail = 0x7fffffffu;
	assert_int_equal(tx_next(copy, &len), ENET_TAKE_STUCK);
	assert_int_equal(drops(ENET_Q_INDEX_JUMPED), 3);
	TX_ACTIVE->tail = UINT32_MAX - 2; /* three behind enet's: a rewind */
	assert_int_equal(tx_next(copy, &len), ENET_TAKE_STUCK);
	assert_int_equal(drops(ENET_Q_INDEX_REWOUND), 1);
	assert_int_equal(s.tx_active.tail, 0);
	assert_int_equal(s.tx_active.head, 0);

	/* A full ring (tail = head + capacity) is allowed. */
	TX_ACTIVE->tail = 0;
	for (uint32_t i = 0; i < CAP; i++)
		push(TX_ACTIVE, (uint64_t)i * BUFSZ, tx_frame(i, 1));
	for (uint32_t i = 0; i < CAP; i++)
		assert_int_equal(tx_next(copy, &len), ENET_TAKE_OK);
	assert_int_equal(drops(ENET_Q_INDEX_JUMPED), 3);
}

static void consumer_index_tampered(void **state)
{
	(void)state;
	uint8_t f[FRAME_BUF];
	uint32_t flen = frame_udp(f, 0, 1, 7, 10);
	for (uint32_t i = 0; i < 4; i++)
		push(RX_FREE, (uint64_t)i * BUFSZ, 0);
	assert_int_equal(enet_session_deliver(&s, f, flen), ENET_OK);
	assert_int_equal(enet_session_deliver(&s, f, flen), ENET_OK);

	RX_ACTIVE->head = 3; /* past the 2 enet queued */
	assert_int_equal(enet_queue_space(&s.rx_active, &s.stats), CAP - 2);
	assert_int_equal(drops(ENET_Q_INDEX_JUMPED), 1);
	RX_ACTIVE->head = 0x40000000u;
	assert_int_equal(enet_session_deliver(&s, f, flen), ENET_OK);
	assert_int_equal(drops(ENET_Q_INDEX_JUMPED), 2);
	assert_int_equal(s.rx_active.head, 0);

	RX_ACTIVE->head = 2; /* consumed two: fine */
	assert_int_equal(enet_queue_space(&s.rx_active, &s.stats), CAP - 1);
	RX_ACTIVE->head = 1; /* and back again */
	assert_int_equal(enet_queue_space(&s.rx_active, &s.stats), CAP - 1);
	assert_int_equal(drops(ENET_Q_INDEX_REWOUND), 1);
	assert_int_equal(s.rx_active.head, 2);
}

static void transmit_lengths(void **state)
{
	(void)state;
	uint8_t copy[ENET_FRAME_MAX];
	uint32_t len;
	tx_frame(0, 10);
	push(TX_ACTIVE, 0, 0);
	assert_int_equal(tx_next(copy, &len), ENET_TAKE_REFUSED);
	assert_int_equal(drops(ENET_Q_LEN_ZERO), 1);
	push(TX_ACTIVE, 0, BUFSZ + 1);
	assert_int_equal(tx_next(copy, &len), ENET_TAKE_REFUSED);
	assert_int_equal(drops(ENET_Q_LEN_LONG), 1);
	push(TX_ACTIVE, 0, UINT32_MAX);
	assert_int_equal(tx_next(copy, &len), ENET_TAKE_REFUSED);
	assert_int_equal(drops(ENET_Q_LEN_LONG), 2);
	struct enet_desc d = { 0 };
	assert_false(pop(TX_FREE, &d));

	/* Inside the buffer but longer than any frame: refused, and the
	 * buffer (a real one) goes back. */
	push(TX_ACTIVE, 0, ENET_FRAME_MAX + 1);
	assert_int_equal(tx_next(copy, &len), ENET_TAKE_REFUSED);
	assert_int_equal(drops(ENET_ETH_TOO_LONG), 1);
	assert_true(pop(TX_FREE, &d));
	assert_int_equal(d.offset, 0);

	/* A spoofed frame is refused after the copy, its buffer back too. */
	uint32_t flen = tx_frame(1, 10);
	tx_mem[BUFSZ + F_IP_SRC + 3] = 16;
	fix_ip_checksum(tx_mem + BUFSZ);
	push(TX_ACTIVE, BUFSZ, flen);
	assert_int_equal(tx_next(copy, &len), ENET_TAKE_REFUSED);
	assert_int_equal(drops(ENET_TX_SRC_IP), 1);
	assert_true(pop(TX_FREE, &d));
	assert_int_equal(d.offset, BUFSZ);
	assert_int_equal(s.stats.frames_out, 0);
	assert_true(holds_none());
}

/* enet never reads back the index it publishes: a client that overwrites
 * it changes nothing but its own view. */
static void own_index_overwritten(void **state)
{
	(void)state;
	for (uint32_t i = 0; i < 4; i++)
		push(RX_FREE, (uint64_t)i * BUFSZ, 0);
	uint8_t f[FRAME_BUF];
	uint32_t flen = frame_udp(f, 0, 1, 7, 10);
	assert_int_equal(enet_session_deliver(&s, f, flen), ENET_OK);
	assert_int_equal(enet_session_deliver(&s, f, flen), ENET_OK);
	RX_FREE->head = 0;
	RX_ACTIVE->tail = 77;
	assert_int_equal(enet_session_deliver(&s, f, flen), ENET_OK);
	assert_int_equal(RX_FREE->head, 3);
	assert_int_equal(RX_ACTIVE->tail, 3);
	assert_int_equal(RX_ACTIVE->desc[2].offset, 2 * BUFSZ);
	assert_int_equal(enet_drops_total(&s.stats), 0);
}

/* enet_session_offer: no free buffer is answered uncounted (the caller
 * keeps the frame), with nothing taken; other refusals count as before. */
static void offer_without_a_buffer_counts_nothing(void **state)
{
	(void)state;
	uint8_t f[FRAME_BUF];
	uint32_t flen = frame_udp(f, 0, 1, 7, 10);
	bool no_buffer = false;
	assert_int_equal(enet_session_offer(&s, f, flen, &no_buffer), ENET_RX_NO_BUFFER);
	assert_true(no_buffer);
	assert_int_equal(drops(ENET_RX_NO_BUFFER), 0);
	assert_int_equal(RX_ACTIVE->tail, 0);

	push(RX_FREE, BUFSZ, 0);
	assert_int_equal(enet_session_offer(&s, f, flen, &no_buffer), ENET_OK);
	assert_false(no_buffer);
	assert_int_equal(RX_ACTIVE->tail, 1);
	assert_int_equal(RX_ACTIVE->desc[0].offset, BUFSZ);

	/* A junk descriptor is the client's refusal, counted, not "no buffer". */
	push(RX_FREE, 100, 0);
	assert_int_equal(enet_session_offer(&s, f, flen, &no_buffer), ENET_RX_NO_BUFFER);
	assert_true(no_buffer); /* refused, then nothing left: the frame may wait */
	assert_int_equal(drops(ENET_Q_OFFSET_ALIGN), 1);
	assert_int_equal(drops(ENET_RX_NO_BUFFER), 0);
	/* And enet_session_deliver counts what offer leaves uncounted. */
	assert_int_equal(enet_session_deliver(&s, f, flen), ENET_RX_NO_BUFFER);
	assert_int_equal(drops(ENET_RX_NO_BUFFER), 1);
	canaries_intact();
}

static void slow_clients(void **state)
{
	(void)state;
	uint8_t f[FRAME_BUF];
	uint32_t flen = frame_udp(f, 0, 1, 7, 10);
	assert_int_equal(enet_session_deliver(&s, f, flen), ENET_RX_NO_BUFFER);
	assert_int_equal(drops(ENET_RX_NO_BUFFER), 1);

	/* Never draining RX_ACTIVE: once full, frames are dropped and the
	 * free buffers still posted are left alone. */
	for (uint32_t i = 0; i < CAP; i++)
		push(RX_FREE, (uint64_t)i * BUFSZ, 0);
	for (uint32_t i = 0; i < CAP; i++)
		assert_int_equal(enet_session_deliver(&s, f, flen), ENET_OK);
	struct enet_desc d = { 0 };
	assert_true(pop(RX_ACTIVE, &d));
	assert_true(pop(RX_ACTIVE, &d));
	RX_ACTIVE->head -= 2; /* undo: the client never read them */
	push(RX_FREE, 0, 0);  /* not really free, but the client's to lose */
	assert_int_equal(enet_session_deliver(&s, f, flen), ENET_RX_QUEUE_FULL);
	assert_int_equal(enet_session_deliver(&s, f, flen), ENET_RX_QUEUE_FULL);
	assert_int_equal(drops(ENET_RX_QUEUE_FULL), 2);
	assert_int_equal(s.rx_free.head, CAP); /* the posted one not taken */
	RX_ACTIVE->head++;
	assert_int_equal(enet_session_deliver(&s, f, flen), ENET_OK);
	assert_int_equal(s.stats.frames_in, CAP + 1);

	/* Never draining TX_FREE: frames still go; the buffers that cannot
	 * be listed back are counted. */
	uint8_t copy[ENET_FRAME_MAX];
	uint32_t len;
	for (uint32_t n = 0; n < CAP + 2; n++) {
		push(TX_ACTIVE, (uint64_t)(n % NBUF) * BUFSZ, tx_frame(n % NBUF, 5));
		assert_int_equal(tx_next(copy, &len), ENET_TAKE_OK);
	}
	assert_int_equal(drops(ENET_TX_FREE_FULL), 2);
	assert_int_equal(s.stats.frames_out, CAP + 2);
	assert_true(holds_none());
}

static void sizes_bounded(void **state)
{
	(void)state;
	struct enet_queue q;
	struct enet_bufs b;
	assert_false(enet_queue_init(&q, RX_FREE, 0, ENET_Q_RX_FREE));
	assert_false(enet_queue_init(&q, RX_FREE, 3, ENET_Q_RX_FREE));
	assert_false(enet_queue_init(&q, RX_FREE, 2 * ENET_RING_MAX, ENET_Q_RX_FREE));
	assert_true(enet_queue_init(&q, RX_FREE, 1, ENET_Q_RX_FREE));
	assert_true(enet_queue_init(&q, RX_FREE, ENET_RING_MAX, ENET_Q_RX_FREE));
	assert_false(enet_bufs_init(&b, 100, 4));
	assert_false(enet_bufs_init(&b, 32, 4));
	assert_false(enet_bufs_init(&b, 2048, 0));
	assert_false(enet_bufs_init(&b, 2048, ENET_BUFS_MAX + 1));
	assert_true(enet_bufs_init(&b, 2048, ENET_BUFS_MAX));
}

/* The index the client writes, set back to what enet last accepted (as a
 * client that kept its own copy would). */
static void repair(struct enet_ring *r, const struct enet_queue *view)
{
	if (view->kind == ENET_Q_RX_FREE || view->kind == ENET_Q_TX_ACTIVE)
		r->tail = view->tail;
	else
		r->head = view->head;
}

/* A client that writes anything anywhere in its rings between enet's
 * steps. Whatever it does: nothing outside the receive region is written,
 * every frame sent is within bounds and passed the check, enet holds no
 * buffer between calls, and its private views stay consistent. */
static void random_hostile_client(void **state)
{
	(void)state;
	struct enet_ring *rings[4] = { RX_FREE, RX_ACTIVE, TX_ACTIVE, TX_FREE };
	struct enet_queue *views[4] = { &s.rx_free, &s.rx_active, &s.tx_active, &s.tx_free };
	uint8_t f[FRAME_BUF], copy[ENET_FRAME_MAX];
	struct enet_desc d;
	for (uint32_t i = 0; i < NBUF; i++)
		tx_frame(i, i * 3);
	srandom(test_seed("enet_queue", 7));
	uint64_t sent = 0;
	for (int n = 0; n < 20000; n++) {
		struct enet_ring *r = rings[random() % 4];
		switch (random() % 6) {
		case 0: /* an index nudged */
			if (random() % 2)
				r->tail += (uint32_t)(random() % 5) - 2;
			else
				r->head += (uint32_t)(random() % 5) - 2;
			break;
		case 1: /* an index anywhere, now and then */
			if (random() % 4)
				break;
			if (random() % 2)
				r->tail = (uint32_t)random();
			else
				r->head = (uint32_t)random();
			break;
		case 2: { /* a descriptor slot rewritten */
			struct enet_desc *d = &r->desc[random() % CAP];
			int kind = (int)(random() % 3);
			d->offset = kind == 0   ? (uint64_t)(random() % (NBUF + 2)) * BUFSZ
				    : kind == 1 ? (uint64_t)(random() % (NBUF * BUFSZ))
						: (uint64_t)random() << (random() % 40);
			d->len = random() % 3 ? (uint32_t)(random() % 200) : (uint32_t)random();
			break;
		}
		case 3: /* honest work, after putting its own indices right */
			repair(r, views[r == RX_FREE     ? 0
					: r == RX_ACTIVE ? 1
					: r == TX_ACTIVE ? 2
							 : 3]);
			push(RX_FREE, (uint64_t)(random() % NBUF) * BUFSZ, 0);
			push(TX_ACTIVE, (uint64_t)(random() % NBUF) * BUFSZ,
			     tx_frame((uint32_t)(random() % NBUF), 4));
			pop(RX_ACTIVE, &d);
			pop(TX_FREE, &d);
			break;
		case 4: {
			uint32_t flen = frame_udp(f, 0, 1, 7, (uint32_t)(random() % 100));
			enum enet_reason why = enet_session_deliver(&s, f, flen);
			assert_true(why < ENET_REASON_COUNT);
			break;
		}
		case 5: {
			uint32_t len = 0;
			if (tx_next(copy, &len) == ENET_TAKE_OK) {
				assert_true(len >= ENET_ETH_HDR && len <= ENET_FRAME_MAX);
				assert_int_equal(enet_check_tx(&guest, &ports, ME, copy, len),
						 ENET_OK);
				sent++;
			}
			break;
		}
		}
		assert_true(holds_none());
		for (int q = 0; q < 4; q++)
			assert_true(views[q]->tail - views[q]->head <= CAP);
	}
	canaries_intact();
	/* The counters, as a debug print would show them (one row each). */
	print_message("hostile client: in %llu out %llu\n", (unsigned long long)s.stats.frames_in,
		      (unsigned long long)s.stats.frames_out);
	for (uint32_t r = 1; r < ENET_REASON_COUNT; r++)
		if (s.stats.drops[r])
			print_message("  %-16s %llu\n", enet_reason_name(r),
				      (unsigned long long)s.stats.drops[r]);
	assert_int_equal(s.stats.frames_out, sent);
	assert_true(sent > 0);
	/* The flat view a statistics reply reads. */
	assert_int_equal(enet_stats_counter(&s.stats, 0), s.stats.frames_in);
	assert_int_equal(enet_stats_counter(&s.stats, 3), s.stats.bytes_out);
	assert_int_equal(enet_stats_counter(&s.stats, ENET_STATS_DROPS + ENET_Q_INDEX_JUMPED),
			 drops(ENET_Q_INDEX_JUMPED));
	assert_int_equal(enet_stats_counter(&s.stats, ENET_STATS_COUNTERS), 0);
	assert_true(s.stats.frames_in > 0);
	/* Every kind of tampering the client did was seen. */
	assert_true(drops(ENET_Q_INDEX_JUMPED) > 0);
	assert_true(drops(ENET_Q_INDEX_REWOUND) > 0);
	assert_true(drops(ENET_Q_OFFSET_RANGE) > 0);
	assert_true(drops(ENET_Q_OFFSET_ALIGN) > 0);
	assert_true(drops(ENET_Q_LEN_ZERO) + drops(ENET_Q_LEN_LONG) > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(honest_receive, setup),
		cmocka_unit_test_setup(honest_transmit, setup),
		cmocka_unit_test_setup(arp_request_marks_asking, setup),
		cmocka_unit_test_setup(tx_headroom, setup),
		cmocka_unit_test_setup(offsets_out_of_range, setup),
		cmocka_unit_test_setup(offsets_misaligned, setup),
		cmocka_unit_test_setup(duplicate_buffers, setup),
		cmocka_unit_test_setup(producer_index_rewound, setup),
		cmocka_unit_test_setup(producer_index_jumped, setup),
		cmocka_unit_test_setup(consumer_index_tampered, setup),
		cmocka_unit_test_setup(transmit_lengths, setup),
		cmocka_unit_test_setup(own_index_overwritten, setup),
		cmocka_unit_test_setup(slow_clients, setup),
		cmocka_unit_test_setup(sizes_bounded, setup),
		cmocka_unit_test_setup(random_hostile_client, setup),
		cmocka_unit_test_setup(offer_without_a_buffer_counts_nothing, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
