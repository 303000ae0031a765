/* SPDX-License-Identifier: MIT */
/*
 * The IPC fast path, as inline functions: entry/uentry.c expands it into
 * the ecall entry itself, so that a CALL or RETURN between two cached
 * domains runs from the trap vector to sret in one kernel function, with
 * no calls and one stack frame (docs/benchmarks.md "Where the round trip
 * goes"). It keeps invariant 1 of docs/design.md (prepare, then commit,
 * then act) as the general path does: every check before kctx_commit(),
 * and a check that fails returns with nothing changed, to the general
 * path (inv/invoke.c invoke_general), which takes the invocation from the
 * beginning. Only uentry.c includes this file.
 */
#ifndef CAIRN_KERN_IPC_FAST_H
#define CAIRN_KERN_IPC_FAST_H

#include <cairn/abi.h>
#include "inv/ipc.h"
#include "inv/invoke.h"
#include "key/key.h"
#include "dom/act.h"
#include "dom/kctx.h"
#include "dom/proc.h"
#include "dom/sched.h"
#include "mem/node.h"

/*
 * A CALL or RETURN through a start or resume key that sends words and keys
 * but no string to a domain that is cached and ready to take it: the shape
 * of almost every message between a client and a server. It does what
 * invoke.c's invoke_domain_key and ipc.c's delivery do for such a
 * message, without their generality: no struct is cleared and no page
 * table is walked for either domain, because both domains' root and
 * capability nodes sit in pots the process cache holds resident (proc.h),
 * so they are read in place and their frames are at hand. A sent key is
 * checked as the general path checks it (key_copy_checked: a stale key
 * arrives void), which pins its object's node or tag pot.
 *
 * Prepare-then-commit as everywhere: every check comes before
 * kctx_commit() and changes nothing but dirtiness (obj_prepare_write, the
 * one side effect prepare may have, done through node_prepare_write so
 * that the checkpointer sees it). Any check that fails returns, and the
 * general path takes the invocation from the beginning and gives the
 * answer (VOID, HALTED, a stall on a busy server, a fault keeper's
 * restart, ...). After commit the caller's activity goes to the receiver
 * through sched_transfer_inline(), as for every domain that runs (its registers
 * reach its nodes at the next demarcation's write-back).
 */

