/* SPDX-License-Identifier: MIT */
/*
 * A session's shared memory as both sides see it, and the client's side
 * of its rings (docs/network.md "Sessions: the view"). enet builds the
 * client's view, a height-1 space of ENET_VIEW_PAGES pages the client
 * maps where it likes:
 *
 *   page   what                                           client's rights
 *   0      the four rings (enet's own page)               read-write
 *   1..15  the receive region: 30 buffers of 2 KiB, or    read-only
 *          15 of a page (the receive mode, below)
 *   16..27 the transmit region: 24 buffers of 2 KiB       read-write
 *
 * The regions' sizes were measured (docs/benchmarks.md "Output commit"):
 * with 16 receive buffers, 16 busy keep-alive connections lost requests
 * in bursts (a session out of buffers: RX_NO_BUFFER, counted) and the
 * host's TCP resent them over a second later; 30 is the most below a
 * ring's 32. With 8 transmit buffers a stack could send at most 8 frames
 * a checkpoint while output is held. The receive buffers stay fewer than
 * a ring holds, so a client that stops taking frames runs out of buffers
 * (RX_NO_BUFFER) before its queue is full, and RX_QUEUE_FULL never
 * happens to an honest one.
 *
 * The receive and transmit pages are bought by enet from a bank the
 * client hands it (the client pays and can rescind them); enet keeps the
 * only read-write keys to the receive pages. In the ring page, ring k
 * (enum enet_queue_kind) is at k * ENET_RING_STRIDE, of ENET_VIEW_RING_CAP
 * descriptors. A descriptor's offset is in its region (buffer i at
 * i * ENET_VIEW_BUF), never an address.
 *
 * The client's side needs no defence against enet (enet is in its trusted
 * base), so it keeps no private copies: the helpers below read and write
 * the shared indices directly, with the same acquire/release pairing as
 * queue.c.
 */
#ifndef ENET_CLIENT_H
#define ENET_CLIENT_H

#include <stdbool.h>
#include <stdint.h>
#include "classify.h"
#include "queue.h"

#define ENET_VIEW_BUF      2048u
#define ENET_VIEW_RING_CAP 32u
#define ENET_RING_STRIDE   1024u
#define ENET_VIEW_RX_PAGE  1u /* first receive page of the view */
#define ENET_VIEW_RX_PAGES 15u
#define ENET_VIEW_TX_PAGE  (ENET_VIEW_RX_PAGE + ENET_VIEW_RX_PAGES)
#define ENET_VIEW_TX_PAGES 12u
#define ENET_VIEW_PAGES    (ENET_VIEW_TX_PAGE + ENET_VIEW_TX_PAGES)
#define ENET_VIEW_RX_BUFS  (ENET_VIEW_RX_PAGES * 4096u / ENET_VIEW_BUF)
#define ENET_VIEW_TX_BUFS  (ENET_VIEW_TX_PAGES * 4096u / ENET_VIEW_BUF)
/* Frames enet keeps for a session beyond its receive buffers: when a
 * frame comes and the session has posted no free buffer, enet keeps up to
 * this many in its own buffers, in order, and delivers them when the
 * session posts buffers and next calls enet (any order); past that, frames
 * are dropped and counted RX_NO_BUFFER (docs/network.md "The backlog"). */
#define ENET_VIEW_RX_BACKLOG 8u
/* What enet buys from the client's bank for a session. */
#define ENET_VIEW_BOUGHT_PAGES (ENET_VIEW_RX_PAGES + ENET_VIEW_TX_PAGES)
#define ENET_VIEW_BOUGHT_NODES 1u /* the view's node */

_Static_assert(ENET_RING_BYTES(ENET_VIEW_RING_CAP) <= ENET_RING_STRIDE, "a ring fits its stride");
_Static_assert(ENET_VIEW_PAGES <= 32, "the view is one node: 32 slots");
_Static_assert(ENET_VIEW_RX_BUFS < ENET_VIEW_RING_CAP && ENET_VIEW_TX_BUFS <= ENET_VIEW_RING_CAP,
	       "every buffer of a region fits its rings at once");

