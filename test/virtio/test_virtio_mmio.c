/* SPDX-License-Identifier: MIT */
/*
 * Host tests of the virtio-mmio transport (virtio/virtio_mmio.c, virtio
 * 1.2 §3.1.1, §4.2) against a simulated register file. virtio_mmio.c is
 * compiled here with VIRTIO_MMIO_SIMULATED, which routes its two register
 * accessors to virtio_mmio_sim_read/write below; everything else is the
 * code the kernel runs. The simulated device behaves as §4.2.2 says a
 * device does: feature words selected by their Sel registers, a reset on
 * a zero status, FEATURES_OK cleared when it dislikes the driver's
 * features, per-queue registers behind QueueSel, a configuration
 * generation that can change under a read. QueueNotify is written
 * through the pointer the transport hands the virtqueue, so it lands in
 * the window's memory itself, where the test reads it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "virtio_mmio.h"

uint32_t virtio_mmio_sim_read(volatile uint8_t *regs, uint32_t off);
void virtio_mmio_sim_write(volatile uint8_t *regs, uint32_t off, uint32_t val);

struct sim_queue {
	uint32_t num_max, num, ready;
	uint64_t desc, driver, device;
};

static struct {
	_Alignas(8) uint8_t window[0x200]; /* what regs points at */
	uint32_t magic, version, device_id;
	uint64_t device_features;
	uint64_t driver_features;
	uint32_t dev_sel, drv_sel, queue_sel;
	bool refuse_features; /* clear FEATURES_OK whatever is asked */
	uint32_t status;
	uint32_t status_writes[16];
	unsigned nstatus_writes;
	struct sim_queue queues[4];
	uint32_t int_status;
	uint32_t generation;
	unsigned bump_generation_at; /* config read number that changes it, 0 never */
	unsigned config_reads;
	uint8_t config[64];
} sim;

static uint32_t *queue_reg(uint32_t off)
{
	struct sim_queue *sq = &sim.queues[sim.queue_sel % 4];
	switch (off) {
	case VIRTIO_MMIO_QUEUE_NUM:
		return &sq->num;
	case VIRTIO_MMIO_QUEUE_READY:
		return &sq->ready;
	case VIRTIO_MMIO_QUEUE_DESC_LOW:
		return (uint32_t *)&sq->desc;
	case VIRTIO_MMIO_QUEUE_DESC_HIGH:
		return (uint32_t *)&sq->desc + 1;
	case VIRTIO_MMIO_QUEUE_DRIVER_LOW:
		return (uint32_t *)&sq->driver;
	case VIRTIO_MMIO_QUEUE_DRIVER_HIGH:
		return (uint32_t *)&sq->driver + 1;
	case VIRTIO_MMIO_QUEUE_DEVICE_LOW:
		return (uint32_t *)&sq->device;
	case VIRTIO_MMIO_QUEUE_DEVICE_HIGH:
		return (uint32_t *)&sq->device + 1;
	default:
		return NULL;
	}
}

static uint32_t config_word(uint32_t off)
{
	uint32_t v;
	memcpy(&v, &sim.config[off], 4); /* little-endian host, as the device */
	return v;
}

uint32_t virtio_mmio_sim_read(volatile uint8_t *regs, uint32_t off)
{
	assert_ptr_equal(regs, sim.window);
	assert_int_equal(off % 4, 0); /* §4.2.2.2: 32-bit aligned accesses */
	if (off >= VIRTIO_MMIO_CONFIG) {
		if (++sim.config_reads == sim.bump_generation_at)
			sim.generation++;
		return config_word(off - VIRTIO_MMIO_CONFIG);
	}
	uint32_t *q = queue_reg(off);
	if (q)
		return *q;
	switch (off) {
	case VIRTIO_MMIO_MAGIC_VALUE:
		return sim.magic;
	case VIRTIO_MMIO_VERSION:
		return sim.version;
	case VIRTIO_MMIO_DEVICE_ID:
		return sim.device_id;
	case VIRTIO_MMIO_VENDOR_ID:
		return 0x554d4551;
	case VIRTIO_MMIO_DEVICE_FEATURES:
		return sim.dev_sel < 2 ? (uint32_t)(sim.device_features >> (32 * sim.dev_sel)) : 0;
	case VIRTIO_MMIO_QUEUE_NUM_MAX:
		return sim.queues[sim.queue_sel % 4].num_max;
	case VIRTIO_MMIO_INTERRUPT_STATUS:
		return sim.int_status;
	case VIRTIO_MMIO_STATUS:
		return sim.status;
	case VIRTIO_MMIO_CONFIG_GENERATION:
		return sim.generation;
	default:
		fail_msg("read of write-only or unknown register %#x", off);
		return 0;
	}
}

