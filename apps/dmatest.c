/* SPDX-License-Identifier: MIT */
/*
 * dmatest: the DMA key from a driver's side (docs/invocations.md "DMA"),
 * under QEMU with a virtio-rng device (test/qemu/test_dma.py), which is
 * the simplest device that writes into memory: it fills each buffer it is
 * given with random bytes (virtio 1.2 §5.4). It prints one line per case,
 * "dmatest: <case>: ok" or "FAIL <what>", then "dmatest: ready: ..." once
 * a checkpoint holds it and, after every boot that follows, "dmatest:
 * after the restart: DEVICE_RESET, device-written page kept" if the page
 * the device wrote before the checkpoint (and the driver SYNCed) came
 * back with those bytes.
 *
 * Capability registers (apps/dmatest.image): 1 console, 2 sleep, 3 its own
 * domain key, 4 a node range, 5 a page range, 6 dma, 7 device entropy,
 * 8 the checkpoint key; 9..16 scratch.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cairn.h"
#include "virtio_mmio.h"
#include "virtio_spec.h"
#include "virtq.h"

enum {
	CAP_SELF = 3,
	CAP_NODES = 4,
	CAP_PAGES = 5,
	CAP_DMA = 6,
	CAP_RNG = 7,
	CAP_CKPT = 8,
	CAP_SPACE = 9,
	CAP_LEAF = 10,
	CAP_LEAF_SPACE = 11,
	CAP_PAGE = 12,
	CAP_PAGE2 = 13,
	CAP_RO = 14,
	CAP_NODE = 15,
};

/* Page offsets in the page range: the ring, the buffer the device fills,
 * the page rescinded while pinned. */
enum { PG_RING = 0, PG_BUF = 1, PG_VICTIM = 2 };

/* Slots 20 and 21 of the height-3 top node: the registers at 0x5000000,
 * the ring and buffer pages at 0x5400000 (a height-1 leaf of 32 pages). */
#define DEV_SLOT   20
#define DEV_VA     (DEV_SLOT * (4ull << 20))
#define PAGES_SLOT 21
#define PAGES_VA   (PAGES_SLOT * (4ull << 20))
#define PAGE_VA(i) (PAGES_VA + (uint64_t)(i)*4096)

#define RNG_QUEUE 8
#define SAVED     64

static bool failed;
static struct virtio_mmio rng;
static struct virtq rngq;
static uint64_t buf_pa, buf_pin;
static uint8_t saved[SAVED]; /* what the device wrote, in checkpointed memory */

static void fail(const char *name, const char *what, uint64_t got)
{
	printf("%s: FAIL %s (got %#" PRIx64 ")\n", name, what, got);
	failed = true;
}

static uint64_t dma(uint64_t order, cap_t key, uint64_t w0, uint64_t w1, struct cairn_io *io)
{
	*io = (struct cairn_io){ .w = { w0, w1 }, .keys = { key } };
	return cairn_invoke(CAP_DMA, order, io);
}

static uint64_t pin(cap_t page, uint64_t device_writes, uint64_t *handle, uint64_t *pa)
{
	struct cairn_io io = { 0 };
	uint64_t rc = dma(CAIRN_OC_DMA_PIN, page, device_writes, 0, &io);
	*handle = io.w[0];
	*pa = io.w[1];
	return rc;
}

static uint64_t unpin(uint64_t handle)
{
	struct cairn_io io = { 0 };
	return dma(CAIRN_OC_DMA_UNPIN, 0, handle, 0, &io);
}

/* A height-1 leaf node (node range offset `node`) holding `key` in slot 0,
 * as slot `top` of the domain's own height-3 space. */
