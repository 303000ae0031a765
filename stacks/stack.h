/* SPDX-License-Identifier: MIT */
/*
 * A per-client TCP/IP stack domain (issue 12, docs/network.md "The
 * stacks"): lwIP 2.1 (NO_SYS, raw API) between one client and its enet
 * session. This header is the map of the domain's files, its capability
 * registers, its image rows and the counters every file shares.
 *
 * Files (one purpose each):
 *   stack.h      this map; the counters (STACK_COUNTERS)
 *   sock.{h,c}   the socket table: 64 handles over lwIP's raw API (TCP
 *                listeners, TCP connections, UDP sockets), bounded queues,
 *                event masks; portable, no system calls
 *   serve.{h,c}  order decoding: one order (code, badge, words, string)
 *                in, result, words and string out; who may send what;
 *                WAIT parking decisions; portable, no system calls
 *   main.c       the three domains (arg 0 server, arg 1 receive pump,
 *                arg 2 timer) and the only file but attach.c that invokes
 *                keys
 *   attach.c     ATTACH: the client's bank verified, the heap bought and
 *                mapped at STACK_HEAP_VA, the enet session attached and its
 *                view mapped at STACK_VIEW_VA, lwIP and the netif started
 *   port/, lwipopts.h, arch/, stack_layout.h: lwIP's port (the lwip
 *                helper's files: the netif over the view, sys_now)
 *
 * Image rows (N: the stack's enet session badge; B: the client's bank, or
 * any bank of the bank domain, used only to VERIFY the client's key):
 *
 *   domain stack program=stack arg=0 run
 *     cap 1 console
 *     cap 2 sleep
 *     cap 3 start enet badge=N
 *     cap 4 start bank badge=B
 *     cap 5 domain stack
 *   domain stackrx program=stack arg=1 run
 *     cap 1 console label=stack
 *     cap 2 sleep
 *     cap 3 start enet badge=N
 *     cap 4 start stack badge=0
 *   domain stacktick program=stack arg=2 run
 *     cap 1 console label=stack
 *     cap 2 sleep
 *     cap 4 start stack badge=0
 *   and the client holds `start stack badge=1`.
 *
 * Storage (paid by the client's bank key handed to ATTACH): the heap,
 * STACK_HEAP_BYTES / 4096 pages and 1 + STACK_HEAP_LEAVES nodes (a
 * height-2 node and its height-1 leaves), plus enet's session (27 pages, 1
 * node): 283 pages and 10 nodes for a 1 MiB heap.
 */
#ifndef STACK_H
#define STACK_H

#include <stdint.h>

#include "stack_layout.h"

/* The server's capability registers (arg 0). */
enum {
	STACK_CAP_ENET = 3,    /* start key to enet, the stack's session */
	STACK_CAP_BANK = 4,    /* start key to a bank: VERIFY only */
	STACK_CAP_SELF = 5,    /* its own domain key */
	STACK_CAP_ARG = 6,     /* the key a call brings (ATTACH: the client's bank) */
	STACK_CAP_VIEW = 7,    /* the session's view (a space key) */
	STACK_CAP_SPACE = 8,   /* scratch: its top space node */
	STACK_CAP_NODE = 9,    /* scratch: the heap's height-2 node */
	STACK_CAP_LEAF = 10,   /* scratch: a height-1 leaf */
	STACK_CAP_PAGE = 11,   /* scratch: a page */
	STACK_CAP_TMP = 12,    /* scratch */
	STACK_CAP_PARKED = 30, /* the parked WAIT's resume key */
	STACK_CAP_RESUME = 31, /* the resume key of the call being served */
};

/* The helpers' registers (arg 1 and 2). */
enum {
	STACK_HCAP_ENET = 3,  /* the receive pump's start key to enet */
	STACK_HCAP_STACK = 4, /* start key to the server, badge 0 */
};

#define STACK_BADGE_HELPER 0u
#define STACK_BADGE_CLIENT 1u

/* Where the view goes: top-node slot 16 (64 MiB), as netecho. */
#define STACK_VIEW_SLOT 16u
#define STACK_VIEW_VA   ((uintptr_t)STACK_VIEW_SLOT * (4ull << 20))

