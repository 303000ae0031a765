/* SPDX-License-Identifier: MIT */
/*
 * Host tests of the split virtqueue (virtio/virtq.c, virtio 1.2 §2.7): the
 * same C the kernel and the driver domains run, compiled natively, with
 * the device's side simulated in memory. Physical addresses are the host
 * addresses themselves, so the simulated device follows a descriptor's
 * addr as a pointer, as a real device follows it by DMA.
 *
 * What is checked: the free list and the rings after init; chains as the
 * device sees them (order, NEXT and WRITE flags, addresses, lengths);
 * nothing visible before publish; the available index, the ring slot and
 * the notification after it; used elements consumed in the device's
 * order; the 16-bit indices across their wrap at 65536, from a steady
 * run and from indices set just below the wrap; a full queue refused and
 * usable again once a chain comes back; zero-length, empty and oversized
 * chains refused with nothing taken; bad heads refused on free.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "virtq.h"

#define QMAX 256

/* The queue's memory, each part at its §2.7 alignment (or more). */
static struct {
	_Alignas(16) struct virtq_desc desc[QMAX];
	_Alignas(4) uint8_t avail[VIRTQ_AVAIL_BYTES(QMAX)];
	_Alignas(4) uint8_t used[VIRTQ_USED_BYTES(QMAX)];
	uint32_t notify;
} mem;

static struct virtq q;

/* The device's own state: how far it has read the available ring. */
static uint16_t dev_last_avail;

static struct virtq_ring_mem ring_mem(void)
{
	return (struct virtq_ring_mem){
		.desc = mem.desc,
		.desc_pa = (uintptr_t)mem.desc,
		.avail = (struct virtq_avail *)mem.avail,
		.avail_pa = (uintptr_t)mem.avail,
		.used = (struct virtq_used *)mem.used,
		.used_pa = (uintptr_t)mem.used,
	};
}

/* A queue of `size` over memory full of garbage, so that init has to
 * write everything it relies on. */
static void setup_queue(uint16_t size)
{
	memset(&mem, 0xa5, sizeof(mem));
	struct virtq_ring_mem m = ring_mem();
	assert_int_equal(virtq_init(&q, 3, size, &m, &mem.notify), VIRTIO_OK);
	dev_last_avail = 0;
}

/* Device side: the next head the driver made available, if any. */
static bool dev_take(uint16_t *head)
{
	uint16_t idx = *(volatile uint16_t *)&q.avail->idx;
	if (idx == dev_last_avail)
		return false;
	*head = q.avail->ring[dev_last_avail % q.size];
	dev_last_avail++;
	return true;
}

/* Device side: return `head` with `len` bytes written (§2.7.8.2: the
 * element before the index). */
static void dev_complete(uint16_t head, uint32_t len)
{
	struct virtq_used *u = q.used;
	u->ring[u->idx % q.size] = (struct virtq_used_elem){ head, len };
	u->idx++;
}

/* Device side: walk the chain at `head` into `out` (at most max). */
static unsigned dev_walk(uint16_t head, struct virtq_desc *out, unsigned max)
{
	unsigned n = 0;
	for (;;) {
		assert_true(head < q.size);
		assert_true(n < max);
		out[n] = q.desc[head];
		if (!(out[n++].flags & VIRTQ_DESC_F_NEXT))
			return n;
		head = q.desc[head].next;
	}
}

/* One buffer of `len` bytes, from a fake physical address. */
static struct virtq_buf buf(uint64_t pa, uint32_t len)
{
	return (struct virtq_buf){ pa, len };
}

static uint16_t add_one(uint64_t pa)
{
	struct virtq_buf b = buf(pa, 512);
	uint16_t head;
	assert_int_equal(virtq_add_chain(&q, &b, 1, NULL, 0, &head), VIRTIO_OK);
	return head;
}

static void init_lays_out_an_empty_queue(void **state)
{
	(void)state;
	setup_queue(8);
	assert_int_equal(q.size, 8);
	assert_int_equal(q.index, 3);
	assert_int_equal(virtq_num_free(&q), 8);
	assert_int_equal(q.avail->idx, 0);
	assert_int_equal(q.avail->flags, 0);
	assert_int_equal(q.used->idx, 0);
	assert_int_equal(q.used->flags, 0); /* §2.7.10.1 */
	/* The free list reaches every descriptor exactly once. */
	bool seen[8] = { false };
	uint16_t d = q.free_head;
	for (int i = 0; i < 8; i++) {
		assert_true(d < 8);
		assert_false(seen[d]);
		seen[d] = true;
		d = q.desc[d].next;
	}
	struct virtq_used_elem e;
	assert_false(virtq_pop_used(&q, &e));
}

