/* SPDX-License-Identifier: MIT */
/*
 * enet's memory (docs/network.md "Buffers"): the register window, the
 * VNET_PAGES pages of the device's rings and buffers and the sessions'
 * ring pages, bought from its bank at its first start and mapped into its
 * own space; the device's pages are pinned through the DMA key at every
 * bring-up (the sessions' ring pages never are: no device touches them).
 *
 * Address space. The image makes enet's space (height 3, 32 slots of
 * 4 MiB); enet puts height-1 leaves (32 pages each) in slots of its top
 * node, so a leaf maps the first 128 KiB of its slot:
 *
 *   slot 20       0x5000000   the device key: the register window
 *   slots 21..27  0x5400000   page p at slot 21 + p / 32, leaf slot p % 32
 *
 * The pages are bought once and are enet's from then on: they are in its
 * space, which the checkpointer saves like any other. Pins are not: the
 * DMA key's table starts empty at every boot, so every bring-up pins the
 * pages again, in order (pin i is page i), and learns their physical
 * addresses. Buying is resumable: pages_mapped counts what is done, and a
 * checkpoint cuts memory and registers at one instant.
 */
#include <inttypes.h>
#include <stdio.h>

#include <cairn/node.h>

#include "bank.h"
#include "vnet.h"

#define REGS_SLOT  20
#define PAGES_SLOT 21
#define SLOT_BYTES (4ull << 20)
#define LEAF_PAGES CAIRN_NODE_SLOTS

void *vnet_page_va(unsigned page)
{
	uint64_t va = (PAGES_SLOT + page / LEAF_PAGES) * SLOT_BYTES + (page % LEAF_PAGES) * 4096ull;
	return (void *)(uintptr_t)va;
}

volatile void *vnet_regs_va(void)
{
	return (volatile void *)(uintptr_t)(REGS_SLOT * SLOT_BYTES);
}

uint64_t vnet_dma(uint64_t order, struct cairn_io *io)
{
	struct cairn_io again = *io;
	uint64_t rc = cairn_invoke(VNET_CAP_DMA, order, io);
	if (rc != CAIRN_DEVICE_RESET)
		return rc;
	vnet.up = false; /* a boot since the last use: no pin is left */
	*io = again;
	return cairn_invoke(VNET_CAP_DMA, order, io);
}

/* A new leaf (a node bought from the bank, as a height-1 NX space) with
 * `key` in slot 0, put in slot `top` of the top node; the leaf's space
 * key is left in VNET_CAP_LEAF. */
static uint64_t new_leaf(unsigned top, cap_t key)
{
	uint64_t rc;
	struct cairn_io io = { .w = { 1, CAIRN_RIGHT_NX }, .rkeys = { VNET_CAP_LEAF } };
	if ((rc = cairn_bank_buy1(VNET_CAP_BANK, CAIRN_BANK_NODE, VNET_CAP_TMP)) ||
	    (key && (rc = cairn_node_swap(VNET_CAP_TMP, 0, key, 0))) ||
	    (rc = cairn_inv_NODE_MAKE_SPACE(VNET_CAP_TMP, &io)))
		return rc;
	return cairn_node_swap(VNET_CAP_SPACE, top, VNET_CAP_LEAF, 0);
}

/* Page p bought and put in its leaf (a new leaf for every 32nd). */
static uint64_t map_page(unsigned p)
{
	uint64_t rc;
	unsigned top = PAGES_SLOT + p / LEAF_PAGES;
	if ((rc = cairn_bank_buy1(VNET_CAP_BANK, CAIRN_BANK_PAGE, VNET_CAP_PAGE)))
		return rc;
	if (p % LEAF_PAGES == 0)
		rc = new_leaf(top, 0);
	else
		rc = cairn_node_get(VNET_CAP_SPACE, top, VNET_CAP_LEAF);
	return rc ? rc : cairn_node_swap(VNET_CAP_LEAF, p % LEAF_PAGES, VNET_CAP_PAGE, 0);
}

bool vnet_mem_buy(void)
{
	uint64_t rc = cairn_domain_get_slot(VNET_CAP_SELF, CAIRN_DOM_SLOT_SPACE, VNET_CAP_SPACE);
	if (!rc && !vnet.regs_mapped && !(rc = new_leaf(REGS_SLOT, VNET_CAP_DEVICE)))
		vnet.regs_mapped = true;
	while (!rc && vnet.pages_mapped < VNET_PAGES_ALL)
		if (!(rc = map_page(vnet.pages_mapped)))
			vnet.pages_mapped++;
	if (rc) {
		printf("cannot buy and map page %" PRIu32 " of %u: %s\n", vnet.pages_mapped,
		       VNET_PAGES_ALL, cairn_result_name(rc));
		return false;
	}
	return true;
}

uint64_t vnet_page_key(unsigned page, cap_t into)
{
	uint64_t rc = cairn_domain_get_slot(VNET_CAP_SELF, CAIRN_DOM_SLOT_SPACE, VNET_CAP_SPACE);
	if (!rc)
		rc = cairn_node_get(VNET_CAP_SPACE, PAGES_SLOT + page / LEAF_PAGES, VNET_CAP_LEAF);
	return rc ? rc : cairn_node_get(VNET_CAP_LEAF, page % LEAF_PAGES, into);
}

/* Every pin of the table let go (a second bring-up in one boot). */
static uint64_t unpin_all(void)
{
	struct cairn_io io = { 0 };
	uint64_t rc = vnet_dma(CAIRN_OC_DMA_INFO, &io);
	for (uint64_t i = 0; !rc && io.w[0] != 0 && i < io.w[1]; i++) {
		struct cairn_io un = { .w = { i } };
		uint64_t r = vnet_dma(CAIRN_OC_DMA_UNPIN, &un);
		if (r != CAIRN_OK && r != CAIRN_NOT_PINNED)
			rc = r;
	}
	return rc;
}

uint64_t vnet_mem_pin(void)
{
	uint64_t rc = cairn_domain_get_slot(VNET_CAP_SELF, CAIRN_DOM_SLOT_SPACE, VNET_CAP_SPACE);
	if (rc || (rc = unpin_all()))
		return rc;
	for (unsigned p = 0; p < VNET_PAGES; p++) {
		/* The device writes the rings' used parts and the receive
		 * buffers; it only reads the transmit buffers. */
		struct cairn_io io = { .w = { p < VNET_PG_TXBUF }, .keys = { VNET_CAP_PAGE } };
		if ((p % LEAF_PAGES == 0 &&
		     (rc = cairn_node_get(VNET_CAP_SPACE, PAGES_SLOT + p / LEAF_PAGES,
					  VNET_CAP_LEAF))) ||
		    (rc = cairn_node_get(VNET_CAP_LEAF, p % LEAF_PAGES, VNET_CAP_PAGE)) ||
		    (rc = vnet_dma(CAIRN_OC_DMA_PIN, &io)))
			return rc;
		if (io.w[0] != p)
			return CAIRN_BAD_ARGUMENT; /* pins are handed out lowest first */
		vnet.pa[p] = io.w[1];
	}
	return CAIRN_OK;
}
