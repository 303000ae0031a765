/* SPDX-License-Identifier: MIT */
/*
 * The scheduler's entry points used by the trap layer. sched_run() picks
 * the next ready domain and returns to it, or idles until an interrupt
 * makes one ready; it never returns.
 */
#ifndef CAIRN_KERN_SCHED_H
#define CAIRN_KERN_SCHED_H

#include <stdbool.h>

struct trap_frame;

__attribute__((noreturn)) void sched_run(void);
void sched_user_ecall(struct trap_frame *tf);
void sched_user_exception(struct trap_frame *tf);

/* Wait, with interrupts enabled, until *flag becomes true (boot-time I/O). */
void sched_wait_flag(volatile bool *flag);

#endif