static uint64_t map_leaf(uint64_t node, unsigned top, cap_t key)
{
	uint64_t rc;
	struct cairn_io io = { .w = { node }, .rkeys = { CAP_LEAF } };
	if ((rc = cairn_domain_get_slot(CAP_SELF, CAIRN_DOM_SLOT_SPACE, CAP_SPACE)) ||
	    (rc = cairn_inv_RANGE_MAKE_KEY(CAP_NODES, &io)) ||
	    (rc = cairn_node_swap(CAP_LEAF, 0, key, 0)))
		return rc;
	io = (struct cairn_io){ .w = { 1, CAIRN_RIGHT_NX }, .rkeys = { CAP_LEAF_SPACE } };
	if ((rc = cairn_inv_NODE_MAKE_SPACE(CAP_LEAF, &io)))
		return rc;
	return cairn_node_swap(CAP_SPACE, top, CAP_LEAF_SPACE, 0);
}

/* The registers, then the ring and buffer pages in the pages leaf. */
static uint64_t map_all(void)
{
	uint64_t rc;
	if ((rc = map_leaf(0, DEV_SLOT, CAP_RNG)) ||
	    (rc = cairn_range_make_key(CAP_PAGES, PG_RING, CAP_PAGE)) ||
	    (rc = map_leaf(1, PAGES_SLOT, CAP_PAGE)) ||
	    (rc = cairn_range_make_key(CAP_PAGES, PG_BUF, CAP_PAGE)))
		return rc;
	return cairn_node_swap(CAP_LEAF, 1, CAP_PAGE, 0);
}

static void case_reset_then_info(void)
{
	const char *name = "first use answers DEVICE_RESET, then INFO";
	struct cairn_io io = { 0 };
	uint64_t rc = dma(CAIRN_OC_DMA_INFO, 0, 0, 0, &io);
	if (rc != CAIRN_DEVICE_RESET)
		return fail(name, "first INFO is not DEVICE_RESET", rc);
	rc = dma(CAIRN_OC_DMA_INFO, 0, 0, 0, &io);
	if (rc != CAIRN_OK || io.w[0] != 0 || io.w[1] != 256 || io.w[2] != 0)
		return fail(name, "second INFO", rc ? rc : io.w[1]);
	printf("%s: ok\n", name);
}

/* One refused invocation: its result must be `want`. */
static bool refused(const char *name, const char *what, uint64_t rc, uint64_t want)
{
	if (rc == want)
		return true;
	printf("%s: FAIL %s: %s, not %s\n", name, what, cairn_result_name(rc),
	       cairn_result_name(want));
	failed = true;
	return false;
}

