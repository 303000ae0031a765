/* SPDX-License-Identifier: MIT */
/*
 * Node keys and space keys (a space key is a node key with a height, used
 * to map memory; both give the node operations, subject to their rights).
 * RO forbids changing the node; WEAK also weakens every key fetched
 * through it (key_weaken_fetched). Changing a slot of a node that some
 * address space was built from drops the derived page tables.
 */
#include "inv/invoke.h"
#include "dom/proc.h"
#include "dom/aspace.h"
#include "mem/node.h"
#include "dom/act.h"
#include <cairn/abi.h>

uint64_t kobj_node_access(struct invocation *inv, uint64_t oid, bool rescind)
{
	struct proc *p = inv->p;
	if (oid == p->root_oid || oid == p->gprs_oid || oid == p->fprs_oid)
		return CAIRN_SELF;
	/* The invoker's own capability node may be read and changed in place
	 * (the kernel reads it there too), but not rescinded: the invocation
	 * itself still needs it for its reply. */
	if (rescind && oid == p->caps_oid)
		return CAIRN_SELF;
	/* Another domain's state: write it back first. A rescinded node must
	 * also stop serving as any cached domain's capability node. */
	proc_release_node(oid, rescind);
	return CAIRN_OK;
}

void kobj_node_changed(uint64_t oid)
{
	const struct key *st = &node_at(oid)->slot[CAIRN_DOM_SLOT_STATE];
	bool running = key_type(st) == CAIRN_KEY_NUMBER &&
		       (uint8_t)key_number_lo(st->b) == CAIRN_DOM_RUNNING;
	act_root_changed(oid, running);
}

static void swap_commit(struct kop *op)
{
	node_at(op->oid)->slot[op->arg[0]] = op->key;
	kobj_node_changed(op->oid);
}

static void clear_commit(struct kop *op)
{
	struct knode *n = node_at(op->oid);
	for (uint64_t i = op->arg[0]; i < op->arg[0] + op->arg[1]; i++)
		key_make_void(n->slot[i].b);
	kobj_node_changed(op->oid);
}

static void number_commit(struct kop *op)
{
	key_make_number(node_at(op->oid)->slot[op->arg[0]].b, op->arg[1], op->arg[2]);
	kobj_node_changed(op->oid);
}

/* Prepare to change node op->oid. */
static bool prepare_change(struct invocation *inv, struct kop *op)
{
	if (!key_allows_write(inv->target.b)) {
		op->reply.code = CAIRN_NO_RIGHTS;
		return false;
	}
	uint64_t st = kobj_node_access(inv, op->oid, false);
	if (st != CAIRN_OK) {
		op->reply.code = st;
		return false;
	}
	node_prepare_write(op->oid);
	aspace_node_changing(op->oid);
	return true;
}

