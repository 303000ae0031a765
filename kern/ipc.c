/* SPDX-License-Identifier: MIT */
/*
 * Message delivery; see ipc.h.
 */
#include <string.h>
#include "ipc.h"
#include "proc.h"
#include "aspace.h"
#include "node.h"
#include "riscv.h"
#include "panic.h"

static uint8_t *user_byte(const struct ustring *s, uint32_t off, uint32_t *left_in_page)
{
	uint64_t va = s->va + off;
	unsigned page = (unsigned)((va >> 12) - (s->va >> 12));
	*left_in_page = (uint32_t)(4096 - (va & 4095));
	return page_at(s->page_oid[page]) + (va & 4095);
}

void ustring_copy_out(const struct ustring *s, uint8_t *dst)
{
	uint32_t off = 0;
	while (off < s->len) {
		uint32_t left;
		const uint8_t *src = user_byte(s, off, &left);
		uint32_t n = s->len - off < left ? s->len - off : left;
		memmove(dst + off, src, n); /* a page may be written from itself */
		off += n;
	}
}

void ipc_prepare_delivery(struct proc *rcv, const struct msg *m, struct delivery *d)
{
	memset(d, 0, sizeof(*d));
	d->rcv = rcv;
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
	if (any && rcv->caps_oid != OID_NONE) {
		node_prepare_write(rcv->caps_oid);
		aspace_node_changing(rcv->caps_oid);
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
			src = user_byte(m->ustr, off, &left);
			if (left < n)
				n = left;
		} else {
			src = m->kstr + off;
		}
		if (n > d->len - off)
			n = d->len - off;
		memmove(dst, src, n);
		off += n;
	}
	/* The keys. */
	uint64_t slots = rcv->tf.regs[REG_A0];
	if (d->store_keys) {
		struct knode *caps = node_at(rcv->caps_oid);
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
