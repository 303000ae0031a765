/* SPDX-License-Identifier: MIT */
/*
 * Round-robin transmit service with a per-turn budget (txsched.h).
 */
#include "txsched.h"

void enet_txsched_init(struct enet_txsched *s, uint32_t budget)
{
	*s = (struct enet_txsched){ .budget = budget ? budget : 1 };
}

bool enet_txsched_add(struct enet_txsched *s, uint32_t slot)
{
	if (slot >= ENET_SESSIONS_MAX)
		return false;
	s->live |= (uint32_t)1 << slot;
	return true;
}

void enet_txsched_remove(struct enet_txsched *s, uint32_t slot)
{
	if (slot < ENET_SESSIONS_MAX)
		s->live &= ~((uint32_t)1 << slot);
}

uint32_t enet_txsched_round(struct enet_txsched *s, uint32_t room, enet_tx_serve_fn serve,
			    void *ctx)
{
	uint32_t sent = 0;
	uint32_t start = s->next;
	for (uint32_t i = 0; i < ENET_SESSIONS_MAX && sent < room; i++) {
		uint32_t slot = (start + i) % ENET_SESSIONS_MAX;
		if (!(s->live >> slot & 1))
			continue;
		uint32_t turn = room - sent < s->budget ? room - sent : s->budget;
		uint32_t done = serve(ctx, slot, turn);
		sent += done < turn ? done : turn; /* a serve that overstates is not believed */
		s->next = (slot + 1) % ENET_SESSIONS_MAX;
	}
	return sent;
}
