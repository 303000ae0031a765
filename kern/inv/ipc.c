/* SPDX-License-Identifier: MIT */
/*
 * Message delivery (see ipc.h). The fast path for call and return between
 * domains is inv/ipc_fast.h.
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