static void case_refusals(void)
{
	const char *name = "bad pins are refused by name";
	uint64_t h, pa, rc;
	struct cairn_io io = { 0 };
	if ((rc = cairn_range_make_key(CAP_PAGES, 3, CAP_PAGE)) ||
	    (rc = cairn_range_make_key(CAP_NODES, 2, CAP_NODE)))
		return fail(name, "keys", rc);
	io = (struct cairn_io){ .rkeys = { CAP_RO } };
	if ((rc = cairn_inv_PAGE_WEAKEN(CAP_PAGE, &io)))
		return fail(name, "PAGE_WEAKEN", rc);
	if (!refused(name, "void key", pin(0, 1, &h, &pa), CAIRN_VOID) ||
	    !refused(name, "node key", pin(CAP_NODE, 1, &h, &pa), CAIRN_BAD_KEY) ||
	    !refused(name, "sleep key", pin(CAIRN_CAP_SLEEP, 0, &h, &pa), CAIRN_BAD_KEY) ||
	    !refused(name, "read-only key for device writes", pin(CAP_RO, 1, &h, &pa),
		     CAIRN_NO_RIGHTS) ||
	    !refused(name, "bad flags", pin(CAP_PAGE, 2, &h, &pa), CAIRN_BAD_ARGUMENT) ||
	    !refused(name, "unpin of a free pin", unpin(7), CAIRN_NOT_PINNED) ||
	    !refused(name, "unpin past the table", unpin(1u << 20), CAIRN_NOT_PINNED) ||
	    !refused(name, "sync of nothing", dma(CAIRN_OC_DMA_SYNC, 0, 0, 0, &io),
		     CAIRN_BAD_ARGUMENT) ||
	    !refused(name, "sync past the table", dma(CAIRN_OC_DMA_SYNC, 0, 250, 7, &io),
		     CAIRN_BAD_ARGUMENT) ||
	    !refused(name, "sync of free pins", dma(CAIRN_OC_DMA_SYNC, 0, 0, 4, &io),
		     CAIRN_NOT_PINNED) ||
	    !refused(name, "bad order", cairn_invoke(CAP_DMA, CAIRN_OC_DMA_EXCHANGE + 1, &io),
		     CAIRN_BAD_ORDER))
		return;
	/* A page key fetched through a WEAK node key is read-only: no device
	 * writes through it either. */
	if ((rc = cairn_node_swap(CAP_NODE, 0, CAP_PAGE, 0)) ||
	    (rc = cairn_node_weaken(CAP_NODE, CAIRN_RIGHT_WEAK, CAP_NODE)) ||
	    (rc = cairn_node_get(CAP_NODE, 0, CAP_RO)))
		return fail(name, "a key through a weak node", rc);
	if (!refused(name, "weakened key for device writes", pin(CAP_RO, 1, &h, &pa),
		     CAIRN_NO_RIGHTS))
		return;
	/* A read-only key pins for device reads; a rescinded key is void. */
	if ((rc = pin(CAP_RO, 0, &h, &pa)) || (rc = unpin(h)))
		return fail(name, "read-only key for device reads", rc);
	if (!refused(name, "unpin twice", unpin(h), CAIRN_NOT_PINNED))
		return;
	if ((rc = cairn_range_rescind(CAP_PAGES, 3)))
		return fail(name, "rescind", rc);
	if (!refused(name, "rescinded key", pin(CAP_PAGE, 0, &h, &pa), CAIRN_VOID))
		return;
	printf("%s: ok\n", name);
}

static void case_too_many(void)
{
	const char *name = "the 257th pin is DMA_FULL";
	uint64_t h, pa, rc, first_pa = 0;
	if ((rc = cairn_range_make_key(CAP_PAGES, 4, CAP_PAGE)))
		return fail(name, "key", rc);
	for (unsigned i = 0; i < 256; i++) {
		if ((rc = pin(CAP_PAGE, 1, &h, &pa)))
			return fail(name, "a pin below the limit", rc);
		if (h != i || (i && pa != first_pa))
			return fail(name, "pins are not 0..255 of one frame", h);
		first_pa = pa;
	}
	if (!refused(name, "pin 257", pin(CAP_PAGE, 1, &h, &pa), CAIRN_DMA_FULL))
		return;
	struct cairn_io io = { 0 };
	if ((rc = dma(CAIRN_OC_DMA_SYNC, 0, 0, 256, &io)) || io.w[0] != 256 || io.w[1] != 0)
		return fail(name, "sync of all 256", rc ? rc : io.w[0]);
	for (unsigned i = 0; i < 256; i++)
		if ((rc = unpin(i)))
			return fail(name, "unpin", rc);
	if ((rc = dma(CAIRN_OC_DMA_INFO, 0, 0, 0, &io)) || io.w[0] != 0)
		return fail(name, "pins left", rc ? rc : io.w[0]);
	printf("%s: ok\n", name);
}

/* --- a virtio-rng driver of one buffer at a time --------------------- */

