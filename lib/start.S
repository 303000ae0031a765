/* SPDX-License-Identifier: MIT */
/*
 * _start: the first instruction a domain runs (the formatter puts the ELF
 * entry in the pc of its register node). It runs once in the domain's
 * life: after a checkpoint and restart the domain carries on from where
 * it was, never from here.
 *
 * On entry (docs/image-format.md): sp = 0x8000000 - 16, gp already set by
 * the formatter (set again here so that no loader is trusted), a0 = the
 * image's arg=, every other register zero. The formatter has zero-filled
 * .bss and the heap, so nothing is cleared here.
 *
 * TLS: RISC-V uses TLS variant I with no TCB in front of the block (the
 * psABI's local-exec offsets are from the start of the PT_TLS segment),
 * so tp = start of the block. A domain has one thread, so the block is
 * the .tdata/.tbss image itself, in place in the data segment (picolibc's
 * errno lives there).
 */
	.section .text.start, "ax", @progbits
	.globl	_start
	.type	_start, @function
_start:
	.option	push
	.option	norelax		/* gp is not set yet: no gp-relative relaxation */
	lla	gp, __global_pointer$
	.option	pop
	lla	tp, __tls_base
	mv	s0, zero		/* end of the frame-pointer chain */
	mv	ra, zero
	call	main			/* a0 (the image's arg=) passes through untouched */
	call	cairn_exit		/* never returns */
	.size	_start, . - _start
