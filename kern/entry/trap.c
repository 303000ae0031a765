/* SPDX-License-Identifier: MIT */
/*
 * Trap dispatch (RISC-V privileged spec §4.1.9, table 4.2).
 *
 * From U-mode: interrupts are handled and the scheduler picks who runs
 * next; an ecall is an invocation; any other exception is the domain's
 * fault, which goes to its keeper (kern/inv/fault.c).
 * From S-mode: the kernel runs with interrupts off except while idle, so an
 * interrupt here interrupted the idle loop or an I/O wait. The only
 * exception the kernel takes on purpose is a page fault on an object pool
 * (objcache_kernel_fault), which may abandon the current invocation; any
 * other is a kernel bug and panics.
 */
#include "entry/trap.h"
#include "hw/riscv.h"
#include "hw/timer.h"
#include "hw/plic.h"
#include "hw/panic.h"
#include "entry/uentry.h"
#include "hw/log.h"
#include "mem/objcache.h"

extern void trap_entry(void);

void trap_init(void)
{
	csr_write(sscratch, 0);
	csr_write(stvec, (unsigned long)trap_entry);
	/* Let domains read cycle, time and instret (privileged spec §4.1.5):
	 * the benchmarks count retired instructions from U-mode. */
	csr_write(scounteren, 7);
}

static void handle_interrupt(uint64_t cause)
{
	switch (cause & ~SCAUSE_INTERRUPT) {
	case IRQ_S_TIMER:
		timer_interrupt();
		break;
	case IRQ_S_EXT:
		plic_dispatch();
		break;
	default:
		log_warn("trap: unexpected interrupt %lu",
			 (unsigned long)(cause & ~SCAUSE_INTERRUPT));
		break;
	}
}

void trap_user(struct trap_frame *tf)
{
	if (tf->scause & SCAUSE_INTERRUPT) {
		handle_interrupt(tf->scause);
		uentry_interrupt(tf);
	} else if (tf->scause == EXC_ECALL_U) {
		uentry_ecall(tf);
	} else {
		uentry_exception(tf);
	}
	panic_trap("trap_user: a handler returned", tf);
}

void trap_kernel(struct trap_frame *tf)
{
	if (tf->scause & SCAUSE_INTERRUPT) {
		handle_interrupt(tf->scause);
		return;
	}
	switch (tf->scause) {
	case EXC_LOAD_PAGE_FAULT:
	case EXC_STORE_PAGE_FAULT:
		if (objcache_kernel_fault(tf))
			return;
		break;
	default:
		break;
	}
	panic_trap("unexpected trap in the kernel", tf);
}
