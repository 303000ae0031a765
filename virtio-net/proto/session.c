/* SPDX-License-Identifier: MIT */
/*
 * A session's receive and transmit paths over its queues (session.h).
 * Receive checks for room in RX_ACTIVE before taking a free buffer, so a
 * buffer is never taken that cannot be queued; transmit copies before it
 * checks, so the check covers the bytes that will be sent.
 */
#include "session.h"

#include <string.h>

bool enet_session_init(struct enet_session *s, uint32_t id, const struct enet_session_mem *m)
{
	memset(s, 0, sizeof(*s));
	s->id = id;
	s->rx_base = m->rx_base;
	s->tx_base = m->tx_base;
	s->io = m->io;
	uint32_t rx_buf = m->rx_buf_size ? m->rx_buf_size : m->buf_size;
	s->rx_frame_at = m->rx_frame_at;
	s->rx_frame_max = m->rx_frame_max ? m->rx_frame_max : ENET_FRAME_MAX;
	if (rx_buf <= m->rx_frame_at || s->rx_frame_max > rx_buf - m->rx_frame_at) {
		if (m->rx_frame_max || rx_buf <= m->rx_frame_at)
			return false; /* a frame would not fit where it is to go */
		s->rx_frame_max = rx_buf - m->rx_frame_at;
	}
	return enet_queue_init(&s->rx_free, m->rx_free, m->capacity, ENET_Q_RX_FREE) &&
	       enet_queue_init(&s->rx_active, m->rx_active, m->capacity, ENET_Q_RX_ACTIVE) &&
	       enet_queue_init(&s->tx_active, m->tx_active, m->capacity, ENET_Q_TX_ACTIVE) &&
	       enet_queue_init(&s->tx_free, m->tx_free, m->capacity, ENET_Q_TX_FREE) &&
	       enet_bufs_init(&s->rx_bufs, rx_buf, m->rx_count) &&
	       enet_bufs_init(&s->tx_bufs, m->buf_size, m->tx_count);
}

/* The next acceptable free receive buffer: refused descriptors are
 * skipped, at most a ring's worth, so junk costs the client its slots and
 * enet a bounded amount of work; a refused index ends the search. */
static enum enet_take take_rx_buffer(struct enet_session *s, struct enet_desc *d)
{
	for (uint32_t tries = 0; tries < s->rx_free.capacity; tries++) {
		enum enet_take t = enet_queue_take(&s->rx_free, &s->rx_bufs, &s->stats, d);
		if (t != ENET_TAKE_REFUSED)
			return t;
	}
	return ENET_TAKE_REFUSED;
}

/* The copies, through the session's io when it has one. A failed copy
 * lets go of the buffer (nothing can be listed in storage that is gone)
 * and marks the session gone. */
static bool rx_copy(struct enet_session *s, uint64_t offset, const uint8_t *frame, uint32_t len)
{
	if (!s->io) {
		memcpy(s->rx_base + offset, frame, len);
		return true;
	}
	if (s->io->rx_write(s, offset, frame, len))
		return true;
	enet_bufs_release(&s->rx_bufs, offset);
	s->gone = true;
	enet_count(&s->stats, ENET_STORAGE_GONE);
	return false;
}

static bool tx_copy(struct enet_session *s, uint64_t offset, uint8_t *copy, uint32_t len)
{
	if (!s->io) {
		memcpy(copy, s->tx_base + offset, len);
		return true;
	}
	if (s->io->tx_read(s, offset, copy, len))
		return true;
	enet_bufs_release(&s->tx_bufs, offset);
	s->gone = true;
	enet_count(&s->stats, ENET_STORAGE_GONE);
	return false;
}

enum enet_reason enet_session_deliver(struct enet_session *s, const uint8_t *frame, uint32_t len)
{
	bool no_buffer;
	enum enet_reason why = enet_session_offer(s, frame, len, &no_buffer);
	return no_buffer ? enet_count(&s->stats, ENET_RX_NO_BUFFER) : why;
}

