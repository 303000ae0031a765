/* SPDX-License-Identifier: MIT */
/*
 * Why enet refused or dropped something, and the counters per session
 * (docs/network.md "Defences"). ENET_REASONS is the one table of reasons:
 * the enum, the names, the debug print and the statistics reply all expand
 * it, so a reason added here is counted, printed and readable at once.
 *
 * Three kinds share the table, so that one counter array covers them all:
 *  - received frames that classify.c drops (wire frames nobody can own are
 *    counted in enet's own statistics, not a session's);
 *  - frames a session asks to send that classify.c's transmit check
 *    refuses (spoofing, ports it did not register);
 *  - queue tampering and slow clients that queue.c refuses or drops.
 * ENET_OK (row 0) is "accepted" and never counted as a drop.
 *
 * These reasons are enet-internal: they never cross an invocation boundary
 * as a result code, only as counter values in a statistics reply, indexed
 * by the row number (docs/network.md "Statistics").
 */
#ifndef ENET_STATS_H
#define ENET_STATS_H

#include <stdint.h>

/* clang-format off */
#define ENET_REASONS(X)                                                                          \
	X(OK,                "accepted")                                                       \
	/* Received frames (classify.c, enet_classify_rx). */                                  \
	X(ETH_TRUNCATED,     "shorter than an Ethernet header (14 bytes)")                     \
	X(ETH_TOO_LONG,      "longer than taken: 4080 received, 1514 sent, or the session's buffer") \
	X(NOT_OUR_MAC,       "destination MAC is neither ours nor broadcast")                  \
	X(ETHERTYPE,         "neither IPv4 nor ARP (VLAN tags, IPv6, ...)")                    \
	X(ARP_TRUNCATED,     "shorter than an Ethernet/IPv4 ARP packet (28 bytes)")            \
	X(ARP_FORMAT,        "ARP not for Ethernet/IPv4 (htype, ptype, hlen, plen)")           \
	X(ARP_OPERATION,     "ARP operation neither request (1) nor reply (2)")                \
	X(ARP_NOT_FOR_US,    "ARP target protocol address is not ours")                        \
	X(IP_TRUNCATED,      "shorter than the IPv4 header it announces")                      \
	X(IP_VERSION,        "IP version is not 4")                                            \
	X(IP_HEADER_LENGTH,  "IPv4 header length (IHL) below 5 words")                         \
	X(IP_TOTAL_LENGTH,   "IPv4 total length below the header or past the frame")           \
	X(IP_CHECKSUM,       "IPv4 header checksum is wrong")                                  \
	X(IP_FRAGMENT,       "an IPv4 fragment (enet does not reassemble)")                    \
	X(NOT_OUR_IP,        "IPv4 destination is not the guest's address")                    \
	X(IP_PROTOCOL,       "IPv4 protocol is none of ICMP, TCP, UDP")                        \
	X(UDP_TRUNCATED,     "shorter than a UDP header (8 bytes)")                            \
	X(UDP_LENGTH,        "UDP length below 8 or past the IPv4 payload")                    \
	X(TCP_TRUNCATED,     "shorter than a TCP header (20 bytes)")                           \
	X(TCP_HEADER_LENGTH, "TCP data offset below 5 words or past the IPv4 payload")         \
	X(NO_OWNER,          "no session registered the destination port")                     \
	/* Frames a session asks to send (classify.c, enet_check_tx). */                       \
	X(TX_SRC_MAC,        "source MAC is not the session's")                                \
	X(TX_SRC_IP,         "IPv4 source is not the guest's address")                         \
	X(TX_ARP_SENDER,     "ARP sender addresses are not ours")                              \
	X(TX_PROTOCOL,       "an IPv4 protocol a session may not send (only TCP, UDP)")        \
	X(TX_PORT,           "source port not registered by this session for the protocol")    \
	/* The queues (queue.c). */                                                            \
	X(Q_INDEX_REWOUND,   "the client moved its ring index backwards")                      \
	X(Q_INDEX_JUMPED,    "the client's ring index is past what the ring can hold")         \
	X(Q_OFFSET_RANGE,    "buffer offset outside the session's buffer region")              \
	X(Q_OFFSET_ALIGN,    "buffer offset not a multiple of the buffer size")                \
	X(Q_DUPLICATE,       "a buffer enet already holds, handed in again")                   \
	X(Q_LEN_ZERO,        "a transmit descriptor of length zero")                           \
	X(Q_LEN_LONG,        "a transmit descriptor longer than its buffer")                   \
	X(RX_NO_BUFFER,      "the session posted no free receive buffer (slow client)")        \
	X(RX_QUEUE_FULL,     "the session's receive queue is full (slow client)")              \
	X(TX_FREE_FULL,      "the transmit free queue is full: a buffer went back unlisted")     \
	/* The session's storage (session.c). */                                               \
	X(STORAGE_GONE,      "the client revoked its buffer storage: the session ended")     \
	/* ICMP to the guest, enet's to answer (virtio-net/vnet_frames.c). */                   \
	X(ICMP_TRUNCATED,    "ICMP shorter than its 8-byte header")                            \
	X(ICMP_CHECKSUM,     "ICMP checksum is wrong")                                         \
	X(ICMP_TYPE,         "ICMP other than an echo request (enet answers only those)")
