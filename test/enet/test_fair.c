/* SPDX-License-Identifier: MIT */
/*
 * Host test of transmit across sessions end to end (virtio-net/proto/
 * session.c and txsched.c, docs/network.md "Fair transmit"): real
 * sessions over real rings, served by the scheduler into a simulated
 * device with little room.
 *
 * Two honest sessions each send 40 numbered frames from their own UDP
 * port, refilling their rings between rounds as a client would; a hostile
 * one keeps its ring full of junk descriptors, frames spoofing the
 * others' ports and its IPv4 address, and good frames of its own. What is
 * checked: every honest frame reaches the device, in order and byte for
 * byte, within the rounds a fair share predicts; nothing the hostile
 * session spoofed reaches it; the hostile session's refusals are all in
 * its own counters and none in the others'.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "frames.h"
#include "session.h"
#include "txsched.h"

#define CAP      8
#define NBUF     8
#define BUFSZ    2048
#define SESSIONS 3
#define HOSTILE  2
#define FRAMES   40
#define BUDGET   4
#define ROOM     6

struct client {
	_Alignas(16) uint8_t rings[4][ENET_RING_BYTES(CAP)];
	uint8_t rx[NBUF * BUFSZ];
	uint8_t tx[NBUF * BUFSZ];
	uint32_t queued; /* honest: frames queued so far */
	uint32_t next_buf;
};

static struct client clients[SESSIONS];
static struct enet_session sessions[SESSIONS];
static struct enet_ports ports;
static const uint16_t port_of[SESSIONS] = { 7, 9, 1000 };

/* The device: what it was sent, in order. */
static struct {
	uint8_t buf[ENET_FRAME_MAX];
	uint32_t frames;
	uint32_t next_seq[SESSIONS];
	uint32_t from_hostile;
} dev;

static struct enet_ring *ring(struct client *c, int i)
{
	return (struct enet_ring *)c->rings[i];
}

/* Session i over client i's rings and buffers. */
static bool start_session(uint32_t i)
{
	struct client *c = &clients[i];
	struct enet_session_mem m = {
		.rx_free = ring(c, 0),
		.rx_active = ring(c, 1),
		.tx_active = ring(c, 2),
		.tx_free = ring(c, 3),
		.capacity = CAP,
		.rx_base = c->rx,
		.rx_count = NBUF,
		.tx_base = c->tx,
		.tx_count = NBUF,
		.buf_size = BUFSZ,
	};
	return enet_session_init(&sessions[i], i, &m);
}

static uint8_t *dev_buffer(void *ctx)
{
	(void)ctx;
	return dev.buf;
}

/* Which session's port the frame came from, and that it is the next frame
 * of that session's sequence (the sequence number is the payload's first
 * byte). */
static void dev_send(void *ctx, uint8_t *frame, uint32_t len)
{
	(void)ctx;
	dev.frames++;
	uint16_t src = (uint16_t)(frame[F_L4] << 8 | frame[F_L4 + 1]);
	for (uint32_t i = 0; i < SESSIONS; i++) {
		if (src != port_of[i])
			continue;
		if (i == HOSTILE) {
			dev.from_hostile++;
			return;
		}
		uint8_t want[FRAME_BUF];
		uint32_t wlen = frame_udp(want, 1, port_of[i], 5555, 20);
		want[F_L4 + 8] = (uint8_t)dev.next_seq[i];
		assert_int_equal(len, wlen);
		assert_memory_equal(frame, want, len);
		dev.next_seq[i]++;
		return;
	}
	fail_msg("a frame from port %u reached the device", src);
}

static uint32_t serve(void *ctx, uint32_t slot, uint32_t budget)
{
	static const struct enet_tx_sink sink = { dev_buffer, dev_send, NULL };
	(void)ctx;
	return enet_session_tx_turn(&sessions[slot], &guest, &ports, budget, &sink);
}

static void push(struct client *c, uint64_t offset, uint32_t len)
{
	struct enet_ring *r = ring(c, 2);
	r->desc[r->tail % CAP] = (struct enet_desc){ .offset = offset, .len = len };
	r->tail++;
}

/* A client takes its sent buffers back and fills its ring again. */
static void refill(uint32_t i)
{
	struct client *c = &clients[i];
	struct enet_ring *done = ring(c, 3);
	done->head = done->tail;
	struct enet_ring *r = ring(c, 2);
	while (r->tail - sessions[i].tx_active.head < CAP) {
		uint8_t *b = c->tx + c->next_buf * BUFSZ;
		uint64_t off = (uint64_t)c->next_buf * BUFSZ;
		c->next_buf = (c->next_buf + 1) % NBUF;
		if (i != HOSTILE) {
			if (c->queued == FRAMES)
				return;
			uint32_t len = frame_udp(b, 1, port_of[i], 5555, 20);
			b[F_L4 + 8] = (uint8_t)c->queued++;
			push(c, off, len);
			continue;
		}
		uint32_t len;
		switch (c->queued++ % 5) {
		case 0: /* junk */
			push(c, off + 3, 60);
			break;
		case 1: /* the first honest session's port */
			push(c, off, frame_udp(b, 1, port_of[0], 5555, 20));
			break;
		case 2: /* another address */
			len = frame_udp(b, 1, port_of[HOSTILE], 5555, 20);
			b[F_IP_SRC + 3] = 99;
			fix_ip_checksum(b);
			push(c, off, len);
			break;
		case 3: /* a length past the buffer */
			push(c, off, BUFSZ + 1);
			break;
		default: /* its own, good */
			push(c, off, frame_udp(b, 1, port_of[HOSTILE], 5555, 20));
		}
	}
}