static void init_refuses_bad_sizes_and_alignment(void **state)
{
	(void)state;
	struct virtq_ring_mem m = ring_mem();
	struct virtq dummy;
	assert_int_equal(virtq_init(&dummy, 0, 0, &m, &mem.notify), VIRTIO_ERR_QUEUE_SIZE);
	assert_int_equal(virtq_init(&dummy, 0, 3, &m, &mem.notify), VIRTIO_ERR_QUEUE_SIZE);
	assert_int_equal(virtq_init(&dummy, 0, 96, &m, &mem.notify), VIRTIO_ERR_QUEUE_SIZE);
	assert_int_equal(virtq_init(&dummy, 0, 65535, &m, &mem.notify), VIRTIO_ERR_QUEUE_SIZE);
	assert_int_equal(virtq_init(&dummy, 0, 1, &m, &mem.notify), VIRTIO_OK);

	m = ring_mem();
	m.desc_pa += 8; /* the device's address, not only ours, is checked */
	assert_int_equal(virtq_init(&dummy, 0, 8, &m, &mem.notify), VIRTIO_ERR_ALIGN);
	m = ring_mem();
	m.desc = (struct virtq_desc *)((uint8_t *)m.desc + 8);
	assert_int_equal(virtq_init(&dummy, 0, 8, &m, &mem.notify), VIRTIO_ERR_ALIGN);
	m = ring_mem();
	m.avail_pa += 1;
	assert_int_equal(virtq_init(&dummy, 0, 8, &m, &mem.notify), VIRTIO_ERR_ALIGN);
	m = ring_mem();
	m.used_pa += 2;
	assert_int_equal(virtq_init(&dummy, 0, 8, &m, &mem.notify), VIRTIO_ERR_ALIGN);
}

static void a_chain_is_what_the_device_reads(void **state)
{
	(void)state;
	setup_queue(8);
	struct virtq_buf out[2] = { buf(0x1000, 16), buf(0x2000, 4096) };
	struct virtq_buf in[1] = { buf(0x3000, 1) };
	uint16_t head;
	assert_int_equal(virtq_add_chain(&q, out, 2, in, 1, &head), VIRTIO_OK);
	assert_int_equal(virtq_num_free(&q), 5);

	/* Not published: the device sees nothing, and was not notified. */
	uint16_t seen = 0xffff;
	assert_false(dev_take(&seen));
	assert_int_equal(mem.notify, 0xa5a5a5a5);

	virtq_publish(&q, head);
	assert_int_equal(q.avail->idx, 1);
	assert_int_equal(mem.notify, 3); /* the queue's number */
	assert_true(dev_take(&seen));
	assert_int_equal(seen, head);

	struct virtq_desc chain[8];
	assert_int_equal(dev_walk(seen, chain, 8), 3);
	/* §2.7.4.2: device-readable first, then device-writable. */
	assert_true(chain[0].addr == 0x1000);
	assert_int_equal(chain[0].len, 16);
	assert_int_equal(chain[0].flags, VIRTQ_DESC_F_NEXT);
	assert_true(chain[1].addr == 0x2000);
	assert_int_equal(chain[1].len, 4096);
	assert_int_equal(chain[1].flags, VIRTQ_DESC_F_NEXT);
	assert_true(chain[2].addr == 0x3000);
	assert_int_equal(chain[2].len, 1);
	assert_int_equal(chain[2].flags, VIRTQ_DESC_F_WRITE); /* last: no NEXT */

	dev_complete(seen, 1);
	struct virtq_used_elem e;
	assert_true(virtq_pop_used(&q, &e));
	assert_int_equal(e.id, head);
	assert_int_equal(e.len, 1);
	assert_false(virtq_pop_used(&q, &e));
	assert_int_equal(virtq_free_chain(&q, e.id), VIRTIO_OK);
	assert_int_equal(virtq_num_free(&q), 8);
}

/* Quiet publishes: the chains are on the ring, in order, and the
 * notification comes only from virtq_notify, once. */
static void quiet_publishes_then_one_notification(void **state)
{
	(void)state;
	setup_queue(8);
	uint16_t heads[3];
	for (unsigned i = 0; i < 3; i++) {
		struct virtq_buf out[1] = { buf(0x1000 + 0x1000 * i, 512) };
		assert_int_equal(virtq_add_chain(&q, out, 1, NULL, 0, &heads[i]), VIRTIO_OK);
		virtq_publish_quiet(&q, heads[i]);
	}
	assert_int_equal(q.avail->idx, 3);
	assert_int_equal(mem.notify, 0xa5a5a5a5);
	virtq_notify(&q);
	assert_int_equal(mem.notify, 3);
	for (unsigned i = 0; i < 3; i++) {
		uint16_t seen = 0xffff;
		assert_true(dev_take(&seen));
		assert_int_equal(seen, heads[i]);
	}
}

