/* SPDX-License-Identifier: MIT */
/*
 * Trap frames and the trap entry points.
 *
 * One entry (trap.S, stvec direct mode) serves traps from U-mode and from
 * S-mode. sscratch tells them apart: while a domain runs it holds the
 * address of that domain's trap frame; while the kernel runs it holds 0.
 * A trap from U-mode saves the domain's registers into its frame and runs
 * trap_user() on a fresh kernel stack; the kernel stack is empty whenever a
 * domain runs, so the kernel can abandon a half-done (prepare-phase)
 * invocation at any point by resetting the stack (kernel_restart()).
 */
#ifndef CAIRN_KERN_TRAP_H
#define CAIRN_KERN_TRAP_H

#define TF_REGS      0
#define TF_SEPC      256
#define TF_SSTATUS   264
#define TF_SCAUSE    272
#define TF_STVAL     280
#define TF_KERNEL_SP 288
#define TF_KERNEL_TP 296
#define TF_SIZE      304

#ifndef __ASSEMBLER__
#include <stdint.h>
#include <stddef.h>

struct trap_frame {
	uint64_t regs[32]; /* x0..x31; regs[0] is unused */
	uint64_t sepc;
	uint64_t sstatus;
	uint64_t scause;
	uint64_t stval;     /* from U-mode: saved for exceptions and interrupts, not for an ecall */
	uint64_t kernel_sp; /* loaded on entry from U-mode */
	uint64_t kernel_tp;
};

_Static_assert(offsetof(struct trap_frame, sepc) == TF_SEPC, "trap frame layout");
_Static_assert(offsetof(struct trap_frame, sstatus) == TF_SSTATUS, "trap frame layout");
_Static_assert(offsetof(struct trap_frame, scause) == TF_SCAUSE, "trap frame layout");
_Static_assert(offsetof(struct trap_frame, stval) == TF_STVAL, "trap frame layout");
_Static_assert(offsetof(struct trap_frame, kernel_sp) == TF_KERNEL_SP, "trap frame layout");
_Static_assert(offsetof(struct trap_frame, kernel_tp) == TF_KERNEL_TP, "trap frame layout");
_Static_assert(sizeof(struct trap_frame) == TF_SIZE, "trap frame layout");

/* Register numbers for trap_frame.regs (RISC-V ABI names). */
/* clang-format off */
enum {
	REG_RA = 1, REG_SP = 2, REG_GP = 3, REG_TP = 4,
	REG_T0 = 5, REG_T1 = 6, REG_T2 = 7, REG_S0 = 8, REG_S1 = 9,
	REG_A0 = 10, REG_A1 = 11, REG_A2 = 12, REG_A3 = 13, REG_A4 = 14,
	REG_A5 = 15, REG_A6 = 16, REG_A7 = 17,
	REG_S2 = 18, REG_T3 = 28, REG_T4 = 29, REG_T5 = 30, REG_T6 = 31,
};
/* clang-format on */

void trap_init(void);

/* Called from trap.S. */
__attribute__((noreturn)) void trap_user(struct trap_frame *tf);
void trap_kernel(struct trap_frame *tf);

/* trap.S: load a domain's registers from tf and sret to U-mode. */
__attribute__((noreturn)) void user_return(struct trap_frame *tf);

/* trap.S: drop the kernel stack and enter the scheduler afresh. */
__attribute__((noreturn)) void kernel_restart(void);

/* Kernel stack top (for frames and backtraces). */
extern char kernel_stack_top[];
extern char kernel_stack[];
#define KERNEL_STACK_SIZE 32768

#endif
#endif
