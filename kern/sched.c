/* SPDX-License-Identifier: MIT */
/*
 * The scheduler. Until domains exist it only idles; see sched.h.
 */
#include "sched.h"
#include "trap.h"
#include "riscv.h"
#include "log.h"
#include "panic.h"

void sched_wait_flag(volatile bool *flag)
{
	/*
	 * wfi returns when an enabled interrupt is pending even with
	 * sstatus.SIE clear (privileged spec §3.3.3), so checking the flag
	 * with interrupts off and only then opening the window cannot lose
	 * a wakeup.
	 */
	intr_off();
	while (!*flag) {
		__asm__ volatile("wfi");
		intr_on();
		intr_off();
	}
}

void sched_run(void)
{
	for (;;) {
		intr_off();
		__asm__ volatile("wfi");
		intr_on();
		intr_off();
	}
}

void sched_user_ecall(struct trap_frame *tf)
{
	panic_trap("ecall from U-mode with no domains", tf);
}

void sched_user_exception(struct trap_frame *tf)
{
	panic_trap("exception from U-mode with no domains", tf);
}
