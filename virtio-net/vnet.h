/* SPDX-License-Identifier: MIT */
/*
 * The enet domain: a user-level virtio-net driver (virtio 1.2 §4.2, §5.1)
 * and the packet multiplexer serving its clients' sessions
 * (docs/network.md). This header
 * is the domain's shared state and the map of its files:
 *
 *   main.c          start, the server loop, the interrupt helper (arg 1)
 *   vnet_mem.c      pages bought from the bank, mapped and pinned (DMA key)
 *   vnet_dev.c      bring-up, the receive and transmit rings
 *   vnet_frames.c   what a received frame is for: ARP and ICMP echo
 *                   answered here, UDP and TCP to the session owning the port
 *   vnet_client.c   sessions and their orders (CAIRN_SERVICE_ORDERS' ENET):
 *                   the views built, the queues served, fair transmit
 *   vnet_hold.c     output commit: sessions' frames held until the
 *                   checkpoint holding their state has committed
 *
 * Invariants:
 *  - Every buffer of either ring is the device's from its publish until
 *    its head comes back used, and the driver's otherwise; rx_head_buf and
 *    tx_head_buf say which buffer a published head carries (VNET_NONE when
 *    the head is not in flight), and a used element naming a head not in
 *    flight is the device's error: the device is reset and brought up
 *    again, nothing is trusted.
 *  - Every descriptor posted is one buffer of at least one byte: a receive
 *    buffer of a page (VNET_RX_BUF), a transmit buffer of the 12-byte header and
 *    a frame of at least an Ethernet header.
 *  - The device is not persistent: `up` is true only while the device's
 *    status still reads DRIVER_OK and this boot's pins are in `pa`; a
 *    reset (DEVICE_RESET from a key, or a status that lost DRIVER_OK) is
 *    met by bringing the whole device up again, and nothing a client sees
 *    changes (its session, ports and queued frames are enet's memory).
 *  - A receive buffer's page is always enet's own page VNET_PG_RXBUF + i
 *    (pin i of this boot); an exchange (vnet_rx_exchange) changes only the
 *    frame behind it, so pa[] is updated there and nowhere else, and only
 *    for a buffer the device has given back.
 */
#ifndef VNET_H
#define VNET_H

#include <stdbool.h>
#include <stdint.h>

#include "cairn.h"
#include "classify.h"
#include "client.h"
#include "ports.h"
#include "session.h"
#include "stats.h"
#include "txsched.h"
#include "virtio_mmio.h"
#include "virtq.h"

/* Capability registers (apps/default.image, apps/enet.image). */
enum {
	VNET_CAP_SELF = 3,   /* its own domain key */
	VNET_CAP_BANK = 4,   /* a start key to its bank */
	VNET_CAP_DMA = 5,    /* the DMA key */
	VNET_CAP_DEVICE = 6, /* device net */
	VNET_CAP_ENET = 7,   /* the helper's: a start key to enet, badge 0 */
	VNET_CAP_SPACE = 8,  /* scratch: its top space node, a leaf, a page */
	VNET_CAP_LEAF = 9,
	VNET_CAP_PAGE = 10,
	VNET_CAP_TMP = 11,         /* the key a call brings */
	VNET_CAP_DISCRIM = 12,     /* a discrim key: what a client's key is */
	VNET_CAP_CLIENT_BANK = 13, /* ATTACH: the client's bank key */
	VNET_CAP_VIEW = 14,        /* ATTACH: the view's node, then its space key */
	VNET_CAP_SCRATCH = 15,
	VNET_CAP_SESSION = 16, /* 16 + s - 1: session s's node of read-write page keys */
	VNET_CAP_HOLDER = 23,  /* the commit helper's parked HOLD (vnet_hold.c) */
	VNET_CAP_PARKED = 24,  /* 24 + s - 1: session s's parked RECV */
	VNET_CAP_RESUME = 31,  /* the resume key of the call being served */
};

enum { VNET_COMMIT_CAP_SLEEP = 2, VNET_COMMIT_CAP_CKPT = 3 }; /* the commit helper's */

#define VNET_SESSIONS 7 /* badges 1..7; badge 0 is the interrupt helper */
#define VNET_QUEUE    128
#define VNET_BUF      2048 /* a transmit buffer: header and frame, two a page */
/* A receive buffer is a whole page: frames up to ENET_RX_FRAME_MAX (a
 * link with a larger MTU, docs/network.md "Page exchange"), and a page
 * that can be handed to a session whole (DMA EXCHANGE). */
