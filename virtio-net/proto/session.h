/* SPDX-License-Identifier: MIT */
/*
 * One client session as the queues, buffers and counters see it
 * (docs/network.md "Sessions and ports"): the receive path that copies a
 * classified frame into the session's next free receive buffer, and the
 * transmit path that takes the session's next frame, copies it into
 * enet's own memory, returns the client's buffer and checks the copy.
 *
 * The session owns none of the memory it names: the two buffer regions
 * are the client's storage (bought from its bank), reached by enet as it
 * chooses; the receive region is read-only to the client. Either enet maps
 * a region and the copies are plain memcpy over bounds checked by queue.c
 * (the host tests; a fault when the client revokes the storage is then
 * the caller's business), or it names a struct enet_session_io whose
 * copies answer false when the storage is gone (the enet domain: page
 * invocations that answer VOID, never a fault). A failed copy marks the
 * session gone (counted STORAGE_GONE, once): nothing is taken from or put
 * on its queues after that, and the caller ends the session.
 *
 * Invariants between calls: every buffer enet holds is marked in its
 * region's bitmap (queue.h); the receive path holds a buffer only inside
 * enet_session_deliver and the transmit path only inside
 * enet_session_tx_next, so between calls enet holds none, and nothing the
 * client does can make enet wait for it.
 */
#ifndef ENET_SESSION_H
#define ENET_SESSION_H

#include <stdint.h>
#include "classify.h"
#include "queue.h"
#include "stats.h"

struct enet_session;

/* Copies into the receive region and out of the transmit region at a
 * checked offset (a whole frame, never across a buffer); false when the
 * client's storage is gone. */
struct enet_session_io {
	bool (*rx_write)(const struct enet_session *s, uint64_t offset, const uint8_t *src,
			 uint32_t len);
	bool (*tx_read)(const struct enet_session *s, uint64_t offset, uint8_t *dst, uint32_t len);
};

/* Where a session's shared memory is, as enet mapped it. */
struct enet_session_mem {
	struct enet_ring *rx_free, *rx_active, *tx_active, *tx_free;
	uint32_t capacity; /* of each ring */
	uint8_t *rx_base;  /* the receive region, enet's (writable) mapping */
	uint32_t rx_count;
	const uint8_t *tx_base; /* the transmit region */
	uint32_t tx_count;
	uint32_t buf_size;                /* of every buffer in both regions */
	const struct enet_session_io *io; /* NULL: the regions are mapped at the bases */
	/* The receive region's own geometry, when it is not the transmit
	 * region's (client.h enum enet_rx_mode): its buffers' size (0: buf_size),
	 * where in its buffer a frame starts, and the longest frame it takes
	 * (0: ENET_FRAME_MAX, or less if the buffer is smaller). */
	uint32_t rx_buf_size, rx_frame_at, rx_frame_max;
};

struct enet_session {
	uint32_t id; /* the owner in the port table */
	struct enet_queue rx_free, rx_active, tx_active, tx_free;
	struct enet_bufs rx_bufs, tx_bufs;
	uint8_t *rx_base;
	const uint8_t *tx_base;
	const struct enet_session_io *io;
	uint32_t rx_frame_at, rx_frame_max; /* enet_session_mem's, checked */
	bool gone;                          /* a copy found the client's storage revoked */
	/* The session sent an ARP request (checked: in the guest's name) and
	 * has not been handed a reply since. enet hands ARP replies to the
	 * guest only to such sessions (vnet_frames.c), so that a stack can
	 * resolve its gateway and no session gets frames it never asked for. */
	bool arp_asked;
	/* Output commit (docs/network.md "Output commit"): while `hold` is
	 * set, TX_ACTIVE descriptors are taken only up to tx_release (a
	 * free-running index like the ring's), which moves to tx_mark when
	 * the checkpoint taken after the mark has committed. Held frames stay
	 * in the client's own buffers: a stack that sends more than a
	 * checkpoint's worth waits for its own buffers, nobody else does. */
	bool hold;
	uint32_t tx_release, tx_mark;
	struct enet_stats stats;
};

/* False if any size is out of bounds (queue.h); the rings must be zeroed. */
bool enet_session_init(struct enet_session *s, uint32_t id, const struct enet_session_mem *m);

/* Copy a frame (already classified as this session's) into its next free
 * receive buffer, rx_frame_at bytes in, and queue it (the descriptor names
 * the buffer: its offset is the buffer's, its length the frame's). ENET_OK, or why it was dropped
 * (counted): the session's receive queue full or no free buffer posted (a slow or hostile client
 * loses its own frames), refused descriptors, or STORAGE_GONE (the session is gone). */
enum enet_reason enet_session_deliver(struct enet_session *s, const uint8_t *frame, uint32_t len);

/* enet_session_deliver for a caller that can keep the frame and offer it
 * again (the enet domain's backlog, virtio-net/vnet_client.c): when the
 * session has posted no free buffer at all, *no_buffer is set and the
 * answer is ENET_RX_NO_BUFFER uncounted, nothing taken. Every other
 * answer is enet_session_deliver's, counted the same. */
enum enet_reason enet_session_offer(struct enet_session *s, const uint8_t *frame, uint32_t len,
				    bool *no_buffer);

/* Take the session's next frame into copy[0..ENET_FRAME_MAX), give the
 * client its buffer back, and check the copy (enet_check_tx).
 * ENET_TAKE_OK: *len bytes of copy may be sent (counted as out).
 * ENET_TAKE_REFUSED: a descriptor or the frame was refused (counted).
 * ENET_TAKE_STUCK: the client's index was refused (counted).
 * ENET_TAKE_EMPTY: nothing queued.
 * ENET_TAKE_GONE: the client's storage is gone (counted once). */
enum enet_take enet_session_tx_next(struct enet_session *s, const struct enet_addr *us,
				    const struct enet_ports *ports, uint8_t *copy, uint32_t *len);

/* Output commit. hold: on or off (turned on, nothing queued now is
 * released until a mark and its release). tx_mark: the client's tail now
 * becomes the mark; true if frames beyond the release point are queued.
 * tx_release: the frames up to the mark may be taken. */
void enet_session_hold(struct enet_session *s, bool on);
bool enet_session_tx_mark(struct enet_session *s);
void enet_session_tx_release(struct enet_session *s);

/* Where enet_session_tx_turn puts the frames it accepts: buffer() gives
 * ENET_FRAME_MAX bytes of enet's own memory for the next frame (its
 * device transmit buffer, say), send() sends the frame copied there. */
struct enet_tx_sink {
	uint8_t *(*buffer)(void *ctx);
	void (*send)(void *ctx, uint8_t *frame, uint32_t len);
	void *ctx;
};

/* One transmit turn (txsched.h): take up to `budget` descriptors, refused
 * ones included, sending each good frame to the sink; the turn ends early
 * when the queue is empty, its index is refused or the session is gone.
 * Returns frames sent. */
uint32_t enet_session_tx_turn(struct enet_session *s, const struct enet_addr *us,
			      const struct enet_ports *ports, uint32_t budget,
			      const struct enet_tx_sink *sink);

#endif /* ENET_SESSION_H */
