/* SPDX-License-Identifier: MIT */
/*
 * The client queues (queue.h has the protocol and the rules). Indices and
 * descriptors in shared memory are read with __atomic loads into locals,
 * once, and only the locals are checked and used: the client may change
 * the shared copy at any instant, even between two reads of one field.
 * The acquire load of a producer's tail orders the descriptor reads after
 * it; the release store of enet's tail orders its descriptor writes
 * before it (the same pairing as sDDF's queues and virtio 1.2 §2.7.13).
 */
#include "queue.h"

#include <string.h>

static bool power_of_two(uint32_t x)
{
	return x != 0 && (x & (x - 1)) == 0;
}

bool enet_queue_init(struct enet_queue *q, struct enet_ring *ring, uint32_t capacity,
		     enum enet_queue_kind kind)
{
	if (!power_of_two(capacity) || capacity > ENET_RING_MAX)
		return false;
	*q = (struct enet_queue){ .ring = ring, .capacity = capacity, .kind = kind };
	return true;
}

bool enet_bufs_init(struct enet_bufs *b, uint32_t buf_size, uint32_t count)
{
	if (!power_of_two(buf_size) || buf_size < 64 || count == 0 || count > ENET_BUFS_MAX)
		return false;
	memset(b, 0, sizeof(*b));
	b->buf_size = buf_size;
	b->count = count;
	return true;
}

/* Buffer number of an offset, or count for one past the region. */
static uint32_t buf_index(const struct enet_bufs *b, uint64_t offset)
{
	uint64_t i = offset / b->buf_size;
	return i < b->count ? (uint32_t)i : b->count;
}

bool enet_bufs_owned(const struct enet_bufs *b, uint64_t offset)
{
	uint32_t i = buf_index(b, offset);
	return i < b->count && (b->owned[i / 64] >> (i % 64) & 1);
}

/* Offsets reach here checked; the bound keeps a caller's mistake inside
 * the bitmap all the same. */
static void bufs_set(struct enet_bufs *b, uint64_t offset, bool held)
{
	uint32_t i = buf_index(b, offset);
	if (i >= b->count)
		return;
	uint64_t bit = (uint64_t)1 << (i % 64);
	if (held)
		b->owned[i / 64] |= bit;
	else
		b->owned[i / 64] &= ~bit;
}

void enet_bufs_release(struct enet_bufs *b, uint64_t offset)
{
	bufs_set(b, offset, false);
}

/* Where a client's index lands that is not in [low, high] relative to
 * enet's: a small step back from the last accepted value is a rewind,
 * anything else a jump (past the ring, or so far back it wrapped). */
static enum enet_reason index_refusal(uint32_t last, uint32_t seen, uint32_t capacity)
{
	return last - seen <= capacity ? ENET_Q_INDEX_REWOUND : ENET_Q_INDEX_JUMPED;
}

/* A ring enet consumes: read the client's tail once and accept it if it is
 * no further back than the last accepted one and holds at most capacity. */
static enum enet_reason refresh_tail(struct enet_queue *q, struct enet_stats *st)
{
	uint32_t seen = __atomic_load_n(&q->ring->tail, __ATOMIC_ACQUIRE);
	uint32_t queued = seen - q->head;
	uint32_t before = q->tail - q->head;
	if (queued > q->capacity || queued < before)
		return enet_count(st, index_refusal(q->tail, seen, q->capacity));
	q->tail = seen;
	return ENET_OK;
}

/* A ring enet produces: read the client's head once and accept it if it
 * is no further back than the last accepted one and not past enet's tail. */
static enum enet_reason refresh_head(struct enet_queue *q, struct enet_stats *st)
{
	uint32_t seen = __atomic_load_n(&q->ring->head, __ATOMIC_ACQUIRE);
	if (seen - q->head > q->tail - q->head)
		return enet_count(st, index_refusal(q->head, seen, q->capacity));
	q->head = seen;
	return ENET_OK;
}

