/* SPDX-License-Identifier: MIT */
/*
 * The invocation path: from a domain's ecall to the reply.
 *
 * NO STEP BEFORE kctx_commit() MAY MODIFY ANYTHING A DOMAIN CAN OBSERVE.
 * The invocation may be abandoned at any point before it (an object not in
 * memory, no log space, a busy callee) and restarts from the ecall, which
 * is why the invoker's pc only moves past the ecall at commit.
 *
 * The invoked key's type picks its prepare function from the key table
 * (the `prepare` column of CAIRN_KEY_TYPES, cairn/keytab.h).
 * Kernel keys: the prepare function (kobj_*.c) fills a kop; then the reply
 * to the invoker is prepared (for a CALL), the commit point passes, the
 * kop's commit runs and the reply is delivered.
 * Domain keys (start, resume): invoke_domain_key below, which never
 * returns.
 * Before all of this, ipc_fast_path (inv/ipc_fast.h) takes the common case, a call
 * or return that carries words and keys but no string between two cached
 * domains, and does
 * the same thing in a few hundred instructions; when it does not apply it
 * returns having changed nothing.
 */
#include <string.h>
#include "inv/invoke.h"
#include "inv/ipc.h"
#include "dom/proc.h"
#include "dom/act.h"
#include "dom/kctx.h"
#include "dom/park.h"
#include "dom/sched.h"
#include "dom/aspace.h"
#include "mem/objcache.h"
#include "hw/riscv.h"
#include "hw/log.h"
#include "hw/panic.h"

void invoke_send_key(const struct invocation *inv, unsigned i, struct key *out)
{
	key_copy_checked(out, invoke_cap(inv->p, cairn_slots_send(inv->slots, i)));
}

/* --- the end of every invocation ------------------------------------ */

/* After commit: the invoker continues, becomes available, or waits. */
static __attribute__((noreturn)) void finish_invoker(struct invocation *inv)
{
	struct proc *p = inv->p;
	struct activity *a = inv->act;
	if (inv->op == CAIRN_SYS_RETURN) {
		p->run_state = CAIRN_DOM_AVAILABLE;
		p->dirty = true;
		act_free(a);
		p->next_caller = act_wake_next_caller(p->root_oid);
		sched_run();
	}
	sched_resume(a, p);
}

/* A kernel key's operation takes effect (commit phase). The invoker's pc
 * moves past the ecall first: an operation on the invoker itself (DOMAIN
 * SET_REG of its own pc) must have the last word. */
static inline void kop_take_effect(struct proc *p, struct kop *op)
{
	p->tf.sepc += 4;
	p->dirty = true;
	if (op->commit)
		op->commit(op);
}

/* A kernel key's reply to a CALL that carries no string: words and keys
 * straight into the invoker's registers and capability node, which
 * ipc_prepare_delivery and ipc_commit_delivery would do in more steps. */
static __attribute__((noreturn)) void kernel_reply_words(struct invocation *inv, struct kop *op)
{
	struct proc *p = inv->p;
	uint64_t slots = p->tf.regs[REG_A0];
	bool store = (slots & IPC_SLOTS_RECV_MASK) && p->caps;
	if (store)
		ipc_caps_prepare_write(p);

	kctx_commit(); /* ---- nothing below may fail, fault or wait ---- */
	kop_take_effect(p, op);
	if (store) {
		for (unsigned i = 0; i < CAIRN_MAX_KEYS; i++) {
			unsigned s = cairn_slots_recv(slots, i);
			if (s != 0)
				p->caps->slot[s] = op->reply.keys[i];
		}
	}
	p->tf.regs[REG_A0] = 0; /* no badge, not truncated, not a call */
	p->tf.regs[REG_A1] = op->reply.code;
	for (int i = 0; i < 4; i++)
		p->tf.regs[REG_A2 + i] = op->reply.w[i];
	p->tf.regs[REG_A6] = 0; /* no string */
	finish_invoker(inv);
}

/* The domain a RETURN on a kernel key hands the reply to: the one the
 * resume key in send register k3 names, if that key is valid, not a
 * fault keeper's restart key, and its domain waits for it (the key's call
 * count matches, so it does). NULL: the reply is dropped, as a RETURN on a
 * kernel key always did. Prepare phase, after the operation's own prepare
 * (which may have released cached domains). */
static struct proc *onward_receiver(struct invocation *inv, const struct kop *op)
{
	if (!op->reply_onward_ok)
		return NULL;
	const struct key *rk = invoke_cap(inv->p, cairn_slots_send(inv->slots, CAIRN_MAX_KEYS - 1));
	if (key_type(rk) != CAIRN_KEY_RESUME || (key_rights(rk) & CAIRN_RIGHT_FAULT))
		return NULL;
	/* A cached domain's root is resident (proc.h): its call count is
	 * read in place, as the fast path does; else the key is checked
	 * and the domain loaded. */
	struct proc *t = proc_lookup(key_oid(rk));
	if (t) {
		if (key_count(rk) != t->root->call_count)
			return NULL;
		t->last_use = kctx_stamp; /* kept cached for this entry */
	} else if (key_check(rk) != CAIRN_KEY_RESUME || proc_get(key_oid(rk), &t) != PROC_OK) {
		return NULL;
	}
	if (t == inv->p || t->run_state != CAIRN_DOM_WAITING)
		return NULL;
	return t;
}

