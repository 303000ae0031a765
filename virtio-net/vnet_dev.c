/* SPDX-License-Identifier: MIT */
/*
 * The virtio-net device (virtio 1.2 §5.1) on the portable transport
 * (virtio/, docs/virtio.md): bring-up, the receive ring kept full, the
 * transmit ring, and serving both when the device interrupts.
 *
 * Bring-up is the whole of §3.1.1 every time: at the first start, after
 * every boot (DEVICE_RESET from the device or DMA key, or a status that
 * lost DRIVER_OK) and after a device error. The pages are pinned again,
 * the queues laid out afresh, the MAC read, DRIVER_OK set, and only then
 * every receive buffer posted (the driver must not notify before
 * DRIVER_OK, §3.1.1).
 *
 * A receive buffer is a page (VNET_RX_BUF): one device-writable
 * descriptor for the 12-byte header and a whole frame (VERSION_1 allows
 * any layout, §2.6.4; without MRG_RXBUF a frame never spans buffers,
 * §5.1.6.3.1, and a device drops a frame longer than the buffer), so a
 * link with an MTU up to 4,066 delivers whole frames and the page can be
 * handed to a session by DMA EXCHANGE (vnet_client.c). A transmit buffer
 * is VNET_BUF bytes, two a page: one device-readable descriptor for the
 * header, all zeros (no offloads), and the frame. VIRTIO_NET_F_MTU is
 * accepted when offered (§5.1.4.2: the device then says the MTU it
 * uses), only to report it: enet sends frames of a 1,500-byte MTU.
 * Either descriptor starts VNET_HDR_AT bytes into its buffer, so that the
 * frame is 8-byte aligned (vnet.h).
 *
 * Device-written pages and checkpoints: before reading the receive
 * buffers the device returned, the driver SYNCs their pages and the rings
 * (DMA key: the device's bytes go into the next checkpoint), and SYNCs the
 * buffers again before giving them back, so a checkpoint cut while it
 * handled them keeps what it read (docs/network.md "Checkpoints").
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "virtio_net_spec.h"
#include "virtio_spec.h"
#include "vnet.h"

#define FEATURE(bit) (1ull << (bit))

static volatile uint32_t *status_reg(void)
{
	return (volatile uint32_t *)((volatile uint8_t *)vnet_regs_va() + VIRTIO_MMIO_STATUS);
}

/* Buffer i of a ring's buffer pages: its address for the driver and the
 * device's. */
_Static_assert(VNET_FRAME_AT % 8 == 0, "received frames 8-byte aligned in the device's buffers");
_Static_assert(VNET_TX_FRAME_AT % 8 == ENET_TX_HEADROOM, "sent frames as the stacks lay them out");
_Static_assert(VNET_FRAME_AT == ENET_VIEW_PAGE_FRAME_AT &&
		       VNET_FRAME_AT + ENET_RX_FRAME_MAX == VNET_RX_BUF,
	       "an exchanged page holds its frame where a session's page buffer does");

static uint8_t *tx_va(unsigned i)
{
	return (uint8_t *)vnet_page_va(VNET_PG_TXBUF + i / 2) + (i % 2) * VNET_BUF;
}

static uint64_t tx_pa(unsigned i)
{
	return vnet.pa[VNET_PG_TXBUF + i / 2] + (i % 2) * VNET_BUF;
}

/* Receive buffer i is page VNET_PG_RXBUF + i; its physical address is
 * this boot's pin's, which an exchange changes (vnet_rx_exchanged). */
static uint8_t *rx_va(unsigned i)
{
	return (uint8_t *)vnet_page_va(VNET_PG_RXBUF + i);
}

/* The queue's three parts in one pinned page: descriptors at 0 (at most
 * 2 KiB for 128 entries), the available ring at 2 KiB, the used ring at
 * 2.5 KiB (at most 1,030 bytes), each aligned as §2.7 asks. */