enum enet_reason enet_session_offer(struct enet_session *s, const uint8_t *frame, uint32_t len,
				    bool *no_buffer)
{
	*no_buffer = false;
	if (s->gone)
		return ENET_STORAGE_GONE;
	if (len > s->rx_frame_max)
		return enet_count(&s->stats, ENET_ETH_TOO_LONG);
	if (enet_queue_space(&s->rx_active, &s->stats) == 0)
		return enet_count(&s->stats, ENET_RX_QUEUE_FULL);
	struct enet_desc d;
	enum enet_take t = take_rx_buffer(s, &d);
	if (t == ENET_TAKE_EMPTY) {
		*no_buffer = true;
		return ENET_RX_NO_BUFFER;
	}
	if (t != ENET_TAKE_OK)
		return ENET_RX_NO_BUFFER; /* each refusal already counted */
	if (!rx_copy(s, d.offset + s->rx_frame_at, frame, len))
		return ENET_STORAGE_GONE;
	d.len = len;
	enum enet_reason why = enet_queue_put(&s->rx_active, &s->rx_bufs, &s->stats, d);
	if (why == ENET_OK) {
		s->stats.frames_in++;
		s->stats.bytes_in += len;
	}
	return why;
}

enum enet_take enet_session_tx_next(struct enet_session *s, const struct enet_addr *us,
				    const struct enet_ports *ports, uint8_t *copy, uint32_t *len)
{
	if (s->gone)
		return ENET_TAKE_GONE;
	/* Held: nothing past the release point (the rest waits for a commit). */
	uint32_t limit = s->hold ? s->tx_release : s->tx_active.head - 1;
	struct enet_desc d;
	enum enet_take t = enet_queue_take_upto(&s->tx_active, &s->tx_bufs, &s->stats, &d, limit);
	if (t != ENET_TAKE_OK)
		return t;
	enum enet_reason why = d.len > ENET_FRAME_MAX ? ENET_ETH_TOO_LONG : ENET_OK;
	if (why == ENET_OK && !tx_copy(s, d.offset, copy, d.len))
		return ENET_TAKE_GONE;
	/* The client's buffer goes back at once: enet sends from its copy. */
	enet_queue_put(&s->tx_free, &s->tx_bufs, &s->stats, d);
	if (why == ENET_OK)
		why = enet_check_tx(us, ports, s->id, copy, d.len);
	if (enet_count(&s->stats, why) != ENET_OK)
		return ENET_TAKE_REFUSED;
	if (copy[12] == 0x08 && copy[13] == 0x06 && copy[ENET_ETH_HDR + 7] == 1)
		s->arp_asked = true; /* an RFC 826 request (the check read it whole) */
	s->stats.frames_out++;
	s->stats.bytes_out += d.len;
	*len = d.len;
	return ENET_TAKE_OK;
}

void enet_session_hold(struct enet_session *s, bool on)
{
	if (on && !s->hold)
		s->tx_release = s->tx_mark = s->tx_active.head;
	s->hold = on;
}

bool enet_session_tx_mark(struct enet_session *s)
{
	if (s->gone)
		return false;
	s->tx_mark = enet_queue_peek_tail(&s->tx_active);
	return s->tx_mark != s->tx_release;
}

void enet_session_tx_release(struct enet_session *s)
{
	s->tx_release = s->tx_mark;
}

uint32_t enet_session_tx_turn(struct enet_session *s, const struct enet_addr *us,
			      const struct enet_ports *ports, uint32_t budget,
			      const struct enet_tx_sink *sink)
{
	uint32_t sent = 0;
	for (uint32_t taken = 0; taken < budget; taken++) {
		uint8_t *copy = sink->buffer(sink->ctx);
		uint32_t len = 0;
		enum enet_take t = enet_session_tx_next(s, us, ports, copy, &len);
		if (t == ENET_TAKE_EMPTY || t == ENET_TAKE_STUCK || t == ENET_TAKE_GONE)
			break;
		if (t == ENET_TAKE_OK) {
			sink->send(sink->ctx, copy, len);
			sent++;
		}
	}
	return sent;
}
