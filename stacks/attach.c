/* SPDX-License-Identifier: MIT */
/*
 * ATTACH (stacks/serve.h): everything the stack needs before its first
 * socket, paid by the bank key the client sent (STACK_CAP_ARG).
 *
 *  1. The key is checked with the stack's own bank (BANK VERIFY, which
 *     never calls the key it checks: an impostor cannot make the server
 *     wait): a genuine bank key that may buy, else BAD_KEY / NO_RIGHTS.
 *  2. The heap: a height-2 node in top-node slot STACK_HEAP_SLOT of the
 *     stack's own space, STACK_HEAP_LEAVES height-1 leaves under it and
 *     STACK_HEAP_PAGES pages in them, all bought from the client's key,
 *     no-execute; lwIP's heap (LWIP_RAM_HEAP_POINTER) is STACK_HEAP_VA.
 *  3. ENET ATTACH with the same key (enet buys the view from it), the
 *     view mapped in top-node slot STACK_VIEW_SLOT.
 *  4. The ephemeral ports for TCP_CONNECT bound with enet.
 *  5. lwIP and the netif started over the view.
 *
 * Resumable: a checkpoint cuts memory and registers at one instant, so
 * the counts below always say what is done; a failed ATTACH (the bank's
 * limit, say) leaves them where they got, and the client's next ATTACH
 * (with the same key or another) goes on from there.
 */
#include <inttypes.h>
#include <stdio.h>

#include <cairn/node.h>

#include "bank.h"
#include "cairn.h"
#include "client.h"
#include "stack.h"
#include "sock.h"
#include "stack_main.h"

static struct {
	bool heap_node;       /* the height-2 node is in its top slot */
	uint32_t heap_leaves; /* leaves under it */
	uint32_t heap_pages;  /* pages in the leaves */
	bool enet_attached;
	uint8_t rx_mode; /* enet's receive mode, as the client asked at the first ATTACH */
	bool view_mapped;
	uint32_t ephemeral_tried; /* ports from STACK_EPHEMERAL_BASE asked for */
	bool lwip_up;
	uint32_t ip;
	uint64_t mac;
} at;

/* A node bought from the client, made a no-execute space of `height`,
 * its space key in `into`. */
static uint64_t new_space(unsigned height, cap_t into)
{
	uint64_t rc;
	struct cairn_io io = { .w = { height, CAIRN_RIGHT_NX }, .rkeys = { into } };
	if ((rc = cairn_bank_buy1(STACK_CAP_ARG, CAIRN_BANK_NODE, STACK_CAP_TMP)))
		return rc;
	return cairn_inv_NODE_MAKE_SPACE(STACK_CAP_TMP, &io);
}

static uint64_t heap_page(uint32_t p)
{
	uint64_t rc;
	uint32_t leaf = p / STACK_LEAF_PAGES;
	if ((rc = cairn_node_get(STACK_CAP_SPACE, STACK_HEAP_SLOT, STACK_CAP_NODE)))
		return rc;
	if (leaf >= at.heap_leaves) {
		if ((rc = new_space(1, STACK_CAP_LEAF)) ||
		    (rc = cairn_node_swap(STACK_CAP_NODE, leaf, STACK_CAP_LEAF, 0)))
			return rc;
		at.heap_leaves++;
	}
	if ((rc = cairn_bank_buy1(STACK_CAP_ARG, CAIRN_BANK_PAGE, STACK_CAP_PAGE)) ||
	    (rc = cairn_node_get(STACK_CAP_NODE, leaf, STACK_CAP_LEAF)))
		return rc;
	return cairn_node_swap(STACK_CAP_LEAF, p % STACK_LEAF_PAGES, STACK_CAP_PAGE, 0);
}

static uint64_t buy_heap(void)
{
	uint64_t rc = CAIRN_OK;
	if (!at.heap_node) {
		if ((rc = new_space(2, STACK_CAP_NODE)) ||
		    (rc = cairn_node_swap(STACK_CAP_SPACE, STACK_HEAP_SLOT, STACK_CAP_NODE, 0)))
			return rc;
		at.heap_node = true;
	}
	while (at.heap_pages < STACK_HEAP_PAGES) {
		if ((rc = heap_page(at.heap_pages)))
			return rc;
		at.heap_pages++;
	}
	return rc;
}

static uint64_t attach_enet(uint64_t rx_mode)
{
	uint64_t rc;
	if (!at.enet_attached) {
		const struct cairn_msg m = { .order = CAIRN_SO_ENET_ATTACH,
					     .w = { rx_mode },
					     .keys = { STACK_CAP_ARG } };
		const struct cairn_rcv r = { .keys = { STACK_CAP_VIEW } };
		struct cairn_reply rep;
		if ((rc = cairn_call(STACK_CAP_ENET, &m, &r, &rep)))
			return rc;
		at.mac = rep.w[0];
		at.ip = (uint32_t)rep.w[1];
		at.rx_mode = (uint8_t)rx_mode;
		at.enet_attached = true;
	}
	if (!at.view_mapped) {
		if ((rc = cairn_node_swap(STACK_CAP_SPACE, STACK_VIEW_SLOT, STACK_CAP_VIEW, 0)))
			return rc;
		at.view_mapped = true;
	}
	while (sock_ephemeral_count < STACK_EPHEMERAL_COUNT &&
	       at.ephemeral_tried < STACK_EPHEMERAL_SPAN) {
		uint16_t port = (uint16_t)(STACK_EPHEMERAL_BASE + at.ephemeral_tried);
		rc = stack_enet_bind(6, port);
		if (rc != CAIRN_OK && rc != CAIRN_PORT_TAKEN)
			return rc;
		at.ephemeral_tried++;
		if (rc == CAIRN_OK)
			sock_ephemeral_ports[sock_ephemeral_count++] = port;
	}
	return CAIRN_OK;
}

uint64_t stack_attach(uint64_t rx_mode, uint32_t *ip, uint64_t *mac)
{
	struct cairn_bank_verdict v;
	uint64_t rc = cairn_bank_verify(STACK_CAP_BANK, STACK_CAP_ARG, &v);
	if (rc)
		return rc;
	if (!v.genuine)
		return CAIRN_BAD_KEY;
	if (v.may_not & CAIRN_BANK_MAY_NOT_BUY)
		return CAIRN_NO_RIGHTS;
	if ((rc = cairn_domain_get_slot(STACK_CAP_SELF, CAIRN_DOM_SLOT_SPACE, STACK_CAP_SPACE)) ||
	    (rc = buy_heap()) || (rc = attach_enet(rx_mode))) {
		printf("attach: %s (heap %" PRIu32 "/%u pages)\n", cairn_result_name(rc),
		       at.heap_pages, STACK_HEAP_PAGES);
		return rc;
	}
	if (!at.lwip_up) {
		stack_lwip_start((uint8_t *)STACK_VIEW_VA, at.mac, at.ip,
				 (enum enet_rx_mode)at.rx_mode);
		at.lwip_up = true;
	}
	*ip = at.ip;
	*mac = at.mac;
	return CAIRN_OK;
}