#define VNET_RX_BUF 4096
#define VNET_HDR    ((uint32_t)sizeof(struct virtio_net_hdr))
/* Where a buffer's descriptor starts: the 12-byte header at 4, so the
 * frame is at 16, 8-byte aligned like the sessions' buffers (a frame at
 * their offset 0). picolibc's memcpy copies a word at a time only
 * between addresses equal modulo 8, and a byte at a time otherwise: with
 * the header at 0 every frame copied between a session and the device
 * (PAGE_WRITE, PAGE_READ) went a byte at a time, 4 to 5 instructions a
 * byte (docs/benchmarks.md "The stacks"). */
#define VNET_HDR_AT   4u
#define VNET_FRAME_AT (VNET_HDR_AT + VNET_HDR)
/* A transmit buffer's header 2 bytes further in: frames from the stacks
 * start ENET_TX_HEADROOM past an 8-byte boundary in their buffers. */
#define VNET_TX_HDR_AT   (VNET_HDR_AT + ENET_TX_HEADROOM)
#define VNET_TX_FRAME_AT (VNET_TX_HDR_AT + VNET_HDR)
#define VNET_NONE        0xffffu
#define VNET_TX_BUDGET   4 /* descriptors per session per transmit turn */
#define VNET_TX_ROUNDS   8 /* transmit rounds per order, at most */

/* The pages, in pin order: the two rings, the receive buffers, the
 * transmit buffers; then, not pinned, one ring page per session. Pin i of
 * this boot is page i. */
#define VNET_PG_RXRING  0
#define VNET_PG_TXRING  1
#define VNET_PG_RXBUF   2
#define VNET_PG_TXBUF   (VNET_PG_RXBUF + VNET_QUEUE)
#define VNET_PAGES      (VNET_PG_TXBUF + VNET_QUEUE / 2)
#define VNET_PG_SESSION VNET_PAGES /* + s - 1: session s's rings */
#define VNET_PAGES_ALL  (VNET_PG_SESSION + VNET_SESSIONS)

/* A session's receive backlog (vnet_client.c "The backlog"): frames for
 * it that came when it had no free receive buffer, still in enet's own
 * device buffers, which are off the device's ring until delivered. In
 * arrival order; at most VNET_RX_BACKLOG, so that all the sessions
 * together never keep more than half the device's receive buffers. */
#define VNET_RX_BACKLOG ENET_VIEW_RX_BACKLOG
_Static_assert(VNET_SESSIONS *VNET_RX_BACKLOG <= VNET_QUEUE / 2,
	       "the device keeps at least half its receive buffers");
struct vnet_backlog {
	uint16_t buf[VNET_RX_BACKLOG]; /* device receive buffer indices */
	uint16_t len[VNET_RX_BACKLOG]; /* frame lengths */
	uint8_t first, n;
};

struct vnet_session {
	bool attached;
	bool parked;              /* a RECV waits in VNET_CAP_PARKED + s - 1 */
	bool node_bought;         /* VNET_CAP_SESSION + s - 1 holds enet's node for it */
	uint8_t rx_mode;          /* enum enet_rx_mode, from its ATTACH or RX_MODE */
	uint16_t exchange_min;    /* the shortest frame exchanged (ENET_RX_PAGES) */
	uint64_t sessions;        /* ATTACHes that succeeded */
	struct enet_session core; /* queues, buffers, counters (cumulative) */
	struct vnet_backlog backlog;
	uint64_t backlogged; /* frames that waited in the backlog (cumulative) */
};

struct vnet {
	bool present; /* the machine has a virtio-net device */
	bool up;
	bool regs_mapped;
	uint32_t pages_mapped;   /* pages bought and mapped so far (first start) */
	uint64_t pa[VNET_PAGES]; /* this boot's physical addresses */
	struct virtio_mmio dev;
	struct virtq rxq, txq;
	uint16_t rx_head_buf[VNET_QUEUE], tx_head_buf[VNET_QUEUE];
	uint16_t tx_free[VNET_QUEUE], tx_nfree; /* transmit buffers not in flight */
	struct enet_addr addr;
	uint16_t mtu; /* the link's, as the device says (VIRTIO_NET_F_MTU), else 1500 */
	struct enet_ports ports;
	struct enet_txsched txsched;
	struct enet_stats stats; /* frames no session owns */
	uint64_t bring_ups, device_errors, tx_dropped, arp_replies, icmp_replies;
	bool hold;          /* output commit on (the commit helper said so this boot) */
	bool holder_parked; /* its HOLD waits in VNET_CAP_HOLDER */
	uint64_t releases;  /* RELEASEs: checkpoints that let output go */
	struct vnet_session session[VNET_SESSIONS + 1]; /* [0] unused */
};