static void write_status(uint32_t val)
{
	assert_true(sim.nstatus_writes < 16);
	sim.status_writes[sim.nstatus_writes++] = val;
	if (val == 0) { /* §4.2.2: reset */
		sim.status = 0;
		sim.driver_features = 0;
		return;
	}
	bool features_ok = (val & VIRTIO_STATUS_FEATURES_OK) &&
			   !(sim.status & VIRTIO_STATUS_FEATURES_OK);
	sim.status = val;
	/* §3.1.1 step 5: a device that cannot support the features leaves
	 * FEATURES_OK clear. */
	if (features_ok &&
	    (sim.refuse_features || (sim.driver_features & ~sim.device_features) != 0))
		sim.status &= ~(uint32_t)VIRTIO_STATUS_FEATURES_OK;
}

void virtio_mmio_sim_write(volatile uint8_t *regs, uint32_t off, uint32_t val)
{
	assert_ptr_equal(regs, sim.window);
	assert_int_equal(off % 4, 0);
	uint32_t *q = queue_reg(off);
	if (q) {
		*q = val;
		return;
	}
	switch (off) {
	case VIRTIO_MMIO_DEVICE_FEATURES_SEL:
		sim.dev_sel = val;
		break;
	case VIRTIO_MMIO_DRIVER_FEATURES_SEL:
		sim.drv_sel = val;
		break;
	case VIRTIO_MMIO_DRIVER_FEATURES:
		assert_true(sim.drv_sel < 2);
		sim.driver_features &= ~(0xffffffffULL << (32 * sim.drv_sel));
		sim.driver_features |= (uint64_t)val << (32 * sim.drv_sel);
		break;
	case VIRTIO_MMIO_QUEUE_SEL:
		sim.queue_sel = val;
		break;
	case VIRTIO_MMIO_INTERRUPT_ACK:
		sim.int_status &= ~val;
		break;
	case VIRTIO_MMIO_STATUS:
		write_status(val);
		break;
	default:
		fail_msg("write of read-only or unknown register %#x", off);
	}
}

#define F(bit) (1ULL << (bit))

/* A modern block device with two queues, status already dirty (as after
 * an earlier driver) so that the reset has to be seen to happen. */
static int reset_sim(void **state)
{
	(void)state;
	memset(&sim, 0, sizeof(sim));
	sim.magic = VIRTIO_MMIO_MAGIC;
	sim.version = 2;
	sim.device_id = VIRTIO_ID_BLOCK;
	sim.device_features = F(VIRTIO_F_VERSION_1) | F(VIRTIO_F_INDIRECT_DESC) | F(9) | F(40);
	sim.status = VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER;
	sim.queues[0].num_max = 1024;
	sim.queues[1].num_max = 100;
	return 0;
}

static void probe_tells_what_the_window_holds(void **state)
{
	(void)state;
	struct virtio_mmio dev = { 0 };
	assert_int_equal(virtio_mmio_probe(&dev, sim.window, VIRTIO_ID_BLOCK), VIRTIO_OK);
	assert_ptr_equal(dev.regs, sim.window);
	assert_int_equal(dev.device_id, VIRTIO_ID_BLOCK);
	assert_int_equal(virtio_mmio_probe(&dev, sim.window, VIRTIO_ID_NET), VIRTIO_ERR_NO_DEVICE);
	sim.device_id = 0; /* an empty slot, even when asked for 0 */
	assert_int_equal(virtio_mmio_probe(&dev, sim.window, 0), VIRTIO_ERR_NO_DEVICE);
	sim.device_id = VIRTIO_ID_BLOCK;
	sim.version = 1;
	assert_int_equal(virtio_mmio_probe(&dev, sim.window, VIRTIO_ID_BLOCK), VIRTIO_ERR_LEGACY);
	sim.magic = 0x12345678;
	assert_int_equal(virtio_mmio_probe(&dev, sim.window, VIRTIO_ID_BLOCK),
			 VIRTIO_ERR_NOT_VIRTIO);
}