static uint64_t rng_init(void)
{
	uint64_t rc, ring_pin, ring_pa;
	struct cairn_io io = { 0 };
	uint16_t size;
	if ((rc = cairn_inv_DEVICE_INFO(CAP_RNG, &io)) != CAIRN_DEVICE_RESET)
		return rc ? rc : 1;
	if ((rc = cairn_node_get(CAP_LEAF, 0, CAP_PAGE)) ||
	    (rc = pin(CAP_PAGE, 1, &ring_pin, &ring_pa)))
		return rc;
	if ((rc = cairn_node_get(CAP_LEAF, 1, CAP_PAGE)) ||
	    (rc = pin(CAP_PAGE, 1, &buf_pin, &buf_pa)))
		return rc;
	if (virtio_mmio_probe(&rng, (volatile void *)(uintptr_t)DEV_VA, VIRTIO_ID_ENTROPY) ||
	    virtio_mmio_negotiate(&rng, 0, 0) || virtio_mmio_queue_size(&rng, 0, RNG_QUEUE, &size))
		return 2;
	/* The three parts of the ring in one page (§2.7: 16, 2 and 4 aligned). */
	uint8_t *ring = (uint8_t *)(uintptr_t)PAGE_VA(0);
	struct virtq_ring_mem mem = {
		.desc = (struct virtq_desc *)ring,
		.desc_pa = ring_pa,
		.avail = (struct virtq_avail *)(ring + 1024),
		.avail_pa = ring_pa + 1024,
		.used = (struct virtq_used *)(ring + 2048),
		.used_pa = ring_pa + 2048,
	};
	if (virtq_init(&rngq, 0, size, &mem, virtio_mmio_notify_reg(&rng)))
		return 3;
	virtio_mmio_queue_enable(&rng, &rngq, &mem);
	virtio_mmio_driver_ok(&rng);
	return 0;
}

/* The device fills [pa, pa + len): one chain, waited for by DEVICE_WAIT. */
static uint64_t rng_fill(uint64_t pa, uint32_t len)
{
	struct virtq_buf in = { pa, len };
	uint16_t head;
	if (virtq_add_chain(&rngq, NULL, 0, &in, 1, &head))
		return 4;
	virtq_publish(&rngq, head);
	for (;;) {
		struct virtq_used_elem e;
		virtio_mmio_ack_interrupt(&rng);
		if (virtq_pop_used(&rngq, &e))
			return e.id == head && virtq_free_chain(&rngq, e.id) == VIRTIO_OK ? 0 : 5;
		struct cairn_io io = { 0 };
		uint64_t rc = cairn_inv_DEVICE_WAIT(CAP_RNG, &io);
		if (rc)
			return rc;
	}
}

static bool all_bytes(const uint8_t *p, uint8_t b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != b)
			return false;
	return true;
}

static bool all_zero(const uint8_t *p, size_t n)
{
	return all_bytes(p, 0, n);
}

static void case_device_writes(void)
{
	const char *name = "the device writes a pinned page; SYNC dirties it";
	uint64_t rc = rng_init();
	if (rc)
		return fail(name, "virtio-rng setup", rc);
	const uint8_t *buf = (const uint8_t *)(uintptr_t)PAGE_VA(1);
	if (!all_zero(buf, 4096))
		return fail(name, "the fresh page is not zero", buf[0]);
	if ((rc = rng_fill(buf_pa, SAVED)))
		return fail(name, "rng request", rc);
	if (all_zero(buf, SAVED) || !all_zero(buf + SAVED, 4096 - SAVED))
		return fail(name, "the device's bytes are not where they should be", buf[0]);
	struct cairn_io io = { 0 };
	if ((rc = dma(CAIRN_OC_DMA_SYNC, 0, buf_pin, 1, &io)) || io.w[0] != 1)
		return fail(name, "SYNC", rc ? rc : io.w[0]);
	memcpy(saved, buf, SAVED);
	printf("%s: ok\n", name);
}

