/* SPDX-License-Identifier: MIT */
/*
 * Nodes and node pots on disk. A node is a 16-byte header and 32 key slots;
 * seven nodes are packed into one 4 KiB block, a "node pot". Node OID n
 * lives in pot n / 7 of the node pool at byte offset (n % 7) * 528.
 *
 *   node (528 bytes)                     node pot (4096 bytes)
 *   0   u32 alloc_count                  0     node 0
 *   4   u32 call_count                   528   node 1
 *   8   u32 flags (none defined: 0)      ...
 *   12  u32 reserved (0)                 3168  node 6
 *   16  32 key slots of 16 bytes         3696..4095 zero (unused)
 *
 * alloc_count: bumped when the node is rescinded; keys carrying an older
 * count are void. call_count: the same for resume keys to the domain the
 * node roots (the KeyKOS "call count"). An all-zero pot is seven freshly
 * manufactured nodes: both counts 0, every slot a void key. The formatter
 * relies on that to create the node pool without writing it.
 *
 * Freestanding: only <stdint.h>, <stddef.h> and the other cairn headers.
 */
#ifndef CAIRN_DISK_NODE_H
#define CAIRN_DISK_NODE_H

#include <stddef.h>
#include <stdint.h>

#include "cairn/endian.h"
#include "cairn/key.h"

#define CAIRN_NODE_SLOTS           32u
#define CAIRN_NODE_HEADER_SIZE     16u
#define CAIRN_NODE_OFF_ALLOC_COUNT 0u
#define CAIRN_NODE_OFF_CALL_COUNT  4u
#define CAIRN_NODE_OFF_FLAGS       8u
#define CAIRN_NODE_OFF_RESERVED    12u
#define CAIRN_NODE_OFF_SLOTS       CAIRN_NODE_HEADER_SIZE
#define CAIRN_NODE_SIZE            (CAIRN_NODE_HEADER_SIZE + CAIRN_NODE_SLOTS * CAIRN_KEY_SIZE)
#define CAIRN_NODES_PER_POT        7u
#define CAIRN_NODE_POT_USED        (CAIRN_NODES_PER_POT * CAIRN_NODE_SIZE)
#define CAIRN_NODE_POT_SIZE        4096u /* one volume block */

_Static_assert(CAIRN_NODE_OFF_RESERVED + 4 == CAIRN_NODE_HEADER_SIZE, "16-byte node header");
_Static_assert(CAIRN_NODE_SIZE == 528, "node entry is 528 bytes");
_Static_assert(CAIRN_NODE_POT_USED == 3696, "7 nodes use bytes 0..3695 of a pot");
_Static_assert(CAIRN_NODE_POT_USED <= CAIRN_NODE_POT_SIZE, "7 nodes fit in a pot");
_Static_assert((CAIRN_NODES_PER_POT + 1) * CAIRN_NODE_SIZE > CAIRN_NODE_POT_SIZE,
	       "7 is the most nodes a pot can hold");

/* Which pot of the node pool, and which entry of that pot, holds a node.
 * (cairn_node_pot_block() in volume.h adds the pool's first block.) */
static inline uint64_t cairn_node_pot_number(uint64_t node_oid)
{
	return node_oid / CAIRN_NODES_PER_POT;
}

static inline size_t cairn_node_pot_offset(uint64_t node_oid)
{
	return (size_t)(node_oid % CAIRN_NODES_PER_POT) * CAIRN_NODE_SIZE;
}

/* The node at entry i (< 7) of a pot. */
static inline uint8_t *cairn_pot_node(uint8_t *pot, unsigned i)
{
	return pot + (size_t)i * CAIRN_NODE_SIZE;
}

static inline const uint8_t *cairn_pot_node_const(const uint8_t *pot, unsigned i)
{
	return pot + (size_t)i * CAIRN_NODE_SIZE;
}

/* Key slot s (< 32) of a node. */
static inline uint8_t *cairn_node_slot(uint8_t *node, unsigned s)
{
	return node + CAIRN_NODE_OFF_SLOTS + (size_t)s * CAIRN_KEY_SIZE;
}

static inline const uint8_t *cairn_node_slot_const(const uint8_t *node, unsigned s)
{
	return node + CAIRN_NODE_OFF_SLOTS + (size_t)s * CAIRN_KEY_SIZE;
}

static inline uint32_t cairn_node_alloc_count(const uint8_t *node)
{
	return cairn_get_le32(node + CAIRN_NODE_OFF_ALLOC_COUNT);
}

static inline void cairn_node_set_alloc_count(uint8_t *node, uint32_t v)
{
	cairn_put_le32(node + CAIRN_NODE_OFF_ALLOC_COUNT, v);
}

static inline uint32_t cairn_node_call_count(const uint8_t *node)
{
	return cairn_get_le32(node + CAIRN_NODE_OFF_CALL_COUNT);
}

static inline void cairn_node_set_call_count(uint8_t *node, uint32_t v)
{
	cairn_put_le32(node + CAIRN_NODE_OFF_CALL_COUNT, v);
}

static inline uint32_t cairn_node_flags(const uint8_t *node)
{
	return cairn_get_le32(node + CAIRN_NODE_OFF_FLAGS);
}

static inline void cairn_node_set_flags(uint8_t *node, uint32_t v)
{
	cairn_put_le32(node + CAIRN_NODE_OFF_FLAGS, v);
}

#endif /* CAIRN_DISK_NODE_H */
