/* SPDX-License-Identifier: MIT */
/*
 * Panic and backtrace. The kernel is built with frame pointers: in each
 * frame s0 (fp) points just above the saved return address (fp - 8) and
 * the caller's fp (fp - 16) (RISC-V psABI frame layout as GCC emits it).
 * The walk stops at the first fp outside the kernel stacks.
 */
#include <stdarg.h>
#include "hw/panic.h"
#include "hw/log.h"
#include "entry/trap.h"
#include "hw/riscv.h"
#include "sbi.h"

extern char boot_stack[], boot_stack_top[];

static bool fp_plausible(uint64_t fp)
{
	if (fp & 7)
		return false;
	if (fp > (uint64_t)kernel_stack + 16 && fp <= (uint64_t)kernel_stack_top)
		return true;
	return fp > (uint64_t)boot_stack + 16 && fp <= (uint64_t)boot_stack_top;
}

static void backtrace_from(uint64_t fp)
{
	kprintf("backtrace:\n");
	for (int depth = 0; depth < 32 && fp_plausible(fp); depth++) {
		uint64_t ra = ((uint64_t *)fp)[-1];
		uint64_t prev = ((uint64_t *)fp)[-2];
		kprintf("  #%d %#lx\n", depth, (unsigned long)ra);
		if (prev <= fp)
			break;
		fp = prev;
	}
}

static __attribute__((noreturn)) void panic_stop(void)
{
	intr_off();
	kprintf("cairn: halted\n");
	sbi_shutdown(true);
}

void panic(const char *fmt, ...)
{
	va_list ap;
	intr_off();
	kprintf("\ncairn: PANIC: ");
	va_start(ap, fmt);
	char buf[256];
	extern int vsnprintf(char *, unsigned long, const char *, va_list);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	kprintf("%s\n", buf);
	backtrace_from((uint64_t)__builtin_frame_address(0));
	panic_stop();
}

void panic_trap(const char *why, const struct trap_frame *tf)
{
	intr_off();
	kprintf("\ncairn: PANIC: %s\n", why);
	kprintf("  scause=%#lx stval=%#lx sepc=%#lx sstatus=%#lx\n", (unsigned long)tf->scause,
		(unsigned long)tf->stval, (unsigned long)tf->sepc, (unsigned long)tf->sstatus);
	kprintf("  ra=%#lx sp=%#lx\n", (unsigned long)tf->regs[REG_RA],
		(unsigned long)tf->regs[REG_SP]);
	kprintf("  #-1 %#lx (faulting pc)\n", (unsigned long)tf->sepc);
	backtrace_from(tf->regs[REG_S0]);
	panic_stop();
}