static void case_rescind_pinned(void)
{
	const char *name = "a rescinded pinned page gets a new frame; the old stays the device's";
	uint64_t rc, h, pa, h2, pa2;
	struct cairn_io io = { 0 };
	if ((rc = cairn_range_make_key(CAP_PAGES, PG_VICTIM, CAP_PAGE)) ||
	    (rc = pin(CAP_PAGE, 1, &h, &pa)))
		return fail(name, "pin", rc);
	io = (struct cairn_io){ .w = { 0 }, .str = "owner's data", .len = 12 };
	if ((rc = cairn_inv_PAGE_WRITE(CAP_PAGE, &io)))
		return fail(name, "PAGE_WRITE", rc);
	if ((rc = cairn_range_rescind(CAP_PAGES, PG_VICTIM)))
		return fail(name, "rescind", rc);
	if ((rc = dma(CAIRN_OC_DMA_INFO, 0, 0, 0, &io)) || io.w[2] != 1)
		return fail(name, "INFO's rescinded pins", rc ? rc : io.w[2]);
	if ((rc = dma(CAIRN_OC_DMA_SYNC, 0, h, 1, &io)) || io.w[0] != 0 || io.w[1] != 1)
		return fail(name, "SYNC of the rescinded pin", rc ? rc : io.w[1]);
	/* The page's next owner: a new key to the same object. */
	if ((rc = cairn_range_make_key(CAP_PAGES, PG_VICTIM, CAP_PAGE2)) ||
	    (rc = pin(CAP_PAGE2, 1, &h2, &pa2)))
		return fail(name, "the new owner's pin", rc);
	if (pa2 == pa)
		return fail(name, "the new owner got the pinned frame", pa);
	/* The device writes the whole old frame; the new owner sees none of it. */
	if ((rc = rng_fill(pa, 4096)))
		return fail(name, "rng request into the old frame", rc);
	uint8_t page[4096];
	io = (struct cairn_io){ .w = { 0, 4096 }, .buf = page, .max = sizeof page };
	if ((rc = cairn_inv_PAGE_READ(CAP_PAGE2, &io)) || io.rlen != 4096)
		return fail(name, "PAGE_READ", rc);
	if (!all_zero(page, sizeof page))
		return fail(name, "the new owner's page holds device bytes", page[0]);
	if ((rc = unpin(h)) || (rc = unpin(h2)))
		return fail(name, "unpin", rc);
	if ((rc = dma(CAIRN_OC_DMA_INFO, 0, 0, 0, &io)) || io.w[2] != 0 || io.w[0] != 2)
		return fail(name, "INFO after the unpins", rc ? rc : io.w[0]);
	printf("%s: ok\n", name);
}

/* Page exchange (docs/invocations.md "DMA", docs/network.md "Page
 * exchange"): X pinned for device writes, Y another page, both mapped
 * here (leaf slots 3 and 4) so that the user mappings are seen to follow
 * their pages. What each holds after the exchange and the device's write
 * is kept in checkpointed memory and checked again after the restart. */
enum { PG_X = 5, PG_Y = 6, PG_Z = 7, LEAF_X = 4, LEAF_Y = 3 };
static uint8_t saved_x[SAVED], saved_y[SAVED];

static uint64_t exchange(uint64_t handle, cap_t other, uint64_t *pa)
{
	struct cairn_io io = { 0 };
	uint64_t rc = dma(CAIRN_OC_DMA_EXCHANGE, other, handle, 0, &io);
	*pa = io.w[0];
	return rc;
}

