/* SPDX-License-Identifier: MIT */
/*
 * Activities: the kernel's record that a domain wants the processor.
 *
 * A domain whose run state is RUNNING has exactly one activity; AVAILABLE,
 * WAITING and HALTED domains have none. A CALL hands the caller's activity
 * to the callee, a RETURN hands the returner's to the domain it resumes, a
 * SEND or DOMAIN START gives the target one.
 *
 * The invariant that keeps the table finite and the checkpoint's thread
 * list free of duplicates: AT MOST ONE ACTIVITY NAMES A GIVEN ROOT
 * (docs/design.md invariant 8).
 * act_find() finds it: through the process cache (proc.act) while the
 * domain is cached, else through a hash of the detached activities (those
 * whose domain left the cache while they waited). Every way of giving a
 * domain an activity (act_start) reuses the one it has, and a node
 * operation that stops a domain from running through its root node's
 * slots (a rescind, a rewritten run state) frees it (act_root_changed),
 * so an activity never outlives its domain's RUNNING state for long: at
 * the latest, its next dispatch finds the domain not running and frees it. An activity is ready (on
 * the run queue), running, or parked on one wait list: an object fetch, free memory, log space, a
 * timer, or a busy domain it is calling (stalled). A parked activity
 * retries its whole invocation when woken: nothing it did before parking
 * had any effect (prepare-then-commit).
 *
 * The table is a cache (docs/design.md invariant 2): after a restart it is
 * rebuilt from the checkpoint's list of running domains.
 */
#ifndef CAIRN_KERN_ACT_H
#define CAIRN_KERN_ACT_H

#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>
#include "hw/timer.h"

enum act_state {
	ACT_FREE = 0,
	ACT_READY,        /* on the run queue */
	ACT_RUNNING,      /* the current activity */
	ACT_WAIT_IO,      /* waiting for an object to arrive from the volume */
	ACT_WAIT_MEM,     /* waiting for a frame to become evictable */
	ACT_WAIT_LOG,     /* waiting for checkpoint log space */
	ACT_WAIT_DURABLE, /* CHECKPOINT DURABLE: waiting for a generation to commit */
	ACT_WAIT_CONSOLE, /* CONSOLE_WRITE, held console full: waiting for the next epoch */
	ACT_STALLED,      /* calling a domain that is not available */
	ACT_SLEEPING,     /* waiting for its timer */
};

struct proc;

struct activity {
	uint64_t root_oid;        /* the domain's root node */
	uint8_t state;            /* enum act_state */
	bool io_error;            /* its last fetch failed: raise FAULT_IO on retry */
	uint16_t node_io_retries; /* its own nodes could not be read: retries so far */
	struct proc *proc;        /* the cached domain, or NULL */
	uint64_t stalled_on;      /* ACT_STALLED: root OID of the busy domain */
	struct activity *next;    /* run queue or wait list */
	struct activity *prev;
	struct act_list *list;  /* the list it is on, or NULL */
	struct activity *hnext; /* detached (proc == NULL): the hash by root */
	struct activity *hprev;
	struct ktimer timer; /* ACT_SLEEPING */
	/* A SLEEP FOR in progress: it waits in its prepare phase (so a
	 * checkpoint sees the invocation not yet done, and a restart waits
	 * the whole time again); the retry after the wake finds its own
	 * deadline by the pc of its ecall. 0: none. */
	uint64_t sleep_deadline;
	uint64_t sleep_pc;
};

struct act_list {
	struct activity *head;
	struct activity *tail;
	unsigned count;
};

/* The table is mapped as it grows (karea.h) and may hold one activity per
 * node of the volume (each names a distinct root): a domain's activity is
 * paid for by its root node. The checkpoint log bounds it further
 * (ckpt_threads_reserve): act_can_start then says no, and the invocation
 * answers NO_ACTIVITY. */
void act_init(void);
/* The activity naming root_oid, or NULL. Never faults. */
struct activity *act_find(uint64_t root_oid);
/* Prepare: can act_start(root_oid) succeed (the root has an activity, or
 * one is free)? Grows the table if it must: may park for memory or log
 * space inside an operation. False: no more activities can exist. */
bool act_can_start(uint64_t root_oid);
/* Commit: give the domain rooted at root_oid its activity (the one it has,
 * or a free one; act_can_start said there is one), attached to p (NULL:
 * detached) and ready. */
struct activity *act_start(uint64_t root_oid, struct proc *p);
void act_free(struct activity *a);
unsigned act_count(void);
/* a runs p's domain now (dispatch) / p leaves the process cache. */
void act_attach(struct activity *a, struct proc *p);
void act_detach(struct activity *a);
/* Commit: node `oid` changed through a node or range key. Callers stalled
 * on the domain it may root try again, and if the node roots a domain
 * with an activity but no longer says RUNNING, that activity is freed. */
void act_root_changed(uint64_t oid, bool still_running);

void act_list_push(struct act_list *l, struct activity *a);
void act_list_remove(struct activity *a);
struct activity *act_list_pop(struct act_list *l);

/* Put a on the run queue (removing it from any wait list). */
void act_ready(struct activity *a);
/* Park a on list `l` in state s. */
void act_park(struct activity *a, enum act_state s, struct act_list *l);
/* Make every activity on l ready. */
void act_wake_all(struct act_list *l);
/* Wake every activity stalled on the domain rooted at oid. */
void act_wake_stalled(uint64_t oid);
/* oid became available (its RETURN): ready the caller that has waited
 * longest for it, and return it (NULL: nobody waits). The others stay
 * stalled, each woken at a later RETURN, in order. */
struct activity *act_wake_next_caller_slow(uint64_t oid);
extern struct act_list act_stalled; /* every stalled activity, oldest first */
static inline struct activity *act_wake_next_caller(uint64_t oid)
{
	return act_stalled.head ? act_wake_next_caller_slow(oid) : NULL;
}
/* Park a as stalled on domain `oid`. */
void act_stall(struct activity *a, uint64_t oid);

extern struct act_list run_queue;

/* Visit every live activity (for the checkpointer's thread list). */
void act_for_each(void (*fn)(struct activity *a, void *arg), void *arg);

#endif
