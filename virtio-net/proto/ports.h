/* SPDX-License-Identifier: MIT */
/*
 * The port table (docs/network.md "Sessions and ports"): which session owns
 * each (protocol, local port). enet consults it twice per frame: on
 * receive, to find the session a TCP or UDP frame belongs to; on transmit,
 * to check that a session sends only from ports it registered.
 *
 * Invariants, whenever no enet_ports_* call is in progress:
 *  - entry[0..count) is sorted by key (protocol << 16 | port), strictly
 *    increasing: a (protocol, port) has at most one owner;
 *  - count <= ENET_PORTS_MAX, and no session owns more than
 *    ENET_PORTS_PER_SESSION entries, so one session cannot fill the table
 *    and lock the others out;
 *  - port 0 and protocols other than TCP and UDP are never in the table.
 * Lookup is a binary search, O(log n); register and unregister shift the
 * array, O(n) with n <= ENET_PORTS_MAX. No allocation: the table is a
 * fixed array inside enet's own memory, saved by the checkpointer with it.
 */
#ifndef ENET_PORTS_H
#define ENET_PORTS_H

#include <stdbool.h>
#include <stdint.h>

/* IPv4 protocol numbers (RFC 790, IANA "Protocol Numbers"). */
enum enet_proto {
	ENET_PROTO_ICMP = 1,
	ENET_PROTO_TCP = 6,
	ENET_PROTO_UDP = 17,
};

#define ENET_PORTS_MAX         256
#define ENET_PORTS_PER_SESSION 32
#define ENET_NO_SESSION        UINT32_MAX

/* clang-format off */
#define ENET_PORT_RESULTS(X)                                                          \
	X(OK,             "registered (or already this session's), or released")    \
	X(TAKEN,          "another session owns the port")                           \
	X(TABLE_FULL,     "the port table is full")                                  \
	X(QUOTA,          "the session already owns ENET_PORTS_PER_SESSION ports")   \
	X(BAD_PROTOCOL,   "the protocol is neither TCP nor UDP")                     \
	X(PORT_ZERO,      "port 0 cannot be registered")                             \
	X(NOT_REGISTERED, "the session does not own that port")
/* clang-format on */

enum enet_port_result {
#define ENET_X(name, what) ENET_PORT_##name,
	ENET_PORT_RESULTS(ENET_X)
#undef ENET_X
		ENET_PORT_RESULT_COUNT
};

struct enet_port_entry {
	uint32_t key;     /* protocol << 16 | port */
	uint32_t session; /* the owner */
};

struct enet_ports {
	uint32_t count;
	struct enet_port_entry entry[ENET_PORTS_MAX];
};

void enet_ports_init(struct enet_ports *t);

/* Give (proto, port) to session. Registering a port the session already
 * owns is ENET_PORT_OK and changes nothing. */
enum enet_port_result enet_ports_register(struct enet_ports *t, uint32_t session, uint8_t proto,
					  uint16_t port);

/* Release one port; only its owner may. */
enum enet_port_result enet_ports_unregister(struct enet_ports *t, uint32_t session, uint8_t proto,
					    uint16_t port);

/* The owner of (proto, port), or ENET_NO_SESSION. */
uint32_t enet_ports_owner(const struct enet_ports *t, uint8_t proto, uint16_t port);

/* Release every port of a session (it ended); returns how many. */
uint32_t enet_ports_release_session(struct enet_ports *t, uint32_t session);

/* How many ports a session owns. */
uint32_t enet_ports_count_session(const struct enet_ports *t, uint32_t session);

/* The row's NAME ("TAKEN"), or 0. */
const char *enet_port_result_name(uint32_t result);

#endif /* ENET_PORTS_H */
