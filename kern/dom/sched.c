/* SPDX-License-Identifier: MIT */
/*
 * The scheduler; see sched.h. Every kernel entry on behalf of a domain
 * (entry/uentry.c) starts with kctx_begin(); the work ends in
 * sched_resume() (back to the same or another domain) or sched_run()
 * (pick one), both of which leave the kernel with an empty stack. A
 * prepare step that must wait leaves through dom/park.c instead.
 */
#include <cairn/abi.h>
#include "dom/sched.h"
#include "dom/act.h"
#include "dom/kctx.h"
#include "dom/proc.h"
#include "hw/timer.h"
#include "dom/aspace.h"
#include "dom/fpu.h"
#include "ckpt/ckpt_hooks.h"
#include "ckpt/ckpt.h"
#include "mem/vm.h"
#include "hw/riscv.h"
#include "hw/log.h"
#include "hw/panic.h"

struct activity *kctx_act;
uint32_t kctx_stamp;
bool kctx_committed;
struct activity *sched_current;

struct ktimer sched_quantum;
static bool need_resched;

static void quantum_expired(struct ktimer *t)
{
	(void)t;
	need_resched = true;
}

void sched_init(void)
{
	act_init();
	sched_quantum.fn = quantum_expired;
}

bool sched_add_domain(uint64_t root_oid)
{
	if (!act_can_start(root_oid))
		return false;
	act_start(root_oid, NULL); /* a root listed twice gets one activity */
	return true;
}

static void sleep_done(struct ktimer *t)
{
	struct activity *a =
		(struct activity *)((char *)t - __builtin_offsetof(struct activity, timer));
	act_ready(a);
}

void sched_sleep(struct activity *a, uint64_t deadline)
{
	act_park(a, ACT_SLEEPING, NULL);
	if (sched_current == a)
		sched_current = NULL;
	a->timer.fn = sleep_done;
	ktimer_arm(&a->timer, deadline);
}

void sched_resume(struct activity *a, struct proc *p)
{
	sched_resume_inline(a, p, false);
}

void sched_transfer(struct activity *a, struct proc *t)
{
	sched_transfer_inline(a, t, false);
}

/* Run activity a: load its domain (prepare phase, may park a). Returns
 * only if a is gone (its domain is not running any more). */
static void dispatch(struct activity *a)
{
	struct proc *p;
	kctx_begin(a);
	a->state = ACT_RUNNING;
	if (proc_get(a->root_oid, &p) != PROC_OK) {
		uint64_t root = a->root_oid;
		log_warn("domain %lu: its root is not a domain any more; it stops",
			 (unsigned long)root);
		act_free(a);
		act_wake_stalled(root); /* its callers learn it is gone */
		return;
	}
	if (p->run_state != CAIRN_DOM_RUNNING || (p->act && p->act != a)) {
		uint64_t root = a->root_oid;
		act_free(a); /* halted or resumed by other means meanwhile */
		act_wake_stalled(root);
		return;
	}
	ckpt_note_first_run();
	a->node_io_retries = 0;
	act_attach(a, p);
	sched_resume(a, p);
}

void sched_run(void)
{
	kctx_end();
	for (;;) {
		intr_off();
		ckpt_safe_point(); /* between operations: a consistent state */
		struct activity *a = act_list_pop(&run_queue);
		if (a) {
			need_resched = false;
			ktimer_cancel(&sched_quantum);
			dispatch(a);
			continue;
		}
		/* Idle: nobody is ready. Switch to the kernel's own table so
		 * no domain's tables are in use while they may be freed. */
		sched_current = NULL;
		ckpt_note_idle(); /* a demarcation pause being counted ends: nobody waits */
		if (ckpt_idle())
			continue; /* the log writer ran instead of idling */
		if (ckpt_background()) {
			intr_on(); /* its completions first */
			intr_off();
			continue;
		}
		hart_wait(); /* wfi, the wait counted (hw/idle.c) */
		intr_on();
		intr_off();
	}
}

/* A timer or device interrupt came while a's domain ran: if its quantum
 * is over and somebody else is ready, a goes to the back of the queue. */
void sched_preempt_or_resume(struct activity *a, struct proc *p)
{
	if (need_resched && run_queue.head) {
		need_resched = false;
		ktimer_cancel(&sched_quantum);
		act_ready(a);
		sched_current = NULL;
		sched_run();
	}
	need_resched = false;
	sched_resume(a, p);
}