void kobj_node(struct invocation *inv, struct kop *op)
{
	uint64_t oid = key_oid(&inv->target);
	uint8_t rights = key_rights(&inv->target);
	uint64_t slot = inv->w[0];
	op->oid = oid;
	node_pin(oid);
	struct knode *n = node_at(oid);

	switch (inv->order) {
	case CAIRN_OC_NODE_GET: {
		if (slot >= CAIRN_NODE_SLOTS) {
			op->reply.code = CAIRN_BAD_SLOT;
			return;
		}
		uint64_t st = kobj_node_access(inv, oid, false);
		if (st != CAIRN_OK) {
			op->reply.code = st;
			return;
		}
		key_copy_checked(&op->reply.keys[0], &n->slot[slot]);
		if (rights & CAIRN_RIGHT_WEAK)
			key_weaken_fetched(op->reply.keys[0].b);
		return;
	}
	case CAIRN_OC_NODE_READ_NUMBER: {
		if (slot >= CAIRN_NODE_SLOTS) {
			op->reply.code = CAIRN_BAD_SLOT;
			return;
		}
		uint64_t st = kobj_node_access(inv, oid, false);
		if (st != CAIRN_OK) {
			op->reply.code = st;
			return;
		}
		const struct key *k = &n->slot[slot];
		if (key_type(k) != CAIRN_KEY_NUMBER) {
			op->reply.code = CAIRN_BAD_KEY;
			return;
		}
		op->reply.w[0] = key_number_lo(k->b);
		op->reply.w[1] = key_number_hi(k->b);
		return;
	}
	case CAIRN_OC_NODE_SWAP:
		if (slot >= CAIRN_NODE_SLOTS) {
			op->reply.code = CAIRN_BAD_SLOT;
			return;
		}
		if (!prepare_change(inv, op))
			return;
		key_copy_checked(&op->reply.keys[0], &n->slot[slot]);
		invoke_send_key(inv, 0, &op->key);
		op->arg[0] = slot;
		op->commit = swap_commit;
		return;
	case CAIRN_OC_NODE_CLEAR:
		if (slot >= CAIRN_NODE_SLOTS || inv->w[1] > CAIRN_NODE_SLOTS - slot) {
			op->reply.code = CAIRN_BAD_SLOT;
			return;
		}
		if (!prepare_change(inv, op))
			return;
		op->arg[0] = slot;
		op->arg[1] = inv->w[1];
		op->commit = clear_commit;
		return;
	case CAIRN_OC_NODE_WRITE_NUMBER:
		if (slot >= CAIRN_NODE_SLOTS) {
			op->reply.code = CAIRN_BAD_SLOT;
			return;
		}
		if (inv->w[2] >> 48) {
			op->reply.code = CAIRN_BAD_ARGUMENT;
			return;
		}
		if (!prepare_change(inv, op))
			return;
		op->arg[0] = slot;
		op->arg[1] = inv->w[1];
		op->arg[2] = inv->w[2];
		op->commit = number_commit;
		return;
	case CAIRN_OC_NODE_MAKE_SPACE: {
		uint64_t h = inv->w[0], r = inv->w[1];
		if (!key_allows_write(inv->target.b)) {
			op->reply.code = CAIRN_NO_RIGHTS;
			return;
		}
		if (h < 1 || h > CAIRN_SPACE_MAX_HEIGHT ||
		    (r & ~(uint64_t)(CAIRN_RIGHT_RO | CAIRN_RIGHT_NX | CAIRN_RIGHT_WEAK |
				     CAIRN_RIGHT_KEEPER))) {
			op->reply.code = CAIRN_BAD_ARGUMENT;
			return;
		}
		/* Rights only narrow: a space key keeps what its maker had
		 * (NX, KEEPER; RO and WEAK cannot get here). */
		r |= rights &
		     (CAIRN_RIGHT_RO | CAIRN_RIGHT_NX | CAIRN_RIGHT_WEAK | CAIRN_RIGHT_KEEPER);
		key_make_object(op->reply.keys[0].b, CAIRN_KEY_SPACE, oid, n->alloc_count,
				(uint8_t)r, (uint16_t)h);
		return;
	}
	case CAIRN_OC_NODE_MAKE_DOMAIN:
		if (!key_allows_write(inv->target.b)) {
			op->reply.code = CAIRN_NO_RIGHTS;
			return;
		}
		key_make_object(op->reply.keys[0].b, CAIRN_KEY_DOMAIN, oid, n->alloc_count, 0, 0);
		return;
	case CAIRN_OC_NODE_WEAKEN:
		if (inv->w[0] & ~(uint64_t)(CAIRN_RIGHT_RO | CAIRN_RIGHT_WEAK)) {
			op->reply.code = CAIRN_BAD_ARGUMENT;
			return;
		}
		op->reply.keys[0] = inv->target;
		key_restrict(op->reply.keys[0].b, (uint8_t)inv->w[0]);
		return;
	case CAIRN_OC_SPACE_INFO:
		if (key_type(&inv->target) != CAIRN_KEY_SPACE) {
			op->reply.code = CAIRN_BAD_ORDER;
			return;
		}
		op->reply.w[0] = key_space_height(inv->target.b);
		op->reply.w[1] = rights;
		return;
	default:
		op->reply.code = CAIRN_BAD_ORDER;
	}
}
