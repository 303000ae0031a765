/* SPDX-License-Identifier: MIT */
/*
 * The park-and-restart seam; see park.h. Each function takes the activity
 * off the processor (sched_current), records what it waits for, and
 * abandons the current prepare phase with kernel_restart().
 */
#include <cairn/abi.h>
#include <cairn/keytab.h>
#include "dom/park.h"
#include "dom/act.h"
#include "dom/kctx.h"
#include "dom/proc.h"
#include "dom/sched.h"
#include "entry/trap.h"
#include "hw/timer.h"
#include "hw/log.h"
#include "hw/panic.h"
#include "inv/fault.h"

static void leave_processor(struct activity *a)
{
	if (sched_current == a)
		sched_current = NULL;
}

void park_on(enum act_state s, struct act_list *l)
{
	struct activity *a = kctx_act;
	kassert(a != NULL && !kctx_committed);
	if (s == ACT_READY)
		act_ready(a);
	else
		act_park(a, s, l);
	leave_processor(a);
	kernel_restart();
}

void park_stall(uint64_t oid)
{
	struct activity *a = kctx_act;
	kassert(a != NULL && !kctx_committed);
	act_stall(a, oid);
	leave_processor(a);
	kernel_restart();
}

void park_until(uint64_t deadline)
{
	struct activity *a = kctx_act;
	kassert(a != NULL && !kctx_committed);
	sched_sleep(a, deadline);
	kernel_restart();
}

void park_io_fault(struct activity *a, uint64_t kernel_va)
{
	struct proc *p = a->proc;
	if (!p) {
		/* No keeper can be told: the domain cannot even be loaded. It
		 * keeps its activity (so checkpoints keep it running) and
		 * tries again a second later; a transient error heals. */
		if (a->node_io_retries++ % 60 == 0)
			log_error("domain %lu: cannot read its own nodes (at %#lx); retrying every second",
				  (unsigned long)a->root_oid, (unsigned long)kernel_va);
		sched_sleep(a, timer_now() + timer_ms_to_ticks(1000));
		kernel_restart();
	}
	fault_deliver(a, p, CAIRN_FAULT_IO, 0, kernel_va, NULL);
}