static enum virtio_err queue_up(uint16_t index, struct virtq *q, unsigned page)
{
	uint16_t size;
	enum virtio_err e = virtio_mmio_queue_size(&vnet.dev, index, VNET_QUEUE, &size);
	if (e)
		return e;
	uint8_t *va = vnet_page_va(page);
	uint64_t pa = vnet.pa[page];
	struct virtq_ring_mem mem = {
		.desc = (struct virtq_desc *)va,
		.desc_pa = pa,
		.avail = (struct virtq_avail *)(va + 2048),
		.avail_pa = pa + 2048,
		.used = (struct virtq_used *)(va + 2560),
		.used_pa = pa + 2560,
	};
	e = virtq_init(q, index, size, &mem, virtio_mmio_notify_reg(&vnet.dev));
	if (e)
		return e;
	virtio_mmio_queue_enable(&vnet.dev, q, &mem);
	return VIRTIO_OK;
}

/* Receive buffer i on the ring, without a notification: the caller
 * notifies once for all it posts (each notification is a trap into the
 * device's emulation). */
static bool post_rx(uint16_t i)
{
	struct virtq_buf in = { vnet.pa[VNET_PG_RXBUF + i] + VNET_HDR_AT,
				VNET_RX_BUF - VNET_HDR_AT };
	uint16_t head;
	if (virtq_add_chain(&vnet.rxq, NULL, 0, &in, 1, &head) != VIRTIO_OK)
		return false;
	vnet.rx_head_buf[head] = i;
	virtq_publish_quiet(&vnet.rxq, head);
	return true;
}

void vnet_rx_notify(void)
{
	if (vnet.up)
		virtq_notify(&vnet.rxq);
}

static void buffers_reset(void)
{
	for (unsigned i = 0; i < VNET_QUEUE; i++)
		vnet.rx_head_buf[i] = vnet.tx_head_buf[i] = VNET_NONE;
	vnet.tx_nfree = 0;
	for (uint16_t j = 0; j < vnet.txq.size; j++)
		vnet.tx_free[vnet.tx_nfree++] = j;
}

static void print_up(void)
{
	const uint8_t *m = vnet.addr.mac, *ip = vnet.addr.ip;
	printf("up: mac %02x:%02x:%02x:%02x:%02x:%02x ip %u.%u.%u.%u, rx %u tx %u buffers, "
	       "mtu %u, bring-up %" PRIu64 "\n",
	       m[0], m[1], m[2], m[3], m[4], m[5], ip[0], ip[1], ip[2], ip[3], vnet.rxq.size,
	       vnet.txq.size, vnet.mtu, vnet.bring_ups);
}

/* Is the device there? DEVICE_INFO answers DEVICE_RESET once a boot. */
static uint64_t device_present(void)
{
	struct cairn_io io = { 0 };
	uint64_t rc = cairn_inv_DEVICE_INFO(VNET_CAP_DEVICE, &io);
	if (rc == CAIRN_DEVICE_RESET)
		rc = cairn_inv_DEVICE_INFO(VNET_CAP_DEVICE, &io);
	vnet.present = rc == CAIRN_OK;
	return rc;
}

static uint64_t transport_up(void)
{
	enum virtio_err e = virtio_mmio_probe(&vnet.dev, vnet_regs_va(), VIRTIO_ID_NET);
	if (!e)
		e = virtio_mmio_negotiate(&vnet.dev,
					  FEATURE(VIRTIO_NET_F_STATUS) | FEATURE(VIRTIO_NET_F_MTU),
					  FEATURE(VIRTIO_NET_F_MAC));
	if (!e)
		e = queue_up(VIRTIO_NET_RXQ, &vnet.rxq, VNET_PG_RXRING);
	if (!e)
		e = queue_up(VIRTIO_NET_TXQ, &vnet.txq, VNET_PG_TXRING);
	if (e) {
		printf("device refused: %s (offered %#" PRIx64 ")\n", virtio_err_name(e),
		       vnet.dev.offered);
		virtio_mmio_fail(&vnet.dev);
		return CAIRN_NO_DEVICE;
	}
	for (uint32_t i = 0; i < 6; i++)
		vnet.addr.mac[i] = virtio_mmio_config_read8(&vnet.dev, VIRTIO_NET_CFG_MAC + i);
	vnet.mtu = 1500; /* §5.1.4: without VIRTIO_NET_F_MTU, Ethernet's */
	if (virtio_mmio_has(&vnet.dev, VIRTIO_NET_F_MTU))
		vnet.mtu = (uint16_t)(virtio_mmio_config_read8(&vnet.dev, VIRTIO_NET_CFG_MTU) |
				      virtio_mmio_config_read8(&vnet.dev, VIRTIO_NET_CFG_MTU + 1)
					      << 8);
	return CAIRN_OK;
}

