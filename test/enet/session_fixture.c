/* SPDX-License-Identifier: MIT */
/* The session fixture of the queue and session host tests (session_fixture.h). */
#include <string.h>

#include "session_fixture.h"

struct fixture_ring_mem ring_mem[4];
uint8_t rx_mem[CANARY + NBUF * BUFSZ + CANARY];
uint8_t tx_mem[NBUF * BUFSZ];
struct enet_session s;
struct enet_ports ports;

uint8_t *rx_region(void)
{
	return rx_mem + CANARY;
}

int setup(void **state)
{
	(void)state;
	memset(ring_mem, 0, sizeof(ring_mem));
	memset(rx_mem, 0xa5, sizeof(rx_mem));
	memset(tx_mem, 0, sizeof(tx_mem));
	struct enet_session_mem m = {
		.rx_free = RX_FREE,
		.rx_active = RX_ACTIVE,
		.tx_active = TX_ACTIVE,
		.tx_free = TX_FREE,
		.capacity = CAP,
		.rx_base = rx_region(),
		.rx_count = NBUF,
		.tx_base = tx_mem,
		.tx_count = NBUF,
		.buf_size = BUFSZ,
	};
	assert_true(enet_session_init(&s, ME, &m));
	enet_ports_init(&ports);
	assert_int_equal(enet_ports_register(&ports, ME, ENET_PROTO_UDP, 7), ENET_PORT_OK);
	return 0;
}

void push(struct enet_ring *r, uint64_t offset, uint32_t len)
{
	r->desc[r->tail % CAP] = (struct enet_desc){ .offset = offset, .len = len };
	r->tail++;
}

int pop(struct enet_ring *r, struct enet_desc *d)
{
	if (r->head == r->tail)
		return 0;
	*d = r->desc[r->head % CAP];
	r->head++;
	return 1;
}

void canaries_intact(void)
{
	for (uint32_t i = 0; i < CANARY; i++) {
		assert_int_equal(rx_mem[i], 0xa5);
		assert_int_equal(rx_mem[CANARY + NBUF * BUFSZ + i], 0xa5);
	}
}

uint64_t drops(enum enet_reason r)
{
	return s.stats.drops[r];
}

int holds_none(void)
{
	for (uint32_t i = 0; i < ENET_BUFS_MAX / 64; i++)
		if (s.rx_bufs.owned[i] || s.tx_bufs.owned[i])
			return 0;
	return 1;
}

uint32_t tx_frame(uint32_t i, uint32_t payload)
{
	uint8_t f[FRAME_BUF];
	uint32_t len = frame_udp(f, 1, 7, 5555, payload);
	memcpy(tx_mem + i * BUFSZ, f, len);
	return len;
}

enum enet_take tx_next(uint8_t *copy, uint32_t *len)
{
	return enet_session_tx_next(&s, &guest, &ports, copy, len);
}
