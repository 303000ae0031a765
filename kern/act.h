/* SPDX-License-Identifier: MIT */
/*
 * Activities: the kernel's record that a domain wants the processor.
 *
 * A domain whose run state is RUNNING has exactly one activity; AVAILABLE,
 * WAITING and HALTED domains have none. A CALL hands the caller's activity
 * to the callee, a RETURN hands the returner's to the domain it resumes, a
 * SEND creates one. An activity is ready (on the run queue), running, or
 * parked on one wait list: an object fetch, free memory, log space, a
 * timer, or a busy domain it is calling (stalled). A parked activity
 * retries its whole invocation when woken: nothing it did before parking
 * had any effect (prepare-then-commit).
 *
 * The table is a cache (DESIGN.md invariant 2): after a restart it is
 * rebuilt from the checkpoint's list of running domains.
 */
#ifndef CAIRN_KERN_ACT_H
#define CAIRN_KERN_ACT_H

#include <stdint.h>
#include <stdbool.h>
#include "timer.h"

enum act_state {
	ACT_FREE = 0,
	ACT_READY,      /* on the run queue */
	ACT_RUNNING,    /* the current activity */
	ACT_WAIT_IO,    /* waiting for an object to arrive from the volume */
	ACT_WAIT_MEM,   /* waiting for a frame to become evictable */
	ACT_WAIT_LOG,   /* waiting for checkpoint log space */
	ACT_STALLED,    /* calling a domain that is not available */
	ACT_SLEEPING,   /* waiting for its timer */
};

struct proc;

struct activity {
	uint64_t root_oid;      /* the domain's root node */
	uint8_t state;          /* enum act_state */
	bool io_error;          /* its last fetch failed: raise FAULT_IO on retry */
	uint16_t node_io_retries; /* its own nodes could not be read: retries so far */
	struct proc *proc;      /* the cached domain, or NULL */
	uint64_t stalled_on;    /* ACT_STALLED: root OID of the busy domain */
	struct activity *next;  /* run queue or wait list */
	struct activity *prev;
	struct act_list *list;  /* the list it is on, or NULL */
	struct ktimer timer;    /* ACT_SLEEPING */
};

struct act_list {
	struct activity *head;
	struct activity *tail;
	unsigned count;
};

#define ACT_MAX 1024

void act_init(void);
struct activity *act_alloc(uint64_t root_oid); /* NULL when the table is full */
void act_free(struct activity *a);
unsigned act_count(void);

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
/* Park a as stalled on domain `oid`. */
void act_stall(struct activity *a, uint64_t oid);

extern struct act_list run_queue;

/* Visit every live activity (for the checkpointer's thread list). */
void act_for_each(void (*fn)(struct activity *a, void *arg), void *arg);

#endif
