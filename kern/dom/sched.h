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

struct trap_frame;
struct activity;
struct proc;

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

#endif