static void a_write_only_chain_has_write_on_every_descriptor(void **state)
{
	(void)state;
	setup_queue(8);
	struct virtq_buf in[2] = { buf(0x5000, 1514), buf(0x6000, 12) };
	uint16_t head;
	assert_int_equal(virtq_add_chain(&q, NULL, 0, in, 2, &head), VIRTIO_OK);
	struct virtq_desc chain[8];
	assert_int_equal(dev_walk(head, chain, 8), 2);
	assert_int_equal(chain[0].flags, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT);
	assert_int_equal(chain[1].flags, VIRTQ_DESC_F_WRITE);
}

static void bad_chains_are_refused_and_take_nothing(void **state)
{
	(void)state;
	setup_queue(4);
	uint16_t head = 0xbeef;
	struct virtq_buf ok[5] = { buf(1, 1), buf(2, 2), buf(3, 3), buf(4, 4), buf(5, 5) };
	struct virtq_buf zero[2] = { buf(1, 8), buf(2, 0) };

	assert_int_equal(virtq_add_chain(&q, NULL, 0, NULL, 0, &head), VIRTIO_ERR_EMPTY_CHAIN);
	assert_int_equal(virtq_add_chain(&q, zero, 2, NULL, 0, &head), VIRTIO_ERR_ZERO_LENGTH);
	assert_int_equal(virtq_add_chain(&q, ok, 1, zero, 2, &head), VIRTIO_ERR_ZERO_LENGTH);
	/* Five descriptors never fit a queue of four (§2.7.5.3.1). */
	assert_int_equal(virtq_add_chain(&q, ok, 5, NULL, 0, &head), VIRTIO_ERR_TOO_LONG);
	/* §2.7.5.2: at most 2^32 bytes in a chain. */
	struct virtq_buf big[2] = { buf(1, 0xffffffffu), buf(2, 2) };
	assert_int_equal(virtq_add_chain(&q, big, 2, NULL, 0, &head), VIRTIO_ERR_TOO_LONG);
	assert_int_equal(virtq_add_indirect(&q, 0x9000, 0, &head), VIRTIO_ERR_EMPTY_CHAIN);
	assert_int_equal(virtq_add_indirect(&q, 0x9000, 5, &head), VIRTIO_ERR_TOO_LONG);

	assert_int_equal(head, 0xbeef);
	assert_int_equal(virtq_num_free(&q), 4);
	/* A chain of exactly the queue's size still fits. */
	assert_int_equal(virtq_add_chain(&q, ok, 2, ok + 2, 2, &head), VIRTIO_OK);
	assert_int_equal(virtq_num_free(&q), 0);
}

static void a_full_queue_refuses_until_a_chain_comes_back(void **state)
{
	(void)state;
	setup_queue(4);
	uint16_t heads[4];
	for (int i = 0; i < 4; i++) {
		heads[i] = add_one(0x1000u * (unsigned)(i + 1));
		virtq_publish(&q, heads[i]);
	}
	assert_int_equal(virtq_num_free(&q), 0);
	uint16_t head = 0xbeef;
	struct virtq_buf b = buf(0x9000, 512);
	assert_int_equal(virtq_add_chain(&q, &b, 1, NULL, 0, &head), VIRTIO_ERR_QUEUE_FULL);
	assert_int_equal(virtq_add_indirect(&q, 0x9000, 2, &head), VIRTIO_ERR_QUEUE_FULL);
	assert_int_equal(head, 0xbeef);

	/* A two-descriptor chain still does not fit after one comes back. */
	uint16_t seen = 0xffff;
	assert_true(dev_take(&seen));
	dev_complete(seen, 0);
	struct virtq_used_elem e;
	assert_true(virtq_pop_used(&q, &e));
	assert_int_equal(virtq_free_chain(&q, e.id), VIRTIO_OK);
	struct virtq_buf two[2] = { buf(1, 1), buf(2, 2) };
	assert_int_equal(virtq_add_chain(&q, two, 2, NULL, 0, &head), VIRTIO_ERR_QUEUE_FULL);
	assert_int_equal(virtq_add_chain(&q, &b, 1, NULL, 0, &head), VIRTIO_OK);
	assert_int_equal(head, e.id); /* the descriptor just freed */
}

