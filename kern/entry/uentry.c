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
#include "inv/fault.h"
#include "ckpt/ckpt.h"
#include "hw/panic.h"

static struct activity *begin(struct trap_frame *tf, struct proc **pp)
{
	struct activity *a = sched_current;
	kassert(a != NULL && a->proc != NULL && &a->proc->tf == tf);
	kctx_begin(a);
	/* The domain ran: its registers in the proc entry are newer than its
	 * nodes (a checkpoint must write them back even if nothing else
	 * marked the entry). */
	a->proc->dirty = true;
	ckpt_safe_point();
	*pp = a->proc;
	return a;
}

void uentry_interrupt(struct trap_frame *tf)
{
	struct proc *p;
	struct activity *a = begin(tf, &p);
	sched_preempt_or_resume(a, p);
}

void uentry_ecall(struct trap_frame *tf)
{
	struct proc *p;
	struct activity *a = begin(tf, &p);
	invoke_syscall(a, p);
}

void uentry_exception(struct trap_frame *tf)
{
	struct proc *p;
	struct activity *a = begin(tf, &p);
	fault_user_exception(a, p);
}
