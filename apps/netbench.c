/* SPDX-License-Identifier: MIT */
/*
 * netbench: the network's benchmark client (test/qemu/bench.py's
 * `network`; docs/benchmarks.md "The network"). One session of enet on
 * UDP port 7000 (the image's arg), in retired instructions of the whole
 * hart (rdinstret: kernel, enet, its interrupt helper and this domain)
 * and virtual time (under -icount shift=0):
 *
 *  - transmit: FRAMES frames of 60 bytes (the Ethernet minimum without
 *    the FCS) and of 1,514 (the largest untagged frame), queued a batch at
 *    a time on TX_ACTIVE with one SEND per batch (batches of 8, all its
 *    transmit buffers, and of 1); each frame is counted when its buffer
 *    comes back on TX_FREE. "tx SIZE batch B: N frames, I instructions
 *    per frame, F frames/s".
 *    Frames sit ENET_TX_HEADROOM (2) bytes into their buffers, as the
 *    stacks' do (virtio-net/proto/queue.h).
 *  - echo: ROUND_TRIPS times one frame to itself (UDP from and to
 *    10.0.2.15:7000, to the guest's MAC) queued, SEND, RECV until it comes
 *    back. Only a wire that loops frames back delivers them (bench.py's
 *    loopback boot: a dgram netdev whose remote is its own local port);
 *    on any other the transmit lines are all there is. "echo SIZE bytes:
 *    N round trips, median I instructions per round trip" (the median:
 *    a checkpoint or a frame left over from the transmit phases lands in
 *    a few round trips).
 *
 * Lines: the above, "netbench: tx done", "netbench: done", "netbench:
 * FAIL <what>: <RESULT>".
 *
 * Capability registers (apps/netbench.image): 1 console, 2 sleep, 3 a
 * start key to enet, 4 a start key to its bank, 5 its own domain key;
 * 6..9 scratch.
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

#define VIEW_SLOT   16
#define VIEW_VA     ((uint8_t *)(uintptr_t)(VIEW_SLOT * (4ull << 20)))
#define FRAMES      4096
#define ROUND_TRIPS 512
#define IP_HDR      20
#define SPIN_MAX    1000000 /* SENDs without progress before giving up */

static uint16_t port;
static uint8_t mac[6], ip[4];
static struct enet_view view;