/* clang-format on */

enum enet_reason {
#define ENET_X(name, what) ENET_##name,
	ENET_REASONS(ENET_X)
#undef ENET_X
		ENET_REASON_COUNT
};

/* The row's NAME ("IP_CHECKSUM"), or 0 for a value no row has. */
static inline const char *enet_reason_name(uint32_t reason)
{
	static const char *const names[] = {
#define ENET_X(name, what) #name,
		ENET_REASONS(ENET_X)
#undef ENET_X
	};
	return reason < ENET_REASON_COUNT ? names[reason] : (const char *)0;
}

/* One session's counters (or enet's own, for frames no session owns).
 * Plain counters: only enet writes them, one domain, one thread. */
struct enet_stats {
	uint64_t frames_in;                /* frames copied into the session's receive queue */
	uint64_t bytes_in;                 /* their bytes */
	uint64_t frames_out;               /* frames accepted from the session for sending */
	uint64_t bytes_out;                /* their bytes */
	uint64_t drops[ENET_REASON_COUNT]; /* [ENET_OK] stays 0 */
	uint64_t frames_exchanged;         /* of frames_in, handed over by page exchange */
	uint64_t rx_instret;               /* instructions delivering frames_in (enet domain) */
};

/* Count one drop or refusal; ENET_OK and out-of-table values count
 * nothing. Returns the reason, so a check can `return enet_count(...)`. */
static inline enum enet_reason enet_count(struct enet_stats *st, enum enet_reason why)
{
	if (st && why != ENET_OK && (uint32_t)why < ENET_REASON_COUNT)
		st->drops[why]++;
	return why;
}

/* The counters as one flat array, for a statistics reply that returns
 * them a few words at a time: 0 frames_in, 1 bytes_in, 2 frames_out,
 * 3 bytes_out, then ENET_STATS_DROPS + r for the drops of reason r, then
 * frames_exchanged, rx_instret. An index past the end reads 0. */
#define ENET_STATS_DROPS      4u
#define ENET_STATS_EXCHANGED  (ENET_STATS_DROPS + ENET_REASON_COUNT)
#define ENET_STATS_RX_INSTRET (ENET_STATS_EXCHANGED + 1u)
#define ENET_STATS_COUNTERS   (ENET_STATS_RX_INSTRET + 1u)

static inline uint64_t enet_stats_counter(const struct enet_stats *st, uint32_t index)
{
	switch (index) {
	case 0:
		return st->frames_in;
	case 1:
		return st->bytes_in;
	case 2:
		return st->frames_out;
	case 3:
		return st->bytes_out;
	case ENET_STATS_EXCHANGED:
		return st->frames_exchanged;
	case ENET_STATS_RX_INSTRET:
		return st->rx_instret;
	}
	return index < ENET_STATS_EXCHANGED ? st->drops[index - ENET_STATS_DROPS] : 0;
}

/* The sum of every drop counter. */
static inline uint64_t enet_drops_total(const struct enet_stats *st)
{
	uint64_t sum = 0;
	for (uint32_t r = 0; r < ENET_REASON_COUNT; r++)
		sum += st->drops[r];
	return sum;
}

#endif /* ENET_STATS_H */
