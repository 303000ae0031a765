/* SPDX-License-Identifier: MIT */
/*
 * Range keys: the right to make keys to, and rescind, the objects of a
 * range of OIDs. Only the space bank should hold one (docs/design.md invariant
 * 6). Rescinding bumps the object's allocation count (and a node's call
 * count), so every outstanding key to it turns void, and zeroes it.
 */
#include <string.h>
#include "inv/invoke.h"
#include "dom/proc.h"
#include "dom/aspace.h"
#include "mem/node.h"

static void rescind_node_commit(struct kop *op)
{
	node_rescind_bytes((uint8_t *)node_at(op->oid));
	kobj_node_changed(op->oid); /* a domain rooted here stops; its callers retry */
}

static void rescind_page_commit(struct kop *op)
{
	(*page_tag_at(op->oid))++;
	memset(page_at(op->oid), 0, 4096);
	/* Mappings made through the old keys must go. */
	aspace_unmap_frame(obj_frame(OBJ_PAGE, op->oid));
}

void kobj_range(struct invocation *inv, struct kop *op)
{
	uint64_t first = key_oid(&inv->target);
	uint64_t count = cairn_key_alloc_count(inv->target.b);
	bool pages = key_badge(&inv->target) == CAIRN_RANGE_PAGES;
	uint64_t off = inv->w[0];
	uint64_t oid = first + off;
	op->oid = oid;
	switch (inv->order) {
	case CAIRN_OC_RANGE_INFO:
		op->reply.w[0] = first;
		op->reply.w[1] = count;
		op->reply.w[2] = pages ? CAIRN_RANGE_PAGES : CAIRN_RANGE_NODES;
		return;
	case CAIRN_OC_RANGE_MAKE_KEY:
		if (off >= count) {
			op->reply.code = CAIRN_BAD_ARGUMENT;
			return;
		}
		if (pages) {
			page_tag_pin(oid);
			key_make_object(op->reply.keys[0].b, CAIRN_KEY_PAGE, oid, *page_tag_at(oid),
					0, 0);
		} else {
			node_pin(oid);
			key_make_object(op->reply.keys[0].b, CAIRN_KEY_NODE, oid,
					node_at(oid)->alloc_count, 0, 0);
		}
		return;
	case CAIRN_OC_RANGE_RESCIND:
		if (off >= count) {
			op->reply.code = CAIRN_BAD_ARGUMENT;
			return;
		}
		if (pages) {
			page_tag_prepare_write(oid);
			page_prepare_write(oid);
			op->commit = rescind_page_commit;
		} else {
			uint64_t st = kobj_node_access(inv, oid, true);
			if (st != CAIRN_OK) {
				op->reply.code = st;
				return;
			}
			node_prepare_write(oid);
			aspace_node_changing(oid);
			op->commit = rescind_node_commit;
		}
		return;
	case CAIRN_OC_RANGE_SUB:
		if (off > count || inv->w[1] > count - off) {
			op->reply.code = CAIRN_BAD_ARGUMENT;
			return;
		}
		key_make_range(op->reply.keys[0].b, oid, (uint32_t)inv->w[1],
			       pages ? CAIRN_RANGE_PAGES : CAIRN_RANGE_NODES);
		return;
	case CAIRN_OC_RANGE_IDENTIFY: {
		struct key k;
		invoke_send_key(inv, 0, &k);
		uint8_t t = key_type(&k);
		bool ok = pages ? t == CAIRN_KEY_PAGE
				: (t == CAIRN_KEY_NODE || t == CAIRN_KEY_SPACE ||
				   t == CAIRN_KEY_DOMAIN);
		if (!ok || key_oid(&k) < first || key_oid(&k) - first >= count) {
			op->reply.code = CAIRN_BAD_KEY;
			return;
		}
		op->reply.w[0] = key_oid(&k) - first;
		return;
	}
	default:
		op->reply.code = CAIRN_BAD_ORDER;
	}
}