static uint64_t enet(uint64_t order, cap_t key, struct cairn_reply *rep)
{
	/* ATTACH: w0 = the receive mode, 2 KiB buffers; BIND: UDP, the port. */
	const struct cairn_msg m = {
		.order = order,
		.w = { order == CAIRN_SO_ENET_ATTACH ? ENET_RX_BUFFERS : ENET_PROTO_UDP, port },
		.keys = { key }
	};
	const struct cairn_rcv r = { .keys = { CAP_VIEW } };
	struct cairn_reply local;
	return cairn_call(CAP_ENET, &m, &r, rep ? rep : &local);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* A UDP frame of `len` bytes from itself, in every transmit buffer: to
 * itself (its own MAC) for the echo, to a MAC nobody has for the transmit
 * phases, so that a looping wire brings them back only as far as enet's
 * classification (NOT_OUR_MAC). */
static void fill_frames(uint32_t len, bool to_self)
{
	static const uint8_t nobody[6] = { 0x52, 0x54, 0, 0x99, 0x99, 0x99 };
	for (uint32_t b = 0; b < ENET_VIEW_TX_BUFS; b++) {
		uint8_t *f = view.tx + b * ENET_VIEW_BUF + ENET_TX_HEADROOM, *o = f + ENET_ETH_HDR,
			*u = o + IP_HDR;
		memset(f, 0, len);
		memcpy(f, to_self ? mac : nobody, 6);
		memcpy(f + 6, mac, 6);
		put16(f + 12, ENET_ETHERTYPE_IPV4);
		o[0] = 0x45;
		put16(o + 2, (uint16_t)(len - ENET_ETH_HDR));
		o[8] = 64;
		o[9] = ENET_PROTO_UDP;
		memcpy(o + 12, ip, 4);
		memcpy(o + 16, ip, 4);
		put16(o + 10, (uint16_t)~enet_ones_sum(o, IP_HDR));
		put16(u, port);
		put16(u + 2, port);
		put16(u + 4, (uint16_t)(len - ENET_ETH_HDR - IP_HDR)); /* checksum 0: none */
	}
}

static uint64_t now_us(void)
{
	uint64_t us = 0;
	cairn_sleep_now(CAIRN_CAP_SLEEP, &us, NULL);
	return us;
}

/* Buffers back on TX_FREE, into the free list. */
static uint32_t reclaim(uint64_t *free_list, uint32_t *nfree)
{
	struct enet_desc d;
	uint32_t n = 0;
	while (*nfree < ENET_VIEW_TX_BUFS && enet_client_get(view.ring[ENET_Q_TX_FREE], &d)) {
		free_list[(*nfree)++] = d.offset;
		n++;
	}
	return n;
}

static void tx_phase(uint32_t len, uint32_t batch)
{
	uint64_t free_list[ENET_VIEW_TX_BUFS];
	uint32_t nfree = 0, done = 0, spins = 0;
	for (uint32_t b = 0; b < ENET_VIEW_TX_BUFS; b++)
		free_list[nfree++] = (uint64_t)b * ENET_VIEW_BUF + ENET_TX_HEADROOM;
	fill_frames(len, false);
	uint64_t i0 = cairn_rdinstret(), t0 = now_us();
	uint32_t queued = 0;
	while (done < FRAMES && spins < SPIN_MAX) {
		for (uint32_t k = 0; k < batch && nfree > 0 && queued < FRAMES; k++, queued++)
			enet_client_put(view.ring[ENET_Q_TX_ACTIVE], free_list[--nfree], len);
		enet(CAIRN_SO_ENET_SEND, 0, NULL);
		uint32_t back = reclaim(free_list, &nfree);
		done += back;
		spins = back ? 0 : spins + 1;
	}
	uint64_t i1 = cairn_rdinstret(), t1 = now_us();
	if (done < FRAMES) {
		printf("FAIL tx %u: %u frames of %u\n", len, done, FRAMES);
		return;
	}
	uint64_t us = t1 - t0 ? t1 - t0 : 1;
	printf("tx %u bytes batch %u: %u frames, %" PRIu64 " instructions per frame, %" PRIu64
	       " frames/s\n",
	       len, batch, FRAMES, (i1 - i0) / FRAMES, (uint64_t)FRAMES * 1000000 / us);
}

/* The median of n samples (sorted in place: insertion, n is small). A
 * checkpoint or a stray frame lands in a few samples; the median is the
 * path itself. */
static uint64_t median(uint64_t *v, uint32_t n)
{
	for (uint32_t i = 1; i < n; i++)
		for (uint32_t j = i; j > 0 && v[j - 1] > v[j]; j--) {
			uint64_t t = v[j];
			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	return v[n / 2];
}

/* The echo's sequence number, in the first payload bytes. */
#define SEQ_AT (ENET_ETH_HDR + IP_HDR + ENET_UDP_HDR)

/* Wait for frame `seq` to come back, taking (and posting again) anything
 * else; false if it does not come within a ring's worth of frames. */
static bool await_echo(uint32_t len, uint32_t seq)
{
	for (unsigned n = 0; n < 2 * ENET_VIEW_RING_CAP; n++) {
		struct enet_desc d = { 0 };
		if (!enet_client_get(view.ring[ENET_Q_RX_ACTIVE], &d)) {
			uint64_t rc = enet(CAIRN_SO_ENET_RECV, 0, NULL);
			if (rc) {
				printf("FAIL echo RECV: %s\n", cairn_result_name(rc));
				return false;
			}
			continue;
		}
		uint32_t got;
		memcpy(&got, view.rx + d.offset + SEQ_AT, 4);
		enet_client_put(view.ring[ENET_Q_RX_FREE], d.offset, 0);
		if (d.len == len && got == seq)
			return true;
	}
	printf("FAIL echo %u: frame %u never came back\n", len, seq);
	return false;
}

static bool echo_phase(uint32_t len)
{
	fill_frames(len, true);
	uint64_t free_list[ENET_VIEW_TX_BUFS];
	uint32_t nfree = 0;
	static uint64_t took[ROUND_TRIPS];
	for (uint32_t i = 1; i <= ROUND_TRIPS; i++) {
		uint64_t i0 = cairn_rdinstret();
		memcpy(view.tx + ENET_TX_HEADROOM + SEQ_AT, &i, 4);
		enet_client_put(view.ring[ENET_Q_TX_ACTIVE], ENET_TX_HEADROOM, len);
		enet(CAIRN_SO_ENET_SEND, 0, NULL);
		reclaim(free_list, &nfree);
		nfree = 0; /* buffer 0 is the only one used */
		if (!await_echo(len, i))
			return false;
		took[i - 1] = cairn_rdinstret() - i0;
	}
	printf("echo %u bytes: %u round trips, median %" PRIu64 " instructions per round trip\n",
	       len, ROUND_TRIPS, median(took, ROUND_TRIPS));
	return true;
}

static uint64_t attach(void)
{
	struct cairn_reply att;
	uint64_t rc = cairn_bank_create(CAP_BANK, CAIRN_BANK_TRANSPARENT, CAP_SUBBANK, CAP_INSPECT);
	if (rc || (rc = enet(CAIRN_SO_ENET_ATTACH, CAP_SUBBANK, &att)) ||
	    (rc = cairn_domain_get_slot(CAP_SELF, CAIRN_DOM_SLOT_SPACE, CAP_SPACE)) ||
	    (rc = cairn_node_swap(CAP_SPACE, VIEW_SLOT, CAP_VIEW, 0)) ||
	    (rc = enet(CAIRN_SO_ENET_BIND, 0, NULL)))
		return rc;
	for (unsigned i = 0; i < 6; i++)
		mac[i] = (uint8_t)(att.w[0] >> (8 * i));
	for (unsigned i = 0; i < 4; i++)
		ip[i] = (uint8_t)(att.w[1] >> (8 * i));
	enet_view_init(&view, VIEW_VA);
	for (uint32_t i = 0; i < ENET_VIEW_RX_BUFS; i++)
		enet_client_put(view.ring[ENET_Q_RX_FREE], (uint64_t)i * ENET_VIEW_BUF, 0);
	return CAIRN_OK;
}

int main(uint64_t arg)
{
	port = (uint16_t)arg;
	uint64_t rc = attach();
	if (rc) {
		printf("FAIL attach: %s\n", cairn_result_name(rc));
		return 0;
	}
	cairn_sleep_for(CAIRN_CAP_SLEEP, 200); /* the boot's own work done */
	static const uint32_t sizes[2] = { 60, ENET_FRAME_MAX };
	/* The batches docs/benchmarks.md reports, whatever the region holds. */
	static const uint32_t batches[2] = { 8, 1 };
	_Static_assert(ENET_VIEW_TX_BUFS >= 8, "a batch of 8 fits the transmit region");
	for (unsigned s = 0; s < 2; s++)
		for (unsigned b = 0; b < 2; b++)
			tx_phase(sizes[s], batches[b]);
	printf("tx done\n");
	for (unsigned s = 0; s < 2; s++)
		if (!echo_phase(sizes[s]))
			return 0;
	const struct cairn_msg m = { .order = CAIRN_SO_ENET_PRINT };
	cairn_call(CAP_ENET, &m, NULL, NULL);
	printf("done\n");
	return 0;
}
