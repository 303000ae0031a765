/* SPDX-License-Identifier: MIT */
/*
 * The client queues (docs/network.md "The queues"): single-producer,
 * single-consumer rings of buffer descriptors in memory shared between
 * enet and one client, after sDDF's network queues. A session has four:
 *
 *   queue       producer  consumer  carries
 *   RX_FREE     client    enet      empty receive buffers, for enet to fill
 *   RX_ACTIVE   enet      client    filled receive buffers (read-only to it)
 *   TX_ACTIVE   client    enet      frames to send
 *   TX_FREE     enet      client    transmit buffers, back once sent
 *
 * A descriptor names a buffer by its offset in the session's receive or
 * transmit region (never an address) and a length. Indices are free-running
 * 32-bit counters: the slot is index mod capacity, the ring holds
 * tail - head descriptors, empty at 0, full at capacity.
 *
 * The client is hostile (docs/design.md invariant 7). Whatever it writes
 * in the shared ring, enet:
 *  - reads each index the client writes once per use, into a private copy,
 *    and accepts it only if it moves forward and not past what is
 *    possible (a producer's tail at most capacity ahead of enet's head; a
 *    consumer's head at most up to enet's tail); otherwise the private
 *    copy stands and the refusal is counted;
 *  - never reads back an index it writes itself (its private copy is the
 *    truth; the client may scribble over the shared one, to its own loss);
 *  - reads each descriptor once and checks the copy: offset inside the
 *    region, aligned to the buffer size, a transmit length of 1..buffer
 *    size, and a buffer enet does not already hold (a private bitmap: a
 *    buffer handed in twice would be filled or sent twice);
 *  - never waits: a full ring the client should have drained is a drop,
 *    counted.
 * Every refusal is counted in the session's enet_stats under its reason.
 */
#ifndef ENET_QUEUE_H
#define ENET_QUEUE_H

#include <stdbool.h>
#include <stdint.h>
#include "stats.h"

#define ENET_RING_MAX 512 /* largest capacity */
#define ENET_BUFS_MAX 512 /* most buffers in one region */
/* A transmit descriptor's offset may be its buffer's plus
 * ENET_TX_HEADROOM: the frame then starts 2 bytes into the buffer, where
 * lwIP's own layout puts it (its TCP payloads are 8-byte aligned, so a
 * frame starts 2 bytes past an 8-byte boundary), and copying it runs a
 * word at a time (picolibc's memcpy does only between addresses equal
 * modulo 8). Any other offset inside a buffer is Q_OFFSET_ALIGN. */
#define ENET_TX_HEADROOM 2u

/* One descriptor in shared memory: 16 bytes, naturally aligned. */
struct enet_desc {
	uint64_t offset;   /* of the buffer in its region */
	uint32_t len;      /* bytes of frame in it */
	uint32_t reserved; /* ignored */
};
_Static_assert(sizeof(struct enet_desc) == 16, "enet_desc is 16 bytes");

/* One ring in shared memory. The producer writes tail and the slots, the
 * consumer writes head; each side reads the other's index only. */
struct enet_ring {
	uint32_t tail; /* producer: descriptors ever enqueued */
	uint32_t head; /* consumer: descriptors ever dequeued */
	uint32_t reserved[2];
	struct enet_desc desc[];
};
_Static_assert(sizeof(struct enet_ring) == 16, "enet_ring header is 16 bytes");

#define ENET_RING_BYTES(capacity) (sizeof(struct enet_ring) + (capacity) * sizeof(struct enet_desc))

enum enet_queue_kind {
	ENET_Q_RX_FREE,
	ENET_Q_RX_ACTIVE,
	ENET_Q_TX_ACTIVE,
	ENET_Q_TX_FREE,
};

/* enet's private view of one ring. For a ring enet consumes, head is
 * enet's and tail the client's last accepted tail; for a ring enet
 * produces, tail is enet's and head the client's last accepted head. */
struct enet_queue {
	struct enet_ring *ring;
	uint32_t capacity; /* a power of two, 1..ENET_RING_MAX */
	uint32_t head;
	uint32_t tail;
	enum enet_queue_kind kind;
};

/* A session's receive or transmit buffers: count buffers of buf_size
 * bytes, buffer i at offset i * buf_size; bit i of owned is set while
 * enet holds buffer i (from take to put). */
struct enet_bufs {
	uint32_t buf_size; /* a power of two, >= 64 */
	uint32_t count;    /* 1..ENET_BUFS_MAX */
	uint64_t owned[ENET_BUFS_MAX / 64];
};

enum enet_take {
	ENET_TAKE_OK,      /* *out is a checked descriptor; enet holds its buffer */
	ENET_TAKE_EMPTY,   /* nothing queued */
	ENET_TAKE_REFUSED, /* a descriptor refused (counted, its slot consumed): try the next */
	ENET_TAKE_STUCK,   /* the client's index refused (counted): nothing can be taken
			    * until the client puts it right */
	ENET_TAKE_GONE,    /* (session.c) the client revoked the storage behind the
			    * buffer: the session must end */
};

/* Set up the private view of `ring` (enet chooses the capacity and zeroes
 * the ring before the client sees it). False if capacity is not a power of
 * two in 1..ENET_RING_MAX. */
bool enet_queue_init(struct enet_queue *q, struct enet_ring *ring, uint32_t capacity,
		     enum enet_queue_kind kind);

/* False unless buf_size is a power of two >= 64 and count in
 * 1..ENET_BUFS_MAX. No buffer is enet's at first. */
bool enet_bufs_init(struct enet_bufs *b, uint32_t buf_size, uint32_t count);

/* RX_FREE and TX_ACTIVE: take the next descriptor the client queued,
 * after reading (and checking) the client's tail. A refused descriptor is
 * consumed (its slot is not looked at again) and counted. */
enum enet_take enet_queue_take(struct enet_queue *q, struct enet_bufs *b, struct enet_stats *st,
			       struct enet_desc *out);

/* RX_FREE and TX_ACTIVE: the client's tail as a take would accept it now
 * (a tail it would refuse reads as the last accepted one), changing and
 * counting nothing. */
uint32_t enet_queue_peek_tail(const struct enet_queue *q);

/* enet_queue_take, but ENET_TAKE_EMPTY once the head has reached `limit`
 * (a free-running index): the client's tail is read and checked first
 * either way, so its refusals are counted as without a limit. */
enum enet_take enet_queue_take_upto(struct enet_queue *q, struct enet_bufs *b,
				    struct enet_stats *st, struct enet_desc *out, uint32_t limit);

/* RX_ACTIVE and TX_FREE: how many descriptors enet could put now, after
 * reading (and checking) the client's head. */
uint32_t enet_queue_space(struct enet_queue *q, struct enet_stats *st);

/* RX_ACTIVE and TX_FREE: hand buffer d back to the client. The client's
 * head is read only if enet's view says the ring is full (a newer head can
 * only make room). enet lets go of the buffer either way; a full ring is
 * ENET_RX_QUEUE_FULL or ENET_TX_FREE_FULL, counted, and the descriptor is
 * not listed. */
enum enet_reason enet_queue_put(struct enet_queue *q, struct enet_bufs *b, struct enet_stats *st,
				struct enet_desc d);

/* enet lets go of the buffer at this (checked) offset without listing it
 * anywhere (its storage is gone: nothing can be handed back). */
void enet_bufs_release(struct enet_bufs *b, uint64_t offset);

/* Does enet hold the buffer at this (checked) offset? */
bool enet_bufs_owned(const struct enet_bufs *b, uint64_t offset);

#endif /* ENET_QUEUE_H */
