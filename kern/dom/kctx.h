/* SPDX-License-Identifier: MIT */
/*
 * The kernel's execution context: on whose behalf it is running, and
 * whether the current operation has passed its commit point.
 *
 * Every kernel operation done for a domain (an invocation, a page fault,
 * loading the domain to run it) is prepare-then-commit (docs/design.md
 * invariant 4). Until kctx_commit() the operation may be abandoned at any
 * moment: an object that is not in memory makes the kernel start the read,
 * park the activity and restart from the scheduler with an empty stack.
 * After kctx_commit() nothing may fault, wait or fail; a pool fault then is
 * a kernel bug and panics.
 *
 * kctx_stamp changes at every kernel entry for an activity; frames pinned
 * with the current stamp (objcache.h) are not evicted until the next entry,
 * which is how the commit phase knows its objects are still there.
 */
#ifndef CAIRN_KERN_KCTX_H
#define CAIRN_KERN_KCTX_H

#include <stdint.h>
#include <stdbool.h>
#include "dom/act.h"

extern struct activity *kctx_act; /* NULL outside any activity's work */
extern uint32_t kctx_stamp;
extern bool kctx_committed;

static inline void kctx_begin(struct activity *a)
{
	kctx_act = a;
	kctx_stamp++;
	kctx_committed = false;
}

static inline void kctx_commit(void)
{
	kctx_committed = true;
}

static inline void kctx_end(void)
{
	kctx_act = 0;
}

/* Abandoning an operation that must wait: dom/park.h. */

#endif
