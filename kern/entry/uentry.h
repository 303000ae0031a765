/* SPDX-License-Identifier: MIT */
/*
 * Entries from U-mode, called by trap_user() (trap.c) on a fresh kernel
 * stack with the domain's registers saved in tf. None returns: each ends
 * in the scheduler (dom/sched.h).
 */
#ifndef CAIRN_KERN_ENTRY_UENTRY_H
#define CAIRN_KERN_ENTRY_UENTRY_H

struct trap_frame;

/* A device or timer interrupt while a domain ran. */
__attribute__((noreturn)) void uentry_interrupt(struct trap_frame *tf);
/* An ecall: an invocation (cairn/abi.h). */
__attribute__((noreturn)) void uentry_ecall(struct trap_frame *tf);
/* Any other exception: a fault for the domain's keeper. */
__attribute__((noreturn)) void uentry_exception(struct trap_frame *tf);

#endif