static void used_elements_come_back_in_the_devices_order(void **state)
{
	(void)state;
	setup_queue(8);
	uint16_t heads[3];
	for (int i = 0; i < 3; i++) {
		heads[i] = add_one(0x1000u * (unsigned)(i + 1));
		virtq_publish(&q, heads[i]);
	}
	assert_int_equal(q.avail->idx, 3);
	uint16_t seen[3] = { 0 };
	for (int i = 0; i < 3; i++) {
		assert_true(dev_take(&seen[i]));
		assert_int_equal(seen[i], heads[i]); /* avail order is publish order */
	}
	/* The device completes out of order; the driver sees its order. */
	dev_complete(seen[2], 30);
	dev_complete(seen[0], 10);
	struct virtq_used_elem e;
	assert_true(virtq_pop_used(&q, &e));
	assert_int_equal(e.id, heads[2]);
	assert_int_equal(e.len, 30);
	assert_true(virtq_pop_used(&q, &e));
	assert_int_equal(e.id, heads[0]);
	assert_int_equal(e.len, 10);
	assert_false(virtq_pop_used(&q, &e));
	dev_complete(seen[1], 20);
	assert_true(virtq_pop_used(&q, &e));
	assert_int_equal(e.id, heads[1]);
	assert_false(virtq_pop_used(&q, &e));
}

/* Publish `n` single-buffer chains, let the device take and complete them
 * in reverse, pop and free them, checking every index on the way. */
static void round_of(unsigned n, uint16_t *expect_idx, uint32_t tag)
{
	uint16_t heads[8], seen[8] = { 0 };
	for (unsigned i = 0; i < n; i++) {
		heads[i] = add_one(tag + i);
		virtq_publish(&q, heads[i]);
		(*expect_idx)++;
		assert_int_equal(q.avail->idx, *expect_idx);
		/* The entry sits at the index it was published under, mod size. */
		assert_int_equal(q.avail->ring[(uint16_t)(*expect_idx - 1) % q.size], heads[i]);
	}
	for (unsigned i = 0; i < n; i++) {
		assert_true(dev_take(&seen[i]));
		assert_int_equal(seen[i], heads[i]);
		assert_true(q.desc[seen[i]].addr == tag + i);
	}
	uint16_t dummy;
	assert_false(dev_take(&dummy));
	for (unsigned i = n; i-- > 0;)
		dev_complete(seen[i], tag + i);
	for (unsigned i = n; i-- > 0;) {
		struct virtq_used_elem e;
		assert_true(virtq_pop_used(&q, &e));
		assert_int_equal(e.id, heads[i]);
		assert_int_equal(e.len, tag + i);
		assert_int_equal(virtq_free_chain(&q, e.id), VIRTIO_OK);
	}
	struct virtq_used_elem e;
	assert_false(virtq_pop_used(&q, &e));
	assert_int_equal(q.last_used, q.used->idx);
	assert_int_equal(virtq_num_free(&q), q.size);
}

static void indices_run_across_the_16_bit_wrap(void **state)
{
	(void)state;
	/* 70,000 chains through a queue of 8, in rounds of 1 to 8 so that
	 * every ring slot meets every wrap position. */
	setup_queue(8);
	uint16_t expect = 0;
	unsigned total = 0;
	for (uint32_t r = 0; total < 70000; r++) {
		unsigned n = 1 + r % 8;
		round_of(n, &expect, r << 4);
		total += n;
	}
	assert_int_equal(q.avail->idx, (uint16_t)total);
	assert_int_equal(q.used->idx, (uint16_t)total);
}

static void indices_start_just_below_the_wrap(void **state)
{
	(void)state;
	/* Both rings' indices at 65533 (mod 8 = 5): the four chains go to
	 * slots 5, 6, 7 and 0, and the indices wrap to 1. */
	setup_queue(8);
	q.next_avail = q.avail->idx = 65533;
	q.last_used = q.used->idx = 65533;
	dev_last_avail = 65533;
	uint16_t heads[4];
	for (int i = 0; i < 4; i++) {
		heads[i] = add_one(0x100u + (unsigned)i);
		virtq_publish(&q, heads[i]);
	}
	assert_int_equal(q.avail->idx, 1);
	assert_int_equal(q.avail->ring[5], heads[0]);
	assert_int_equal(q.avail->ring[6], heads[1]);
	assert_int_equal(q.avail->ring[7], heads[2]);
	assert_int_equal(q.avail->ring[0], heads[3]);
	for (int i = 0; i < 4; i++) {
		uint16_t seen = 0xffff;
		assert_true(dev_take(&seen));
		assert_int_equal(seen, heads[i]);
		dev_complete(seen, (uint32_t)i);
	}
	assert_int_equal(q.used->idx, 1);
	assert_int_equal(q.used->ring[0].id, heads[3]);
	for (int i = 0; i < 4; i++) {
		struct virtq_used_elem e;
		assert_true(virtq_pop_used(&q, &e));
		assert_int_equal(e.id, heads[i]);
		assert_int_equal(e.len, i);
	}
	struct virtq_used_elem e;
	assert_false(virtq_pop_used(&q, &e));
	assert_int_equal(q.last_used, 1);
}

