/* SPDX-License-Identifier: MIT */
/*
 * Faults: what happens when a domain does something the kernel cannot
 * complete for it (RISC-V privileged spec §4.1.9 causes). The kernel first
 * tries to resolve it itself (a page present in the address space but not
 * yet in the Sv48 cache; the first FP instruction). Otherwise the fault
 * goes to a keeper as a call: order = CAIRN_FAULT_*, w0 = scause, w1 =
 * stval, w2 = pc; the keeper receives a domain key to the faulter as key 0
 * and a restart key (a resume key with the FAULT right) in its resume
 * register; invoking the restart key resumes the faulter at its pc (which
 * the keeper may have changed through the domain key) without touching its
 * other registers. Memory faults inside an address-space wrapper go to the
 * wrapper's keeper, everything else to the domain keeper. A domain with no
 * valid keeper halts and the kernel logs the fault.
 */
#ifndef CAIRN_KERN_FAULT_H
#define CAIRN_KERN_FAULT_H

#include <stdint.h>

struct activity;
struct proc;
struct key;

__attribute__((noreturn)) void fault_user_exception(struct activity *a, struct proc *p);
__attribute__((noreturn)) void fault_deliver(struct activity *a, struct proc *p, uint16_t code,
					     uint64_t scause, uint64_t stval,
					     const struct key *keeper);

#endif
