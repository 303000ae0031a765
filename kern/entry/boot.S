/* SPDX-License-Identifier: MIT */
/*
 * Kernel entry from OpenSBI: a0 = hart id, a1 = physical address of the
 * device tree, MMU off, S-mode. We are linked high (kernel.ld) but running
 * at the load address, so everything up to the jump uses PC-relative
 * addressing only.
 *
 * Early page table (one Sv39 root, 1 GiB leaves, privileged spec §4.3):
 *   identity 0x8000_0000 (so the instruction after `csrw satp` still runs),
 *   KERNEL_VA_BASE -> 0x8000_0000,
 *   DIRECT_MAP_BASE + [0, 4 GiB) -> [0, 4 GiB) (RAM, PLIC, virtio-mmio).
 * kern/mem/vm.c replaces it with the final, finer-grained table.
 */
#include "hw/memlayout.h"

#define PTE_FLAGS_RWX 0xcf   /* V R W X A D */
#define PTE_FLAGS_RW  0xc7   /* V R W A D */

	.section .text.boot, "ax"
	.globl _start
_start:
	/* Only hart 0 of OpenSBI's choosing enters here; park any other. */
	mv	s0, a0
	mv	s1, a1

	/* Build the early root table in early_pgtbl (zeroed: it lives in .data). */
	lla	t0, early_pgtbl

	/* identity: VPN[2] = 2 -> PA 0x80000000 */
	li	t1, (0x80000000 >> 12) << 10
	ori	t1, t1, PTE_FLAGS_RWX
	sd	t1, (2 * 8)(t0)

	/* kernel: VPN[2] = 510 -> PA 0x80000000 */
	li	t2, 510 * 8
	add	t2, t0, t2
	sd	t1, 0(t2)

	/* direct map: VPN[2] = 256..259 -> PA 0..4 GiB */
	li	t2, 0
	li	t3, 4
	li	t4, (1 << 18) << 10          /* one GiB of PPN, in PTE position */
	li	t5, 256 * 8
	add	t5, t0, t5
1:	ori	t1, t2, PTE_FLAGS_RW
	sd	t1, 0(t5)
	add	t2, t2, t4
	addi	t5, t5, 8
	addi	t3, t3, -1
	bnez	t3, 1b

	/* satp = Sv39 | PPN(early_pgtbl) */
	srli	t0, t0, 12
	li	t1, 8
	slli	t1, t1, 60
	or	t0, t0, t1
	sfence.vma
	csrw	satp, t0
	sfence.vma

	/* Jump to the high mapping through an absolute address. */
	ld	t0, .Lhigh_entry
	jr	t0

	.balign 8
.Lhigh_entry:
	.dword	boot_high

	.text
boot_high:
	/* Now at KERNEL_VA. No trap vector yet: point stvec at a hang. */
	la	t0, boot_trap_hang
	csrw	stvec, t0
	la	sp, boot_stack_top
	/* Zero .bss. */
	la	t0, _bss_start
	la	t1, _bss_end
2:	bgeu	t0, t1, 3f
	sd	zero, 0(t0)
	addi	t0, t0, 8
	j	2b
3:
	/* Thread pointer for picolibc's TLS (errno): set up by kmain. */
	mv	tp, zero
	mv	a0, s0
	mv	a1, s1
	call	kmain
4:	wfi
	j	4b

	.balign 4
boot_trap_hang:
	wfi
	j	boot_trap_hang

	.data
	.balign 4096
	.globl early_pgtbl
early_pgtbl:
	.zero	4096

	.bss
	.balign 16
	.globl boot_stack
boot_stack:
	.zero	16384
	.globl boot_stack_top
boot_stack_top:
