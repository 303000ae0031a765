/* SPDX-License-Identifier: MIT */
/*
 * The trap vector (RISC-V privileged spec §4.1.2, stvec MODE=Direct) and the
 * return to U-mode. See trap.h for the sscratch convention.
 */
#include "entry/trap.h"

	.section .text
	.balign 4
	.globl trap_entry
trap_entry:
	csrrw	sp, sscratch, sp
	beqz	sp, .Lfrom_kernel

	/* From U-mode: sp = this domain's trap frame. */
	sd	ra, 1*8(sp)
	sd	gp, 3*8(sp)
	sd	tp, 4*8(sp)
	sd	t0, 5*8(sp)
	sd	t1, 6*8(sp)
	sd	t2, 7*8(sp)
	sd	s0, 8*8(sp)
	sd	s1, 9*8(sp)
	sd	a0, 10*8(sp)
	sd	a1, 11*8(sp)
	sd	a2, 12*8(sp)
	sd	a3, 13*8(sp)
	sd	a4, 14*8(sp)
	sd	a5, 15*8(sp)
	sd	a6, 16*8(sp)
	sd	a7, 17*8(sp)
	sd	s2, 18*8(sp)
	sd	s3, 19*8(sp)
	sd	s4, 20*8(sp)
	sd	s5, 21*8(sp)
	sd	s6, 22*8(sp)
	sd	s7, 23*8(sp)
	sd	s8, 24*8(sp)
	sd	s9, 25*8(sp)
	sd	s10, 26*8(sp)
	sd	s11, 27*8(sp)
	sd	t3, 28*8(sp)
	sd	t4, 29*8(sp)
	sd	t5, 30*8(sp)
	sd	t6, 31*8(sp)
	csrr	t0, sscratch
	sd	t0, 2*8(sp)
	csrw	sscratch, zero
	csrr	t0, sepc
	sd	t0, TF_SEPC(sp)
	csrr	t0, sstatus
	sd	t0, TF_SSTATUS(sp)
	csrr	t1, scause
	sd	t1, TF_SCAUSE(sp)
	mv	a0, sp
	ld	tp, TF_KERNEL_TP(sp)
	ld	sp, TF_KERNEL_SP(sp)
	mv	s0, zero            /* end of the backtrace chain */
	/* An ecall from U-mode (an invocation: most traps; scause 8,
	 * EXC_ECALL_U in hw/riscv.h) goes straight to its entry, which
	 * expands the IPC fast path in place (inv/ipc_fast.h). stval means
	 * nothing for an ecall, so only the other traps save it. */
	li	t0, 8
	beq	t1, t0, 2f
	csrr	t0, stval
	sd	t0, TF_STVAL(a0)
	call	trap_user
	/* trap_user does not return. */
1:	j	1b
2:	call	uentry_ecall
	j	1b

.Lfrom_kernel:
	/* From S-mode: restore the kernel sp (sscratch gets 0 back). */
	csrrw	sp, sscratch, sp
	addi	sp, sp, -TF_SIZE
	sd	ra, 1*8(sp)
	sd	gp, 3*8(sp)
	sd	tp, 4*8(sp)
	sd	t0, 5*8(sp)
	sd	t1, 6*8(sp)
	sd	t2, 7*8(sp)
	sd	s0, 8*8(sp)
	sd	s1, 9*8(sp)
	sd	a0, 10*8(sp)
	sd	a1, 11*8(sp)
	sd	a2, 12*8(sp)
	sd	a3, 13*8(sp)
	sd	a4, 14*8(sp)
	sd	a5, 15*8(sp)
	sd	a6, 16*8(sp)
	sd	a7, 17*8(sp)
	sd	s2, 18*8(sp)
	sd	s3, 19*8(sp)
	sd	s4, 20*8(sp)
	sd	s5, 21*8(sp)
	sd	s6, 22*8(sp)
	sd	s7, 23*8(sp)
	sd	s8, 24*8(sp)
	sd	s9, 25*8(sp)
	sd	s10, 26*8(sp)
	sd	s11, 27*8(sp)
	sd	t3, 28*8(sp)
	sd	t4, 29*8(sp)
	sd	t5, 30*8(sp)
	sd	t6, 31*8(sp)
	addi	t0, sp, TF_SIZE
	sd	t0, 2*8(sp)
	csrr	t0, sepc
	sd	t0, TF_SEPC(sp)
	csrr	t0, sstatus
	sd	t0, TF_SSTATUS(sp)
	csrr	t0, scause
	sd	t0, TF_SCAUSE(sp)
	csrr	t0, stval
	sd	t0, TF_STVAL(sp)
	mv	a0, sp
	call	trap_kernel
	ld	t0, TF_SEPC(sp)
	csrw	sepc, t0
	ld	t0, TF_SSTATUS(sp)
	csrw	sstatus, t0
	ld	ra, 1*8(sp)
	ld	gp, 3*8(sp)
	ld	tp, 4*8(sp)
	ld	t0, 5*8(sp)
	ld	t1, 6*8(sp)
	ld	t2, 7*8(sp)
	ld	s0, 8*8(sp)
	ld	s1, 9*8(sp)
	ld	a0, 10*8(sp)
	ld	a1, 11*8(sp)
	ld	a2, 12*8(sp)
	ld	a3, 13*8(sp)
	ld	a4, 14*8(sp)
	ld	a5, 15*8(sp)
	ld	a6, 16*8(sp)
	ld	a7, 17*8(sp)
	ld	s2, 18*8(sp)
	ld	s3, 19*8(sp)
	ld	s4, 20*8(sp)
	ld	s5, 21*8(sp)
	ld	s6, 22*8(sp)
	ld	s7, 23*8(sp)
	ld	s8, 24*8(sp)
	ld	s9, 25*8(sp)
	ld	s10, 26*8(sp)
	ld	s11, 27*8(sp)
	ld	t3, 28*8(sp)
	ld	t4, 29*8(sp)
	ld	t5, 30*8(sp)
	ld	t6, 31*8(sp)
	addi	sp, sp, TF_SIZE
	sret

/* void user_return(struct trap_frame *tf): a0 = tf. */
	.globl user_return
user_return:
	csrw	sscratch, a0
	ld	t0, TF_SEPC(a0)
	csrw	sepc, t0
	ld	t0, TF_SSTATUS(a0)
	csrw	sstatus, t0
	ld	ra, 1*8(a0)
	ld	sp, 2*8(a0)
	ld	gp, 3*8(a0)
	ld	tp, 4*8(a0)
	ld	t0, 5*8(a0)
	ld	t1, 6*8(a0)
	ld	t2, 7*8(a0)
	ld	s0, 8*8(a0)
	ld	s1, 9*8(a0)
	ld	a1, 11*8(a0)
	ld	a2, 12*8(a0)
	ld	a3, 13*8(a0)
	ld	a4, 14*8(a0)
	ld	a5, 15*8(a0)
	ld	a6, 16*8(a0)
	ld	a7, 17*8(a0)
	ld	s2, 18*8(a0)
	ld	s3, 19*8(a0)
	ld	s4, 20*8(a0)
	ld	s5, 21*8(a0)
	ld	s6, 22*8(a0)
	ld	s7, 23*8(a0)
	ld	s8, 24*8(a0)
	ld	s9, 25*8(a0)
	ld	s10, 26*8(a0)
	ld	s11, 27*8(a0)
	ld	t3, 28*8(a0)
	ld	t4, 29*8(a0)
	ld	t5, 30*8(a0)
	ld	t6, 31*8(a0)
	ld	a0, 10*8(a0)
	sret

/* void kernel_restart(void): abandon the kernel stack, run the scheduler. */
	.globl kernel_restart
kernel_restart:
	la	sp, kernel_stack_top
	mv	s0, zero
	call	sched_run
1:	j	1b

	.bss
	.balign 16
	.globl kernel_stack
kernel_stack:
	.zero	32768
	.globl kernel_stack_top
kernel_stack_top:
