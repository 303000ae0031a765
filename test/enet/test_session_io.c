/* SPDX-License-Identifier: MIT */
/*
 * Host tests of a session's receive geometry and its io path
 * (virtio-net/proto/session.c; docs/network.md "The view", "Page
 * exchange"), over the fixture test_queue.c uses (session_fixture.h):
 * a session in page mode takes frames up to 4,080 bytes 16 bytes into its
 * page buffers and refuses longer ones, as the default mode refuses past
 * 1,514, and a geometry where a frame would not fit is refused; and the
 * io path (copies through callbacks, as the enet domain's page
 * invocations): storage revoked mid-stream on receive and on transmit is
 * counted once (STORAGE_GONE), lets go of the buffer, and nothing is
 * taken or copied after it.
 */
#include <string.h>

#include "session_fixture.h"

/* A session in page mode (client.h ENET_RX_PAGES): 4 buffers of a page
 * over the same region, a frame 16 bytes into its buffer, frames up to
 * 4,080 bytes; the descriptor names the buffer. A frame one byte longer
 * is refused, and so is a frame past 1,514 bytes in the default mode; a
 * geometry where a frame could not fit is refused at init. */
static void page_mode_receive(void **state)
{
	(void)state;
	struct enet_session_mem m = {
		.rx_free = RX_FREE,
		.rx_active = RX_ACTIVE,
		.tx_active = TX_ACTIVE,
		.tx_free = TX_FREE,
		.capacity = CAP,
		.rx_base = rx_region(),
		.rx_count = NBUF * BUFSZ / 4096,
		.tx_base = tx_mem,
		.tx_count = NBUF,
		.buf_size = BUFSZ,
		.rx_buf_size = 4096,
		.rx_frame_at = 16,
		.rx_frame_max = 4080,
	};
	struct enet_session p;
	assert_true(enet_session_init(&p, ME, &m));
	static uint8_t big[4096 + 16];
	uint32_t len = frame_udp(big, 0, 100, 7, 20);
	for (uint32_t i = len; i < 4081; i++)
		big[i] = (uint8_t)(i * 7);
	push(RX_FREE, 2 * 4096, 0);
	push(RX_FREE, 1 * 4096, 0);
	assert_int_equal(enet_session_deliver(&p, big, 4081), ENET_ETH_TOO_LONG);
	assert_int_equal(enet_session_deliver(&p, big, 4080), ENET_OK);
	struct enet_desc d = { 0 };
	assert_true(pop(RX_ACTIVE, &d));
	assert_int_equal(d.offset, 2 * 4096);
	assert_int_equal(d.len, 4080);
	assert_memory_equal(rx_region() + d.offset + 16, big, 4080);
	assert_int_equal(rx_region()[d.offset + 15], 0xa5); /* nothing before the frame */
	assert_int_equal(p.stats.drops[ENET_ETH_TOO_LONG], 1);
	/* The default mode's session takes 1,514 bytes at most. */
	push(RX_FREE, 0, 0);
	assert_int_equal(enet_session_deliver(&s, big, ENET_FRAME_MAX + 1), ENET_ETH_TOO_LONG);
	/* A frame that would run past its buffer: refused at init. */
	m.rx_frame_max = 4081;
	assert_false(enet_session_init(&p, ME, &m));
	m.rx_frame_max = 0;
	m.rx_frame_at = 4096;
	assert_false(enet_session_init(&p, ME, &m));
	canaries_intact();
}

/* The io path (struct enet_session_io, as the enet domain's page
 * invocations): copies through the callbacks, and storage revoked after
 * `io_left` more copies. */
static int io_left;
static uint32_t io_calls;

static bool io_rx_write(const struct enet_session *c, uint64_t offset, const uint8_t *src,
			uint32_t len)
{
	assert_ptr_equal(c, &s);
	assert_true(offset + len <= NBUF * BUFSZ); /* a checked offset, a whole frame */
	io_calls++;
	if (io_left-- <= 0)
		return false;
	memcpy(rx_region() + offset, src, len);
	return true;
}

static bool io_tx_read(const struct enet_session *c, uint64_t offset, uint8_t *dst, uint32_t len)
{
	assert_ptr_equal(c, &s);
	assert_true(offset + len <= NBUF * BUFSZ);
	io_calls++;
	if (io_left-- <= 0)
		return false;
	memcpy(dst, tx_mem + offset, len);
	return true;
}

static const struct enet_session_io test_io = { io_rx_write, io_tx_read };

static void storage_revoked(void **state)
{
	(void)state;
	s.io = &test_io;
	io_left = 1;
	io_calls = 0;
	for (uint32_t i = 0; i < 4; i++)
		push(RX_FREE, (uint64_t)i * BUFSZ, 0);
	uint8_t f[FRAME_BUF];
	uint32_t len = frame_udp(f, 0, 1, 7, 100);
	assert_int_equal(enet_session_deliver(&s, f, len), ENET_OK);
	/* The second copy finds the storage gone: counted once, the buffer let
	 * go and not listed, and nothing more is taken or copied. */
	assert_int_equal(enet_session_deliver(&s, f, len), ENET_STORAGE_GONE);
	assert_true(s.gone);
	assert_int_equal(drops(ENET_STORAGE_GONE), 1);
	assert_int_equal(enet_session_deliver(&s, f, len), ENET_STORAGE_GONE);
	assert_int_equal(drops(ENET_STORAGE_GONE), 1);
	struct enet_desc d = { 0 };
	assert_true(pop(RX_ACTIVE, &d));
	assert_false(pop(RX_ACTIVE, &d));
	assert_int_equal(RX_FREE->head, 2);
	uint8_t copy[ENET_FRAME_MAX];
	uint32_t n = 0;
	push(TX_ACTIVE, BUFSZ, tx_frame(1, 20));
	assert_int_equal(tx_next(copy, &n), ENET_TAKE_GONE);
	assert_int_equal(TX_ACTIVE->head, 0);
	assert_int_equal(io_calls, 2);
	assert_true(holds_none());
	assert_int_equal(s.stats.frames_in, 1);
	canaries_intact();
}

static void storage_revoked_on_transmit(void **state)
{
	(void)state;
	s.io = &test_io;
	io_left = 1;
	uint8_t copy[ENET_FRAME_MAX];
	uint32_t n = 0, want = tx_frame(0, 20);
	push(TX_ACTIVE, 0, want);
	push(TX_ACTIVE, 0, want);
	assert_int_equal(tx_next(copy, &n), ENET_TAKE_OK);
	assert_memory_equal(copy, tx_mem, want);
	assert_int_equal(tx_next(copy, &n), ENET_TAKE_GONE);
	assert_int_equal(drops(ENET_STORAGE_GONE), 1);
	struct enet_desc d = { 0 };
	assert_true(pop(TX_FREE, &d));  /* the first, sent */
	assert_false(pop(TX_FREE, &d)); /* the second: storage gone, nothing listed */
	assert_true(holds_none());
	uint8_t f[FRAME_BUF];
	push(RX_FREE, 0, 0);
	assert_int_equal(enet_session_deliver(&s, f, frame_udp(f, 0, 1, 7, 10)), ENET_STORAGE_GONE);
	assert_int_equal(RX_FREE->head, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(page_mode_receive, setup),
		cmocka_unit_test_setup(storage_revoked, setup),
		cmocka_unit_test_setup(storage_revoked_on_transmit, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