/*
 * Receive modes (ENET ATTACH w0; docs/network.md "Page exchange"). The
 * receive region is the same 15 pages in every mode; what changes is how
 * it is cut into buffers and where a frame lands in its buffer:
 *
 *   ENET_RX_BUFFERS     30 buffers of 2 KiB, a frame at its buffer's start,
 *                       frames up to ENET_FRAME_MAX (1,514 bytes).
 *   ENET_RX_PAGES       15 buffers of a page, a frame ENET_VIEW_PAGE_FRAME_AT
 *                       (16) bytes in, frames up to ENET_RX_FRAME_MAX (4,080:
 *                       a link with a larger MTU). A frame of ENET_EXCHANGE_MIN
 *                       bytes or more comes by page exchange: the page holding
 *                       it in enet's device buffers trades frames with the
 *                       client's free page (DMA EXCHANGE), so it is not copied;
 *                       the rest of the page is zeros. Smaller ones are copied.
 *   ENET_RX_PAGES_COPY  the same buffers, every frame copied (exchange off:
 *                       the comparison the benchmark and the tests make).
 *
 * Either way the descriptor in RX_ACTIVE names the buffer (its offset) and
 * the frame's length; the client gives the buffer back by posting that
 * offset on RX_FREE, and until then it is the client's, read-only to it
 * and untouched by enet. A client that keeps its pages (exchanged or not)
 * runs out of buffers itself: RX_NO_BUFFER, its own loss.
 */
enum enet_rx_mode { ENET_RX_BUFFERS = 0, ENET_RX_PAGES = 1, ENET_RX_PAGES_COPY = 2, ENET_RX_MODES };
#define ENET_VIEW_PAGE_FRAME_AT 16u
/* The break-even frame length (docs/benchmarks.md "Page exchange"): at and
 * above it an exchange costs enet fewer instructions than a copy. */
#define ENET_EXCHANGE_MIN 2048u

static inline uint32_t enet_view_rx_buf(enum enet_rx_mode m)
{
	return m == ENET_RX_BUFFERS ? ENET_VIEW_BUF : 4096u;
}

static inline uint32_t enet_view_rx_bufs(enum enet_rx_mode m)
{
	return ENET_VIEW_RX_PAGES * 4096u / enet_view_rx_buf(m);
}

static inline uint32_t enet_view_rx_frame_at(enum enet_rx_mode m)
{
	return m == ENET_RX_BUFFERS ? 0u : ENET_VIEW_PAGE_FRAME_AT;
}

static inline uint32_t enet_view_rx_frame_max(enum enet_rx_mode m)
{
	return m == ENET_RX_BUFFERS ? ENET_FRAME_MAX : 4096u - ENET_VIEW_PAGE_FRAME_AT;
}

/* The client's view mapped at `base`. */
struct enet_view {
	struct enet_ring *ring[4]; /* by enum enet_queue_kind */
	const uint8_t *rx;         /* the receive region (read-only) */
	uint8_t *tx;               /* the transmit region */
};

static inline void enet_view_init(struct enet_view *v, uint8_t *base)
{
	for (unsigned k = 0; k < 4; k++)
		v->ring[k] = (struct enet_ring *)(base + k * ENET_RING_STRIDE);
	v->rx = base + ENET_VIEW_RX_PAGE * 4096u;
	v->tx = base + ENET_VIEW_TX_PAGE * 4096u;
}

/* Produce (RX_FREE, TX_ACTIVE): false if the ring is full. */
static inline bool enet_client_put(struct enet_ring *r, uint64_t offset, uint32_t len)
{
	uint32_t tail = r->tail, head = __atomic_load_n(&r->head, __ATOMIC_ACQUIRE);
	if (tail - head >= ENET_VIEW_RING_CAP)
		return false;
	struct enet_desc *d = &r->desc[tail % ENET_VIEW_RING_CAP];
	d->offset = offset;
	d->len = len;
	__atomic_store_n(&r->tail, tail + 1, __ATOMIC_RELEASE);
	return true;
}

/* Consume (RX_ACTIVE, TX_FREE): false if the ring is empty. */
static inline bool enet_client_get(struct enet_ring *r, struct enet_desc *out)
{
	uint32_t head = r->head, tail = __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE);
	if (head == tail)
		return false;
	const struct enet_desc *d = &r->desc[head % ENET_VIEW_RING_CAP];
	*out = (struct enet_desc){ .offset = d->offset, .len = d->len };
	__atomic_store_n(&r->head, head + 1, __ATOMIC_RELEASE);
	return true;
}

#endif /* ENET_CLIENT_H */
