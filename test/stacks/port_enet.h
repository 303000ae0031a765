/* SPDX-License-Identifier: MIT */
/*
 * The host tests' enet: a session view in plain memory (the four rings,
 * the receive and transmit regions, and a guard page after them that must
 * stay untouched; the receive region read-only except while the test
 * writes a frame into it, as it is to a real session), and enet's side of its rings, so a test can
 * put frames on RX_ACTIVE and read what the stack queued on TX_ACTIVE.
 */
#ifndef PORT_ENET_H
#define PORT_ENET_H

#include <stdbool.h>
#include <stdint.h>

#include "client.h"

#define PORT_GUARD_BYTE 0xa5u

extern uint8_t port_view_mem[]; /* ENET_VIEW_PAGES pages, then one guard page */
extern struct enet_view port_view;

/* Zero the view, fill the guard page, point port_view at it. */
void port_enet_reset(void);
/* True if the guard page after the view is untouched. */
bool port_enet_guard_intact(void);

/* Descriptors on a ring (tail - head). */
uint32_t port_ring_count(enum enet_queue_kind k);

/* enet receives `frame`: into a buffer taken from RX_FREE, onto RX_ACTIVE.
 * Returns the buffer's offset, or UINT64_MAX if RX_FREE was empty. */
uint64_t port_enet_deliver(const uint8_t *frame, uint32_t len);
/* enet puts a raw descriptor on RX_ACTIVE (for malformed descriptors). */
void port_enet_deliver_desc(uint64_t offset, uint32_t len);

/* enet takes the next frame off TX_ACTIVE: copies it into out (at least
 * ENET_VIEW_BUF bytes), returns its length (0 if none); the buffer goes back
 * on TX_FREE if give_back. */
uint32_t port_enet_take_tx(uint8_t *out, bool give_back);
/* Takes every queued transmit frame and gives its buffer back. Returns how
 * many there were. */
uint32_t port_enet_drain_tx(void);

#endif /* PORT_ENET_H */