uint64_t vnet_bring_up(void)
{
	vnet.up = false;
	uint64_t rc = device_present();
	if (rc == CAIRN_OK)
		rc = vnet_mem_pin();
	if (rc == CAIRN_OK)
		rc = transport_up();
	if (rc != CAIRN_OK)
		return rc;
	virtio_mmio_driver_ok(&vnet.dev);
	buffers_reset();
	vnet_backlogs_reset(); /* what they kept is gone with the device */
	for (uint16_t i = 0; i < vnet.rxq.size; i++)
		post_rx(i); /* the queue has a descriptor for each */
	vnet.up = true;
	vnet_rx_notify();
	vnet.bring_ups++;
	print_up();
	vnet_hold_new_boot();
	return CAIRN_OK;
}

bool vnet_device_lost(void)
{
	if (device_present() != CAIRN_OK)
		return true; /* a boot since the last look, or no device */
	uint32_t st = *status_reg();
	return !(st & VIRTIO_STATUS_DRIVER_OK) || (st & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
}

/* The device returned a head it does not hold: trust nothing, start over. */
static void device_error(const char *what, uint32_t id)
{
	vnet.device_errors++;
	printf("device error: %s %" PRIu32 "; resetting it\n", what, id);
	virtio_mmio_fail(&vnet.dev);
	vnet.up = false;
}

static uint64_t sync_pins(unsigned first, unsigned count)
{
	struct cairn_io io = { .w = { first, count } };
	return vnet_dma(CAIRN_OC_DMA_SYNC, &io);
}

/* The buffers popped from the receive ring this round. */
struct rx_round {
	uint16_t n;
	uint16_t buf[VNET_QUEUE], head[VNET_QUEUE];
	uint32_t len[VNET_QUEUE];
	unsigned lo, hi; /* their pages, relative to VNET_PG_RXBUF */
};

static bool rx_collect(struct rx_round *r)
{
	struct virtq_used_elem e;
	r->n = 0;
	r->lo = VNET_QUEUE;
	r->hi = 0;
	while (r->n < VNET_QUEUE && virtq_pop_used(&vnet.rxq, &e)) {
		if (e.id >= VNET_QUEUE || vnet.rx_head_buf[e.id] == VNET_NONE) {
			device_error("receive head", e.id);
			return false;
		}
		uint16_t i = vnet.rx_head_buf[e.id];
		r->buf[r->n] = i;
		r->head[r->n] = (uint16_t)e.id;
		r->len[r->n++] = e.len;
		r->lo = i < r->lo ? i : r->lo;
		r->hi = i > r->hi ? i : r->hi;
	}
	return true;
}

static void serve_rx(void)
{
	static struct rx_round r;
	if (!rx_collect(&r) || r.n == 0)
		return;
	unsigned first = VNET_PG_RXBUF + r.lo, count = r.hi - r.lo + 1;
	if (sync_pins(VNET_PG_RXRING, 2) || sync_pins(first, count) || !vnet.up)
		return; /* a boot since: the buffers are gone with the device */
	static bool kept[VNET_QUEUE];
	for (uint16_t k = 0; k < r.n; k++) {
		uint32_t len = r.len[k];
		kept[k] = false;
		if (len <= VNET_HDR || len > VNET_RX_BUF - VNET_HDR_AT) {
			enet_count(&vnet.stats,
				   len <= VNET_HDR ? ENET_ETH_TRUNCATED : ENET_ETH_TOO_LONG);
			continue;
		}
		kept[k] = vnet_receive(rx_va(r.buf[k]) + VNET_FRAME_AT, len - VNET_HDR, r.buf[k]);
	}
	if (sync_pins(first, count) || !vnet.up)
		return;
	for (uint16_t k = 0; k < r.n; k++) {
		vnet.rx_head_buf[r.head[k]] = VNET_NONE;
		if (virtq_free_chain(&vnet.rxq, r.head[k]) != VIRTIO_OK ||
		    (!kept[k] && !post_rx(r.buf[k])))
			return device_error("receive chain", r.head[k]);
	}
	vnet_rx_notify();
}

/* The frame a session's backlog kept in buffer i (after its header). */
const uint8_t *vnet_rx_frame(uint16_t i)
{
	return rx_va(i) + VNET_FRAME_AT;
}

uint64_t vnet_rx_exchange(uint16_t i, uint32_t len, cap_t client)
{
	uint8_t *page = rx_va(i);
	memset(page, 0, VNET_FRAME_AT); /* the virtio header: not the client's business */
	memset(page + VNET_FRAME_AT + len, 0, VNET_RX_BUF - VNET_FRAME_AT - len); /* older frames */
	struct cairn_io io = { .w = { VNET_PG_RXBUF + i }, .keys = { client } };
	uint64_t rc = vnet_dma(CAIRN_OC_DMA_EXCHANGE, &io);
	if (rc == CAIRN_OK)
		vnet.pa[VNET_PG_RXBUF + i] = io.w[0];
	return rc;
}

/* A kept buffer delivered: synced again before the device may write it
 * (docs/network.md "Checkpoints", step 3), then posted. */
bool vnet_rx_give_back(uint16_t i)
{
	if (!vnet.up || sync_pins(VNET_PG_RXBUF + i, 1) || !vnet.up)
		return false;
	if (!post_rx(i)) {
		device_error("receive buffer", i);
		return false;
	}
	return true;
}

static void serve_tx(void)
{
	struct virtq_used_elem e;
	while (vnet.up && virtq_pop_used(&vnet.txq, &e)) {
		if (e.id >= VNET_QUEUE || vnet.tx_head_buf[e.id] == VNET_NONE ||
		    virtq_free_chain(&vnet.txq, e.id) != VIRTIO_OK)
			return device_error("transmit head", e.id);
		vnet.tx_free[vnet.tx_nfree++] = vnet.tx_head_buf[e.id];
		vnet.tx_head_buf[e.id] = VNET_NONE;
	}
}

void vnet_serve_device(void)
{
	if (!vnet.up)
		return;
	virtio_mmio_ack_interrupt(&vnet.dev); /* before the rings: §4.2.3.4 */
	serve_rx();
	serve_tx();
}

uint32_t vnet_tx_room(void)
{
	if (vnet.up && vnet.tx_nfree < vnet.txq.size)
		serve_tx(); /* reclaim what the device has sent */
	return vnet.up ? vnet.tx_nfree : 0;
}

/* Where a frame goes when there is no buffer for it: copied, then dropped. */
static uint8_t tx_scratch[ENET_FRAME_MAX];

uint8_t *vnet_tx_next_buffer(void)
{
	if (!vnet.up || vnet.tx_nfree == 0)
		return tx_scratch;
	return tx_va(vnet.tx_free[vnet.tx_nfree - 1]) + VNET_TX_FRAME_AT;
}

/* Buffer j (taken off the free list) on the transmit ring with len bytes
 * of frame after its zeroed header. */
static bool tx_publish(uint16_t j, uint32_t len)
{
	memset(tx_va(j) + VNET_TX_HDR_AT, 0, VNET_HDR);
	struct virtq_buf out = { tx_pa(j) + VNET_TX_HDR_AT, VNET_HDR + len };
	uint16_t head;
	if (virtq_add_chain(&vnet.txq, &out, 1, NULL, 0, &head) != VIRTIO_OK) {
		vnet.tx_free[vnet.tx_nfree++] = j;
		vnet.tx_dropped++;
		return false;
	}
	vnet.tx_head_buf[head] = j;
	virtq_publish(&vnet.txq, head);
	return true;
}

void vnet_tx_send_buffer(uint32_t len)
{
	if (!vnet.up || vnet.tx_nfree == 0 || len < ENET_ETH_HDR || len > ENET_FRAME_MAX) {
		vnet.tx_dropped++;
		return;
	}
	tx_publish(vnet.tx_free[--vnet.tx_nfree], len);
}

bool vnet_transmit(const uint8_t *frame, uint32_t len)
{
	if (vnet.up && vnet.tx_nfree == 0)
		serve_tx(); /* reclaim what the device has sent */
	if (!vnet.up || vnet.tx_nfree == 0 || len < ENET_ETH_HDR || len > ENET_FRAME_MAX) {
		vnet.tx_dropped++; /* the device's loss, not the sender's fault */
		return false;
	}
	uint16_t j = vnet.tx_free[--vnet.tx_nfree];
	memcpy(tx_va(j) + VNET_TX_FRAME_AT, frame, len);
	return tx_publish(j, len);
}
