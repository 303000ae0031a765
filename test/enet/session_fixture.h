/* SPDX-License-Identifier: MIT */
/*
 * The session fixture of the queue and session host tests (test_queue.c,
 * test_session_io.c): one session (id ME) over four rings of CAP
 * descriptors and two regions of NBUF buffers of BUFSZ bytes, the receive
 * region between two CANARY-byte guards that nothing may write, UDP 7
 * registered to it; and the client's side, played by the test. setup()
 * makes it afresh before every test.
 */
#ifndef ENET_TEST_SESSION_FIXTURE_H
#define ENET_TEST_SESSION_FIXTURE_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "frames.h"
#include "session.h"

#define CAP    8
#define NBUF   8
#define BUFSZ  2048
#define CANARY 4096
#define ME     3u

struct fixture_ring_mem {
	_Alignas(16) uint8_t bytes[ENET_RING_BYTES(CAP)];
};
extern struct fixture_ring_mem ring_mem[4];
extern uint8_t rx_mem[CANARY + NBUF * BUFSZ + CANARY];
extern uint8_t tx_mem[NBUF * BUFSZ];
extern struct enet_session s;
extern struct enet_ports ports;

#define RX_FREE   ((struct enet_ring *)ring_mem[0].bytes)
#define RX_ACTIVE ((struct enet_ring *)ring_mem[1].bytes)
#define TX_ACTIVE ((struct enet_ring *)ring_mem[2].bytes)
#define TX_FREE   ((struct enet_ring *)ring_mem[3].bytes)

uint8_t *rx_region(void);
int setup(void **state);
/* The client's side of a ring: push as a producer, pop as a consumer. */
void push(struct enet_ring *r, uint64_t offset, uint32_t len);
int pop(struct enet_ring *r, struct enet_desc *d);
/* Nothing written outside the receive region. */
void canaries_intact(void);
uint64_t drops(enum enet_reason r);
/* enet holds no buffer of either region. */
int holds_none(void);
/* A good outbound frame from port 7 in transmit buffer i; its length. */
uint32_t tx_frame(uint32_t i, uint32_t payload);
enum enet_take tx_next(uint8_t *copy, uint32_t *len);

#endif