/*
 * A RETURN on a kernel key whose reply goes on to the domain the resume key
 * in k3 names (KeyKOS's reply key): the operation runs, the invoker
 * becomes available, and the waiting domain receives the kernel's reply
 * exactly as if the invoker had CALLed the key and RETURNed the answer
 * through the resume key, in one kernel pass instead of two. The space
 * bank answers a one-object BUY with RANGE MAKE_KEY this way, and a
 * one-page SELL with RANGE RESCIND (docs/bank.md). Only operations whose
 * commit changes no node may (kop.reply_onward_ok).
 */
static __attribute__((noreturn)) void kernel_reply_onward(struct invocation *inv, struct kop *op,
							  struct proc *t)
{
	struct proc *p = inv->p;
	struct msg m; /* field by field: an initializer would clear the rest */
	m.order = op->reply.code;
	for (int i = 0; i < 4; i++)
		m.w[i] = op->reply.w[i];
	m.info = 0; /* through a resume key: no badge */
	m.ustr = NULL;
	m.kstr = op->reply.str;
	m.len = op->reply.len;
	m.keys = op->reply.keys;
	m.has_resume = false;
	struct delivery d;
	ipc_prepare_delivery(t, &m, &d);
	if (!(t->root_pot->obj_flags & OBJF_DIRTY))
		node_prepare_write(t->root_oid); /* its call count changes */

	kctx_commit(); /* ---- nothing below may fail, fault or wait ---- */
	kop_take_effect(p, op);
	node_consume_resume_bytes((uint8_t *)node_at(t->root_oid)); /* every resume key dies */
	ipc_commit_delivery(&m, &d);
	t->run_state = CAIRN_DOM_RUNNING;
	t->fault_code = 0;
	t->dirty = true;
	p->run_state = CAIRN_DOM_AVAILABLE;
	p->next_caller = act_wake_next_caller(p->root_oid);
	sched_transfer(inv->act, t);
}

/* Reply from the kernel itself (errors, kernel keys). */
static __attribute__((noreturn)) void kernel_reply(struct invocation *inv, struct kop *op)
{
	struct proc *p = inv->p;
	if (inv->op == CAIRN_SYS_CALL && op->reply.len == 0)
		kernel_reply_words(inv, op);
	if (inv->op == CAIRN_SYS_RETURN) {
		struct proc *t = onward_receiver(inv, op);
		if (t)
			kernel_reply_onward(inv, op, t);
	}
	struct msg m = { .order = op->reply.code,
			 .w = { op->reply.w[0], op->reply.w[1], op->reply.w[2], op->reply.w[3] },
			 .kstr = op->reply.str,
			 .len = op->reply.len,
			 .keys = op->reply.keys };
	struct delivery d;
	bool reply = inv->op == CAIRN_SYS_CALL;
	if (reply)
		ipc_prepare_delivery(p, &m, &d);

	kctx_commit(); /* ---- nothing below may fail, fault or wait ---- */
	kop_take_effect(p, op);
	if (reply)
		ipc_commit_delivery(&m, &d);
	else if (inv->op == CAIRN_SYS_SEND)
		p->tf.regs[REG_A1] = op->reply.code;
	finish_invoker(inv);
}

/* A kop with nothing to commit and an empty reply: code OK, no words, no
 * string, void keys, zero arguments. Every field but the user string is
 * cleared field by field (a memset of the whole kop, string and all, cost
 * about 90 instructions a call); op->ustr is set by ustring_resolve in the
 * prepare functions that use it and read by nothing else. */
static inline void kop_init(struct kop *op)
{
	op->commit = NULL;
	op->reply_onward_ok = false;
	op->oid = 0;
	for (int i = 0; i < 4; i++)
		op->arg[i] = 0;
	key_set_words(&op->key, 0, 0);
	op->proc = NULL;
	op->nobjs = 0; /* objs[] up to nobjs only */
	op->reply.code = CAIRN_OK;
	for (int i = 0; i < 4; i++)
		op->reply.w[i] = 0;
	op->reply.str = NULL;
	op->reply.len = 0;
	for (unsigned i = 0; i < CAIRN_MAX_KEYS; i++)
		key_set_words(&op->reply.keys[i], 0, 0);
}

static __attribute__((noreturn)) void error_reply(struct invocation *inv, uint64_t code)
{
	struct kop op;
	kop_init(&op);
	op.reply.code = code;
	kernel_reply(inv, &op);
}

/* --- keys invoke.c answers itself ------------------------------------ */

void invoke_void(struct invocation *inv, struct kop *op)
{
	(void)inv;
	op->reply.code = CAIRN_VOID;
}

