/* SPDX-License-Identifier: MIT */
/*
 * Domain keys: full authority over a domain. The operations work on the
 * process cache's copy of the domain's state (proc.h), so they see and
 * change exactly what the domain itself would. A domain holding its own
 * domain key may use it; the reply then overwrites a0..a6 as always.
 */
#include <cairn/abi.h>
#include "inv/invoke.h"
#include "dom/proc.h"
#include "dom/act.h"
#include "dom/kctx.h"
#include "dom/aspace.h"
#include "mem/node.h"

static void set_reg_commit(struct kop *op)
{
	proc_set_reg(op->proc, (unsigned)op->arg[0], op->arg[1]);
}

static void swap_slot_commit(struct kop *op)
{
	node_at(op->proc->root_oid)->slot[op->arg[0]] = op->key;
	if (op->arg[0] == CAIRN_DOM_SLOT_SPACE)
		proc_drop_tables(op->proc); /* a new address space */
}

static void swap_cap_commit(struct kop *op)
{
	node_at(op->proc->caps_oid)->slot[op->arg[0]] = op->key;
}

static void start_commit(struct kop *op)
{
	struct proc *t = op->proc;
	t->run_state = CAIRN_DOM_RUNNING;
	t->fault_code = 0;
	t->fault_addr = 0;
	if (op->arg[0] != UINT64_MAX)
		t->tf.sepc = op->arg[0];
	t->dirty = true;
	act_start(t->root_oid, t);
}

void kobj_domain(struct invocation *inv, struct kop *op)
{
	struct proc *t;
	if (proc_get(key_oid(&inv->target), &t) != PROC_OK) {
		op->reply.code = CAIRN_NOT_DOMAIN; /* the node is not (any more) a domain */
		return;
	}
	op->proc = t;
	uint64_t w0 = inv->w[0];
	switch (inv->order) {
	case CAIRN_OC_DOMAIN_GET_REG:
		if (!proc_get_reg(t, (unsigned)(w0 > 255 ? 255 : w0), &op->reply.w[0]))
			op->reply.code = CAIRN_BAD_ARGUMENT;
		return;
	case CAIRN_OC_DOMAIN_SET_REG:
		if (w0 > CAIRN_REG_FCSR || (w0 >= 32 && t->fprs_oid == OID_NONE)) {
			op->reply.code = CAIRN_BAD_ARGUMENT;
			return;
		}
		op->arg[0] = w0;
		op->arg[1] = inv->w[1];
		op->commit = set_reg_commit;
		return;
	case CAIRN_OC_DOMAIN_GET_SLOT:
		if (w0 >= CAIRN_NODE_SLOTS) {
			op->reply.code = CAIRN_BAD_SLOT;
			return;
		}
		key_copy_checked(&op->reply.keys[0], &node_at(t->root_oid)->slot[w0]);
		return;
	case CAIRN_OC_DOMAIN_SWAP_SLOT:
		if (w0 != CAIRN_DOM_SLOT_SPACE && w0 != CAIRN_DOM_SLOT_KEEPER) {
			op->reply.code = CAIRN_BAD_SLOT;
			return;
		}
		node_prepare_write(t->root_oid);
		aspace_node_changing(t->root_oid);
		key_copy_checked(&op->reply.keys[0], &node_at(t->root_oid)->slot[w0]);
		invoke_send_key(inv, 0, &op->key);
		op->arg[0] = w0;
		op->commit = swap_slot_commit;
		return;
	case CAIRN_OC_DOMAIN_GET_CAP:
		if (w0 >= CAIRN_CAP_REGS) {
			op->reply.code = CAIRN_BAD_SLOT;
			return;
		}
		key_copy_checked(&op->reply.keys[0], invoke_cap(t, (unsigned)w0));
		return;
	case CAIRN_OC_DOMAIN_SWAP_CAP:
		if (w0 == 0 || w0 >= CAIRN_CAP_REGS || t->caps_oid == OID_NONE) {
			op->reply.code = CAIRN_BAD_SLOT;
			return;
		}
		node_prepare_write(t->caps_oid);
		aspace_node_changing(t->caps_oid);
		key_copy_checked(&op->reply.keys[0], &node_at(t->caps_oid)->slot[w0]);
		invoke_send_key(inv, 0, &op->key);
		op->arg[0] = w0;
		op->commit = swap_cap_commit;
		return;
	case CAIRN_OC_DOMAIN_MAKE_START:
		if (w0 > CAIRN_START_BADGE_MAX) {
			op->reply.code = CAIRN_BAD_ARGUMENT;
			return;
		}
		key_make_object(op->reply.keys[0].b, CAIRN_KEY_START, t->root_oid,
				node_at(t->root_oid)->alloc_count, 0, 0);
		cairn_key_set_start_badge(op->reply.keys[0].b, w0);
		return;
	case CAIRN_OC_DOMAIN_IDENTIFY: {
		/* KeyKOS's "identify": is k0 a start key to this domain? Read
		 * from the key alone, without invoking it, so a server can tell
		 * its own keys from an impostor's that speaks its protocol. */
		struct key k;
		invoke_send_key(inv, 0, &k); /* void if invalid (rescinded) */
		bool mine = key_type(&k) == CAIRN_KEY_START && key_oid(&k) == t->root_oid;
		op->reply.w[0] = mine;
		op->reply.w[1] = mine ? key_start_badge(&k) : 0;
		return;
	}
	case CAIRN_OC_DOMAIN_GET_STATE:
		op->reply.w[0] = t->run_state;
		op->reply.w[1] = t->fault_code;
		op->reply.w[2] = t->fault_addr;
		op->reply.w[3] = t->tf.sepc;
		return;
	case CAIRN_OC_DOMAIN_START: {
		if (t->run_state != CAIRN_DOM_HALTED) {
			op->reply.code = CAIRN_BAD_ARGUMENT;
			return;
		}
		if (!act_can_start(t->root_oid)) { /* may grow the table, may park */
			op->reply.code = CAIRN_NO_ACTIVITY;
			return;
		}
		op->arg[0] = w0;
		op->commit = start_commit;
		return;
	}
	default:
		op->reply.code = CAIRN_BAD_ORDER;
	}
}