extern struct vnet vnet;

/* vnet_mem.c */
bool vnet_mem_buy(void);     /* first start: buy and map the registers and every page */
uint64_t vnet_mem_pin(void); /* every bring-up: pin them, learn vnet.pa */
void *vnet_page_va(unsigned page);
uint64_t vnet_page_key(unsigned page, cap_t into); /* a read-write key to one of them */
volatile void *vnet_regs_va(void);
/* A DMA key invocation; a DEVICE_RESET (the first after a boot) marks the
 * device down and is retried once: this boot's table is empty. */
uint64_t vnet_dma(uint64_t order, struct cairn_io *io);

/* vnet_dev.c */
uint64_t vnet_bring_up(void);
bool vnet_device_lost(void);
void vnet_serve_device(void);
/* Queue a frame (ENET_ETH_HDR..ENET_FRAME_MAX bytes) for sending; false
 * if the device is down or every transmit buffer is in flight (counted in
 * tx_dropped). */
bool vnet_transmit(const uint8_t *frame, uint32_t len);
/* Transmit buffers free now (those the device has sent reclaimed first). */
uint32_t vnet_tx_room(void);
/* The frame area of the next free transmit buffer (enet's, ENET_FRAME_MAX
 * bytes), and sending what was put there: a session's frame is copied
 * straight from the client's page into the device's buffer. */
uint8_t *vnet_tx_next_buffer(void);
void vnet_tx_send_buffer(uint32_t len);

/* vnet_hold.c: the commit helper's HOLD and RELEASE (badge 0); poll
 * after every order (a parked HOLD is answered when frames wait); a new
 * boot answers a parked HOLD so the helper asks the mode again. */
uint64_t vnet_hold_order(uint64_t code, const struct cairn_reply *in, struct cairn_msg *out,
			 bool *parked);
void vnet_hold_poll(void);
void vnet_hold_new_boot(void);
void vnet_hold_session_started(uint32_t s);

/* Receive buffers kept off the ring (a session's backlog): the frame in
 * buffer i, and buffer i given back to the device (the notification is
 * vnet_rx_notify's, once for several). */
const uint8_t *vnet_rx_frame(uint16_t i);
/* Buffer i's page, holding a frame of len bytes, trades frames with the
 * page `client` names (a read-write key to a session's free page buffer):
 * everything but the frame zeroed first, then DMA EXCHANGE; on CAIRN_OK the
 * client's page holds the frame ENET_VIEW_PAGE_FRAME_AT bytes in and
 * buffer i's pin is at its new physical address, where the device writes
 * next. Any other answer is the DMA key's, and nothing traded. */
uint64_t vnet_rx_exchange(uint16_t i, uint32_t len, cap_t client);
bool vnet_rx_give_back(uint16_t i);
void vnet_rx_notify(void);

/* vnet_frames.c: what a received frame in device buffer `buf` is for;
 * true if a session's backlog kept the buffer (it is not the device's
 * again until delivered). */
bool vnet_receive(const uint8_t *frame, uint32_t len, uint16_t buf);

/* vnet_client.c */
/* To session s; `buf` is the device buffer holding the frame, or
 * VNET_NONE when it cannot be kept (a frame for several sessions). True
 * if the backlog kept it. */
bool vnet_deliver(uint32_t s, const uint8_t *frame, uint32_t len, uint16_t buf);
/* Every backlog emptied: the device's buffers are all posted again. */
void vnet_backlogs_reset(void);
uint64_t vnet_client_order(uint32_t s, const struct cairn_reply *in, struct cairn_msg *out,
			   bool *parked);
/* Transmit rounds across the sessions (txsched.h) while the device has
 * room and frames go out, at most VNET_TX_ROUNDS. */
void vnet_tx_rounds(void);

#endif
