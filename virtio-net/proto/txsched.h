/* SPDX-License-Identifier: MIT */
/*
 * Fair transmit service across sessions (docs/network.md "Fair transmit"):
 * round-robin with a per-turn budget. Each round visits the live sessions
 * in slot order starting where the last round stopped; each gets a turn
 * of at most `budget` descriptors, and fewer if the device has less room
 * left. A session flooding its queue gets one turn per round like every
 * other, so it cannot starve them; an idle one costs one empty look.
 *
 * The budget bounds descriptors taken, refused ones included, not frames
 * sent: a session filling its queue with junk gets the same bounded turn
 * as one sending real frames.
 *
 * Invariants: next < ENET_SESSIONS_MAX; budget >= 1; a slot takes part in
 * rounds exactly while its bit in `live` is set.
 */
#ifndef ENET_TXSCHED_H
#define ENET_TXSCHED_H

#include <stdbool.h>
#include <stdint.h>

#define ENET_SESSIONS_MAX 32

struct enet_txsched {
	uint32_t live;   /* bit i: session slot i is served */
	uint32_t next;   /* the slot whose turn comes first in the next round */
	uint32_t budget; /* descriptors per session per turn */
};

/* Serve session `slot`: take at most `budget` descriptors from its
 * transmit queue and send the good ones; return how many frames went to
 * the device (<= budget). */
typedef uint32_t (*enet_tx_serve_fn)(void *ctx, uint32_t slot, uint32_t budget);

/* budget 0 is taken as 1. */
void enet_txsched_init(struct enet_txsched *s, uint32_t budget);
bool enet_txsched_add(struct enet_txsched *s, uint32_t slot);
void enet_txsched_remove(struct enet_txsched *s, uint32_t slot);

/* One round with room for `room` frames in the device's transmit ring:
 * returns the frames sent. The next round starts after the last session
 * that had a turn. */
uint32_t enet_txsched_round(struct enet_txsched *s, uint32_t room, enet_tx_serve_fn serve,
			    void *ctx);

#endif /* ENET_TXSCHED_H */
