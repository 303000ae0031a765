/* SPDX-License-Identifier: MIT */
/*
 * Message delivery (see ipc.h), and the fast path for call and return
 * between domains (the end of this file).
 */
#include <string.h>
#include "inv/ipc.h"
#include "inv/invoke.h"
#include "inv/ustring.h"
#include "dom/proc.h"
#include "dom/act.h"
#include "dom/kctx.h"
#include "dom/sched.h"
#include "dom/aspace.h"
#include "mem/node.h"
#include "hw/riscv.h"
#include "hw/panic.h"

/* Prepare to change node `oid`, whose pot f is held by the process cache.
 * obj_prepare_write does nothing more than pin a block that is already
 * dirty in this epoch, and a held pot needs no pin; otherwise it runs
 * (log space, copy-before-write: it may park, which is still prepare). */
static inline void held_prepare_write(const struct frame *f, uint64_t oid)
{
	if (!(f->obj_flags & OBJF_DIRTY))
		node_prepare_write(oid);
}

/* Prepare to store keys into a cached domain's capability node (its pot is
 * held): no page-table walk for the pin, and the address space's tables
 * are dropped only if the node is part of one (aspace_node_changing). */
void ipc_caps_prepare_write(struct proc *rcv)
{
	if (rcv->caps_pot->obj_flags & OBJF_ASPACE_NODE(node_pot_slot(rcv->caps_oid)))
		aspace_node_changing(rcv->caps_oid);
	held_prepare_write(rcv->caps_pot, rcv->caps_oid);
}

void ipc_prepare_delivery(struct proc *rcv, const struct msg *m, struct delivery *d)
{
	/* Every field is set below; page_oid[] only up to npages. */
	d->rcv = rcv;
	d->truncated = false;
	d->npages = 0;
	d->store_keys = false;
	uint64_t buf = rcv->tf.regs[REG_T0];
	uint64_t max = rcv->tf.regs[REG_T1];
	uint32_t want = m->len;
	if (want > max) {
		want = (uint32_t)max;
		d->truncated = true;
	}
	d->buf_va = buf;
	if (want > 0) {
		/* Resolve the receiver's pages one by one; stop at the first it
		 * cannot write. */
		uint64_t first = buf & ~4095ULL;
		uint64_t end = buf + want;
		if (end < buf || end > USER_VA_TOP) {
			want = 0;
			d->truncated = true;
		}
		for (uint64_t va = first; want > 0 && va < end; va += 4096) {
			struct aspace_walk w;
			if (aspace_lookup(rcv, va < buf ? buf : va, ACCESS_WRITE, &w) != 0) {
				uint64_t ok = va < buf ? 0 : va - buf;
				want = (uint32_t)ok;
				d->truncated = true;
				break;
			}
			d->page_oid[d->npages++] = w.page_oid;
		}
	}
	d->len = want;

	/* Keys: the receive registers and the resume register, if any. */
	uint64_t slots = rcv->tf.regs[REG_A0];
	bool any = m->has_resume && cairn_slots_resume(slots) != 0;
	for (unsigned i = 0; i < CAIRN_MAX_KEYS; i++)
		any |= cairn_slots_recv(slots, i) != 0;
	if (any && rcv->caps) {
		ipc_caps_prepare_write(rcv);
		d->store_keys = true;
	}
}

void ipc_commit_delivery(const struct msg *m, const struct delivery *d)
{
	struct proc *rcv = d->rcv;
	/* The string. */
	uint32_t off = 0;
	while (off < d->len) {
		uint64_t dva = d->buf_va + off;
		unsigned dpage = (unsigned)((dva >> 12) - (d->buf_va >> 12));
		uint8_t *dst = page_at(d->page_oid[dpage]) + (dva & 4095);
		uint32_t n = (uint32_t)(4096 - (dva & 4095));
		const uint8_t *src;
		if (m->ustr) {
			uint32_t left;
			src = ustring_byte(m->ustr, off, &left);
			if (left < n)
				n = left;
		} else {
			src = m->kstr + off;
		}
		if (n > d->len - off)
			n = d->len - off;
		ustring_move(dst, src, n);
		off += n;
	}
	/* The keys. */
	uint64_t slots = rcv->tf.regs[REG_A0];
	if (d->store_keys) {
		struct knode *caps = rcv->caps;
		for (unsigned i = 0; i < CAIRN_MAX_KEYS; i++) {
			unsigned s = cairn_slots_recv(slots, i);
			if (s != 0)
				caps->slot[s] = m->keys[i];
		}
		unsigned rs = cairn_slots_resume(slots);
		if (m->has_resume && rs != 0)
			caps->slot[rs] = m->resume;
	}
	/* The registers. */
	uint64_t info = m->info;
	if (d->truncated)
		info |= CAIRN_INFO_TRUNCATED;
	if (m->has_resume)
		info |= CAIRN_INFO_CALL;
	rcv->tf.regs[REG_A0] = info;
	rcv->tf.regs[REG_A1] = m->order;
	for (int i = 0; i < 4; i++)
		rcv->tf.regs[REG_A2 + i] = m->w[i];
	rcv->tf.regs[REG_A6] = d->len;
	rcv->dirty = true;
}

void ipc_make_resume_key(struct proc *p, bool fault, struct key *out)
{
	const struct knode *root = node_at(p->root_oid); /* pinned while cached */
	key_make_object(out->b, CAIRN_KEY_RESUME, p->root_oid, root->call_count,
			fault ? CAIRN_RIGHT_FAULT : 0, 0);
}

/* --- the fast path ---------------------------------------------------- */

/*
 * A CALL or RETURN through a start or resume key that sends words and keys
 * but no string to a domain that is cached and ready to take it: the shape
 * of almost every message between a client and a server. It does what
 * invoke.c's invoke_domain_key and the delivery above do for such a
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
 * through sched_transfer(), as for every domain that runs (its registers
 * reach its nodes at the next demarcation's write-back).
 */

void ipc_fast_path_key(struct activity *a, struct proc *p, const struct key *k, unsigned op)
{
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
	uint64_t sslots = p->tf.regs[REG_A0];
	bool sends = sslots & IPC_SLOTS_SEND_MASK;
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
		held_prepare_write(t->caps_pot, t->caps_oid);
	}
	if (resume)
		held_prepare_write(t->root_pot, t_oid); /* its call count changes */
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
		p->next_caller = act_wake_next_caller(p->root_oid);
	}
	sched_transfer(a, t);
}
