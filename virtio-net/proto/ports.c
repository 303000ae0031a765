/* SPDX-License-Identifier: MIT */
/*
 * The port table as a sorted array (ports.h has the invariants). The
 * search returns the insertion point, so register, unregister and lookup
 * share it; nothing is changed before every check has passed.
 */
#include "ports.h"

#include <string.h>

static uint32_t port_key(uint8_t proto, uint16_t port)
{
	return (uint32_t)proto << 16 | port;
}

static bool proto_served(uint8_t proto)
{
	return proto == ENET_PROTO_TCP || proto == ENET_PROTO_UDP;
}

/* The first index whose key is >= key (count if none). */
static uint32_t lower_bound(const struct enet_ports *t, uint32_t key)
{
	uint32_t lo = 0, hi = t->count;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (t->entry[mid].key < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

void enet_ports_init(struct enet_ports *t)
{
	memset(t, 0, sizeof(*t));
}

uint32_t enet_ports_count_session(const struct enet_ports *t, uint32_t session)
{
	uint32_t n = 0;
	for (uint32_t i = 0; i < t->count; i++)
		n += t->entry[i].session == session;
	return n;
}

enum enet_port_result enet_ports_register(struct enet_ports *t, uint32_t session, uint8_t proto,
					  uint16_t port)
{
	if (!proto_served(proto))
		return ENET_PORT_BAD_PROTOCOL;
	if (port == 0)
		return ENET_PORT_PORT_ZERO;
	uint32_t key = port_key(proto, port);
	uint32_t at = lower_bound(t, key);
	if (at < t->count && t->entry[at].key == key)
		return t->entry[at].session == session ? ENET_PORT_OK : ENET_PORT_TAKEN;
	if (t->count == ENET_PORTS_MAX)
		return ENET_PORT_TABLE_FULL;
	if (enet_ports_count_session(t, session) >= ENET_PORTS_PER_SESSION)
		return ENET_PORT_QUOTA;
	memmove(&t->entry[at + 1], &t->entry[at], (t->count - at) * sizeof(t->entry[0]));
	t->entry[at] = (struct enet_port_entry){ .key = key, .session = session };
	t->count++;
	return ENET_PORT_OK;
}

enum enet_port_result enet_ports_unregister(struct enet_ports *t, uint32_t session, uint8_t proto,
					    uint16_t port)
{
	uint32_t key = port_key(proto, port);
	uint32_t at = lower_bound(t, key);
	if (at == t->count || t->entry[at].key != key || t->entry[at].session != session)
		return ENET_PORT_NOT_REGISTERED;
	memmove(&t->entry[at], &t->entry[at + 1], (t->count - at - 1) * sizeof(t->entry[0]));
	t->count--;
	return ENET_PORT_OK;
}

uint32_t enet_ports_owner(const struct enet_ports *t, uint8_t proto, uint16_t port)
{
	uint32_t key = port_key(proto, port);
	uint32_t at = lower_bound(t, key);
	if (at < t->count && t->entry[at].key == key)
		return t->entry[at].session;
	return ENET_NO_SESSION;
}

uint32_t enet_ports_release_session(struct enet_ports *t, uint32_t session)
{
	/* One pass that keeps the others in order: the array stays sorted. */
	uint32_t kept = 0;
	for (uint32_t i = 0; i < t->count; i++) {
		if (t->entry[i].session != session)
			t->entry[kept++] = t->entry[i];
	}
	uint32_t released = t->count - kept;
	t->count = kept;
	return released;
}

const char *enet_port_result_name(uint32_t result)
{
	static const char *const names[] = {
#define ENET_X(name, what) #name,
		ENET_PORT_RESULTS(ENET_X)
#undef ENET_X
	};
	return result < ENET_PORT_RESULT_COUNT ? names[result] : (const char *)0;
}