/* Start and resume keys: the message goes to the domain. */
__attribute__((noreturn)) void invoke_domain_key(struct invocation *inv, struct kop *op)
{
	(void)op;
	struct proc *p = inv->p;
	uint64_t target_oid = key_oid(&inv->target);
	bool resume = inv->target_type == CAIRN_KEY_RESUME;

	struct proc *t;
	if (proc_get(target_oid, &t) != PROC_OK)
		error_reply(inv, CAIRN_VOID);
	if (resume) {
		if (t->run_state != CAIRN_DOM_WAITING)
			error_reply(inv, CAIRN_VOID); /* cannot happen: counts match */
	} else if (t->run_state == CAIRN_DOM_HALTED) {
		error_reply(inv, CAIRN_HALTED);
	} else if (t->run_state != CAIRN_DOM_AVAILABLE) {
		/* Busy (or the invoker itself): wait until it is available,
		 * then retry the whole invocation. */
		park_stall(target_oid);
	} else if (!resume && proc_handed_to_other(t, inv->act)) {
		/* Available, but handed to a caller that waited: let it in
		 * first (dom/proc.h, next_caller), and try again after it. */
		park_on(ACT_READY, &run_queue);
	}

	/* The message. */
	struct ustring ustr;
	uint64_t st = ustring_resolve(p, inv->str_va, inv->str_len, &ustr);
	if (st != CAIRN_OK)
		error_reply(inv, st);
	struct key keys[CAIRN_MAX_KEYS];
	for (unsigned i = 0; i < CAIRN_MAX_KEYS; i++)
		invoke_send_key(inv, i, &keys[i]);
	struct msg m = {
		.order = inv->order,
		.w = { inv->w[0], inv->w[1], inv->w[2], inv->w[3] },
		.info = resume ? 0 : key_start_badge(&inv->target),
		.ustr = &ustr,
		.len = inv->str_len,
		.keys = keys,
	};
	if (inv->op == CAIRN_SYS_CALL) {
		m.has_resume = true;
		ipc_make_resume_key(p, false, &m.resume);
	}
	bool restart_only = resume && (key_rights(&inv->target) & CAIRN_RIGHT_FAULT);
	struct delivery d;
	if (!restart_only)
		ipc_prepare_delivery(t, &m, &d);
	if (resume)
		node_prepare_write(target_oid); /* its call count changes */
	if (inv->op == CAIRN_SYS_SEND && !act_can_start(target_oid))
		error_reply(inv, CAIRN_NO_ACTIVITY); /* may grow the table, may park */

	kctx_commit(); /* ---- nothing below may fail, fault or wait ---- */
	if (resume)
		/* every resume key dies */
		node_consume_resume_bytes((uint8_t *)node_at(target_oid));
	if (!restart_only)
		ipc_commit_delivery(&m, &d);
	t->run_state = CAIRN_DOM_RUNNING;
	t->fault_code = 0;
	t->dirty = true;
	p->tf.sepc += 4;
	p->dirty = true;
	struct activity *a = inv->act;
	switch (inv->op) {
	case CAIRN_SYS_CALL:
		p->run_state = CAIRN_DOM_WAITING;
		sched_transfer(a, t);
		break;
	case CAIRN_SYS_RETURN:
		p->run_state = CAIRN_DOM_AVAILABLE;
		p->next_caller = act_wake_next_caller(p->root_oid);
		sched_transfer(a, t);
		break;
	default: /* SEND */
		p->tf.regs[REG_A1] = CAIRN_OK;
		act_start(target_oid, t);
		sched_resume(a, p);
	}
}

/* --- the entry ------------------------------------------------------ */

/* The prepare column of the key table, indexed by type. key_check() gives
 * a type below CAIRN_KEY_TYPE_COUNT (VOID for one the kernel does not
 * know), so the index is always in range. */
static kobj_prepare_fn *const kobj_prepare[CAIRN_KEY_TYPE_COUNT] = {
#define CAIRN_X(name, code, object, weak, prepare, word, desc) [code] = prepare,
	CAIRN_KEY_TYPES(CAIRN_X)
#undef CAIRN_X
};

void invoke_general(struct activity *a, struct proc *p)
{
	struct invocation inv; /* every field is set below */
	inv.act = a;
	inv.p = p;
	uint64_t a7 = p->tf.regs[REG_A7];
	inv.op = (unsigned)(a7 & 0xff);
	inv.str_len = (uint32_t)((a7 >> 16) & 0xffff);
	inv.slots = p->tf.regs[REG_A0];
	inv.order = p->tf.regs[REG_A1];
	for (int i = 0; i < 4; i++)
		inv.w[i] = p->tf.regs[REG_A2 + i];
	inv.str_va = p->tf.regs[REG_A6];
	inv.target = key_void;
	inv.target_type = CAIRN_KEY_VOID;
	if (inv.op != CAIRN_SYS_CALL && inv.op != CAIRN_SYS_RETURN && inv.op != CAIRN_SYS_SEND) {
		inv.op = CAIRN_SYS_CALL; /* reply with the error */
		error_reply(&inv, CAIRN_BAD_SYSCALL);
	}
	inv.target = *invoke_cap(p, cairn_slots_target(inv.slots));
	inv.target_type = key_check(&inv.target);

	struct kop op;
	kop_init(&op);
	kobj_prepare[inv.target_type](&inv, &op);
	kernel_reply(&inv, &op);
}
