/* SPDX-License-Identifier: MIT */
/*
 * Floating-point state of domains (RISC-V privileged spec §3.1.6.6, the FS
 * field). The kernel itself never uses FP. A domain that has never used FP
 * runs with FS=Off; its first FP instruction traps as illegal and
 * fpu_first_use() turns FP on with zeroed registers. The hardware registers
 * belong to one domain at a time (the owner); they are saved into its
 * proc entry only when another FP domain runs or the kernel needs them.
 */
#ifndef CAIRN_KERN_FPU_H
#define CAIRN_KERN_FPU_H

#include <stdint.h>
#include <stdbool.h>
#include "dom/proc.h"
#include "hw/riscv.h"

/* The domain whose FP state the hardware registers hold, or NULL. */
extern struct proc *fpu_owner;

void fpu_load(struct proc *p);

/* Before returning to p: make the hardware hold p's FP state (or turn FP
 * off for p). Inline: every return to U-mode passes here, and usually
 * there is nothing to load. */
/* loaded: the caller knows that p's registers are loaded if it uses FP
 * (fpu_owner == p), so the branch that loads them is left out. */
static inline void fpu_switch_to(struct proc *p, const bool loaded)
{
	uint64_t fs = p->tf.sstatus & SSTATUS_FS_MASK;
	p->tf.sstatus &= ~SSTATUS_FS_MASK;
	if (!p->fp_used)
		return; /* FS=Off: the first FP instruction traps */
	if (!loaded && fpu_owner != p) {
		fpu_load(p);
		fs = SSTATUS_FS_CLEAN; /* the registers equal p->fregs */
	} else if (fs != SSTATUS_FS_DIRTY) {
		fs = SSTATUS_FS_CLEAN;
	}
	/* Back to the owner: a Dirty state stays Dirty, or the next
	 * fpu_sync would skip the save and lose the registers. */
	p->tf.sstatus |= fs;
}
/* Make p->fregs / p->fcsr current. */
void fpu_sync(struct proc *p);
/* p leaves the cache: drop ownership (after fpu_sync). */
void fpu_forget(struct proc *p);
/* An illegal-instruction trap with FP off: enable FP for p if it may have
 * it (it has an FP register node). True: retry the instruction. */
bool fpu_first_use(struct proc *p);
uint64_t fpu_read(struct proc *p, unsigned index);            /* f0..f31 */
void fpu_write(struct proc *p, unsigned reg, uint64_t value); /* CAIRN_REG_F(n) or FCSR */

#endif
