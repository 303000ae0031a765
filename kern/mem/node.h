/* SPDX-License-Identifier: MIT */
/*
 * Nodes, page tags and pages as the kernel sees them: addresses in the
 * object pools (objcache.h). Reading through these pointers may fault the
 * object in and abandon the current operation, so they are used in
 * prepare; anything the commit phase touches must have been pinned
 * (node_pin) or prepared for writing (node_prepare_write) first.
 * The on-disk layout is disk-format/include/cairn/node.h; the kernel's
 * struct below is the same bytes (RISC-V is little-endian).
 */
#ifndef CAIRN_KERN_NODE_H
#define CAIRN_KERN_NODE_H

#include <stdint.h>
#include <stdbool.h>
#include <cairn/node.h>
#include <cairn/key.h>
#include <cairn/tag.h>
#include "mem/objcache.h"
#include "dev/volume.h"

/* 8-byte aligned, as every slot of a node is (the node header is 16 bytes,
 * a node 528): key.h reads a key as two words. */
struct key {
	uint8_t b[CAIRN_KEY_SIZE];
} __attribute__((aligned(8)));

struct knode {
	uint32_t alloc_count;
	uint32_t call_count;
	uint32_t flags;
	uint32_t reserved;
	struct key slot[CAIRN_NODE_SLOTS];
};

_Static_assert(sizeof(struct knode) == CAIRN_NODE_SIZE, "kernel node = disk node");
_Static_assert(CAIRN_NODE_SLOTS == 32, "five slot bits everywhere");

#define OID_NONE UINT64_MAX

static inline bool node_oid_ok(uint64_t oid)
{
	return oid < volume_sb.node_count;
}

static inline bool page_oid_ok(uint64_t oid)
{
	return oid < volume_sb.page_count;
}

static inline uint64_t node_pot(uint64_t oid)
{
	return oid / CAIRN_NODES_PER_POT;
}

static inline unsigned node_pot_slot(uint64_t oid)
{
	return (unsigned)(oid % CAIRN_NODES_PER_POT);
}

static inline struct knode *node_at(uint64_t oid)
{
	return (struct knode *)((uint8_t *)obj_va(OBJ_NODEPOT, node_pot(oid)) +
				node_pot_slot(oid) * CAIRN_NODE_SIZE);
}

static inline uint32_t *page_tag_at(uint64_t oid)
{
	return (uint32_t *)TAG_POOL_BASE + oid;
}

static inline uint8_t *page_at(uint64_t oid)
{
	return (uint8_t *)obj_va(OBJ_PAGE, oid);
}

static inline struct frame *node_pin(uint64_t oid)
{
	return obj_pin(OBJ_NODEPOT, node_pot(oid));
}

static inline struct frame *node_prepare_write(uint64_t oid)
{
	return obj_prepare_write(OBJ_NODEPOT, node_pot(oid));
}

static inline struct frame *page_tag_pin(uint64_t oid)
{
	return obj_pin(OBJ_TAGPOT, oid / CAIRN_TAGS_PER_POT);
}

static inline struct frame *page_tag_prepare_write(uint64_t oid)
{
	return obj_prepare_write(OBJ_TAGPOT, oid / CAIRN_TAGS_PER_POT);
}

static inline struct frame *page_pin(uint64_t oid)
{
	return obj_pin(OBJ_PAGE, oid);
}

static inline struct frame *page_prepare_write(uint64_t oid)
{
	return obj_prepare_write(OBJ_PAGE, oid);
}

#endif