static void negotiation_accepts_the_offered_subset(void **state)
{
	(void)state;
	struct virtio_mmio dev;
	assert_int_equal(virtio_mmio_probe(&dev, sim.window, VIRTIO_ID_BLOCK), VIRTIO_OK);
	uint64_t wanted = F(9) | F(2); /* FLUSH offered, SEG_MAX not */
	assert_int_equal(virtio_mmio_negotiate(&dev, wanted, F(VIRTIO_F_INDIRECT_DESC)), VIRTIO_OK);
	uint64_t expect = F(VIRTIO_F_VERSION_1) | F(VIRTIO_F_INDIRECT_DESC) | F(9);
	assert_true(dev.features == expect);
	assert_true(dev.offered == sim.device_features);
	/* Both halves reached the device: VERSION_1 is bit 32. */
	assert_true(sim.driver_features == expect);
	assert_true(virtio_mmio_has(&dev, 9));
	assert_false(virtio_mmio_has(&dev, 2));
	assert_false(virtio_mmio_has(&dev, 40)); /* offered, not wanted */

	/* §3.1.1: reset, ACKNOWLEDGE, DRIVER, FEATURES_OK, in that order. */
	assert_int_equal(sim.nstatus_writes, 4);
	assert_int_equal(sim.status_writes[0], 0);
	assert_int_equal(sim.status_writes[1], VIRTIO_STATUS_ACKNOWLEDGE);
	assert_int_equal(sim.status_writes[2], VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	assert_int_equal(sim.status_writes[3], VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
						       VIRTIO_STATUS_FEATURES_OK);
	virtio_mmio_driver_ok(&dev);
	assert_int_equal(sim.status, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
					     VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_DRIVER_OK);
}

static void a_missing_required_feature_fails_the_device(void **state)
{
	(void)state;
	struct virtio_mmio dev;
	assert_int_equal(virtio_mmio_probe(&dev, sim.window, VIRTIO_ID_BLOCK), VIRTIO_OK);
	assert_int_equal(virtio_mmio_negotiate(&dev, 0, F(VIRTIO_F_EVENT_IDX)),
			 VIRTIO_ERR_FEATURES_MISSING);
	assert_true(dev.features == 0);
	assert_true(dev.offered == sim.device_features);
	assert_true(sim.status & VIRTIO_STATUS_FAILED);
	assert_false(sim.status & VIRTIO_STATUS_FEATURES_OK);
	assert_true(sim.driver_features == 0); /* nothing was written */
}

static void version_1_is_always_required(void **state)
{
	(void)state;
	sim.device_features = F(VIRTIO_F_INDIRECT_DESC);
	struct virtio_mmio dev;
	assert_int_equal(virtio_mmio_probe(&dev, sim.window, VIRTIO_ID_BLOCK), VIRTIO_OK);
	assert_int_equal(virtio_mmio_negotiate(&dev, F(VIRTIO_F_INDIRECT_DESC), 0),
			 VIRTIO_ERR_FEATURES_MISSING);
	assert_true(sim.status & VIRTIO_STATUS_FAILED);
}

static void a_refusal_of_features_ok_fails_the_device(void **state)
{
	(void)state;
	sim.refuse_features = true;
	struct virtio_mmio dev;
	assert_int_equal(virtio_mmio_probe(&dev, sim.window, VIRTIO_ID_BLOCK), VIRTIO_OK);
	assert_int_equal(virtio_mmio_negotiate(&dev, F(9), 0), VIRTIO_ERR_FEATURES_REFUSED);
	assert_true(dev.features == 0);
	assert_true(sim.status & VIRTIO_STATUS_FAILED);
}

static _Alignas(16) struct virtq_desc ring_desc[256];
static _Alignas(4) uint8_t ring_avail[VIRTQ_AVAIL_BYTES(256)];
static _Alignas(4) uint8_t ring_used[VIRTQ_USED_BYTES(256)];

static void a_queue_is_sized_and_enabled(void **state)
{
	(void)state;
	struct virtio_mmio dev;
	assert_int_equal(virtio_mmio_probe(&dev, sim.window, VIRTIO_ID_BLOCK), VIRTIO_OK);
	assert_int_equal(virtio_mmio_negotiate(&dev, 0, 0), VIRTIO_OK);
	uint16_t size = 0;
	assert_int_equal(virtio_mmio_queue_size(&dev, 0, 256, &size), VIRTIO_OK);
	assert_int_equal(size, 256); /* our limit below the device's 1024 */
	assert_int_equal(virtio_mmio_queue_size(&dev, 1, 256, &size), VIRTIO_OK);
	assert_int_equal(size, 64); /* the largest power of two within 100 */
	assert_int_equal(virtio_mmio_queue_size(&dev, 2, 256, &size), VIRTIO_ERR_NO_QUEUE);
	sim.queues[3].num_max = 8;
	sim.queues[3].ready = 1;
	assert_int_equal(virtio_mmio_queue_size(&dev, 3, 256, &size), VIRTIO_ERR_QUEUE_LIVE);

	/* The device is told where the parts are: 64-bit addresses, split. */
	struct virtq_ring_mem mem = {
		.desc = ring_desc,
		.desc_pa = 0x123456000ULL,
		.avail = (struct virtq_avail *)ring_avail,
		.avail_pa = 0x223456000ULL,
		.used = (struct virtq_used *)ring_used,
		.used_pa = 0x323456000ULL,
	};
	struct virtq q;
	assert_int_equal(virtq_init(&q, 1, 64, &mem, virtio_mmio_notify_reg(&dev)), VIRTIO_OK);
	sim.queue_sel = 0; /* enable must select the queue itself */
	virtio_mmio_queue_enable(&dev, &q, &mem);
	assert_int_equal(sim.queue_sel, 1);
	struct sim_queue *sq = &sim.queues[1];
	assert_int_equal(sq->num, 64);
	assert_true(sq->desc == 0x123456000ULL);
	assert_true(sq->driver == 0x223456000ULL);
	assert_true(sq->device == 0x323456000ULL);
	assert_int_equal(sq->ready, 1);
	assert_int_equal(sim.queues[0].ready, 0);

	/* A publish notifies through the window's QueueNotify register. */
	struct virtq_buf b = { 0x9000, 512 };
	uint16_t head;
	assert_int_equal(virtq_add_chain(&q, &b, 1, NULL, 0, &head), VIRTIO_OK);
	memset(&sim.window[VIRTIO_MMIO_QUEUE_NOTIFY], 0xff, 4);
	virtq_publish(&q, head);
	uint32_t notified;
	memcpy(&notified, &sim.window[VIRTIO_MMIO_QUEUE_NOTIFY], 4);
	assert_int_equal(notified, 1);
}

static void config_reads_retry_across_a_generation_change(void **state)
{
	(void)state;
	struct virtio_mmio dev;
	assert_int_equal(virtio_mmio_probe(&dev, sim.window, VIRTIO_ID_BLOCK), VIRTIO_OK);
	uint64_t capacity = 0x0000000500000007ULL;
	memcpy(&sim.config[0], &capacity, 8);
	sim.bump_generation_at = 1; /* the first half read changes the generation */
	assert_true(virtio_mmio_config_read64(&dev, 0) == capacity);
	assert_int_equal(sim.config_reads, 4); /* two halves, twice */

	sim.config_reads = 0;
	sim.bump_generation_at = 1;
	uint32_t seg_max = 126;
	memcpy(&sim.config[12], &seg_max, 4);
	assert_int_equal(virtio_mmio_config_read32(&dev, 12), 126);
	assert_int_equal(sim.config_reads, 2);

	/* A byte field is read at its width, from the window itself. */
	sim.window[VIRTIO_MMIO_CONFIG + 5] = 0x5e;
	assert_int_equal(virtio_mmio_config_read8(&dev, 5), 0x5e);
}

static void an_interrupt_is_acknowledged_as_read(void **state)
{
	(void)state;
	struct virtio_mmio dev;
	assert_int_equal(virtio_mmio_probe(&dev, sim.window, VIRTIO_ID_BLOCK), VIRTIO_OK);
	sim.int_status = VIRTIO_MMIO_INT_VRING | VIRTIO_MMIO_INT_CONFIG;
	assert_int_equal(virtio_mmio_ack_interrupt(&dev),
			 VIRTIO_MMIO_INT_VRING | VIRTIO_MMIO_INT_CONFIG);
	assert_int_equal(sim.int_status, 0);
	assert_int_equal(virtio_mmio_ack_interrupt(&dev), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(probe_tells_what_the_window_holds, reset_sim),
		cmocka_unit_test_setup(negotiation_accepts_the_offered_subset, reset_sim),
		cmocka_unit_test_setup(a_missing_required_feature_fails_the_device, reset_sim),
		cmocka_unit_test_setup(version_1_is_always_required, reset_sim),
		cmocka_unit_test_setup(a_refusal_of_features_ok_fails_the_device, reset_sim),
		cmocka_unit_test_setup(a_queue_is_sized_and_enabled, reset_sim),
		cmocka_unit_test_setup(config_reads_retry_across_a_generation_change, reset_sim),
		cmocka_unit_test_setup(an_interrupt_is_acknowledged_as_read, reset_sim),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
