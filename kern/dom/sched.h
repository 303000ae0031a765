/* SPDX-License-Identifier: MIT */
/*
 * The scheduler: round-robin over ready activities, with a 10 ms quantum
 * driven by the supervisor timer. An invocation that transfers control
 * (CALL, RETURN) hands the processor straight to the receiver without a
 * trip through the run queue.
 */
#ifndef CAIRN_KERN_SCHED_H
#define CAIRN_KERN_SCHED_H

#include <stdint.h>
#include <stdbool.h>
#include "dom/act.h"
#include "dom/aspace.h"
#include "dom/fpu.h"
#include "dom/kctx.h"
#include "dom/proc.h"
#include "entry/trap.h"
#include "hw/riscv.h"
#include "hw/timer.h"
#include "hw/panic.h"
#include "mem/vm.h"

#define SCHED_QUANTUM_MS 10

void sched_init(void);

/* Make the domain rooted at oid runnable (boot, recovery). */
bool sched_add_domain(uint64_t root_oid);

/* Pick the next ready activity and run it, or idle. Never returns. */
__attribute__((noreturn)) void sched_run(void);
/* Return to U-mode in p, a's domain. */
__attribute__((noreturn)) void sched_resume(struct activity *a, struct proc *p);
/* a's domain stopped running (waiting or available); run t with a. */
__attribute__((noreturn)) void sched_transfer(struct activity *a, struct proc *t);
/* a sleeps until `deadline` (ticks), after a commit; a prepare phase
 * that must sleep uses park_until() (dom/park.h). */
void sched_sleep(struct activity *a, uint64_t deadline);

/* An interrupt came while a ran (entry/uentry.c): preempt a if its
 * quantum is over and another activity is ready, else resume it. */
__attribute__((noreturn)) void sched_preempt_or_resume(struct activity *a, struct proc *p);

/* The activity whose domain is on the processor (NULL while idle). */
extern struct activity *sched_current;

/* The running activity's time slice (sched.c arms it, the timer ends it). */
extern struct ktimer sched_quantum;

/*
 * sched_resume and sched_transfer, inline: their one copy, which the
 * functions above wrap and the IPC fast path (inv/ipc_fast.h) expands in
 * place, so that a CALL or RETURN pays no calls between its trap and its
 * sret (docs/benchmarks.md "Where the round trip goes").
 */
/* True if resuming p (after a RETURN: `returned`) makes no calls: its
 * tables are built, its FP registers are loaded or unused, the quantum
 * runs, and no caller waits to be woken. The IPC fast path's copy without
 * calls (inv/ipc_fast.h) checks it before its commit. */
static inline bool sched_resume_needs_no_calls(const struct proc *p, bool returned)
{
	return p->pt_root && (!p->fp_used || fpu_owner == p) && sched_quantum.armed &&
	       !(returned && act_stalled.head);
}

/* no_calls: the caller checked sched_resume_needs_no_calls(p) before its
 * commit, so the branches that call are left out. */
__attribute__((always_inline, noreturn)) static inline void
sched_resume_inline(struct activity *a, struct proc *p, const bool no_calls)
{
	kassert(p->act == a && a->proc == p);
	/* Getting p ready to run is an operation of its own: after an
	 * invocation has committed, building p's tables starts a new prepare
	 * phase (which may park a; the committed invocation stays done). A
	 * domain whose tables are built needs no prepare phase: nothing below
	 * can park, fault or touch an object. */
	uint64_t root = p->pt_root;
	if (!no_calls && !root) {
		if (kctx_committed)
			kctx_begin(a);
		root = aspace_root(p);
	}
	kctx_commit();
	a->state = ACT_RUNNING;
	sched_current = a;
	fpu_switch_to(p, no_calls);
	if ((csr_read(satp) & SATP_PPN_MASK) != (root >> PAGE_SHIFT))
		vm_switch(root);
	if (!no_calls && !sched_quantum.armed)
		ktimer_arm(&sched_quantum, timer_now() + timer_ms_to_ticks(SCHED_QUANTUM_MS));
	kctx_end();
	user_return(&p->tf);
}

__attribute__((always_inline, noreturn)) static inline void
sched_transfer_inline(struct activity *a, struct proc *t, const bool no_calls)
{
	struct proc *p = a->proc;
	kassert(t->act == NULL);
	if (p)
		p->act = NULL;
	a->root_oid = t->root_oid;
	a->proc = t;
	t->act = a;
	sched_resume_inline(a, t, no_calls);
}

#endif
