/* SPDX-License-Identifier: MIT */
/*
 * Lazy FP state; see fpu.h.
 */
#include <string.h>
#include <cairn/abi.h>
#include "dom/fpu.h"
#include "dom/proc.h"
#include "hw/riscv.h"

void fpu_save_regs(uint64_t regs[32], uint64_t *fcsr);
void fpu_load_regs(const uint64_t regs[32], const uint64_t *fcsr);

struct proc *fpu_owner; /* whose state the hardware registers hold */

static void with_fp_on(void)
{
	/* S-mode needs FS != Off to touch the FP registers. */
	csr_set(sstatus, SSTATUS_FS_CLEAN);
}

void fpu_sync(struct proc *p)
{
	if (fpu_owner != p)
		return;
	if ((p->tf.sstatus & SSTATUS_FS_MASK) == SSTATUS_FS_DIRTY) {
		with_fp_on();
		fpu_save_regs(p->fregs, &p->fcsr);
		p->tf.sstatus = (p->tf.sstatus & ~SSTATUS_FS_MASK) | SSTATUS_FS_CLEAN;
		p->dirty = true;
	}
}

void fpu_forget(struct proc *p)
{
	if (fpu_owner == p)
		fpu_owner = NULL;
}

/* fpu_switch_to (fpu.h) for an FP domain whose registers are not loaded. */
void fpu_load(struct proc *p)
{
	if (fpu_owner)
		fpu_sync(fpu_owner);
	with_fp_on();
	fpu_load_regs(p->fregs, &p->fcsr);
	fpu_owner = p;
}

bool fpu_first_use(struct proc *p)
{
	if (p->fp_used || p->fprs_oid == OID_NONE)
		return false;
	p->fp_used = true;
	memset(p->fregs, 0, sizeof(p->fregs));
	p->fcsr = 0;
	p->dirty = true;
	if (fpu_owner)
		fpu_sync(fpu_owner);
	fpu_owner = NULL; /* fpu_switch_to loads the zeroed state */
	return true;
}

uint64_t fpu_read(struct proc *p, unsigned index)
{
	fpu_sync(p);
	return p->fregs[index & 31];
}

void fpu_write(struct proc *p, unsigned reg, uint64_t value)
{
	fpu_sync(p);
	if (!p->fp_used) {
		memset(p->fregs, 0, sizeof(p->fregs));
		p->fcsr = 0;
		p->fp_used = true;
	}
	if (reg == CAIRN_REG_FCSR)
		p->fcsr = value;
	else
		p->fregs[(reg - 32) & 31] = value;
	if (fpu_owner == p)
		fpu_owner = NULL; /* reload on the next switch */
	p->dirty = true;
}