static void an_indirect_descriptor_points_at_its_table(void **state)
{
	(void)state;
	setup_queue(8);
	uint16_t head;
	assert_int_equal(virtq_add_indirect(&q, 0x7000, 3, &head), VIRTIO_OK);
	assert_int_equal(virtq_num_free(&q), 7);
	assert_true(q.desc[head].addr == 0x7000);
	assert_int_equal(q.desc[head].len, 3 * sizeof(struct virtq_desc));
	/* §2.7.5.3.1: INDIRECT, and never together with NEXT. */
	assert_int_equal(q.desc[head].flags, VIRTQ_DESC_F_INDIRECT);
	assert_int_equal(virtq_free_chain(&q, head), VIRTIO_OK);
	assert_int_equal(virtq_num_free(&q), 8);
}

static void bad_heads_are_refused_on_free(void **state)
{
	(void)state;
	setup_queue(8);
	uint16_t a = add_one(0x1000);
	struct virtq_buf two[2] = { buf(1, 1), buf(2, 2) };
	uint16_t b;
	assert_int_equal(virtq_add_chain(&q, two, 2, NULL, 0, &b), VIRTIO_OK);
	assert_int_equal(virtq_num_free(&q), 5);
	assert_int_equal(virtq_free_chain(&q, 8), VIRTIO_ERR_BAD_DESC);
	assert_int_equal(virtq_free_chain(&q, 0xffff), VIRTIO_ERR_BAD_DESC);
	/* a full 32-bit id is not truncated to a valid one */
	assert_int_equal(virtq_free_chain(&q, 0x10000u + a), VIRTIO_ERR_BAD_DESC);
	/* A descriptor on the free list is no chain to free. */
	assert_int_equal(virtq_free_chain(&q, q.free_head), VIRTIO_ERR_BAD_DESC);
	assert_int_equal(virtq_num_free(&q), 5);
	assert_int_equal(virtq_free_chain(&q, a), VIRTIO_OK);
	assert_int_equal(virtq_free_chain(&q, a), VIRTIO_ERR_BAD_DESC); /* twice */
	assert_int_equal(virtq_num_free(&q), 6);
	/* A chain whose link a broken device turned back on itself ends. */
	uint16_t second = q.desc[b].next;
	q.desc[second].flags |= VIRTQ_DESC_F_NEXT;
	q.desc[second].next = b;
	assert_int_equal(virtq_free_chain(&q, b), VIRTIO_ERR_BAD_DESC);
	assert_int_equal(virtq_num_free(&q), 8);
}

static void every_error_has_a_name(void **state)
{
	(void)state;
	for (int e = 0; e < VIRTIO_ERR_COUNT; e++)
		assert_string_not_equal(virtio_err_name((enum virtio_err)e), "unknown");
	assert_string_equal(virtio_err_name(VIRTIO_ERR_QUEUE_FULL), "queue full");
	assert_string_equal(virtio_err_name(VIRTIO_ERR_COUNT), "unknown");
	assert_string_equal(virtio_err_name((enum virtio_err)(-1)), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(init_lays_out_an_empty_queue),
		cmocka_unit_test(init_refuses_bad_sizes_and_alignment),
		cmocka_unit_test(a_chain_is_what_the_device_reads),
		cmocka_unit_test(quiet_publishes_then_one_notification),
		cmocka_unit_test(a_write_only_chain_has_write_on_every_descriptor),
		cmocka_unit_test(bad_chains_are_refused_and_take_nothing),
		cmocka_unit_test(a_full_queue_refuses_until_a_chain_comes_back),
		cmocka_unit_test(used_elements_come_back_in_the_devices_order),
		cmocka_unit_test(indices_run_across_the_16_bit_wrap),
		cmocka_unit_test(indices_start_just_below_the_wrap),
		cmocka_unit_test(an_indirect_descriptor_points_at_its_table),
		cmocka_unit_test(bad_heads_are_refused_on_free),
		cmocka_unit_test(every_error_has_a_name),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