__attribute__((always_inline)) static inline void
ipc_fast_path_key(struct activity *a, struct proc *p, const struct key *k, unsigned op,
		  const bool no_calls)
{
	/* Keys sent are checked by calls (key_copy_checked): the copy without
	 * calls leaves them to the other copy before it reads anything. */
	uint64_t sslots = p->tf.regs[REG_A0];
	bool sends = sslots & IPC_SLOTS_SEND_MASK;
	if (sends && no_calls)
		return;
	uint64_t kw0 = key_word(k, 0);
	bool resume = (uint8_t)kw0 == CAIRN_KEY_RESUME;

	/* The receiver: cached (so its root is resident), the key valid
	 * against its root's counts, and waiting for this kind of message. */
	uint64_t t_oid = key_oid(k);
	struct proc *t = proc_lookup(t_oid);
	if (!t || t->act)
		return;
	struct knode *t_root = t->root;
	if ((uint32_t)(kw0 >> 32) != (resume ? t_root->call_count : t_root->alloc_count))
		return;
	if (t->run_state != (resume ? CAIRN_DOM_WAITING : CAIRN_DOM_AVAILABLE))
		return;
	if (!resume && proc_handed_to_other(t, a))
		return; /* the general path lets the waiting caller in first */
	uint64_t info = resume ? 0 : key_start_badge(k); /* a start key's 48-bit badge */
	if (op == CAIRN_SYS_CALL)
		info |= CAIRN_INFO_CALL;

	/* The keys sent, checked (invoke_send_key; may fault, still prepare). */
	struct key sent[CAIRN_MAX_KEYS];
	if (sends) {
		for (unsigned i = 0; i < CAIRN_MAX_KEYS; i++) {
			unsigned s = cairn_slots_send(sslots, i);
			if (s == 0)
				key_set_words(&sent[i], 0, 0);
			else
				key_copy_checked(&sent[i], invoke_cap(p, s));
		}
	}

	/* Its receive registers get the keys (void ones if none is sent) and,
	 * for a CALL, the resume key. */
	uint64_t rslots = t->tf.regs[REG_A0];
	unsigned rs = op == CAIRN_SYS_CALL ? cairn_slots_resume(rslots) : 0;
	bool store = ((rslots & IPC_SLOTS_RECV_MASK) || rs) && t->caps_pot;
	if (store) {
		if (t->caps_pot->obj_flags & OBJF_ASPACE_NODE(node_pot_slot(t->caps_oid)))
			return; /* walked as a space: the general path drops tables */
		if (no_calls && !(t->caps_pot->obj_flags & OBJF_DIRTY))
			return;
		held_prepare_write(t->caps_pot, t->caps_oid);
	}
	if (resume && no_calls && !(t->root_pot->obj_flags & OBJF_DIRTY))
		return;
	if (resume)
		held_prepare_write(t->root_pot, t_oid); /* its call count changes */
	if (no_calls && !sched_resume_needs_no_calls(t, op == CAIRN_SYS_RETURN))
		return;
	t->last_use = kctx_stamp;

	kctx_commit(); /* ---- nothing below may fail, fault or wait ---- */
	if (resume)
		t_root->call_count++; /* node_consume_resume_bytes: every resume key dies */
	if (store) {
		struct knode *caps = t->caps;
		for (unsigned i = 0; (rslots & IPC_SLOTS_RECV_MASK) && i < CAIRN_MAX_KEYS; i++) {
			unsigned s = cairn_slots_recv(rslots, i);
			if (s == 0)
				continue;
			if (sends)
				caps->slot[s] = sent[i];
			else
				key_set_words(&caps->slot[s], 0, 0); /* void */
		}
		if (rs != 0) /* ipc_make_resume_key(p, false, ...) */
			key_set_words(&caps->slot[rs],
				      key_word0(CAIRN_KEY_RESUME, 0, 0, p->root->call_count),
				      p->root_oid);
	}
	t->tf.regs[REG_A0] = info;
	for (int i = REG_A1; i <= REG_A5; i++)
		t->tf.regs[i] = p->tf.regs[i]; /* order and the four words */
	t->tf.regs[REG_A6] = 0;                /* no string */
	t->run_state = CAIRN_DOM_RUNNING;
	t->fault_code = 0;
	t->dirty = true;
	p->tf.sepc += 4;
	p->dirty = true;
	if (op == CAIRN_SYS_CALL) {
		p->run_state = CAIRN_DOM_WAITING;
	} else {
		p->run_state = CAIRN_DOM_AVAILABLE;
		p->next_caller = no_calls ? NULL : act_wake_next_caller(p->root_oid);
	}
	sched_transfer_inline(a, t, no_calls);
}

/*
 * The fast path for the common CALL and RETURN between two cached domains
 * (uentry.c). ipc_fast_path is called first on every ecall; if it applies, it
 * does the whole invocation and never returns. If it returns, nothing has
 * changed and the general path (invoke.c invoke_general) takes the invocation. The cheap
 * checks are inline, so that invoking a kernel key pays only for them:
 * CALL or RETURN, no string (a7 bits 16..31), and the invoked capability
 * register holds a start key or a resume key without the FAULT right. Keys
 * may be sent (the bank's BUY reply and SELL call carry one each).
 */
/* The invoked key, if the ecall has the fast path's shape (above), or
 * NULL; *op is the operation. Reads only p's registers in place. */
__attribute__((always_inline)) static inline const struct key *ipc_fast_shape(struct proc *p,
									      unsigned *op)
{
	uint64_t a7 = p->tf.regs[REG_A7];
	uint64_t slots = p->tf.regs[REG_A0];
	*op = (unsigned)(a7 & 0xff);
	unsigned slot = cairn_slots_target(slots);
	if ((*op != CAIRN_SYS_CALL && *op != CAIRN_SYS_RETURN) || (a7 & IPC_A7_STRING_LEN_MASK) ||
	    slot == 0 || !p->caps)
		return NULL;
	const struct key *k = &p->caps->slot[slot];
	uint8_t type = key_type(k);
	if (type == CAIRN_KEY_START ||
	    (type == CAIRN_KEY_RESUME && !(key_rights(k) & CAIRN_RIGHT_FAULT)))
		return k;
	return NULL;
}

/* no_calls: the copy without calls, which returns whenever the message
 * needs one (keys sent, a node to dirty, a resume that would call). */
__attribute__((always_inline)) static inline void ipc_fast_path(struct activity *a, struct proc *p,
								const bool no_calls)
{
	unsigned op;
	const struct key *k = ipc_fast_shape(p, &op);
	if (k)
		ipc_fast_path_key(a, p, k, op, no_calls);
}

#endif