static struct enet_desc read_desc(const struct enet_queue *q, uint32_t index)
{
	const struct enet_desc *slot = &q->ring->desc[index & (q->capacity - 1)];
	return (struct enet_desc){
		.offset = __atomic_load_n(&slot->offset, __ATOMIC_RELAXED),
		.len = __atomic_load_n(&slot->len, __ATOMIC_RELAXED),
	};
}

/* The checks on a descriptor the client handed in (queue.h). A receive
 * free descriptor's length means nothing (enet sets it on put). */
static enum enet_reason check_desc(const struct enet_queue *q, const struct enet_bufs *b,
				   struct enet_desc d)
{
	if (d.offset >= (uint64_t)b->count * b->buf_size)
		return ENET_Q_OFFSET_RANGE;
	uint64_t within = d.offset & (b->buf_size - 1);
	if (within != 0 && !(q->kind == ENET_Q_TX_ACTIVE && within == ENET_TX_HEADROOM))
		return ENET_Q_OFFSET_ALIGN;
	if (enet_bufs_owned(b, d.offset))
		return ENET_Q_DUPLICATE;
	if (q->kind == ENET_Q_TX_ACTIVE) {
		if (d.len == 0)
			return ENET_Q_LEN_ZERO;
		if (d.len > b->buf_size - within)
			return ENET_Q_LEN_LONG;
	}
	return ENET_OK;
}

enum enet_take enet_queue_take(struct enet_queue *q, struct enet_bufs *b, struct enet_stats *st,
			       struct enet_desc *out)
{
	return enet_queue_take_upto(q, b, st, out, q->head - 1); /* a limit never reached */
}

enum enet_take enet_queue_take_upto(struct enet_queue *q, struct enet_bufs *b,
				    struct enet_stats *st, struct enet_desc *out, uint32_t limit)
{
	if (refresh_tail(q, st) != ENET_OK)
		return ENET_TAKE_STUCK;
	if (q->tail == q->head || q->head == limit)
		return ENET_TAKE_EMPTY;
	struct enet_desc d = read_desc(q, q->head);
	q->head++;
	/* Publish the new head whatever the descriptor held: a refused slot
	 * is consumed, never read again. */
	__atomic_store_n(&q->ring->head, q->head, __ATOMIC_RELEASE);
	if (enet_count(st, check_desc(q, b, d)) != ENET_OK)
		return ENET_TAKE_REFUSED;
	bufs_set(b, d.offset, true);
	*out = (struct enet_desc){ .offset = d.offset,
				   .len = q->kind == ENET_Q_TX_ACTIVE ? d.len : 0 };
	return ENET_TAKE_OK;
}

uint32_t enet_queue_peek_tail(const struct enet_queue *q)
{
	uint32_t seen = __atomic_load_n(&q->ring->tail, __ATOMIC_ACQUIRE);
	uint32_t queued = seen - q->head;
	if (queued > q->capacity || queued < q->tail - q->head)
		return q->tail; /* refused (and counted) when a take reads it */
	return seen;
}

uint32_t enet_queue_space(struct enet_queue *q, struct enet_stats *st)
{
	refresh_head(q, st);
	return q->capacity - (q->tail - q->head);
}

enum enet_reason enet_queue_put(struct enet_queue *q, struct enet_bufs *b, struct enet_stats *st,
				struct enet_desc d)
{
	bufs_set(b, d.offset, false);
	if (q->tail - q->head == q->capacity && enet_queue_space(q, st) == 0)
		return enet_count(st, q->kind == ENET_Q_RX_ACTIVE ? ENET_RX_QUEUE_FULL
								  : ENET_TX_FREE_FULL);
	struct enet_desc *slot = &q->ring->desc[q->tail & (q->capacity - 1)];
	__atomic_store_n(&slot->offset, d.offset, __ATOMIC_RELAXED);
	__atomic_store_n(&slot->len, d.len, __ATOMIC_RELAXED);
	q->tail++;
	__atomic_store_n(&q->ring->tail, q->tail, __ATOMIC_RELEASE);
	return ENET_OK;
}
