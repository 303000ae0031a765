/* SPDX-License-Identifier: MIT */
/*
 * The virtio-mmio transport; the interface is in virtio_mmio.h. Every
 * register access is a 32-bit volatile load or store at the window the
 * caller mapped (§4.2.2.2: the driver MUST use only 32-bit wide and
 * aligned accesses to the control registers); configuration space
 * fields are read at their own width (32-bit halves for a 64-bit one). The hart's ordering of these
 * accesses against ring memory is the virtqueue's business (virtq.c): the registers written here
 * before DRIVER_OK are not raced by the device.
 *
 * Built with VIRTIO_MMIO_SIMULATED (the host test only), the two register
 * accessors call the test's simulated register file instead; nothing else
 * differs.
 */
#include "virtio_mmio.h"

#ifdef VIRTIO_MMIO_SIMULATED
uint32_t virtio_mmio_sim_read(volatile uint8_t *regs, uint32_t off);
void virtio_mmio_sim_write(volatile uint8_t *regs, uint32_t off, uint32_t val);

static uint32_t reg_read(const struct virtio_mmio *dev, uint32_t off)
{
	return virtio_mmio_sim_read(dev->regs, off);
}

static void reg_write(const struct virtio_mmio *dev, uint32_t off, uint32_t val)
{
	virtio_mmio_sim_write(dev->regs, off, val);
}
#else
static inline uint32_t reg_read(const struct virtio_mmio *dev, uint32_t off)
{
	return *(volatile uint32_t *)(dev->regs + off);
}

static inline void reg_write(const struct virtio_mmio *dev, uint32_t off, uint32_t val)
{
	*(volatile uint32_t *)(dev->regs + off) = val;
}
#endif

enum virtio_err virtio_mmio_probe(struct virtio_mmio *dev, volatile void *regs, uint32_t device_id)
{
	struct virtio_mmio d = { .regs = regs };
	if (reg_read(&d, VIRTIO_MMIO_MAGIC_VALUE) != VIRTIO_MMIO_MAGIC)
		return VIRTIO_ERR_NOT_VIRTIO;
	/* §4.2.2.2: a DeviceID of 0 is an empty slot (QEMU's unused
	 * transports), to be ignored. */
	d.device_id = reg_read(&d, VIRTIO_MMIO_DEVICE_ID);
	if (d.device_id == 0 || d.device_id != device_id)
		return VIRTIO_ERR_NO_DEVICE;
	if (reg_read(&d, VIRTIO_MMIO_VERSION) != 2)
		return VIRTIO_ERR_LEGACY;
	*dev = d;
	return VIRTIO_OK;
}

static void set_status(const struct virtio_mmio *dev, uint32_t bits)
{
	reg_write(dev, VIRTIO_MMIO_STATUS, reg_read(dev, VIRTIO_MMIO_STATUS) | bits);
}

void virtio_mmio_fail(const struct virtio_mmio *dev)
{
	set_status(dev, VIRTIO_STATUS_FAILED);
}

void virtio_mmio_driver_ok(const struct virtio_mmio *dev)
{
	set_status(dev, VIRTIO_STATUS_DRIVER_OK);
}

bool virtio_mmio_has(const struct virtio_mmio *dev, unsigned bit)
{
	return virtio_feature(dev->features, bit);
}

static uint64_t read_device_features(const struct virtio_mmio *dev)
{
	/* Two 32-bit halves, selected by DeviceFeaturesSel. */
	uint64_t offered = 0;
	for (uint32_t sel = 0; sel < 2; sel++) {
		reg_write(dev, VIRTIO_MMIO_DEVICE_FEATURES_SEL, sel);
		offered |= (uint64_t)reg_read(dev, VIRTIO_MMIO_DEVICE_FEATURES) << (32 * sel);
	}
	return offered;
}

static void write_driver_features(const struct virtio_mmio *dev, uint64_t accept)
{
	for (uint32_t sel = 0; sel < 2; sel++) {
		reg_write(dev, VIRTIO_MMIO_DRIVER_FEATURES_SEL, sel);
		reg_write(dev, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)(accept >> (32 * sel)));
	}
}