#define STACK_HEAP_PAGES  (STACK_HEAP_BYTES / 4096u)
#define STACK_LEAF_PAGES  32u
#define STACK_HEAP_LEAVES ((STACK_HEAP_PAGES + STACK_LEAF_PAGES - 1) / STACK_LEAF_PAGES)

/* TCP_CONNECT's local ports: STACK_EPHEMERAL_COUNT of them bound with
 * enet once at ATTACH (enet has no unbind), the first free ones from
 * STACK_EPHEMERAL_BASE on (another stack holds the ones enet answers
 * PORT_TAKEN), trying at most STACK_EPHEMERAL_SPAN; a connection takes the
 * first one lwIP has no pcb on. */
#define STACK_EPHEMERAL_BASE  49152u
#define STACK_EPHEMERAL_COUNT 8u
#define STACK_EPHEMERAL_SPAN  1024u

/* The counters STATS answers, X(name, "what it counts"): index i <
 * STACK_COUNTER_COUNT is row i; from STACK_COUNTER_COUNT on come the
 * port's (STACK_PORT_STATS in port/stack_netif.h, in its order); past
 * those, 0; from STACK_STATS_ENET on, enet's for the session. The order rows are indexed by (order
 * code & 0xff) - 1 and count every answer but RESTRICTED and BAD_ORDER (REFUSED counts those). */
/* clang-format off */
#define STACK_COUNTERS(X)                                                    \
	X(ORD_ATTACH,       "ATTACH orders served")                        \
	X(ORD_TCP_LISTEN,   "TCP_LISTEN orders served")                    \
	X(ORD_TCP_ACCEPT,   "TCP_ACCEPT orders served")                    \
	X(ORD_TCP_CONNECT,  "TCP_CONNECT orders served")                   \
	X(ORD_TCP_SEND,     "TCP_SEND orders served")                      \
	X(ORD_TCP_RECV,     "TCP_RECV orders served")                      \
	X(ORD_CLOSE,        "CLOSE orders served")                         \
	X(ORD_UDP_BIND,     "UDP_BIND orders served")                      \
	X(ORD_UDP_SENDTO,   "UDP_SENDTO orders served")                    \
	X(ORD_UDP_RECVFROM, "UDP_RECVFROM orders served")                  \
	X(ORD_WAIT,         "WAIT orders served")                          \
	X(ORD_STATS,        "STATS orders served")                         \
	X(ORD_RX,           "RX rounds")                                   \
	X(ORD_TICK,         "TICK rounds")                                 \
	X(REFUSED,          "orders refused (RESTRICTED, BAD_ORDER)")      \
	X(WOULD_BLOCK,      "NET_WOULD_BLOCK answers")                     \
	X(WAIT_PARKED,      "WAITs parked")                                \
	X(WAIT_WOKEN,       "parked WAITs answered by a SEND")             \
	X(WAIT_DISPLACED,   "parked WAITs answered empty by a second WAIT") \
	X(RESETS,           "connections reset or aborted (err callback)") \
	X(RESUME_PROBES,    "connections probed at a new boot (an ACK)")   \
	X(UDP_DROPS,        "datagrams dropped: the socket's queue full")  \
	X(ACCEPT_OVERFLOW,  "connections aborted: backlog or table full")  \
	X(CLOSE_RETRIES,    "tcp_close answered ERR_MEM, retried at TICK") \
	X(CLOSE_ABORTS,     "closes given up and aborted")                 \
	X(TX_ROUNDS,        "ENET SENDs after an order, RX or TICK")
/* clang-format on */

enum stack_counter {
#define STACK_X(name, what) STACK_C_##name,
	STACK_COUNTERS(STACK_X)
#undef STACK_X
		STACK_COUNTER_COUNT
};

/* STATS from this index on: the session's counters in enet, in
 * virtio-net/proto/stats.h's order (lib/cairn_net.h CNET_STATS_ENET). */
#define STACK_STATS_ENET 0x10000u

extern uint64_t stack_count[STACK_COUNTER_COUNT];
extern const char *const stack_counter_names[STACK_COUNTER_COUNT];

#define STACK_COUNT(name) (stack_count[STACK_C_##name]++)

#endif /* STACK_H */