static void case_exchange_refusals(uint64_t hx)
{
	const char *name = "bad exchanges are refused by name";
	uint64_t rc, pa, hz, paz, hy, pay, hx2, pax2;
	struct cairn_io io = { .rkeys = { CAP_RO } };
	if ((rc = cairn_range_make_key(CAP_PAGES, PG_Y, CAP_PAGE2)) ||
	    (rc = cairn_inv_PAGE_WEAKEN(CAP_PAGE2, &io)) ||
	    (rc = cairn_range_make_key(CAP_NODES, 2, CAP_NODE)))
		return fail(name, "keys", rc);
	if (!refused(name, "a free pin", exchange(9, CAP_PAGE2, &pa), CAIRN_NOT_PINNED) ||
	    !refused(name, "a pin past the table", exchange(1u << 20, CAP_PAGE2, &pa),
		     CAIRN_NOT_PINNED) ||
	    !refused(name, "a read-only other page", exchange(hx, CAP_RO, &pa), CAIRN_NO_RIGHTS) ||
	    !refused(name, "a node key", exchange(hx, CAP_NODE, &pa), CAIRN_BAD_KEY) ||
	    !refused(name, "a void key", exchange(hx, 0, &pa), CAIRN_VOID) ||
	    !refused(name, "the pinned page itself", exchange(hx, CAP_PAGE, &pa),
		     CAIRN_BAD_ARGUMENT))
		return;
	/* A pin for device reads only: its page is not the driver's to trade. */
	if ((rc = cairn_range_make_key(CAP_PAGES, PG_Z, CAP_NODE)) ||
	    (rc = pin(CAP_NODE, 0, &hz, &paz)))
		return fail(name, "read-only pin", rc);
	if (!refused(name, "a pin for device reads", exchange(hz, CAP_PAGE2, &pa), CAIRN_NO_RIGHTS))
		return;
	/* The other page pinned, or the pinned frame pinned twice: a device
	 * could still write a frame that would change hands. */
	if ((rc = pin(CAP_PAGE2, 1, &hy, &pay)))
		return fail(name, "pin of the other page", rc);
	if (!refused(name, "another page that is pinned", exchange(hx, CAP_PAGE2, &pa),
		     CAIRN_DMA_PINNED) ||
	    (rc = unpin(hy)) || (rc = pin(CAP_PAGE, 1, &hx2, &pax2)))
		return fail(name, "pins", rc);
	if (!refused(name, "a frame with a second pin", exchange(hx, CAP_PAGE2, &pa),
		     CAIRN_DMA_PINNED) ||
	    (rc = unpin(hx2)) || (rc = unpin(hz)))
		return fail(name, "unpins", rc);
	printf("%s: ok\n", name);
}

static void case_exchange(void)
{
	const char *name = "EXCHANGE trades two pages' frames; the pin follows its page";
	uint64_t rc, hx, pa, newpa;
	uint8_t *x = (uint8_t *)(uintptr_t)PAGE_VA(LEAF_X),
		*y = (uint8_t *)(uintptr_t)PAGE_VA(LEAF_Y);
	if ((rc = cairn_range_make_key(CAP_PAGES, PG_Y, CAP_PAGE2)) ||
	    (rc = cairn_node_swap(CAP_LEAF, LEAF_Y, CAP_PAGE2, 0)) ||
	    (rc = cairn_range_make_key(CAP_PAGES, PG_X, CAP_PAGE)) ||
	    (rc = cairn_node_swap(CAP_LEAF, LEAF_X, CAP_PAGE, 0)))
		return fail(name, "mapping", rc);
	memset(x, 'x', 4096);
	memset(y, 'y', 4096);
	if ((rc = pin(CAP_PAGE, 1, &hx, &pa)))
		return fail(name, "pin", rc);
	case_exchange_refusals(hx);
	if ((rc = cairn_range_make_key(CAP_PAGES, PG_Y, CAP_PAGE2)) ||
	    (rc = exchange(hx, CAP_PAGE2, &newpa)))
		return fail(name, "EXCHANGE", rc);
	if (newpa == pa)
		return fail(name, "the pinned page kept its frame", pa);
	/* Through the mappings (the PTEs followed their pages) and the keys. */
	if (x[0] != 'y' || x[4095] != 'y' || y[0] != 'x' || y[4095] != 'x')
		return fail(name, "the mappings do not show the traded bytes", x[0]);
	uint8_t page[16];
	struct cairn_io io = { .w = { 4080, 16 }, .buf = page, .max = sizeof page };
	if ((rc = cairn_inv_PAGE_READ(CAP_PAGE, &io)) || page[0] != 'y' || page[15] != 'y')
		return fail(name, "PAGE_READ of the pinned page", rc ? rc : page[0]);
	/* The device now writes the pinned page's new frame, and only it. */
	if ((rc = rng_fill(newpa, SAVED)))
		return fail(name, "rng request", rc);
	struct cairn_io sy = { 0 };
	if ((rc = dma(CAIRN_OC_DMA_SYNC, 0, hx, 1, &sy)) || sy.w[0] != 1)
		return fail(name, "SYNC after the exchange", rc ? rc : sy.w[0]);
	/* x held 'y' since the exchange: the device's SAVED random bytes
	 * replaced them (all of them still 'y': a chance of 256^-64), and y
	 * kept its 'x'. (This asked whether x[0] was 'x', which a random
	 * byte is once in 256 runs.) */
	if (all_zero(x, 8) || all_bytes(x, 'y', SAVED) || y[0] != 'x' || y[SAVED] != 'x')
		return fail(name, "the device's bytes are not in the pinned page alone", y[0]);
	y[1] = 'w'; /* the other page is still writable where it is mapped */
	memcpy(saved_x, x, SAVED);
	memcpy(saved_y, y, SAVED);
	if ((rc = unpin(hx)))
		return fail(name, "unpin", rc);
	/* A pinned page rescinded by its owner is not the driver's to trade. */
	uint64_t hv, pav;
	if ((rc = cairn_range_make_key(CAP_PAGES, PG_VICTIM, CAP_RO)) ||
	    (rc = pin(CAP_RO, 1, &hv, &pav)) || (rc = cairn_range_rescind(CAP_PAGES, PG_VICTIM)))
		return fail(name, "a rescinded pin", rc);
	if (!refused(name, "a pin whose page was rescinded", exchange(hv, CAP_PAGE2, &pa),
		     CAIRN_VOID) ||
	    (rc = unpin(hv)))
		return fail(name, "unpin of the rescinded pin", rc);
	printf("%s: ok\n", name);
}

