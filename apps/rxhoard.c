/* SPDX-License-Identifier: MIT */
/*
 * rxhoard: a client of enet that keeps every page it is handed (docs/
 * network.md "Page exchange"; test/qemu/test_exchange.py). It attaches with
 * page buffers (ENET_RX_PAGES: large frames come by page exchange), binds
 * UDP port `arg`, posts its 15 page buffers once and never gives one back.
 * Each frame it takes is checked: a UDP datagram to its port, and its page
 * holds nothing but the frame (zeros before it and after it: an exchanged
 * page must not carry an older frame's bytes, perhaps another session's).
 * Once it holds every page it only watches its counters: enet keeps a few
 * of its frames in its backlog and drops the rest as RX_NO_BUFFER, its own
 * loss, while every other session goes on (the test checks the sum
 * service beside it).
 *
 * Lines: "rxhoard: hoarding on udp P"; "rxhoard: kept N of 15 pages (E
 * exchanged)" as frames come; "rxhoard: kept every page; RX_NO_BUFFER D"
 * whenever D changes after that; "rxhoard: FAIL <what>".
 *
 * Capability registers (apps/services.image): 1 console, 2 sleep, 3 a
 * start key to enet, 4 a start key to its bank, 5 its own domain key; 6..9
 * scratch.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "bank.h"
#include "cairn.h"
#include "classify.h"
#include "client.h"

enum {
	CAP_ENET = 3,
	CAP_BANK = 4,
	CAP_SELF = 5,
	CAP_SUBBANK = 6,
	CAP_INSPECT = 7,
	CAP_VIEW = 8,
	CAP_SPACE = 9,
};

#define VIEW_SLOT 16
#define VIEW_VA   ((uint8_t *)(uintptr_t)(VIEW_SLOT * (4ull << 20)))
#define POLL_MS   100

static struct enet_view view;
static uint32_t kept;

static uint64_t enet(uint64_t order, uint64_t w0, uint64_t w1, cap_t key, struct cairn_reply *rep)
{
	const struct cairn_msg m = { .order = order, .w = { w0, w1 }, .keys = { key } };
	const struct cairn_rcv r = { .keys = { CAP_VIEW } };
	struct cairn_reply local;
	return cairn_call(CAP_ENET, &m, &r, rep ? rep : &local);
}

static uint64_t counter(uint32_t index)
{
	struct cairn_reply rep;
	return enet(CAIRN_SO_ENET_STATS, index, 0, 0, &rep) == CAIRN_OK ? rep.w[0] : ~0ull;
}

static bool zeros(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

static uint64_t start(uint16_t port)
{
	uint64_t rc = cairn_bank_create(CAP_BANK, CAIRN_BANK_TRANSPARENT, CAP_SUBBANK, CAP_INSPECT);
	if (rc || (rc = enet(CAIRN_SO_ENET_ATTACH, ENET_RX_PAGES, 0, CAP_SUBBANK, NULL)) ||
	    (rc = cairn_domain_get_slot(CAP_SELF, CAIRN_DOM_SLOT_SPACE, CAP_SPACE)) ||
	    (rc = cairn_node_swap(CAP_SPACE, VIEW_SLOT, CAP_VIEW, 0)) ||
	    (rc = enet(CAIRN_SO_ENET_BIND, ENET_PROTO_UDP, port, 0, NULL)))
		return rc;
	enet_view_init(&view, VIEW_VA);
	for (uint32_t i = 0; i < enet_view_rx_bufs(ENET_RX_PAGES); i++)
		enet_client_put(view.ring[ENET_Q_RX_FREE], (uint64_t)i * 4096u, 0);
	return CAIRN_OK;
}

/* One frame taken for good: where it is and what its page holds. */
static void keep(const struct enet_desc *d, uint16_t port)
{
	const uint32_t at = ENET_VIEW_PAGE_FRAME_AT;
	if (d->offset % 4096 != 0 || d->offset >= ENET_VIEW_RX_PAGES * 4096ull || d->len < 42 ||
	    d->len > 4096 - at) {
		printf("FAIL a descriptor outside its pages: %" PRIu64 " %" PRIu32 "\n", d->offset,
		       d->len);
		return;
	}
	const uint8_t *page = view.rx + d->offset, *f = page + at;
	uint16_t dport = (uint16_t)(f[ENET_ETH_HDR + 22] << 8 | f[ENET_ETH_HDR + 23]);
	if (f[ENET_ETH_HDR + 9] != ENET_PROTO_UDP || dport != port)
		printf("FAIL a frame not for its port: %u\n", dport);
	if (!zeros(page, at) || !zeros(f + d->len, 4096 - at - d->len))
		printf("FAIL page holds bytes beyond its frame of %" PRIu32 "\n", d->len);
	kept++;
}

int main(uint64_t arg)
{
	uint16_t port = (uint16_t)arg;
	uint64_t rc = start(port);
	if (rc) {
		printf("FAIL attach: %s\n", cairn_result_name(rc));
		return 0;
	}
	printf("hoarding on udp %u\n", port);
	const uint32_t pages = enet_view_rx_bufs(ENET_RX_PAGES);
	while (kept < pages) {
		if ((rc = enet(CAIRN_SO_ENET_RECV, 0, 0, 0, NULL))) {
			printf("FAIL RECV: %s\n", cairn_result_name(rc));
			return 0;
		}
		struct enet_desc d;
		while (enet_client_get(view.ring[ENET_Q_RX_ACTIVE], &d))
			keep(&d, port); /* and never posted on RX_FREE again */
		printf("kept %" PRIu32 " of %" PRIu32 " pages (%" PRIu64 " exchanged)\n", kept,
		       pages, counter(ENET_STATS_EXCHANGED));
	}
	uint64_t seen = ~0ull;
	for (;;) {
		uint64_t no_buffer = counter(ENET_STATS_DROPS + ENET_RX_NO_BUFFER);
		if (no_buffer != seen)
			printf("kept every page; RX_NO_BUFFER %" PRIu64 "\n", no_buffer);
		seen = no_buffer;
		cairn_sleep_for(CAIRN_CAP_SLEEP, POLL_MS);
	}
}