static void flood_beside_honest_sessions(void **state)
{
	(void)state;
	memset(clients, 0, sizeof(clients));
	memset(&dev, 0, sizeof(dev));
	enet_ports_init(&ports);
	struct enet_txsched sched;
	enet_txsched_init(&sched, BUDGET);
	for (uint32_t i = 0; i < SESSIONS; i++) {
		assert_true(start_session(i));
		assert_int_equal(enet_ports_register(&ports, i, ENET_PROTO_UDP, port_of[i]),
				 ENET_PORT_OK);
		assert_true(enet_txsched_add(&sched, i));
	}
	uint32_t rounds = 0;
	while ((dev.next_seq[0] < FRAMES || dev.next_seq[1] < FRAMES) && rounds < 200) {
		for (uint32_t i = 0; i < SESSIONS; i++)
			refill(i);
		enet_txsched_round(&sched, ROOM, serve, NULL);
		rounds++;
	}
	assert_int_equal(dev.next_seq[0], FRAMES);
	assert_int_equal(dev.next_seq[1], FRAMES);
	/* Two thirds of 6 a round for the honest pair's 80 frames is 20
	 * rounds at most; fewer, as the hostile session's refusals use its
	 * own turns and leave the device's room to the others. */
	assert_true(rounds <= 20);
	assert_true(dev.from_hostile > 0);
	struct enet_stats *h = &sessions[HOSTILE].stats;
	assert_true(h->drops[ENET_Q_OFFSET_ALIGN] > 0);
	assert_true(h->drops[ENET_TX_PORT] > 0);
	assert_true(h->drops[ENET_TX_SRC_IP] > 0);
	assert_true(h->drops[ENET_Q_LEN_LONG] > 0);
	assert_int_equal(h->frames_out, dev.from_hostile);
	for (uint32_t i = 0; i < HOSTILE; i++) {
		assert_int_equal(enet_drops_total(&sessions[i].stats), 0);
		assert_int_equal(sessions[i].stats.frames_out, FRAMES);
	}
	print_message("%u rounds; hostile session: %llu sent, %llu refused\n", rounds,
		      (unsigned long long)h->frames_out, (unsigned long long)enet_drops_total(h));
}

/* Output commit (docs/network.md "Output commit"): with hold on, a turn
 * sends only frames up to the release point; a mark takes the client's
 * tail as it is now, and its release lets exactly those frames go, in
 * order; frames queued after the mark wait for the next. A tail jumped
 * while held is not marked and is still refused (counted) at a take. */
static void queue_honest(uint32_t n)
{
	struct client *c = &clients[0];
	ring(c, 3)->head = ring(c, 3)->tail; /* sent buffers taken back */
	for (uint32_t i = 0; i < n; i++) {
		uint8_t *b = c->tx + c->next_buf * BUFSZ;
		uint64_t off = (uint64_t)c->next_buf * BUFSZ;
		c->next_buf = (c->next_buf + 1) % NBUF;
		uint32_t len = frame_udp(b, 1, port_of[0], 5555, 20);
		b[F_L4 + 8] = (uint8_t)c->queued++;
		push(c, off, len);
	}
}

static void held_frames_go_only_when_released(void **state)
{
	(void)state;
	static const struct enet_tx_sink sink = { dev_buffer, dev_send, NULL };
	memset(clients, 0, sizeof(clients));
	memset(&dev, 0, sizeof(dev));
	enet_ports_init(&ports);
	struct client *c = &clients[0];
	struct enet_session *s = &sessions[0];
	assert_true(start_session(0));
	assert_int_equal(enet_ports_register(&ports, 0, ENET_PROTO_UDP, port_of[0]), ENET_PORT_OK);
	enet_session_hold(s, true);
	assert_false(enet_session_tx_mark(s)); /* nothing queued */
	queue_honest(5);
	assert_int_equal(ring(c, 2)->tail, 5);
	assert_int_equal(enet_session_tx_turn(s, &guest, &ports, 8, &sink), 0);
	assert_true(enet_session_tx_mark(s));
	queue_honest(3); /* three more after the mark */
	assert_int_equal(ring(c, 2)->tail, 8);
	assert_int_equal(enet_session_tx_turn(s, &guest, &ports, 8, &sink), 0);
	enet_session_tx_release(s);
	assert_int_equal(enet_session_tx_turn(s, &guest, &ports, 8, &sink), 5);
	assert_int_equal(dev.next_seq[0], 5);
	assert_int_equal(enet_session_tx_turn(s, &guest, &ports, 8, &sink), 0);
	/* A tail jumped far ahead: not marked, refused at the next take. */
	uint32_t tail = ring(c, 2)->tail;
	ring(c, 2)->tail = tail + 1000;
	assert_true(enet_session_tx_mark(s)); /* the 3 accepted before */
	assert_int_equal(s->tx_mark, 8);
	enet_session_tx_release(s);
	uint64_t jumped = s->stats.drops[ENET_Q_INDEX_JUMPED];
	assert_int_equal(enet_session_tx_turn(s, &guest, &ports, 8, &sink), 0);
	assert_int_equal(s->stats.drops[ENET_Q_INDEX_JUMPED], jumped + 1);
	ring(c, 2)->tail = tail;
	assert_int_equal(enet_session_tx_turn(s, &guest, &ports, 8, &sink), 3);
	assert_int_equal(dev.next_seq[0], 8);
	assert_false(enet_session_tx_mark(s));
	/* Hold off: everything queued goes at once. */
	queue_honest(4);
	assert_int_equal(enet_session_tx_turn(s, &guest, &ports, 8, &sink), 0);
	enet_session_hold(s, false);
	assert_int_equal(enet_session_tx_turn(s, &guest, &ports, 8, &sink), 4);
	assert_int_equal(dev.next_seq[0], 12);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(flood_beside_honest_sessions),
		cmocka_unit_test(held_frames_go_only_when_released),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