/* A checkpoint that holds this domain after the cases. */
static void checkpoint(void)
{
	uint64_t gen = cairn_checkpoint_and_wait(CAP_CKPT, CAIRN_CAP_SLEEP, 20000);
	if (gen)
		printf("ready: checkpoint %" PRIu64 " committed\n", gen);
	else
		printf("FAIL the checkpoint never committed\n");
}

int main(uint64_t arg)
{
	(void)arg;
	uint64_t rc = map_all();
	if (rc)
		printf("FAIL mapping: %s\n", cairn_result_name(rc));
	case_reset_then_info();
	case_refusals();
	case_too_many();
	case_device_writes();
	case_rescind_pinned();
	case_exchange();
	printf("cases done%s\n", failed ? ", with failures" : "");
	checkpoint();
	/* From here on, every loop: after a restart, the first INFO says
	 * DEVICE_RESET, and the page the device wrote holds its bytes. */
	for (;;) {
		struct cairn_io io;
		rc = dma(CAIRN_OC_DMA_INFO, 0, 0, 0, &io);
		if (rc == CAIRN_DEVICE_RESET) {
			const uint8_t *buf = (const uint8_t *)(uintptr_t)PAGE_VA(1);
			bool kept = memcmp(buf, saved, SAVED) == 0 && !all_zero(saved, SAVED);
			printf("after the restart: DEVICE_RESET, device-written page %s\n",
			       kept ? "kept" : "LOST");
			const uint8_t *x = (const uint8_t *)(uintptr_t)PAGE_VA(LEAF_X);
			const uint8_t *y = (const uint8_t *)(uintptr_t)PAGE_VA(LEAF_Y);
			bool both = memcmp(x, saved_x, SAVED) == 0 &&
				    memcmp(y, saved_y, SAVED) == 0 && y[1] == 'w';
			printf("after the restart: exchanged pages %s\n", both ? "kept" : "LOST");
		} else if (rc != CAIRN_OK) {
			printf("FAIL INFO after the cases: %" PRIu64 "\n", rc);
		}
		cairn_sleep_for(CAIRN_CAP_SLEEP, 50);
	}
}
