/* SPDX-License-Identifier: MIT */
/*
 * Entries from U-mode: what the kernel does first when a domain traps
 * (trap.c sorts the cause). Each entry begins a kernel operation for the
 * running activity (kctx_begin(), dom/kctx.h) and is a safe point for
 * demarcation: the domain's registers are all in its proc entry and no
 * operation has started (docs/checkpoint.md, "demarcation").
 */
#include "entry/uentry.h"
#include "entry/trap.h"
#include "dom/act.h"
#include "dom/kctx.h"
#include "dom/proc.h"
#include "dom/sched.h"
#include "inv/invoke.h"
#include "inv/ipc_fast.h"
#include "inv/fault.h"
#include "ckpt/ckpt.h"
#include "hw/panic.h"

/* An operation begins for the running activity; its domain's registers
 * are newer than its nodes. Makes no calls (kassert's panic aside), so
 * that the ecall entry's fast path has none. */
__attribute__((always_inline)) static inline struct activity *begin_op(struct trap_frame *tf,
								       struct proc **pp)
{
	struct activity *a = sched_current;
	kassert(a != NULL && a->proc != NULL && &a->proc->tf == tf);
	kctx_begin(a);
	/* The domain ran: its registers in the proc entry are newer than its
	 * nodes (a checkpoint must write them back even if nothing else
	 * marked the entry). */
	a->proc->dirty = true;
	*pp = a->proc;
	return a;
}

__attribute__((always_inline)) static inline struct activity *begin(struct trap_frame *tf,
								    struct proc **pp)
{
	struct activity *a = begin_op(tf, pp);
	ckpt_safe_point();
	return a;
}

void uentry_interrupt(struct trap_frame *tf)
{
	struct proc *p;
	struct activity *a = begin(tf, &p);
	sched_preempt_or_resume(a, p);
}

/* An ecall that needs a call on its way: a demarcation first, then the
 * fast path with every branch (keys sent, a node to dirty, tables to
 * build, a stalled caller to wake) if the message has its shape, or else
 * the general path. */
static __attribute__((noinline, noreturn)) void ecall_with_calls(struct activity *a, struct proc *p,
								 bool fast_shape)
{
	ckpt_safe_point();
	if (fast_shape)
		ipc_fast_path(a, p, false); /* returns only if it does not apply */
	invoke_general(a, p);
}

/*
 * The ecall entry (trap.S calls it directly). Its first try is the fast
 * path's copy that makes no calls, which returns, with nothing changed,
 * whenever the message needs one; so this function has nothing live
 * across a call and a CALL or RETURN between cached domains pays for no
 * stack frame beyond it (docs/benchmarks.md "Where the round trip goes").
 * A demarcation that is due comes first, as at every safe point.
 */
void uentry_ecall(struct trap_frame *tf)
{
	struct proc *p;
	struct activity *a = begin_op(tf, &p);
	unsigned op;
	const struct key *k = ipc_fast_shape(p, &op);
	if (k && !ckpt_wanted)
		ipc_fast_path_key(a, p, k, op, true);
	ecall_with_calls(a, p, k != NULL);
}

void uentry_exception(struct trap_frame *tf)
{
	struct proc *p;
	struct activity *a = begin(tf, &p);
	fault_user_exception(a, p);
}