enum virtio_err virtio_mmio_negotiate(struct virtio_mmio *dev, uint64_t wanted, uint64_t required)
{
	required |= 1ULL << VIRTIO_F_VERSION_1;
	/* §3.1.1: 1. reset, complete when the status reads back 0 (§2.4.2);
	 * 2. ACKNOWLEDGE; 3. DRIVER. */
	reg_write(dev, VIRTIO_MMIO_STATUS, 0);
	while (reg_read(dev, VIRTIO_MMIO_STATUS) != 0)
		;
	set_status(dev, VIRTIO_STATUS_ACKNOWLEDGE);
	set_status(dev, VIRTIO_STATUS_DRIVER);
	/* 4. read device features, accept a subset. */
	dev->offered = read_device_features(dev);
	dev->features = 0;
	if ((dev->offered & required) != required) {
		virtio_mmio_fail(dev);
		return VIRTIO_ERR_FEATURES_MISSING;
	}
	uint64_t accept = dev->offered & (wanted | required);
	write_driver_features(dev, accept);
	/* 5. FEATURES_OK; 6. re-read it to confirm the device accepts. */
	set_status(dev, VIRTIO_STATUS_FEATURES_OK);
	if (!(reg_read(dev, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_FEATURES_OK)) {
		virtio_mmio_fail(dev);
		return VIRTIO_ERR_FEATURES_REFUSED;
	}
	dev->features = accept;
	return VIRTIO_OK;
}

enum virtio_err virtio_mmio_queue_size(const struct virtio_mmio *dev, uint16_t index,
				       uint16_t limit, uint16_t *size)
{
	/* §4.2.3.2 steps 1-3: select, check it is not live, read the maximum. */
	reg_write(dev, VIRTIO_MMIO_QUEUE_SEL, index);
	if (reg_read(dev, VIRTIO_MMIO_QUEUE_READY) != 0)
		return VIRTIO_ERR_QUEUE_LIVE;
	uint32_t max = reg_read(dev, VIRTIO_MMIO_QUEUE_NUM_MAX);
	if (max == 0)
		return VIRTIO_ERR_NO_QUEUE;
	uint16_t n = limit;
	while (n > max)
		n >>= 1;
	*size = n;
	return n ? VIRTIO_OK : VIRTIO_ERR_QUEUE_SIZE;
}

volatile uint32_t *virtio_mmio_notify_reg(const struct virtio_mmio *dev)
{
	return (volatile uint32_t *)(dev->regs + VIRTIO_MMIO_QUEUE_NOTIFY);
}

static void write_addr(const struct virtio_mmio *dev, uint32_t low_off, uint64_t pa)
{
	reg_write(dev, low_off, (uint32_t)pa);
	reg_write(dev, low_off + 4, (uint32_t)(pa >> 32));
}

void virtio_mmio_queue_enable(const struct virtio_mmio *dev, const struct virtq *q,
			      const struct virtq_ring_mem *mem)
{
	/* §4.2.3.2 steps 4-7: size, the three parts' addresses, ready. */
	reg_write(dev, VIRTIO_MMIO_QUEUE_SEL, q->index);
	reg_write(dev, VIRTIO_MMIO_QUEUE_NUM, q->size);
	write_addr(dev, VIRTIO_MMIO_QUEUE_DESC_LOW, mem->desc_pa);
	write_addr(dev, VIRTIO_MMIO_QUEUE_DRIVER_LOW, mem->avail_pa);
	write_addr(dev, VIRTIO_MMIO_QUEUE_DEVICE_LOW, mem->used_pa);
	reg_write(dev, VIRTIO_MMIO_QUEUE_READY, 1);
}

uint8_t virtio_mmio_config_read8(const struct virtio_mmio *dev, uint32_t off)
{
	uint32_t gen;
	uint8_t v;
	do {
		gen = reg_read(dev, VIRTIO_MMIO_CONFIG_GENERATION);
		v = dev->regs[VIRTIO_MMIO_CONFIG + off];
	} while (gen != reg_read(dev, VIRTIO_MMIO_CONFIG_GENERATION));
	return v;
}

uint32_t virtio_mmio_config_read32(const struct virtio_mmio *dev, uint32_t off)
{
	uint32_t gen, v;
	do {
		gen = reg_read(dev, VIRTIO_MMIO_CONFIG_GENERATION);
		v = reg_read(dev, VIRTIO_MMIO_CONFIG + off);
	} while (gen != reg_read(dev, VIRTIO_MMIO_CONFIG_GENERATION));
	return v;
}

uint64_t virtio_mmio_config_read64(const struct virtio_mmio *dev, uint32_t off)
{
	uint32_t gen, lo, hi;
	do {
		gen = reg_read(dev, VIRTIO_MMIO_CONFIG_GENERATION);
		lo = reg_read(dev, VIRTIO_MMIO_CONFIG + off);
		hi = reg_read(dev, VIRTIO_MMIO_CONFIG + off + 4);
	} while (gen != reg_read(dev, VIRTIO_MMIO_CONFIG_GENERATION));
	return ((uint64_t)hi << 32) | lo;
}

uint32_t virtio_mmio_ack_interrupt(const struct virtio_mmio *dev)
{
	uint32_t status = reg_read(dev, VIRTIO_MMIO_INTERRUPT_STATUS);
	reg_write(dev, VIRTIO_MMIO_INTERRUPT_ACK, status);
	return status;
}
