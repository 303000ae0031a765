/* SPDX-License-Identifier: MIT */
/*
 * The park-and-restart seam: how any prepare step may wait.
 *
 * Every kernel operation done for a domain is prepare-then-commit
 * (docs/design.md invariant 4, kctx.h). A prepare step that cannot go on
 * (an object is on disk, memory is short, the log is full, the callee is
 * busy, a SLEEP has not expired) does not block the kernel: it parks the
 * activity on what it waits for and abandons the operation by resetting
 * the kernel stack (kernel_restart(), entry/trap.S). When the activity is
 * woken, the scheduler runs it again from the domain's saved registers, so
 * the whole operation is retried from its first step and finds, this
 * time, what it waited for. Nothing the abandoned attempt did may be
 * visible: that is why every step before kctx_commit() only reads.
 *
 * Each function here is legal only in a prepare phase (before
 * kctx_commit()), on behalf of kctx_act, and never returns.
 */
#ifndef CAIRN_KERN_DOM_PARK_H
#define CAIRN_KERN_DOM_PARK_H

#include <stdint.h>
#include "dom/act.h"

/* Wait in state s on list l (NULL: on no list; ACT_READY: just yield to
 * the run queue), then retry the operation. */
__attribute__((noreturn)) void park_on(enum act_state s, struct act_list *l);

/* The callee `oid` is busy; wait until it is available, then retry. */
__attribute__((noreturn)) void park_stall(uint64_t oid);

/* Wait until `deadline` (timer ticks), then retry. */
__attribute__((noreturn)) void park_until(uint64_t deadline);

/* The read of an object the domain itself needs failed: its keeper is
 * told with FAULT_IO; a domain that cannot even be loaded retries every
 * second (the error may be transient). */
__attribute__((noreturn)) void park_io_fault(struct activity *a, uint64_t kernel_va);

#endif
